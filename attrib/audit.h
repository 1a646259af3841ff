/* SPDX-License-Identifier: GPL-3.0-or-later
 * The audit log in the store: one row per request, who asked and how it
 * ended, each row chained to the one before by SHA-256 so that an edit or
 * a deletion shows.  Runs on the store's thread. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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

/** Recompute the chain over every row in order and compare the end with
 * the anchor (attrib_audit_check).
 * @return 0 when it holds, -EBADMSG when it does not (@p bad_id: the first
 * entry altered, missing or out of order), or another negative errno. */
int attrib_audit_verify(struct attrib_store *st, int64_t *bad_id);

/** A point of the chain: an entry's id and its chain value.  Kept outside
 * the store (a file, a ticket, paper), it lets a later check see a chain
 * rewritten whole, which nothing inside the store can show. */
struct attrib_audit_anchor {
	int64_t id;
	uint8_t chain[ATTRIB_SHA256_LEN];
};

/** What a check found; the first problem only (what follows a break is not
 * to be trusted anyway). */
enum attrib_audit_finding {
	ATTRIB_AUDIT_INTACT = 0,
	ATTRIB_AUDIT_ALTERED,   /* entry bad_id's fields or chain value were changed */
	ATTRIB_AUDIT_REORDERED, /* what belongs at bad_id is at other_id */
	ATTRIB_AUDIT_DELETED,   /* entries bad_id..other_id are missing, later ones kept */
	ATTRIB_AUDIT_TRUNCATED, /* entries bad_id..other_id are missing from the end */
	ATTRIB_AUDIT_ANCHOR,    /* the store's anchor is missing or disagrees at bad_id */
	ATTRIB_AUDIT_EXTERNAL,  /* entry bad_id differs from the anchor kept outside */
};

struct attrib_audit_report {
	enum attrib_audit_finding finding;
	int64_t bad_id, other_id;
	int64_t entries;                 /* entries read */
	struct attrib_audit_anchor head; /* the last entry read (id 0: none) */
	char text[200];                  /* the finding as one sentence */
};

/** Check the audit: every entry's chain value recomputes from the one
 * before (32 zero bytes before entry 1), ids run 1, 2, 3... without a gap,
 * the last entry is the one the store's anchor (table audit_anchor, kept by
 * a trigger in the appending transaction) records, and, when @p kept is
 * not NULL, entry kept->id still has the chain value kept->chain.
 *
 * What each part shows: the chain, an entry changed or moved (unless every
 * later chain value was recomputed too); the ids, an entry deleted between
 * others; the anchor, entries deleted from the end; @p kept, a chain (and
 * anchor) rewritten consistently by someone with write access to the file.
 * @return 0 when intact, -EBADMSG with the finding in @p out, or another
 * negative errno. */
int attrib_audit_check(struct attrib_store *st, const struct attrib_audit_anchor *kept,
		       struct attrib_audit_report *out);

/** The name of a finding: "intact", "altered", "reordered", "deleted",
 * "truncated", "anchor", "external". */
const char *attrib_audit_finding_name(enum attrib_audit_finding f);

/** Which entries attrib_audit_list() returns: those of a case (the
 * request's "case" argument), in [from, to) (0 and INT64_MAX: any time). */
struct attrib_audit_filter {
	const char *case_ref; /* NULL: any */
	int64_t from, to;
	int64_t limit;        /* at most this many, the latest; 0: no limit */
};

/** The entries matching @p f, oldest first, as a new JSON array of objects
 * {"id", "time", "uid", "gid", "pid", "role", "command", "arguments",
 * "result", "status", "chain"} (arguments parsed back into JSON; chain in
 * hex).  @return 0 or a negative errno. */
int attrib_audit_list(struct attrib_store *st, const struct attrib_audit_filter *f,
		      json_t **out);

/** Lower-case hex of @p len bytes into @p out (2 * len + 1 bytes). */
char *attrib_hex(const uint8_t *bytes, size_t len, char *out);

/** Parse 2 * @p len hex digits (either case) into @p out.  @return 0 or
 * -EINVAL. */
int attrib_unhex(const char *text, uint8_t *out, size_t len);

void attrib_audit_close(struct attrib_audit *a);
