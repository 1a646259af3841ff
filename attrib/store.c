/* SPDX-License-Identifier: GPL-3.0-or-later
 * The store: the SQLite file, its migrations, the statements the rules and
 * lookups run, and the one place SQLite's result codes become errno values. */
#include "attrib/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <xxhash.h>

#include "attrib/lookup.h"
#include "attrib/schema.h"
#include "attrib/store_int.h"
#include "attrib/text.h"
#include "attrib/times.h"

#define BUSY_TIMEOUT_MS 5000

static const char *const sql[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_BEGIN_READ] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[Q_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_PLEN_ALL] = "SELECT family, plen FROM prefix_len",
	[Q_PLEN_ADD] = "INSERT OR IGNORE INTO prefix_len (family, plen) VALUES (?1, ?2)",
	[Q_KINDS] = "SELECT EXISTS (SELECT 1 FROM subscriber WHERE kind = ?1)",
	[Q_OTHER_IDS_ANY] = "SELECT EXISTS (SELECT 1 FROM binding_identity)",
	[Q_OTHER_ID_ADD] = "INSERT OR IGNORE INTO binding_identity (binding_id, kind, value) "
			   "VALUES (?1, ?2, ?3)",
	[Q_OTHER_IDS] = "SELECT kind, value FROM binding_identity WHERE binding_id = ?1",
	[Q_EVENT_ADD] =
		"INSERT OR IGNORE INTO event (digest, type, source, time, arrival, event_ts, "
		"delay, session_time, valid_lifetime, subnet_id, lease_type, addresses, server, "
		"nas, acct_session_id, unique_session_id, hwaddr, client_id, duid, iaid, "
		"remote_id, circuit_id, subscriber_id, username, calling_station_id, hostname, "
		"note, input_octets, output_octets) VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
		"?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
	[Q_EVIDENCE_ADD] = "INSERT OR IGNORE INTO evidence (binding_id, event_id) VALUES (?1, ?2)",
	[Q_BINDING_ADD] =
		"INSERT INTO binding (family, plen, net, start, until, end_time, end_reason, "
		"expected_end, last_seen, confirmed_until, start_inferred, source, server, "
		"session_id, account, hwaddr, client_id, duid, iaid, lease_type, remote_id, "
		"circuit_id, subscriber_id, username, calling_station_id, hostname, "
		"acct_session_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
		"?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
	[Q_LEASE_BEFORE] = "SELECT " BROW_COLUMNS " FROM binding WHERE family = ?1 AND plen = ?2 "
			   "AND net = ?3 AND start <= ?4 AND session_id IS NULL AND source != 4 "
			   "ORDER BY start DESC LIMIT 1",
	[Q_LEASE_EXTEND] =
		"UPDATE binding SET last_seen = max(last_seen, ?2), "
		"expected_end = max(expected_end, ?3), until = CASE WHEN end_time IS NULL "
		"THEN max(expected_end, ?3) ELSE until END WHERE id = ?1",
	/* Identities a renewal shows that the binding had not seen. */
	[Q_BINDING_FILL] = "UPDATE binding SET hwaddr = coalesce(hwaddr, ?2), client_id = "
			   "coalesce(client_id, ?3), duid = coalesce(duid, ?4), remote_id = "
			   "coalesce(remote_id, ?5), circuit_id = coalesce(circuit_id, ?6), "
			   "subscriber_id = coalesce(subscriber_id, ?7) WHERE id = ?1",
	[Q_BINDING_END] = "UPDATE binding SET end_time = ?2, until = ?2, end_reason = ?3 "
			  "WHERE id = ?1",
	[Q_BINDING_CONFIRMED] = "UPDATE binding SET confirmed_until = ?2 WHERE id = ?1",
	[Q_BINDING_REOPEN] = "UPDATE binding SET end_time = NULL, end_reason = NULL, "
			     "confirmed_until = NULL, until = ?2, expected_end = ?2, "
			     "last_seen = max(last_seen, ?3) WHERE id = ?1",
	/* Lease events of one prefix (its text in ?1), by time: the order the
	 * rules need them in, whatever order they arrived in. */
	[Q_LEASE_LATEST] = "SELECT max(time) FROM event WHERE type BETWEEN 1 AND 5 AND "
			   "addresses = ?1 AND id != ?2",
	[Q_LEASE_AFFECTED] = "SELECT min(start) FROM binding WHERE family = ?1 AND plen = ?2 AND "
			     "net = ?3 AND session_id IS NULL AND source != 4 AND (until IS NULL "
			     "OR until > ?4)",
	[Q_LEASE_UNDO_EVIDENCE] = "DELETE FROM evidence WHERE binding_id IN (SELECT id FROM "
				  "binding WHERE family = ?1 AND plen = ?2 AND net = ?3 AND "
				  "start >= ?4 AND session_id IS NULL AND source != 4)",
	[Q_LEASE_UNDO] = "DELETE FROM binding WHERE family = ?1 AND plen = ?2 AND net = ?3 AND "
			 "start >= ?4 AND session_id IS NULL AND source != 4",
	[Q_LEASE_EVENTS] = "SELECT id FROM event WHERE type BETWEEN 1 AND 5 AND addresses = ?1 "
			   "AND time >= ?2 ORDER BY time, id",
	[Q_LEASE_EVENT] = "SELECT type, source, time, valid_lifetime, subnet_id, lease_type, "
			  "server, hwaddr, client_id, duid, iaid, remote_id, circuit_id, "
			  "subscriber_id, hostname FROM event WHERE id = ?1",
	[Q_SESSION_BEFORE] =
		"SELECT id, start, end_time, last_seen, start_inferred, end_reason FROM session "
		"WHERE key = ?1 AND start <= ?2 ORDER BY start DESC LIMIT 1",
	[Q_SESSION_AFTER] =
		"SELECT id, start, end_time, last_seen, start_inferred, end_reason FROM session "
		"WHERE key = ?1 AND start > ?2 ORDER BY start LIMIT 1",
	[Q_SESSION_ADD] = "INSERT INTO session (key, nas, start, end_time, end_reason, last_seen, "
			  "start_inferred) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_SESSION_UPDATE] = "UPDATE session SET start = ?2, end_time = ?3, end_reason = ?4, "
			     "last_seen = ?5, start_inferred = ?6 WHERE id = ?1",
	[Q_SESSION_BINDINGS] = "SELECT " BROW_COLUMNS " FROM binding WHERE session_id = ?1",
	[Q_SESSION_END_BINDINGS] = "UPDATE binding SET end_time = ?2, until = ?2, end_reason = ?3 "
				   "WHERE session_id = ?1 AND (end_time IS NULL OR end_time > ?2)",
	[Q_SESSION_SEEN_BINDINGS] = "UPDATE binding SET last_seen = max(last_seen, ?2) "
				    "WHERE session_id = ?1",
	[Q_SESSION_RESTART_BINDINGS] = "UPDATE binding SET start = ?2, start_inferred = ?3 "
				       "WHERE session_id = ?1 AND start = ?4",
	[Q_NAS_OPEN] =
		"SELECT id, start, end_time, last_seen, start_inferred, end_reason FROM session "
		"WHERE nas = ?1 AND end_time IS NULL AND start <= ?2",
	/* The NAS's first Accounting-On or -Off (types 9, 10) after ?2. */
	[Q_NAS_RESTART_AFTER] = "SELECT min(time) FROM event WHERE type IN (9, 10) AND nas = ?1 "
				"AND time > ?2",
	[Q_SUBSCRIBER_ADD] = "INSERT INTO subscriber (kind, value, account, valid_from, valid_to) "
			     "VALUES (?1, ?2, ?3, ?4, ?5)",
	/* Accounts the identity mapped to at any time in [?3, ?4]. */
	[Q_SUBSCRIBER_MAP] =
		"SELECT account FROM subscriber WHERE kind = ?1 AND "
		"value = ?2 AND valid_from <= ?4 AND (valid_to IS NULL OR valid_to > ?3)",
	[Q_PROBE] = "SELECT " BROW_COLUMNS " FROM binding WHERE family = ?1 AND plen = ?2 AND "
		    "net = ?3 AND start <= ?5 AND (until IS NULL OR until > ?4) ORDER BY start",
	/* The next server after ?1: an index probe per server, never a scan. */
	[Q_HEARD_SOURCES] = "SELECT min(server_id) FROM heard WHERE server_id > ?1",
	[Q_HEARD_SPANS] =
		"SELECT first, last, interval, closed FROM heard WHERE server_id = ?1 AND "
		"first <= ?2 ORDER BY first",
	[Q_LOSS_NEAR] = "SELECT server_id, first, last, lost FROM loss WHERE last >= ?1 AND "
			"first <= ?2 AND lost > 0 ORDER BY first LIMIT 1",
	/* Per server: from when its waiting journals may hold records, being
	 * where their writer's applied ones end (its start, before any), and
	 * whether any waits for a descriptor (0) or only behind another (1).
	 * A name gives the start to the second; the header to the
	 * microsecond.  Then (2) the journals set aside, or whose header is
	 * damaged (journal_wait, queued 2: its writer from its name): all their
	 * writer heard from when they were made (the header's time; for a
	 * damaged header, when the writer's file before it was) to when its
	 * next journal was, or a later writer of the server began (NULL: on
	 * and on), by the writer's clock, which events' own times are not;
	 * merged when they end alike.  A journal done before schema 014 tells
	 * only its last time heard. */
	[Q_WAITING] = "SELECT coalesce(server_id, ''), min(since), min(queued), NULL FROM ("
		      "SELECT w.server_id, max(w.writer_start, coalesce((SELECT max(j.heard_last) "
		      "FROM journal j WHERE j.server_id = w.server_id AND j.pid = w.pid AND "
		      "j.writer_start BETWEEN w.writer_start AND w.writer_start + 999999), "
		      "w.writer_start)) AS since, min(w.queued) AS queued FROM journal_wait w "
		      "WHERE w.queued < 2 GROUP BY w.server_id, w.writer_start, w.pid) "
		      "GROUP BY server_id "
		      "UNION ALL SELECT server_id, min(since), 2, until FROM ("
		      "SELECT x.server_id, x.since, (SELECT min(b) FROM ("
		      "SELECT min(coalesce(n.created, n.heard_last)) AS b FROM journal n "
		      "WHERE n.server_id = x.server_id AND n.pid = x.pid AND n.writer_start "
		      "BETWEEN x.ws AND x.ws_hi AND n.seq > x.seq UNION ALL "
		      "SELECT min(n.writer_start) FROM journal n WHERE n.server_id = x.server_id "
		      "AND n.writer_start > x.ws_hi)) AS until FROM ("
		      "SELECT server_id, pid, seq, writer_start AS ws, writer_start AS ws_hi, "
		      "coalesce(created, writer_start) AS since FROM journal "
		      "WHERE set_aside IS NOT NULL UNION ALL "
		      "SELECT w.server_id, w.pid, w.seq, w.writer_start, w.writer_start + 999999, "
		      "coalesce((SELECT max(p.created) FROM journal p WHERE p.server_id = "
		      "w.server_id AND p.pid = w.pid AND p.writer_start BETWEEN w.writer_start AND "
		      "w.writer_start + 999999 AND p.seq < w.seq), w.writer_start) "
		      "FROM journal_wait w WHERE w.queued = 2 AND w.server_id IS NOT NULL) x) "
		      "GROUP BY server_id, until ORDER BY 1, 3, 2",
	[Q_CASE_ADD] = "INSERT OR IGNORE INTO case_report (account, digest, kind, report_type, "
		       "reporter, report_id, events, first_time, last_time, recorded, "
		       "recorded_uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_CASE_WARN] = "INSERT INTO case_warning (account, time, note, recorded, recorded_uid) "
			"VALUES (?1, ?2, ?3, ?4, ?5)",
	/* ?2: the window's start; then the last warning and the reports since.
	 * An aggregate without GROUP BY: always one row. */
	[Q_CASE_SUMMARY] = "SELECT (SELECT count(*) FROM case_report WHERE account = ?1 AND "
			   "last_time >= ?2), (SELECT count(*) FROM case_report WHERE "
			   "account = ?1), max(w.time), count(*), (SELECT count(*) FROM "
			   "case_report WHERE account = ?1 AND last_time > (SELECT max(time) FROM "
			   "case_warning WHERE account = ?1)) FROM case_warning w WHERE "
			   "w.account = ?1",
	[Q_CASE_REPORTS] = "SELECT digest, kind, report_type, reporter, report_id, events, "
			   "first_time, last_time FROM case_report WHERE account = ?1 "
			   "ORDER BY last_time DESC, id DESC",
	[Q_CASE_WARNINGS] = "SELECT time, note FROM case_warning WHERE account = ?1 "
			    "ORDER BY time DESC, id DESC",
};

