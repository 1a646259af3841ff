/* SPDX-License-Identifier: GPL-3.0-or-later
 * Ingest: turning the journal files the hooks write into the store, exactly
 * once.  Each journal's read position is stored in the same transaction as
 * the events read up to it, so a crash at any moment neither loses nor
 * repeats an event.  Also keeps the hooks' heartbeats and loss records,
 * which lookups read as coverage.  Runs on one thread (attribd's loop). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attrib/store.h"

struct attrib_ingest;

/* Events attribd applies per transaction unless configured (batch-events). */
#define ATTRIB_INGEST_BATCH_DEFAULT 5000

struct attrib_ingest_config {
	const char *journal_dir;  /* where the hooks write; required */
	const char *archive_dir;  /* fully applied journals move here; NULL: removed */
	size_t batch_events;      /* events per transaction; 0: the default */
};

/** Start ingesting into @p st (which the caller keeps open and owns) from
 * the journals in cfg->journal_dir.  Stored positions are read from the
 * store.  @return 0 or a negative errno (-ENOENT: no such directory). */
int attrib_ingest_open(struct attrib_store *st, const struct attrib_policy *pol,
		       const struct attrib_ingest_config *cfg, struct attrib_ingest **out);

/** Look for new, grown or rotated journal files.  Cheap enough to call from
 * a timer and from a directory watch.  Each journal that may still be read
 * holds a descriptor.  When too few are left (EMFILE, ENFILE, or what the
 * rest of the process needs), each writer (server id, start, pid) gets one
 * for its oldest unfinished journal before any gets a second, those that
 * have waited longest first, taking it from a journal opened ahead of its
 * turn if need be; the others wait for a later call (attrib_ingest_waiting())
 * and the log hears of it once.  What waits is written to the store, so
 * that lookups report a gap for what it may hold.
 * @return 0 or a negative errno. */
int attrib_ingest_scan(struct attrib_ingest *in);

/** Apply at most one batch (cfg->batch_events) of journaled records, with
 * the positions, in one transaction.  Writers take turns, each an equal
 * share of the batch; one writer's journals are read in the order it wrote
 * them, a journal only once the one before it is done.
 * Fully applied journals that no writer holds any more are then archived or
 * removed.  A torn tail is left for later; a corrupt journal is set aside
 * (reported by status, logged once through @p log) and the others go on.
 * Journals set aside or done give their descriptors back at the commit.
 * @p applied: records taken in this call.  @return 1 when more is waiting,
 * 0 when all caught up, or a negative errno (the transaction rolled back). */
int attrib_ingest_step(struct attrib_ingest *in, size_t *applied);

/** The per-journal state for `status`: file, server id, position, size,
 * lag in bytes, records applied, whether set aside and why.  @return a new
 * JSON array, or NULL on ENOMEM. */
json_t *attrib_ingest_status(struct attrib_ingest *in);

/** The journals waiting for a descriptor, for `status`: file, and when it
 * began to wait; server id and writer-started when the name gives them.
 * @return a new JSON array (empty when none waits), or NULL on ENOMEM. */
json_t *attrib_ingest_waiting(struct attrib_ingest *in);

/** What each source's journals told of it, as committed: for `status`, one
 * object per server id: first-heard, last-heard, interval (s), closed (its
 * writer closed cleanly), silent (not closed and nothing heard for twice
 * its interval, by this host's clock), spans (heard spans; more than one
 * means silences or restarts), lost, refused and last-loss (from its loss
 * records).  @return a new JSON array, or NULL (ENOMEM, or the store failed). */
json_t *attrib_ingest_coverage(struct attrib_ingest *in);

/** Totals since open for `statistics-get`. */
struct attrib_ingest_stats {
	int64_t events, heartbeats, losses, repeats, journals_done, journals_corrupt;
};
void attrib_ingest_stats(struct attrib_ingest *in, struct attrib_ingest_stats *out);

/** A message for the last failure, or "" (the daemon logs it). */
const char *attrib_ingest_error(struct attrib_ingest *in);

/** Why the last attrib_ingest_scan() or attrib_ingest_step() failed, with
 * in @p since when they have failed without a step succeeding; NULL once
 * one succeeds. */
const char *attrib_ingest_failing(struct attrib_ingest *in, int64_t *since);

typedef void (*attrib_ingest_log_cb)(void *arg, int level, const char *msg);
/** Where ingest reports what an operator must hear of (syslog levels). */
void attrib_ingest_set_log(struct attrib_ingest *in, attrib_ingest_log_cb cb, void *arg);

void attrib_ingest_close(struct attrib_ingest *in);
