#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `attrib report` end to end: a store built from lease events written here,
# reports of each format written here, and the answers checked against what
# the attribution rules (DESIGN.md) give for the addresses and times.
#
# The store, all on 2026-02-20 (UTC):
#   192.0.2.10  hwaddr ...:01 -> CU-1, committed 08:00 for a day
#   192.0.2.11  hwaddr ...:02 -> CU-2 from 08:00, released 12:00:00;
#               hwaddr ...:03 -> CU-3 committed 12:00:30 for a day
#   192.0.2.12  hwaddr ...:04, which no subscriber row names (unmapped)
#   192.0.2.99  never leased (none)
#
# usage: test_report.sh ATTRIB CASE
set -u

attrib=$1
case=$2

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

has() { # FILE TEXT: FILE holds TEXT (a fixed string)
	if ! grep -qF -- "$2" "$1"; then
		fail "$(basename "$1") lacks \"$2\""
		sed 's/^/    /' "$1"
	fi
}

lacks() { # FILE TEXT
	if grep -qF -- "$2" "$1"; then
		fail "$(basename "$1") holds \"$2\""
	fi
}

# jqis FILTER VALUE: jq -r FILTER over the JSON lines of $tmp/out is VALUE.
jqis() {
	value=$(jq -rs "$1" "$tmp/out" 2>&1)
	if [ "$value" != "$2" ]; then
		fail "$1 is \"$value\", expected \"$2\""
	fi
}

mac() { echo "00:00:5e:00:53:0$1"; }

store() {
	cat >"$tmp/events.jsonl" <<EOF
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.10","time":"2026-02-20T08:00:00Z","valid-lifetime":86400,"hwaddr":"$(mac 1)"}
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.11","time":"2026-02-20T08:00:00Z","valid-lifetime":86400,"hwaddr":"$(mac 2)"}
{"type":"lease-release","source":"dhcp4","server":"kea-a","address":"192.0.2.11","time":"2026-02-20T12:00:00Z","hwaddr":"$(mac 2)"}
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.11","time":"2026-02-20T12:00:30Z","valid-lifetime":86400,"hwaddr":"$(mac 3)"}
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.12","time":"2026-02-20T08:00:00Z","valid-lifetime":86400,"hwaddr":"$(mac 4)"}
EOF
	cat >"$tmp/subs.csv" <<EOF
kind,value,account,valid_from,valid_to
hwaddr,$(mac 1),CU-1,2026-01-01T00:00:00Z,
hwaddr,$(mac 2),CU-2,2026-01-01T00:00:00Z,
hwaddr,$(mac 3),CU-3,2026-01-01T00:00:00Z,
EOF
	run 0 import subscribers "$tmp/subs.csv"
	run 0 apply "$tmp/events.jsonl"
}

# An ARF message about ADDRESS, arriving at DATE (RFC 5322), from PORT.
arf() {
	cat <<EOF
From: Feedback Loop <fbl@mail.example>
To: abuse@isp.example
Subject: complaint about $1
Message-ID: <arf-$3@mail.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="B"

--B
Content-Type: text/plain

A user marked a message as spam.
--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: TestFBL/1
Version: 1
Arrival-Date: $2
Source-IP: $1
Source-Port: $3

--B
Content-Type: text/rfc822-headers

From: shop@sender.example
Date: Fri, 20 Feb 2026 00:00:00 +0000
Subject: offers

--B--
EOF
}

c0='.answer.candidates[0]'

case $case in
formats)
	store
	# 09:30:05 at +01:00 is 08:30:05Z: CU-1's lease
	arf 192.0.2.10 "Fri, 20 Feb 2026 09:30:05 +0100" 40001 >"$tmp/arf.eml"
	cat >"$tmp/ss.csv" <<EOF
"timestamp","src_ip","src_port","dst_ip","infection"
"2026-02-20 10:00:00","192.0.2.10",50001,"198.51.100.1","bot"
"2026-02-20 12:00:10","192.0.2.11",50002,"198.51.100.1","bot"
"2026-02-20 10:00:00","192.0.2.12",50003,"198.51.100.1","bot"
"2026-02-20 10:00:00","192.0.2.99",50004,"198.51.100.1","bot"
EOF
	cat >"$tmp/events.json" <<EOF
{"source.ip": "192.0.2.11", "source.port": 3333, "time.source": "2026-02-20T09:00:00+00:00"}
{"source.ip": "192.0.2.11", "time.source": "2026-02-20T13:00:00+01:00"}
EOF
	cat >"$tmp/xarf.json" <<EOF
{"xarf_version": "4.2.0", "report_id": "rid-5", "source_identifier": "192.0.2.10",
 "source_port": 22222, "timestamp": "2026-02-20T11:00:00Z",
 "reporter": {"contact": "soc@shield.example"}, "category": "connection", "type": "port_scan"}
