/* SPDX-License-Identifier: GPL-3.0-or-later
 * The attribution rules of DESIGN.md, once: how one lease or accounting
 * event opens, extends or ends bindings.  Everything here runs inside the
 * transaction attrib_store_apply() holds, after the event was kept. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/store_int.h"
#include "attrib/times.h"

#define OPEN INT64_MAX

_Static_assert(ATTRIB_SRC_STATIC == 4, "schema's lease queries say source != 4");

int64_t rules_event_time(const struct attrib_policy *pol, const struct attrib_event *ev,
			 bool *untrusted)
{
	int64_t arrived;

	*untrusted = false;
	if (ev->type < ATTRIB_EV_ACCT_START)
		return ev->time;
	arrived = ev->arrival - (int64_t)ev->delay * ATTRIB_USEC;
	if (!(ev->has & ATTRIB_HAS_EVENT_TS))
		return arrived;
	if (llabs(ev->event_ts - arrived) <= pol->clock_skew)
		return ev->event_ts;
	*untrusted = true;
	return arrived;
}

static int link_evidence(struct attrib_store *st, int64_t binding_id, int64_t event_id)
{
	sqlite3_stmt *s = store_stmt(st, Q_EVIDENCE_ADD);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, binding_id);
	sqlite3_bind_int64(s, 2, event_id);
	return store_exec(st, s);
}

/* ---- DHCP leases ---- */

/* The DHCP client identity: DHCPv4 client-id, else hardware address;
 * DHCPv6 DUID + IAID + lease type.  "" when the event carries none (Kea
 * strips a declined lease's identity). */
static void client_key(const struct attrib_identities *id, int family, int lease_type,
		       char *buf, size_t n)
{
	if (family == 6 && id->duid[0])
		snprintf(buf, n, "duid %s iaid %u %s", id->duid, id->iaid,
			 lease_type == ATTRIB_LEASE_PREFIX ? "pd" : "na");
	else if (family == 4 && id->client_id[0])
		snprintf(buf, n, "client-id %s", id->client_id);
	else if (id->hwaddr[0])
		snprintf(buf, n, "hwaddr %s", id->hwaddr);
	else
		buf[0] = '\0';
}

static bool same_client(const struct brow *b, const char *key)
{
	char bkey[ATTRIB_STR_MAX * 2];

	client_key(&b->ident, b->prefix.family, b->lease_type, bkey, sizeof(bkey));
	return strcmp(bkey, key) == 0;
}

/* The lease binding of @p p that started last at or before @p t.
 * @return 1 found, 0 none, or a negative errno. */
static int lease_find(struct attrib_store *st, const struct attrib_prefix *p, int64_t t,
		      struct brow *b)
{
	sqlite3_stmt *s = store_stmt(st, Q_LEASE_BEFORE);
	int rc;

	if (!s)
		return -EIO;
	store_bind_prefix(s, 1, p);
	sqlite3_bind_int64(s, 4, t);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		brow_read(s, b);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

static int binding_end(struct attrib_store *st, int64_t id, int64_t t, const char *reason)
{
	sqlite3_stmt *s = store_stmt(st, Q_BINDING_END);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, t);
	sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	return store_exec(st, s);
}

static int binding_set(struct attrib_store *st, enum stmt_id q, int64_t id, int64_t a, int64_t b)
{
	sqlite3_stmt *s = store_stmt(st, q);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	store_bind_time(s, 2, a);
	if (q == Q_LEASE_EXTEND || q == Q_BINDING_REOPEN)
		store_bind_time(s, 3, b);
	return store_exec(st, s);
}

/* A new lease binding from a commit at @p t. */
static int lease_open(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
		      int64_t event_id)
{
	int64_t expected = t + (int64_t)ev->valid_lifetime * ATTRIB_USEC;
	struct brow b = { .prefix = ev->addr[0], .start = t, .until = expected,
			  .end_time = OPEN, .expected_end = expected, .last_seen = t,
			  .confirmed_until = OPEN, .source = ev->source,
			  .lease_type = ev->lease_type, .ident = ev->id };
	int rc;

	snprintf(b.server, sizeof(b.server), "%s", ev->server);
	rc = store_binding_add(st, &b);
	return rc < 0 ? rc : link_evidence(st, b.id, event_id);
}