const char *store_sql(enum stmt_id id)
{
	return id < Q__COUNT ? sql[id] : NULL;
}

struct attrib_policy attrib_policy_default(void)
{
	return (struct attrib_policy){ .stale_after = ATTRIB_STALE_AFTER_DEFAULT,
				       .clock_skew = ATTRIB_CLOCK_SKEW_DEFAULT };
}

int store_error(struct attrib_store *st, int rc)
{
	snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(st->db));
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_TOOBIG:
		return -E2BIG;
	default:
		return -EIO;
	}
}

const char *attrib_store_errmsg(struct attrib_store *st)
{
	return st->err;
}

sqlite3_stmt *store_stmt(struct attrib_store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];

	if (!s) {
		int rc = sqlite3_prepare_v3(st->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &st->stmt[id], NULL);

		if (rc != SQLITE_OK) {
			store_error(st, rc);
			return NULL;
		}
		return st->stmt[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int store_exec(struct attrib_store *st, sqlite3_stmt *s)
{
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_error(st, rc);
}

void store_bind_prefix(sqlite3_stmt *s, int i, const struct attrib_prefix *p)
{
	sqlite3_bind_int(s, i, p->family);
	sqlite3_bind_int(s, i + 1, p->len);
	sqlite3_bind_blob(s, i + 2, p->net, (int)attrib_prefix_bytes(p), SQLITE_STATIC);
}

void store_bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t == INT64_MAX)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, t);
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int64_t col_time(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(s, i);
}