EOF
	run 0 report "$tmp/arf.eml" "$tmp/ss.csv" "$tmp/events.json" "$tmp/xarf.json" --json
	jqis '[.[] | select(.type == "event")] | length' 8
	# the ARF event
	jqis '.[0] | [.kind, .address, .port, .time, .zone, ."time-field"] | join(" ")' \
		"arf 192.0.2.10 40001 2026-02-20T08:30:05Z explicit Arrival-Date"
	jqis '.[0].answer | [.status, .account, .tolerance] | join(" ")' "match CU-1 60"
	# Shadowserver: UTC by the format; a handover within the tolerance is
	# ambiguous; the unmapped identity and the unleased address
	jqis '[.[] | select(.kind == "shadowserver" and .type == "event") |
		"\(.line):\(.zone):\(.answer.status)"] | join(" ")' \
		"2:format:match 3:format:ambiguous 4:format:unmapped 5:format:none"
	jqis '[.[] | select(.kind == "shadowserver" and .line == 3) |
		.answer.candidates[].account] | join(" ")' "CU-2 CU-3"
	# IntelMQ: 13:00+01:00 is 12:00Z, inside the tolerance of both leases
	jqis '[.[] | select(.kind == "intelmq" and .type == "event") | "\(.port):\(.answer.status)"] | join(" ")' \
		"3333:match null:ambiguous"
	jqis '[.[] | select(.kind == "xarf-v4" and .type == "event") | .answer.account] |
		join(" ")' "CU-1"
	jqis '[.[] | select(.type == "report") | "\(.kind):\(.events)"] | join(" ")' \
		"arf:1 shadowserver:4 intelmq:2 xarf-v4:1"
	jqis '[.[] | select(.type == "report" and .kind == "shadowserver") | .answers |
		"\(.match) \(.ambiguous) \(.unmapped) \(.none)"] | join("")' "1 1 1 1"

	# With no tolerance the handover is a gap: none at 12:00:10.
	run 0 report "$tmp/ss.csv" --json --tolerance 0
	jqis '[.[] | select(.line == 3) | .answer.status] | join("")' none

	# The readable summary names the accounts.
	run 0 report "$tmp/arf.eml" "$tmp/ss.csv"
	has "$tmp/out" "arf report \"abuse\" from fbl@mail.example, 1 event"
	has "$tmp/out" "192.0.2.10 port 40001 at 2026-02-20T08:30:05Z (Arrival-Date \"Fri, 20 Feb 2026 09:30:05 +0100\", zone given): match, account CU-1"
	has "$tmp/out" "line 3: 192.0.2.11 port 50002 at 2026-02-20T12:00:10Z (timestamp \"2026-02-20 12:00:10\", UTC by the format): ambiguous between CU-2, CU-3"
	has "$tmp/out" "answers: match 1, none 1, ambiguous 1, unmapped 1"
	;;

xarf)
	store
	cat >"$tmp/xarf.eml" <<EOF
From: trap@honey.example
Subject: ssh attempts
X-XARF: PLAIN
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="x"

--x
Content-Type: text/plain

Attempts.
--x
Content-Type: text/plain; name="report.txt"

Reported-From: trap@honey.example
Report-Type: login-attack
Service: ssh
Date: Fri, 20 Feb 2026 15:00:00 +0100
Source-Type: ipv4
Source: 192.0.2.10
Port: 22
--x--
EOF
	run 0 report "$tmp/xarf.eml" --json
	# Port 22 is the service: the event has no port, the report says so.
	jqis '.[0] | "\(.port) \(.time) \(.answer.account)"' "null 2026-02-20T14:00:00Z CU-1"
	jqis '.[1] | "\(.kind) \(."service-port")"' "x-arf 22"
	;;

zones)
	store
	printf '192.0.2.10 2026-02-20T10:00:00Z 1234\n192.0.2.10 2026-02-20 11:00:00\n' \
		>"$tmp/plain.txt"
	# A zoneless line refuses the whole report: no answer for line 1 either.
	run 65 report "$tmp/plain.txt" --json
	has "$tmp/err" "plain.txt:2: TIME: time without a zone"
	jqis '[.[] | select(.type == "event")] | length' 0
	jqis '.[0] | "\(.type) \(.line)"' "error 2"
	# Named, the zone gives 11:00 Berlin = 10:00Z.
	run 0 report "$tmp/plain.txt" --json --tz Europe/Berlin
	jqis '[.[] | select(.type == "event") | "\(.zone) \(.time) \(.answer.account)"] |
		join(", ")' "explicit 2026-02-20T10:00:00Z CU-1, tz-option 2026-02-20T10:00:00Z CU-1"
	run 64 report "$tmp/plain.txt" --tz Mars/Olympus
	has "$tmp/err" "unknown time zone"
	;;

