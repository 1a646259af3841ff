/* SPDX-License-Identifier: GPL-3.0-or-later
 * Case references and legal holds: the records of an address, a prefix or
 * an account over a range, which retention purges keep while a court case
 * needs them.  Runs on the store's thread, like the store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attrib/addr.h"
#include "attrib/store.h"

#define ATTRIB_CASE_MAX 65 /* a case reference: 1 to 64 bytes, and the NUL */

/** Check a case reference: 1 to 64 printable ASCII characters (letters,
 * digits, space and punctuation), not starting or ending with a space.
 * @return 0, or -EINVAL with the reason in @p err. */
int attrib_case_check(const char *ref, char *err, size_t errlen);

/** What a hold or an export is about: an address, a prefix, or an account. */
enum attrib_subject_kind {
	ATTRIB_SUBJECT_ADDRESS = 0, /* bindings of the address or of a prefix holding it */
	ATTRIB_SUBJECT_PREFIX,      /* bindings inside the prefix or holding it */
	ATTRIB_SUBJECT_ACCOUNT,     /* bindings whose identity mapped to the account */
};

struct attrib_subject {
	enum attrib_subject_kind kind;
	struct attrib_prefix prefix; /* ADDRESS (a full-length prefix), PREFIX */
	char account[128];           /* ACCOUNT */
};

/** "address", "prefix" or "account". */
const char *attrib_subject_kind_name(enum attrib_subject_kind k);

struct attrib_hold {
	int64_t id;
	char case_ref[ATTRIB_CASE_MAX];
	struct attrib_subject subject;
	int64_t from, to;   /* the records held: bindings overlapping [from, to) */
	int64_t until;      /* the hold lapses then by itself; INT64_MAX: when released */
	int64_t created;
	int64_t created_uid; /* -1: unknown */
	int64_t released;   /* 0 while not released */
	int64_t released_uid;
};

/** True while @p h protects its records at @p now: not released and
 * @c until not reached. */
bool attrib_hold_in_force(const struct attrib_hold *h, int64_t now);

/** Record a hold; h->id is set.  The case reference and range are checked
 * (to > from; until, when set, after created).
 * @return 0, -EINVAL with the reason in attrib_store_errmsg(), or another
 * negative errno. */
int attrib_hold_add(struct attrib_store *st, struct attrib_hold *h);

/** The holds of @p case_ref (NULL: of every case), oldest first, released
 * ones only when @p released; a new array of @p n in @p out, for free().
 * @return 0 or a negative errno. */
int attrib_hold_list(struct attrib_store *st, const char *case_ref, bool released,
		     struct attrib_hold **out, size_t *n);

/** Release every hold of @p case_ref not yet released, at @p when by
 * @p uid.  @return how many (> 0), -ENOENT when the case has none in
 * force, or another negative errno. */
int attrib_hold_release(struct attrib_store *st, const char *case_ref, int64_t when,
			int64_t uid);

/** A hold as JSON: {"id", "case", "address"|"prefix"|"account", "from",
 * "to", "until", "created", "created-uid", "released", "released-uid",
 * "in-force"}, in force judged at @p now.  NULL on ENOMEM. */
json_t *attrib_hold_to_json(const struct attrib_hold *h, int64_t now);
