/* SPDX-License-Identifier: GPL-3.0-or-later
 * The attrib command: lookups and history for support staff and the abuse
 * desk, and apply for feeding events to a store.  Imports live in
 * cli_import.c.  Every subcommand answers --help. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/lookup.h"
#include "attrib/store.h"
#include "attrib/times.h"
#include "tools/cli.h"
#include "tools/cli_legal.h"


static const char usage_main[] =
	"usage: attrib [--socket PATH | --db PATH] COMMAND [ARGS]\n"
	"\n"
	"Who held an IP address at a moment, from Kea leases and RADIUS accounting.\n"
	"\n"
	"commands:\n"
	"  lookup ADDRESS TIME        who held ADDRESS at TIME (exit status = the answer)\n"
	"  history ADDRESS --from TIME --to TIME\n"
	"                             every binding of ADDRESS over a range\n"
	"  apply FILE|-               apply events, one JSON object per line\n"
	"  import KIND FILE...        import reference data, lease or session history\n"
	"  report FILE...|-           abuse reports in: whose account each event was\n"
	"  cases ACCOUNT              the abuse reports recorded against an account\n"
	"  cases warn ACCOUNT         record that the account was warned\n"
	"  export --case REF (--address A | --prefix P | --account ID) --from TIME --to TIME\n"
	"         --out DIR           every record of A, P or ID over a range, for a court\n"
	"  audit verify|show          check the audit chain; list its entries\n"
	"  hold add|list|release      keep records past retention for a case\n"
	"  purge [DAYS]               remove what retention no longer allows (admin)\n"
	"\n"
	"common options:\n"
	"  --socket PATH              attribd's control socket (default: $ATTRIB_SOCKET,\n"
	"                             else " CLI_SOCKET_DEFAULT ")\n"
	"  --db PATH                  work on the store file instead (default: $ATTRIB_DB)\n"
	"  --tz ZONE                  IANA zone for times given without one\n"
	"  --json                     answer in JSON\n"
	"  --stale-after SECONDS      open sessions unconfirmed this long are unconfirmed "
	"(7200)\n"
	"  --clock-skew SECONDS       trust Event-Timestamp only this close (300)\n"
	"  --help, --version\n"
	"\n"
	"TIME is RFC 3339 with Z or an offset (2026-11-30T14:02:11Z), or @EPOCH.\n"
	"`attrib COMMAND --help` tells more; attrib(1) tells all.\n";

static const char usage_lookup[] =
	"usage: attrib [--socket PATH | --db PATH] lookup ADDRESS TIME [--tolerance SECONDS]\n"
	"              [--json] [--tz ZONE]\n"
	"\n"
	"Who held ADDRESS at TIME: every binding of the address, or of a prefix containing\n"
	"it, that held within TIME +/- the tolerance, and the account each maps to.\n"
	"\n"
	"exit status: 0 match, 1 none, 2 ambiguous, 3 unmapped, 4 outside-retention,\n"
	"64 usage, 65 bad input, 66 no store or no attribd, 70 internal, 74 I/O error,\n"
	"77 the role attribd gives the caller may not look up.\n";

static const char usage_history[] =
	"usage: attrib [--socket PATH | --db PATH] history ADDRESS --from TIME --to TIME\n"
	"              [--json] [--tz ZONE]\n"
	"\n"
	"Every binding of ADDRESS, or of a prefix containing it, overlapping [from, to),\n"
	"in order of start, with the account each mapped to when it began.\n";

static const char usage_apply[] =
	"usage: attrib [--db PATH] apply FILE|-\n"
	"\n"
	"Apply events, one JSON object per line (see attrib(1), EVENTS), by the\n"
	"attribution rules.  All of a file or none of it: a bad line is named by\n"
	"FILE:LINE and nothing is applied.  The store is created if missing.\n";

enum opt_id {
	OPT_DB = 1000,
	OPT_SOCKET,
	OPT_TZ,
	OPT_JSON,
	OPT_TOLERANCE,
	OPT_FROM,
	OPT_TO,
	OPT_STALE,
	OPT_SKEW,
	OPT_HELP,
	OPT_VERSION,
	OPT_DRAFTS,
	OPT_TEMPLATES,
	OPT_TIME,
	OPT_NOTE,
};

static const struct option options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "tolerance", required_argument, NULL, OPT_TOLERANCE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "stale-after", required_argument, NULL, OPT_STALE },
	{ "clock-skew", required_argument, NULL, OPT_SKEW },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "drafts", required_argument, NULL, OPT_DRAFTS },
	{ "templates", required_argument, NULL, OPT_TEMPLATES },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "note", required_argument, NULL, OPT_NOTE },
	CLI_LEGAL_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* What the subcommands read beyond struct cli. */
