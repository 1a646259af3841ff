/* SPDX-License-Identifier: GPL-3.0-or-later
 * radacct as FreeRADIUS 3.2 ships it for SQLite (raddb/mods-config/sql/main/
 * sqlite/schema.sql on the v3.2.x branch): the DDL below is written from that
 * file's column list, types and index list, not copied from it. */
#include "bench_radacct.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct radacct {
	sqlite3 *db;
	sqlite3_stmt *insert;
	sqlite3_stmt *lookup;
};

/* The 3.2 table: 3.0's columns without groupname, plus the IPv6 columns and
 * class (added in 3.0.22).  Every index the file ships is here, including the
 * ones on the IPv6 columns and on class that an IPv4-only ISP could drop: the
 * load and size figures are for the schema as shipped. */
static const char ddl[] = "CREATE TABLE radacct ("
			  " radacctid INTEGER PRIMARY KEY AUTOINCREMENT,"
			  " acctsessionid varchar(64) NOT NULL DEFAULT '',"
			  " acctuniqueid varchar(32) NOT NULL DEFAULT '',"
			  " username varchar(64) NOT NULL DEFAULT '',"
			  " realm varchar(64) DEFAULT '',"
			  " nasipaddress varchar(15) NOT NULL DEFAULT '',"
			  " nasportid varchar(32) DEFAULT NULL,"
			  " nasporttype varchar(32) DEFAULT NULL,"
			  " acctstarttime datetime NULL DEFAULT NULL,"
			  " acctupdatetime datetime NULL DEFAULT NULL,"
			  " acctstoptime datetime NULL DEFAULT NULL,"
			  " acctinterval int(12) DEFAULT NULL,"
			  " acctsessiontime int(12) DEFAULT NULL,"
			  " acctauthentic varchar(32) DEFAULT NULL,"
			  " connectinfo_start varchar(128) DEFAULT NULL,"
			  " connectinfo_stop varchar(128) DEFAULT NULL,"
			  " acctinputoctets bigint(20) DEFAULT NULL,"
			  " acctoutputoctets bigint(20) DEFAULT NULL,"
			  " calledstationid varchar(50) NOT NULL DEFAULT '',"
			  " callingstationid varchar(50) NOT NULL DEFAULT '',"
			  " acctterminatecause varchar(32) NOT NULL DEFAULT '',"
			  " servicetype varchar(32) DEFAULT NULL,"
			  " framedprotocol varchar(32) DEFAULT NULL,"
			  " framedipaddress varchar(15) NOT NULL DEFAULT '',"
			  " framedipv6address varchar(45) NOT NULL DEFAULT '',"
			  " framedipv6prefix varchar(45) NOT NULL DEFAULT '',"
			  " framedinterfaceid varchar(44) NOT NULL DEFAULT '',"
			  " delegatedipv6prefix varchar(45) NOT NULL DEFAULT '',"
			  " class varchar(64) DEFAULT NULL"
			  ");"
			  "CREATE UNIQUE INDEX acctuniqueid ON radacct (acctuniqueid);"
			  "CREATE INDEX username ON radacct (username);"
			  "CREATE INDEX framedipaddress ON radacct (framedipaddress);"
			  "CREATE INDEX framedipv6address ON radacct (framedipv6address);"
			  "CREATE INDEX framedipv6prefix ON radacct (framedipv6prefix);"
			  "CREATE INDEX framedinterfaceid ON radacct (framedinterfaceid);"
			  "CREATE INDEX delegatedipv6prefix ON radacct (delegatedipv6prefix);"
			  "CREATE INDEX acctsessionid ON radacct (acctsessionid);"
			  "CREATE INDEX acctsessiontime ON radacct (acctsessiontime);"
			  "CREATE INDEX acctstarttime ON radacct (acctstarttime);"
			  "CREATE INDEX acctinterval ON radacct (acctinterval);"
			  "CREATE INDEX acctstoptime ON radacct (acctstoptime);"
			  "CREATE INDEX nasipaddress ON radacct (nasipaddress);"
			  "CREATE INDEX class ON radacct (class);";

/* The row a stopped session leaves: what the start query inserted, with the
 * stop query's changes (stop time, session time, octets, cause) applied.
 * Rows are inserted once in their final state rather than inserted and then
 * updated, which only makes the baseline's load faster. */
static const char insert_sql[] =
	"INSERT INTO radacct (acctsessionid, acctuniqueid, username, realm, nasipaddress,"
	" nasportid, nasporttype, acctstarttime, acctupdatetime, acctstoptime, acctsessiontime,"
	" acctauthentic, connectinfo_start, connectinfo_stop, acctinputoctets, acctoutputoctets,"
	" calledstationid, callingstationid, acctterminatecause, servicetype, framedprotocol,"
	" framedipaddress, framedipv6address, framedipv6prefix, framedinterfaceid,"
	" delegatedipv6prefix)"
	" VALUES (?1, ?2, ?3, '', ?4, ?5, 'Ethernet', ?6, ?7, ?8, ?9, 'RADIUS', '', '', ?10, ?11,"
	" ?12, ?13, ?14, 'Framed-User', ?15, ?16, '', '', '', '')";

