/* SPDX-License-Identifier: GPL-3.0-or-later
 * Lookups and history: which bindings held an address, whose account each
 * names, and the status the rules give; and the JSON every client reads. */
#include "attrib/lookup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/store_int.h"
#include "attrib/text.h"
#include "attrib/times.h"

#define OPEN INT64_MAX
/* The most accounts one binding's identities are listed as mapping to: an
 * answer past two is ambiguous anyway, and this lists every one a client
 * changing cards or relay ports names in practice. */
#define BINDING_ACCOUNTS 16

static const char *const status_names[] = {
	[ATTRIB_STATUS_MATCH] = "match",
	[ATTRIB_STATUS_NONE] = "none",
	[ATTRIB_STATUS_AMBIGUOUS] = "ambiguous",
	[ATTRIB_STATUS_UNMAPPED] = "unmapped",
	[ATTRIB_STATUS_OUTSIDE_RETENTION] = "outside-retention",
};

const char *attrib_status_name(enum attrib_status s)
{
	return s <= ATTRIB_STATUS_OUTSIDE_RETENTION ? status_names[s] : "?";
}

int attrib_status_from(const char *name)
{
	for (int i = 0; name && i <= ATTRIB_STATUS_OUTSIDE_RETENTION; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -EINVAL;
}

static const char *const coverage_names[] = {
	[ATTRIB_COVERAGE_UNKNOWN] = "unknown",
	[ATTRIB_COVERAGE_COMPLETE] = "complete",
	[ATTRIB_COVERAGE_GAP] = "gap",
};

/* Where @p server's heard spans leave [lo, hi] uncovered: the first gap
 * into *gap_from and *gap_to.  Before its first span the server did not
 * exist yet, and after a span its clean close ended it was stopped on
 * purpose: neither is a gap.  Silence is: a span that ran out (no
 * heartbeat within twice its interval) with no close.
 * @return 1 a gap, 0 none, 2 the server began after @p hi, or -errno. */
static int source_gap(struct attrib_store *st, const char *server, int64_t lo, int64_t hi,
		      int64_t *gap_from, int64_t *gap_to)
{
	sqlite3_stmt *s = store_stmt(st, Q_HEARD_SPANS);
	int64_t cursor = lo, reach_max = INT64_MIN;
	bool started = false, closed = false;
	int rc, gap = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, server, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, hi);
	/* cursor: heard up to (not including) here, from lo; reach_max: where
	 * the spans so far run out, which names the start of a silence, and
	 * closed whether the span reaching that far ended in a clean close.
	 * Spans can overlap (a writer read late goes on a span of its own), so
	 * that is not always the last span read. */
	while (!gap && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(s, 0), last = sqlite3_column_int64(s, 1);
		bool ends_closed = sqlite3_column_int(s, 3) != 0;
		int64_t reach = ends_closed ? last : last + 2 * sqlite3_column_int64(s, 2);

		if (!started && first > cursor)
			cursor = first;
		else if (first > cursor && !closed)
			gap = 1, *gap_from = reach_max, *gap_to = first;
		started = true;
		if (reach > cursor)
			cursor = reach;
		if (reach > reach_max || (reach == reach_max && ends_closed)) {
			reach_max = reach;
			closed = ends_closed;
		}
	}
	if (!gap && rc != SQLITE_DONE)
		return store_error(st, rc);
	sqlite3_reset(s);
	/* Spans are half-open: one that runs out at hi does not cover hi. */
	if (!gap && started && cursor <= hi && !closed)
		gap = 1, *gap_from = reach_max, *gap_to = hi;
	return started ? gap : 2;
}

/* Whether every source was heard over [lo, hi] and lost nothing in it or
 * in the stale-after before it (a lost release or renewal then still
 * changes who held the address).  See DESIGN.md, "coverage". */
