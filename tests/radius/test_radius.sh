#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The FreeRADIUS module end to end: Debian's freeradius loads rlm_attrib.so
# from a config directory of this test's own, on a loopback high port,
# radclient plays the NAS, attribd ingests the journal, and every lookup is
# checked against the answer DESIGN.md's RADIUS rules give for the packets
# sent (worked out below, next to each packet).
#
# usage: test_radius.sh ATTRIB ATTRIBD MODULE JOURNAL-DUMP PART
#   rules       every RADIUS rule: lost Start, late Start after Stop, repeats,
#               Acct-Delay-Time without Event-Timestamp, a wrong NAS clock,
#               Accounting-On and -Off, a reused session id, prefixes first
#               seen in an Interim; the counters as journaled
#   unwritable  the journal's file system is full: no Accounting-Response
#               (the NAS retransmits), nothing half-written, and the
#               retransmission after it is journaled once
#   detail      rlm_detail of the same server writes a detail file;
#               attrib import radius-detail of it gives the history the
#               module's journal gave
set -u

attrib=$1
attribd=$2
module=$(readlink -f "$3")
dump=$4
part=$5

. "$(dirname "$0")/../lib/harness.sh"
harness_need jq freeradius radclient python3

# The full file system of "unwritable" is a tmpfs in a mount namespace of
# this test's own: root is not stopped by permissions, a full disk stops anyone.
if [ "$part" = unwritable ] && [ -z "${ATTRIB_RADIUS_UNSHARED:-}" ]; then
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: unwritable needs unshare -m (root, CAP_SYS_ADMIN) for a small tmpfs"
		exit 77
	fi
	ATTRIB_RADIUS_UNSHARED=1 exec unshare -m --propagation private sh "$0" "$@"
fi

harness_tmp radius

port=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randrange(20000, 60000)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()
PY
)

# The journal and attribd's archive of applied journals share a file
# system (attribd moves journals there).
mkdir -p "$tmp/fs"
if [ "$part" = unwritable ]; then
	mount -t tmpfs -o size=128k,mode=0755 attrib-test "$tmp/fs" ||
		{ echo "SKIP: cannot mount a tmpfs"; exit 77; }
	harness_mount=$tmp/fs
fi
mkdir "$tmp/fs/journal" "$tmp/fs/archive"

. "$(dirname "$0")/raddb.sh"
raddb_write "$tmp" "$port" '${confdir}/mods-config' 4 8
cat >"$tmp/raddb/modules.conf" <<EOT
expr {
}
detail {
	filename = \${radacctdir}/detail
	header = "%t"
	permissions = 0600
}
attrib {
	journal_dir = \${testdir}/fs/journal
	server_id = radius-test
	sync_interval = 200
	heartbeat_interval = 1000
}
EOT
echo acct_unique >"$tmp/raddb/preacct.conf"
printf 'detail\nattrib\n' >"$tmp/raddb/accounting.conf"

start_freeradius() {
	raddb_start "$tmp" || exit 1
}

# Stop freeradius: rlm_attrib seals its journal on the way out.
stop_freeradius() {
	kill "$fr_pid"
	wait "$fr_pid"
	grep -q 'rlm_attrib.*closing' "$tmp/log/radius.log" &&
		fail "rlm_attrib could not close its journal"
}

start_attribd() {
	cat >"$tmp/attribd.json" <<EOT
{"attribd": {"database": "$tmp/attrib.db", "journal-dir": "$tmp/fs/journal",
  "archive-dir": "$tmp/fs/archive", "clock-skew": 3600,
  "control-socket": {"socket-name": "$tmp/attribd.sock"},
  "roles": [{"role": "abuse", "users": [$(id -u)]}]}}
EOT
	"$attribd" -c "$tmp/attribd.json" 2>"$tmp/attribd.log" &
	attribd_pid=$!
	pids="$pids $attribd_pid"
	for i in $(seq 100); do [ -S "$tmp/attribd.sock" ] && break; sleep 0.1; done
	if [ ! -S "$tmp/attribd.sock" ]; then
		fail "attribd did not start"
		cat "$tmp/attribd.log"
		exit 1
	fi
}

