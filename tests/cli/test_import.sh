#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `attrib import` end to end: each case loads files from tests/data/import
# into a fresh store and checks what `attrib lookup` then answers, each value
# worked out by hand from the attribution rules (DESIGN.md).  The files start
# on 2026-01-01T00:00:00Z (@1767225600).
#
# usage: test_import.sh ATTRIB DATA-DIR CASE
set -u

attrib=$1
data=$2
case=$3

if ! command -v jq >/dev/null 2>&1; then
	echo "jq is needed (apt-get install jq)"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/attrib.db
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run WANT ARG...: attrib on the test's store; stdout to $tmp/out, stderr to
# $tmp/err; a failure unless it exits WANT.
run() {
	want=$1
	shift
	got=0
	"$attrib" --db "$db" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
	if [ "$got" -ne "$want" ]; then
		fail "attrib $*: exit status $got, expected $want"
		sed 's/^/    /' "$tmp/err"
	fi
}

# lookup ADDRESS TIME WANT [JQ-PATH VALUE]...: the exit status and the values
# of `lookup --json` at the paths.
lookup() {
	addr=$1
	time=$2
	want=$3
	shift 3
	run "$want" lookup "$addr" "2026-01-01T$time" --json
	while [ $# -ge 2 ]; do
		value=$(jq -r "$1" "$tmp/out" 2>&1)
		if [ "$value" != "$2" ]; then
			fail "lookup $addr $time: $1 is \"$value\", expected \"$2\""
		fi
		shift 2
	done
}

# err_has TEXT: the last command's stderr holds TEXT (a fixed string).
err_has() {
	if ! grep -qF -- "$1" "$tmp/err"; then
		fail "stderr lacks \"$1\""
		sed 's/^/    /' "$tmp/err"
	fi
}

# The accounts and identities every lease case maps to.
subscribers() {
	run 0 import subscribers "$data/subs.csv"
	err_has "imported 10 rows from $data/subs.csv"
}

c0='.candidates[0]'

case $case in
v4)
	subscribers
	run 0 import kea-leases "$data/kea4.csv"
	err_has "imported 10 rows from $data/kea4.csv"

	# 192.0.2.10: committed 00:00, renewed 00:30 to 01:30, then deleted
	# (valid_lifetime 0) at an unknown time: it may have held to 01:30.
	lookup 192.0.2.10 00:15:00Z 0 .account ACME-1001 "$c0.identity.kind" client-id \
		"$c0.start" 2026-01-01T00:00:00Z "$c0.end" 2026-01-01T01:30:00Z \
		"$c0.confidence" confirmed "$c0.source" import "$c0.server" kea4.csv \
		"$c0.identities.\"circuit-id\"" port7 "$c0.identities.\"remote-id\"" 01:02:03:04:05 \
		"$c0.identities.hostname" cpe-01
	lookup 192.0.2.10 00:45:00Z 0 .account ACME-1001 "$c0.confidence" unconfirmed
	lookup 192.0.2.10 01:45:00Z 1 .status none
	# then another client from 02:00, its account quoted in the CSV
	lookup 192.0.2.10 02:30:00Z 0 .account 'ACME "Gold" 1003' \
		"$c0.start" 2026-01-01T02:00:00Z "$c0.identity.value" 00:00:5e:00:53:03

	# 192.0.2.12: committed 00:00, declined 00:10
	lookup 192.0.2.12 00:05:00Z 0 .account ACME-1004 "$c0.end" 2026-01-01T00:10:00Z
	lookup 192.0.2.12 00:20:00Z 1 .status none

	# 192.0.2.11: committed 00:01 for an hour, reclaimed after it expired,
	# then flushed: it ended at 01:01, its expected end
	lookup 192.0.2.11 00:30:00Z 0 .account "Doe, Jane" \
		"$c0.start" 2026-01-01T00:01:00Z "$c0.end" 2026-01-01T01:01:00Z
	lookup 192.0.2.11 01:05:00Z 1 .status none

	# 198.51.100.20: a client no subscriber row names; escaped hostname
	lookup 198.51.100.20 00:30:00Z 3 .status unmapped "$c0.account" null \
		"$c0.identity.value" 00:00:5e:00:53:05 \
		"$c0.identities.hostname" "lab,bench&desk.example"

	# The same file again changes nothing.
	run 0 import kea-leases "$data/kea4.csv"
	err_has "imported 10 rows from $data/kea4.csv (10 already known)"
	lookup 192.0.2.10 02:30:00Z 0 .account 'ACME "Gold" 1003' '.candidates | length' 1
	lookup 192.0.2.11 00:30:00Z 0 "$c0.end" 2026-01-01T01:01:00Z
	;;

