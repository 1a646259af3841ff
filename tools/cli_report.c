/* SPDX-License-Identifier: GPL-3.0-or-later
 * `attrib report FILE...`: abuse reports in, the right customer out.  Each
 * report is read twice: first to check all of it (a report refused for one
 * bad line or a zoneless time leaves no answer, no draft and no ledger row
 * behind), then to resolve its events in batches, so that a report of any
 * size is held one batch at a time.  The answers go out as a summary or as
 * JSON lines; matched accounts get drafts and ledger rows.  One bad report
 * never stops the others. */
#include "tools/cli_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "attrib/cases.h"
#include "attrib/lookup.h"
#include "attrib/store.h"
#include "attrib/times.h"
#include "tools/cli.h"

/* Lookups per request: 500 of the longest (an IPv6 address, a time with a
 * fraction) stay under attribd's default max-request-bytes, 64 KiB. */
#define BATCH_DEFAULT   500
#define SHOW_PER_REPORT 20   /* events the summary lists per report */
#define TOLERANCE_DFLT  60   /* seconds */

const char cli_report_usage[] =
	"usage: attrib [--db PATH] report FILE...|- [--tolerance SECONDS] [--tz ZONE] [--json]\n"
	"              [--drafts DIR [--templates DIR]]\n"
	"\n"
	"Read abuse reports and say whose account each reported address was at its time.\n"
	"A FILE is a mail message (ARF feedback report with Source-Port, legacy X-ARF, XARF v4\n"
	"JSON, ACNS/DMCA XML attached or in the body, Shadowserver CSV or a zip of it), a\n"
	"Shadowserver CSV, IntelMQ JSON events, ACNS XML, XARF JSON, or plain lines\n"
	"\"ADDRESS TIME [PORT]\"; - reads standard input.\n"
	"\n"
	"  --tolerance SECONDS   look this far either side of each time (60)\n"
	"  --tz ZONE             the zone of times written without one; without it such a\n"
	"                        report is refused, unless its format defines the zone\n"
	"                        (Shadowserver: UTC)\n"
	"  --json                one JSON object per line: events, reports, accounts, errors\n"
	"  --drafts DIR          write a notice per matched account (the report attached) and\n"
	"                        an acknowledgement to the reporter that names no customer\n"
	"  --templates DIR       notice.txt and ack.txt to use instead of the built-in ones\n"
	"\n"
	"A legacy X-ARF Port is the attacked service's, never a source port.  Every matched\n"
	"report is recorded against its account (see attrib cases).\n"
	"\n"
	"exit status: 0 every report read, 65 a report refused (the others were read),\n"
	"64 usage, 66 a file or the store missing, 74 I/O error.\n";

/* One run of the command. */
struct run {
	struct cli *c;
	int64_t tolerance;        /* seconds */
	size_t batch;
	int exit;                 /* why the run stopped: an exit code */

	/* the report being read */
	const char *file;
	unsigned report_no;
	struct report_info info;
	bool info_seen;
	uint64_t expected;        /* events the checking pass counted */
	uint64_t events;
	uint64_t shown;
	uint64_t counts[ATTRIB_STATUS_OUTSIDE_RETENTION + 1];
	struct report_fact *pend;
	size_t n_pend;
	GHashTable *accounts;     /* account -> struct report_account, this report */
	int rc;                   /* the first failure resolving, a negative errno */

	/* the whole run */
	GHashTable *seen;         /* account -> reports of this run naming it */
	bool refused;
};

static int print_json(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!text)
		return -ENOMEM;
	puts(text);
	free(text);
	return 0;
}

static json_t *time_json(int64_t t)
{
	char buf[ATTRIB_TIME_STRLEN];

	return json_string(attrib_time_format(t, buf));
}

/* Validation pass: only counts. */
static int count_cb(void *arg, const struct report_event *ev)
{
	(void)ev;
	(*(uint64_t *)arg)++;
	return 0;
}