static int coverage(struct attrib_store *st, const struct attrib_policy *pol, int64_t lo,
		    int64_t hi, struct attrib_answer *a)
{
	char f[ATTRIB_TIME_STRLEN], t[ATTRIB_TIME_STRLEN];
	sqlite3_stmt *s;
	bool relevant = false;
	int rc;

	a->coverage = ATTRIB_COVERAGE_UNKNOWN;
	rc = store_waits(st);
	if (rc < 0)
		return rc;
	/* Journals attribd has not read yet may hold anything their writer
	 * heard from where its applied records end: the answer cannot be
	 * complete for a time from there on.  Earlier times stand, as they do
	 * for a loss.  The first thing said: it is why a source looks silent.
	 * A journal set aside holds part of what its writer heard from when it
	 * was made until the writer's next journal was, or a later writer
	 * began: what it lost counts as a loss does, up to stale-after later.
	 * The note names one that spans the time asked (first pass) before one
	 * that counts only for stale-after past its end (second pass). */
	for (size_t k = 0; k < 2 * st->nwaits; k++) {
		const struct store_wait *w = &st->waits[k % st->nwaits];
		int64_t reach = k < st->nwaits ? 0 : pol->stale_after;
		static const char *const why[] = {
			[WAIT_DESCRIPTOR] = "its journals wait for a descriptor",
			[WAIT_BEHIND] = "its journals wait behind an unfinished one",
			[WAIT_ASIDE] = "a journal of it is set aside (damaged)",
		};
		const char *all = w->kind == WAIT_ASIDE ? "all " : "";

		if ((w->since_known && w->since > hi) ||
		    (w->until_known && w->until <= lo - reach))
			continue;
		a->coverage = ATTRIB_COVERAGE_GAP;
		if (!w->server[0])
			snprintf(a->coverage_note, sizeof(a->coverage_note),
				 "journals that name no source not read: they wait for a "
				 "descriptor");
		else
			snprintf(a->coverage_note, sizeof(a->coverage_note),
				 "%s not %sread from %s%s%s: %s", w->server, all,
				 attrib_time_format(w->since, f), w->until_known ? " to " : "",
				 w->until_known ? attrib_time_format(w->until, t) : "", why[w->kind]);
		return 0;
	}
	for (size_t i = 0; i < st->nservers; i++) {
		const char *server = st->servers[i];
		int64_t from = 0, to = 0;
		int g = source_gap(st, server, lo, hi, &from, &to);

		if (g < 0)
			return g;
		relevant |= g != 2;
		if (g == 1) {
			a->coverage = ATTRIB_COVERAGE_GAP;
			snprintf(a->coverage_note, sizeof(a->coverage_note),
				 "%s not heard from %s to %s", server, attrib_time_format(from, f),
				 attrib_time_format(to, t));
			return 0;
		}
	}
	if (!relevant)
		return 0;
	s = store_stmt(st, Q_LOSS_NEAR);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, lo - pol->stale_after);
	sqlite3_bind_int64(s, 2, hi);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->coverage = ATTRIB_COVERAGE_GAP;
		snprintf(a->coverage_note, sizeof(a->coverage_note),
			 "%.64s lost %lld events from %s to %s",
			 (const char *)sqlite3_column_text(s, 0),
			 (long long)sqlite3_column_int64(s, 3),
			 attrib_time_format(sqlite3_column_int64(s, 1), f),
			 attrib_time_format(sqlite3_column_int64(s, 2), t));
	} else if (rc == SQLITE_DONE) {
		a->coverage = ATTRIB_COVERAGE_COMPLETE;
	} else {
		rc = store_error(st, rc);
		sqlite3_reset(s);
		return rc;
	}
	sqlite3_reset(s);
	return 0;
}

void attrib_answer_free(struct attrib_answer *a)
{
	free(a->cand);
	a->cand = NULL;
	a->n = 0;
}

static struct attrib_candidate *cand_new(struct attrib_answer *a, size_t *cap)
{
	if (a->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct attrib_candidate *p = realloc(a->cand, ncap * sizeof(*p));

		if (!p)
			return NULL;
		a->cand = p;
		*cap = ncap;
	}
	memset(&a->cand[a->n], 0, sizeof(a->cand[0]));
	return &a->cand[a->n++];
}

/* The identity a person acts on when the binding maps to no account. */
static void client_identity(const struct brow *b, struct attrib_candidate *c)
{
	const struct attrib_identities *id = &b->ident;
	const char *kind = "", *val = "";

	if (b->source == ATTRIB_SRC_STATIC) {
		kind = "account";
		val = b->account;
	} else if (b->session_id) {
		kind = id->username[0] ? "username" : "calling-station-id";
		val = id->username[0] ? id->username : id->calling_station_id;
	} else if (b->prefix.family == 6 && id->duid[0]) {
		snprintf(c->identity_kind, sizeof(c->identity_kind), "duid");
		snprintf(c->identity, sizeof(c->identity), "%s/%u", id->duid, id->iaid);
		return;
	} else if (id->client_id[0] && b->prefix.family == 4) {
		kind = "client-id";
		val = id->client_id;
	} else if (id->hwaddr[0]) {
		kind = "hwaddr";
		val = id->hwaddr;
	}
	attrib_text_copy(c->identity_kind, sizeof(c->identity_kind), kind);
	attrib_text_copy(c->identity, sizeof(c->identity), val);
}

