/* SPDX-License-Identifier: GPL-3.0-or-later
 * Case references and legal holds in the store (schema 004, table hold),
 * and the SQL functions that tell which records a hold or an export covers. */
#include "attrib/hold.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/legal_int.h"
#include "attrib/times.h"

int attrib_case_check(const char *ref, char *err, size_t errlen)
{
	size_t n = ref ? strlen(ref) : 0;

	if (n == 0 || n >= ATTRIB_CASE_MAX) {
		snprintf(err, errlen, "a case reference is 1 to %d characters",
			 ATTRIB_CASE_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (ref[i] < 0x20 || ref[i] > 0x7e) {
			snprintf(err, errlen,
				 "case reference: character %zu is not printable ASCII", i + 1);
			return -EINVAL;
		}
	if (ref[0] == ' ' || ref[n - 1] == ' ') {
		snprintf(err, errlen, "case reference: starts or ends with a space");
		return -EINVAL;
	}
	return 0;
}

static const char *const subject_names[] = {
	[ATTRIB_SUBJECT_ADDRESS] = "address",
	[ATTRIB_SUBJECT_PREFIX] = "prefix",
	[ATTRIB_SUBJECT_ACCOUNT] = "account",
};

const char *attrib_subject_kind_name(enum attrib_subject_kind k)
{
	return k <= ATTRIB_SUBJECT_ACCOUNT ? subject_names[k] : "?";
}

/* A prefix from SQL arguments (family, plen, net); false when not one. */
static bool arg_prefix(sqlite3_value **v, struct attrib_prefix *p)
{
	int family = sqlite3_value_int(v[0]), plen = sqlite3_value_int(v[1]);
	int bytes = sqlite3_value_bytes(v[2]);
	const void *net = sqlite3_value_blob(v[2]);

	memset(p, 0, sizeof(*p));
	if ((family != 4 && family != 6) || plen < 0 || plen > (family == 4 ? 32 : 128) || !net ||
	    bytes != (family == 4 ? 4 : 16))
		return false;
	p->family = (uint8_t)family;
	p->len = (uint8_t)plen;
	memcpy(p->net, net, (size_t)bytes);
	return true;
}

static bool overlap(const struct attrib_prefix *a, const struct attrib_prefix *b)
{
	return attrib_prefix_contains(a, b) || attrib_prefix_contains(b, a);
}

static void overlaps_fn(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	struct attrib_prefix a, b;

	(void)argc;
	sqlite3_result_int(ctx, arg_prefix(v, &a) && arg_prefix(v + 3, &b) && overlap(&a, &b));
}

static void addrs_overlap_fn(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const char *text = (const char *)sqlite3_value_text(v[0]);
	struct attrib_prefix held;
	int hit = 0;

	(void)argc;
	if (text && arg_prefix(v + 1, &held)) {
		while (*text && !hit) {
			char word[ATTRIB_ADDR_STRLEN];
			size_t n = strcspn(text, " ");
			struct attrib_prefix p;

			if (n > 0 && n < sizeof(word)) {
				memcpy(word, text, n);
				word[n] = '\0';
				hit = attrib_prefix_parse(word, &p, NULL, 0) == 0 &&
				      overlap(&p, &held);
			}
			text += n;
			text += strspn(text, " ");
		}
	}
	sqlite3_result_int(ctx, hit);
}

int legal_sql_functions(struct attrib_store *st)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;
	int rc;

	rc = sqlite3_create_function_v2(st->db, "attrib_overlaps", 6, flags, NULL, overlaps_fn,
					NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(st->db, "attrib_addrs_overlap", 4, flags, NULL,
						addrs_overlap_fn, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_error(st, rc);
}

bool attrib_hold_in_force(const struct attrib_hold *h, int64_t now)
{
	return !h->released && (h->until == INT64_MAX || now < h->until);
}

static int invalid(struct attrib_store *st, const char *why)
{
	snprintf(st->err, sizeof(st->err), "%s", why);
	return -EINVAL;
}

int attrib_hold_add(struct attrib_store *st, struct attrib_hold *h)
{
	const struct attrib_subject *sj = &h->subject;
	sqlite3_stmt *s;
	char err[120];
	int rc;

	if (attrib_case_check(h->case_ref, err, sizeof(err)) < 0)
		return invalid(st, err);
	if (h->to <= h->from)
		return invalid(st, "the end of the range is not after its start");
	if (h->until != INT64_MAX && h->until <= h->created)
		return invalid(st, "the hold would end before it begins (until is past)");
	if (sj->kind == ATTRIB_SUBJECT_ACCOUNT ? !sj->account[0]
					       : sj->prefix.family != 4 && sj->prefix.family != 6)
		return invalid(st, "a hold needs an address, a prefix or an account");
	rc = sqlite3_prepare_v2(
		st->db,
		"INSERT INTO hold (case_ref, family, plen, net, account, from_time, "
		"to_time, until, created, created_uid) VALUES (?1, ?2, ?3, ?4, ?5, "
		"?6, ?7, ?8, ?9, ?10)",
		-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	sqlite3_bind_text(s, 1, h->case_ref, -1, SQLITE_STATIC);
	if (sj->kind == ATTRIB_SUBJECT_ACCOUNT)
		sqlite3_bind_text(s, 5, sj->account, -1, SQLITE_STATIC);
	else
		store_bind_prefix(s, 2, &sj->prefix);
	sqlite3_bind_int64(s, 6, h->from);
	sqlite3_bind_int64(s, 7, h->to);
	store_bind_time(s, 8, h->until);
	sqlite3_bind_int64(s, 9, h->created);
	if (h->created_uid >= 0)
		sqlite3_bind_int64(s, 10, h->created_uid);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, rc);
	h->id = sqlite3_last_insert_rowid(st->db);
	h->released = 0;
	h->released_uid = -1;
	return 0;
}

static int64_t col_or(sqlite3_stmt *s, int i, int64_t dflt)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(s, i);
}

static void hold_read(sqlite3_stmt *s, struct attrib_hold *h)
{
	const char *ref = (const char *)sqlite3_column_text(s, 1);
	const char *account = (const char *)sqlite3_column_text(s, 5);
	const void *net = sqlite3_column_blob(s, 4);
	int bytes = sqlite3_column_bytes(s, 4);

	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(s, 0);
	snprintf(h->case_ref, sizeof(h->case_ref), "%s", ref ? ref : "");
	if (account) {
		h->subject.kind = ATTRIB_SUBJECT_ACCOUNT;
		snprintf(h->subject.account, sizeof(h->subject.account), "%s", account);
	} else {
		h->subject.prefix.family = (uint8_t)sqlite3_column_int(s, 2);
		h->subject.prefix.len = (uint8_t)sqlite3_column_int(s, 3);
		if (net && bytes > 0 && bytes <= 16)
			memcpy(h->subject.prefix.net, net, (size_t)bytes);
		h->subject.kind =
			h->subject.prefix.len == (h->subject.prefix.family == 4 ? 32 : 128)
				? ATTRIB_SUBJECT_ADDRESS
				: ATTRIB_SUBJECT_PREFIX;
	}
	h->from = sqlite3_column_int64(s, 6);
	h->to = sqlite3_column_int64(s, 7);
	h->until = col_or(s, 8, INT64_MAX);
	h->created = sqlite3_column_int64(s, 9);
	h->created_uid = col_or(s, 10, -1);
	h->released = col_or(s, 11, 0);
	h->released_uid = col_or(s, 12, -1);
}

int attrib_hold_list(struct attrib_store *st, const char *case_ref, bool released,
		     struct attrib_hold **out, size_t *n)
{
	struct attrib_hold *list = NULL;
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	rc = sqlite3_prepare_v2(
		st->db,
		"SELECT id, case_ref, family, plen, net, account, from_time, to_time, "
		"until, created, created_uid, released, released_uid FROM hold WHERE "
		"(?1 IS NULL OR case_ref = ?1) AND (?2 OR released IS NULL) ORDER BY id",
		-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	if (case_ref)
		sqlite3_bind_text(s, 1, case_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, released);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct attrib_hold *p = realloc(list, ncap * sizeof(*p));

			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			list = p;
			cap = ncap;
		}
		hold_read(s, &list[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(list);
		*n = 0;
		return rc == SQLITE_NOMEM ? -ENOMEM : store_error(st, rc);
	}
	*out = list;
	return 0;
}

int attrib_hold_release(struct attrib_store *st, const char *case_ref, int64_t when, int64_t uid)
{
	sqlite3_stmt *s;
	int rc, n;

	rc = sqlite3_prepare_v2(
		st->db,
		"UPDATE hold SET released = ?2, released_uid = ?3 WHERE case_ref = ?1 "
		"AND released IS NULL",
		-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	sqlite3_bind_text(s, 1, case_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, when);
	if (uid >= 0)
		sqlite3_bind_int64(s, 3, uid);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, rc);
	n = sqlite3_changes(st->db);
	if (n == 0) {
		snprintf(st->err, sizeof(st->err), "case %s has no hold in force", case_ref);
		return -ENOENT;
	}
	return n;
}

static json_t *time_json(int64_t t)
{
	char buf[ATTRIB_TIME_STRLEN];

	return t == INT64_MAX ? json_null() : json_string(attrib_time_format(t, buf));
}

static json_t *uid_json(int64_t uid)
{
	return uid >= 0 ? json_integer(uid) : json_null();
}

json_t *attrib_hold_to_json(const struct attrib_hold *h, int64_t now)
{
	char buf[ATTRIB_ADDR_STRLEN];
	const struct attrib_subject *sj = &h->subject;

	return json_pack(
		"{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id", (json_int_t)h->id,
		"case", h->case_ref, attrib_subject_kind_name(sj->kind),
		sj->kind == ATTRIB_SUBJECT_ACCOUNT ? sj->account
						   : attrib_prefix_format(&sj->prefix, buf),
		"from", time_json(h->from), "to", time_json(h->to), "until", time_json(h->until),
		"created", time_json(h->created), "created-uid", uid_json(h->created_uid),
		"released", h->released ? time_json(h->released) : json_null(), "released-uid",
		uid_json(h->released_uid), "in-force", attrib_hold_in_force(h, now));
}
