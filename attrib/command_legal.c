/* SPDX-License-Identifier: GPL-3.0-or-later
 * The commands of the legal parts: exports under a case, holds, the audit's
 * listing and check, and the retention purge.  Nothing is disclosed without
 * a case reference; the request, refused or not, is in the audit, written by
 * command.c after these return. */
#include "attrib/command_legal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attrib/audit.h"
#include "attrib/export.h"
#include "attrib/hold.h"
#include "attrib/retention.h"
#include "attrib/times.h"

static json_t *time_json(int64_t t)
{
	char buf[ATTRIB_TIME_STRLEN];

	return t == 0 || t == INT64_MAX ? json_null() : json_string(attrib_time_format(t, buf));
}

static void store_failed(struct attrib_request *r, const char *what)
{
	r->error = ATTRIB_ERROR_STORE;
	attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s failed: %s", what,
			      attrib_store_errmsg(r->ctx->st));
}

static void no_memory(struct attrib_request *r)
{
	r->error = ATTRIB_ERROR_STORE;
	attrib_request_result(r, ATTRIB_RESULT_ERROR, "out of memory");
}

/* The request's case reference; refused (a permission error: nothing is
 * disclosed without one) when missing or malformed. */
static int arg_case(struct attrib_request *r, const char *where, const char **out)
{
	json_t *v = r->args ? json_object_get(r->args, "case") : NULL;
	char err[120];

	if (!v) {
		r->error = ATTRIB_ERROR_PERMISSION;
		attrib_request_result(
			r, ATTRIB_RESULT_ERROR,
			"%s: refused: a case reference (\"case\") is required; nothing "
			"is disclosed or held without one",
			where);
		return -EINVAL;
	}
	if (!json_is_string(v) || attrib_case_check(json_string_value(v), err, sizeof(err)) < 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: %s", where,
				      json_is_string(v) ? err : "\"case\" must be a string");
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

/* Exactly one of "address", "prefix", "account". */
static int arg_subject(struct attrib_request *r, const char *where, struct attrib_subject *sj)
{
	json_t *a = json_object_get(r->args, "address"), *p = json_object_get(r->args, "prefix");
	json_t *acc = json_object_get(r->args, "account");
	char err[160];
	const char *s;

	memset(sj, 0, sizeof(*sj));
	if (!!a + !!p + !!acc != 1) {
		attrib_request_result(
			r, ATTRIB_RESULT_ERROR,
			"%s: one of \"address\", \"prefix\" or \"account\" is required", where);
		return -EINVAL;
	}
	if (a) {
		sj->kind = ATTRIB_SUBJECT_ADDRESS;
		return attrib_arg_prefix(r, r->args, where, "address", &sj->prefix);
	}
	if (attrib_arg_string(r, r->args, where, p ? "prefix" : "account", &s) < 0)
		return -EINVAL;
	if (acc) {
		sj->kind = ATTRIB_SUBJECT_ACCOUNT;
		if (!*s || strlen(s) >= sizeof(sj->account)) {
			attrib_request_result(r, ATTRIB_RESULT_ERROR,
					      "%s: account: 1 to %zu characters", where,
					      sizeof(sj->account) - 1);
			return -EINVAL;
		}
		snprintf(sj->account, sizeof(sj->account), "%s", s);
		return 0;
	}
	sj->kind = ATTRIB_SUBJECT_PREFIX;
	if (attrib_prefix_parse(s, &sj->prefix, err, sizeof(err)) < 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: prefix: %s", where, err);
		return -EINVAL;
	}
	return 0;
}

static int arg_range(struct attrib_request *r, const char *where, int64_t *from, int64_t *to)
{
	if (attrib_arg_time(r, r->args, where, "from", from) < 0 ||
	    attrib_arg_time(r, r->args, where, "to", to) < 0)
		return -EINVAL;
	if (*to <= *from) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: \"to\" must be after \"from\"",
				      where);
		return -EINVAL;
	}
	return 0;
}

static json_t *subject_json(const struct attrib_subject *sj)
{
	char buf[ATTRIB_ADDR_STRLEN];

	return json_pack("{s:s}", attrib_subject_kind_name(sj->kind),
			 sj->kind == ATTRIB_SUBJECT_ACCOUNT
				 ? sj->account
				 : attrib_prefix_format(&sj->prefix, buf));
}

