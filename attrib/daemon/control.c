/* SPDX-License-Identifier: GPL-3.0-or-later
 * The control channel's commands.  A request is read, its peer's roles
 * looked up, the command run under the most disclosing role the peer holds
 * that may run it, and the request with its outcome written to the audit
 * before the answer goes out (server.c holds answers until flush).
 *
 * Who may do what (attribd(8) documents the same table):
 *   status, version-get, list-commands    every role
 *   statistics-get                        every role
 *   lookup, history                       support (account only), abuse, legal
 *   config-reload, shutdown               admin
 * support sees candidates without identities, server or session id. */
#include "attrib/daemon/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attrib/addr.h"
#include "attrib/daemon/log.h"
#include "attrib/lookup.h"
#include "attrib/times.h"

#define TEXT_MAX      300
#define TOLERANCE_MAX 315360000 /* seconds: ten years, as the command line allows */

struct request {
	struct attribd *d;
	struct server_conn *conn;
	const struct server_peer *peer;
	unsigned roles; /* every role the peer holds */
	unsigned role;  /* the one this request is served under */
	const char *command;
	json_t *args;
	/* the outcome */
	int result;
	char text[TEXT_MAX];
	json_t *answer_args;
	char status[TEXT_MAX];
};

struct command {
	const char *name;
	unsigned roles;
	void (*run)(struct request *r);
};

static struct log_limit audit_limit = LOG_LIMIT_INIT(10000, 3);

static void set_result(struct request *r, int result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_result(struct request *r, int result, const char *fmt, ...)
{
	va_list ap;

	r->result = result;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	if (!r->status[0])
		snprintf(r->status, sizeof(r->status), "%s", r->text);
}

/* Refuse keys of @p args other than @p keys (NULL-terminated). */
static int known_keys(struct request *r, json_t *args, const char *where,
		      const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		bool known = false;

		for (size_t i = 0; keys[i] && !known; i++)
			known = strcmp(key, keys[i]) == 0;
		if (!known) {
			set_result(r, CONTROL_ERROR, "%s: unknown argument \"%s\"", where, key);
			return -EINVAL;
		}
	}
	return 0;
}

