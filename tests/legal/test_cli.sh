#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The legal subcommands end to end: exports (with and without a case, with
# and without the legal role), their digests recomputed by coreutils'
# sha256sum (not by our code), holds through a purge, the audit verified and
# then tampered with, and what each role sees over attribd's socket.  Every
# value is worked out from the leases below by the rules of DESIGN.md.
#
# usage: test_cli.sh ATTRIB ATTRIBD PART    (PART: export, holds, audit, roles, purge)
set -u

attrib=$1
attribd=$2
part=$3

for tool in jq sqlite3 sha256sum; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "$tool is needed"
		exit 77
	fi
done

tmp=$(mktemp -d)
daemon=
cleanup() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	# What attribd said, when something failed: a daemon that died (a
	# sanitizer's report) shows up here, not as "Connection refused".
	if [ "${failures:-0}" -ne 0 ] && [ -s "$tmp/attribd.log" ]; then
		echo "attribd's log:"
		sed 's/^/    /' "$tmp/attribd.log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/attrib.db
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run WANT ARG...: attrib on the store file; stdout to $tmp/out, stderr to
# $tmp/err; a failure unless it exits WANT.
run() {
	want=$1
	shift
	got=0
	"$attrib" --db "$db" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
	if [ "$got" -ne "$want" ]; then
		fail "attrib $*: exit status $got, expected $want"
		sed 's/^/    /' "$tmp/out" "$tmp/err"
	fi
}

# expect FILE TEXT: FILE holds the line TEXT.
expect() {
	grep -qxF -- "$2" "$1" || { fail "$1 lacks the line: $2"; sed 's/^/    /' "$1"; }
}

# On 2026-01-10: 192.0.2.10 to A from 08:00, renewed at 08:30 for an hour
# (until 09:30), then to B from 10:00 to 11:00; 192.0.2.11 to B 12:00-13:00.
MAC_A=00:00:5e:00:53:01
MAC_B=00:00:5e:00:53:02
cat >"$tmp/events.jsonl" <<EOT
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.10","time":"2026-01-10T08:00:00Z","valid-lifetime":3600,"hwaddr":"$MAC_A"}
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.10","time":"2026-01-10T08:30:00Z","valid-lifetime":3600,"hwaddr":"$MAC_A"}
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.10","time":"2026-01-10T10:00:00Z","valid-lifetime":3600,"hwaddr":"$MAC_B","hostname":"b, \"the\" laptop"}
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.11","time":"2026-01-10T12:00:00Z","valid-lifetime":3600,"hwaddr":"$MAC_B"}
EOT
cat >"$tmp/subs.csv" <<EOT
kind,value,account,valid_from,valid_to
hwaddr,$MAC_A,ACC-A,2025-01-01T00:00:00Z,
hwaddr,$MAC_B,ACC-B,2025-01-01T00:00:00Z,
EOT
run 0 apply "$tmp/events.jsonl"
run 0 import subscribers "$tmp/subs.csv"

DAY="--from 2026-01-10T00:00:00Z --to 2026-01-11T00:00:00Z"

