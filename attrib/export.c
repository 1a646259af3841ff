/* SPDX-License-Identifier: GPL-3.0-or-later
 * Export queries: which bindings a subject covers over a range (found by
 * the address index for addresses and prefixes, by the subscriber map for
 * accounts), the accounts each mapped to, and the events behind them. */
#include "attrib/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/legal_int.h"
#include "attrib/times.h"

#define OPEN INT64_MAX

const char *const attrib_export_record_columns[] = {
	"binding", "prefix", "start", "end", "end-reason", "account", "accounts", "source",
	"server", "session-id", "hwaddr", "client-id", "duid", "iaid", "remote-id", "circuit-id",
	"subscriber-id", "username", "calling-station-id", "hostname", "confidence",
	"confirmed-until", "start-inferred", "last-seen", "evidence", NULL,
};

const char *const attrib_export_event_columns[] = {
	"id", "bindings", "type", "source", "time", "arrival", "event-timestamp",
	"acct-delay-time", "session-time", "valid-lifetime", "subnet-id", "lease-type",
	"addresses", "server", "nas", "acct-session-id", "acct-unique-session-id", "hwaddr",
	"client-id", "duid", "iaid", "remote-id", "circuit-id", "subscriber-id", "username",
	"calling-station-id", "hostname", "note", "acct-input-octets", "acct-output-octets", NULL,
};

/* Bindings of a prefix length inside [?3, ?4] (network bytes) overlapping
 * [?5, ?6): one probe of the address index per stored length. */
#define BY_PREFIX_SQL                                                                              \
	"SELECT " BROW_COLUMNS " FROM binding WHERE family = ?1 AND plen = ?2 AND net >= ?3 AND "  \
	"net <= ?4 AND start < ?6 AND (until IS NULL OR until > ?5)"

/* TODO: an export by account reads every binding overlapping the range:
 * the binding table has no index on identities (ingest would pay for
 * seven).  Fine for the occasional court order; slow on a very large store. */
#define BY_ACCOUNT_SQL                                                                             \
	"SELECT " BROW_COLUMNS " FROM binding b WHERE b.start < ?2 AND (b.until IS NULL OR "       \
	"b.until > ?1) AND ((b.source = 4 AND b.account = ?3) OR " LEGAL_BINDING_MAPS(             \
		"?3", "max(b.start, ?1)", "min(coalesce(b.until, " LEGAL_OPEN_SQL "), ?2)") ")"

#define MAPPED_SQL                                                                                 \
	"SELECT DISTINCT account, valid_from, valid_to FROM subscriber WHERE valid_from < ?2 AND " \
	"(valid_to IS NULL OR valid_to > ?1) AND ((kind = 'username' AND value = ?3) OR "          \
	"(kind = 'hwaddr' AND value = ?4) OR (kind = 'client-id' AND value = ?5) OR "              \
	"(kind = 'duid' AND value = ?6) OR (kind = 'remote-id' AND value = ?7) OR "                \
	"(kind = 'circuit-id' AND value = ?8) OR (kind = 'subscriber-id' AND value = ?9) OR "      \
	"(kind, value) IN (SELECT kind, value FROM binding_identity WHERE binding_id = ?10)) "     \
	"ORDER BY valid_from, account"

#define EVENT_SQL                                                                                  \
	"SELECT id, type, source, time, arrival, event_ts, delay, session_time, valid_lifetime, "  \
	"subnet_id, lease_type, addresses, server, nas, acct_session_id, unique_session_id, "      \
	"hwaddr, client_id, duid, iaid, remote_id, circuit_id, subscriber_id, username, "          \
	"calling_station_id, hostname, note, input_octets, output_octets FROM event WHERE id = ?1"

struct rows {
	struct brow *b;
	size_t n, cap;
};

static int rows_read(struct attrib_store *st, sqlite3_stmt *s, struct rows *r)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n == r->cap) {
			size_t ncap = r->cap ? 2 * r->cap : 16;
			struct brow *p = realloc(r->b, ncap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			r->b = p;
			r->cap = ncap;
		}
		brow_read(s, &r->b[r->n++]);
	}
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