int attrib_export_digest(const json_t *answer, char *hex)
{
	json_t *part = json_pack("{s:O, s:O}", "events", json_object_get(answer, "events"),
				 "records", json_object_get(answer, "records"));
	char *text = part ? json_dumps(part, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	int ok;

	json_decref(part);
	if (!text)
		return -ENOMEM;
	ok = EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
	free(text);
	if (!ok || len != ATTRIB_SHA256_LEN)
		return -ENOMEM;
	attrib_hex(md, len, hex);
	return 0;
}

void attrib_cmd_export(struct attrib_request *r)
{
	static const char *const keys[] = { "case", "address", "prefix", "account",
					    "from", "to",      NULL };
	struct attrib_export_query q;
	char hex[2 * ATTRIB_SHA256_LEN + 1], ext[80];
	const char *case_ref;
	json_t *out = NULL, *query;
	size_t nrec, nev;

	if (arg_case(r, "export", &case_ref) < 0 ||
	    attrib_arg_keys(r, r->args, "export", keys) < 0 ||
	    arg_subject(r, "export", &q.subject) < 0 || arg_range(r, "export", &q.from, &q.to) < 0)
		return;
	if (attrib_export(r->ctx->st, r->ctx->pol, &q, &out) < 0) {
		store_failed(r, "export");
		return;
	}
	query = subject_json(&q.subject);
	if (query) {
		json_object_set_new(query, "from", time_json(q.from));
		json_object_set_new(query, "to", time_json(q.to));
	}
	snprintf(ext, sizeof(ext), "attrib %s (store schema %d)", ATTRIB_VERSION,
		 attrib_store_schema_version(r->ctx->st));
	if (!query || attrib_export_digest(out, hex) < 0 ||
	    json_object_update_new(
		    out, json_pack("{s:s, s:o, s:o, s:{s:o, s:s}, s:o, s:s, s:s}", "case", case_ref,
				   "query", query, "generated", time_json(attrib_time_now()),
				   "requested-by", "uid",
				   r->peer.uid >= 0 ? json_integer(r->peer.uid) : json_null(),
				   "role", attrib_role_name(r->role), "horizon",
				   time_json(attrib_store_horizon(r->ctx->st)), "software", ext,
				   "digest", hex)) < 0) {
		json_decref(out);
		no_memory(r);
		return;
	}
	nrec = json_array_size(json_object_get(out, "records"));
	nev = json_array_size(json_object_get(out, "events"));
	r->answer_args = out;
	snprintf(r->status, sizeof(r->status),
		 "case %s: %zu records, %zu events disclosed, sha256 %s", case_ref, nrec, nev, hex);
	attrib_request_result(r, nrec ? ATTRIB_RESULT_SUCCESS : ATTRIB_RESULT_EMPTY,
			      "%zu record%s, %zu evidence event%s", nrec, nrec == 1 ? "" : "s", nev,
			      nev == 1 ? "" : "s");
}

/* "until": a time, or a date YYYY-MM-DD that the hold lasts through (it
 * lapses at the start of the next day, UTC). */
static int arg_until(struct attrib_request *r, int64_t *until)
{
	json_t *v = json_object_get(r->args, "until");
	const char *s = json_string_value(v);
	char full[40], err[200];
	int y, m, d, n = 0;

	*until = INT64_MAX;
	if (!v)
		return 0;
	if (s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10) {
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		if (attrib_time_parse(full, NULL, until, err, sizeof(err)) == 0) {
			*until += 86400 * ATTRIB_USEC;
			return 0;
		}
	} else if (s && attrib_time_parse(s, NULL, until, err, sizeof(err)) == 0) {
		return 0;
	} else {
		snprintf(err, sizeof(err), "a date (YYYY-MM-DD) or a time with a zone");
	}
	attrib_request_result(r, ATTRIB_RESULT_ERROR, "hold-add: until: %s", err);
	return -EINVAL;
}

void attrib_cmd_hold_add(struct attrib_request *r)
{
	static const char *const keys[] = { "case", "address", "prefix", "account",
					    "from", "to",      "until",  NULL };
	struct attrib_hold h = { .created = attrib_time_now(), .created_uid = r->peer.uid };
	const char *case_ref;
	int rc;

	if (arg_case(r, "hold-add", &case_ref) < 0 ||
	    attrib_arg_keys(r, r->args, "hold-add", keys) < 0 ||
	    arg_subject(r, "hold-add", &h.subject) < 0 ||
	    arg_range(r, "hold-add", &h.from, &h.to) < 0 || arg_until(r, &h.until) < 0)
		return;
	snprintf(h.case_ref, sizeof(h.case_ref), "%s", case_ref);
	rc = attrib_hold_add(r->ctx->st, &h);
	if (rc == -EINVAL) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "hold-add: %s",
				      attrib_store_errmsg(r->ctx->st));
		return;
	}
	if (rc < 0) {
		store_failed(r, "hold-add");
		return;
	}
	r->answer_args = attrib_hold_to_json(&h, h.created);
	if (!r->answer_args) {
		no_memory(r);
		return;
	}
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "hold %lld for case %s", (long long)h.id,
			      h.case_ref);
}

