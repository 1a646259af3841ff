/* SPDX-License-Identifier: GPL-3.0-or-later
 * attribd: one libuv loop that ingests the hooks' journals into the store
 * and answers the control socket.  Ingest runs in steps from an idle handle
 * while journals have more to give, so a long backlog never keeps lookups
 * waiting longer than one batch; a directory watch and a timer notice new
 * data.  The audit transaction of a loop turn opens while requests are read
 * and commits in the server's check handle, between two ingest steps, so
 * the two never share a transaction. */
#include "attrib/daemon/attribd.h"

#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "attrib/daemon/control.h"
#include "attrib/daemon/log.h"
#include "attrib/require.h"
#include "attrib/times.h"

#define SCAN_MS          1000            /* look for new data this often, watch or not */
#define RETRY_MS         5000            /* after a failed ingest step */
#define RETENTION_MS     (24 * 3600 * 1000ULL)
#define DAY_US           (86400 * ATTRIB_USEC)

static const char usage[] =
	"usage: attribd -c FILE [-d]     run with the configuration FILE\n"
	"       attribd -t FILE          check FILE and exit (0: valid)\n"
	"       attribd -V | -h\n"
	"\n"
	"Ingests the journals the Kea hook and the FreeRADIUS module write into the\n"
	"store, exactly once, and answers lookups on a Unix socket in Kea's\n"
	"control-channel shape.\n"
	"\n"
	"  -c, --config FILE   the JSON configuration ({\"attribd\": {...}})\n"
	"  -t, --test FILE     check FILE, print \"FILE: valid\" or what is wrong, exit\n"
	"  -d, --debug         log at debug level (each request, each batch)\n"
	"  -V, --version       print the version and the store schema it writes\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0 stopped cleanly, 64 usage, 65 bad configuration, 66 no\n"
	"configuration file, 70 could not start (the log says why).  SIGHUP\n"
	"reloads the configuration, SIGTERM stops.  attribd(8) tells all.\n";

static void ingest_log_cb(void *arg, int level, const char *msg)
{
	(void)arg;
	log_msg(level, "ingest", "%s", msg);
}

static void step_cb(uv_idle_t *h)
{
	struct attribd *d = h->data;
	size_t applied = 0;
	int rc;

	ATTRIB_REQUIRE(!d->cmd.in_audit);
	d->stats.ingest_steps++;
	rc = attrib_ingest_step(d->in, &applied);
	if (applied)
		log_debug("ingest", "%zu records applied", applied);
	if (rc == 1)
		return;
	uv_idle_stop(h);
	if (rc < 0) {
		/* Logged by ingest; the timer tries again after a pause. */
		d->stats.ingest_failures++;
		uv_timer_again(&d->scan_timer);
		uv_timer_set_repeat(&d->scan_timer, RETRY_MS);
	} else if (uv_timer_get_repeat(&d->scan_timer) != SCAN_MS) {
		uv_timer_set_repeat(&d->scan_timer, SCAN_MS);
	}
}

static void kick(struct attribd *d)
{
	int rc;

	if (d->stopping)
		return;
	rc = attrib_ingest_scan(d->in);
	if (rc < 0)
		return; /* logged by ingest */
	uv_idle_start(&d->step_idle, step_cb);
}

static void scan_cb(uv_timer_t *t)
{
	kick(t->data);
}

static void watch_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
	(void)name;
	(void)events;
	if (status < 0) {
		log_warn("ingest", "watch on the journal directory failed: %s; polling every %d ms",
			 uv_strerror(status), SCAN_MS);
		uv_fs_event_stop(h);
		return;
	}
	kick(h->data);
}

/* Daily, and after each reload: the purge command (command_legal.c), served
 * as attribd itself with the admin role, so that its audit entry says what
 * was removed and when; it also moves the horizon lookups answer
 * outside-retention before.
 * TODO: the purge runs in one go on the loop: a first purge of years of
 * records holds requests up until it is done (attrib_purge_step() could
 * spread it over idle turns). */