case $part in
export)
	# No case reference: refused, nothing written, and the attempt audited.
	run 77 export --address 192.0.2.10 $DAY --out "$tmp/x0"
	grep -q 'case reference' "$tmp/err" || fail "the refusal does not name the case reference"
	[ ! -e "$tmp/x0" ] || fail "a refused export wrote $tmp/x0"
	run 0 audit show --json
	[ "$(jq '[.entries[] | select(.command == "export" and .result == 1 and
		(.status | test("case reference")))] | length' "$tmp/out")" = 1 ] ||
		fail "the refused export is not in the audit"

	run 0 export --case "AZ 12/26" --address 192.0.2.10 $DAY --out "$tmp/x1"
	expect "$tmp/out" "case AZ 12/26: 2 records, 3 evidence events written to $tmp/x1 (report.txt)"
	x=$tmp/x1
	for f in records.csv records.json evidence.csv evidence.json report.txt report.pdf SHA256SUMS; do
		[ -f "$x/$f" ] || fail "export lacks $f"
	done
	# Two bindings of .10 (A's, ended at its expected end when B's lease
	# came; B's, expected to end at 11:00), the events behind each.
	[ "$(wc -l <"$x/records.csv")" -eq 3 ] || fail "records.csv: expected a header and 2 rows"
	jq -r '.records[] | [.prefix, .start, .end, .["end-reason"], .account, .identities.hwaddr,
		(.evidence | length)] | @tsv' "$x/records.json" >"$tmp/rec"
	expect "$tmp/rec" "$(printf '192.0.2.10\t2026-01-10T08:00:00Z\t2026-01-10T09:30:00Z\texpired\tACC-A\t%s\t2' $MAC_A)"
	expect "$tmp/rec" "$(printf '192.0.2.10\t2026-01-10T10:00:00Z\t2026-01-10T11:00:00Z\texpected-end\tACC-B\t%s\t1' $MAC_B)"
	grep -q '^1,192.0.2.10,2026-01-10T08:00:00Z,2026-01-10T09:30:00Z,expired,ACC-A,ACC-A,dhcp4,kea-a,' \
		"$x/records.csv" || fail "records.csv row 1"
	# A hostname with a comma and quotes is quoted as RFC 4180 says.
	grep -qF '"b, ""the"" laptop"' "$x/evidence.csv" || fail "evidence.csv: the hostname is not quoted"
	[ "$(jq '.events | length' "$x/evidence.json")" = 3 ] || fail "evidence.json: expected 3 events"

	# The digests recompute: with coreutils, from the files on disk.
	(cd "$x" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not recompute"
	for f in records.csv records.json evidence.csv evidence.json; do
		grep -qxF "$(cd "$x" && sha256sum "$f")" "$x/report.txt" ||
			fail "report.txt does not give the SHA-256 of $f"
	done
	grep -qxF "$(cd "$x" && sha256sum report.txt)" "$x/SHA256SUMS" || fail "SHA256SUMS: report.txt"
	grep -qxF "$(cd "$x" && sha256sum report.pdf)" "$x/SHA256SUMS" || fail "SHA256SUMS: report.pdf"
	expect "$x/report.txt" "Case reference  AZ 12/26"
	expect "$x/report.txt" "Query           every binding of address 192.0.2.10"
	expect "$x/report.txt" "                overlapping 2026-01-10T00:00:00Z (included)"
	expect "$x/report.txt" "Run by          uid $(id -u) ($(id -un)), role legal"
	expect "$x/report.txt" "Time zone       every time in these files is UTC: RFC 3339 with the suffix Z"
	grep -q "^Software        attrib [0-9.]* (store schema [0-9]*)" "$x/report.txt" ||
		fail "report.txt: no software version"
	grep -q "^Run at          20[0-9-]*T[0-9:.]*Z$" "$x/report.txt" || fail "report.txt: no run time"
	head -c 5 "$x/report.pdf" | grep -q '^%PDF-' || fail "report.pdf is not a PDF"
	# Set as PDF text: "/" is written \057 inside a PDF string.
	grep -aqF '(Case reference  AZ 12\05726) Tj' "$x/report.pdf" ||
		fail "report.pdf lacks the report's text"
	# The audit entry names the digest the report names.
	digest=$(sed -n 's/^Answer digest   sha256 //p' "$x/report.txt")
	run 0 audit show --case "AZ 12/26" --json
	[ "$(jq -r '.entries[0].status' "$tmp/out")" = \
		"case AZ 12/26: 2 records, 3 events disclosed, sha256 $digest" ] ||
		fail "the audit entry of the export does not name its digest $digest"
	# A changed file no longer recomputes.
	printf 'x' >>"$x/records.csv"
	if (cd "$x" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1); then
		fail "a changed records.csv still matches its digest"
	fi

	# Never over an earlier export; prefixes and accounts.
	run 64 export --case C --address 192.0.2.10 $DAY --out "$tmp/x1"
	run 0 export --case C --prefix 192.0.2.0/24 $DAY --out "$tmp/x2"
	[ "$(jq '.records | length' "$tmp/x2/records.json")" = 3 ] || fail "prefix export: 3 records"
	run 0 export --case C --account ACC-B $DAY --out "$tmp/x3"
	jq -r '.records[] | .prefix + " " + .start' "$tmp/x3/records.json" >"$tmp/rec"
	expect "$tmp/rec" "192.0.2.10 2026-01-10T10:00:00Z"
	expect "$tmp/rec" "192.0.2.11 2026-01-10T12:00:00Z"
	run 64 export --case C --address 192.0.2.10 --account ACC-B $DAY --out "$tmp/x4"
	run 65 export --case "" --address 192.0.2.10 $DAY --out "$tmp/x4"
	run 64 export --case C --address 192.0.2.10 $DAY
	;;
holds)
	run 0 hold add --case H1 --address 192.0.2.10 --from 2026-01-01T00:00:00Z \
		--to 2026-02-01T00:00:00Z --until 2099-12-31
	run 0 hold list --json
	[ "$(jq -r '.holds[0] | .case + " " + .address + " " + .until' "$tmp/out")" = \
		"H1 192.0.2.10 2100-01-01T00:00:00Z" ] || fail "hold list: $(cat "$tmp/out")"
	run 77 hold add --address 192.0.2.11 --from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z
	run 0 purge 30
	run 0 purge 30 --json
	# Nothing left to purge the second time; the two held bindings kept.
	[ "$(jq -c '[.bindings, .held]' "$tmp/out")" = "[0,2]" ] || fail "purge: $(cat "$tmp/out")"
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM binding')" = 2 ] || fail "the held bindings went"
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM event')" = 3 ] || fail "the held events went"
	run 4 lookup 192.0.2.11 2026-01-10T12:30:00Z
	run 4 lookup 192.0.2.10 2026-01-10T08:30:00Z
	run 0 export --case H1 --address 192.0.2.10 $DAY --out "$tmp/h1"
	[ "$(jq '.records | length' "$tmp/h1/records.json")" = 2 ] || fail "held records not exported"
	grep -q "^Retention       records that ended before 20" "$tmp/h1/report.txt" ||
		fail "report.txt does not state the retention horizon"
	run 0 hold release H1
	run 65 hold release H1
	run 0 purge 30 --json
	[ "$(jq -c '[.bindings, .held]' "$tmp/out")" = "[2,0]" ] || fail "purge after release: $(cat "$tmp/out")"
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM binding')" = 0 ] || fail "released bindings kept"
	run 0 hold list --all --json
	[ "$(jq '.holds[0]["in-force"]' "$tmp/out")" = false ] || fail "the released hold is in force"
	;;