struct args {
	const char *tolerance, *from, *to;
	bool help;
};

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "attrib: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n(see `attrib --help`)\n");
	return CLI_EXIT_USAGE;
}

/* Whole seconds, 0 to ten years, into microseconds. */
static int parse_seconds(const char *opt, const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 315360000) {
		fprintf(stderr, "attrib: --%s: expected whole seconds from 0 to 315360000, "
				"got \"%s\"\n", opt, s);
		return CLI_EXIT_USAGE;
	}
	*out = v * 1000000LL;
	return 0;
}

int cli_parse_time(struct cli *c, const char *what, const char *s, int64_t *out)
{
	char err[256];
	int rc = attrib_time_parse(s, c->tz, out, err, sizeof(err));

	if (rc < 0) {
		/* Only the command line can name a zone apart from the time. */
		fprintf(stderr, "attrib: %s: %s%s\n", what, err,
			rc == -ENODATA ? ", or name the zone with --tz" : "");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

int cli_open_store(struct cli *c, int flags, struct attrib_store **st)
{
	char err[300];
	int rc;

	if (!c->db || !*c->db) {
		fprintf(stderr, "attrib: no store given: use --db PATH or set ATTRIB_DB\n");
		return CLI_EXIT_USAGE;
	}
	rc = attrib_store_open(c->db, flags, st, err, sizeof(err));
	if (rc == 0)
		return 0;
	fprintf(stderr, "attrib: %s: %s\n", c->db, err);
	switch (rc) {
	case -ENOENT:
		return CLI_EXIT_NOINPUT;
	case -EPROTO:
	case -EBADMSG:
		return CLI_EXIT_DATA;
	default:
		return CLI_EXIT_IO;
	}
}

static int parse_address(const char *s, struct attrib_prefix *a)
{
	char err[160];

	if (attrib_addr_parse(s, a, err, sizeof(err)) < 0) {
		fprintf(stderr, "attrib: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : dflt;
}

static void print_candidate(const json_t *c)
{
	const json_t *id = json_object_get(c, "identity");
	const char *reason = str_or(c, "end-reason", NULL);
	bool inferred = json_is_true(json_object_get(c, "start-inferred"));

	printf("  %-20s %s .. %s%s%s%s\n", str_or(c, "prefix", "?"), str_or(c, "start", "?"),
	       str_or(c, "end", "(open)"), reason ? " (" : "", reason ? reason : "",
	       reason ? ")" : "");
	/* Support staff's answers carry no identity and no server. */
	if (id)
		printf("  %-20s %s %s, %s %s, %s%s\n", "", str_or(c, "source", "?"),
		       str_or(c, "server", "-"), str_or(id, "kind", "?"), str_or(id, "value", "?"),
		       str_or(c, "confidence", "?"), inferred ? ", start inferred" : "");
	else
		printf("  %-20s %s, %s\n", "", str_or(c, "source", "?"),
		       str_or(c, "confidence", "?"));
	printf("  %-20s account: %s\n", "", str_or(c, "account", "(unmapped)"));
}

/* Print an answer of lookup or history (the JSON attrib_answer_to_json()
 * makes) and return the exit code its status gives. */
static int print_answer(struct cli *c, const json_t *a, bool history)
{
	const char *status = str_or(a, "status", "?");
	const json_t *cands = json_object_get(a, "candidates"), *cand;
	json_int_t tol = json_integer_value(json_object_get(a, "tolerance"));
	const char *coverage = str_or(a, "coverage", NULL);
	size_t i, n = json_array_size(cands);
	int code = (int)attrib_status_from(status);

	if (c->json) {
		char *text = json_dumps(a, JSON_COMPACT);

		if (!text) {
			fprintf(stderr, "attrib: out of memory\n");
			return CLI_EXIT_SOFTWARE;
		}
		puts(text);
		free(text);
	} else {
		printf("%s %s %s", str_or(a, "address", "?"), history ? "from" : "at",
		       str_or(a, "time", "?"));
		if (history)
			printf(" to %s: %zu binding%s", str_or(a, "to", "?"), n, n == 1 ? "" : "s");
		else
			printf(": %s", status);
		if (json_object_get(a, "account"))
			printf(", account %s", str_or(a, "account", "?"));
		if (tol)
			printf(" (tolerance %llds)", (long long)tol);
		printf("\n");
		if (coverage && strcmp(coverage, "complete") != 0)
			printf("  coverage: %s%s%s\n", coverage,
			       json_object_get(a, "coverage-note") ? ": " : "",
			       str_or(a, "coverage-note", ""));
		json_array_foreach(cands, i, cand)
			print_candidate(cand);
	}
	if (fflush(stdout) != 0) {
		perror("attrib: stdout");
		return CLI_EXIT_IO;
	}
	return code < 0 ? CLI_EXIT_SOFTWARE : code; /* the exit codes are the statuses, 0 to 4 */
}

/* Send @p command with @p args and print its answer; @return the exit
 * code (the status for a lookup, 0 for a history). */
static int ask(struct cli *c, const char *command, json_t *args, bool history)
{
	json_t *resp = NULL, *answer;
	int rc = args ? cli_call(c, command, args, &resp) : CLI_EXIT_SOFTWARE;

	if (rc == 0 && (rc = cli_result(resp, &answer)) == 0) {
		rc = print_answer(c, answer, history);
		if (history && rc >= 0 && rc <= CLI_EXIT_OUTSIDE_RETENTION)
			rc = 0; /* history succeeds whatever it found */
	}
	json_decref(resp);
	json_decref(args);
	return rc;
}

static int cmd_lookup(struct cli *c, const struct args *x, int argc, char **argv)
{
	char tbuf[ATTRIB_TIME_STRLEN];
	struct attrib_prefix addr;
	int64_t t, tol = 0;
	int rc;

	if (argc != 3)
		return usage_error("%s", "lookup takes ADDRESS TIME");
	if ((rc = parse_address(argv[1], &addr)) || (rc = cli_parse_time(c, "TIME", argv[2], &t)))
		return rc;
	if (x->tolerance && (rc = parse_seconds("tolerance", x->tolerance, &tol)))
		return rc;
	return ask(c, "lookup",
		   json_pack("{s:s, s:s, s:I}", "address", argv[1], "time",
			     attrib_time_format(t, tbuf), "tolerance", (json_int_t)(tol / 1000000)),
		   false);
}

static int cmd_history(struct cli *c, const struct args *x, int argc, char **argv)
{
	char fbuf[ATTRIB_TIME_STRLEN], tbuf[ATTRIB_TIME_STRLEN];
	struct attrib_prefix addr;
	int64_t from, to;
	int rc;

	if (argc != 2 || !x->from || !x->to)
		return usage_error("%s", "history takes ADDRESS --from TIME --to TIME");
	if ((rc = parse_address(argv[1], &addr)) ||
	    (rc = cli_parse_time(c, "--from", x->from, &from)) ||
	    (rc = cli_parse_time(c, "--to", x->to, &to)))
		return rc;
	if (to <= from)
		return usage_error("%s", "--to must be after --from");
	return ask(c, "history",
		   json_pack("{s:s, s:s, s:s}", "address", argv[1], "from",
			     attrib_time_format(from, fbuf), "to", attrib_time_format(to, tbuf)),
		   true);
}

/* Apply every line of @p f in the transaction the caller holds.
 * @return 0 or an exit code, the reason printed. */
static int apply_lines(struct cli *c, struct attrib_store *st, FILE *f, const char *name,
		       long *applied, long *repeats)
{
	char *line = NULL, err[300];
	size_t cap = 0;
	ssize_t len;
	long no = 0;
	int rc = 0;

	while ((len = cli_read_line(&line, &cap, f)) >= 0 || errno == E2BIG) {
		struct attrib_event ev;
		int r;

		no++;
		if (len < 0) {
			fprintf(stderr, "attrib: %s:%ld: line longer than %d bytes\n", name, no,
				CLI_LINE_MAX);
			rc = CLI_EXIT_DATA;
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strspn(line, " \t") == (size_t)len)
			continue;
		if (attrib_event_parse(line, (size_t)len, &ev, err, sizeof(err)) < 0) {
			fprintf(stderr, "attrib: %s:%ld: %s\n", name, no, err);
			rc = CLI_EXIT_DATA;
			break;
		}
		r = attrib_store_apply(st, &c->policy, &ev);
		if (r < 0) {
			fprintf(stderr, "attrib: %s:%ld: %s: %s\n", name, no,
				r == -EINVAL ? "event refused" : "store failed",
				attrib_store_errmsg(st));
			rc = r == -EINVAL ? CLI_EXIT_DATA : CLI_EXIT_IO;
			break;
		}
		*(r ? applied : repeats) += 1;
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "attrib: %s: read failed: %s\n", name, strerror(errno));
		rc = CLI_EXIT_IO;
	}
	free(line);
	return rc;
}

static int cmd_apply(struct cli *c, int argc, char **argv)
{
	struct attrib_store *st = NULL;
	const char *name;
	long applied = 0, repeats = 0;
	FILE *f;
	int rc;

	if (argc != 2)
		return usage_error("%s", "apply takes one FILE, or - for standard input");
	name = argv[1];
	f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
	if (!f) {
		fprintf(stderr, "attrib: %s: %s\n", name, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	rc = cli_open_store(c, ATTRIB_STORE_CREATE, &st);
	if (rc)
		goto out;
	if (attrib_store_begin(st) < 0) {
		fprintf(stderr, "attrib: %s: %s\n", c->db, attrib_store_errmsg(st));
		rc = CLI_EXIT_IO;
		goto out;
	}
	rc = apply_lines(c, st, f, name, &applied, &repeats);
	if (rc) {
		attrib_store_rollback(st);
		fprintf(stderr, "attrib: %s: nothing applied\n", name);
	} else if (attrib_store_commit(st) < 0) {
		fprintf(stderr, "attrib: %s: commit failed: %s\n", c->db, attrib_store_errmsg(st));
		rc = CLI_EXIT_IO;
	} else {
		fprintf(stderr, "applied %ld events from %s (%ld repeats changed nothing)\n",
			applied, name, repeats);
	}
out:
	attrib_store_close(st);
	if (f != stdin)
		fclose(f);
	return rc;
}

static const char *help_for(const char *cmd)
{
	if (!cmd)
		return usage_main;
	if (strcmp(cmd, "lookup") == 0)
		return usage_lookup;
	if (strcmp(cmd, "history") == 0)
		return usage_history;
	if (strcmp(cmd, "apply") == 0)
		return usage_apply;
	if (strcmp(cmd, "import") == 0)
		return cli_import_usage;
#ifdef ATTRIB_REPORT
	if (strcmp(cmd, "report") == 0)
		return cli_report_usage;
	if (strcmp(cmd, "cases") == 0)
		return cli_cases_usage;
#endif
	return cli_legal_usage(cmd);
}

int main(int argc, char **argv)
{
	struct cli c = { .prog = "attrib", .db = getenv("ATTRIB_DB"),
			 .policy = attrib_policy_default() };
	struct args x = { 0 };
	const char *cmd;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DB: c.db = optarg; break;
		case OPT_SOCKET: c.socket = optarg; break;
		case OPT_TZ: c.tz = optarg; break;
		case OPT_JSON: c.json = true; break;
		case OPT_TOLERANCE: x.tolerance = c.tolerance = optarg; break;
		case OPT_DRAFTS: c.drafts = optarg; break;
		case OPT_TEMPLATES: c.templates = optarg; break;
		case OPT_TIME: c.at = optarg; break;
		case OPT_NOTE: c.note = optarg; break;
		case OPT_FROM: x.from = optarg; break;
		case OPT_TO: x.to = optarg; break;
		case OPT_HELP: x.help = true; break;
		case OPT_VERSION:
			printf("attrib %s (schema %d)\n", ATTRIB_VERSION,
			       attrib_store_schema_latest());
			return 0;
		case OPT_STALE:
			if ((rc = parse_seconds("stale-after", optarg, &c.policy.stale_after)))
				return rc;
			break;
		case OPT_SKEW:
			if ((rc = parse_seconds("clock-skew", optarg, &c.policy.clock_skew)))
				return rc;
			break;
		default:
			if (cli_legal_option(opt, optarg) == 0)
				break;
			return usage_error("unknown or incomplete option \"%s\"", argv[optind - 1]);
		}
	}
	/* A zone is checked when given, not only when a time needs it. */
	if (c.tz) {
		char err[160];

		if (attrib_time_zone_check(c.tz, err, sizeof(err)) < 0)
			return usage_error("--tz: %s", err);
	}
	argc -= optind;
	argv += optind;
	cmd = argc ? argv[0] : NULL;
	if (x.help || !cmd) {
		const char *text = help_for(cmd);

		if (!text)
			return usage_error("unknown command \"%s\"", cmd);
		fputs(text, x.help ? stdout : stderr);
		return x.help ? 0 : CLI_EXIT_USAGE;
	}
	if (strcmp(cmd, "lookup") == 0)
		rc = cmd_lookup(&c, &x, argc, argv);
	else if (strcmp(cmd, "history") == 0)
		rc = cmd_history(&c, &x, argc, argv);
	else if (strcmp(cmd, "apply") == 0)
		rc = cmd_apply(&c, argc, argv);
	else if (strcmp(cmd, "import") == 0)
		rc = cli_import(&c, argc, argv);
#ifdef ATTRIB_REPORT
	else if (strcmp(cmd, "report") == 0)
		rc = cli_report(&c, argc, argv);
	else if (strcmp(cmd, "cases") == 0)
		rc = cli_cases(&c, argc, argv);
#endif
	else if (cli_legal_command(cmd))
		rc = cli_legal(&c, x.from, x.to, argc, argv);
	else
		rc = usage_error("unknown command \"%s\"", cmd);
	attrib_store_close(c.store);
	return rc;
}