void attrib_cmd_hold_list(struct attrib_request *r)
{
	static const char *const keys[] = { "case", "released", NULL };
	json_t *rel = r->args ? json_object_get(r->args, "released") : NULL, *list;
	const char *case_ref = NULL;
	struct attrib_hold *h;
	int64_t now = attrib_time_now();
	size_t n;

	if (r->args &&
	    (attrib_arg_keys(r, r->args, "hold-list", keys) < 0 ||
	     (json_object_get(r->args, "case") && arg_case(r, "hold-list", &case_ref) < 0)))
		return;
	if (rel && !json_is_boolean(rel)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "hold-list: \"released\" is true or false");
		return;
	}
	if (attrib_hold_list(r->ctx->st, case_ref, json_is_true(rel), &h, &n) < 0) {
		store_failed(r, "hold-list");
		return;
	}
	list = json_array();
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, attrib_hold_to_json(&h[i], now)) < 0) {
			json_decref(list);
			list = NULL;
		}
	free(h);
	r->answer_args = list ? json_pack("{s:o}", "holds", list) : NULL;
	if (!r->answer_args) {
		no_memory(r);
		return;
	}
	attrib_request_result(r, n ? ATTRIB_RESULT_SUCCESS : ATTRIB_RESULT_EMPTY, "%zu hold%s", n,
			      n == 1 ? "" : "s");
}

void attrib_cmd_hold_release(struct attrib_request *r)
{
	static const char *const keys[] = { "case", NULL };
	const char *case_ref;
	int rc;

	if (arg_case(r, "hold-release", &case_ref) < 0 ||
	    attrib_arg_keys(r, r->args, "hold-release", keys) < 0)
		return;
	rc = attrib_hold_release(r->ctx->st, case_ref, attrib_time_now(), r->peer.uid);
	if (rc == -ENOENT) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "hold-release: %s",
				      attrib_store_errmsg(r->ctx->st));
		return;
	}
	if (rc < 0) {
		store_failed(r, "hold-release");
		return;
	}
	r->answer_args = json_pack("{s:s, s:i}", "case", case_ref, "released", rc);
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "%d hold%s of case %s released", rc,
			      rc == 1 ? "" : "s", case_ref);
}

void attrib_cmd_audit_show(struct attrib_request *r)
{
	static const char *const keys[] = { "case", "from", "to", "limit", NULL };
	struct attrib_audit_filter f = { .to = INT64_MAX };
	json_t *limit = r->args ? json_object_get(r->args, "limit") : NULL, *list;
	size_t n;

	if (r->args &&
	    (attrib_arg_keys(r, r->args, "audit-show", keys) < 0 ||
	     (json_object_get(r->args, "case") && arg_case(r, "audit-show", &f.case_ref) < 0) ||
	     (json_object_get(r->args, "from") &&
	      attrib_arg_time(r, r->args, "audit-show", "from", &f.from) < 0) ||
	     (json_object_get(r->args, "to") &&
	      attrib_arg_time(r, r->args, "audit-show", "to", &f.to) < 0)))
		return;
	if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 1)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "audit-show: \"limit\" is a whole number from 1");
		return;
	}
	f.limit = limit ? json_integer_value(limit) : 0;
	if (attrib_audit_list(r->ctx->st, &f, &list) < 0) {
		store_failed(r, "audit-show");
		return;
	}
	n = json_array_size(list);
	r->answer_args = json_pack("{s:o}", "entries", list);
	if (!r->answer_args) {
		no_memory(r);
		return;
	}
	attrib_request_result(r, n ? ATTRIB_RESULT_SUCCESS : ATTRIB_RESULT_EMPTY, "%zu entr%s", n,
			      n == 1 ? "y" : "ies");
}