static int by_prefix(struct attrib_store *st, const struct attrib_export_query *q,
		     struct rows *r)
{
	const struct attrib_prefix *p = &q->subject.prefix;
	unsigned max = p->family == 4 ? 32 : 128;
	size_t bytes = attrib_prefix_bytes(p);
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, BY_PREFIX_SQL, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	for (unsigned len = 0; rc >= 0 && len <= max; len++) {
		struct attrib_prefix lo, hi;

		if (!st->plen[p->family == 6][len])
			continue;
		/* A binding as long as the subject or shorter holds it when its
		 * network is the subject's cut to its length; a longer one lies
		 * inside it when its network falls between the subject's first
		 * and last address. */
		if (len <= p->len) {
			attrib_prefix_mask(p, len, &lo);
			hi = lo;
		} else {
			lo = hi = *p;
			for (unsigned bit = p->len; bit < max; bit++)
				hi.net[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		}
		sqlite3_reset(s);
		sqlite3_bind_int(s, 1, p->family);
		sqlite3_bind_int(s, 2, (int)len);
		sqlite3_bind_blob(s, 3, lo.net, (int)bytes, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 4, hi.net, (int)bytes, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 5, q->from);
		sqlite3_bind_int64(s, 6, q->to);
		rc = rows_read(st, s, r);
	}
	sqlite3_finalize(s);
	return rc;
}

static int by_account(struct attrib_store *st, const struct attrib_export_query *q,
		      struct rows *r)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, BY_ACCOUNT_SQL, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	sqlite3_bind_int64(s, 1, q->from);
	sqlite3_bind_int64(s, 2, q->to);
	sqlite3_bind_text(s, 3, q->subject.account, -1, SQLITE_STATIC);
	rc = rows_read(st, s, r);
	sqlite3_finalize(s);
	return rc;
}

static int by_start(const void *x, const void *y)
{
	const struct brow *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static json_t *time_json(int64_t t)
{
	char buf[ATTRIB_TIME_STRLEN];

	return t == OPEN ? json_null() : json_string(attrib_time_format(t, buf));
}

static json_t *text_json(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v[0])
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* The accounts @p b mapped to over its overlap with the range: names into
 * @p names, periods into @p periods.  @return 0 or a negative errno. */
static int accounts_of(struct attrib_store *st, sqlite3_stmt *s, const struct brow *b,
		       const struct attrib_export_query *q, json_t *names, json_t *periods)
{
	const struct attrib_identities *id = &b->ident;
	int64_t lo = b->start > q->from ? b->start : q->from;
	int64_t hi = b->until < q->to ? b->until : q->to;
	int rc;

	if (b->source == ATTRIB_SRC_STATIC) {
		json_array_append_new(names, json_string(b->account));
		json_array_append_new(periods, json_pack("{s:s, s:o, s:o}", "account", b->account,
							 "from", time_json(b->start), "to",
							 time_json(b->until)));
		return 0;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	bind_opt_text(s, 3, id->username);
	bind_opt_text(s, 4, id->hwaddr);
	bind_opt_text(s, 5, id->client_id);
	bind_opt_text(s, 6, id->duid);
	bind_opt_text(s, 7, id->remote_id);
	bind_opt_text(s, 8, id->circuit_id);
	bind_opt_text(s, 9, id->subscriber_id);
	sqlite3_bind_int64(s, 10, b->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(s, 0);
		bool seen = false;
		size_t i;
		json_t *v;

		json_array_foreach(names, i, v)
			seen |= strcmp(json_string_value(v), a) == 0;
		if (!seen)
			json_array_append_new(names, json_string(a));
		json_array_append_new(
			periods,
			json_pack("{s:s, s:o, s:o}", "account", a, "from",
				  time_json(sqlite3_column_int64(s, 1)), "to",
				  time_json(sqlite3_column_type(s, 2) == SQLITE_NULL
						    ? OPEN
						    : sqlite3_column_int64(s, 2))));
	}
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

/* The identities as lookups name them; absent ones left out. */
static json_t *identities_of(const struct brow *b)
{
	const struct attrib_identities *id = &b->ident;
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			      "hwaddr", text_json(id->hwaddr),
			      "client-id", text_json(id->client_id),
			      "duid", text_json(id->duid), "remote-id", text_json(id->remote_id),
			      "circuit-id", text_json(id->circuit_id),
			      "subscriber-id", text_json(id->subscriber_id),
			      "username", text_json(id->username),
			      "calling-station-id", text_json(id->calling_station_id),
			      "hostname", text_json(id->hostname));

	if (o)
		json_object_set_new(o, "iaid", id->has_iaid ? json_integer(id->iaid) : json_null());
	return o;
}

/* The evidence behind @p b, in event order: ids into @p ids and into the
 * export's set @p seen (event id -> binding ids). */
static int evidence_of(struct attrib_store *st, sqlite3_stmt *s, const struct brow *b,
		       json_t *ids, json_t *seen)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, b->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t e = sqlite3_column_int64(s, 0);
		char key[24];
		json_t *backs;

		json_array_append_new(ids, json_integer(e));
		snprintf(key, sizeof(key), "%lld", (long long)e);
		backs = json_object_get(seen, key);
		if (!backs) {
			backs = json_array();
			json_object_set_new(seen, key, backs);
		}
		json_array_append_new(backs, json_integer(b->id));
	}
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

static json_t *record_of(const struct attrib_policy *pol, const struct brow *b,
			 const struct attrib_export_query *q, json_t *names, json_t *periods,
			 json_t *evidence)
{
	char pbuf[ATTRIB_ADDR_STRLEN];
	int64_t cu = b->confirmed_until, end = b->until < q->to ? b->until : q->to;
	const char *reason = b->end_time != OPEN ? b->end_reason
			     : b->until != OPEN  ? "expected-end"
						 : "";

	/* As lookups judge it: only a Stop confirms how a session ended. */
	if (b->session_id && strcmp(b->end_reason, "stop") != 0 &&
	    b->last_seen + pol->stale_after < cu)
		cu = b->last_seen + pol->stale_after;
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:s, s:o, "
			 "s:b, s:o, s:o}",
			 "binding", (json_int_t)b->id, "prefix",
			 attrib_prefix_format(&b->prefix, pbuf), "start", time_json(b->start),
			 "end", time_json(b->until), "end-reason", text_json(reason), "account",
			 json_array_size(names) == 1 ? json_incref(json_array_get(names, 0))
						     : json_null(),
			 "accounts", names, "account-periods", periods, "identities",
			 identities_of(b), "source", attrib_source_name(b->source), "server",
			 text_json(b->server), "session-id", text_json(b->acct_session_id),
			 "confidence",
			 !b->start_inferred && cu >= end ? "confirmed" : "unconfirmed",
			 "confirmed-until", time_json(cu), "start-inferred", b->start_inferred,
			 "last-seen", time_json(b->last_seen), "evidence", evidence);
}