static void account_free(gpointer p)
{
	struct report_account *a = p;

	g_free(a->account);
	g_free(a->facts);
	g_free(a);
}

/* A match for @p account: count it and keep it as a fact. */
static void note_match(struct run *r, const char *account, const struct report_fact *f)
{
	struct report_account *a = g_hash_table_lookup(r->accounts, account);

	if (!a) {
		a = g_new0(struct report_account, 1);
		a->account = g_strdup(account);
		a->first = f->time;
		a->last = f->time;
		g_hash_table_insert(r->accounts, a->account, a);
	}
	a->events++;
	if (f->time < a->first)
		a->first = f->time;
	if (f->time > a->last)
		a->last = f->time;
	/* Only a notice spells the events out: a report naming a million
	 * accounts keeps their facts only when drafts are asked for. */
	if (r->c->drafts && !a->facts)
		a->facts = g_new(struct report_fact, REPORT_FACTS_MAX);
	if (a->facts && a->n_facts < REPORT_FACTS_MAX)
		a->facts[a->n_facts++] = *f;
}

static void print_fact(const struct report_fact *f)
{
	char abuf[ATTRIB_ADDR_STRLEN], tbuf[ATTRIB_TIME_STRLEN];

	if (f->line)
		printf("  line %lu: ", f->line);
	else
		printf("  ");
	printf("%s", attrib_prefix_format(&f->addr, abuf));
	if (f->port >= 0)
		printf(" port %d", f->port);
	printf(" at %s (%s \"%s\", %s)", attrib_time_format(f->time, tbuf), f->field, f->text,
	       f->zone == REPORT_ZONE_EXPLICIT ? "zone given"
	       : f->zone == REPORT_ZONE_FORMAT ? "UTC by the format"
					       : "zone from --tz");
}

/* The accounts an ambiguous answer names, for the summary. */
static void print_candidates(json_t *answer)
{
	json_t *cands = json_object_get(answer, "candidates"), *c;
	const char *sep = " between ";
	size_t i;

	json_array_foreach(cands, i, c) {
		const char *acct = json_string_value(json_object_get(c, "account"));

		printf("%s%s", sep, acct ? acct : "(unmapped identity)");
		sep = ", ";
	}
}

static int answer_one(struct run *r, const struct report_fact *f, json_t *answer)
{
	const char *status = json_string_value(json_object_get(answer, "status"));
	const char *account = json_string_value(json_object_get(answer, "account"));
	int s;

	for (s = 0; s <= ATTRIB_STATUS_OUTSIDE_RETENTION; s++)
		if (status && strcmp(status, attrib_status_name(s)) == 0)
			break;
	if (s > ATTRIB_STATUS_OUTSIDE_RETENTION) {
		fprintf(stderr, "attrib: %s: an answer without a known status\n", r->file);
		return -EPROTO;
	}
	r->counts[s]++;
	if (s == ATTRIB_STATUS_MATCH && account)
		note_match(r, account, f);
	if (r->c->json) {
		char abuf[ATTRIB_ADDR_STRLEN];
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:s, s:s, s:s}", "type",
				      "event", "file", r->file, "report", r->report_no, "kind",
				      report_kind_name(r->info.kind), "address",
				      attrib_prefix_format(&f->addr, abuf), "time",
				      time_json(f->time), "time-input", f->text, "time-field",
				      f->field, "zone", report_zone_name(f->zone));

		if (o) {
			json_object_set_new(o, "port", f->port >= 0 ? json_integer(f->port)
								    : json_null());
			if (f->line)
				json_object_set_new(o, "line", json_integer((json_int_t)f->line));
			json_object_set(o, "answer", answer);
		}
		return print_json(o);
	}
	if (r->shown++ >= SHOW_PER_REPORT)
		return 0;
	print_fact(f);
	printf(": %s", status);
	if (s == ATTRIB_STATUS_MATCH && account)
		printf(", account %s", account);
	if (s == ATTRIB_STATUS_AMBIGUOUS)
		print_candidates(answer);
	printf("\n");
	return 0;
}