/* Whether a renewal shows an identity that maps to accounts and that its
 * binding has not seen. */
static bool identities_new(const struct attrib_identities *b, const struct attrib_identities *e)
{
	for (size_t i = 0; i < ATTRIB_MAP_KINDS; i++)
		if (attrib_map_value(e, i)[0] && !attrib_map_value(b, i)[0])
			return true;
	return false;
}

/* A renewal by the same client showing another value of a kind its binding
 * already has (the same client-id from another card, the same DUID through
 * another relay port): kept beside the binding, so that a lookup maps it
 * too and an account only it names makes the answer ambiguous. */
static int note_other_ids(struct attrib_store *st, const struct brow *b,
			  const struct attrib_identities *e)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < ATTRIB_MAP_KINDS; i++) {
		const char *kept = attrib_map_value(&b->ident, i), *seen = attrib_map_value(e, i);
		sqlite3_stmt *s;

		if (!kept[0] || !seen[0] || strcmp(kept, seen) == 0)
			continue;
		s = store_stmt(st, Q_OTHER_ID_ADD);
		if (!s)
			return -EIO;
		sqlite3_bind_int64(s, 1, b->id);
		sqlite3_bind_text(s, 2, attrib_map_kinds[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, seen, -1, SQLITE_STATIC);
		rc = store_exec(st, s);
		st->other_ids |= rc == 0;
	}
	return rc;
}

static int binding_fill(struct attrib_store *st, int64_t id, const struct attrib_identities *e)
{
	sqlite3_stmt *s = store_stmt(st, Q_BINDING_FILL);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, e->hwaddr);
	store_bind_text(s, 3, e->client_id);
	store_bind_text(s, 4, e->duid);
	store_bind_text(s, 5, e->remote_id);
	store_bind_text(s, 6, e->circuit_id);
	store_bind_text(s, 7, e->subscriber_id);
	return store_exec(st, s);
}

/* What an event of the binding's own client shows about who held it: the
 * identities first seen now (relay ids often come only with a relayed
 * request) and other values of kinds the binding has, so that one naming
 * another account makes the answer ambiguous.  Renewals, releases,
 * declines, expiries and deletions alike: each is the holder speaking. */
static int note_identities(struct attrib_store *st, const struct brow *b,
			   const struct attrib_identities *e)
{
	int rc = identities_new(&b->ident, e) ? binding_fill(st, b->id, e) : 0;

	return rc < 0 ? rc : note_other_ids(st, b, e);
}

static int lease_commit(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
			int64_t event_id)
{
	int64_t expected = t + (int64_t)ev->valid_lifetime * ATTRIB_USEC;
	char key[ATTRIB_STR_MAX * 2];
	struct brow cur;
	int rc;

	client_key(&ev->id, ev->addr[0].family, ev->lease_type, key, sizeof(key));
	rc = lease_find(st, &ev->addr[0], t, &cur);
	if (rc < 0)
		return rc;
	if (rc == 1 && t < cur.until) {
		if (same_client(&cur, key)) {
			/* Renewal, retransmission or HA partner: extend, never duplicate.
			 * A lease the file said was deleted at an unknown time is open
			 * again: the same client holds it. */
			rc = note_identities(st, &cur, &ev->id);
			if (rc == 0 && strcmp(cur.end_reason, "deleted") == 0)
				rc = binding_set(st, Q_BINDING_REOPEN, cur.id, expected, t);
			else if (rc == 0)
				rc = binding_set(st, Q_LEASE_EXTEND, cur.id, t, expected);
			return rc < 0 ? rc : link_evidence(st, cur.id, event_id);
		}
		rc = binding_end(st, cur.id, t, "superseded");
		if (rc == 0)
			rc = link_evidence(st, cur.id, event_id);
	} else if (rc == 1 && cur.end_time == OPEN) {
		/* It ran out before this commit: it ended at its expected end. */
		rc = binding_end(st, cur.id, cur.expected_end, "expired");
	}
	if (rc < 0)
		return rc;
	return lease_open(st, ev, t, event_id);
}

