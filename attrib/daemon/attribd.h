/* SPDX-License-Identifier: GPL-3.0-or-later
 * The daemon as a whole: what its parts share (configuration, store, audit,
 * ingest, socket) and the two things any of them may ask of it, reloading
 * the configuration and shutting down.  One loop, one thread. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "attrib/audit.h"
#include "attrib/command.h"
#include "attrib/daemon/config.h"
#include "attrib/daemon/server.h"
#include "attrib/ingest.h"
#include "attrib/store.h"

/* Counts since start, for statistics-get (the commands' own are in cmd). */
struct attribd_stats {
	uint64_t ingest_steps;
	uint64_t ingest_failures;
	uint64_t reloads;
};

struct attribd {
	uv_loop_t *loop;
	struct config *cfg;
	struct attrib_store *st;
	struct attrib_audit *audit;
	struct attrib_cmd_ctx cmd; /* its audit transaction opens and closes within a loop turn */
	struct attrib_ingest *in;
	struct server *srv;
	uv_timer_t scan_timer, retention_timer, stop_timer;
	uv_idle_t step_idle;
	uv_fs_event_t watch;
	uv_signal_t sig_term, sig_int, sig_hup;
	int64_t started;  /* usec since the epoch */
	bool stopping;
	struct attribd_stats stats;
};

/** Read the configuration file again and apply what can change while
 * running (roles, limits, stale-after, clock-skew, retention); what needs a
 * restart (database, directories, socket) is kept and named in a warning.
 * @return 0, or a negative errno with the reason in @p err (the running
 * configuration is then unchanged). */
int attribd_reload(struct attribd *d, char *err, size_t errlen);

/** Stop: on the next loop turn, after this turn's answers are written. */
void attribd_shutdown(struct attribd *d, const char *why);