/* Run @p command with @p args (consumed; NULL: out of memory) and hand
 * back the answer (@p resp, to be released) and its arguments (@p out).
 * A failure sets r->exit and returns -EIO or -ENOMEM. */
static int call(struct run *r, const char *command, json_t *args, json_t **resp, json_t **out)
{
	int rc;

	*resp = NULL;
	if (!args) {
		fprintf(stderr, "attrib: out of memory\n");
		r->exit = CLI_EXIT_SOFTWARE;
		return -ENOMEM;
	}
	rc = cli_call(r->c, command, args, resp);
	json_decref(args);
	if (rc == 0)
		rc = cli_result(*resp, out);
	if (rc) {
		json_decref(*resp);
		*resp = NULL;
		r->exit = rc;
		return -EIO;
	}
	return 0;
}

/* Resolve r->pend in one batch "lookup" request, over attribd's socket or
 * in-process on --db (cli_call), audited either way. */
static int resolve(struct run *r, json_t **answers)
{
	char tbuf[ATTRIB_TIME_STRLEN], abuf[ATTRIB_ADDR_STRLEN];
	json_t *list = json_array(), *args, *resp = NULL, *out;
	int rc;

	for (size_t i = 0; list && i < r->n_pend; i++) {
		const struct report_fact *f = &r->pend[i];

		json_t *q = json_pack("{s:s, s:s, s:I}", "address",
				      attrib_prefix_format(&f->addr, abuf),
				      "time", attrib_time_format(f->time, tbuf),
				      "tolerance", (json_int_t)r->tolerance);

		if (json_array_append_new(list, q) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	args = list ? json_pack("{s:o}", "lookups", list) : NULL;
	rc = call(r, "lookup", args, &resp, &out);
	if (rc < 0)
		return rc;
	*answers = json_incref(json_object_get(out, "lookups"));
	json_decref(resp);
	return 0;
}

static int flush(struct run *r)
{
	json_t *answers = NULL;
	int rc;

	if (r->n_pend == 0)
		return 0;
	rc = resolve(r, &answers);
	if (rc == 0 && json_array_size(answers) != r->n_pend) {
		fprintf(stderr, "attrib: %s: %zu answers to %zu lookups\n", r->file,
			json_array_size(answers), r->n_pend);
		r->exit = CLI_EXIT_SOFTWARE;
		rc = -EPROTO;
	}
	for (size_t i = 0; rc == 0 && i < r->n_pend; i++)
		rc = answer_one(r, &r->pend[i], json_array_get(answers, i));
	json_decref(answers);
	r->n_pend = 0;
	return rc;
}

static void print_report_head(struct run *r, const char *file)
{
	const struct report_info *i = &r->info;

	printf("%s: %s report", file, report_kind_name(i->kind));
	if (i->type[0])
		printf(" \"%s\"", i->type);
	if (i->reporter[0])
		printf(" from %s", i->reporter);
	if (i->report_id[0])
		printf(", id %s", i->report_id);
	printf(", %llu event%s\n", (unsigned long long)r->expected, r->expected == 1 ? "" : "s");
}

static int info_cb(void *arg, const struct report_info *info)
{
	struct run *r = arg;

	r->info = *info;
	r->info_seen = true;
	if (!r->c->json)
		print_report_head(r, r->file);
	return 0;
}

static int event_cb(void *arg, const struct report_event *ev)
{
	struct run *r = arg;
	struct report_fact *f = &r->pend[r->n_pend++];

	f->addr = ev->addr;
	f->port = ev->port;
	f->time = ev->time;
	f->zone = ev->zone;
	f->field = ev->field;
	f->line = ev->line;
	snprintf(f->text, sizeof(f->text), "%s", ev->text);
	r->events++;
	if (r->n_pend == r->batch)
		return flush(r);
	return 0;
}

/* The SHA-256 of what @p f holds, in hex; leaves @p f at its start. */
static int digest_file(FILE *f, char out[65])
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	size_t n;
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n);
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	rewind(f);
	if (!ok)
		return -EIO;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Standard input copied to a temporary file, so that it can be read twice
 * and attached to drafts. */
static FILE *spool_stdin(char *path, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	char buf[65536];
	size_t n;
	FILE *f;
	int fd;

	snprintf(path, len, "%s/attrib-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w+");
	if (!f) {
		close(fd);
		unlink(path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	if (ferror(stdin) || ferror(f) || fflush(f) != 0) {
		fclose(f);
		unlink(path);
		return NULL;
	}
	rewind(f);
	return f;
}

static void refuse(struct run *r, const char *file, unsigned long line, const char *why)
{
	r->refused = true;
	if (line)
		fprintf(stderr, "attrib: %s:%lu: %s\n", file, line, why);
	else
		fprintf(stderr, "attrib: %s: %s\n", file, why);
	if (r->c->json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "type", "error", "file", file,
				      "report", r->report_no, "error", why);

		if (o && line)
			json_object_set_new(o, "line", json_integer((json_int_t)line));
		print_json(o);
	}
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	const struct report_account *x = *(struct report_account *const *)a;
	const struct report_account *y = *(struct report_account *const *)b;

	return strcmp(x->account, y->account);
}

/* Record the report against the accounts it matched (the ledger, attrib
 * cases), RECORD_BATCH accounts a request; the answers give each account's
 * ledger summary, gathered into @p ledger (account -> summary). */
#define RECORD_BATCH 1000

static int record_cases(struct run *r, const struct report_done *d, json_t *ledger)
{
	for (size_t i = 0; i < d->n_accounts; i += RECORD_BATCH) {
		json_t *list = json_array(), *args, *resp = NULL, *out, *item;
		size_t k;
		int rc;

		for (size_t j = i; list && j < d->n_accounts && j < i + RECORD_BATCH; j++) {
			const struct report_account *a = d->accounts[j];

			if (json_array_append_new(list, json_pack("{s:s, s:I, s:o, s:o}", "account",
								  a->account, "events",
								  (json_int_t)a->events, "first",
								  time_json(a->first), "last",
								  time_json(a->last))) < 0) {
				json_decref(list);
				list = NULL;
			}
		}
		args = list ? json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:o}", "report", "digest",
					d->digest, "kind", report_kind_name(r->info.kind), "type",
					r->info.type, "reporter", r->info.reporter, "report-id",
					r->info.report_id, "accounts", list)
			    : NULL;
		rc = call(r, "cases-record", args, &resp, &out);
		if (rc < 0) {
			fprintf(stderr, "attrib: %s: not recorded in the ledger\n", d->file);
			return rc;
		}
		json_array_foreach(json_object_get(out, "accounts"), k, item)
			json_object_set(ledger, json_string_value(json_object_get(item, "account")),
					item);
		json_decref(resp);
	}
	return 0;
}