static void col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	attrib_text_copy(dst, n, v ? (const char *)v : "");
}

void brow_read(sqlite3_stmt *s, struct brow *b)
{
	int blen = sqlite3_column_bytes(s, 3);
	const void *net = sqlite3_column_blob(s, 3);

	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(s, 0);
	b->prefix.family = (uint8_t)sqlite3_column_int(s, 1);
	b->prefix.len = (uint8_t)sqlite3_column_int(s, 2);
	if (net && blen > 0 && blen <= 16)
		memcpy(b->prefix.net, net, (size_t)blen);
	b->start = sqlite3_column_int64(s, 4);
	b->until = col_time(s, 5);
	b->end_time = col_time(s, 6);
	b->expected_end = col_time(s, 7);
	b->last_seen = sqlite3_column_int64(s, 8);
	b->confirmed_until = col_time(s, 9);
	b->start_inferred = sqlite3_column_int(s, 10) != 0;
	b->source = (enum attrib_source)sqlite3_column_int(s, 11);
	b->session_id = sqlite3_column_int64(s, 12);
	b->lease_type = sqlite3_column_int(s, 13);
	col_text(s, 14, b->end_reason, sizeof(b->end_reason));
	col_text(s, 15, b->account, sizeof(b->account));
	col_text(s, 16, b->server, sizeof(b->server));
	col_text(s, 17, b->acct_session_id, sizeof(b->acct_session_id));
	col_text(s, 18, b->ident.hwaddr, sizeof(b->ident.hwaddr));
	col_text(s, 19, b->ident.client_id, sizeof(b->ident.client_id));
	col_text(s, 20, b->ident.duid, sizeof(b->ident.duid));
	b->ident.has_iaid = sqlite3_column_type(s, 21) != SQLITE_NULL;
	b->ident.iaid = (uint32_t)sqlite3_column_int64(s, 21);
	col_text(s, 22, b->ident.remote_id, sizeof(b->ident.remote_id));
	col_text(s, 23, b->ident.circuit_id, sizeof(b->ident.circuit_id));
	col_text(s, 24, b->ident.subscriber_id, sizeof(b->ident.subscriber_id));
	col_text(s, 25, b->ident.username, sizeof(b->ident.username));
	col_text(s, 26, b->ident.calling_station_id, sizeof(b->ident.calling_station_id));
	col_text(s, 27, b->ident.hostname, sizeof(b->ident.hostname));
}

