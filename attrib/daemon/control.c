/* SPDX-License-Identifier: GPL-3.0-or-later
 * attribd's side of the control channel: the peer's roles from the
 * configuration, the commands only the daemon has (status, statistics-get,
 * config-reload, shutdown), and the socket's callbacks.  The common commands
 * and the audit are in attrib/command.c; answers wait in server.c until the
 * audit rows they depend on are committed (flush).
 *
 *   status, statistics-get                every role
 *   config-reload, shutdown               admin */
#include "attrib/daemon/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attrib/daemon/log.h"
#include "attrib/times.h"

static struct log_limit audit_limit = LOG_LIMIT_INIT(10000, 3);

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

static void cmd_status(struct attrib_request *r)
{
	struct attribd *d = attrib_request_arg(r);
	struct server_stats ss;
	json_t *journals = d->in ? attrib_ingest_status(d->in) : json_array();
	json_t *waiting = d->in ? attrib_ingest_waiting(d->in) : json_array();
	json_t *coverage = d->in ? attrib_ingest_coverage(d->in) : json_array();
	int64_t since = 0;
	const char *failing = d->in ? attrib_ingest_failing(d->in, &since) : NULL;
	/* Not caught up while journals wait unread for a descriptor, though
	 * every open one is read to its end, nor while steps fail (a full
	 * disk): then only a pause stands between two tries. */
	bool caught_up = !uv_is_active((uv_handle_t *)&d->step_idle) && !failing &&
			 (!waiting || json_array_size(waiting) == 0);

	server_stats(d->srv, &ss);
	r->answer_args = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:b, s:o, s:i}", "version",
				   ATTRIB_VERSION,
				   "uptime", (json_int_t)((attrib_time_now() - d->started) /
							  ATTRIB_USEC),
				   "store", store_json(d), "journals",
				   journals ? journals : json_null(), "journals-waiting",
				   waiting ? waiting : json_null(), "coverage",
				   coverage ? coverage : json_null(), "ingest-caught-up", caught_up,
				   "started", time_json(d->started), "connections", (int)ss.open);
	if (r->answer_args && failing)
		json_object_set_new(r->answer_args, "ingest-failing",
				    json_pack("{s:s, s:o}", "error", failing, "since",
					      time_json(since)));
	if (!r->answer_args) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "out of memory");
		return;
	}
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "attribd %s", ATTRIB_VERSION);
}

static void cmd_statistics(struct attrib_request *r)
{
	struct attribd *d = attrib_request_arg(r);
	struct attrib_ingest_stats is = { 0 };
	struct server_stats ss;

	server_stats(d->srv, &ss);
	if (d->in)
		attrib_ingest_stats(d->in, &is);
	r->answer_args = json_pack(
		"{s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:{s:I, s:I, s:I, s:I}, s:I, "
		"s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"uptime", (json_int_t)((attrib_time_now() - d->started) / ATTRIB_USEC),
		"connections", "open", (json_int_t)ss.open, "accepted", (json_int_t)ss.accepted,
		"refused", (json_int_t)ss.refused, "too-long", (json_int_t)ss.too_long,
		"not-reading", (json_int_t)ss.not_read, "idle", (json_int_t)ss.idle, "withheld",
		(json_int_t)ss.withheld,
		"requests", (json_int_t)ss.requests,
		"results", "success", (json_int_t)d->cmd.results[0], "error",
		(json_int_t)d->cmd.results[1], "unsupported", (json_int_t)d->cmd.results[2],
		"empty", (json_int_t)d->cmd.results[3],
		"lookups", (json_int_t)d->cmd.lookups, "histories", (json_int_t)d->cmd.histories,
		"audit-failures", (json_int_t)d->cmd.audit_failures,
		"reloads", (json_int_t)d->stats.reloads,
		"ingest", "events", (json_int_t)is.events, "heartbeats", (json_int_t)is.heartbeats,
		"losses", (json_int_t)is.losses, "repeats", (json_int_t)is.repeats,
		"journals-done", (json_int_t)is.journals_done, "journals-corrupt",
		(json_int_t)is.journals_corrupt, "steps", (json_int_t)d->stats.ingest_steps,
		"failures", (json_int_t)d->stats.ingest_failures);
	if (!r->answer_args) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "out of memory");
		return;
	}
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "statistics since start");
}

