/* SPDX-License-Identifier: GPL-3.0-or-later
 * The commands every front end shares: reading a request, choosing the role
 * it is served under, lookup, history, list-commands and version-get, and
 * the audit row written for each request before its answer may leave.
 *
 * Who may do what (attribd(8) documents the same table):
 *   version-get, list-commands            every role
 *   lookup, history                       support (account only), abuse, legal
 *   export, hold-add/list/release         legal (command_legal.c)
 *   audit-show, audit-verify              legal, admin (command_legal.c)
 *   purge                                 admin (command_legal.c)
 * The caller's own commands (attribd: status, statistics-get, config-reload,
 * shutdown) come in through ctx->extra. */
#include "attrib/command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cases.h"
#include "attrib/command_legal.h"
#include "attrib/lookup.h"
#include "attrib/times.h"

#define TOLERANCE_MAX 315360000 /* seconds: ten years, as the command line allows */

static const char *const role_names[] = { "support", "abuse", "legal", "admin" };

const char *attrib_role_name(unsigned role)
{
	for (unsigned i = 0; i < 4; i++)
		if (role == 1u << i)
			return role_names[i];
	return "?";
}

unsigned attrib_role_from(const char *name)
{
	for (unsigned i = 0; name && i < 4; i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

char *attrib_roles_format(unsigned mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 4; i++)
		if (mask & (1u << i)) {
			int w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", role_names[i]);

			if (w < 0 || (size_t)w >= len - n)
				break;
			n += (size_t)w;
		}
	return buf;
}

void attrib_request_result(struct attrib_request *r, int result, const char *fmt, ...)
{
	va_list ap;

	r->result = result;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	if (!r->status[0])
		snprintf(r->status, sizeof(r->status), "%s", r->text);
}

void *attrib_request_arg(const struct attrib_request *r)
{
	return r->ctx->arg;
}

int attrib_arg_keys(struct attrib_request *r, json_t *obj, const char *where,
		    const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool known = false;

		for (size_t i = 0; keys[i] && !known; i++)
			known = strcmp(key, keys[i]) == 0;
		if (!known) {
			attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: unknown argument \"%s\"",
					      where, key);
			return -EINVAL;
		}
	}
	return 0;
}

int attrib_arg_string(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: \"%s\" (a string) is required",
				      where, key);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

int attrib_arg_prefix(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		      struct attrib_prefix *out)
{
	char err[160];
	const char *s;

	if (attrib_arg_string(r, obj, where, key, &s) < 0)
		return -EINVAL;
	if (attrib_addr_parse(s, out, err, sizeof(err)) < 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: %s: %s", where, key, err);
		return -EINVAL;
	}
	return 0;
}

/* Times need a zone: the same parser as the command line, with no zone to
 * fall back on, so a bare local time is refused with its reason. */
int attrib_arg_time(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		    int64_t *out)
{
	char err[200];
	const char *s;

	if (attrib_arg_string(r, obj, where, key, &s) < 0)
		return -EINVAL;
	if (attrib_time_parse(s, NULL, out, err, sizeof(err)) < 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: %s: %s", where, key, err);
		return -EINVAL;
	}
	return 0;
}

/* The candidates as support may see them: whose account, when, how sure;
 * not the identities, the server or the session behind them. */
static void redact(json_t *answer)
{
	json_t *cands = json_object_get(answer, "candidates"), *c;
	size_t i;

	json_array_foreach(cands, i, c) {
		json_object_del(c, "identity");
		json_object_del(c, "identities");
		json_object_del(c, "server");
		json_object_del(c, "session-id");
	}
}

json_t *attrib_request_answer_json(const struct attrib_request *r, const struct attrib_answer *a)
{
	json_t *o = attrib_answer_to_json(a);

	if (o && r->role == ATTRIB_ROLE_SUPPORT)
		redact(o);
	return o;
}

/* One lookup's arguments: {"address", "time", "tolerance"}. */
struct lookup_q {
	struct attrib_prefix addr;
	int64_t t, tolerance;
};