v6)
	subscribers
	run 0 import kea-leases "$data/kea6.csv"
	err_has "imported 5 rows from $data/kea6.csv"

	# NA of ...:21 from 00:00, two hours
	lookup 2001:db8:1::100 00:30:00Z 0 .account ACME-2001 "$c0.identity.kind" duid \
		"$c0.identities.iaid" 1 "$c0.prefix" 2001:db8:1::100
	lookup 2001:db8:1::100 02:30:00Z 1 .status none
	# its PD from 00:00, renewed at 01:00 to 03:00: an address inside it
	lookup 2001:db8:8000:4242::1 02:30:00Z 0 .account ACME-2001 \
		"$c0.prefix" 2001:db8:8000:4200::/56 "$c0.start" 2026-01-01T00:00:00Z \
		"$c0.end" 2026-01-01T03:00:00Z
	lookup 2001:db8:8000:4300::1 00:30:00Z 1 .status none
	# NA of ...:22 from 00:05, deleted later: gone at its expected end 02:05
	lookup 2001:db8:1::101 00:04:00Z 1 .status none
	lookup 2001:db8:1::101 00:10:00Z 0 .account ACME-2002 "$c0.identities.iaid" 7
	lookup 2001:db8:1::101 02:10:00Z 1 .status none
	;;

columns)
	# Kea 2.4's pool_id column, and a Kea 1.x file without state and
	# user_context, in one run.
	subscribers
	run 0 import kea-leases "$data/kea4-pool-id.csv" "$data/kea4-old.csv"
	err_has "imported 1 rows from $data/kea4-pool-id.csv"
	err_has "imported 1 rows from $data/kea4-old.csv"
	# (and Kea 2.4's form of option 82 in the user context, names as text)
	lookup 192.0.2.20 00:30:00Z 0 .account ACME-1006 "$c0.end" 2026-01-01T01:00:00Z \
		"$c0.identities.\"circuit-id\"" ge-0/1 "$c0.identities.\"remote-id\"" olt-07
	lookup 192.0.2.21 00:30:00Z 0 .account ACME-1012 "$c0.identities.hostname" old-kea
	;;

rotation)
	# Naming the live file also reads .2 and .1, first.
	subscribers
	live=$data/rotation/kea-leases4.csv
	run 0 import kea-leases "$live"
	err_has "reading $live.2 and $live.1 first"
	grep -o 'imported .* rows from [^ ]*' "$tmp/err" >"$tmp/order"
	printf 'imported 1 rows from %s\n' "$live.2" "$live.1" "$live" >"$tmp/expected"
	cmp -s "$tmp/order" "$tmp/expected" || fail "files read in this order: $(cat "$tmp/order")"

	# ...:07 from 00:00, renewed (in .1) at 00:40 to 01:40; ...:08 from 02:00
	lookup 192.0.2.30 00:20:00Z 0 .account ACME-3007 "$c0.server" kea-leases4.csv
	lookup 192.0.2.30 01:20:00Z 0 .account ACME-3007 "$c0.end" 2026-01-01T01:40:00Z
	lookup 192.0.2.30 01:50:00Z 1 .status none
	lookup 192.0.2.30 02:30:00Z 0 .account ACME-3008

	# Named in any order, they are read .2, .1, live, and nothing else.
	rm -f "$db"
	run 0 import kea-leases "$live" "$live.1" "$live.2"
	grep -o 'imported .* rows from [^ ]*' "$tmp/err" >"$tmp/order"
	cmp -s "$tmp/order" "$tmp/expected" || fail "files read in this order: $(cat "$tmp/order")"
	if grep -q first "$tmp/err"; then
		fail "files named were announced as found"
	fi
	;;