/* Add the accounts (@p kind, @p value) maps to at any time in [lo, hi] to
 * @p acc, each once, up to @p max in all.  @return 0 or a negative errno. */
static int map_one(struct attrib_store *st, const char *kind, const char *value, int64_t lo,
		   int64_t hi, char (*acc)[ATTRIB_ACCOUNT_MAX], int *n, int max)
{
	sqlite3_stmt *s = store_stmt(st, Q_SUBSCRIBER_MAP);
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, lo);
	sqlite3_bind_int64(s, 4, hi);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(s, 0);
		bool seen = false;

		for (int j = 0; j < *n; j++)
			seen |= strcmp(acc[j], a) == 0;
		if (!seen && *n < max)
			attrib_text_copy(acc[(*n)++], ATTRIB_ACCOUNT_MAX, a);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

/* The identities the binding's client showed besides those it keeps
 * (binding_identity), mapped as they are. */
static int map_other_ids(struct attrib_store *st, int64_t binding, int64_t lo, int64_t hi,
			 char (*acc)[ATTRIB_ACCOUNT_MAX], int *n, int max)
{
	sqlite3_stmt *s = store_stmt(st, Q_OTHER_IDS);
	int rc = 0, step;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, binding);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = map_one(st, (const char *)sqlite3_column_text(s, 0),
			     (const char *)sqlite3_column_text(s, 1), lo, hi, acc, n, max);
	sqlite3_reset(s);
	if (rc < 0)
		return rc;
	return step == SQLITE_DONE ? 0 : store_error(st, step);
}

/* The accounts the binding's identities map to at any time in [lo, hi]:
 * up to @p max of them into @p acc.  @return how many, or a negative errno. */
static int map_accounts(struct attrib_store *st, const struct brow *b, int64_t lo, int64_t hi,
			char (*acc)[ATTRIB_ACCOUNT_MAX], int max)
{
	int n = 0, rc = 0;

	for (size_t i = 0; rc == 0 && i < ATTRIB_MAP_KINDS; i++) {
		const char *value = attrib_map_value(&b->ident, i);

		if ((st->kinds & KIND_BIT(i)) && value[0])
			rc = map_one(st, attrib_map_kinds[i].kind, value, lo, hi, acc, &n, max);
	}
	if (rc == 0 && st->other_ids)
		rc = map_other_ids(st, b->id, lo, hi, acc, &n, max);
	return rc < 0 ? rc : n;
}

/* Turn one binding into candidates: one per account its identities map to
 * while it held within [lo, hi] (a report's time is only known that
 * closely, and the map may have changed within it), or one unmapped
 * candidate.  @p t, clamped into the binding, is when its confidence is
 * judged. */
static int add_binding(struct attrib_store *st, const struct attrib_policy *pol,
		       const struct brow *b, int64_t t, int64_t lo, int64_t hi,
		       struct attrib_answer *a, size_t *cap)
{
	char acc[BINDING_ACCOUNTS][ATTRIB_ACCOUNT_MAX];
	int64_t tc = t < b->start ? b->start : t;
	int n;