static int parse_lookup(struct attrib_request *r, json_t *o, const char *where,
			struct lookup_q *q)
{
	static const char *const keys[] = { "address", "time", "tolerance", NULL };
	json_t *tol;

	if (!json_is_object(o)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: expected an object", where);
		return -EINVAL;
	}
	if (attrib_arg_keys(r, o, where, keys) < 0 ||
	    attrib_arg_prefix(r, o, where, "address", &q->addr) < 0 ||
	    attrib_arg_time(r, o, where, "time", &q->t) < 0)
		return -EINVAL;
	q->tolerance = 0;
	tol = json_object_get(o, "tolerance");
	if (tol && (!json_is_integer(tol) || json_integer_value(tol) < 0 ||
		    json_integer_value(tol) > TOLERANCE_MAX)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "%s: tolerance: whole seconds from 0 to %d", where,
				      TOLERANCE_MAX);
		return -EINVAL;
	}
	if (tol)
		q->tolerance = json_integer_value(tol) * ATTRIB_USEC;
	/* No evidence exists yet of what is still to come: an open binding
	 * would answer for any time in the future. */
	if (q->t - q->tolerance > attrib_time_now() + r->ctx->pol->clock_skew) {
		char now[ATTRIB_TIME_STRLEN];

		attrib_request_result(r, ATTRIB_RESULT_ERROR, "%s: time is in the future (now is "
				      "%s)", where, attrib_time_format(attrib_time_now(), now));
		return -EINVAL;
	}
	return 0;
}

static int run_lookup(struct attrib_request *r, const struct lookup_q *q, json_t **out,
		      enum attrib_status *status)
{
	struct attrib_answer a;
	int rc;

	r->ctx->lookups++;
	rc = attrib_lookup(r->ctx->st, r->ctx->pol, &q->addr, q->t, q->tolerance, &a);
	if (rc < 0) {
		r->error = ATTRIB_ERROR_STORE;
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "lookup failed: the store could not be read");
		snprintf(r->status, sizeof(r->status), "lookup failed: %s",
			 attrib_store_errmsg(r->ctx->st));
		attrib_answer_free(&a);
		return rc;
	}
	*out = attrib_request_answer_json(r, &a);
	*status = a.status;
	attrib_answer_free(&a);
	if (!*out) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void lookup_batch(struct attrib_request *r, json_t *list)
{
	size_t n = json_array_size(list), counts[ATTRIB_STATUS_OUTSIDE_RETENTION + 1] = { 0 };
	struct lookup_q *qs;
	json_t *answers;
	size_t len = 0;

	if (n == 0 || n > r->ctx->max_lookups) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "lookups: a list of 1 to %u lookups (max-lookups)",
				      r->ctx->max_lookups);
		return;
	}
	qs = calloc(n, sizeof(*qs));
	answers = json_array();
	if (!qs || !answers) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "out of memory");
		goto out;
	}
	/* All or nothing: one bad lookup refuses the request before any runs. */
	for (size_t i = 0; i < n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "lookups[%zu]", i);
		if (parse_lookup(r, json_array_get(list, i), where, &qs[i]) < 0)
			goto out;
	}
	/* One snapshot for the batch: consistent answers, one read lock. */
	attrib_store_read_begin(r->ctx->st);
	for (size_t i = 0; i < n; i++) {
		enum attrib_status st;
		json_t *a;

		if (run_lookup(r, &qs[i], &a, &st) < 0) {
			attrib_store_read_end(r->ctx->st, 0);
			goto out;
		}
		json_array_append_new(answers, a);
		counts[st]++;
	}
	attrib_store_read_end(r->ctx->st, 0);
	for (int s = 0; s <= ATTRIB_STATUS_OUTSIDE_RETENTION; s++)
		if (counts[s])
			len += (size_t)snprintf(r->status + len, sizeof(r->status) - len,
						"%s%s %zu", len ? ", " : "", attrib_status_name(s),
						counts[s]);
	r->answer_args = json_pack("{s:o}", "lookups", answers);
	answers = NULL;
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "%zu lookups", n);
out:
	json_decref(answers);
	free(qs);
}

