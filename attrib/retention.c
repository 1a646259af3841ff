/* SPDX-License-Identifier: GPL-3.0-or-later
 * The retention purge.  Rows are worked through in windows of ids, one
 * transaction per window, so a purge of years of records never holds the
 * write lock for long; what a hold in force covers is left in place, and
 * with it the evidence, events and sessions it needs. */
#include "attrib/retention.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attrib/legal_int.h"

#define BATCH_DEFAULT 5000
#define DAY_USEC      (86400 * 1000000LL)

enum { P_HORIZON, P_BINDINGS, P_EVENTS, P_SESSIONS, P_HELD, P_DONE };

/* Parameters everywhere: ?1 now, ?2 cutoff, ?3 window start (exclusive),
 * ?4 window end (inclusive). */
#define HELD_BINDING                                                                               \
	"EXISTS (SELECT 1 FROM hold h WHERE " LEGAL_HOLD_IN_FORCE                                  \
	" AND " LEGAL_HOLD_COVERS_BINDING ")"
#define HELD_EVENT                                                                                 \
	"EXISTS (SELECT 1 FROM hold h WHERE " LEGAL_HOLD_IN_FORCE " AND " LEGAL_HOLD_COVERS_EVENT  \
	")"

static const char *const purge_sql[] = {
	"CREATE TEMP TABLE IF NOT EXISTS purge_binding (id INTEGER PRIMARY KEY)",
	"DELETE FROM temp.purge_binding",
	"INSERT INTO temp.purge_binding SELECT b.id FROM binding b WHERE b.id > ?3 AND b.id <= ?4 "
	"AND b.until IS NOT NULL AND b.until <= ?2 AND NOT " HELD_BINDING,
	"DELETE FROM evidence WHERE binding_id IN (SELECT id FROM temp.purge_binding)",
	"DELETE FROM binding WHERE id IN (SELECT id FROM temp.purge_binding)",
	"DELETE FROM event WHERE id IN (SELECT e.id FROM event e WHERE e.id > ?3 AND e.id <= ?4 "
	"AND "
	"e.time < ?2 AND NOT EXISTS (SELECT 1 FROM evidence v WHERE v.event_id = e.id) AND "
	"NOT " HELD_EVENT ")",
	"DELETE FROM session WHERE id > ?3 AND id <= ?4 AND end_time IS NOT NULL AND end_time <= "
	"?2 "
	"AND NOT EXISTS (SELECT 1 FROM binding b WHERE b.session_id = session.id)",
	"SELECT count(*) FROM binding WHERE until IS NOT NULL AND until <= ?2",
};

enum { S_TEMP, S_CLEAR, S_PICK, S_EVIDENCE, S_BINDINGS, S_EVENTS, S_SESSIONS, S_HELD };

int64_t attrib_retention_cutoff(int64_t now, unsigned days)
{
	return days ? now - (int64_t)days * DAY_USEC : 0;
}

void attrib_purge_init(struct attrib_purge *p, int64_t cutoff, int64_t now, int64_t batch)
{
	memset(p, 0, sizeof(*p));
	p->now = now;
	p->batch = batch > 0 ? batch : BATCH_DEFAULT;
	p->counts.cutoff = cutoff;
}

/* Run statement @p which with the purge's parameters.  @return the rows it
 * changed (or, for a query, its first column), or a negative errno. */
static int64_t run(struct attrib_store *st, const struct attrib_purge *p, int which)
{
	sqlite3_stmt *s;
	int64_t n;
	int rc;

	rc = sqlite3_prepare_v2(st->db, purge_sql[which], -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	for (int i = 1; i <= sqlite3_bind_parameter_count(s); i++) {
		const int64_t v[] = { p->now, p->counts.cutoff, p->cursor, p->cursor + p->batch };

		sqlite3_bind_int64(s, i, v[i - 1]);
	}
	rc = sqlite3_step(s);
	n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : sqlite3_changes64(st->db);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, rc);
	return n;
}