/* Release, decline, expiry and deletion: the binding of the same client
 * (or of anyone, when the event carries no identity) that holds at @p t. */
static int lease_end(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
		     int64_t event_id)
{
	char key[ATTRIB_STR_MAX * 2];
	struct brow cur;
	int rc;

	client_key(&ev->id, ev->addr[0].family, ev->lease_type, key, sizeof(key));
	rc = lease_find(st, &ev->addr[0], t, &cur);
	/* An expiry is reclaimed late: another client may already hold the
	 * address, so look one binding further back for the expired one. */
	if (rc == 1 && ev->type == ATTRIB_EV_LEASE_EXPIRE && key[0] && !same_client(&cur, key))
		rc = lease_find(st, &ev->addr[0], cur.start - 1, &cur);
	if (rc <= 0)
		return rc;
	if (key[0] && !same_client(&cur, key))
		return 0; /* someone else's lease: kept as evidence only */
	switch (ev->type) {
	case ATTRIB_EV_LEASE_EXPIRE:
		if (cur.end_time != OPEN)
			return 0;
		rc = binding_end(st, cur.id, cur.expected_end, "expired");
		break;
	case ATTRIB_EV_LEASE_DELETE:
		/* Removed at an unknown time after its last renewal at t: it holds,
		 * unconfirmed, until its expected end or the next holder's start. */
		if (t >= cur.until || cur.end_time != OPEN)
			return 0;
		rc = binding_end(st, cur.id, cur.expected_end, "deleted");
		if (rc == 0)
			rc = binding_set(st, Q_BINDING_CONFIRMED, cur.id, t, 0);
		break;
	default:
		if (t >= cur.until)
			return 0; /* it had already ended */
		rc = binding_end(st, cur.id, t,
					 ev->type == ATTRIB_EV_LEASE_RELEASE ? "released"
									     : "declined");
		break;
	}
	if (rc == 0 && key[0])
		rc = note_identities(st, &cur, &ev->id);
	return rc < 0 ? rc : link_evidence(st, cur.id, event_id);
}

/* One lease event by the rules above, which take a prefix's events in
 * time order. */
static int lease_apply(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
		       int64_t event_id)
{
	if (ev->type != ATTRIB_EV_LEASE_COMMIT)
		return lease_end(st, ev, t, event_id);
	if (!attrib_prefix_bindable(&ev->addr[0]))
		return 0; /* kept as evidence, binds nothing */
	return lease_commit(st, ev, t, event_id);
}

static int64_t col_int(sqlite3_stmt *s, int i, unsigned *has, unsigned bit)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return 0;
	*has |= bit;
	return sqlite3_column_int64(s, i);
}

static void col_str(sqlite3_stmt *s, int i, char *out)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	snprintf(out, ATTRIB_STR_MAX, "%s", v ? (const char *)v : "");
}

/* Lease event @p id of prefix @p p, as it was applied. */
static int lease_event_load(struct attrib_store *st, int64_t id, const struct attrib_prefix *p,
			    struct attrib_event *ev)
{
	sqlite3_stmt *s = store_stmt(st, Q_LEASE_EVENT);
	unsigned iaid_seen = 0;
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? -ENOENT : store_error(st, rc);
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = sqlite3_column_int(s, 0);
	ev->source = sqlite3_column_int(s, 1);
	ev->time = sqlite3_column_int64(s, 2);
	ev->valid_lifetime = (uint32_t)col_int(s, 3, &ev->has, ATTRIB_HAS_LIFETIME);
	ev->subnet_id = (uint32_t)col_int(s, 4, &ev->has, ATTRIB_HAS_SUBNET);
	ev->lease_type = sqlite3_column_int(s, 5);
	ev->naddr = 1;
	ev->addr[0] = *p;
	col_str(s, 6, ev->server);
	col_str(s, 7, ev->id.hwaddr);
	col_str(s, 8, ev->id.client_id);
	col_str(s, 9, ev->id.duid);
	ev->id.iaid = (uint32_t)col_int(s, 10, &iaid_seen, 1);
	ev->id.has_iaid = iaid_seen != 0;
	col_str(s, 11, ev->id.remote_id);
	col_str(s, 12, ev->id.circuit_id);
	col_str(s, 13, ev->id.subscriber_id);
	col_str(s, 14, ev->id.hostname);
	sqlite3_reset(s);
	return 0;
}