# Wait until attribd has applied every journal: it moves each to the
# archive once it is applied and sealed.
wait_ingested() {
	for i in $(seq 300); do
		ls "$tmp/fs/journal" | grep -q '\.journal$' || return 0
		sleep 0.1
	done
	fail "attribd left journals unapplied: $(ls "$tmp/fs/journal")"
	sed 's/^/    /' "$tmp/attribd.log"
}

# send NAME [RADCLIENT-OPTION...] < PACKETS: one Accounting-Request per
# blank-line-separated block, sent in order, each answered (or a failure).
send() {
	name=$1
	shift
	cat >"$tmp/$name.pkt"
	if ! radclient -q -p 1 -r 2 -t 2 "$@" -f "$tmp/$name.pkt" "127.0.0.1:$port" acct \
		testing123 \
		>"$tmp/$name.out" 2>&1; then
		fail "$name: not every packet was answered"
		sed 's/^/    /' "$tmp/$name.out"
	fi
}

# lookup ADDRESS EPOCH STATUS [ACCOUNT]: attrib over attribd's socket answers
# STATUS (and names ACCOUNT).
lookup() {
	"$attrib" --socket "$tmp/attribd.sock" --json lookup "$1" "@$2" >"$tmp/answer" 2>&1
	got=$(jq -r '[.status, (.account // "-")] | join(" ")' "$tmp/answer" 2>/dev/null)
	if [ "$got" != "$3 ${4:--}" ]; then
		fail "lookup $1 at @$2 (B + $(($2 - B))): got \"$got\", expected \"$3 ${4:--}\""
		sed 's/^/    /' "$tmp/answer"
	fi
}