/* What the ledger says of an account: after @p events events of this
 * report, if any, its reports lately and its warning. */
static void print_ledger(const char *account, uint64_t events, json_t *l)
{
	const char *warned = json_string_value(json_object_get(l, "warned"));
	json_int_t after = json_integer_value(json_object_get(l, "reports-after-warning"));
	json_int_t lately = json_integer_value(json_object_get(l, "reports-90d"));

	printf("  account %s: ", account);
	if (events)
		printf("%llu event%s here; ", (unsigned long long)events, events == 1 ? "" : "s");
	printf("%lld report%s in the last %d days", (long long)lately, lately == 1 ? "" : "s",
	       ATTRIB_CASES_WINDOW_DAYS);
	if (!warned)
		printf("; never warned\n");
	else if (after)
		printf("; warned %s, reported again since (%lld report%s)\n", warned,
		       (long long)after, after == 1 ? "" : "s");
	else
		printf("; warned %s, nothing since\n", warned);
}

static int report_end(struct run *r, struct report_done *d)
{
	GPtrArray *list = g_ptr_array_new();
	json_t *ledger = json_object();
	GHashTableIter it;
	gpointer key, value;
	int rc = ledger ? 0 : -ENOMEM;

	g_hash_table_iter_init(&it, r->accounts);
	while (g_hash_table_iter_next(&it, &key, &value))
		g_ptr_array_add(list, value);
	g_ptr_array_sort(list, by_name);
	d->accounts = (struct report_account **)list->pdata;
	d->n_accounts = list->len;
	d->events = r->events;

	for (size_t i = 0; i < d->n_accounts; i++) {
		const char *acct = d->accounts[i]->account;

		g_hash_table_insert(r->seen, g_strdup(acct),
				    GSIZE_TO_POINTER(GPOINTER_TO_SIZE(
							     g_hash_table_lookup(r->seen, acct)) +
						     1));
	}
	if (rc == 0)
		rc = record_cases(r, d, ledger);
	if (rc < 0)
		goto out;
	if (r->c->json) {
		json_t *answers = json_object(), *accts = json_array();
		json_t *o;

		for (int s = 0; s <= ATTRIB_STATUS_OUTSIDE_RETENTION; s++)
			json_object_set_new(answers, attrib_status_name(s),
					    json_integer((json_int_t)r->counts[s]));
		for (size_t i = 0; i < d->n_accounts; i++) {
			const struct report_account *a = d->accounts[i];

			json_array_append_new(accts,
					      json_pack("{s:s, s:I, s:O?}", "account", a->account,
							"events", (json_int_t)a->events, "ledger",
							json_object_get(ledger, a->account)));
		}
		o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}",
			      "type", "report", "file", d->file, "report", r->report_no, "kind",
			      report_kind_name(r->info.kind), "report-type", r->info.type,
			      "reporter", r->info.reporter, "report-id", r->info.report_id,
			      "message-id", r->info.message_id, "subject", r->info.subject,
			      "digest", d->digest, "events", (json_int_t)r->events, "answers",
			      answers, "accounts", accts);
		if (o)
			json_object_set_new(o, "service-port", r->info.service_port >= 0
					    ? json_integer(r->info.service_port) : json_null());
		rc = print_json(o);
	} else {
		bool any = false;

		if (r->shown > SHOW_PER_REPORT)
			printf("  ... %llu more (--json lists every one)\n",
			       (unsigned long long)(r->shown - SHOW_PER_REPORT));
		if (r->info.service_port >= 0)
			printf("  attacked service port %d (not a source port)\n",
			       r->info.service_port);
		printf("  answers:");
		for (int s = 0; s <= ATTRIB_STATUS_OUTSIDE_RETENTION; s++)
			if (r->counts[s]) {
				printf("%s %s %llu", any ? "," : "", attrib_status_name(s),
				       (unsigned long long)r->counts[s]);
				any = true;
			}
		printf("%s\n", any ? "" : " none asked");
		for (size_t i = 0; i < d->n_accounts && i < SHOW_PER_REPORT; i++)
			print_ledger(d->accounts[i]->account, d->accounts[i]->events,
				     json_object_get(ledger, d->accounts[i]->account));
		if (d->n_accounts > SHOW_PER_REPORT)
			printf("  ... %zu more accounts (--json lists every one)\n",
			       d->n_accounts - SHOW_PER_REPORT);
	}
	if (rc == 0 && r->c->drafts && d->n_accounts)
		rc = report_drafts(d, r->c->drafts, r->c->templates);