/* Undo the lease bindings of @p p from @p from on and apply its lease
 * events from then again, in time order (ties in arrival order). */
static int lease_replay(struct attrib_store *st, const struct attrib_prefix *p,
			const char *text, int64_t from)
{
	struct attrib_event *ev = malloc(sizeof(*ev));
	enum stmt_id undo[] = { Q_LEASE_UNDO_EVIDENCE, Q_LEASE_UNDO };
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	int rc = ev ? 0 : -ENOMEM;

	for (size_t i = 0; rc == 0 && i < sizeof(undo) / sizeof(*undo); i++) {
		s = store_stmt(st, undo[i]);
		if (!s) {
			rc = -EIO;
			break;
		}
		store_bind_prefix(s, 1, p);
		sqlite3_bind_int64(s, 4, from);
		rc = store_exec(st, s);
	}
	s = rc == 0 ? store_stmt(st, Q_LEASE_EVENTS) : NULL;
	if (rc == 0 && !s)
		rc = -EIO;
	if (rc == 0) {
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, from);
		while (rc == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n == cap) {
				void *q = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids));

				if (!q) {
					rc = -ENOMEM;
					break;
				}
				ids = q;
			}
			ids[n++] = sqlite3_column_int64(s, 0);
			rc = 0;
		}
		rc = rc == SQLITE_DONE ? 0 : rc < 0 ? rc : store_error(st, rc);
		sqlite3_reset(s);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = lease_event_load(st, ids[i], p, ev);
		if (rc == 0)
			rc = lease_apply(st, ev, ev->time, ids[i]);
	}
	free(ids);
	free(ev);
	return rc;
}

/* A lease event at @p t.  Events of one prefix apply in time order: one
 * older than an event already applied for the prefix (another server's
 * journal, an HA partner's, a late import) rebuilds the prefix's bindings
 * from the first binding it could change, so that the answer never depends
 * on the order of arrival.  A commit that only confirms the open binding of
 * its own client needs no rebuild: extending is the same in any order. */
static int lease_event(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
		       int64_t event_id)
{
	const struct attrib_prefix *p = &ev->addr[0];
	char text[ATTRIB_ADDR_STRLEN], key[ATTRIB_STR_MAX * 2];
	sqlite3_stmt *s = store_stmt(st, Q_LEASE_LATEST);
	int64_t latest = INT64_MIN, from = t;
	struct brow cur;
	int rc;

	if (!s)
		return -EIO;
	attrib_prefix_format(p, text);
	sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, event_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		latest = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_error(st, rc);
	if (latest <= t)
		return lease_apply(st, ev, t, event_id);
	if (ev->type == ATTRIB_EV_LEASE_COMMIT) {
		client_key(&ev->id, p->family, ev->lease_type, key, sizeof(key));
		rc = lease_find(st, p, t, &cur);
		if (rc < 0)
			return rc;
		if (rc == 1 && cur.end_time == OPEN && t < cur.until && same_client(&cur, key))
			return lease_apply(st, ev, t, event_id);
	}
	s = store_stmt(st, Q_LEASE_AFFECTED);
	if (!s)
		return -EIO;
	store_bind_prefix(s, 1, p);
	sqlite3_bind_int64(s, 4, t);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(s, 0) < from)
		from = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_error(st, rc);
	return lease_replay(st, p, text, from);
}

/* ---- RADIUS accounting sessions ---- */

struct sess {
	int64_t id, start, end, last_seen;
	bool inferred;
	char reason[24];
};

static void session_key(const struct attrib_event *ev, char *buf, size_t n)
{
	if (ev->unique_session_id[0])
		snprintf(buf, n, "u %s", ev->unique_session_id);
	else
		snprintf(buf, n, "s %s\x1f%s\x1f%s", ev->nas, ev->session_id, ev->id.username);
}