static int64_t max_id(struct attrib_store *st, const char *table)
{
	char q[64];
	sqlite3_stmt *s;
	int64_t n = 0;
	int rc;

	snprintf(q, sizeof(q), "SELECT coalesce(max(id), 0) FROM %s", table);
	rc = sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? n : store_error(st, rc);
}

/* Enter phase @p phase, whose window runs over @p table's ids. */
static int64_t next_phase(struct attrib_store *st, struct attrib_purge *p, int phase,
			  const char *table)
{
	p->phase = phase;
	p->cursor = 0;
	p->last = table ? max_id(st, table) : 0;
	return p->last < 0 ? p->last : 0;
}

static int64_t window(struct attrib_store *st, struct attrib_purge *p)
{
	struct attrib_purge_counts *c = &p->counts;
	int64_t n = 0;

	switch (p->phase) {
	case P_BINDINGS:
		if ((n = run(st, p, S_TEMP)) < 0 || (n = run(st, p, S_CLEAR)) < 0 ||
		    (n = run(st, p, S_PICK)) < 0 || (n = run(st, p, S_EVIDENCE)) < 0)
			return n;
		c->evidence += n;
		if ((n = run(st, p, S_BINDINGS)) < 0)
			return n;
		c->bindings += n;
		break;
	case P_EVENTS:
		if ((n = run(st, p, S_EVENTS)) < 0)
			return n;
		c->events += n;
		break;
	case P_SESSIONS:
		if ((n = run(st, p, S_SESSIONS)) < 0)
			return n;
		c->sessions += n;
		break;
	}
	p->cursor += p->batch;
	return 0;
}

static int64_t step(struct attrib_store *st, struct attrib_purge *p)
{
	int64_t horizon, rc;

	switch (p->phase) {
	case P_HORIZON:
		horizon = attrib_store_horizon(st);
		if (p->counts.cutoff > horizon) {
			rc = attrib_store_set_horizon(st, p->counts.cutoff);
			if (rc < 0)
				return rc;
			horizon = p->counts.cutoff;
		}
		p->counts.horizon = horizon;
		if (p->counts.cutoff == 0)
			return next_phase(st, p, P_DONE, NULL);
		return next_phase(st, p, P_BINDINGS, "binding");
	case P_BINDINGS:
	case P_EVENTS:
	case P_SESSIONS:
		if (p->cursor >= p->last)
			return p->phase == P_BINDINGS ? next_phase(st, p, P_EVENTS, "event")
			       : p->phase == P_EVENTS ? next_phase(st, p, P_SESSIONS, "session")
						      : next_phase(st, p, P_HELD, NULL);
		return window(st, p);
	case P_HELD:
		rc = run(st, p, S_HELD);
		if (rc < 0)
			return rc;
		p->counts.held = rc;
		return next_phase(st, p, P_DONE, NULL);
	}
	return 0;
}

int attrib_purge_step(struct attrib_store *st, struct attrib_purge *p)
{
	int64_t rc;

	if (p->phase == P_DONE)
		return 0;
	rc = legal_sql_functions(st);
	if (rc < 0)
		return (int)rc;
	rc = attrib_store_begin(st);
	if (rc < 0)
		return (int)rc;
	rc = step(st, p);
	if (rc < 0) {
		attrib_store_rollback(st);
		return (int)rc;
	}
	rc = attrib_store_commit(st);
	if (rc < 0)
		return (int)rc;
	return p->phase != P_DONE;
}

int attrib_retention_purge(struct attrib_store *st, int64_t cutoff, int64_t now, int64_t batch,
			   struct attrib_purge_counts *out)
{
	struct attrib_purge p;
	int rc;

	attrib_purge_init(&p, cutoff, now, batch);
	while ((rc = attrib_purge_step(st, &p)) > 0)
		;
	*out = p.counts;
	return rc;
}