static json_t *col_int(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
							 : json_integer(sqlite3_column_int64(s, i));
}

static json_t *col_time(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
							 : time_json(sqlite3_column_int64(s, i));
}

static json_t *col_str(sqlite3_stmt *s, int i)
{
	return text_json((const char *)sqlite3_column_text(s, i));
}

static json_t *addresses_json(const char *text)
{
	json_t *a = json_array();

	while (a && text && *text) {
		size_t n = strcspn(text, " ");

		if (n)
			json_array_append_new(a, json_stringn(text, n));
		text += n;
		text += strspn(text, " ");
	}
	return a;
}

static json_t *event_of(sqlite3_stmt *s, json_t *bindings)
{
	json_t *o = json_pack(
		"{s:I, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		"s:o}",
		"id", (json_int_t)sqlite3_column_int64(s, 0), "bindings", json_incref(bindings),
		"type", attrib_event_type_name(sqlite3_column_int(s, 1)),
		"source", attrib_source_name(sqlite3_column_int(s, 2)),
		"time", col_time(s, 3), "arrival", col_time(s, 4),
		"event-timestamp", col_time(s, 5),
		"acct-delay-time", col_int(s, 6), "session-time", col_int(s, 7),
		"valid-lifetime", col_int(s, 8), "subnet-id", col_int(s, 9),
		"lease-type", col_int(s, 10),
		"addresses", addresses_json((const char *)sqlite3_column_text(s, 11)),
		"server", col_str(s, 12), "nas", col_str(s, 13), "acct-session-id", col_str(s, 14),
		"acct-unique-session-id", col_str(s, 15));
	json_t *more = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
				 "s:o}",
				 "hwaddr", col_str(s, 16), "client-id", col_str(s, 17),
				 "duid", col_str(s, 18), "iaid", col_int(s, 19),
				 "remote-id", col_str(s, 20), "circuit-id", col_str(s, 21),
				 "subscriber-id", col_str(s, 22), "username", col_str(s, 23),
				 "calling-station-id", col_str(s, 24),
				 "hostname", col_str(s, 25), "note", col_str(s, 26),
				 "acct-input-octets", col_int(s, 27),
				 "acct-output-octets", col_int(s, 28));

	/* json_object_update_new() takes @p more, whatever it returns. */
	if (!o || json_object_update_new(o, more) < 0) {
		json_decref(o ? o : more);
		return NULL;
	}
	return o;
}