#define LOOKUP_SQL                                                                                 \
	"SELECT username FROM radacct WHERE framedipaddress = ?1 AND acctstarttime <= ?2"          \
	" AND (acctstoptime > ?2 OR acctstoptime IS NULL)"

static int fail(struct radacct *ra, const char *what)
{
	fprintf(stderr, "radacct: %s: %s\n", what, ra->db != NULL ? sqlite3_errmsg(ra->db) : "");
	return -EIO;
}

static int exec(struct radacct *ra, const char *sql)
{
	if (sqlite3_exec(ra->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(ra, sql);
	return 0;
}

/* A bulk load: no rollback journal, no sync, 4 GiB of page cache. */
static const char load_pragmas[] =
	"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4194304";

/* Open @p path and run @p setup on it; *out is set even on failure, for
 * radacct_close(). */
static int open_db(const char *path, int flags, const char *setup, struct radacct **out)
{
	struct radacct *ra = calloc(1, sizeof(*ra));

	*out = ra;
	if (ra == NULL)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &ra->db, flags, NULL) != SQLITE_OK)
		return fail(ra, path);
	return exec(ra, setup);
}

int radacct_create(const char *path, struct radacct **out)
{
	int rc = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, load_pragmas, out);

	if (rc == 0)
		rc = exec(*out, ddl);
	if (rc == 0 && sqlite3_prepare_v2((*out)->db, insert_sql, -1, &(*out)->insert, NULL))
		rc = fail(*out, "prepare insert");
	return rc;
}

int radacct_open(const char *path, int64_t cache_kib, int64_t mmap_bytes, struct radacct **out)
{
	char pragmas[128];
	int rc;

	snprintf(pragmas, sizeof(pragmas), "PRAGMA cache_size=-%lld; PRAGMA mmap_size=%lld",
		 (long long)cache_kib, (long long)mmap_bytes);
	rc = open_db(path, SQLITE_OPEN_READONLY, pragmas, out);
	if (rc == 0 && sqlite3_prepare_v2((*out)->db, LOOKUP_SQL, -1, &(*out)->lookup, NULL))
		rc = fail(*out, "prepare lookup");
	return rc;
}

int radacct_begin(struct radacct *ra)
{
	return exec(ra, "BEGIN");
}

int radacct_commit(struct radacct *ra)
{
	return exec(ra, "COMMIT");
}

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
	sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
}

int radacct_insert(struct radacct *ra, const struct radacct_row *row)
{
	sqlite3_stmt *q = ra->insert;
	int rc;

	bind_text(q, 1, row->session_id);
	bind_text(q, 2, row->unique_id);
	bind_text(q, 3, row->username);
	bind_text(q, 4, row->nas);
	bind_text(q, 5, row->port_id);
	sqlite3_bind_int64(q, 6, row->start);
	sqlite3_bind_int64(q, 7, row->update);
	if (row->stop < 0)
		sqlite3_bind_null(q, 8);
	else
		sqlite3_bind_int64(q, 8, row->stop);
	sqlite3_bind_int64(q, 9, row->session_time);
	sqlite3_bind_int64(q, 10, row->in_octets);
	sqlite3_bind_int64(q, 11, row->out_octets);
	bind_text(q, 12, row->called);
	bind_text(q, 13, row->calling);
	bind_text(q, 14, row->terminate_cause);
	bind_text(q, 15, row->framed_protocol);
	bind_text(q, 16, row->framed_ip);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : fail(ra, "insert");
}

int radacct_lookup(struct radacct *ra, const char *ip, int64_t t, char *user, size_t len)
{
	sqlite3_stmt *q = ra->lookup;
	int rc, rows = 0;

	bind_text(q, 1, ip);
	sqlite3_bind_int64(q, 2, t);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (rows++ == 0)
			snprintf(user, len, "%s", (const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? rows : fail(ra, "lookup");
}

void radacct_plan(struct radacct *ra, char *buf, size_t len)
{
	sqlite3_stmt *q = NULL;
	size_t used = 0;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(ra->db, "EXPLAIN QUERY PLAN " LOOKUP_SQL, -1, &q, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(q) == SQLITE_ROW && used < len) {
		int n = snprintf(buf + used, len - used, "%s%s", used > 0 ? "; " : "",
				 (const char *)sqlite3_column_text(q, 3));

		if (n > 0)
			used += (size_t)n;
	}
	sqlite3_finalize(q);
}

void radacct_close(struct radacct *ra)
{
	if (ra == NULL)
		return;
	sqlite3_finalize(ra->insert);
	sqlite3_finalize(ra->lookup);
	sqlite3_close(ra->db);
	free(ra);
}