static void retention_cb(uv_timer_t *t)
{
	static const char req[] = "{\"command\":\"purge\"}";
	struct attribd *d = t->data;
	struct attrib_peer self = { (int64_t)getuid(), (int64_t)getgid(), (int64_t)getpid() };
	json_t *answer;
	int rc;

	if (!d->cfg->retention_days)
		return;
	d->cmd.retention_days = d->cfg->retention_days;
	answer = attrib_command_serve(&d->cmd, &self, ATTRIB_ROLE_ADMIN, req, sizeof(req) - 1);
	rc = attrib_command_flush(&d->cmd);
	if (rc < 0 || !answer || json_integer_value(json_object_get(answer, "result")) != 0)
		log_err("store", "retention purge failed: %s",
			rc < 0 ? attrib_store_errmsg(d->st)
			: answer ? json_string_value(json_object_get(answer, "text"))
				 : "out of memory");
	else
		log_info("store", "retention: %s",
			 json_string_value(json_object_get(answer, "text")));
	json_decref(answer);
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

static void stop_cb(uv_timer_t *t)
{
	struct attribd *d = t->data;

	server_close(d->srv);
	uv_close((uv_handle_t *)&d->scan_timer, close_cb);
	uv_close((uv_handle_t *)&d->retention_timer, close_cb);
	uv_close((uv_handle_t *)&d->stop_timer, close_cb);
	uv_close((uv_handle_t *)&d->step_idle, close_cb);
	uv_close((uv_handle_t *)&d->watch, close_cb);
	uv_close((uv_handle_t *)&d->sig_term, close_cb);
	uv_close((uv_handle_t *)&d->sig_int, close_cb);
	uv_close((uv_handle_t *)&d->sig_hup, close_cb);
}

void attribd_shutdown(struct attribd *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = true;
	log_notice("main", "shutting down: %s", why);
	uv_idle_stop(&d->step_idle);
	uv_timer_start(&d->stop_timer, stop_cb, 0, 0);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int attribd_reload(struct attribd *d, char *err, size_t errlen)
{
	struct config *next;
	int rc = config_load(d->cfg->file, &next, err, errlen);

	if (rc < 0) {
		log_err("config", "%s not reloaded: %s", d->cfg->file, err);
		return rc;
	}
	if (!same(next->database, d->cfg->database) ||
	    !same(next->journal_dir, d->cfg->journal_dir) ||
	    !same(next->archive_dir, d->cfg->archive_dir) ||
	    !same(next->socket_name, d->cfg->socket_name) ||
	    next->socket_mode != d->cfg->socket_mode ||
	    next->socket_group != d->cfg->socket_group ||
	    next->limits.batch_events != d->cfg->limits.batch_events)
		log_warn("config", "database, directories, socket and batch-events keep their "
				   "running values; restart attribd to change them");
	/* What needs a restart stays as it runs. */
	{
		char *keep[] = { next->database, next->journal_dir, next->archive_dir,
				 next->socket_name };

		next->database = d->cfg->database;
		next->journal_dir = d->cfg->journal_dir;
		next->archive_dir = d->cfg->archive_dir;
		next->socket_name = d->cfg->socket_name;
		next->socket_mode = d->cfg->socket_mode;
		next->socket_group = d->cfg->socket_group;
		next->limits.batch_events = d->cfg->limits.batch_events;
		d->cfg->database = keep[0];
		d->cfg->journal_dir = keep[1];
		d->cfg->archive_dir = keep[2];
		d->cfg->socket_name = keep[3];
	}
	config_free(d->cfg);
	d->cfg = next;
	d->cmd.pol = &d->cfg->policy;
	d->cmd.max_lookups = d->cfg->limits.max_lookups;
	server_set_limits(d->srv, &d->cfg->limits);
	d->stats.reloads++;
	/* Not from here: a reload may come within a request being served. */
	uv_timer_start(&d->retention_timer, retention_cb, 0, RETENTION_MS);
	log_notice("config", "%s reloaded", d->cfg->file);
	return 0;
}

static void signal_cb(uv_signal_t *h, int signum)
{
	struct attribd *d = h->data;
	char err[300];

	if (signum == SIGHUP)
		attribd_reload(d, err, sizeof(err));
	else
		attribd_shutdown(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* Each connection holds a descriptor: take the hard limit on open files, so
 * that max-connections (up to 100,000) is not cut short by the soft limit
 * of 1024 most systems start a process with. */
static void raise_nofile(const struct config *cfg)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cfg->limits.max_connections + 64ULL)
		log_warn("main", "open files are limited to %llu, below max-connections %u and "
				 "what attribd needs besides; raise LimitNOFILE",
			 (unsigned long long)rl.rlim_cur, cfg->limits.max_connections);
}

static int start(struct attribd *d)
{
	struct attrib_ingest_config icfg = {
		.journal_dir = d->cfg->journal_dir,
		.archive_dir = d->cfg->archive_dir,
		.batch_events = d->cfg->limits.batch_events,
	};
	char err[512];
	int rc;

	rc = attrib_store_open(d->cfg->database, ATTRIB_STORE_CREATE, &d->st, err, sizeof(err));
	if (rc < 0) {
		log_crit("store", "%s: %s", d->cfg->database, err);
		return rc;
	}
	log_notice("store", "%s open, schema %d", d->cfg->database,
		   attrib_store_schema_version(d->st));
	rc = attrib_audit_open(d->st, &d->audit);
	if (rc < 0) {
		log_crit("audit", "cannot prepare the audit log: %s", attrib_store_errmsg(d->st));
		return rc;
	}
	rc = attrib_ingest_open(d->st, &d->cfg->policy, &icfg, &d->in);
	if (rc < 0) {
		log_crit("ingest", "%s%s%s: %s", d->cfg->journal_dir,
			 d->cfg->archive_dir ? " or " : "",
			 d->cfg->archive_dir ? d->cfg->archive_dir : "", strerror(-rc));
		return rc;
	}
	attrib_ingest_set_log(d->in, ingest_log_cb, d);
	control_init(d);
	rc = server_open(d->loop, d->cfg, &control_ops, d, &d->srv, err, sizeof(err));
	if (rc < 0) {
		log_crit("server", "%s", err);
		return rc;
	}
	log_notice("server", "listening on %s", d->cfg->socket_name);

	uv_idle_init(d->loop, &d->step_idle);
	uv_timer_init(d->loop, &d->scan_timer);
	uv_timer_init(d->loop, &d->retention_timer);
	uv_timer_init(d->loop, &d->stop_timer);
	uv_fs_event_init(d->loop, &d->watch);
	uv_signal_init(d->loop, &d->sig_term);
	uv_signal_init(d->loop, &d->sig_int);
	uv_signal_init(d->loop, &d->sig_hup);
	d->step_idle.data = d->scan_timer.data = d->retention_timer.data = d;
	d->stop_timer.data = d->watch.data = d;
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	uv_signal_start(&d->sig_term, signal_cb, SIGTERM);
	uv_signal_start(&d->sig_int, signal_cb, SIGINT);
	uv_signal_start(&d->sig_hup, signal_cb, SIGHUP);
	/* A client gone before its answer must cost only its connection:
	 * writing to it then fails with EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	rc = uv_fs_event_start(&d->watch, watch_cb, d->cfg->journal_dir, 0);
	if (rc < 0)
		log_warn("ingest", "cannot watch %s: %s; polling every %d ms", d->cfg->journal_dir,
			 uv_strerror(rc), SCAN_MS);
	uv_timer_start(&d->scan_timer, scan_cb, 0, SCAN_MS);
	uv_timer_start(&d->retention_timer, retention_cb, 0, RETENTION_MS);
	log_notice("ingest", "journals from %s", d->cfg->journal_dir);
	return 0;
}

static void finish(struct attribd *d)
{
	attrib_ingest_close(d->in);
	attrib_audit_close(d->audit);
	attrib_store_close(d->st);
	config_free(d->cfg);
}

int main(int argc, char **argv)
{
	struct attribd d = { 0 };
	const char *file = NULL;
	int opt, level = LOG_NOTICE, check = 0, rc;
	char err[512];
	uv_loop_t loop;

	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", required_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "c:t:dVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': file = optarg; break;
		case 't': file = optarg; check = 1; break;
		case 'd': level = LOG_DEBUG; break;
		case 'V':
			printf("attribd %s (store schema %d)\n", ATTRIB_VERSION,
			       attrib_store_schema_latest());
			return 0;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 64;
		}
	}
	if (!file || optind != argc) {
		fputs(usage, stderr);
		return 64;
	}
	/* systemd sets JOURNAL_STREAM when standard error is the journal. */
	log_init(level, getenv("JOURNAL_STREAM") != NULL);
	rc = config_load(file, &d.cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "attribd: %s\n", err);
		return rc == -EINVAL ? 65 : 66;
	}
	if (check) {
		printf("%s: valid\n", file);
		config_free(d.cfg);
		return 0;
	}
	uv_loop_init(&loop);
	d.loop = &loop;
	d.started = attrib_time_now();
	log_notice("main", "attribd %s starting, configuration %s", ATTRIB_VERSION, file);
	raise_nofile(d.cfg);
	rc = start(&d);
	if (rc < 0) {
		if (d.srv)
			server_close(d.srv);
		uv_run(&loop, UV_RUN_DEFAULT);
		finish(&d);
		uv_loop_close(&loop);
		return 70;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&loop);
	if (rc < 0)
		log_err("main", "handles left open at exit: %s", uv_strerror(rc));
	finish(&d);
	log_notice("main", "stopped");
	return rc < 0 ? 70 : 0;
}