static int by_id(const void *x, const void *y)
{
	int64_t a = json_integer_value(json_object_get(*(json_t *const *)x, "id"));
	int64_t b = json_integer_value(json_object_get(*(json_t *const *)y, "id"));

	return a < b ? -1 : a > b;
}

/* The events named in @p seen, in id order (the order they were applied). */
static int events_of(struct attrib_store *st, json_t *seen, json_t *events)
{
	size_t n = json_object_size(seen), k = 0;
	json_t **list = calloc(n ? n : 1, sizeof(*list)), *backs;
	const char *key;
	sqlite3_stmt *s;
	int rc;

	if (!list)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(st->db, EVENT_SQL, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		free(list);
		return store_error(st, rc);
	}
	rc = SQLITE_DONE;
	json_object_foreach(seen, key, backs) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, strtoll(key, NULL, 10));
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		list[k] = event_of(s, backs);
		if (!list[k]) {
			rc = SQLITE_NOMEM;
			break;
		}
		k++;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	qsort(list, k, sizeof(*list), by_id);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(events, list[i]);
	free(list);
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	return rc == SQLITE_DONE ? 0 : store_error(st, rc);
}

static int build(struct attrib_store *st, const struct attrib_policy *pol,
		 const struct attrib_export_query *q, const struct rows *r, json_t *records,
		 json_t *events)
{
	sqlite3_stmt *map = NULL, *ev = NULL;
	json_t *seen = json_object();
	int rc;

	rc = sqlite3_prepare_v2(st->db, MAPPED_SQL, -1, &map, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db,
					"SELECT event_id FROM evidence WHERE binding_id = ?1 "
					"ORDER BY event_id", -1, &ev, NULL);
	rc = rc == SQLITE_OK ? 0 : store_error(st, rc);
	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		json_t *names = json_array(), *periods = json_array(), *ids = json_array(), *rec;

		rc = accounts_of(st, map, &r->b[i], q, names, periods);
		if (rc == 0)
			rc = evidence_of(st, ev, &r->b[i], ids, seen);
		rec = rc == 0 ? record_of(pol, &r->b[i], q, names, periods, ids) : NULL;
		if (!rec) {
			json_decref(names);
			json_decref(periods);
			json_decref(ids);
			rc = rc ? rc : -ENOMEM;
			break;
		}
		json_array_append_new(records, rec);
	}
	sqlite3_finalize(map);
	sqlite3_finalize(ev);
	if (rc == 0)
		rc = events_of(st, seen, events);
	json_decref(seen);
	return rc;
}

int attrib_export(struct attrib_store *st, const struct attrib_policy *pol,
		  const struct attrib_export_query *q, json_t **out)
{
	struct rows r = { 0 };
	json_t *records = json_array(), *events = json_array();
	int rc;

	*out = NULL;
	if (q->to <= q->from)
		rc = -EINVAL;
	else if (q->subject.kind == ATTRIB_SUBJECT_ACCOUNT ? !q->subject.account[0]
			: q->subject.prefix.family != 4 && q->subject.prefix.family != 6)
		rc = -EINVAL;
	else if (!records || !events)
		rc = -ENOMEM;
	else
		rc = store_refresh(st);
	if (rc == 0)
		rc = q->subject.kind == ATTRIB_SUBJECT_ACCOUNT ? by_account(st, q, &r)
							       : by_prefix(st, q, &r);
	if (rc == 0) {
		if (r.n > 1)
			qsort(r.b, r.n, sizeof(*r.b), by_start);
		rc = build(st, pol, q, &r, records, events);
	}
	free(r.b);
	if (rc == 0) {
		*out = json_pack("{s:o, s:o}", "records", records, "events", events);
		return *out ? 0 : -ENOMEM;
	}
	json_decref(records);
	json_decref(events);
	return rc;
}