static int note_prefix_len(struct attrib_store *st, const struct attrib_prefix *p)
{
	bool *seen = &st->plen[p->family == 6][p->len];
	sqlite3_stmt *s;
	int rc;

	if (*seen)
		return 0;
	s = store_stmt(st, Q_PLEN_ADD);
	if (!s)
		return -EIO;
	sqlite3_bind_int(s, 1, p->family);
	sqlite3_bind_int(s, 2, p->len);
	rc = store_exec(st, s);
	if (rc == 0)
		*seen = true;
	return rc;
}

int store_binding_add(struct attrib_store *st, struct brow *b)
{
	sqlite3_stmt *s = store_stmt(st, Q_BINDING_ADD);
	int rc;

	if (!s)
		return -EIO;
	store_bind_prefix(s, 1, &b->prefix);
	sqlite3_bind_int64(s, 4, b->start);
	store_bind_time(s, 5, b->until);
	store_bind_time(s, 6, b->end_time);
	store_bind_text(s, 7, b->end_reason);
	store_bind_time(s, 8, b->expected_end);
	sqlite3_bind_int64(s, 9, b->last_seen);
	store_bind_time(s, 10, b->confirmed_until);
	sqlite3_bind_int(s, 11, b->start_inferred);
	sqlite3_bind_int(s, 12, b->source);
	store_bind_text(s, 13, b->server);
	if (b->session_id)
		sqlite3_bind_int64(s, 14, b->session_id);
	store_bind_text(s, 15, b->account);
	store_bind_text(s, 16, b->ident.hwaddr);
	store_bind_text(s, 17, b->ident.client_id);
	store_bind_text(s, 18, b->ident.duid);
	if (b->ident.has_iaid)
		sqlite3_bind_int64(s, 19, b->ident.iaid);
	if (b->prefix.family == 6 && !b->session_id && b->source != ATTRIB_SRC_STATIC)
		sqlite3_bind_int(s, 20, b->lease_type);
	store_bind_text(s, 21, b->ident.remote_id);
	store_bind_text(s, 22, b->ident.circuit_id);
	store_bind_text(s, 23, b->ident.subscriber_id);
	store_bind_text(s, 24, b->ident.username);
	store_bind_text(s, 25, b->ident.calling_station_id);
	store_bind_text(s, 26, b->ident.hostname);
	store_bind_text(s, 27, b->acct_session_id);
	rc = store_exec(st, s);
	if (rc < 0)
		return rc;
	b->id = sqlite3_last_insert_rowid(st->db);
	return note_prefix_len(st, &b->prefix);
}

static unsigned kind_bit(const char *kind)
{
	for (size_t i = 0; i < ATTRIB_MAP_KINDS; i++)
		if (strcmp(attrib_map_kinds[i].kind, kind) == 0)
			return KIND_BIT(i);
	return 0;
}

