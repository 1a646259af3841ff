/* SPDX-License-Identifier: GPL-3.0-or-later
 * The abuse desk's ledger in the store (schema 005): reports recorded
 * against accounts, warnings, and the summary a desk acts on. */
#include "attrib/cases.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attrib/lookup.h"
#include "attrib/store_int.h"
#include "attrib/times.h"

#define NOTE_MAX 500

static int refuse(struct attrib_store *st, const char *why)
{
	snprintf(st->err, sizeof(st->err), "%s", why);
	return -EINVAL;
}

int attrib_case_record(struct attrib_store *st, const struct attrib_case_report *rep,
		       int64_t uid, int64_t now)
{
	sqlite3_stmt *s;
	int rc;

	if (!rep->account || !*rep->account || strlen(rep->account) >= ATTRIB_ACCOUNT_MAX)
		return refuse(st, "account is empty or too long");
	if (!rep->digest || strlen(rep->digest) != 64 || !rep->kind || !*rep->kind)
		return refuse(st, "a report needs its SHA-256 digest (64 hex digits) and kind");
	if (rep->events <= 0 || rep->last < rep->first)
		return refuse(st, "a report needs events > 0 and last not before first");
	s = store_stmt(st, Q_CASE_ADD);
	if (!s)
		return -EIO;
	store_bind_text(s, 1, rep->account);
	store_bind_text(s, 2, rep->digest);
	store_bind_text(s, 3, rep->kind);
	store_bind_text(s, 4, rep->type);
	store_bind_text(s, 5, rep->reporter);
	store_bind_text(s, 6, rep->report_id);
	sqlite3_bind_int64(s, 7, rep->events);
	sqlite3_bind_int64(s, 8, rep->first);
	sqlite3_bind_int64(s, 9, rep->last);
	sqlite3_bind_int64(s, 10, now);
	if (uid >= 0)
		sqlite3_bind_int64(s, 11, uid);
	rc = store_exec(st, s);
	return rc < 0 ? rc : sqlite3_changes(st->db) > 0;
}

int attrib_case_warn(struct attrib_store *st, const char *account, int64_t time,
		     const char *note, int64_t uid, int64_t now)
{
	sqlite3_stmt *s;

	if (!account || !*account || strlen(account) >= ATTRIB_ACCOUNT_MAX)
		return refuse(st, "account is empty or too long");
	if (note && strlen(note) > NOTE_MAX)
		return refuse(st, "a note is at most 500 bytes");
	s = store_stmt(st, Q_CASE_WARN);
	if (!s)
		return -EIO;
	store_bind_text(s, 1, account);
	sqlite3_bind_int64(s, 2, time);
	store_bind_text(s, 3, note);
	sqlite3_bind_int64(s, 4, now);
	if (uid >= 0)
		sqlite3_bind_int64(s, 5, uid);
	return store_exec(st, s);
}

int attrib_case_summary(struct attrib_store *st, const char *account, int64_t now,
			struct attrib_case_summary *out)
{
	sqlite3_stmt *s = store_stmt(st, Q_CASE_SUMMARY);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now - (int64_t)ATTRIB_CASES_WINDOW_DAYS * 86400 * ATTRIB_USEC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->reports_window = sqlite3_column_int64(s, 0);
		out->reports_total = sqlite3_column_int64(s, 1);
		out->warned = sqlite3_column_int64(s, 2); /* NULL: 0, never warned */
		out->warnings = sqlite3_column_int64(s, 3);
		out->after_warning = out->warnings ? sqlite3_column_int64(s, 4) : 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, rc);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int attrib_case_list(struct attrib_store *st, const char *account, attrib_case_cb fn,
		     void *arg)
{
	enum stmt_id ids[] = { Q_CASE_REPORTS, Q_CASE_WARNINGS };
	int rc = 0;

	for (size_t q = 0; rc == 0 && q < sizeof(ids) / sizeof(*ids); q++) {
		sqlite3_stmt *s = store_stmt(st, ids[q]);
		int step;

		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
		while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
			struct attrib_case_report rep = { .account = account };

			if (ids[q] == Q_CASE_WARNINGS) {
				rc = fn(arg, NULL, sqlite3_column_int64(s, 0), col_text(s, 1));
				continue;
			}
			rep.digest = col_text(s, 0);
			rep.kind = col_text(s, 1);
			rep.type = col_text(s, 2);
			rep.reporter = col_text(s, 3);
			rep.report_id = col_text(s, 4);
			rep.events = sqlite3_column_int64(s, 5);
			rep.first = sqlite3_column_int64(s, 6);
			rep.last = sqlite3_column_int64(s, 7);
			rc = fn(arg, &rep, 0, NULL);
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = store_error(st, step);
		sqlite3_reset(s);
	}
	return rc;
}