# history ADDRESS: the bindings of ADDRESS from B - 1 day to now + 1 day,
# one line each: start end end-reason start-inferred, times as epoch seconds.
history() {
	"$attrib" --socket "$tmp/attribd.sock" --json history "$1" --from "@$((B - 86400))" \
		--to "@$(($(date +%s) + 86400))" >"$tmp/hist" 2>&1
	jq -r '.candidates[] | [(.start | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601),
		(if .end then (.end | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) else "open" end),
		(."end-reason" // "-"), ."start-inferred"] | map(tostring) | join(" ")' \
		"$tmp/hist" ||
		sed 's/^/    /' "$tmp/hist"
}

# expect_history ADDRESS LINE...: the history of ADDRESS is exactly LINEs.
expect_history() {
	a=$1
	shift
	got=$(history "$a")
	want=$(printf '%s\n' "$@")
	if [ "$got" != "$want" ]; then
		fail "history of $a: got [$got], expected [$want] (B = $B)"
	fi
}

subscribers() {
	{
		echo "kind,value,account,valid_from,valid_to"
		for u in alice bob carol dave erin frank gina henry ivan kate lee \
			$(seq -f 's%g' 60); do
			acc=$(echo "$u" | tr a-z A-Z)
			echo "username,$u@example.net,ACC-$acc,2020-01-01T00:00:00Z,"
		done
	} >"$tmp/subs.csv"
	"$attrib" --db "$tmp/attrib.db" import subscribers "$tmp/subs.csv" 2>/dev/null ||
		fail "the subscriber map did not import"
}

# A session's packet: pkt STATUS USER SESSION-ID NAS EVENT-TIME [ATTR...].
# EVENT-TIME "-" leaves Event-Timestamp out.
pkt() {
	echo "Acct-Status-Type = $1"
	echo "User-Name = \"$2@example.net\""
	echo "Acct-Session-Id = \"$3\""
	echo "NAS-IP-Address = $4"
	[ "$5" = - ] || echo "Event-Timestamp = $5"
	shift 5
	for a in "$@"; do
		echo "$a"
	done
	echo
}

# B, the base of every timeline below: 50 minutes ago, so that packets sent
# now with Event-Timestamps from B on are trusted (attribd's clock-skew is an
# hour here) while a NAS clock days off is not.
B=$(($(date +%s) - 3000))
N1=192.0.2.1
N2=192.0.2.2
N3=192.0.2.3

case $part in
rules)
	subscribers
	start_freeradius
	start_attribd

	# alice: Start, Interim, Stop, all three address attributes.
	{
		pkt Start alice A-1 $N1 $B "Framed-IP-Address = 198.51.100.10" \
			"Framed-IPv6-Prefix = 2001:db8:1:1::/64" \
			"Delegated-IPv6-Prefix = 2001:db8:100:1200::/56" \
			"Framed-IPv6-Address = 2001:db8:1:1::10" \
			"Calling-Station-Id = \"02-00-5e-00-53-01\""
		pkt Interim-Update alice A-1 $N1 $((B + 600)) "Framed-IP-Address = 198.51.100.10" \
			"Acct-Session-Time = 600" "Acct-Input-Octets = 100" \
			"Acct-Input-Gigawords = 2" \
			"Acct-Output-Octets = 7"
		pkt Stop alice A-1 $N1 $((B + 1200)) "Framed-IP-Address = 198.51.100.10" \
			"Acct-Session-Time = 1200"
	} | send alice
	# bob: the Start was lost; the Interim at B+1000 says the session is
	# 400 s old: it opened at B+600, start-inferred.  The Stop ends it.
	{
		pkt Interim-Update bob B-1 $N1 $((B + 1000)) "Framed-IP-Address = 198.51.100.11" \
			"Acct-Session-Time = 400"
		pkt Stop bob B-1 $N1 $((B + 1600)) "Framed-IP-Address = 198.51.100.11" \
			"Acct-Session-Time = 1000"
	} | send bob
	# carol: the Stop (session time 900: B+1100) comes first, the Start of
	# B+1000 late: the start is fixed to B+1000, the session stays stopped.
	{
		pkt Stop carol C-1 $N1 $((B + 2000)) "Framed-IP-Address = 198.51.100.12" \
			"Acct-Session-Time = 900"
		pkt Start carol C-1 $N1 $((B + 1000)) "Framed-IP-Address = 198.51.100.12"
	} | send carol
	# dave: every packet three times (radclient -c 3), then the Start once
	# more after the Stop: one binding, B to B+1200.
	{
		pkt Start dave D-1 $N1 $B "Framed-IP-Address = 198.51.100.13"
		pkt Interim-Update dave D-1 $N1 $((B + 600)) "Framed-IP-Address = 198.51.100.13" \
			"Acct-Session-Time = 600"
		pkt Stop dave D-1 $N1 $((B + 1200)) "Framed-IP-Address = 198.51.100.13" \
			"Acct-Session-Time = 1200"
	} | send dave -c 3
	{
		pkt Start dave D-1 $N1 $B "Framed-IP-Address = 198.51.100.13"
	} | send dave-again
	# erin: no Event-Timestamp, Acct-Delay-Time 900: the Start happened 900 s
	# before it arrived.
	e0=$(date +%s)
	{
		pkt Start erin E-1 $N1 - "Framed-IP-Address = 198.51.100.14" "Acct-Delay-Time = 900"
	} | send erin
	e1=$(date +%s)
	# frank: the NAS clock is ten days behind: the Event-Timestamp is not
	# trusted, the arrival is used.
	f0=$(date +%s)
	{
		pkt Start frank F-1 $N1 $((f0 - 864000)) "Framed-IP-Address = 198.51.100.15"
	} | send frank
	f1=$(date +%s)
	# gina on NAS 2, henry on NAS 1; NAS 2 sends Accounting-On at B+1500:
	# gina's session ends there, henry's does not.
	{
		pkt Start gina G-1 $N2 $B "Framed-IP-Address = 198.51.100.16"
		pkt Start henry H-1 $N1 $B "Framed-IP-Address = 198.51.100.17"
		cat <<EOT
Acct-Status-Type = Accounting-On
NAS-IP-Address = $N2
Event-Timestamp = $((B + 1500))

EOT
	} | send gina
	# lee on NAS 3, which says Accounting-Off at B+700 (going down): his
	# session ends there too.
	{
		pkt Start lee L-1 $N3 $B "Framed-IP-Address = 198.51.100.21"
		cat <<EOT
Acct-Status-Type = Accounting-Off
NAS-IP-Address = $N3
Event-Timestamp = $((B + 700))

EOT
	} | send lee
	# ivan: session id R-1 on NAS 1 from B to B+500; the NAS reboots and
	# uses R-1 again from B+800 to B+1100, same user, same address: two
	# sessions, the first never rewritten.
	{
		pkt Start ivan R-1 $N1 $B "Framed-IP-Address = 198.51.100.18"
		pkt Stop ivan R-1 $N1 $((B + 500)) "Framed-IP-Address = 198.51.100.18" \
			"Acct-Session-Time = 500"
		pkt Start ivan R-1 $N1 $((B + 800)) "Framed-IP-Address = 198.51.100.18"
		pkt Stop ivan R-1 $N1 $((B + 1100)) "Framed-IP-Address = 198.51.100.18" \
			"Acct-Session-Time = 300"
	} | send ivan
	# kate: the Start has only an IPv4 address; the delegated and the WAN
	# prefix first appear in the Interim of B+600; the Interim of B+900 no
	# longer reports the IPv4 address, which does not end it; Stop at B+1200.
	{
		pkt Start kate K-1 $N1 $B "Framed-IP-Address = 198.51.100.20"
		pkt Interim-Update kate K-1 $N1 $((B + 600)) "Framed-IP-Address = 198.51.100.20" \
			"Delegated-IPv6-Prefix = 2001:db8:200:ab00::/56" \
			"Framed-IPv6-Prefix = 2001:db8:2:1::/64" \
			"Acct-Session-Time = 600"
		pkt Interim-Update kate K-1 $N1 $((B + 900)) \
			"Delegated-IPv6-Prefix = 2001:db8:200:ab00::/56" \
			"Acct-Session-Time = 900"
		pkt Stop kate K-1 $N1 $((B + 1200)) "Acct-Session-Time = 1200"
	} | send kate
	stop_freeradius
	wait_ingested

	lookup 198.51.100.10 $((B - 1)) none
	lookup 198.51.100.10 $B match ACC-ALICE
	lookup 198.51.100.10 $((B + 1199)) match ACC-ALICE
	lookup 198.51.100.10 $((B + 1200)) none
	lookup 2001:db8:100:12ff::1 $((B + 600)) match ACC-ALICE
	lookup 2001:db8:100:1300::1 $((B + 600)) none
	lookup 2001:db8:1:1::abcd $((B + 900)) match ACC-ALICE
	lookup 2001:db8:1:1::10 $((B + 900)) match ACC-ALICE
	expect_history 198.51.100.10 "$B $((B + 1200)) stop false"

	lookup 198.51.100.11 $((B + 599)) none
	lookup 198.51.100.11 $((B + 600)) match ACC-BOB
	jq -e '.candidates[0]."start-inferred" and .candidates[0].confidence == "unconfirmed"' \
			"$tmp/answer" >/dev/null || fail \
			"bob's binding is not marked start-inferred"
	lookup 198.51.100.11 $((B + 1600)) none
	expect_history 198.51.100.11 "$((B + 600)) $((B + 1600)) stop true"

	lookup 198.51.100.12 $((B + 1050)) match ACC-CAROL
	lookup 198.51.100.12 $((B + 2000)) none
	expect_history 198.51.100.12 "$((B + 1000)) $((B + 2000)) stop false"

	expect_history 198.51.100.13 "$B $((B + 1200)) stop false"
	lookup 198.51.100.13 $((B + 1300)) none

	# erin's start lies between e0 - 900 and e1 - 900 (whole seconds).
	"$attrib" --socket "$tmp/attribd.sock" --json history 198.51.100.14 --from \
	"@$((B - 86400))" \
		--to "@$((e1 + 86400))" >"$tmp/hist"
	s=$(jq -r '.candidates[0].start | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' "$tmp/hist")
	if [ -z "$s" ] || [ "$s" -lt $((e0 - 900)) ] || [ "$s" -gt $((e1 - 900)) ]; then
		fail "erin's session starts at $s, not between $((e0 - 900)) and $((e1 - 900))"
	fi
	lookup 198.51.100.14 $((e0 - 960)) none
	lookup 198.51.100.14 $((e1 - 840)) match ACC-ERIN

	# frank: no binding ten days ago; one from the arrival on.
	lookup 198.51.100.15 $((f0 - 864000 + 60)) none
	lookup 198.51.100.15 $((f1 + 1)) match ACC-FRANK
	"$attrib" --socket "$tmp/attribd.sock" --json history 198.51.100.15 --from \
	"@$((f0 - 900000))" \
		--to "@$((f1 + 86400))" >"$tmp/hist"
	s=$(jq -r '.candidates[0].start | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' "$tmp/hist")
	[ -n "$s" ] && [ "$s" -ge "$f0" ] && [ "$s" -le "$f1" ] ||
		fail "frank's session starts at $s, not at its arrival ($f0 .. $f1)"
	sqlite3 "$tmp/attrib.db" "SELECT note FROM event WHERE username = 'frank@example.net'" \
		2>/dev/null | grep -q 'event-timestamp untrusted: -86400[0-9] s' ||
		fail "the evidence does not keep frank's clock skew"

	lookup 198.51.100.16 $((B + 1499)) match ACC-GINA
	lookup 198.51.100.16 $((B + 1500)) none
	expect_history 198.51.100.16 "$B $((B + 1500)) nas-restart false"
	lookup 198.51.100.17 $((B + 1600)) match ACC-HENRY
	lookup 198.51.100.21 $((B + 699)) match ACC-LEE
	expect_history 198.51.100.21 "$B $((B + 700)) nas-restart false"

	expect_history 198.51.100.18 "$B $((B + 500)) stop false" \
		"$((B + 800)) $((B + 1100)) stop false"
	lookup 198.51.100.18 $((B + 600)) none
	lookup 198.51.100.18 $((B + 900)) match ACC-IVAN

	lookup 2001:db8:200:ab12::1 $((B + 599)) none
	lookup 2001:db8:200:ab12::1 $((B + 600)) match ACC-KATE
	lookup 2001:db8:2:1::1 $((B + 700)) match ACC-KATE
	lookup 198.51.100.20 $((B + 1000)) match ACC-KATE
	lookup 198.51.100.20 $((B + 1200)) none
	lookup 2001:db8:200:ab12::1 $((B + 1200)) none

	# What the module journaled: one event per packet that reached it, the
	# counters with gigawords folded in.
	"$dump" "$tmp"/fs/archive/*.journal >"$tmp/events.jsonl" || fail \
	"the journal does not read cleanly"
	sent=$(cat "$tmp"/*.pkt | grep -c '^Acct-Status-Type')
	# dave's three packets went three times each; freeradius drops a copy
	# that arrives while the first is still in progress (a loaded machine),
	# so each of those six copies may or may not reach the module.
	got=$(wc -l <"$tmp/events.jsonl")
	[ "$got" -ge "$sent" ] && [ "$got" -le $((sent + 6)) ] ||
		fail "$got events journaled for $sent packets and 6 copies"
	jq -se 'map(select(.username == "alice@example.net" and .type == "acct-interim")) |
		length == 1 and (.[0] | ."acct-input-octets" == 8589934692 and
		."acct-output-octets" == 7 and
		."calling-station-id" == null)' "$tmp/events.jsonl" >/dev/null ||
		fail "alice's Interim does not carry her counters"
	[ "$(sqlite3 "$tmp/attrib.db" "SELECT input_octets || ' ' || output_octets FROM event
		WHERE username = 'alice@example.net' AND type = 7")" = "8589934692 7" ] ||
		fail "the store does not keep alice's counters with her Interim"
	jq -se 'map(select(.username == "alice@example.net" and .type == "acct-start")) |
		length == 1 and (.[0] | ."calling-station-id" == "02-00-5e-00-53-01" and
		.nas == "192.0.2.1" and
		(."unique-session-id" | length) == 32 and .server == "radius-test" and
		(.addresses | length) == 4)' "$tmp/events.jsonl" >/dev/null ||
		fail "alice's Start does not carry what the packet did"
	;;
unwritable)
	subscribers
	start_freeradius
	start_attribd
	t=$(date +%s)
	pkt Start alice A-1 $N1 "$t" "Framed-IP-Address = 198.51.100.10" | send alice
	# Fill the journal's file system.  Writes into the page the journal file
	# already has still succeed, so sessions s1, s2 ... start one after the
	# other until one finds no space: that one must get no answer.
	dd if=/dev/zero of="$tmp/fs/filler" bs=4k 2>/dev/null
	refused=
	for i in $(seq 60); do
		pkt Start "s$i" "S-$i" $N1 "$t" "Framed-IP-Address = 198.51.100.$((100 + i))" \
			>"$tmp/s$i.pkt"
		if ! radclient -q -r 1 -t 2 -f "$tmp/s$i.pkt" "127.0.0.1:$port" acct testing123 \
			>"$tmp/s$i.out" 2>&1; then
			refused=$i
			break
		fi
	done
	[ -n "$refused" ] || fail "every Start was answered while the file system was full"
	refused=${refused:-60}
	grep -q 'rlm_attrib (attrib): .*No space left on device' "$tmp/log/radius.log" ||
		fail "rlm_attrib did not log the failing journal"
	# Space again: the NAS's next retransmission (Acct-Delay-Time grown) is
	# journaled and answered.
	rm "$tmp/fs/filler"
	sleep 1
	pkt Start "s$refused" "S-$refused" $N1 "$t" \
		"Framed-IP-Address = 198.51.100.$((100 + refused))" \
		"Acct-Delay-Time = 3" | send again
	grep -q 'rlm_attrib (attrib): the journal in .* is written again' "$tmp/log/radius.log" ||
		fail "rlm_attrib did not log the recovery"
	stop_freeradius
	wait_ingested

	# Nothing half-written: every file reads to its seal; each Start is
	# there once, the refused one from its retransmission, after a loss
	# record that counts the refusals and no lost event.
	"$dump" "$tmp"/fs/archive/*.journal >"$tmp/events.jsonl" || fail \
	"the journal does not read cleanly"
	[ "$(jq -s '[.[] | select(.type == "acct-start") | .username] | unique | length' \
		"$tmp/events.jsonl")" = $((refused + 1)) ] || fail "not every Start was journaled"
	[ "$(jq -s 'map(select(.type == "acct-start")) | length' "$tmp/events.jsonl")" = \
		$((refused + 1)) ] || fail "a Start was journaled twice"
	jq -se --arg u "s$refused@example.net" \
		'map(select(.username == $u))[0]."acct-delay-time" == 3' "$tmp/events.jsonl" \
		>/dev/null || fail "s$refused's Start was journaled while it got no answer"
	jq -se 'map(select(.loss)) | length >= 1 and all(.loss == 0 and .refused >= 1)' \
		"$tmp/events.jsonl" >/dev/null || fail "no loss record counting the refusals"
	lookup 198.51.100.10 "$t" match ACC-ALICE
	lookup 198.51.100.$((100 + refused)) "$t" match "ACC-S$refused"
	grep -iq 'corrupt' "$tmp/attribd.log" && fail "attribd found a damaged journal"
	;;
detail)
	subscribers
	start_freeradius
	start_attribd
	# No Event-Timestamp: the module's time is its arrival minus the delay,
	# the import's Timestamp minus the delay, the same second.  (rlm_detail
	# writes an Event-Timestamp as a local date, which the import leaves out.)
	{
		pkt Start alice A-2 $N1 - "Framed-IP-Address = 198.51.100.31" \
			"Framed-IPv6-Prefix = 2001:db8:31:1::/64" "Acct-Delay-Time = 300"
		pkt Interim-Update alice A-2 $N1 - "Framed-IP-Address = 198.51.100.31" \
			"Delegated-IPv6-Prefix = 2001:db8:310::/56" "Acct-Session-Time = 100" \
			"Acct-Delay-Time = 200" "Acct-Output-Octets = 12" \
			"Acct-Output-Gigawords = 3"
		pkt Stop alice A-2 $N1 - "Framed-IP-Address = 198.51.100.31" \
			"Acct-Session-Time = 200" "Acct-Delay-Time = 100"
		pkt Interim-Update bob B-2 $N1 - "Framed-IP-Address = 198.51.100.32" \
			"Acct-Session-Time = 50" "Acct-Delay-Time = 150"
		pkt Start carol C-2 $N2 - "Framed-IP-Address = 198.51.100.33" \
			"Acct-Delay-Time = 250"
		pkt Stop dave D-2 $N1 - "Framed-IP-Address = 198.51.100.34" \
			"Acct-Session-Time = 100" "Acct-Delay-Time = 50"
		pkt Start dave D-2 $N1 - "Framed-IP-Address = 198.51.100.34" "Acct-Delay-Time = 150"
		cat <<EOT
Acct-Status-Type = Accounting-On
NAS-IP-Address = $N2
Acct-Delay-Time = 120

EOT
	} | send sessions
	stop_freeradius
	wait_ingested

	"$dump" "$tmp"/fs/archive/*.journal >"$tmp/events.jsonl" || fail \
	"the journal does not read cleanly"
	[ "$(grep -c '^	Timestamp = ' "$tmp/radacct/detail")" = "$(wc -l <"$tmp/events.jsonl")" ] ||
		fail "rlm_detail and rlm_attrib did not see the same packets"
	"$attrib" --db "$tmp/import.db" import subscribers "$tmp/subs.csv" 2>/dev/null
	"$attrib" --db "$tmp/import.db" import radius-detail \
	"$tmp/radacct/detail" 2>"$tmp/import.err" ||
		{ fail "the detail file does not import"; cat "$tmp/import.err"; }
	grep -qxF "attrib: imported 8 rows from $tmp/radacct/detail" "$tmp/import.err" ||
		fail "import: $(cat "$tmp/import.err")"

	# Every binding as the module's journal gave it, and as the import did:
	# the same prefixes, starts, ends, reasons, identities and NAS, to the
	# second (the detail file keeps whole seconds).
	from=$((B - 86400))
	to=$(($(date +%s) + 86400))
	for a in 198.51.100.31 2001:db8:31:1::1 2001:db8:310::1 198.51.100.32 198.51.100.33 \
		198.51.100.34; do
		for side in journal import; do
			if [ $side = journal ]; then
				set -- --socket "$tmp/attribd.sock"
			else
				set -- --db "$tmp/import.db"
			fi
			"$attrib" "$@" --json history "$a" --from "@$from" --to "@$to" |
				jq -c '[.candidates[] | [.prefix,
					(.start | sub("\\.[0-9]+Z$"; "Z")),
					(.end // "open" | sub("\\.[0-9]+Z$"; "Z")), ."end-reason",
					."start-inferred", .account, .identities, .server,
					."session-id"]]' \
				>"$tmp/$side.hist"
		done
		[ "$(jq length "$tmp/journal.hist")" -ge 1 ] ||
			fail "$a: no binding from the journal"
		cmp -s "$tmp/journal.hist" "$tmp/import.hist" ||
			fail "$a: the import gives $(cat "$tmp/import.hist")," \
				"the module $(cat "$tmp/journal.hist")"
	done
	# And the rules' answers, from the packets: dave's Stop came first
	# (100 s of session), his Start after it fixed the start; carol's
	# session ended with her NAS's Accounting-On.
	jq -e '.[0][3] == "stop" and .[0][4] == false' "$tmp/journal.hist" >/dev/null ||
		fail "dave's session: $(cat "$tmp/journal.hist")"
	"$attrib" --db "$tmp/import.db" --json history 198.51.100.33 --from "@$from" --to "@$to" |
		jq -e '.candidates[0]."end-reason" == "nas-restart"' >/dev/null ||
		fail "carol's session did not end with the Accounting-On"
	;;
*)
	echo "test_radius.sh: unknown part $part"
	exit 2
	;;
esac

harness_end