upgrade)
	# A store written before schema 010 holds the renewal of one client
	# (client-id 01:cc) from another card only in its evidence: the upgrade
	# keeps that card beside the binding, so that the answer names both
	# cards' accounts (A: ACC-A, B: ACC-B) instead of the first alone.
	printf '%s\n' 'kind,value,account,valid_from,valid_to' \
		'hwaddr,00:00:5e:00:53:0a,ACC-A,2025-01-01T00:00:00Z,' \
		'hwaddr,00:00:5e:00:53:0b,ACC-B,2025-01-01T00:00:00Z,' >"$tmp/subs.csv"
	run 0 import subscribers "$tmp/subs.csv"
	ev='{"type":"lease-commit","source":"dhcp4","server":"k","address":"192.0.2.60",'
	ev=$ev'"client-id":"01:cc","valid-lifetime":3600,'
	{ echo "$ev"'"hwaddr":"00:00:5e:00:53:0a","time":"2026-01-01T00:00:00Z"}'
	  echo "$ev"'"hwaddr":"00:00:5e:00:53:0b","time":"2026-01-01T00:30:00Z"}'; } >"$tmp/ev"
	run 0 apply "$tmp/ev"
	lookup 192.0.2.60 00:45:00Z 2 .status ambiguous
	# A store at 9 has nothing of 010 and what came after (013's table,
	# column and index, 014's column too).
	undo_new='DROP TABLE journal_wait; DROP INDEX journal_writer;
		ALTER TABLE journal DROP COLUMN heard_last;
		ALTER TABLE journal DROP COLUMN created;'
	sqlite3 "$db" "DROP TRIGGER binding_identity_gone; DROP TABLE binding_identity;
		$undo_new PRAGMA user_version = 9;"
	lookup 192.0.2.60 00:45:00Z 2 .status ambiguous '.candidates | length' 2
	[ "$(sqlite3 "$db" 'PRAGMA user_version')" -ge 10 ] || fail "the store was not upgraded"

	# The same client's release from card B ended its binding of 192.0.2.61
	# (taken from card A): upgraded from before 012, the release's card is
	# kept beside the binding too.
	ev='{"source":"dhcp4","server":"k","address":"192.0.2.61","client-id":"01:cd",'
	{ echo "$ev"'"type":"lease-commit","valid-lifetime":3600,'\
'"hwaddr":"00:00:5e:00:53:0a","time":"2026-01-01T00:00:00Z"}'
	  echo "$ev"'"type":"lease-release","hwaddr":"00:00:5e:00:53:0b",'\
'"time":"2026-01-01T00:40:00Z"}'; } >"$tmp/ev"
	run 0 apply "$tmp/ev"
	sqlite3 "$db" "DELETE FROM binding_identity; $undo_new PRAGMA user_version = 11;"
	lookup 192.0.2.61 00:20:00Z 2 .status ambiguous '.candidates | length' 2 \
		"$c0.end" 2026-01-01T00:40:00Z
	lookup 192.0.2.60 00:45:00Z 2 .status ambiguous '.candidates | length' 2
	;;

reclaimed)
	# A reclaimed lease's row (state 2) keeps its client and its last
	# commit (expire - valid_lifetime), which is often all Kea's lease file
	# cleanup leaves of it.  192.0.2.13: only that row, ACME-1006 from 00:30
	# to 01:30.  192.0.2.14: ACME-1012 from 00:00 to 01:00, the renewal at
	# 00:30 seen only in the reclaimed row: held to 01:30.
	subscribers
	{ head -1 "$data/kea4.csv"
	  echo "192.0.2.13,00:00:5e:00:53:06,,3600,1767231000,1,0,0,,2,"
	  echo "192.0.2.14,00:00:5e:00:53:0c,,3600,1767229200,1,0,0,,0,"
	  echo "192.0.2.14,00:00:5e:00:53:0c,,3600,1767231000,1,0,0,,2,"; } >"$tmp/r.csv"
	run 0 import kea-leases "$tmp/r.csv"
	err_has "imported 3 rows from $tmp/r.csv"
	lookup 192.0.2.13 00:29:59Z 1 .status none
	lookup 192.0.2.13 00:45:00Z 0 .account ACME-1006 "$c0.start" 2026-01-01T00:30:00Z \
		"$c0.end" 2026-01-01T01:30:00Z
	lookup 192.0.2.13 01:30:00Z 1 .status none
	lookup 192.0.2.14 01:15:00Z 0 .account ACME-1012 "$c0.start" 2026-01-01T00:00:00Z \
		"$c0.end" 2026-01-01T01:30:00Z '.candidates | length' 1
	lookup 192.0.2.14 01:30:00Z 1 .status none
	;;

