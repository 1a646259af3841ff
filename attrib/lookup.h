/* SPDX-License-Identifier: GPL-3.0-or-later
 * Questions to the store: who held an address at a time (lookup) and every
 * binding over a range (history), as answers and as their JSON form. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/store.h"

enum attrib_status {
	ATTRIB_STATUS_MATCH = 0,
	ATTRIB_STATUS_NONE,
	ATTRIB_STATUS_AMBIGUOUS,
	ATTRIB_STATUS_UNMAPPED,
	ATTRIB_STATUS_OUTSIDE_RETENTION,
};

/* Whether the evidence around the asked time is whole (DESIGN.md). */
enum attrib_coverage {
	ATTRIB_COVERAGE_UNKNOWN = 0, /* no source heard from: imported history only */
	ATTRIB_COVERAGE_COMPLETE,    /* every source heard around T, nothing lost */
	ATTRIB_COVERAGE_GAP,         /* a source lost events or fell silent around T */
};

enum attrib_confidence { ATTRIB_CONFIRMED = 0, ATTRIB_UNCONFIRMED };

#define ATTRIB_ACCOUNT_MAX 128
#define ATTRIB_REASON_MAX  24

/** One binding that held the address around the asked time. */
struct attrib_candidate {
	int64_t binding_id;
	struct attrib_prefix prefix;
	int64_t start;
	int64_t end;            /* INT64_MAX while open */
	int64_t last_seen;
	int64_t confirmed_until; /* INT64_MAX when not limited */
	bool start_inferred;
	char end_reason[ATTRIB_REASON_MAX]; /* "" while open */
	enum attrib_source source;
	enum attrib_confidence confidence;
	char account[ATTRIB_ACCOUNT_MAX]; /* "" when unmapped */
	char identity_kind[24];            /* the client identity: "hwaddr", ... */
	char identity[ATTRIB_STR_MAX * 2];  /* its value; DUID+IAID as "duid/iaid" */
	char server[ATTRIB_STR_MAX];
	char session_id[ATTRIB_STR_MAX];
	struct attrib_identities id;
};

struct attrib_answer {
	enum attrib_status status;
	char account[ATTRIB_ACCOUNT_MAX]; /* only on a match */
	struct attrib_prefix addr;
	int64_t time;      /* the asked time; history: the range's start */
	int64_t time_to;   /* history: the range's end */
	int64_t tolerance;
	enum attrib_coverage coverage;
	char coverage_note[256];       /* which source, what happened, when */
	size_t n;
	struct attrib_candidate *cand; /* n of them, in start order */
};

/** Who held @p addr at @p t, give or take @p tolerance (usec, >= 0): every
 * binding of every stored prefix containing @p addr whose interval overlaps
 * [t - tolerance, t + tolerance], with the account its identity maps to at
 * @p t, and the status the rules give (DESIGN.md, "A lookup").
 * @return 0, or a negative errno; @p out is filled either way and must be
 * released with attrib_answer_free(). */
int attrib_lookup(struct attrib_store *st, const struct attrib_policy *pol,
		  const struct attrib_prefix *addr, int64_t t, int64_t tolerance,
		  struct attrib_answer *out);

/** Every binding of @p addr or of a prefix containing it overlapping
 * [from, to), in start order; accounts as mapped at each binding's start.
 * The status is MATCH, NONE or AMBIGUOUS by the same reading of accounts. */
int attrib_history(struct attrib_store *st, const struct attrib_policy *pol,
		   const struct attrib_prefix *addr, int64_t from, int64_t to,
		   struct attrib_answer *out);

void attrib_answer_free(struct attrib_answer *a);

const char *attrib_status_name(enum attrib_status s);

/** The status named @p name ("match"...), or -EINVAL. */
int attrib_status_from(const char *name);

/** The answer as the JSON object `attrib lookup --json` prints and the
 * control socket returns.  @return a new reference, or NULL on ENOMEM. */
json_t *attrib_answer_to_json(const struct attrib_answer *a);
