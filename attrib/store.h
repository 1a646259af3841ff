/* SPDX-License-Identifier: GPL-3.0-or-later
 * The SQLite store: opening and migrating it, applying events through the
 * attribution rules, and loading the subscriber map and static assignments.
 * One handle is used by one thread at a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/addr.h"
#include "attrib/event.h"

struct attrib_store;

/** The configured parts of the rules (DESIGN.md), in microseconds. */
struct attrib_policy {
	int64_t stale_after; /* an open session unconfirmed this long is unconfirmed */
	int64_t clock_skew;  /* an Event-Timestamp further than this off is not trusted */
};

#define ATTRIB_STALE_AFTER_DEFAULT (2 * 3600 * 1000000LL)
#define ATTRIB_CLOCK_SKEW_DEFAULT  (300 * 1000000LL)

/** A policy with the defaults above. */
struct attrib_policy attrib_policy_default(void);

#define ATTRIB_STORE_READONLY 0x1 /* open an existing store for queries only */
#define ATTRIB_STORE_CREATE   0x2 /* create the file if missing */

/** Open the store at @p path (WAL mode) and apply the migrations it lacks, in
 * order, in one transaction.  A store written by a newer schema than this
 * binary knows is refused.
 * @return 0, -ENOENT (missing and not CREATE), -EPROTO (newer schema), or
 * another negative errno; the reason is in @p err. */
int attrib_store_open(const char *path, int flags, struct attrib_store **out, char *err,
		      size_t errlen);

void attrib_store_close(struct attrib_store *st);

/** The schema version of the open store, and the newest this binary knows. */
int attrib_store_schema_version(struct attrib_store *st);
int attrib_store_schema_latest(void);

/** SQLite's message for the last failure on this handle. */
const char *attrib_store_errmsg(struct attrib_store *st);

/** Hold one snapshot of the store for a run of lookups and histories: they
 * see the same data and share one read lock instead of taking one each.
 * Nests; within a write transaction it changes nothing.  Hold it briefly
 * (a batch of requests): a snapshot kept open stops checkpoints from
 * reusing the WAL.  @return 0 or a negative errno (nothing to end then). */
int attrib_store_read_begin(struct attrib_store *st);

/** End what attrib_store_read_begin() began; passes @p rc through. */
int attrib_store_read_end(struct attrib_store *st, int rc);

/** Transactions: apply and import calls made between begin and commit are
 * all kept or, after rollback, all undone.  Outside one, each call is its
 * own transaction.  @return 0 or a negative errno. */
int attrib_store_begin(struct attrib_store *st);
int attrib_store_commit(struct attrib_store *st);
int attrib_store_rollback(struct attrib_store *st);

/** Apply one event by the attribution rules and keep it as evidence.
 * An event identical to one already applied changes nothing.
 * @return 1 applied, 0 a repeat (nothing changed), or a negative errno:
 * -EINVAL for an event that lacks what its type needs. */
int attrib_store_apply(struct attrib_store *st, const struct attrib_policy *pol,
		       const struct attrib_event *ev);

/** Add one row of the subscriber map: (kind, value) belonged to @p account
 * over [valid_from, valid_to); @p valid_to INT64_MAX for still valid.
 * @p kind is a subscriber-map kind; @p value is normalised here.
 * @return 0, -EINVAL (bad kind or value, or valid_to <= valid_from). */
int attrib_store_add_subscriber(struct attrib_store *st, const char *kind, const char *value,
				const char *account, int64_t valid_from, int64_t valid_to);

/** Add a static assignment: @p prefix belongs to @p account over
 * [valid_from, valid_to), INT64_MAX for open.  @return 0 or -EINVAL. */
int attrib_store_add_static(struct attrib_store *st, const struct attrib_prefix *prefix,
			    const char *account, int64_t valid_from, int64_t valid_to);

/** The retention horizon: the oldest time the store still answers for
 * (0 = everything kept).  Lookups before it answer outside-retention. */
int64_t attrib_store_horizon(struct attrib_store *st);
int attrib_store_set_horizon(struct attrib_store *st, int64_t horizon);

/** Counts for status output and tests. */
struct attrib_store_counts {
	int64_t bindings, events, sessions, subscribers;
};
int attrib_store_counts(struct attrib_store *st, struct attrib_store_counts *out);