static int64_t meta_int(struct attrib_store *st, const char *key, int64_t dflt)
{
	sqlite3_stmt *s = store_stmt(st, Q_META_GET);
	int64_t v = dflt;

	if (!s)
		return dflt;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

/* The servers whose journals were heard, which every answer's coverage
 * goes through: a handful, read once per change of the store. */
static int load_servers(struct attrib_store *st)
{
	size_t cap = 0;

	st->nservers = 0;
	for (;;) {
		sqlite3_stmt *s = store_stmt(st, Q_HEARD_SOURCES);
		const char *prev = st->nservers ? st->servers[st->nservers - 1] : "";
		int rc;

		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, prev, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL) {
			/* A statement left stepped would hold its snapshot. */
			sqlite3_reset(s);
			return rc == SQLITE_ROW ? 0 : store_error(st, rc);
		}
		if (st->nservers == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			void *p = realloc(st->servers, ncap * sizeof(*st->servers));

			if (!p) {
				sqlite3_reset(s);
				return -ENOMEM;
			}
			st->servers = p;
			cap = ncap;
		}
		snprintf(st->servers[st->nservers++], sizeof(*st->servers), "%s",
			 (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
	}
}

int store_waits(struct attrib_store *st)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if (st->waits_loaded)
		return 0;
	s = store_stmt(st, Q_WAITING);
	if (!s)
		return -EIO;
	st->nwaits = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_wait *w;

		if (st->nwaits == cap) {
			size_t ncap = cap ? 2 * cap : 4;
			void *p = realloc(st->waits, ncap * sizeof(*st->waits));

			if (!p) {
				sqlite3_reset(s);
				return -ENOMEM;
			}
			st->waits = p;
			cap = ncap;
		}
		w = &st->waits[st->nwaits++];
		snprintf(w->server, sizeof(w->server), "%s",
			 (const char *)sqlite3_column_text(s, 0));
		w->since_known = sqlite3_column_type(s, 1) != SQLITE_NULL;
		w->since = sqlite3_column_int64(s, 1);
		w->kind = sqlite3_column_int(s, 2);
		w->until_known = sqlite3_column_type(s, 3) != SQLITE_NULL;
		w->until = sqlite3_column_int64(s, 3);
		/* A next file made before this one: clocks that do not agree,
		 * nothing to bound the gap by. */
		if (w->until_known && w->since_known && w->until <= w->since)
			w->until_known = false;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, rc);
	st->waits_loaded = true;
	return 0;
}

/* Read the caches of prefix lengths, map kinds, horizon and servers afresh. */
static int load_caches(struct attrib_store *st)
{
	sqlite3_stmt *s = store_stmt(st, Q_PLEN_ALL);
	int rc;

	if (!s)
		return -EIO;
	memset(st->plen, 0, sizeof(st->plen));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int fam = sqlite3_column_int(s, 0), len = sqlite3_column_int(s, 1);

		if ((fam == 4 || fam == 6) && len >= 0 && len <= 128)
			st->plen[fam == 6][len] = true;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_error(st, rc);
	/* Which kinds the map has: a probe each, not a walk of the map. */
	st->kinds = 0;
	for (size_t i = 0; i < ATTRIB_MAP_KINDS; i++) {
		s = store_stmt(st, Q_KINDS);
		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, attrib_map_kinds[i].kind, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && sqlite3_column_int(s, 0))
			st->kinds |= KIND_BIT(i);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return store_error(st, rc);
	}
	s = store_stmt(st, Q_OTHER_IDS_ANY);
	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	st->other_ids = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_error(st, rc);
	st->horizon = meta_int(st, "retention-horizon", 0);
	st->waits_loaded = false;
	return load_servers(st);
}

int store_refresh(struct attrib_store *st)
{
	sqlite3_stmt *s = store_stmt(st, Q_DATA_VERSION);
	int64_t v;

	if (!s)
		return -EIO;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_error(st, sqlite3_errcode(st->db));
	}
	v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (v == st->data_version)
		return 0;
	st->data_version = v;
	return load_caches(st);
}

int attrib_store_read_begin(struct attrib_store *st)
{
	int rc;

	/* Within our write transaction (BEGIN IMMEDIATE, refreshed when it
	 * began) no other connection can commit: the caches stand. */
	if (st->in_txn)
		return 0;
	if (st->in_read++)
		return 0;
	rc = store_exec(st, store_stmt(st, Q_BEGIN_READ));
	if (rc == 0)
		rc = store_refresh(st);
	if (rc < 0) {
		st->in_read = 0;
		if (!sqlite3_get_autocommit(st->db))
			store_exec(st, store_stmt(st, Q_ROLLBACK));
	}
	return rc;
}

int attrib_store_read_end(struct attrib_store *st, int rc)
{
	if (st->in_txn || st->in_read == 0 || --st->in_read)
		return rc;
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, store_stmt(st, Q_ROLLBACK));
	return rc;
}

static int exec_sql(struct attrib_store *st, const char *text)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, text, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		rc = store_error(st, rc);
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

static int user_version(struct attrib_store *st, int *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_error(st, rc);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, rc);
}

/* Apply the migrations the file lacks, all in one transaction. */
static int migrate(struct attrib_store *st, bool readonly)
{
	char pragma[64];
	int have, rc;

	rc = user_version(st, &have);
	if (rc < 0)
		return rc;
	if (have > attrib_migration_count) {
		snprintf(st->err, sizeof(st->err),
			 "store schema version %d is newer than this attrib knows (%d): "
			 "use a newer attrib", have, attrib_migration_count);
		return -EPROTO;
	}
	if (have == attrib_migration_count)
		return 0;
	if (readonly) {
		snprintf(st->err, sizeof(st->err),
			 "store schema version %d is older than this attrib's (%d): open it once "
			 "read-write to migrate", have, attrib_migration_count);
		return -EPROTO;
	}
	rc = exec_sql(st, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	/* Another process may have migrated while we waited for the lock. */
	rc = user_version(st, &have);
	for (int i = have; rc == 0 && i < attrib_migration_count; i++) {
		rc = exec_sql(st, attrib_migrations[i].sql);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 attrib_migrations[i].version);
		if (rc == 0)
			rc = exec_sql(st, pragma);
	}
	if (rc < 0) {
		char why[sizeof(st->err)];

		memcpy(why, st->err, sizeof(why));
		exec_sql(st, "ROLLBACK");
		snprintf(st->err, sizeof(st->err), "migration failed: %s", why);
		return rc;
	}
	return exec_sql(st, "COMMIT");
}