bad-row)
	subscribers
	run 0 import kea-leases "$data/kea4.csv"
	lookup 192.0.2.10 02:30:00Z 0
	cp "$tmp/out" "$tmp/before"

	# Line 4 is bad; lines 2 and 3 (a new lease, another client taking
	# 192.0.2.10 at 02:20) must not stay.
	run 65 import kea-leases "$data/kea4-bad.csv"
	err_has "attrib: $data/kea4-bad.csv:4: expire: \"17672x9200\""
	if grep -q imported "$tmp/err"; then
		fail "a failed import reported rows as imported"
	fi
	lookup 192.0.2.10 02:30:00Z 0
	cmp -s "$tmp/out" "$tmp/before" || fail "192.0.2.10 answers differently after a failed import"
	lookup 192.0.2.40 00:30:00Z 1 .status none

	# A time past what every reader of a time accepts (1e12 s from the epoch).
	{ head -1 "$data/kea4.csv"
	  echo "192.0.2.50,00:00:5e:00:53:05,,3600,5000000000000,1,0,0,,0,"; } >"$tmp/far.csv"
	run 65 import kea-leases "$tmp/far.csv"
	err_has "far.csv:2: expire: \"5000000000000\" is not a whole number from 0 to 1000000000000"
	lookup 192.0.2.50 00:30:00Z 1 .status none

	# A file without line ends is refused at 64 KiB, not read into memory
	# whole: a second line that long (one more byte than allowed), and
	# /dev/zero, which has no end.
	{ head -1 "$data/kea4.csv"; head -c 65537 /dev/zero | tr '\0' a; echo; } >"$tmp/long.csv"
	run 65 import kea-leases "$tmp/long.csv"
	err_has "long.csv:2: a line longer than 65536 bytes: this is not a CSV file"
	run 65 import subscribers /dev/zero
	err_has "/dev/zero:1: a line longer than 65536 bytes"
	run 65 apply /dev/zero
	err_has "/dev/zero:1: line longer than 65536 bytes"
	# A quote never closed: the record is refused once past 64 KiB too.
	{ echo 'kind,value,account,valid_from,valid_to'; printf 'hwaddr,"x\n'
	  for _ in $(seq 100); do head -c 999 /dev/zero | tr '\0' a; echo; done; } >"$tmp/quote.csv"
	run 65 import subscribers "$tmp/quote.csv"
	err_has "quote.csv:2: a record longer than 65536 bytes (field 2: a quote never closed?)"
	# Closed, over two lines of 40,000 bytes: as long, refused as well.
	{ echo 'kind,value,account,valid_from,valid_to'; printf 'hwaddr,"'
	  head -c 40000 /dev/zero | tr '\0' a; echo; head -c 40000 /dev/zero | tr '\0' b
	  echo '",X,@0,'; } >"$tmp/quote2.csv"
	run 65 import subscribers "$tmp/quote2.csv"
	err_has "quote2.csv:2: a record longer than 65536 bytes"
	# 65,536 bytes is the longest line, whatever ends it (CRLF here): an
	# event padded with blanks to that length is applied.
	ev='{"type":"lease-commit","source":"dhcp4","server":"k","address":"192.0.2.90",'
	ev=$ev'"time":"2026-01-01T00:00:00Z","valid-lifetime":3600,"hwaddr":"00:00:5e:00:53:03"}'
	{ printf '%s' "$ev"; head -c $((65536 - ${#ev})) /dev/zero | tr '\0' ' '
	  printf '\r\n'; } >"$tmp/crlf.jsonl"
	run 0 apply "$tmp/crlf.jsonl"
	lookup 192.0.2.90 00:30:00Z 0 .account 'ACME "Gold" 1003'
	lookup 192.0.2.10 02:30:00Z 0
	cmp -s "$tmp/out" "$tmp/before" || fail "192.0.2.10 answers differently after a refused file"

	# One run is one transaction: a good file before a bad one is undone too.
	run 65 import kea-leases "$data/kea4-pool-id.csv" "$data/kea4-bad.csv"
	err_has "nothing imported from any of the 2 files"
	lookup 192.0.2.20 00:30:00Z 1 .status none

	# Reference files: the header, a field count, an unknown kind.
	printf 'kind,value,account,valid_from\nhwaddr,00:00:5e:00:53:09,X,@0\n' >"$tmp/h.csv"
	run 65 import subscribers "$tmp/h.csv"
	err_has "$tmp/h.csv:1: the header must be exactly kind,value,account,valid_from,valid_to"
	printf 'kind,value,account,valid_from,valid_to\nhwaddr,00:00:5e:00:53:09,X,@0\n' \
		>"$tmp/n.csv"
	run 65 import subscribers "$tmp/n.csv"
	err_has "$tmp/n.csv:2: 4 fields where the header has 5"
	printf 'kind,value,account,valid_from,valid_to\nmac,00:00:5e:00:53:09,X,@0,\n' \
		>"$tmp/k.csv"
	run 65 import subscribers "$tmp/k.csv"
	err_has "$tmp/k.csv:2: kind: \"mac\" is none of"
	printf 'kind,value,account,valid_from,valid_to\nhwaddr,"00:00:5e:00:53:09,X,@0,\n' \
		>"$tmp/q.csv"
	run 65 import subscribers "$tmp/q.csv"
	err_has "$tmp/q.csv:2: field 2: its quote is never closed"
	lookup 192.0.2.10 02:30:00Z 0
	cmp -s "$tmp/out" "$tmp/before" || fail "192.0.2.10 answers differently after failed imports"
	;;

tz)
	run 0 import kea-leases "$data/kea4-tz.csv"

	# Line 3 has a time without a zone: refused, and line 2 not kept.
	run 65 import subscribers "$data/subs-nozone.csv"
	err_has "attrib: $data/subs-nozone.csv:3: valid_from: time without a zone"
	lookup 192.0.2.50 00:30:00Z 3 .status unmapped

	# With --tz, 01:00 in Berlin is 00:00 UTC.
	run 0 --tz Europe/Berlin import subscribers "$data/subs-nozone.csv"
	err_has "imported 2 rows from $data/subs-nozone.csv"
	lookup 192.0.2.50 00:30:00Z 0 .account ACME-4010
	run 3 lookup 192.0.2.51 2025-12-31T23:59:59Z --json
	lookup 192.0.2.51 00:00:01Z 0 .account ACME-4011
	# A zone that does not exist is refused even where the time has its own.
	run 64 --tz Mars/Olympus lookup 192.0.2.51 2026-01-01T00:00:01Z
	err_has 'attrib: --tz: unknown time zone "Mars/Olympus"'
	run 64 --tz "" lookup 192.0.2.51 2026-01-01T00:00:01Z
	err_has 'attrib: --tz: unknown time zone ""'
	run 64 --tz Europe lookup 192.0.2.51 2026-01-01T00:00:01Z
	# Leap-second zones and the tables beside the zones are no zones.
	run 64 --tz right/UTC lookup 192.0.2.51 2026-01-01T00:00:01
	run 64 --tz zone.tab lookup 192.0.2.51 2026-01-01T00:00:01
	;;

static)
	run 0 import static "$data/static.csv"
	err_has "imported 2 rows from $data/static.csv"
	lookup 198.51.100.200 00:00:00Z 0 .account BIZ-9001 "$c0.source" static
	lookup 198.51.100.100 00:00:00Z 1 .status none
	run 0 lookup 2001:db8:f000:1::1 2026-03-01T00:00:00Z --json
	run 1 lookup 2001:db8:f000:1::1 2026-07-01T00:00:00Z --json
	;;

usage)
	run 64 import
	run 64 import customers "$data/subs.csv"
	run 64 import kea-leases
	run 66 import kea-leases "$data/no-such-file.csv"
	err_has "$data/no-such-file.csv: No such file or directory"
	if [ -e "$db" ]; then
		fail "a missing input file created the store"
	fi
	run 0 import --help
	grep -q 'kea-leases' "$tmp/out" || fail "import --help does not describe kea-leases"

	# Standard input, and the --json summary.
	got=0
	"$attrib" --db "$db" import subscribers - <"$data/subs.csv" >"$tmp/out" \
		2>"$tmp/err" || got=$?
	[ "$got" -eq 0 ] || fail "import subscribers - : exit status $got"
	err_has "imported 10 rows from <stdin>"
	run 0 --json import kea-leases "$data/kea4.csv"
	value=$(jq -r '[.kind, .files[0].rows, .files[0].applied, .files[0].repeats] | join(" ")' \
		"$tmp/out")
	[ "$value" = "kea-leases 10 10 0" ] || fail "--json summary: $value"

	# No answer for a time still to come, however the store looks.
	run 65 lookup 192.0.2.10 2099-01-01T00:00:00Z
	err_has "time is in the future"
	;;