static int arg_string(struct request *r, json_t *o, const char *where, const char *key,
		      const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		set_result(r, CONTROL_ERROR, "%s: \"%s\" (a string) is required", where, key);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

static int arg_address(struct request *r, json_t *o, const char *where, struct attrib_prefix *a)
{
	char err[160];
	const char *s;

	if (arg_string(r, o, where, "address", &s) < 0)
		return -EINVAL;
	if (attrib_addr_parse(s, a, err, sizeof(err)) < 0) {
		set_result(r, CONTROL_ERROR, "%s: address: %s", where, err);
		return -EINVAL;
	}
	return 0;
}

/* Times need a zone: the same parser as the command line, with no zone to
 * fall back on, so a bare local time is refused with its reason. */
static int arg_time(struct request *r, json_t *o, const char *where, const char *key,
		    int64_t *t)
{
	char err[200];
	const char *s;

	if (arg_string(r, o, where, key, &s) < 0)
		return -EINVAL;
	if (attrib_time_parse(s, NULL, t, err, sizeof(err)) < 0) {
		set_result(r, CONTROL_ERROR, "%s: %s: %s", where, key, err);
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

static json_t *answer_json(struct request *r, const struct attrib_answer *a)
{
	json_t *o = attrib_answer_to_json(a);

	if (o && r->role == ROLE_SUPPORT)
		redact(o);
	return o;
}

/* One lookup's arguments: {"address", "time", "tolerance"}. */
struct lookup_q {
	struct attrib_prefix addr;
	int64_t t, tolerance;
};

static int parse_lookup(struct request *r, json_t *o, const char *where, struct lookup_q *q)
{
	static const char *const keys[] = { "address", "time", "tolerance", NULL };
	json_t *tol;

	if (!json_is_object(o)) {
		set_result(r, CONTROL_ERROR, "%s: expected an object", where);
		return -EINVAL;
	}
	if (known_keys(r, o, where, keys) < 0 || arg_address(r, o, where, &q->addr) < 0 ||
	    arg_time(r, o, where, "time", &q->t) < 0)
		return -EINVAL;
	q->tolerance = 0;
	tol = json_object_get(o, "tolerance");
	if (tol && (!json_is_integer(tol) || json_integer_value(tol) < 0 ||
		    json_integer_value(tol) > TOLERANCE_MAX)) {
		set_result(r, CONTROL_ERROR, "%s: tolerance: whole seconds from 0 to %d", where,
			   TOLERANCE_MAX);
		return -EINVAL;
	}
	if (tol)
		q->tolerance = json_integer_value(tol) * ATTRIB_USEC;
	return 0;
}

static int run_lookup(struct request *r, const struct lookup_q *q, json_t **out,
		      enum attrib_status *status)
{
	struct attrib_answer a;
	int rc;

	r->d->stats.lookups++;
	rc = attrib_lookup(r->d->st, &r->d->cfg->policy, &q->addr, q->t, q->tolerance, &a);
	if (rc < 0) {
		log_err("cmd", "lookup failed: %s", attrib_store_errmsg(r->d->st));
		set_result(r, CONTROL_ERROR, "lookup failed: the store could not be read");
		attrib_answer_free(&a);
		return rc;
	}
	*out = answer_json(r, &a);
	*status = a.status;
	attrib_answer_free(&a);
	if (!*out) {
		set_result(r, CONTROL_ERROR, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void lookup_batch(struct request *r, json_t *list)
{
	size_t n = json_array_size(list), counts[ATTRIB_STATUS_OUTSIDE_RETENTION + 1] = { 0 };
	struct lookup_q *qs;
	json_t *answers;
	size_t len = 0;

	if (n == 0 || n > r->d->cfg->limits.max_lookups) {
		set_result(r, CONTROL_ERROR, "lookups: a list of 1 to %u lookups (max-lookups)",
			   r->d->cfg->limits.max_lookups);
		return;
	}
	qs = calloc(n, sizeof(*qs));
	answers = json_array();
	if (!qs || !answers) {
		set_result(r, CONTROL_ERROR, "out of memory");
		goto out;
	}
	/* All or nothing: one bad lookup refuses the request before any runs. */
	for (size_t i = 0; i < n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "lookups[%zu]", i);
		if (parse_lookup(r, json_array_get(list, i), where, &qs[i]) < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		enum attrib_status st;
		json_t *a;

		if (run_lookup(r, &qs[i], &a, &st) < 0)
			goto out;
		json_array_append_new(answers, a);
		counts[st]++;
	}
	for (int s = 0; s <= ATTRIB_STATUS_OUTSIDE_RETENTION; s++)
		if (counts[s])
			len += (size_t)snprintf(r->status + len, sizeof(r->status) - len, "%s%s %zu",
						len ? ", " : "", attrib_status_name(s), counts[s]);
	r->answer_args = json_pack("{s:o}", "lookups", answers);
	answers = NULL;
	set_result(r, CONTROL_SUCCESS, "%zu lookups", n);
out:
	json_decref(answers);
	free(qs);
}

static void cmd_lookup(struct request *r)
{
	struct lookup_q q;
	enum attrib_status st;
	json_t *list;

	if (!r->args) {
		set_result(r, CONTROL_ERROR, "lookup: arguments {\"address\", \"time\"} or "
					     "{\"lookups\": [...]} are required");
		return;
	}
	list = json_object_get(r->args, "lookups");
	if (list) {
		if (json_object_size(r->args) != 1 || !json_is_array(list)) {
			set_result(r, CONTROL_ERROR,
				   "lookup: \"lookups\" is a list and comes alone");
			return;
		}
		lookup_batch(r, list);
		return;
	}
	if (parse_lookup(r, r->args, "lookup", &q) < 0 || run_lookup(r, &q, &r->answer_args, &st))
		return;
	snprintf(r->status, sizeof(r->status), "%s", attrib_status_name(st));
	set_result(r, st == ATTRIB_STATUS_NONE || st == ATTRIB_STATUS_OUTSIDE_RETENTION
			      ? CONTROL_EMPTY
			      : CONTROL_SUCCESS,
		   "%s", attrib_status_name(st));
}

static void cmd_history(struct request *r)
{
	static const char *const keys[] = { "address", "from", "to", NULL };
	struct attrib_prefix addr;
	struct attrib_answer a;
	int64_t from, to;

	if (!r->args) {
		set_result(r, CONTROL_ERROR, "history: arguments {\"address\", \"from\", \"to\"} "
					     "are required");
		return;
	}
	if (known_keys(r, r->args, "history", keys) < 0 ||
	    arg_address(r, r->args, "history", &addr) < 0 ||
	    arg_time(r, r->args, "history", "from", &from) < 0 ||
	    arg_time(r, r->args, "history", "to", &to) < 0)
		return;
	if (to <= from) {
		set_result(r, CONTROL_ERROR, "history: \"to\" must be after \"from\"");
		return;
	}
	r->d->stats.histories++;
	if (attrib_history(r->d->st, &r->d->cfg->policy, &addr, from, to, &a) < 0) {
		log_err("cmd", "history failed: %s", attrib_store_errmsg(r->d->st));
		set_result(r, CONTROL_ERROR, "history failed: the store could not be read");
		goto out;
	}
	r->answer_args = answer_json(r, &a);
	if (!r->answer_args) {
		set_result(r, CONTROL_ERROR, "out of memory");
		goto out;
	}
	snprintf(r->status, sizeof(r->status), "%s, %zu binding%s", attrib_status_name(a.status),
		 a.n, a.n == 1 ? "" : "s");
	set_result(r, a.n ? CONTROL_SUCCESS : CONTROL_EMPTY, "%zu binding%s", a.n,
		   a.n == 1 ? "" : "s");
out:
	attrib_answer_free(&a);
}

static json_t *time_json(int64_t t)
{
	char buf[ATTRIB_TIME_STRLEN];

	return t ? json_string(attrib_time_format(t, buf)) : json_null();
}

static json_t *store_json(struct attribd *d)
{
	struct attrib_store_counts n;
	char wal[4096];
	struct stat sb;
	json_int_t bytes = 0;

	if (stat(d->cfg->database, &sb) == 0)
		bytes += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", d->cfg->database);
	if (stat(wal, &sb) == 0)
		bytes += sb.st_size;
	if (attrib_store_counts(d->st, &n) < 0)
		n = (struct attrib_store_counts){ -1, -1, -1, -1 };
	return json_pack("{s:s, s:I, s:i, s:I, s:I, s:I, s:I, s:o}", "path", d->cfg->database,
			 "bytes", bytes, "schema", attrib_store_schema_version(d->st),
			 "bindings", (json_int_t)n.bindings, "events", (json_int_t)n.events,
			 "sessions", (json_int_t)n.sessions, "subscribers",
			 (json_int_t)n.subscribers, "retention-horizon",
			 time_json(attrib_store_horizon(d->st)));
}

static void cmd_status(struct request *r)
{
	struct attribd *d = r->d;
	struct server_stats ss;
	json_t *journals = d->in ? attrib_ingest_status(d->in) : json_array();

	server_stats(d->srv, &ss);
	r->answer_args = json_pack("{s:s, s:I, s:o, s:o, s:b, s:o, s:i}", "version", ATTRIB_VERSION,
				   "uptime", (json_int_t)((attrib_time_now() - d->started) /
							  ATTRIB_USEC),
				   "store", store_json(d), "journals",
				   journals ? journals : json_null(), "ingest-caught-up",
				   !uv_is_active((uv_handle_t *)&d->step_idle), "started",
				   time_json(d->started), "connections", (int)ss.open);
	if (!r->answer_args) {
		set_result(r, CONTROL_ERROR, "out of memory");
		return;
	}
	set_result(r, CONTROL_SUCCESS, "attribd %s", ATTRIB_VERSION);
}

static void cmd_statistics(struct request *r)
{
	struct attribd *d = r->d;
	struct attrib_ingest_stats is = { 0 };
	struct server_stats ss;

	server_stats(d->srv, &ss);
	if (d->in)
		attrib_ingest_stats(d->in, &is);
	r->answer_args = json_pack(
		"{s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:{s:I, s:I, s:I, s:I}, s:I, "
		"s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"uptime", (json_int_t)((attrib_time_now() - d->started) / ATTRIB_USEC),
		"connections", "open", (json_int_t)ss.open, "accepted", (json_int_t)ss.accepted,
		"refused", (json_int_t)ss.refused, "too-long", (json_int_t)ss.too_long,
		"not-reading", (json_int_t)ss.not_read, "idle", (json_int_t)ss.idle, "withheld",
		(json_int_t)ss.withheld,
		"requests", (json_int_t)ss.requests,
		"results", "success", (json_int_t)d->stats.results[0], "error",
		(json_int_t)d->stats.results[1], "unsupported", (json_int_t)d->stats.results[2],
		"empty", (json_int_t)d->stats.results[3],
		"lookups", (json_int_t)d->stats.lookups, "histories", (json_int_t)d->stats.histories,
		"audit-rows", (json_int_t)d->stats.audit_rows, "audit-failures",
		(json_int_t)d->stats.audit_failures, "reloads", (json_int_t)d->stats.reloads,
		"ingest", "events", (json_int_t)is.events, "heartbeats", (json_int_t)is.heartbeats,
		"losses", (json_int_t)is.losses, "repeats", (json_int_t)is.repeats,
		"journals-done", (json_int_t)is.journals_done, "journals-corrupt",
		(json_int_t)is.journals_corrupt, "steps", (json_int_t)d->stats.ingest_steps,
		"failures", (json_int_t)d->stats.ingest_failures);
	if (!r->answer_args) {
		set_result(r, CONTROL_ERROR, "out of memory");
		return;
	}
	set_result(r, CONTROL_SUCCESS, "statistics since start");
}

static void cmd_version(struct request *r)
{
	char ext[80];

	snprintf(ext, sizeof(ext), "attribd %s (store schema %d)", ATTRIB_VERSION,
		 attrib_store_schema_latest());
	r->answer_args = json_pack("{s:s}", "extended", ext);
	set_result(r, CONTROL_SUCCESS, "%s", ATTRIB_VERSION);
}

static void cmd_reload(struct request *r)
{
	char err[TEXT_MAX - 40];

	if (attribd_reload(r->d, err, sizeof(err)) < 0) {
		set_result(r, CONTROL_ERROR, "configuration not reloaded: %s", err);
		return;
	}
	set_result(r, CONTROL_SUCCESS, "configuration reloaded");
}

static void cmd_shutdown(struct request *r)
{
	char why[80];

	snprintf(why, sizeof(why), "shutdown command from pid %d uid %u", (int)r->peer->pid,
		 (unsigned)r->peer->uid);
	attribd_shutdown(r->d, why);
	set_result(r, CONTROL_SUCCESS, "shutting down");
}

static void cmd_list(struct request *r);

#define EVERY_ROLE ROLE_ALL
#define READERS    (ROLE_SUPPORT | ROLE_ABUSE | ROLE_LEGAL)

static const struct command commands[] = {
	{ "config-reload", ROLE_ADMIN, cmd_reload },
	{ "history", READERS, cmd_history },
	{ "list-commands", EVERY_ROLE, cmd_list },
	{ "lookup", READERS, cmd_lookup },
	{ "shutdown", ROLE_ADMIN, cmd_shutdown },
	{ "statistics-get", EVERY_ROLE, cmd_statistics },
	{ "status", EVERY_ROLE, cmd_status },
	{ "version-get", EVERY_ROLE, cmd_version },
};

#define N_COMMANDS (sizeof(commands) / sizeof(*commands))

/* The commands this peer may use, as Kea answers list-commands. */
static void cmd_list(struct request *r)
{
	json_t *names = json_array();

	for (size_t i = 0; names && i < N_COMMANDS; i++)
		if (commands[i].roles & r->roles)
			json_array_append_new(names, json_string(commands[i].name));
	r->answer_args = names;
	set_result(r, CONTROL_SUCCESS, "%zu commands", json_array_size(names));
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The role to serve under: the most disclosing one the command allows. */
static unsigned pick_role(unsigned allowed)
{
	static const unsigned order[] = { ROLE_LEGAL, ROLE_ABUSE, ROLE_ADMIN, ROLE_SUPPORT };

	for (size_t i = 0; i < 4; i++)
		if (allowed & order[i])
			return order[i];
	return 0;
}

static void dispatch(struct request *r)
{
	static const char *const keys[] = { "command", "arguments", "service", NULL };
	const struct command *cmd;
	char have[48], need[48];
	json_t *args;

	r->roles = config_roles(r->d->cfg, r->peer->uid, r->peer->gid, r->peer->groups,
				r->peer->n_groups);
	if (!r->roles) {
		set_result(r, CONTROL_ERROR, "no role for uid %u", (unsigned)r->peer->uid);
		return;
	}
	if (known_keys(r, r->args, "request", keys) < 0)
		return;
	args = json_object_get(r->args, "arguments");
	r->args = args;
	if (args && !json_is_object(args)) {
		set_result(r, CONTROL_ERROR, "\"arguments\" must be an object");
		return;
	}
	cmd = find(r->command);
	if (!cmd) {
		set_result(r, CONTROL_UNSUPPORTED, "'%s' command not supported", r->command);
		return;
	}
	r->role = pick_role(cmd->roles & r->roles);
	if (!r->role) {
		set_result(r, CONTROL_ERROR, "%s needs the role %s; uid %u has %s", cmd->name,
			   config_roles_format(cmd->roles, need, sizeof(need)),
			   (unsigned)r->peer->uid, config_roles_format(r->roles, have, sizeof(have)));
		return;
	}
	cmd->run(r);
}

/* Write the audit row; on failure the answer is withheld. */
static int audit(struct request *r, json_t *args)
{
	struct attribd *d = r->d;
	char roles[48], *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
	struct attrib_audit_entry e = {
		.time = attrib_time_now(),
		.uid = r->peer->uid == (uid_t)-1 ? -1 : (int64_t)r->peer->uid,
		.gid = r->peer->gid == (gid_t)-1 ? -1 : (int64_t)r->peer->gid,
		.pid = r->peer->pid ? r->peer->pid : -1,
		.role = r->role ? config_role_name(r->role)
				: r->roles ? config_roles_format(r->roles, roles, sizeof(roles))
					   : NULL,
		.command = r->command,
		.arguments = text,
		.result = r->result,
		.status = r->status,
	};
	int64_t rc = 0;

	if (!d->in_audit) {
		rc = attrib_audit_begin(d->audit);
		d->in_audit = rc == 0;
	}
	if (rc == 0)
		rc = attrib_audit_append(d->audit, &e);
	free(text);
	if (rc < 0) {
		d->stats.audit_failures++;
		log_limited(&audit_limit, LOG_ERR, "audit", "cannot write the audit log: %s",
			    attrib_store_errmsg(d->st));
		return -EIO;
	}
	d->stats.audit_rows++;
	return 0;
}

static void answer(struct request *r)
{
	json_t *o = json_pack("{s:i, s:s}", "result", r->result, "text", r->text);

	if (o && r->answer_args)
		json_object_set(o, "arguments", r->answer_args);
	if (!o || server_send_json(r->conn, o) < 0)
		log_debug("cmd", "pid %d: answer not sent", (int)r->peer->pid);
	json_decref(o);
}

static void request_cb(void *arg, struct server_conn *c, char *line, size_t len)
{
	struct request r = { .d = arg, .conn = c, .peer = server_peer(c) };
	json_t *root, *args = NULL;
	json_error_t jerr;

	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		set_result(&r, CONTROL_ERROR, "malformed JSON at column %d: %s", jerr.column,
			   jerr.text);
	} else if (!json_is_object(root) || !json_is_string(json_object_get(root, "command"))) {
		set_result(&r, CONTROL_ERROR, "a request is an object with a \"command\" string");
	} else {
		r.command = json_string_value(json_object_get(root, "command"));
		args = json_object_get(root, "arguments");
		r.args = root;
		dispatch(&r);
	}
	if (r.result >= 0 && r.result <= 3)
		r.d->stats.results[r.result]++;
	log_debug("cmd", "pid %d uid %u%s%s: %s: %d %s", (int)r.peer->pid, (unsigned)r.peer->uid,
		  r.role ? " as " : "", r.role ? config_role_name(r.role) : "",
		  r.command ? r.command : "(unread)", r.result, r.status);
	if (audit(&r, args) < 0) {
		json_decref(r.answer_args);
		r.answer_args = NULL;
		r.result = CONTROL_ERROR;
		snprintf(r.text, sizeof(r.text), "the audit log could not be written: answer "
						 "withheld");
	}
	answer(&r);
	json_decref(r.answer_args);
	json_decref(root);
}

static void cut_cb(void *arg, struct server_conn *c, size_t len)
{
	struct request r = { .d = arg, .conn = c, .peer = server_peer(c) };

	r.roles = config_roles(r.d->cfg, r.peer->uid, r.peer->gid, r.peer->groups,
			       r.peer->n_groups);
	r.result = CONTROL_ERROR;
	snprintf(r.status, sizeof(r.status), "request longer than %zu bytes (%zu so far)",
		 r.d->cfg->limits.max_request_bytes, len);
	r.d->stats.results[CONTROL_ERROR]++;
	audit(&r, NULL);
}

static int flush_cb(void *arg)
{
	struct attribd *d = arg;
	int rc;

	if (!d->in_audit)
		return 0;
	d->in_audit = false;
	rc = attrib_audit_commit(d->audit);
	if (rc < 0) {
		d->stats.audit_failures++;
		log_limited(&audit_limit, LOG_ERR, "audit", "audit commit failed: %s",
			    attrib_store_errmsg(d->st));
	}
	return rc;
}

const struct server_ops control_ops = {
	.request = request_cb,
	.cut = cut_cb,
	.flush = flush_cb,
};