out:
	json_decref(ledger);
	g_ptr_array_free(list, TRUE);
	return rc;
}

/* Read, check and resolve one report.  @return 0 (read or refused), or a
 * negative errno when the run cannot go on (the store failed). */
static int one_report(struct run *r, const char *file)
{
	char err[400], spool[4096] = "", why[300];
	struct report_source src = { .name = file, .tz = r->c->tz,
				     .lim = report_limits_default() };
	struct report_sink counter = { .event = count_cb };
	struct report_sink resolver = { .info = info_cb, .event = event_cb, .arg = r };
	struct report_done d = { .file = file, .path = file, .info = &r->info };
	unsigned long line;
	uint64_t n = 0;
	FILE *f;
	int rc = 0;

	r->report_no++;
	f = strcmp(file, "-") == 0 ? spool_stdin(spool, sizeof(spool)) : fopen(file, "rb");
	if (!f) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		refuse(r, file, 0, why);
		return 0;
	}
	if (spool[0])
		d.path = spool;
	src.f = f;
	if (digest_file(f, d.digest) < 0) {
		refuse(r, file, 0, "read failed");
		goto out;
	}
	counter.arg = &n;
	rc = report_read(&src, &counter, err, sizeof(err), &line);
	if (rc < 0) {
		/* Refused and named: the batch goes on with the next report. */
		refuse(r, file, line, err);
		rc = 0;
		goto out;
	}
	rewind(f);
	r->file = file;
	r->events = r->shown = 0;
	r->n_pend = 0;
	r->rc = 0;
	r->info_seen = false;
	r->expected = n;
	memset(r->counts, 0, sizeof(r->counts));
	r->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, account_free);
	rc = report_read(&src, &resolver, err, sizeof(err), &line);
	if (rc == 0)
		rc = flush(r);
	if (rc < 0 && r->exit) {
		/* The lookups failed (the reason is printed): no use going on. */
		fprintf(stderr, "attrib: %s: not resolved\n", file);
	} else if (rc < 0) {
		/* It read the first time: the file changed under us. */
		refuse(r, file, line, err[0] ? err : strerror(-rc));
		rc = 0;
	} else {
		rc = report_end(r, &d);
	}
	g_hash_table_destroy(r->accounts);
	r->accounts = NULL;