static void sess_read(sqlite3_stmt *s, struct sess *x)
{
	const unsigned char *r;

	x->id = sqlite3_column_int64(s, 0);
	x->start = sqlite3_column_int64(s, 1);
	x->end = sqlite3_column_type(s, 2) == SQLITE_NULL ? OPEN : sqlite3_column_int64(s, 2);
	x->last_seen = sqlite3_column_int64(s, 3);
	x->inferred = sqlite3_column_int(s, 4) != 0;
	r = sqlite3_column_text(s, 5);
	snprintf(x->reason, sizeof(x->reason), "%s", r ? (const char *)r : "");
}

static int session_find(struct attrib_store *st, const char *key, int64_t t, bool after,
			struct sess *x)
{
	sqlite3_stmt *s = store_stmt(st, after ? Q_SESSION_AFTER : Q_SESSION_BEFORE);
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		sess_read(s, x);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

static int session_save(struct attrib_store *st, const struct sess *x)
{
	sqlite3_stmt *s = store_stmt(st, Q_SESSION_UPDATE);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, x->id);
	sqlite3_bind_int64(s, 2, x->start);
	store_bind_time(s, 3, x->end);
	if (x->reason[0])
		sqlite3_bind_text(s, 4, x->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, x->last_seen);
	sqlite3_bind_int(s, 6, x->inferred);
	return store_exec(st, s);
}

#define SESSION_BINDINGS_MAX 64

/* Link the event to every binding of session @p x and open bindings for
 * those of its addresses the session lacks, from @p from; the session's
 * end, if it has one, ends them too. */
static int session_bind(struct attrib_store *st, const struct attrib_event *ev,
			const struct sess *x, int64_t from, int64_t event_id)
{
	struct attrib_prefix have[SESSION_BINDINGS_MAX];
	int64_t ids[SESSION_BINDINGS_MAX];
	sqlite3_stmt *s = store_stmt(st, Q_SESSION_BINDINGS);
	size_t n = 0;
	struct brow b;
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, x->id);
	/* A session keyed by its unique id may report another User-Name than
	 * it started with: kept beside its bindings, as a DHCP client's other
	 * card is. */
	while (n < SESSION_BINDINGS_MAX && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		brow_read(s, &b);
		ids[n] = b.id;
		have[n++] = b.prefix;
		rc = note_other_ids(st, &b, &ev->id);
		if (rc < 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		rc = link_evidence(st, ids[i], event_id);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < ev->naddr && n < SESSION_BINDINGS_MAX; i++) {
		const struct attrib_prefix *p = &ev->addr[i];
		bool known = false;

		for (size_t j = 0; j < n; j++)
			known |= memcmp(&have[j], p, sizeof(*p)) == 0;
		if (known || !attrib_prefix_bindable(p) || (x->end != OPEN && from >= x->end))
			continue;
		b = (struct brow){ .prefix = *p, .start = from, .until = x->end, .end_time = x->end,
				   .expected_end = OPEN, .last_seen = x->last_seen,
				   .confirmed_until = OPEN,
				   .start_inferred = x->inferred && from == x->start,
				   .source = ev->source, .session_id = x->id, .ident = ev->id };
		if (x->end != OPEN)
			snprintf(b.end_reason, sizeof(b.end_reason), "%s", x->reason);
		snprintf(b.server, sizeof(b.server), "%s", ev->nas);
		snprintf(b.acct_session_id, sizeof(b.acct_session_id), "%s", ev->session_id);
		rc = store_binding_add(st, &b);
		if (rc == 0)
			rc = link_evidence(st, b.id, event_id);
		if (rc < 0)
			return rc;
		have[n++] = *p;
	}
	return 0;
}

/* End session @p x, and its bindings, at @p t. */
static int session_end(struct attrib_store *st, struct sess *x, int64_t t, const char *reason)
{
	sqlite3_stmt *s;
	int rc;

	x->end = t;
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
	rc = session_save(st, x);
	if (rc < 0)
		return rc;
	s = store_stmt(st, Q_SESSION_END_BINDINGS);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, x->id);
	sqlite3_bind_int64(s, 2, t);
	sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	return store_exec(st, s);
}

