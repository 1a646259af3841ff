/* SPDX-License-Identifier: GPL-3.0-or-later
 * The audit log in the store: one row per request, who asked and how it
 * ended, each row chained to the one before by SHA-256 so that an edit or
 * a deletion shows.  Runs on the store's thread. */
#pragma once

#include <stdint.h>

#include "attrib/store.h"

#define ATTRIB_SHA256_LEN 32 /* bytes of a chain value */

struct attrib_audit;

/** One row.  Strings may be NULL (stored as NULL). */
struct attrib_audit_entry {
	int64_t time;          /* usec since the epoch */
	int64_t uid, gid, pid; /* the peer's; -1 when unknown (stored as NULL) */
	const char *role;
	const char *command;
	const char *arguments; /* JSON text */
	int result;
	const char *status;
};

/** Prepare to write audit rows to @p st, which the caller keeps open (and
 * closes only after attrib_audit_close()).  @return 0 or a negative errno. */
int attrib_audit_open(struct attrib_store *st, struct attrib_audit **out);

/** Start a transaction on the store (attrib_store_begin) and read the last
 * chain value under its write lock, so that other writers of the same file
 * extend the same chain.  @return 0 or a negative errno. */
int attrib_audit_begin(struct attrib_audit *a);

/** Add one row inside the transaction begun above.
 * @return the row's id (> 0), or a negative errno. */
int64_t attrib_audit_append(struct attrib_audit *a, const struct attrib_audit_entry *e);

/** Commit (attrib_store_commit) or roll back the rows appended since begin.
 * @return 0 or a negative errno (after which the rows are rolled back). */
int attrib_audit_commit(struct attrib_audit *a);
void attrib_audit_rollback(struct attrib_audit *a);

/** Recompute the chain over every row in order.
 * @return 0 when it holds, -EBADMSG when it does not (@p bad_id: the first
 * row whose chain differs), or another negative errno. */
int attrib_audit_verify(struct attrib_store *st, int64_t *bad_id);

void attrib_audit_close(struct attrib_audit *a);