	if (b->until != OPEN && tc >= b->until)
		tc = b->until - 1;
	if (lo < b->start)
		lo = b->start;
	if (b->until != OPEN && hi >= b->until)
		hi = b->until - 1;
	if (b->source == ATTRIB_SRC_STATIC) {
		attrib_text_copy(acc[0], sizeof(acc[0]), b->account);
		n = 1;
	} else {
		n = map_accounts(st, b, lo, hi, acc, BINDING_ACCOUNTS);
		if (n < 0)
			return n;
	}
	for (int i = 0; i < (n ? n : 1); i++) {
		struct attrib_candidate *c = cand_new(a, cap);

		if (!c)
			return -ENOMEM;
		c->binding_id = b->id;
		c->prefix = b->prefix;
		c->start = b->start;
		c->end = b->until;
		c->last_seen = b->last_seen;
		c->confirmed_until = b->confirmed_until;
		/* Only a Stop confirms how a session ended: one still open, or
		 * ended by its NAS's restart, is unconfirmed once silent too long. */
		if (b->session_id && strcmp(b->end_reason, "stop") != 0 &&
		    b->last_seen + pol->stale_after < c->confirmed_until)
			c->confirmed_until = b->last_seen + pol->stale_after;
		c->start_inferred = b->start_inferred;
		c->source = b->source;
		c->confidence = b->start_inferred || tc >= c->confirmed_until
					? ATTRIB_UNCONFIRMED
					: ATTRIB_CONFIRMED;
		if (b->end_time != OPEN)
			attrib_text_copy(c->end_reason, sizeof(c->end_reason), b->end_reason);
		else if (b->until != OPEN)
			snprintf(c->end_reason, sizeof(c->end_reason), "expected-end");
		if (n)
			attrib_text_copy(c->account, sizeof(c->account), acc[i]);
		client_identity(b, c);
		attrib_text_copy(c->server, sizeof(c->server), b->server);
		attrib_text_copy(c->session_id, sizeof(c->session_id), b->acct_session_id);
		c->id = b->ident;
	}
	return 0;
}

static int by_start(const void *x, const void *y)
{
	const struct attrib_candidate *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->binding_id < b->binding_id ? -1 : a->binding_id > b->binding_id;
}

/* The status the candidates give (DESIGN.md, "A lookup"). */
static void decide(struct attrib_answer *a)
{
	const char *account = NULL, *unmapped = NULL;
	bool many = false;

	for (size_t i = 0; i < a->n; i++) {
		const struct attrib_candidate *c = &a->cand[i];

		if (c->account[0]) {
			many |= account && strcmp(account, c->account) != 0;
			account = c->account;
		} else {
			many |= unmapped && strcmp(unmapped, c->identity) != 0;
			unmapped = c->identity;
		}
	}
	if (a->n == 0)
		a->status = ATTRIB_STATUS_NONE;
	else if (many || (account && unmapped))
		a->status = ATTRIB_STATUS_AMBIGUOUS;
	else if (account)
		a->status = ATTRIB_STATUS_MATCH;
	else
		a->status = ATTRIB_STATUS_UNMAPPED;
	if (a->status == ATTRIB_STATUS_MATCH)
		attrib_text_copy(a->account, sizeof(a->account), account);
}

/* Every binding of a prefix containing @p addr overlapping [from, to],
 * mapped at @p at (or, when @p at is OPEN, at each binding's start). */
static int collect(struct attrib_store *st, const struct attrib_policy *pol,
		   const struct attrib_prefix *addr, int64_t from, int64_t to, int64_t at,
		   struct attrib_answer *a)
{
	unsigned max = addr->family == 4 ? 32 : 128;
	size_t cap = 0;
	int rc = 0;

	for (int len = (int)max; rc == 0 && len >= 0; len--) {
		struct attrib_prefix p;
		sqlite3_stmt *s;

		if (!st->plen[addr->family == 6][len])
			continue;
		attrib_prefix_mask(addr, (unsigned)len, &p);
		s = store_stmt(st, Q_PROBE);
		if (!s)
			return -EIO;
		store_bind_prefix(s, 1, &p);
		sqlite3_bind_int64(s, 4, from);
		sqlite3_bind_int64(s, 5, to);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct brow b;

			brow_read(s, &b);
			rc = add_binding(st, pol, &b, at == OPEN ? (b.start > from ? b.start : from)
								 : at,
					 from, to, a, &cap);
			if (rc < 0)
				break;
		}
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			rc = 0;
		else if (rc > 0)
			rc = store_error(st, rc);
	}
	if (rc < 0)
		return rc;
	if (a->n > 1)
		qsort(a->cand, a->n, sizeof(*a->cand), by_start);
	decide(a);
	return 0;
}

int attrib_lookup(struct attrib_store *st, const struct attrib_policy *pol,
		  const struct attrib_prefix *addr, int64_t t, int64_t tolerance,
		  struct attrib_answer *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	out->time = t;
	out->tolerance = tolerance;
	if (tolerance < 0)
		return -EINVAL;
	if (attrib_store_read_begin(st) < 0)
		return -EIO;
	/* A window reaching past the horizon may have lost the bindings that
	 * would make the answer ambiguous. */
	if (st->horizon && t - tolerance < st->horizon) {
		out->status = ATTRIB_STATUS_OUTSIDE_RETENTION;
		return attrib_store_read_end(st, 0);
	}
	rc = collect(st, pol, addr, t - tolerance, t + tolerance, t, out);
	if (rc == 0)
		rc = coverage(st, pol, t - tolerance, t + tolerance, out);
	return attrib_store_read_end(st, rc);
}