static void cmd_lookup(struct attrib_request *r)
{
	struct lookup_q q;
	enum attrib_status st;
	json_t *list;

	if (!r->args) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "lookup: arguments {\"address\", \"time\"} or "
				      "{\"lookups\": [...]} are required");
		return;
	}
	list = json_object_get(r->args, "lookups");
	if (list) {
		if (json_object_size(r->args) != 1 || !json_is_array(list)) {
			attrib_request_result(r, ATTRIB_RESULT_ERROR,
					      "lookup: \"lookups\" is a list and comes alone");
			return;
		}
		lookup_batch(r, list);
		return;
	}
	if (parse_lookup(r, r->args, "lookup", &q) < 0 ||
	    run_lookup(r, &q, &r->answer_args, &st) < 0)
		return;
	snprintf(r->status, sizeof(r->status), "%s", attrib_status_name(st));
	attrib_request_result(r,
			      st == ATTRIB_STATUS_NONE || st == ATTRIB_STATUS_OUTSIDE_RETENTION
				      ? ATTRIB_RESULT_EMPTY
				      : ATTRIB_RESULT_SUCCESS,
			      "%s", attrib_status_name(st));
}

static void cmd_history(struct attrib_request *r)
{
	static const char *const keys[] = { "address", "from", "to", NULL };
	struct attrib_prefix addr;
	struct attrib_answer a;
	int64_t from, to;

	if (!r->args) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "history: arguments {\"address\", \"from\", \"to\"} are "
				      "required");
		return;
	}
	if (attrib_arg_keys(r, r->args, "history", keys) < 0 ||
	    attrib_arg_prefix(r, r->args, "history", "address", &addr) < 0 ||
	    attrib_arg_time(r, r->args, "history", "from", &from) < 0 ||
	    attrib_arg_time(r, r->args, "history", "to", &to) < 0)
		return;
	if (to <= from) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "history: \"to\" must be after \"from\"");
		return;
	}
	r->ctx->histories++;
	if (attrib_history(r->ctx->st, r->ctx->pol, &addr, from, to, &a) < 0) {
		r->error = ATTRIB_ERROR_STORE;
		attrib_request_result(r, ATTRIB_RESULT_ERROR,
				      "history failed: the store could not be read");
		goto out;
	}
	r->answer_args = attrib_request_answer_json(r, &a);
	if (!r->answer_args) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "out of memory");
		goto out;
	}
	snprintf(r->status, sizeof(r->status), "%s, %zu binding%s", attrib_status_name(a.status),
		 a.n, a.n == 1 ? "" : "s");
	attrib_request_result(r, a.n ? ATTRIB_RESULT_SUCCESS : ATTRIB_RESULT_EMPTY,
			      "%zu binding%s", a.n, a.n == 1 ? "" : "s");
out:
	attrib_answer_free(&a);
}

static void cmd_version(struct attrib_request *r)
{
	char ext[80];

	snprintf(ext, sizeof(ext), "attrib %s (store schema %d)", ATTRIB_VERSION,
		 attrib_store_schema_latest());
	r->answer_args = json_pack("{s:s}", "extended", ext);
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "%s", ATTRIB_VERSION);
}

static void cmd_list(struct attrib_request *r)
{
	r->answer_args = attrib_command_list(r->ctx, r->roles);
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "%zu commands",
			      json_array_size(r->answer_args));
}

