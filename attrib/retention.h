/* SPDX-License-Identifier: GPL-3.0-or-later
 * Retention: removing what the store may no longer keep (bindings, the
 * evidence and events behind them, sessions) once older than the retention
 * period, except what a legal hold covers, and moving the horizon before
 * which lookups answer outside-retention.  Runs on the store's thread. */
#pragma once

#include <stdint.h>

#include "attrib/store.h"

/** What a purge removed and kept. */
struct attrib_purge_counts {
	int64_t cutoff;    /* records that ended before this went */
	int64_t bindings;  /* removed */
	int64_t evidence;  /* binding-event links removed */
	int64_t events;    /* removed */
	int64_t sessions;  /* removed */
	int64_t held;      /* bindings ended before the cutoff kept by a hold */
	int64_t horizon;   /* the retention horizon afterwards */
};

/** The cutoff for @p days of retention at @p now: @p now - @p days days,
 * or 0 (keep everything) when @p days is 0. */
int64_t attrib_retention_cutoff(int64_t now, unsigned days);

/** Purge by @p cutoff, judging holds in force at @p now:
 * - the retention horizon becomes @p cutoff (it never moves back), first,
 *   so that no lookup sees a range half purged;
 * - a binding that ended (or whose lease expired) at or before @p cutoff
 *   goes, with its evidence links, unless a hold in force covers it (the
 *   hold's subject and range, as attrib_hold_add() describes);
 * - an event before @p cutoff goes once no binding's evidence names it,
 *   unless a hold covers it (its time in the range, an address or identity
 *   of the hold's subject);
 * - a session that ended at or before @p cutoff goes once no binding
 *   names it.
 * Open bindings and sessions are kept whatever their age.  The work is
 * done in transactions of @p batch rows (0: a default), so that a
 * caller between them (attribd's loop) is never held up for long; each
 * transaction leaves the store consistent.  The subscriber map, holds and
 * the audit are never purged.
 * @return 0 with the counts in @p out, or a negative errno (what was
 * committed before stays purged). */
int attrib_retention_purge(struct attrib_store *st, int64_t cutoff, int64_t now, int64_t batch,
			   struct attrib_purge_counts *out);

/** The same purge a step at a time, for a caller with a loop to keep
 * turning (attribd): init, then step until it returns 0. */
struct attrib_purge {
	int64_t now, batch;
	int phase;
	int64_t cursor, last; /* the id window being worked through, and its end */
	struct attrib_purge_counts counts;
};

void attrib_purge_init(struct attrib_purge *p, int64_t cutoff, int64_t now, int64_t batch);

/** One transaction of work.  @return 1 when more remains, 0 when done (the
 * counts final), or a negative errno. */
int attrib_purge_step(struct attrib_store *st, struct attrib_purge *p);
