/* SPDX-License-Identifier: GPL-3.0-or-later
 * Exports for court orders: every binding of an address, a prefix or an
 * account over a range, with the accounts it mapped to and the evidence
 * events behind it, as JSON a front end turns into files (tools/export.h).
 * Runs on the store's thread. */
#pragma once

#include <stdint.h>

#include <jansson.h>

#include "attrib/hold.h"
#include "attrib/store.h"

struct attrib_export_query {
	struct attrib_subject subject;
	int64_t from, to; /* bindings overlapping [from, to) */
};

/** Every binding of the subject overlapping [from, to), in order of start:
 * for an address, the bindings of it or of a prefix holding it; for a
 * prefix, those inside it or holding it; for an account, those whose
 * identity (or static assignment) mapped to it at some time in the overlap.
 * Records before the retention horizon are included where a hold kept
 * them.  @p out receives a new object:
 *   {"records": [{"binding", "prefix", "start", "end", "end-reason",
 *     "account" (the one account, or null), "accounts": [{"account",
 *     "from", "to"}], "identities": {...}, "source", "server",
 *     "session-id", "confidence", "confirmed-until", "start-inferred",
 *     "last-seen", "evidence": [event ids]}...],
 *    "events": [{"id", "type", "source", "time", ... every column of the
 *     event as applied ..., "bindings": [binding ids]}...]}
 * with every time RFC 3339 UTC and absent values null.
 * @return 0, -EINVAL (to <= from, or no subject), or a negative errno. */
int attrib_export(struct attrib_store *st, const struct attrib_policy *pol,
		  const struct attrib_export_query *q, json_t **out);

/** The record and event members attrib_export() writes, in the order of
 * the columns of records.csv and evidence.csv; NULL-terminated. */
extern const char *const attrib_export_record_columns[];
extern const char *const attrib_export_event_columns[];