/* Move session @p x's start to @p t: a real Start replaces an inferred one. */
static int session_restart(struct attrib_store *st, struct sess *x, int64_t t)
{
	sqlite3_stmt *s = store_stmt(st, Q_SESSION_RESTART_BINDINGS);
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, x->id);
	sqlite3_bind_int64(s, 2, t);
	sqlite3_bind_int(s, 3, 0);
	sqlite3_bind_int64(s, 4, x->start);
	rc = store_exec(st, s);
	if (rc < 0)
		return rc;
	x->start = t;
	x->inferred = false;
	return session_save(st, x);
}

/* A session made known after its NAS restarted (a late Start, or an
 * Interim or Stop with a lost Start) ended at the restart if it was last
 * heard of before it, as it would have if it had arrived in time. */
static int session_restarted(struct attrib_store *st, const char *nas, struct sess *x)
{
	sqlite3_stmt *s = store_stmt(st, Q_NAS_RESTART_AFTER);
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, nas, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, x->last_seen);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(s, 0) < x->end) {
		x->end = sqlite3_column_int64(s, 0);
		snprintf(x->reason, sizeof(x->reason), "nas-restart");
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, rc);
}

static int session_add(struct attrib_store *st, const char *key, const struct attrib_event *ev,
		       struct sess *x)
{
	sqlite3_stmt *s;
	int rc = session_restarted(st, ev->nas, x);

	if (rc < 0)
		return rc;
	s = store_stmt(st, Q_SESSION_ADD);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ev->nas, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, x->start);
	store_bind_time(s, 4, x->end);
	if (x->reason[0])
		sqlite3_bind_text(s, 5, x->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, x->last_seen);
	sqlite3_bind_int(s, 7, x->inferred);
	rc = store_exec(st, s);
	if (rc == 0)
		x->id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

/* A session whose Start we never saw, known from an Interim or Stop at @p t:
 * it began at t - Acct-Session-Time, marked start-inferred. */
static int session_infer(struct attrib_store *st, const char *key, const struct attrib_event *ev,
			 int64_t t, int64_t event_id)
{
	struct sess x = { .start = t - (int64_t)ev->session_time * ATTRIB_USEC, .end = OPEN,
			  .last_seen = t, .inferred = true };
	int rc;

	if (ev->type == ATTRIB_EV_ACCT_STOP) {
		x.end = t;
		snprintf(x.reason, sizeof(x.reason), "stop");
	}
	rc = session_add(st, key, ev, &x);
	return rc < 0 ? rc : session_bind(st, ev, &x, x.start, event_id);
}

static int acct_start(struct attrib_store *st, const struct attrib_policy *pol,
		      const struct attrib_event *ev, const char *key, int64_t t, int64_t event_id)
{
	struct sess x, next;
	int rc = session_find(st, key, t, false, &x);

	if (rc < 0)
		return rc;
	if (rc == 1 && t < x.end) {
		/* A repeated Start, or the late Start of a session an Interim or
		 * Stop made known: it fixes the start, never the end. */
		if (x.inferred) {
			rc = session_restart(st, &x, t);
			if (rc < 0)
				return rc;
		}
		return session_bind(st, ev, &x, x.start, event_id);
	}
	rc = session_find(st, key, t, true, &next);
	if (rc < 0)
		return rc;
	if (rc == 1 && next.inferred &&
	    (next.start - t <= pol->clock_skew || next.start == next.end)) {
		/* The inferred start came out a little after the real one, or the
		 * session was known only from a Stop without a session time. */
		rc = session_restart(st, &next, t);
		return rc < 0 ? rc : session_bind(st, ev, &next, next.start, event_id);
	}
	/* A new session; the key's reuse after a NAS reboot lands here too, as
	 * the Start is at or after the old session's end. */
	x = (struct sess){ .start = t, .end = OPEN, .last_seen = t };
	if (rc == 1) {
		/* A later session of the same key exists: this one ended by then. */
		x.end = next.start;
		snprintf(x.reason, sizeof(x.reason), "session-reused");
	}
	rc = session_add(st, key, ev, &x);
	return rc < 0 ? rc : session_bind(st, ev, &x, t, event_id);
}