int attrib_history(struct attrib_store *st, const struct attrib_policy *pol,
		   const struct attrib_prefix *addr, int64_t from, int64_t to,
		   struct attrib_answer *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	out->time = from;
	out->time_to = to;
	if (to <= from)
		return -EINVAL;
	if (attrib_store_read_begin(st) < 0)
		return -EIO;
	if (st->horizon && from < st->horizon) {
		out->status = ATTRIB_STATUS_OUTSIDE_RETENTION;
		return attrib_store_read_end(st, 0);
	}
	rc = collect(st, pol, addr, from, to - 1, OPEN, out);
	if (rc == 0)
		rc = coverage(st, pol, from, to - 1, out);
	return attrib_store_read_end(st, rc);
}

static json_t *time_or_null(int64_t t)
{
	char buf[ATTRIB_TIME_STRLEN];

	return t == OPEN ? json_null() : json_string(attrib_time_format(t, buf));
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *identities_json(const struct attrib_identities *id)
{
	const struct {
		const char *name, *value;
	} f[] = {
		{ "hwaddr", id->hwaddr },
		{ "client-id", id->client_id },
		{ "duid", id->duid },
		{ "remote-id", id->remote_id },
		{ "circuit-id", id->circuit_id },
		{ "subscriber-id", id->subscriber_id },
		{ "username", id->username },
		{ "calling-station-id", id->calling_station_id },
		{ "hostname", id->hostname },
	};
	json_t *o = json_object();

	for (size_t i = 0; o && i < sizeof(f) / sizeof(*f); i++)
		if (f[i].value[0])
			json_object_set_new(o, f[i].name, json_string(f[i].value));
	if (o && id->has_iaid)
		json_object_set_new(o, "iaid", json_integer(id->iaid));
	return o;
}

static json_t *candidate_json(const struct attrib_candidate *c)
{
	const char *confidence = c->confidence == ATTRIB_CONFIRMED ? "confirmed" : "unconfirmed";
	char buf[ATTRIB_ADDR_STRLEN];

	return json_pack("{s:o, s:{s:s, s:s}, s:o, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:s, s:b, "
			 "s:o}",
			 "account", text_or_null(c->account),
			 "identity", "kind", c->identity_kind, "value", c->identity,
			 "identities", identities_json(&c->id),
			 "prefix", attrib_prefix_format(&c->prefix, buf),
			 "start", time_or_null(c->start),
			 "end", time_or_null(c->end),
			 "end-reason", text_or_null(c->end_reason),
			 "source", attrib_source_name(c->source),
			 "server", text_or_null(c->server),
			 "session-id", text_or_null(c->session_id),
			 "confidence", confidence,
			 "start-inferred", c->start_inferred,
			 "last-seen", time_or_null(c->last_seen));
}

json_t *attrib_answer_to_json(const struct attrib_answer *a)
{
	char abuf[ATTRIB_ADDR_STRLEN], tbuf[ATTRIB_TIME_STRLEN];
	json_t *cands = json_array();
	json_t *o;

	for (size_t i = 0; cands && i < a->n; i++)
		if (json_array_append_new(cands, candidate_json(&a->cand[i])) < 0) {
			json_decref(cands);
			return NULL;
		}
	o = json_pack("{s:s, s:s, s:s, s:I, s:o}", "status", attrib_status_name(a->status),
		      "address", attrib_prefix_format(&a->addr, abuf),
		      "time", attrib_time_format(a->time, tbuf),
		      "tolerance", (json_int_t)(a->tolerance / 1000000), "candidates", cands);
	if (o && a->time_to)
		json_object_set_new(o, "to", json_string(attrib_time_format(a->time_to, tbuf)));
	if (o && a->status == ATTRIB_STATUS_MATCH)
		json_object_set_new(o, "account", json_string(a->account));
	if (o && a->status != ATTRIB_STATUS_OUTSIDE_RETENTION)
		json_object_set_new(o, "coverage", json_string(coverage_names[a->coverage]));
	if (o && a->coverage_note[0])
		json_object_set_new(o, "coverage-note", json_string(a->coverage_note));
	return o;
}
