/* SPDX-License-Identifier: GPL-3.0-or-later
 * The abuse desk's ledger (schema 005): each resolved abuse report recorded
 * against the accounts it named, the warnings sent to customers, and what a
 * desk asks of them: how often an account was reported lately, and whether
 * it was reported again after its last warning.  Runs on the store's
 * thread, like the store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/command.h"
#include "attrib/store.h"

#define ATTRIB_CASES_WINDOW_DAYS 90 /* "reported lately" */

/** One report's events that named one account. */
struct attrib_case_report {
	const char *account;
	const char *digest;    /* SHA-256 of the report as read, hex */
	const char *kind;      /* the report format: "arf", "shadowserver"... */
	const char *type;      /* what it reports ("login-attack"); may be "" */
	const char *reporter;  /* may be "" */
	const char *report_id; /* may be "" */
	int64_t events;        /* > 0 */
	int64_t first, last;   /* when the first and the last happened */
};

/** What the desk sees of an account. */
struct attrib_case_summary {
	int64_t reports_window; /* reports with an event in the last 90 days */
	int64_t reports_total;
	int64_t warned;         /* the last warning's time; 0 when never warned */
	int64_t warnings;
	int64_t after_warning;  /* reports with an event after the last warning */
};

/** Record @p rep; a report already recorded for the account (same digest)
 * is left as it was.  Call inside attrib_store_begin()/commit().
 * @return 1 recorded, 0 already there; -EINVAL (empty account or digest,
 * no events, last before first) with the reason in attrib_store_errmsg();
 * another negative errno. */
int attrib_case_record(struct attrib_store *st, const struct attrib_case_report *rep,
		       int64_t uid, int64_t now);

/** Record that the customer of @p account was warned at @p time.
 * @return 0, -EINVAL (empty account, a note over 500 bytes), or a negative
 * errno. */
int attrib_case_warn(struct attrib_store *st, const char *account, int64_t time,
		     const char *note, int64_t uid, int64_t now);

/** What the ledger says of @p account at @p now.
 * @return 0 (zeros for an account never reported) or a negative errno. */
int attrib_case_summary(struct attrib_store *st, const char *account, int64_t now,
			struct attrib_case_summary *out);

/** Call @p fn for each report recorded against @p account, newest event
 * first, then for each warning (@p rep NULL, @p time and @p note set).
 * @return 0, a negative errno, or what @p fn returned when not 0. */
typedef int (*attrib_case_cb)(void *arg, const struct attrib_case_report *rep, int64_t time,
			      const char *note);
int attrib_case_list(struct attrib_store *st, const char *account, attrib_case_cb fn,
		     void *arg);

/* The commands (attrib/command.h): cases-record {"report": {"digest",
 * "kind", "type", "reporter", "report-id"}, "accounts": [{"account",
 * "events", "first", "last"}]} answered with each account's summary;
 * cases {"account"}; cases-warn {"account", "time", "note"}. */
void attrib_cmd_cases_record(struct attrib_request *r);
void attrib_cmd_cases(struct attrib_request *r);
void attrib_cmd_cases_warn(struct attrib_request *r);