/* ---- The commands (attrib/command.h) ---- */

static void failed(struct attrib_request *r, const char *what, int rc)
{
	if (rc == -EINVAL) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: %s", what,
				      attrib_store_errmsg(r->ctx->st));
		return;
	}
	r->error = ATTRIB_ERROR_STORE;
	attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s failed: %s", what,
			      rc == -ENOMEM ? "out of memory" : attrib_store_errmsg(r->ctx->st));
}

static json_t *summary_json(const char *account, const struct attrib_case_summary *s)
{
	char buf[ATTRIB_TIME_STRLEN];

	return json_pack("{s:s, s:I, s:I, s:o, s:I, s:I}", "account", account, "reports-90d",
			 (json_int_t)s->reports_window, "reports", (json_int_t)s->reports_total,
			 "warned", s->warnings ? json_string(attrib_time_format(s->warned, buf))
					       : json_null(),
			 "warnings", (json_int_t)s->warnings, "reports-after-warning",
			 (json_int_t)s->after_warning);
}

/* An optional string argument: NULL when absent, -EINVAL when not a string. */
static int opt_string(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	return attrib_arg_string(r, obj, where, key, out);
}

static int record_one(struct attrib_request *r, const struct attrib_case_report *head,
		      json_t *item, size_t i, int64_t now, json_t *out)
{
	static const char *const keys[] = { "account", "events", "first", "last", NULL };
	struct attrib_case_report rep = *head;
	struct attrib_case_summary sum;
	json_t *events = json_object_get(item, "events");
	char where[48];
	int rc;

	snprintf(where, sizeof(where), "accounts[%zu]", i);
	if (!json_is_object(item)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: an object", where);
		return -EINVAL;
	}
	if (attrib_arg_keys(r, item, where, keys) < 0 ||
	    attrib_arg_string(r, item, where, "account", &rep.account) < 0 ||
	    attrib_arg_time(r, item, where, "first", &rep.first) < 0 ||
	    attrib_arg_time(r, item, where, "last", &rep.last) < 0)
		return -EINVAL;
	if (!json_is_integer(events)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: \"events\" must be a count",
				      where);
		return -EINVAL;
	}
	rep.events = json_integer_value(events);
	rc = attrib_case_record(r->ctx->st, &rep, r->peer.uid, now);
	if (rc >= 0) {
		int s = attrib_case_summary(r->ctx->st, rep.account, now, &sum);

		if (s < 0)
			return s;
		if (json_array_append_new(out, summary_json(rep.account, &sum)) < 0)
			return -ENOMEM;
	}
	return rc;
}

void attrib_cmd_cases_record(struct attrib_request *r)
{
	static const char *const keys[] = { "report", "accounts", NULL };
	static const char *const rkeys[] = { "digest", "kind", "type", "reporter", "report-id",
					     NULL };
	struct attrib_case_report head = { .type = "" };
	json_t *report = r->args ? json_object_get(r->args, "report") : NULL;
	json_t *list = r->args ? json_object_get(r->args, "accounts") : NULL;
	json_t *out = json_array(), *item;
	int64_t now = attrib_time_now(), recorded = 0;
	size_t i, n = json_array_size(list);
	int rc = 0;

	if (attrib_arg_keys(r, r->args, "cases-record", keys) < 0)
		goto out;
	if (!json_is_object(report) || !json_is_array(list) || n == 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "cases-record: needs \"report\" (an "
				      "object) and \"accounts\" (a list of 1 or more)");
		goto out;
	}
	if (attrib_arg_keys(r, report, "report", rkeys) < 0 ||
	    attrib_arg_string(r, report, "report", "digest", &head.digest) < 0 ||
	    attrib_arg_string(r, report, "report", "kind", &head.kind) < 0 ||
	    opt_string(r, report, "report", "type", &head.type) < 0 ||
	    opt_string(r, report, "report", "reporter", &head.reporter) < 0 ||
	    opt_string(r, report, "report", "report-id", &head.report_id) < 0)
		goto out;
	if (!out) {
		failed(r, "cases-record", -ENOMEM);
		goto out;
	}
	/* All or nothing: a bad account refuses the request. */
	rc = attrib_store_begin(r->ctx->st);
	json_array_foreach(list, i, item) {
		if (rc < 0)
			break;
		rc = record_one(r, &head, item, i, now, out);
		recorded += rc > 0;
	}
	if (rc >= 0)
		rc = attrib_store_commit(r->ctx->st);
	else
		attrib_store_rollback(r->ctx->st);
	if (rc < 0) {
		if (r->result != ATTRIB_RESULT_ERROR)
			failed(r, "cases-record", rc);
		goto out;
	}
	r->answer_args = json_pack("{s:I, s:I, s:O}", "recorded", (json_int_t)recorded,
				   "repeats", (json_int_t)n - recorded, "accounts", out);
	if (!r->answer_args) {
		failed(r, "cases-record", -ENOMEM);
		goto out;
	}
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "report %.12s recorded against %zu "
			      "account%s (%lld already were)", head.digest, n, n == 1 ? "" : "s",
			      (long long)(n - (size_t)recorded));