audit)
	# Not an apply or an import (they write the store, not through the
	# commands): the lookups are entries 1 to 3.
	for t in 08:15 08:45 10:15; do
		run 0 lookup 192.0.2.10 2026-01-10T$t:00Z
	done
	run 0 audit verify --save-anchor "$tmp/anchor"
	grep -q '^the audit holds: 3 entries, the last 3 ' "$tmp/out" || fail "verify: $(cat "$tmp/out")"
	grep -q '^attrib-audit-anchor 1 3 [0-9a-f]\{64\}$' "$tmp/anchor" || fail "anchor: $(cat "$tmp/anchor")"
	run 0 audit verify --anchor "$tmp/anchor"       # entry 5
	# Entry 2 (a lookup) altered: named.
	sqlite3 "$db" "DROP TRIGGER audit_no_update; UPDATE audit SET uid = 4242 WHERE id = 2"
	run 1 audit verify                              # 6
	expect "$tmp/out" "THE AUDIT DOES NOT HOLD: entry 2 was altered: its chain value does not follow from it and the entry before"
	sqlite3 "$db" "UPDATE audit SET uid = $(id -u) WHERE id = 2"
	run 0 audit verify                              # 7
	# Entry 3 deleted: named.
	sqlite3 "$db" "DROP TRIGGER audit_no_delete; CREATE TABLE keep AS SELECT * FROM audit WHERE id = 3;
		DELETE FROM audit WHERE id = 3"
	run 1 audit verify
	expect "$tmp/out" "THE AUDIT DOES NOT HOLD: entry 3 was deleted"
	# Entries 2 and 3 swapped: named.
	sqlite3 "$db" "INSERT INTO audit SELECT * FROM keep; UPDATE audit SET id = 100 WHERE id = 2;
		UPDATE audit SET id = 2 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = 100"
	run 1 audit verify
	expect "$tmp/out" "THE AUDIT DOES NOT HOLD: entries reordered: what was entry 2 is now at 3"
	sqlite3 "$db" "UPDATE audit SET id = 100 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3;
		UPDATE audit SET id = 3 WHERE id = 100"
	# The last entries deleted: named, though the chain before them holds.
	sqlite3 "$db" "DELETE FROM audit WHERE id >= 8"
	run 1 audit verify
	grep -q '^THE AUDIT DOES NOT HOLD: entries 8 to 9 were deleted from the end' "$tmp/out" ||
		fail "truncation: $(cat "$tmp/out")"
	# Rewritten to look whole, anchor too: only the kept anchor shows it.
	sqlite3 "$db" "DELETE FROM audit WHERE id >= 2;
		UPDATE audit_anchor SET entries = 1, last_id = 1, chain = (SELECT chain FROM audit WHERE id = 1)"
	run 0 lookup 192.0.2.10 2026-01-10T08:15:00Z    # a new entry 2
	run 0 audit verify                              # 3
	run 1 audit verify --anchor "$tmp/anchor"
	expect "$tmp/out" "THE AUDIT DOES NOT HOLD: entry 3 differs from the anchor kept outside the store: the chain up to it was rewritten"
	run 65 audit verify --anchor "$tmp/events.jsonl"
	run 64 audit frobnicate
	;;
