#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark radius-accounting: Accounting-Requests per second that Debian's
# freeradius answers with rlm_attrib in its accounting section, against the
# same server with rlm_detail and with rlm_sql on SQLite (the shipped
# radacct schema and queries), in one run, driven by acct-flood with many
# requests in flight.  rlm_attrib runs with sync = interval (the default) and
# sync = every.  Prints one line per server and the ratios; fails if
# rlm_attrib left a request unanswered or journaled other than one event
# per request.  rlm_sql gets a twentieth of the requests: at its rate the
# full count would take minutes.
#
# usage: bench_radius.sh MODULE ACCT-FLOOD JOURNAL-DUMP COUNT [INFLIGHT]
set -u

module=$(readlink -f "$1")
flood=$2
dump=$3
count=$4
inflight=${5:-128}

. "$(dirname "$0")/../lib/harness.sh"
harness_need freeradius python3
harness_tmp radius-bench

port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

. "$(dirname "$0")/raddb.sh"

# run MODE N: a server for MODE (attrib, attrib-every, detail, sql), flooded
# with N requests; the result line in $tmp/MODE.result.
run() {
	d=$tmp/$1
	raddb_write "$d" "$port" /etc/freeradius/3.0/mods-config 16 32
	mkdir "$d/journal"
	sync=interval
	[ "$1" = attrib-every ] && sync=every
	mod=${1%-every}
	: >"$d/raddb/preacct.conf"
	echo "$mod" >"$d/raddb/accounting.conf"
	case $mod in
	detail) cat >"$d/raddb/modules.conf" <<EOT
detail {
	filename = \${radacctdir}/detail-%Y%m%d
	header = "%t"
	permissions = 0600
}
EOT
		;;
	attrib) cat >"$d/raddb/modules.conf" <<EOT
attrib {
	journal_dir = \${testdir}/journal
	server_id = bench
	sync = $sync
}
EOT
		;;
	sql) cat >"$d/raddb/modules.conf" <<EOT
# rlm_expr: %{tolower:...} in rlm_sql's queries
expr {
}
sql {
	dialect = "sqlite"
	driver = "rlm_sql_sqlite"
	sqlite {
		filename = "\${testdir}/radacct.db"
		busy_timeout = 200
		bootstrap = "\${modconfdir}/\${..:name}/main/sqlite/schema.sql"
	}
	radius_db = "radius"
	acct_table1 = "radacct"
	acct_table2 = "radacct"
	postauth_table = "radpostauth"
	authcheck_table = "radcheck"
	groupcheck_table = "radgroupcheck"
	authreply_table = "radreply"
	groupreply_table = "radgroupreply"
	usergroup_table = "radusergroup"
	delete_stale_sessions = yes
	pool {
		start = 16
		min = 4
		max = 32
		spare = 32
		uses = 0
		retry_delay = 30
		lifetime = 0
		idle_timeout = 60
	}
	client_table = "nas"
	group_attribute = "SQL-Group"
	\$INCLUDE \${modconfdir}/\${.:name}/main/\${dialect}/queries.conf
}
EOT
		;;
	esac
	raddb_start "$d" || return
	"$flood" 127.0.0.1 "$port" testing123 "$2" "$inflight" >"$tmp/$1.result" 2>&1
	kill "$fr_pid"
	wait "$fr_pid"
	printf '%-14s %s\n' "$1" "$(cat "$tmp/$1.result")"
}

rate() {
	sed -n 's/.* rate \([0-9]*\).*/\1/p' "$tmp/$1.result"
}

unanswered() {
	sed -n 's/.* unanswered \([0-9]*\) .*/\1/p' "$tmp/$1.result"
}

echo "freeradius $(dpkg-query -W -f '${Version}' freeradius 2>/dev/null), $count requests" \
	"(rlm_sql: $((count / 20))), $inflight in flight, $(nproc) CPUs"
run attrib "$count"
run attrib-every "$count"
run detail "$count"
run sql $((count / 20))

a=$(rate attrib)
e=$(rate attrib-every)
d=$(rate detail)
s=$(rate sql)
if [ -z "$a" ] || [ -z "$d" ] || [ -z "$s" ] || [ -z "$e" ]; then
	fail "a run gave no rate"
	harness_end
fi
python3 - "$a" "$e" "$d" "$s" <<'PY'
import sys
a, e, d, s = (float(x) for x in sys.argv[1:])
print("rlm_attrib / rlm_detail      %.2f   (target >= 1)" % (a / d))
print("rlm_attrib / rlm_sql         %.1f   (target >= 40)" % (a / max(s, 1)))
print("rlm_attrib sync=every / rlm_sql %.1f" % (e / max(s, 1)))
PY

for m in attrib attrib-every; do
	[ "$(unanswered $m)" = 0 ] || fail "rlm_attrib ($m) left requests unanswered"
	n=$("$dump" "$tmp/$m"/journal/*.journal | grep -c '"type":"acct-')
	[ "$n" -ge "$count" ] ||
		fail "rlm_attrib ($m) journaled $n events for $count answered requests"
done
harness_end
