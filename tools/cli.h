/* SPDX-License-Identifier: GPL-3.0-or-later
 * What the attrib command's subcommands share: the parsed common options,
 * exit codes, and opening the store with a clear error. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "attrib/store.h"

/* Exit codes, documented in attrib(1).  A lookup exits with its status. */
enum cli_exit {
	CLI_EXIT_MATCH = 0,             /* also: success for other subcommands */
	CLI_EXIT_NONE = 1,
	CLI_EXIT_AMBIGUOUS = 2,
	CLI_EXIT_UNMAPPED = 3,
	CLI_EXIT_OUTSIDE_RETENTION = 4,
	CLI_EXIT_USAGE = 64,            /* bad command line (sysexits EX_USAGE) */
	CLI_EXIT_DATA = 65,             /* bad input: nothing was changed (EX_DATAERR) */
	CLI_EXIT_NOINPUT = 66,          /* an input file or the store is missing */
	CLI_EXIT_SOFTWARE = 70,         /* internal error */
	CLI_EXIT_IO = 74,               /* the store or a file could not be read or written */
	CLI_EXIT_NOPERM = 77,           /* the caller lacks the role (EX_NOPERM) */
};

#define CLI_SOCKET_DEFAULT "/run/attrib/attribd.sock"
#define CLI_MAX_LOOKUPS    100000 /* lookups in one in-process batch (--db) */

/* Options every subcommand takes. */
struct cli {
	const char *prog;        /* "attrib" */
	const char *db;          /* --db PATH, or $ATTRIB_DB: work on the store file */
	const char *socket;      /* --socket PATH: attribd's (beats --db and $ATTRIB_DB) */
	struct attrib_store *store; /* opened by cli_call() with --db; closed by main() */
	const char *tz;          /* --tz ZONE: the zone of times given without one */
	bool json;               /* --json */
	struct attrib_policy policy; /* --stale-after, --clock-skew (seconds) */
	/* attrib report and cases (cli_report.c) */
	const char *tolerance;   /* --tolerance SECONDS */
	const char *drafts;      /* --drafts DIR */
	const char *templates;   /* --templates DIR */
	const char *at;          /* --time TIME (cases warn) */
	const char *note;        /* --note TEXT (cases warn) */
};

/* Open the store named by --db; on failure print "attrib: PATH: reason" to
 * stderr and return the exit code to use (CLI_EXIT_NOINPUT, CLI_EXIT_IO...),
 * else 0. */
int cli_open_store(struct cli *c, int flags, struct attrib_store **st);

/* Run one control-channel command (attrib/command.h) and hand back the
 * whole answer {"result", "text", "arguments"}: over attribd's socket
 * (--socket, $ATTRIB_SOCKET, else CLI_SOCKET_DEFAULT), or with --db in this
 * process on the store file, audited there.  @p args may be NULL; it is not
 * consumed.  On a failure to get an answer at all, prints why and returns
 * the exit code; else 0 and a new reference in @p response. */
int cli_call(struct cli *c, const char *command, json_t *args, json_t **response);

/* Check an answer's result: 0 for success or empty, with its "arguments"
 * (borrowed) in @p args; else prints the answer's text and returns the exit
 * code its error kind gives (CLI_EXIT_DATA, CLI_EXIT_NOPERM, CLI_EXIT_IO). */
int cli_result(const json_t *response, json_t **args);

/* The socket cli_call() would use. */
const char *cli_socket_path(const struct cli *c);

/* The longest line attrib reads from an input file (events, CSV, detail). */
#define CLI_LINE_MAX (64 * 1024)

/* getline() that stops at CLI_LINE_MAX bytes: a file without line ends
 * (/dev/zero, a binary) is refused, not read into memory whole.  @return
 * the line's length with its '\n' if it has one, or -1: errno 0 at the
 * end of the file, E2BIG for a line too long, else the read's error. */
ssize_t cli_read_line(char **buf, size_t *cap, FILE *f);

/* Parse a time argument with --tz; on failure print the reason naming
 * @p what (an option or argument name) and return CLI_EXIT_USAGE, else 0. */
int cli_parse_time(struct cli *c, const char *what, const char *s, int64_t *out);

/* `attrib import KIND FILE...`.  main() has already taken the common
 * options out of the command line: argv holds only the positional words,
 * argv[0] being "import".  Returns an exit code; prints its errors as
 * "attrib: FILE:LINE: what is wrong". */
int cli_import(struct cli *c, int argc, char **argv);

/* What an import did with one file. */
struct cli_import_counts {
	long rows;    /* records or rows read as events */
	long applied; /* events that changed the store */
	long repeats; /* events the store already had */
	long skipped; /* records with nothing to replay (radius-detail) */
};

/* Replay one FreeRADIUS detail file (cli_detail.c) into @p st, within the
 * transaction the caller holds; @p name names it in errors ("FILE:LINE:
 * ..."). The events name no server (a detail file does not say which
 * wrote it), so that the same records under another file name are repeats.
 * @return 0 or an exit code, the error printed. */
int cli_import_detail(struct cli *c, struct attrib_store *st, FILE *f, const char *name,
		      struct cli_import_counts *n);

/* The text `attrib import --help` prints. */
extern const char cli_import_usage[];

/* `attrib report FILE...` and `attrib cases ...` (cli_report.c), built when
 * the report feature is: argv as for cli_import. */
int cli_report(struct cli *c, int argc, char **argv);
int cli_cases(struct cli *c, int argc, char **argv);
extern const char cli_report_usage[];
extern const char cli_cases_usage[];