int attrib_store_open(const char *path, int flags, struct attrib_store **out, char *err,
		      size_t errlen)
{
	struct attrib_store *st = calloc(1, sizeof(*st));
	bool ro = flags & ATTRIB_STORE_READONLY;
	int oflags = ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int rc;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	st->data_version = -1;
	if (!ro && (flags & ATTRIB_STORE_CREATE))
		oflags |= SQLITE_OPEN_CREATE;
	if (!(oflags & SQLITE_OPEN_CREATE) && access(path, F_OK) != 0) {
		snprintf(st->err, sizeof(st->err), "no store there (create one with an import or "
						   "apply)");
		rc = -ENOENT;
		goto fail;
	}
	/* A new store is for its owner (and group) only, whatever the umask:
	 * it holds every subscriber; SQLite gives its -wal and -shm the same
	 * mode. */
	if ((oflags & SQLITE_OPEN_CREATE) && access(path, F_OK) != 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

		if (fd >= 0) {
			fchmod(fd, 0640);
			close(fd);
		}
	}
	rc = sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = st->db ? store_error(st, rc) : -ENOMEM;
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* A file that is not SQLite fails here, on its first read. */
	rc = exec_sql(st, ro ? "PRAGMA query_only = 1" : "PRAGMA journal_mode = WAL");
	if (rc == 0 && !ro)
		rc = exec_sql(st, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF");
	/* Ingest rewrites the same index pages batch after batch: copying them
	 * back into the file every 64 MiB of log rather than every 4 MiB
	 * copies each once where it was several times (10% of apply's time). */
	if (rc == 0 && !ro)
		rc = exec_sql(st, "PRAGMA wal_autocheckpoint = 16384");
	/* Lookups land on random pages: reading them through a map instead of
	 * a read() each, and keeping many, is most of their speed.  Safe while
	 * the file never shrinks under the map: nothing here vacuums. */
	if (rc == 0)
		rc = exec_sql(st, "PRAGMA cache_size = -262144; PRAGMA mmap_size = 17179869184");
	if (rc == 0)
		rc = migrate(st, ro);
	if (rc == 0)
		rc = store_refresh(st);
	if (rc < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	if (err)
		snprintf(err, errlen, "%s", st->err[0] ? st->err : strerror(-rc));
	attrib_store_close(st);
	return rc;
}

void attrib_store_close(struct attrib_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->servers);
	free(st->waits);
	free(st);
}

int attrib_store_schema_version(struct attrib_store *st)
{
	int v = -1;

	return user_version(st, &v) < 0 ? -EIO : v;
}

int attrib_store_schema_latest(void)
{
	return attrib_migration_count;
}

int attrib_store_begin(struct attrib_store *st)
{
	int rc;

	if (st->in_read) {
		/* SQLite cannot turn a read into a write without risking BUSY. */
		snprintf(st->err, sizeof(st->err), "a write begun inside a read snapshot");
		return -EINVAL;
	}
	if (st->in_txn++)
		return 0;
	rc = store_exec(st, store_stmt(st, Q_BEGIN));
	if (rc < 0) {
		st->in_txn = 0;
		return rc;
	}
	/* Another connection may have written since; read under our lock. */
	rc = store_refresh(st);
	if (rc < 0)
		attrib_store_rollback(st);
	return rc;
}

int attrib_store_commit(struct attrib_store *st)
{
	int rc;

	if (st->in_txn == 0)
		return -EINVAL;
	if (--st->in_txn)
		return 0;
	rc = store_exec(st, store_stmt(st, Q_COMMIT));
	if (rc < 0)
		attrib_store_rollback(st);
	/* data_version only counts other connections' commits: read the
	 * caches again after our own, which may have heard a new server. */
	st->data_version = -1;
	return rc;
}

int attrib_store_rollback(struct attrib_store *st)
{
	st->in_txn = 0;
	if (sqlite3_get_autocommit(st->db))
		return 0;
	st->data_version = -1; /* the caches may hold what was rolled back */
	memset(st->plen, 0, sizeof(st->plen));
	return store_exec(st, store_stmt(st, Q_ROLLBACK));
}

/* End a transaction begun by one of the calls below: commit what @p rc
 * says succeeded, roll back a failure, and return the outcome. */
static int finish(struct attrib_store *st, int rc)
{
	int c;

	if (rc < 0) {
		attrib_store_rollback(st);
		return rc;
	}
	c = attrib_store_commit(st);
	return c < 0 ? c : rc;
}

/* The digest that makes a repeated event a no-op: everything that gives the
 * event its meaning, with the rules' event time in place of arrival and
 * Acct-Delay-Time (which change on a retransmission). */
static int64_t event_digest(const struct attrib_event *ev, int64_t t)
{
	const char *strs[] = { ev->server, ev->nas, ev->session_id, ev->unique_session_id,
			       ev->id.hwaddr, ev->id.client_id, ev->id.duid, ev->id.remote_id,
			       ev->id.circuit_id, ev->id.subscriber_id, ev->id.username,
			       ev->id.calling_station_id, ev->id.hostname };
	int64_t iaid = ev->id.has_iaid ? (int64_t)ev->id.iaid : -1;
	int64_t nums[8] = { ev->type, ev->source, t, ev->valid_lifetime, ev->session_time, iaid,
			    ev->lease_type, ev->naddr };
	char buf[sizeof(nums) + sizeof(ev->addr) + sizeof(strs) / sizeof(*strs) * ATTRIB_STR_MAX];
	size_t n = 0;

	memcpy(buf, nums, sizeof(nums));
	n += sizeof(nums);
	for (unsigned i = 0; i < ev->naddr; i++) {
		memcpy(buf + n, &ev->addr[i], sizeof(ev->addr[i]));
		n += sizeof(ev->addr[i]);
	}
	/* Each string with its NUL, so that "ab"+"c" differs from "a"+"bc". */
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		size_t len = strnlen(strs[i], ATTRIB_STR_MAX - 1);

		memcpy(buf + n, strs[i], len);
		buf[n + len] = '\0';
		n += len + 1;
	}
	return (int64_t)XXH3_64bits(buf, n);
}