/* Kept in name order: list-commands answers in this order. */
static const struct attrib_command commands[] = {
	{ "audit-show", ATTRIB_ROLE_LEGAL | ATTRIB_ROLE_ADMIN, attrib_cmd_audit_show, false },
	{ "audit-verify", ATTRIB_ROLE_LEGAL | ATTRIB_ROLE_ADMIN, attrib_cmd_audit_verify, false },
	{ "cases", ATTRIB_ROLE_ABUSE | ATTRIB_ROLE_LEGAL, attrib_cmd_cases, false },
	{ "cases-record", ATTRIB_ROLE_ABUSE | ATTRIB_ROLE_LEGAL, attrib_cmd_cases_record, false },
	{ "cases-warn", ATTRIB_ROLE_ABUSE | ATTRIB_ROLE_LEGAL, attrib_cmd_cases_warn, false },
	{ "export", ATTRIB_ROLE_LEGAL, attrib_cmd_export, false },
	{ "history", ATTRIB_ROLE_READERS, cmd_history, false },
	{ "hold-add", ATTRIB_ROLE_LEGAL, attrib_cmd_hold_add, false },
	{ "hold-list", ATTRIB_ROLE_LEGAL, attrib_cmd_hold_list, false },
	{ "hold-release", ATTRIB_ROLE_LEGAL, attrib_cmd_hold_release, false },
	{ "list-commands", ATTRIB_ROLE_ALL, cmd_list, true },
	{ "lookup", ATTRIB_ROLE_READERS, cmd_lookup, false },
	{ "purge", ATTRIB_ROLE_ADMIN, attrib_cmd_purge, false },
	{ "version-get", ATTRIB_ROLE_ALL, cmd_version, true },
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

static const struct attrib_command *find(const struct attrib_cmd_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->n_extra; i++)
		if (strcmp(ctx->extra[i].name, name) == 0)
			return &ctx->extra[i];
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

json_t *attrib_command_list(const struct attrib_cmd_ctx *ctx, unsigned roles)
{
	json_t *names = json_array(), *sorted[64];
	size_t n = 0;

	for (size_t i = 0; i < ctx->n_extra && n < 64; i++)
		if (ctx->extra[i].roles & roles)
			sorted[n++] = json_string(ctx->extra[i].name);
	for (size_t i = 0; i < N_COMMANDS && n < 64; i++)
		if (commands[i].roles & roles)
			sorted[n++] = json_string(commands[i].name);
	qsort(sorted, n, sizeof(*sorted), by_name);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(names, sorted[i]);
	return names;
}

/* The role to serve under: the most disclosing one the command allows. */
static unsigned pick_role(unsigned allowed)
{
	static const unsigned order[] = { ATTRIB_ROLE_LEGAL, ATTRIB_ROLE_ABUSE, ATTRIB_ROLE_ADMIN,
					  ATTRIB_ROLE_SUPPORT };

	for (size_t i = 0; i < 4; i++)
		if (allowed & order[i])
			return order[i];
	return 0;
}

static void dispatch(struct attrib_request *r, json_t *root)
{
	static const char *const keys[] = { "command", "arguments", "service", NULL };
	const struct attrib_command *cmd;
	char have[48], need[48];

	if (!r->roles) {
		r->error = ATTRIB_ERROR_PERMISSION;
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "no role for uid %lld",
				      (long long)r->peer.uid);
		return;
	}
	if (attrib_arg_keys(r, root, "request", keys) < 0)
		return;
	r->args = json_object_get(root, "arguments");
	if (r->args && !json_is_object(r->args)) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "\"arguments\" must be an object");
		return;
	}
	cmd = find(r->ctx, r->command);
	if (!cmd) {
		attrib_request_result(r, ATTRIB_RESULT_UNSUPPORTED, "'%s' command not supported",
				      r->command);
		return;
	}
	r->role = pick_role(cmd->roles & r->roles);
	if (!r->role) {
		r->error = ATTRIB_ERROR_PERMISSION;
		attrib_request_result(
			r, ATTRIB_RESULT_ERROR, "%s needs the role %s; uid %lld has %s", cmd->name,
			attrib_roles_format(cmd->roles, need, sizeof(need)), (long long)r->peer.uid,
			attrib_roles_format(r->roles, have, sizeof(have)));
		return;
	}
	if (cmd->no_args && r->args && json_object_size(r->args) > 0) {
		static const char *const none[] = { NULL };

		attrib_arg_keys(r, r->args, cmd->name, none);
		return;
	}
	cmd->run(r);
}