out:
	json_decref(out);
}

struct listing {
	json_t *reports, *warnings;
};

static int list_cb(void *arg, const struct attrib_case_report *rep, int64_t time,
		   const char *note)
{
	struct listing *l = arg;
	char a[ATTRIB_TIME_STRLEN], b[ATTRIB_TIME_STRLEN];
	json_t *o;

	if (!rep) {
		o = json_pack("{s:s, s:s?}", "time", attrib_time_format(time, a), "note",
			      *note ? note : NULL);
		return o && json_array_append_new(l->warnings, o) == 0 ? 0 : -ENOMEM;
	}
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:I, s:s, s:s}", "digest", rep->digest, "kind",
		      rep->kind, "type", *rep->type ? rep->type : NULL, "reporter",
		      *rep->reporter ? rep->reporter : NULL, "report-id",
		      *rep->report_id ? rep->report_id : NULL, "events", (json_int_t)rep->events,
		      "first", attrib_time_format(rep->first, a), "last",
		      attrib_time_format(rep->last, b));
	return o && json_array_append_new(l->reports, o) == 0 ? 0 : -ENOMEM;
}

void attrib_cmd_cases(struct attrib_request *r)
{
	static const char *const keys[] = { "account", NULL };
	struct listing l = { json_array(), json_array() };
	struct attrib_case_summary sum;
	const char *account;
	int rc;

	if (attrib_arg_keys(r, r->args, "cases", keys) < 0 ||
	    attrib_arg_string(r, r->args, "cases", "account", &account) < 0)
		goto out;
	rc = l.reports && l.warnings ? 0 : -ENOMEM;
	if (rc == 0)
		rc = attrib_case_summary(r->ctx->st, account, attrib_time_now(), &sum);
	if (rc == 0)
		rc = attrib_case_list(r->ctx->st, account, list_cb, &l);
	r->answer_args = rc == 0 ? summary_json(account, &sum) : NULL;
	if (r->answer_args) {
		json_object_set(r->answer_args, "report-list", l.reports);
		json_object_set(r->answer_args, "warning-list", l.warnings);
	} else {
		failed(r, "cases", rc ? rc : -ENOMEM);
		goto out;
	}
	attrib_request_result(r, sum.reports_total || sum.warnings ? ATTRIB_RESULT_SUCCESS
								  : ATTRIB_RESULT_EMPTY,
			      "%s: %lld report%s, %lld in the last %d days", account,
			      (long long)sum.reports_total, sum.reports_total == 1 ? "" : "s",
			      (long long)sum.reports_window, ATTRIB_CASES_WINDOW_DAYS);
out:
	json_decref(l.reports);
	json_decref(l.warnings);
}

void attrib_cmd_cases_warn(struct attrib_request *r)
{
	static const char *const keys[] = { "account", "time", "note", NULL };
	const char *account, *note;
	int64_t now = attrib_time_now(), t = now;
	char buf[ATTRIB_TIME_STRLEN];
	int rc;

	if (attrib_arg_keys(r, r->args, "cases-warn", keys) < 0 ||
	    attrib_arg_string(r, r->args, "cases-warn", "account", &account) < 0 ||
	    opt_string(r, r->args, "cases-warn", "note", &note) < 0 ||
	    (json_object_get(r->args, "time") &&
	     attrib_arg_time(r, r->args, "cases-warn", "time", &t) < 0))
		return;
	rc = attrib_case_warn(r->ctx->st, account, t, note, r->peer.uid, now);
	if (rc < 0) {
		failed(r, "cases-warn", rc);
		return;
	}
	r->answer_args = json_pack("{s:s, s:s}", "account", account, "time",
				   attrib_time_format(t, buf));
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "warning to %s recorded at %s", account,
			      buf);
}