/* Keep the event as evidence.  @return 1 and its id, 0 for a repeat. */
static int event_add(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
		     bool untrusted, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st, Q_EVENT_ADD);
	char addrs[ATTRIB_EVENT_ADDRS * ATTRIB_ADDR_STRLEN] = "";
	char note[96] = "";
	size_t n = 0;
	int rc;

	if (!s)
		return -EIO;
	for (unsigned i = 0; i < ev->naddr; i++) {
		if (i)
			addrs[n++] = ' ';
		attrib_prefix_format(&ev->addr[i], addrs + n);
		n += strlen(addrs + n);
	}
	if (untrusted)
		snprintf(note, sizeof(note), "event-timestamp untrusted: %+lld s off arrival",
			 (long long)((ev->event_ts - (ev->arrival - ev->delay * ATTRIB_USEC)) /
				     ATTRIB_USEC));
	sqlite3_bind_int64(s, 1, event_digest(ev, t));
	sqlite3_bind_int(s, 2, ev->type);
	sqlite3_bind_int(s, 3, ev->source);
	sqlite3_bind_int64(s, 4, t);
	if (ev->type >= ATTRIB_EV_ACCT_START)
		sqlite3_bind_int64(s, 5, ev->arrival);
	if (ev->has & ATTRIB_HAS_EVENT_TS)
		sqlite3_bind_int64(s, 6, ev->event_ts);
	if (ev->has & ATTRIB_HAS_DELAY)
		sqlite3_bind_int64(s, 7, ev->delay);
	if (ev->has & ATTRIB_HAS_SESSION_TIME)
		sqlite3_bind_int64(s, 8, ev->session_time);
	if (ev->has & ATTRIB_HAS_LIFETIME)
		sqlite3_bind_int64(s, 9, ev->valid_lifetime);
	if (ev->has & ATTRIB_HAS_SUBNET)
		sqlite3_bind_int64(s, 10, ev->subnet_id);
	if (ev->type < ATTRIB_EV_ACCT_START && ev->source != ATTRIB_SRC_DHCP4)
		sqlite3_bind_int(s, 11, ev->lease_type);
	store_bind_text(s, 12, addrs);
	store_bind_text(s, 13, ev->server);
	store_bind_text(s, 14, ev->nas);
	store_bind_text(s, 15, ev->session_id);
	store_bind_text(s, 16, ev->unique_session_id);
	store_bind_text(s, 17, ev->id.hwaddr);
	store_bind_text(s, 18, ev->id.client_id);
	store_bind_text(s, 19, ev->id.duid);
	if (ev->id.has_iaid)
		sqlite3_bind_int64(s, 20, ev->id.iaid);
	store_bind_text(s, 21, ev->id.remote_id);
	store_bind_text(s, 22, ev->id.circuit_id);
	store_bind_text(s, 23, ev->id.subscriber_id);
	store_bind_text(s, 24, ev->id.username);
	store_bind_text(s, 25, ev->id.calling_station_id);
	store_bind_text(s, 26, ev->id.hostname);
	store_bind_text(s, 27, note);
	if (ev->has & ATTRIB_HAS_OCTETS) {
		/* SQLite integers are signed: a counter past 2^63 is kept as -1. */
		uint64_t in = ev->input_octets, out = ev->output_octets;

		sqlite3_bind_int64(s, 28, in > INT64_MAX ? -1 : (int64_t)in);
		sqlite3_bind_int64(s, 29, out > INT64_MAX ? -1 : (int64_t)out);
	}
	rc = store_exec(st, s);
	if (rc < 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(st->db);
	return 1;
}

int attrib_store_apply(struct attrib_store *st, const struct attrib_policy *pol,
		       const struct attrib_event *ev)
{
	bool untrusted = false;
	int64_t t, event_id = 0;
	int rc;

	if (attrib_event_validate(ev, st->err, sizeof(st->err)) < 0)
		return -EINVAL;
	t = rules_event_time(pol, ev, &untrusted);
	rc = attrib_store_begin(st);
	if (rc < 0)
		return rc;
	rc = event_add(st, ev, t, untrusted, &event_id);
	if (rc == 1) {
		int r = rules_apply(st, pol, ev, t, event_id);

		rc = r < 0 ? r : 1;
	}
	return finish(st, rc);
}