static void cmd_reload(struct attrib_request *r)
{
	char err[ATTRIB_TEXT_MAX - 40];

	if (attribd_reload(attrib_request_arg(r), err, sizeof(err)) < 0) {
		attrib_request_result(r, ATTRIB_RESULT_ERROR, "configuration not reloaded: %s",
				      err);
		return;
	}
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "configuration reloaded");
}

static void cmd_shutdown(struct attrib_request *r)
{
	char why[80];

	snprintf(why, sizeof(why), "shutdown command from pid %d uid %u", (int)r->peer.pid,
		 (unsigned)r->peer.uid);
	attribd_shutdown(attrib_request_arg(r), why);
	attrib_request_result(r, ATTRIB_RESULT_SUCCESS, "shutting down");
}

static const struct attrib_command daemon_commands[] = {
	{ "config-reload", ATTRIB_ROLE_ADMIN, cmd_reload, true },
	{ "shutdown", ATTRIB_ROLE_ADMIN, cmd_shutdown, true },
	{ "statistics-get", ATTRIB_ROLE_ALL, cmd_statistics, true },
	{ "status", ATTRIB_ROLE_ALL, cmd_status, true },
};

void control_init(struct attribd *d)
{
	d->cmd = (struct attrib_cmd_ctx){
		.st = d->st,
		.pol = &d->cfg->policy,
		.audit = d->audit,
		.max_lookups = d->cfg->limits.max_lookups,
		.retention_days = d->cfg->retention_days,
		.extra = daemon_commands,
		.n_extra = sizeof(daemon_commands) / sizeof(*daemon_commands),
		.arg = d,
	};
}

static unsigned peer_roles(struct attribd *d, const struct server_peer *p,
			   struct attrib_peer *who)
{
	*who = (struct attrib_peer){ p->uid, p->gid, p->pid ? p->pid : -1 };
	return config_roles(d->cfg, p->uid, p->gid, p->groups, p->n_groups);
}

static void request_cb(void *arg, struct server_conn *c, char *line, size_t len)
{
	struct attribd *d = arg;
	struct attrib_peer who;
	unsigned roles = peer_roles(d, server_peer(c), &who);
	uint64_t failures = d->cmd.audit_failures;
	json_t *answer;

	/* The configuration may have been reloaded since the last request. */
	d->cmd.pol = &d->cfg->policy;
	d->cmd.max_lookups = d->cfg->limits.max_lookups;
	d->cmd.retention_days = d->cfg->retention_days;
	answer = attrib_command_serve(&d->cmd, &who, roles, line, len);
	if (d->cmd.audit_failures != failures)
		log_limited(&audit_limit, LOG_ERR, "audit", "cannot write the audit log: %s",
			    attrib_store_errmsg(d->st));
	if (log_enabled(LOG_DEBUG)) {
		json_t *res = json_object_get(answer, "result");

		log_debug("cmd", "pid %lld uid %lld: %.*s: %lld", (long long)who.pid,
			  (long long)who.uid, (int)(len > 200 ? 200 : len), line,
			  (long long)json_integer_value(res));
	}
	if (!answer || server_send_json(c, answer) < 0)
		log_debug("cmd", "pid %lld: answer not sent", (long long)who.pid);
	json_decref(answer);
}

static void cut_cb(void *arg, struct server_conn *c, size_t len)
{
	struct attribd *d = arg;
	struct attrib_peer who;
	unsigned roles = peer_roles(d, server_peer(c), &who);
	char why[120];

	snprintf(why, sizeof(why), "request longer than %zu bytes (%zu so far)",
		 d->cfg->limits.max_request_bytes, len);
	attrib_command_refused(&d->cmd, &who, roles, why);
}

static int flush_cb(void *arg)
{
	struct attribd *d = arg;
	int rc = attrib_command_flush(&d->cmd);

	if (rc < 0)
		log_limited(&audit_limit, LOG_ERR, "audit", "audit commit failed: %s",
			    attrib_store_errmsg(d->st));
	return rc;
}

const struct server_ops control_ops = {
	.request = request_cb,
	.cut = cut_cb,
	.flush = flush_cb,
};
