/* SPDX-License-Identifier: GPL-3.0-or-later
 * What attrib report's parts share: one report's resolved events per
 * account, as the drafts (cli_drafts.c) and the ledger read them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/addr.h"
#include "tools/report/report.h"

#define REPORT_FACTS_MAX 20 /* events of one account a notice spells out */

/* An event as kept while it waits for its answer, and as a fact. */
struct report_fact {
	struct attrib_prefix addr;
	int port;
	int64_t time;
	enum report_zone zone;
	const char *field; /* static: the format's field name */
	char text[64];     /* the time as written */
	unsigned long line;
};

/* One account's part in one report. */
struct report_account {
	char *account;
	uint64_t events;
	int64_t first, last;
	size_t n_facts;
	struct report_fact *facts; /* REPORT_FACTS_MAX of them, kept only for drafts */
};

/* One report, read and resolved. */
struct report_done {
	const char *file;       /* as given on the command line */
	const char *path;       /* where its bytes are (a spool for "-") */
	const struct report_info *info;
	char digest[65];        /* SHA-256 of its bytes, hex */
	uint64_t events;
	struct report_account **accounts; /* the matched ones, by name */
	size_t n_accounts;
};

/** Write the drafts for @p r into @p dir: a notice per matched account and
 * one acknowledgement to the reporter, from the templates in @p templates
 * (NULL: the built-in ones).  Prints its errors naming the file.
 * @return 0 or a negative errno. */
int report_drafts(const struct report_done *r, const char *dir, const char *templates);

/** Check the templates in @p templates (NULL: built-in) before any report
 * is read.  @return 0, or -EINVAL with the reason printed. */
int report_drafts_check(const char *templates);
