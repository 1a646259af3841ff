# SPDX-License-Identifier: GPL-3.0-or-later
# A freeradius configuration directory of a test's own (sourced, POSIX sh):
# raddb_write DIR PORT MODCONFDIR START MAX writes DIR/raddb/radiusd.conf and
# a virtual server taking accounting on 127.0.0.1:PORT, with PORT's
# log, run and module directories under DIR and rlm_attrib.so ($module)
# linked in.  The caller writes DIR/raddb/modules.conf (the modules section's
# contents), DIR/raddb/preacct.conf and DIR/raddb/accounting.conf (those
# sections' contents).  Debian's service, if it runs, keeps its own files
# and ports.
raddb_write() {
	mkdir -p "$1/raddb/sites-enabled" "$1/log" "$1/radacct" "$1/run" "$1/mod"
	ln -sf "$module" "$1/mod/rlm_attrib.so"
	cat >"$1/raddb/radiusd.conf" <<EOT
prefix = /usr
testdir = $1
raddbdir = \${testdir}/raddb
confdir = \${raddbdir}
modconfdir = $3
logdir = \${testdir}/log
radacctdir = \${testdir}/radacct
run_dir = \${testdir}/run
libdir = \${testdir}/mod:/usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
name = radiusd
log {
	destination = files
	file = \${logdir}/radius.log
}
thread pool {
	start_servers = $4
	max_servers = $5
	min_spare_servers = 1
	max_spare_servers = $5
	max_requests_per_server = 0
	auto_limit_acct = no
}
client localhost {
	ipaddr = 127.0.0.1
	secret = testing123
}
modules {
	\$INCLUDE \${raddbdir}/modules.conf
}
policy {
	acct_unique {
		update request {
			&Acct-Unique-Session-Id := "%{md5:%{User-Name},%{Acct-Session-ID},%{%{NAS-IPv6-Address}:-%{NAS-IP-Address}},%{NAS-Identifier},%{NAS-Port-ID},%{NAS-Port}}"
		}
	}
}
\$INCLUDE sites-enabled/
EOT
	cat >"$1/raddb/sites-enabled/acct" <<EOT
server acct {
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = $2
	}
	preacct {
		\$INCLUDE \${raddbdir}/preacct.conf
	}
	accounting {
		\$INCLUDE \${raddbdir}/accounting.conf
	}
}
EOT
}

# raddb_start DIR: run freeradius with the thread pool on DIR's config until
# it is ready; its pid in $fr_pid (and $pids).  @return 1 if it did not start.
raddb_start() {
	freeradius -f -d "$1/raddb" >"$1/freeradius.out" 2>&1 &
	fr_pid=$!
	pids="$pids $fr_pid"
	for i in $(seq 100); do
		grep -q 'Ready to process requests' "$1/log/radius.log" 2>/dev/null && return 0
		kill -0 "$fr_pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "freeradius did not start"
	cat "$1/freeradius.out" "$1/log/radius.log" 2>/dev/null | tail -20 | sed 's/^/    /'
	return 1
}