out:
	fclose(f);
	if (spool[0])
		unlink(spool);
	return r->exit ? -EIO : rc;
}

int cli_report(struct cli *c, int argc, char **argv)
{
	struct run r = { .c = c, .tolerance = TOLERANCE_DFLT, .batch = BATCH_DEFAULT };
	int rc = 0, stdin_seen = 0;

	if (argc < 2) {
		fprintf(stderr, "attrib: report takes FILE... or - for standard input\n"
				"(see `attrib report --help`)\n");
		return CLI_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		stdin_seen += strcmp(argv[i], "-") == 0;
	if (stdin_seen > 1) {
		fprintf(stderr, "attrib: report: - (standard input) given more than once\n");
		return CLI_EXIT_USAGE;
	}
	if (c->tolerance) {
		char *end;

		errno = 0;
		r.tolerance = strtoll(c->tolerance, &end, 10);
		if (errno || end == c->tolerance || *end || r.tolerance < 0 ||
		    r.tolerance > 315360000) {
			fprintf(stderr, "attrib: --tolerance: expected whole seconds from 0 to "
					"315360000, got \"%s\"\n", c->tolerance);
			return CLI_EXIT_USAGE;
		}
	}
	if (c->templates && !c->drafts) {
		fprintf(stderr, "attrib: --templates needs --drafts DIR\n");
		return CLI_EXIT_USAGE;
	}
	if (c->drafts && access(c->drafts, W_OK) != 0) {
		fprintf(stderr, "attrib: --drafts %s: %s\n", c->drafts, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	if (c->drafts && report_drafts_check(c->templates) < 0)
		return CLI_EXIT_USAGE;
	if (c->tz) {
		char err[200];
		int64_t t;

		if (attrib_time_parse("2026-01-01T00:00:00", c->tz, &t, err, sizeof(err)) < 0) {
			fprintf(stderr, "attrib: --tz: %s\n", err);
			return CLI_EXIT_USAGE;
		}
	}
	r.pend = calloc(r.batch, sizeof(*r.pend));
	r.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!r.pend) {
		fprintf(stderr, "attrib: out of memory\n");
		rc = CLI_EXIT_SOFTWARE;
		goto out;
	}
	report_init();
	for (int i = 1; i < argc; i++) {
		if (one_report(&r, argv[i]) < 0) {
			rc = r.exit ? r.exit : CLI_EXIT_IO;
			goto out;
		}
	}
	rc = r.refused ? CLI_EXIT_DATA : 0;
out:
	if (fflush(stdout) != 0) {
		perror("attrib: stdout");
		rc = CLI_EXIT_IO;
	}
	g_hash_table_destroy(r.seen);
	free(r.pend);
	return rc;
}

const char cli_cases_usage[] =
	"usage: attrib [--db PATH] cases ACCOUNT [--json]\n"
	"       attrib [--db PATH] cases warn ACCOUNT [--time TIME] [--note TEXT]\n"
	"\n"
	"The abuse reports recorded against ACCOUNT by attrib report, how many came in the\n"
	"last 90 days, when the customer was last warned and how many reported events\n"
	"happened after that warning.  `cases warn` records that a warning was sent (at\n"
	"TIME, default now).\n";

static void print_cases(json_t *a)
{
	json_t *reports = json_object_get(a, "report-list");
	json_t *w = json_object_get(a, "warning-list");
	json_t *o;
	size_t i;

	print_ledger(json_string_value(json_object_get(a, "account")), 0, a);
	json_array_foreach(reports, i, o) {
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *from = json_string_value(json_object_get(o, "reporter"));
		json_int_t n = json_integer_value(json_object_get(o, "events"));

		printf("  %s .. %s  %s", json_string_value(json_object_get(o, "first")),
		       json_string_value(json_object_get(o, "last")),
		       json_string_value(json_object_get(o, "kind")));
		if (type)
			printf(" \"%s\"", type);
		printf(", %lld event%s (report %.12s)\n", (long long)n, n == 1 ? "" : "s",
		       json_string_value(json_object_get(o, "digest")));
		if (from)
			printf("    from %s\n", from);
	}
	json_array_foreach(w, i, o) {
		const char *note = json_string_value(json_object_get(o, "note"));

		printf("  warned %s%s%s\n", json_string_value(json_object_get(o, "time")),
		       note ? ": " : "", note ? note : "");
	}
}

int cli_cases(struct cli *c, int argc, char **argv)
{
	bool warn = argc >= 2 && strcmp(argv[1], "warn") == 0;
	const char *account = argc == 2 && !warn ? argv[1] : argc == 3 && warn ? argv[2] : NULL;
	json_t *args, *resp = NULL, *out;
	int64_t t;
	int rc;

	if (!account || (!warn && (c->at || c->note))) {
		fputs(cli_cases_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	args = json_pack("{s:s}", "account", account);
	if (args && warn && c->at) {
		char buf[ATTRIB_TIME_STRLEN];

		rc = cli_parse_time(c, "--time", c->at, &t);
		if (rc) {
			json_decref(args);
			return rc;
		}
		json_object_set_new(args, "time", json_string(attrib_time_format(t, buf)));
	}
	if (args && warn && c->note)
		json_object_set_new(args, "note", json_string(c->note));
	if (!args) {
		fprintf(stderr, "attrib: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	rc = cli_call(c, warn ? "cases-warn" : "cases", args, &resp);
	json_decref(args);
	if (rc == 0)
		rc = cli_result(resp, &out);
	if (rc == 0 && c->json)
		rc = print_json(json_incref(out)) < 0 ? CLI_EXIT_SOFTWARE : 0;
	else if (rc == 0 && warn)
		printf("%s\n", json_string_value(json_object_get(resp, "text")));
	else if (rc == 0)
		print_cases(out);
	json_decref(resp);
	return rc;
}