/* "anchor": {"id": N, "chain": HEX}, an anchor kept outside the store. */
static int arg_anchor(struct attrib_request *r, struct attrib_audit_anchor *a, bool *given)
{
	json_t *o = r->args ? json_object_get(r->args, "anchor") : NULL;
	json_t *id = json_object_get(o, "id");
	const char *chain = json_string_value(json_object_get(o, "chain"));

	*given = o != NULL;
	if (!o)
		return 0;
	if (!json_is_object(o) || json_object_size(o) != 2 || !json_is_integer(id) ||
	    json_integer_value(id) < 1 || !chain ||
	    attrib_unhex(chain, a->chain, ATTRIB_SHA256_LEN) < 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "audit-verify: \"anchor\" is {\"id\": N, \"chain\": 64 hex "
				      "digits}");
		return -EINVAL;
	}
	a->id = json_integer_value(id);
	return 0;
}

void attrib_cmd_audit_verify(struct attrib_request *r)
{
	static const char *const keys[] = { "anchor", NULL };
	struct attrib_audit_anchor kept;
	struct attrib_audit_report rep;
	char hex[2 * ATTRIB_SHA256_LEN + 1] = "";
	bool given;
	int rc;

	if ((r->args && attrib_arg_keys(r, r->args, "audit-verify", keys) < 0) ||
	    arg_anchor(r, &kept, &given) < 0)
		return;
	rc = attrib_audit_check(r->ctx->st, given ? &kept : NULL, &rep);
	if (rc < 0 && rc != -EBADMSG) {
		store_failed(r, "audit-verify");
		return;
	}
	if (rep.head.id)
		attrib_hex(rep.head.chain, ATTRIB_SHA256_LEN, hex);
	r->answer_args = json_pack(
		"{s:b, s:s, s:s, s:I, s:{s:I, s:s}, s:o, s:o, s:b}", "intact", rc == 0, "finding",
		attrib_audit_finding_name(rep.finding), "text", rep.text, "entries",
		(json_int_t)rep.entries, "head", "id", (json_int_t)rep.head.id, "chain", hex,
		"bad-id", rep.bad_id ? json_integer(rep.bad_id) : json_null(), "other-id",
		rep.other_id ? json_integer(rep.other_id) : json_null(), "anchor-checked", given);
	if (!r->answer_args) {
		no_memory(r);
		return;
	}
	/* A broken chain is a finding, not a failed request: the answer says
	 * which entry, and the caller decides what to do with it. */
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "%s", rep.text);
}

void attrib_cmd_purge(struct attrib_request *r)
{
	static const char *const keys[] = { "retention-days", NULL };
	json_t *days = r->args ? json_object_get(r->args, "retention-days") : NULL;
	unsigned n = r->ctx->retention_days;
	struct attrib_purge_counts c;
	int64_t now = attrib_time_now();

	if (r->args && attrib_arg_keys(r, r->args, "purge", keys) < 0)
		return;
	if (days && (!json_is_integer(days) || json_integer_value(days) < 1 ||
		     json_integer_value(days) > 36500)) {
		attrib_request_result(
			r, ATTRIB_RESULT_ERROR,
			"purge: \"retention-days\" is a whole number from 1 to 36500");
		return;
	}
	if (days)
		n = (unsigned)json_integer_value(days);
	if (!n) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "purge: no retention is configured (retention-days 0 keeps "
				      "everything); give \"retention-days\"");
		return;
	}
	if (attrib_retention_purge(r->ctx->st, attrib_retention_cutoff(now, n), now, 0, &c) < 0) {
		store_failed(r, "purge");
		return;
	}
	r->answer_args =
		json_pack("{s:i, s:o, s:o, s:I, s:I, s:I, s:I, s:I}", "retention-days", (int)n,
			  "cutoff", time_json(c.cutoff), "horizon", time_json(c.horizon),
			  "bindings", (json_int_t)c.bindings, "evidence", (json_int_t)c.evidence,
			  "events", (json_int_t)c.events, "sessions", (json_int_t)c.sessions,
			  "held", (json_int_t)c.held);
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS,
			      "purged %lld bindings, %lld events, %lld sessions before %s; %lld "
			      "kept under hold",
			      (long long)c.bindings, (long long)c.events, (long long)c.sessions,
			      json_string_value(json_object_get(r->answer_args, "cutoff")),
			      (long long)c.held);
}