/* Why @p text cannot be an account or a map value, or NULL when it can:
 * what the desk reads and the JSON carries must be printable UTF-8, with
 * no blank at either end that would make two accounts look alike. */
static const char *text_flaw(const char *text, size_t max)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = text ? strlen(text) : 0;

	if (n == 0 || n >= max)
		return "is empty or too long";
	if (p[0] == ' ' || p[n - 1] == ' ')
		return "starts or ends with a blank";
	for (size_t i = 0; i < n;) {
		size_t len = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
			   : (p[i] & 0xf8) == 0xf0 ? 4 : 0;

		if (p[i] < 0x20 || p[i] == 0x7f)
			return "holds a control character";
		if (len == 0 || i + len > n || (len == 2 && p[i] < 0xc2))
			return "is not UTF-8";
		for (size_t k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return "is not UTF-8";
		i += len;
	}
	return NULL;
}

/* Check an account and a validity range; the reason in st->err. */
static int check_row(struct attrib_store *st, const char *account, int64_t valid_from,
		     int64_t valid_to)
{
	const char *flaw = text_flaw(account, ATTRIB_ACCOUNT_MAX);

	if (valid_to <= valid_from)
		snprintf(st->err, sizeof(st->err), "valid_to is not after valid_from");
	else if (flaw)
		snprintf(st->err, sizeof(st->err), "account %s", flaw);
	else
		return 0;
	return -EINVAL;
}

int attrib_store_add_subscriber(struct attrib_store *st, const char *kind, const char *value,
				const char *account, int64_t valid_from, int64_t valid_to)
{
	char norm[ATTRIB_STR_MAX];
	sqlite3_stmt *s;
	unsigned bit = kind_bit(kind);
	const char *flaw;
	int rc;

	if (!bit) {
		snprintf(st->err, sizeof(st->err), "unknown identity kind");
		return -EINVAL;
	}
	if (check_row(st, account, valid_from, valid_to) < 0)
		return -EINVAL;
	rc = attrib_identity_normalize(kind, value, norm, sizeof(norm));
	flaw = rc == -ENAMETOOLONG ? "is too long" : rc < 0 ? "is not in its form"
		: text_flaw(norm, sizeof(norm));
	if (flaw) {
		snprintf(st->err, sizeof(st->err), "%s value %s", kind, flaw);
		return -EINVAL;
	}
	rc = attrib_store_begin(st);
	if (rc < 0)
		return rc;
	s = store_stmt(st, Q_SUBSCRIBER_ADD);
	if (!s)
		return finish(st, -EIO);
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, norm, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, valid_from);
	store_bind_time(s, 5, valid_to);
	rc = store_exec(st, s);
	if (rc == 0)
		st->kinds |= bit;
	return finish(st, rc);
}

int attrib_store_add_static(struct attrib_store *st, const struct attrib_prefix *prefix,
			    const char *account, int64_t valid_from, int64_t valid_to)
{
	struct brow b = { .prefix = *prefix, .start = valid_from, .until = valid_to,
			  .end_time = valid_to, .expected_end = INT64_MAX,
			  .last_seen = valid_from, .confirmed_until = INT64_MAX,
			  .source = ATTRIB_SRC_STATIC };
	int rc;

	if (check_row(st, account, valid_from, valid_to) < 0)
		return -EINVAL;
	if (!attrib_prefix_bindable(prefix)) {
		snprintf(st->err, sizeof(st->err), "not a prefix a subscriber can hold (at least "
			 "/%d, /%d for IPv6, outside 0.0.0.0/8, multicast and reserved space)",
			 ATTRIB_BIND_MIN4, ATTRIB_BIND_MIN6);
		return -EINVAL;
	}
	snprintf(b.account, sizeof(b.account), "%s", account);
	if (valid_to != INT64_MAX)
		snprintf(b.end_reason, sizeof(b.end_reason), "assignment-ended");
	rc = attrib_store_begin(st);
	if (rc < 0)
		return rc;
	return finish(st, store_binding_add(st, &b));
}

int64_t attrib_store_horizon(struct attrib_store *st)
{
	store_refresh(st);
	return st->horizon;
}

int attrib_store_set_horizon(struct attrib_store *st, int64_t horizon)
{
	sqlite3_stmt *s;
	int rc = attrib_store_begin(st);

	if (rc < 0)
		return rc;
	s = store_stmt(st, Q_META_SET);
	if (!s)
		return finish(st, -EIO);
	sqlite3_bind_text(s, 1, "retention-horizon", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, horizon);
	rc = store_exec(st, s);
	if (rc == 0)
		st->horizon = horizon;
	return finish(st, rc);
}

static int64_t count(struct attrib_store *st, const char *table)
{
	char q[80];
	sqlite3_stmt *s;
	int64_t n = -1;

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

int attrib_store_counts(struct attrib_store *st, struct attrib_store_counts *out)
{
	out->bindings = count(st, "binding");
	out->events = count(st, "event");
	out->sessions = count(st, "session");
	out->subscribers = count(st, "subscriber");
	return out->bindings < 0 || out->events < 0 || out->sessions < 0 || out->subscribers < 0
		       ? -EIO
		       : 0;
}