radius-detail)
	# FreeRADIUS detail files (rlm_detail, as freeradius 3.2.1 writes them).
	# Their dates are local time (CET here) and must not be read: times come
	# from Timestamp (arrival) minus Acct-Delay-Time, or an Event-Timestamp
	# written as an integer.
	run 0 import subscribers "$data/radius-subs.csv"
	run 0 import radius-detail "$data/radius-detail-20260101"
	err_has "imported 5 rows from $data/radius-detail-20260101"
	# alice: Start at Timestamp 00:00:01 (the "01:00:00 CET" beside it is
	# not read), Interim at its Event-Timestamp 00:30, Stop at 01:00:10
	# minus a delay of 10 s.
	lookup 198.51.100.10 00:00:00Z 1 .status none
	lookup 198.51.100.10 00:00:01Z 0 .account ACC-ALICE "$c0.start" 2026-01-01T00:00:01Z \
		"$c0.end" 2026-01-01T01:00:00Z "$c0.\"end-reason\"" stop "$c0.source" import \
		"$c0.server" 192.0.2.1 "$c0.\"session-id\"" 0A000001-00000001 \
		"$c0.identities.\"calling-station-id\"" 02-00-5e-00-53-01 "$c0.\"last-seen\"" \
		2026-01-01T01:00:00Z
	lookup 198.51.100.10 00:59:59Z 0 .account ACC-ALICE
	lookup 198.51.100.10 01:00:00Z 1 .status none
	lookup 2001:db8:100:12ab::1 00:40:00Z 0 .account ACC-ALICE
	lookup 2001:db8:1:1::1 00:10:00Z 0 .account ACC-ALICE
	# bob: the Start was lost; an Interim at 01:00 with 600 s of session:
	# it began at 00:50, start-inferred; NAS-Identifier is the NAS; its
	# prefix written with host bits is its /64; the NAS's Accounting-On at
	# 01:30 ended it.
	lookup 198.51.100.11 00:49:59Z 1 .status none
	lookup 198.51.100.11 00:50:00Z 0 .account ACC-BOB "$c0.\"start-inferred\"" true \
		"$c0.server" bng-test-2 "$c0.identities.\"calling-station-id\"" 'line "7"\a' \
		"$c0.end" 2026-01-01T01:30:00Z "$c0.\"end-reason\"" nas-restart
	lookup 2001:db8:2:1::1 01:00:00Z 0 .account ACC-BOB "$c0.prefix" 2001:db8:2:1::/64
	lookup 198.51.100.11 01:30:00Z 1 .status none
	# The same file again changes nothing; standard input reads too.
	got=0
	"$attrib" --db "$db" import radius-detail - <"$data/radius-detail-20260101" >"$tmp/out" \
		2>"$tmp/err" || got=$?
	[ "$got" -eq 0 ] || fail "import radius-detail - : exit status $got"
	err_has "imported 5 rows from <stdin> (5 already known)"
	lookup 198.51.100.10 00:00:01Z 0 .account ACC-ALICE "$c0.end" 2026-01-01T01:00:00Z
	;;