roles)
	uid=$(id -u)
	sock=$tmp/attribd.sock
	mkdir "$tmp/journal"
	config() {
		cat >"$tmp/attribd.json" <<EOT
{"attribd": {"database": "$db", "journal-dir": "$tmp/journal",
  "control-socket": {"socket-name": "$sock"},
  "roles": [{"role": "$1", "users": [$uid]}]}}
EOT
	}
	config support
	"$attribd" -c "$tmp/attribd.json" 2>"$tmp/attribd.log" &
	daemon=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || { fail "attribd did not start"; cat "$tmp/attribd.log"; exit 1; }
	ask() {
		want=$1
		shift
		got=0
		"$attrib" --socket "$sock" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
		[ "$got" -eq "$want" ] || { fail "attrib --socket $*: exit $got, expected $want";
			sed 's/^/    /' "$tmp/out" "$tmp/err"; }
	}
	# Support: the account, no identities; no export, no holds, no audit.
	ask 0 --json lookup 192.0.2.10 2026-01-10T08:15:00Z
	[ "$(jq -c '[.account, .candidates[0].identities, .candidates[0].server]' "$tmp/out")" = \
		'["ACC-A",null,null]' ] || fail "support saw: $(cat "$tmp/out")"
	ask 77 export --case S1 --address 192.0.2.10 $DAY --out "$tmp/s1"
	grep -q 'needs the role legal' "$tmp/err" || fail "support export: $(cat "$tmp/err")"
	[ ! -e "$tmp/s1" ] || fail "a refused export wrote files"
	ask 77 hold list
	ask 77 audit show
	# Abuse: identities too, still no export.
	config abuse
	kill -HUP "$daemon"
	for i in $(seq 50); do grep -q 'reloaded' "$tmp/attribd.log" && break; sleep 0.1; done
	ask 0 --json lookup 192.0.2.10 2026-01-10T08:15:00Z
	[ "$(jq -r '.candidates[0].identities.hwaddr' "$tmp/out")" = $MAC_A ] ||
		fail "abuse saw: $(cat "$tmp/out")"
	ask 77 export --case S2 --address 192.0.2.10 $DAY --out "$tmp/s2"
	# Legal: the export, and the audit of all the above.
	config legal
	kill -HUP "$daemon"
	for i in $(seq 50); do [ "$(grep -c 'reloaded' "$tmp/attribd.log")" -ge 2 ] && break; sleep 0.1; done
	ask 0 export --case S3 --address 192.0.2.10 $DAY --out "$tmp/s3"
	(cd "$tmp/s3" && sha256sum --quiet -c SHA256SUMS) || fail "socket export digests"
	grep -q "^Answered by     attribd, socket $sock" "$tmp/s3/report.txt" || fail "report: who answered"
	ask 0 audit show --json
	jq -r '.entries[] | select(.uid == '"$uid"') | [.role, .command, .result] | @tsv' \
		"$tmp/out" >"$tmp/entries"
	expect "$tmp/entries" "$(printf 'support\tlookup\t0')"
	expect "$tmp/entries" "$(printf 'support\texport\t1')"
	expect "$tmp/entries" "$(printf 'support\thold-list\t1')"
	expect "$tmp/entries" "$(printf 'abuse\tlookup\t0')"
	expect "$tmp/entries" "$(printf 'abuse\texport\t1')"
	expect "$tmp/entries" "$(printf 'legal\texport\t0')"
	ask 0 audit verify
	;;
purge)
	# attribd purges at start (then daily) through the purge command, as
	# itself with the admin role; a hold made beforehand keeps .10.
	run 0 hold add --case K1 --address 192.0.2.10 --from 2026-01-01T00:00:00Z \
		--to 2026-02-01T00:00:00Z
	sock=$tmp/attribd.sock
	mkdir "$tmp/journal"
	cat >"$tmp/attribd.json" <<EOT
{"attribd": {"database": "$db", "journal-dir": "$tmp/journal", "retention-days": 30,
  "control-socket": {"socket-name": "$sock"}, "roles": []}}
EOT
	"$attribd" -c "$tmp/attribd.json" 2>"$tmp/attribd.log" &
	daemon=$!
	for i in $(seq 50); do
		[ "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE command = 'purge'")" = 1 ] && break
		sleep 0.1
	done
	kill "$daemon"
	wait "$daemon"
	daemon=
	run 0 audit show --json
	[ "$(jq -c '[.entries[] | select(.command == "purge") | [.role, .result, .uid]]' \
		"$tmp/out")" = "[[\"admin\",0,$(id -u)]]" ] || fail "no purge entry: $(cat "$tmp/out")"
	jq -r '.entries[] | select(.command == "purge") | .status' "$tmp/out" >"$tmp/st"
	grep -q '^purged 1 bindings, 1 events, 0 sessions before 20.*; 2 kept under hold$' "$tmp/st" ||
		fail "purge: $(cat "$tmp/st")"
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM binding')" = 2 ] || fail "attribd purged held records"
	run 4 lookup 192.0.2.11 2026-01-10T12:30:00Z
	;;
*)
	echo "unknown part $part"
	exit 2
	;;
esac

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