static int acct_update(struct attrib_store *st, const struct attrib_event *ev, const char *key,
		       int64_t t, int64_t event_id)
{
	bool stop = ev->type == ATTRIB_EV_ACCT_STOP;
	bool has_st = ev->has & ATTRIB_HAS_SESSION_TIME;
	int64_t began = t - (int64_t)ev->session_time * ATTRIB_USEC;
	struct sess x, next;
	sqlite3_stmt *s;
	int rc = session_find(st, key, t, false, &x);

	if (rc < 0)
		return rc;
	if (rc == 1 && t <= x.end) {
		if (t > x.last_seen) {
			x.last_seen = t;
			rc = session_save(st, &x);
			s = store_stmt(st, Q_SESSION_SEEN_BINDINGS);
			if (rc == 0 && s) {
				sqlite3_bind_int64(s, 1, x.id);
				sqlite3_bind_int64(s, 2, t);
				rc = store_exec(st, s);
			}
			if (rc < 0)
				return rc;
		}
		if (stop && t < x.end) {
			rc = session_end(st, &x, t, "stop");
			if (rc < 0)
				return rc;
		}
		/* New addresses (a delegated prefix first seen in an Interim) bind
		 * from t; an address no longer reported is not thereby ended. */
		return session_bind(st, ev, &x, stop ? x.end : t, event_id);
	}
	if (rc == 1) {
		/* After the session's end: a retransmission never reopens it, but a
		 * session time reaching back past that end is a new session whose
		 * Start was lost (the NAS reused the id). */
		if (has_st && began >= x.end)
			return session_infer(st, key, ev, t, event_id);
		return 0;
	}
	rc = session_find(st, key, t, true, &next);
	if (rc < 0)
		return rc;
	if (rc == 1 && !(stop && has_st))
		return 0; /* before the only session we know of: evidence only */
	/* A Stop without a session time still says the session ended at t:
	 * kept as a session of unknown start, binding nothing until a late
	 * Start gives it one. */
	return session_infer(st, key, ev, t, event_id);
}

/* Accounting-On/Off: the NAS restarted, so every session it had open ended. */
static int acct_nas_restart(struct attrib_store *st, const struct attrib_event *ev, int64_t t,
			    int64_t event_id)
{
	sqlite3_stmt *s = store_stmt(st, Q_NAS_OPEN);
	struct sess *open = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, ev->nas, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			struct sess *p = realloc(open, (cap = cap ? cap * 2 : 64) * sizeof(*p));

			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			open = p;
		}
		sess_read(s, &open[n++]);
	}
	sqlite3_reset(s);
	rc = rc == SQLITE_DONE ? 0 : store_error(st, rc);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct attrib_event none = { .naddr = 0 };

		rc = session_end(st, &open[i], t, "nas-restart");
		if (rc == 0)
			rc = session_bind(st, &none, &open[i], t, event_id);
	}
out:
	sqlite3_reset(s);
	free(open);
	return rc;
}

int rules_apply(struct attrib_store *st, const struct attrib_policy *pol,
		const struct attrib_event *ev, int64_t t, int64_t event_id)
{
	char key[ATTRIB_STR_MAX * 3 + 8];

	switch (ev->type) {
	case ATTRIB_EV_LEASE_COMMIT:
	case ATTRIB_EV_LEASE_RELEASE:
	case ATTRIB_EV_LEASE_DECLINE:
	case ATTRIB_EV_LEASE_EXPIRE:
	case ATTRIB_EV_LEASE_DELETE:
		if (ev->naddr != 1)
			return 0;
		return lease_event(st, ev, t, event_id);
	case ATTRIB_EV_ACCT_ON:
	case ATTRIB_EV_ACCT_OFF:
		return acct_nas_restart(st, ev, t, event_id);
	case ATTRIB_EV_ACCT_START:
		session_key(ev, key, sizeof(key));
		return acct_start(st, pol, ev, key, t, event_id);
	case ATTRIB_EV_ACCT_INTERIM:
	case ATTRIB_EV_ACCT_STOP:
		session_key(ev, key, sizeof(key));
		return acct_update(st, ev, key, t, event_id);
	default:
		return -EINVAL;
	}
}
