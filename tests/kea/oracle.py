#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check attribd's answers against Kea's own lease file.

Reads a Kea 2.2 memfile lease file (kea-leases4.csv or kea-leases6.csv
schema, rows in write order) and the subscriber map the test imported, works
out for every lease row who held its address and when, asks attribd over its
control socket in one batch, and compares:

- each committed row (valid lifetime > 0, state 0): a second after its
  commit time (cltt = expire - valid_lifetime, whole seconds) when the file
  shows the client still held it then, and halfway to the same client's
  next commit of the address, the address (for a delegated prefix, an
  address inside it) resolves to the account its client maps to ("match");
- each address still leased when the run ended resolves at --now to that
  account; each whose last row deletes it (a release), declines it or says
  it expired and was reclaimed resolves at --now to "none";
- --window FROM TO: commits inside it may have been lost: each answers the
  right account or "none" with coverage "gap", never another account, and
  at least one answers with the gap.

Prints one line per failure and a summary; exits 1 if anything failed.
"""
import argparse
import csv
import json
import socket
import sys


def load_map(path):
    """kind,value,account,valid_from,valid_to -> {(kind, value): account}."""
    out = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out[(row["kind"], row["value"].lower())] = row["account"]
    return out


def client_of(row, family):
    if family == 4:
        return ("hwaddr", row["hwaddr"].lower())
    return ("duid", row["duid"].lower())


def inside(row, family):
    """An address to look up: the lease's, or the first inside its prefix."""
    if family == 6 and row["lease_type"] == "2":
        return row["address"].rstrip(":") + "::1" if row["address"].endswith("::") \
            else row["address"]
    return row["address"]


def ask(sock_path, lookups):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    answers = []
    for i in range(0, len(lookups), 500):
        part = lookups[i:i + 500]
        req = {"command": "lookup", "arguments": {"lookups": part}}
        s.sendall((json.dumps(req) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit("attribd closed the socket")
            buf += chunk
        resp = json.loads(buf)
        if resp.get("result") != 0:
            raise SystemExit("attribd refused the lookups: %s" % resp.get("text"))
        answers += resp["arguments"]["lookups"]
    s.close()
    return answers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--leases", required=True)
    ap.add_argument("--family", type=int, choices=(4, 6), required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--now", type=int, required=True)
    ap.add_argument("--circuit-id")
    ap.add_argument("--window", type=int, nargs=2)
    ap.add_argument("--min-checks", type=int, default=1)
    a = ap.parse_args()

    accounts = load_map(a.map)
    with open(a.leases, newline="") as f:
        rows = list(csv.DictReader(f))
    # The latest commit written before row i: no row written after it can
    # have happened earlier (cltt is the commit time in whole seconds).
    before = []
    latest = 0
    for r in rows:
        before.append(latest)
        if int(r["valid_lifetime"]) > 0 and r["state"] == "0":
            latest = max(latest, int(r["expire"]) - int(r["valid_lifetime"]))
    by_addr = {}
    for i, r in enumerate(rows):
        key = (r["address"], r.get("lease_type", "0"))
        by_addr.setdefault(key, []).append(i)

    def committed(r):
        return int(r["valid_lifetime"]) > 0 and r["state"] == "0"

    checks = []  # (lookup, expected status, expected account, why, in_window)
    for key, seq in by_addr.items():
        for j, i in enumerate(seq):
            r = rows[i]
            if not committed(r):
                continue
            cltt = int(r["expire"]) - int(r["valid_lifetime"])
            who = client_of(r, a.family)
            acc = accounts.get(who)
            if acc is None:
                print("FAIL: %s leased to %s=%s, which the map does not name"
                      % (r["address"], who[0], who[1]))
                checks.append(None)
                continue
            # The client held the address from within cltt's second for as
            # long as its own renewals follow; whatever ended that (a
            # release, a decline, another client) came no earlier than the
            # latest commit written before it, or than the end of the run.
            k = j + 1
            while k < len(seq) and committed(rows[seq[k]]) and \
                    client_of(rows[seq[k]], a.family) == who:
                k += 1
            held_until = before[seq[k]] if k < len(seq) else a.now
            times = []
            if cltt + 1 < min(held_until, int(r["expire"])):
                times.append(cltt + 1)
            if j + 1 < k:
                ncltt = int(rows[seq[j + 1]]["expire"]) - int(rows[seq[j + 1]]["valid_lifetime"])
                if ncltt - cltt >= 3:
                    times.append((cltt + ncltt) // 2)
            if k == len(seq) and j + 1 == k and a.now < int(r["expire"]):
                times.append(a.now)
            lost = a.window and a.window[0] <= cltt <= a.window[1]
            for t in sorted(set(times)):
                checks.append(({"address": inside(r, a.family), "time": "@%d" % t},
                               "match", acc, "commit at %d" % cltt, lost))
        last = rows[seq[-1]]
        if int(last["valid_lifetime"]) == 0 or last["state"] == "1" or \
                (last["state"] == "2" and int(last["expire"]) <= a.now):
            checks.append(({"address": inside(last, a.family), "time": "@%d" % a.now},
                           "none", None, "released, declined or expired", False))

    asked = [c for c in checks if c is not None]
    answers = ask(a.socket, [c[0] for c in asked]) if asked else []
    failed = checks.count(None)
    counts = {}
    gaps = 0
    for (lookup, status, acc, why, lost), ans in zip(asked, answers):
        where = "%s at %s (%s)" % (lookup["address"], lookup["time"], why)
        if lost:
            # Journaled before the disk filled (the right account), or lost
            # and answered with a gap: never another account.
            right = ans.get("status") == "match" and ans.get("account") == acc
            if ans.get("coverage") == "gap" and ans.get("status") in ("none", "match"):
                gaps += 1
            if not right and not (ans.get("coverage") == "gap" and
                                  ans.get("status") == "none"):
                print("FAIL: %s: while the journal failed, answered %s %s, coverage %s"
                      % (where, ans.get("status"), ans.get("account", ""),
                         ans.get("coverage")))
                failed += 1
            continue
        counts[status] = counts.get(status, 0) + 1
        if ans.get("status") != status or ans.get("account") != acc:
            print("FAIL: %s: expected %s %s, attribd said %s %s" % (
                where, status, acc or "", ans.get("status"), ans.get("account", "")))
            failed += 1
            continue
        if status == "match" and a.circuit_id:
            ids = ans["candidates"][0].get("identities") or {}
            if ids.get("circuit-id") != a.circuit_id:
                print("FAIL: %s: circuit-id %r, expected %r"
                      % (where, ids.get("circuit-id"), a.circuit_id))
                failed += 1
    total = len(asked)
    print("oracle: %d lease rows, %d answers checked (%s), %d answered with a gap, %d failed"
          % (len(rows), total, ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())),
             gaps, failed))
    if a.window and gaps == 0:
        print("FAIL: no answer in the failure window says coverage gap")
        failed += 1
    if total < a.min_checks:
        print("FAIL: only %d answers to check, expected at least %d" % (total, a.min_checks))
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
