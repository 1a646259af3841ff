#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check attribd's answers against Kea's own lease file.

Reads a Kea 2.2 memfile lease file (kea-leases4.csv or kea-leases6.csv
schema, rows in write order) and the subscriber map the test imported, works
out for every lease row who held its address and when, asks attribd over its
control socket in one batch, and compares:

- each committed row (valid lifetime > 0, state 0): within a second of its
  commit time (cltt = expire - valid_lifetime, whole seconds), and halfway to the same client's next commit of
  the address, the address (for a delegated prefix, an address inside it)
  resolves to the account the lease's client maps to ("match");
- each address still leased when the run ended resolves at --now to that
  account; each whose last row deletes it (a release) or declines it resolves
  at --now to "none";
- --window FROM TO: commits inside it are expected lost (their answers must
  say coverage "gap"), and are not checked for an account.

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
    by_addr = {}
    for r in rows:
        key = (r["address"], r.get("lease_type", "0"))
        by_addr.setdefault(key, []).append(r)

    checks = []  # (lookup, expected status, expected account, why, in_window)
    for key, seq in by_addr.items():
        for i, r in enumerate(seq):
            valid = int(r["valid_lifetime"])
            if valid == 0 or r["state"] != "0":
                continue
            cltt = int(r["expire"]) - valid
            who = client_of(r, a.family)
            acc = accounts.get(who)
            if acc is None:
                print("FAIL: %s leased to %s=%s, which the map does not name"
                      % (r["address"], who[0], who[1]))
                checks.append(None)
                continue
            times = [cltt]
            nxt = seq[i + 1] if i + 1 < len(seq) else None
            if nxt is not None and int(nxt["valid_lifetime"]) > 0 and nxt["state"] == "0" \
                    and client_of(nxt, a.family) == who:
                ncltt = int(nxt["expire"]) - int(nxt["valid_lifetime"])
                if ncltt - cltt >= 2:
                    times.append((cltt + ncltt) // 2)
            if nxt is None and a.now < int(r["expire"]):
                times.append(a.now)
            for t in times:
                lost = a.window and a.window[0] <= cltt <= a.window[1]
                q = {"address": inside(r, a.family), "time": "@%d" % t}
                if t == cltt:
                    # Kea keeps whole seconds: the lease began within cltt's
                    # second, and may have been released within it.
                    q["tolerance"] = 1
                checks.append((q, "match", acc, "commit at %d" % cltt, lost))
        last = seq[-1]
        if int(last["valid_lifetime"]) == 0 or last["state"] == "1":
            checks.append(({"address": inside(last, a.family), "time": "@%d" % a.now},
                           "none", None, "released or declined", False))

    asked = [c for c in checks if c is not None]
    answers = ask(a.socket, [c[0] for c in asked]) if asked else []
    failed = checks.count(None)
    counts = {}
    gaps = 0
    for (lookup, status, acc, why, lost), ans in zip(asked, answers):
        where = "%s at %s (%s)" % (lookup["address"], lookup["time"], why)
        if lost:
            if ans.get("coverage") != "gap":
                print("FAIL: %s: a commit while the journal failed, answered with coverage %s"
                      % (where, ans.get("coverage")))
                failed += 1
            gaps += 1
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
    print("oracle: %d lease rows, %d answers checked (%s), %d in the failure window, %d failed"
          % (len(rows), total, ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())),
             gaps, failed))
    if total < a.min_checks:
        print("FAIL: only %d answers to check, expected at least %d" % (total, a.min_checks))
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