/* Write the audit row inside the open audit transaction (opened here if
 * need be).  @return 0 or -EIO: the answer must then be withheld. */
static int audit(struct attrib_request *r, const json_t *args)
{
	struct attrib_cmd_ctx *ctx = r->ctx;
	char roles[48], *text = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct attrib_audit_entry e = {
		.time = attrib_time_now(),
		.uid = r->peer.uid,
		.gid = r->peer.gid,
		.pid = r->peer.pid,
		.role = r->role ? attrib_role_name(r->role)
				: r->roles ? attrib_roles_format(r->roles, roles, sizeof(roles))
					   : NULL,
		.command = r->command,
		.arguments = text,
		.result = r->result,
		.status = r->status,
	};
	int64_t rc = 0;

	if (!ctx->in_audit) {
		rc = attrib_audit_begin(ctx->audit);
		ctx->in_audit = rc == 0;
	}
	if (rc == 0)
		rc = attrib_audit_append(ctx->audit, &e);
	free(text);
	if (rc < 0) {
		ctx->audit_failures++;
		return -EIO;
	}
	return 0;
}

static json_t *answer_of(struct attrib_request *r)
{
	json_t *o = json_pack("{s:i, s:s}", "result", r->result, "text", r->text);

	if (o && r->result == ATTRIB_RESULT_ERROR && !r->answer_args)
		r->answer_args =
			json_pack("{s:s}", "error", r->error ? r->error : ATTRIB_ERROR_REQUEST);
	if (o && r->answer_args)
		json_object_set(o, "arguments", r->answer_args);
	return o;
}

json_t *attrib_command_serve(struct attrib_cmd_ctx *ctx, const struct attrib_peer *peer,
			     unsigned roles, const char *line, size_t len)
{
	struct attrib_request r = { .ctx = ctx, .peer = *peer, .roles = roles };
	json_t *root, *o;
	json_error_t jerr;

	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		attrib_request_result(&r, ATTRIB_RESULT_ERROR, "malformed JSON at column %d: %s",
				      jerr.column, jerr.text);
	} else if (!json_is_object(root) || !json_is_string(json_object_get(root, "command"))) {
		attrib_request_result(&r, ATTRIB_RESULT_ERROR,
				      "a request is an object with a \"command\" string");
	} else {
		r.command = json_string_value(json_object_get(root, "command"));
		dispatch(&r, root);
	}
	if (audit(&r, json_object_get(root, "arguments")) < 0) {
		json_decref(r.answer_args);
		r.answer_args = NULL;
		r.result = ATTRIB_RESULT_ERROR;
		r.error = ATTRIB_ERROR_STORE;
		snprintf(r.text, sizeof(r.text),
			 "the audit log could not be written: answer withheld");
	}
	if (r.result >= 0 && r.result <= 3)
		ctx->results[r.result]++;
	o = answer_of(&r);
	json_decref(r.answer_args);
	json_decref(root);
	return o;
}

void attrib_command_refused(struct attrib_cmd_ctx *ctx, const struct attrib_peer *peer,
			    unsigned roles, const char *why)
{
	struct attrib_request r = { .ctx = ctx, .peer = *peer, .roles = roles };

	r.result = ATTRIB_RESULT_ERROR;
	snprintf(r.status, sizeof(r.status), "%s", why);
	ctx->results[ATTRIB_RESULT_ERROR]++;
	audit(&r, NULL);
}

int attrib_command_flush(struct attrib_cmd_ctx *ctx)
{
	int rc;

	if (!ctx->in_audit)
		return 0;
	ctx->in_audit = false;
	rc = attrib_audit_commit(ctx->audit);
	if (rc < 0)
		ctx->audit_failures++;
	return rc;
}