radius-detail-bad)
	run 0 import subscribers "$data/radius-subs.csv"
	# A bad value names its file and line; the good record before it in the
	# same file does not stay.
	run 65 import radius-detail "$data/radius-detail-bad-address"
	err_has "$data/radius-detail-bad-address:23: \"198.51.100.300\" is not an IPv4 address"
	lookup 198.51.100.10 00:10:00Z 1 .status none
	run 65 import radius-detail "$data/radius-detail-no-timestamp"
	err_has "attrib: $data/radius-detail-no-timestamp:1: the record has no Timestamp"
	run 65 import radius-detail "$data/radius-detail-bad-status"
	err_has "$data/radius-detail-bad-status:2: Acct-Status-Type \"Begin\" is no status type"
	# One run is one transaction: a good file before a bad one is undone too.
	run 65 import radius-detail "$data/radius-detail-20260101" "$data/radius-detail-bad-status"
	err_has "nothing imported from any of the 2 files"
	lookup 198.51.100.10 00:10:00Z 1 .status none
	printf 'Thu Jan  1 01:00:01 2026\n\tAcct-Status-Type = Start\n' >"$tmp/d"
	run 65 import radius-detail "$tmp/d"
	err_has "$tmp/d:1: the record has no Timestamp"
	printf '\tAcct-Status-Type = Start\n' >"$tmp/d"
	run 65 import radius-detail "$tmp/d"
	err_has "$tmp/d:1: an attribute line where a record's date line should be"
	;;

*)
	echo "unknown case $case"
	exit 2
	;;
esac

if [ "$failures" -ne 0 ]; then
	echo "$case: $failures failed"
	exit 1
fi
echo "$case: ok"