batch)
	store
	# A bad report among good ones: named, and the others are answered.
	arf 192.0.2.10 "Fri, 20 Feb 2026 09:30:05 +0100" 40001 >"$tmp/good.eml"
	printf 'From: x@y.example\nSubject: nothing\n\nhello\n' >"$tmp/empty.eml"
	printf '192.0.2.10 2026-02-20T10:00:00Z\n' >"$tmp/plain.txt"
	run 65 report "$tmp/good.eml" "$tmp/empty.eml" "$tmp/missing.eml" - \
		<"$tmp/plain.txt"
	has "$tmp/err" "empty.eml: no report found in the message"
	has "$tmp/err" "missing.eml: No such file or directory"
	has "$tmp/out" "good.eml: arf report"
	has "$tmp/out" "-: plain report, 1 event"
	[ "$(grep -c 'match, account CU-1' "$tmp/out")" -eq 2 ] ||
		fail "expected two matches for CU-1"
	;;

drafts)
	store
	arf 192.0.2.10 "Fri, 20 Feb 2026 09:30:05 +0100" 40001 >"$tmp/arf.eml"
	mkdir "$tmp/d"
	run 0 report "$tmp/arf.eml" --drafts "$tmp/d"
	set -- "$tmp"/d/*-notice-CU-1.eml
	[ -f "$1" ] || fail "no notice for CU-1"
	notice=$1
	set -- "$tmp"/d/*-ack.eml
	[ -f "$1" ] || fail "no acknowledgement"
	ack=$1
	[ "$(ls "$tmp/d" | wc -l)" -eq 2 ] || fail "expected 2 drafts: $(ls "$tmp/d")"
	has "$notice" "X-Attrib-Account: CU-1"
	has "$notice" "2026-02-20T08:30:05Z  192.0.2.10 port 40001"
	has "$notice" "Content-Type: message/rfc822"
	has "$notice" "Source-Port: 40001"
	has "$ack" "To: fbl@mail.example"
	has "$ack" "In-Reply-To: <arf-40001@mail.example>"
	has "$ack" "passed it on"
	# Nothing about the customer in the acknowledgement.
	for secret in CU-1 "$(mac 1)" kea-a X-Attrib-Account; do
		lacks "$ack" "$secret"
	done

	# A Shadowserver file about two customers: each notice holds its own
	# rows only, and the file is not attached.
	cat >"$tmp/ss.csv" <<EOF
timestamp,src_ip,src_port,infection
2026-02-20 10:00:00,192.0.2.10,50001,bot
2026-02-20 13:00:00,192.0.2.11,50002,bot
EOF
	mkdir "$tmp/d2"
	run 0 report "$tmp/ss.csv" --drafts "$tmp/d2"
	n1=$(ls "$tmp"/d2/*-notice-CU-1.eml) && n3=$(ls "$tmp"/d2/*-notice-CU-3.eml) ||
		fail "notices for CU-1 and CU-3 expected: $(ls "$tmp/d2")"
	has "$n1" "192.0.2.10 port 50001"
	lacks "$n1" "192.0.2.11"
	lacks "$n1" "CU-3"
	has "$n3" "192.0.2.11 port 50002"
	lacks "$n3" "text/csv"

	# Templates: replaced, and an ack template cannot name the account.
	mkdir "$tmp/t"
	printf 'Subject: [abuse] {{type}} for {{account}}\n\nFacts:\n{{facts}}\n' \
		>"$tmp/t/notice.txt"
	mkdir "$tmp/d3"
	run 0 report "$tmp/arf.eml" --drafts "$tmp/d3" --templates "$tmp/t"
	has "$(ls "$tmp"/d3/*-notice-CU-1.eml)" "Subject: [abuse] abuse for CU-1"
	printf 'To: {{reporter}}\n\nYour report about {{account}}\n' >"$tmp/t/ack.txt"
	run 64 report "$tmp/arf.eml" --drafts "$tmp/d3" --templates "$tmp/t"
	has "$tmp/err" "ack.txt: unknown name {{account}}"
	;;

hostile)
	store
	# An XML bomb, a zip bomb and a message of a million lines, in one
	# batch with a good report: each refused with its reason, the good
	# one answered.
	python3 - "$tmp/bomb.xml" <<'EOF'
import sys
lines = ['<?xml version="1.0"?>', '<!DOCTYPE Infringement [', ' <!ENTITY e0 "lol">']
lines += [' <!ENTITY e%d "%s">' % (i, ('&e%d;' % (i - 1)) * 10) for i in range(1, 10)]
lines += [']>', '<Infringement><Source><TimeStamp>&e9;</TimeStamp></Source></Infringement>']
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
EOF
	python3 - "$tmp/bomb.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('report.json', 'w', force_zip64=True) as f:
        block = b'\0' * (1 << 20)
        for _ in range(100):
            f.write(block)
EOF
	awk 'BEGIN { print "From: x@y.example"; print "Subject: big"; print "";
		for (i = 0; i < 1200000; i++) print "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }' \
		>"$tmp/huge.eml"
	printf '192.0.2.10 2026-02-20T10:00:00Z\n' >"$tmp/good.txt"
	run 65 report "$tmp/bomb.xml" "$tmp/bomb.zip" "$tmp/huge.eml" "$tmp/good.txt"
	has "$tmp/err" "bomb.xml:2: XML with a DTD (<!DOCTYPE>) is refused"
	has "$tmp/err" "bomb.zip: report.json in the archive: unpacks to more than 67108864 bytes"
	has "$tmp/err" "huge.eml: message larger than 67108864 bytes: not read"
	has "$tmp/out" "good.txt: plain report, 1 event"
	has "$tmp/out" "match, account CU-1"
	;;

usage)
	store
	run 64 report
	has "$tmp/err" "report takes FILE"
	run 64 report - -
	run 64 report x --tolerance -5
	has "$tmp/err" "--tolerance: expected whole seconds"
	run 0 report --help
	has "$tmp/out" "usage: attrib [--db PATH] report FILE...|-"
	run 66 report x --drafts "$tmp/nowhere"
	;;

ledger)
	# Every match recorded against its account once; the window counts
	# reports with an event in the last 90 days from now, so the times of
	# this case are relative to now.
	store
	ago() { date -u -d "@$(($(date +%s) - $1 * 86400))" +%Y-%m-%dT%H:%M:%SZ; }
	cat >"$tmp/more.jsonl" <<EOF
{"type":"lease-commit","source":"dhcp4","server":"kea-a","address":"192.0.2.20","time":"$(ago 20)","valid-lifetime":2592000,"hwaddr":"$(mac 5)"}
EOF
	printf 'kind,value,account,valid_from,valid_to\nhwaddr,%s,CU-5,2026-01-01T00:00:00Z,\n' \
		"$(mac 5)" >"$tmp/subs5.csv"
	run 0 import subscribers "$tmp/subs5.csv"
	run 0 apply "$tmp/more.jsonl"

	printf '192.0.2.20 %s\n' "$(ago 10)" >"$tmp/a.txt"
	run 0 report "$tmp/a.txt"
	has "$tmp/out" "account CU-5: 1 event here; 1 report in the last 90 days; never warned"
	# Read again: the same digest adds nothing.
	run 0 report "$tmp/a.txt"
	has "$tmp/out" "account CU-5: 1 event here; 1 report in the last 90 days; never warned"

	warned=$(ago 5)
	run 0 cases warn CU-5 --time "$warned" --note "first notice"
	has "$tmp/out" "warning to CU-5 recorded at $warned"
	run 0 report "$tmp/a.txt"
	has "$tmp/out" "1 report in the last 90 days; warned $warned, nothing since"

	again=$(ago 2)
	printf '192.0.2.20 %s 4444\n192.0.2.20 %s 4445\n' "$again" "$again" >"$tmp/b.txt"
	run 0 report "$tmp/b.txt"
	has "$tmp/out" "account CU-5: 2 events here; 2 reports in the last 90 days; warned $warned, reported again since (1 report)"
	run 0 --json cases CU-5
	jqis '.[0] | [."reports-90d", .reports, .warnings, ."reports-after-warning"] | @csv' \
		'2,2,1,1'
	jqis '.[0]."report-list" | map(.events) | @csv' '2,1'
	jqis '.[0]."report-list"[0].last' "$again"
	jqis '.[0]."warning-list"[0].note' 'first notice'

	# A report from February: on the ledger, not in the 90 days.  An
	# unmapped answer names no account and records nothing.
	printf '192.0.2.10 2026-02-20T09:00:00Z\n192.0.2.12 2026-02-20T09:00:00Z\n' >"$tmp/c.txt"
	run 0 report "$tmp/c.txt"
	has "$tmp/out" "account CU-1: 1 event here; 0 reports in the last 90 days; never warned"
	run 0 --json cases CU-1
	jqis '.[0] | [."reports-90d", .reports] | @csv' '0,1'
	run 0 --json cases "$(mac 4)"
	jqis '.[0].reports' '0'

	# Bad input changes nothing.
	run 64 cases
	run 64 cases warn
	run 64 cases warn CU-5 --time 2026-03-01T00:00:00
	has "$tmp/err" "without a zone"
	run 0 --json cases CU-5
	jqis '.[0].warnings' '1'
	;;

*)
	echo "unknown case $case"
	exit 2
	;;
esac

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
