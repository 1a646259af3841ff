/* SPDX-License-Identifier: GPL-3.0-or-later
 * attrib export, audit, hold and purge.  Each sends its control command
 * (to attribd, or with --db in this process) and renders the answer.  An
 * export is written here, where the command runs, not by attribd: the
 * daemon then needs no right to write anywhere, the files belong to whoever
 * ran the export, and the answer's digest, which the audit entry names,
 * ties the files to that entry. */
#include "tools/cli_legal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#ifdef ATTRIB_HAVE_HPDF
#include <hpdf.h>
#endif

#include "attrib/audit.h"
#include "attrib/command_legal.h"
#include "attrib/export.h"
#include "attrib/times.h"

#define HEX_LEN (2 * ATTRIB_SHA256_LEN + 1)

static struct {
	const char *case_ref, *address, *prefix, *account, *out, *until, *anchor, *save_anchor;
	const char *limit;
	bool all;
} opt;

static const char usage_export[] =
	"usage: attrib export --case REF (--address A | --prefix P | --account ID)\n"
	"                     --from TIME --to TIME --out DIR [--tz ZONE]\n"
	"\n"
	"Every binding of address A (or of a prefix holding it), of prefix P (inside it or\n"
	"holding it) or of account ID overlapping [from, to), with the evidence events\n"
	"behind each, written into DIR (created if missing, never overwritten):\n"
	"  records.csv, records.json    one record per binding\n"
	"  evidence.csv, evidence.json  the events behind them\n"
	"  report.txt, report.pdf       the query, case, who and when, SHA-256 of each file\n"
	"  SHA256SUMS                   every file's digest, for sha256sum -c\n"
	"Needs the legal role; refused without a case reference.  Either way the request\n"
	"is in the audit.\n";

static const char usage_audit[] =
	"usage: attrib audit verify [--anchor FILE] [--save-anchor FILE]\n"
	"       attrib audit show [--case REF] [--from TIME] [--to TIME] [--limit N] [--json]\n"
	"\n"
	"verify recomputes the hash chain of every request's entry and names the first\n"
	"entry altered, deleted or reordered, or deleted from the end (exit 1), else exits\n"
	"0.  --save-anchor FILE keeps the chain's head in FILE once it holds; --anchor\n"
	"FILE checks later that the chain still leads through it, which shows even a\n"
	"chain rewritten whole.  Keep that file where the store's writers cannot.\n"
	"show lists entries, oldest first: of a case, over [from, to), the last N.\n"
	"Both need the legal or admin role.\n";

static const char usage_hold[] =
	"usage: attrib hold add --case REF (--address A | --prefix P | --account ID)\n"
	"                       --from TIME --to TIME [--until DATE|TIME]\n"
	"       attrib hold list [--case REF] [--all] [--json]\n"
	"       attrib hold release REF\n"
	"\n"
	"A hold keeps the records of A, P or ID overlapping [from, to) through retention\n"
	"purges, until released or, with --until, through that day (UTC).  list shows the\n"
	"holds in force (--all: released ones too).  Legal role.\n";

static const char usage_purge[] =
	"usage: attrib purge [DAYS]\n"
	"\n"
	"Remove the bindings, evidence, events and sessions that ended more than DAYS\n"
	"(default: attribd's retention-days) ago, except what a hold keeps, and move the\n"
	"retention horizon: lookups before it answer outside-retention.  attribd does\n"
	"this daily by itself.  Admin role.\n";

int cli_legal_option(int o, const char *arg)
{
	switch (o) {
	case CLI_OPT_CASE:
		opt.case_ref = arg;
		break;
	case CLI_OPT_ADDRESS:
		opt.address = arg;
		break;
	case CLI_OPT_PREFIX:
		opt.prefix = arg;
		break;
	case CLI_OPT_ACCOUNT:
		opt.account = arg;
		break;
	case CLI_OPT_OUT:
		opt.out = arg;
		break;
	case CLI_OPT_UNTIL:
		opt.until = arg;
		break;
	case CLI_OPT_ANCHOR:
		opt.anchor = arg;
		break;
	case CLI_OPT_SAVE_ANCHOR:
		opt.save_anchor = arg;
		break;
	case CLI_OPT_ALL:
		opt.all = true;
		break;
	case CLI_OPT_LIMIT:
		opt.limit = arg;
		break;
	default:
		return -1;
	}
	return 0;
}

bool cli_legal_command(const char *name)
{
	return cli_legal_usage(name) != NULL;
}

const char *cli_legal_usage(const char *name)
{
	if (strcmp(name, "export") == 0)
		return usage_export;
	if (strcmp(name, "audit") == 0)
		return usage_audit;
	if (strcmp(name, "hold") == 0)
		return usage_hold;
	if (strcmp(name, "purge") == 0)
		return usage_purge;
	return NULL;
}

static int usage(const char *fmt, const char *what)
{
	fprintf(stderr, "attrib: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n(see `attrib --help`)\n");
	return CLI_EXIT_USAGE;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : dflt;
}

/* Send @p command and check the answer; @p args is taken.  @return 0 with
 * the answer in @p resp and its arguments (borrowed) in @p out, or the exit
 * code, the reason printed. */
static int call(struct cli *c, const char *command, json_t *args, json_t **resp, json_t **out)
{
	int rc;

	*resp = NULL;
	if (!args) {
		fprintf(stderr, "attrib: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	rc = cli_call(c, command, args, resp);
	json_decref(args);
	if (rc == 0)
		rc = cli_result(*resp, out);
	if (rc) {
		json_decref(*resp);
		*resp = NULL;
	}
	return rc;
}

/* Add "key": time (as RFC 3339 UTC) to @p args from option text @p s. */
static int put_time(struct cli *c, json_t *args, const char *what, const char *key, const char *s)
{
	char buf[ATTRIB_TIME_STRLEN];
	int64_t t;
	int rc = cli_parse_time(c, what, s, &t);

	if (rc == 0)
		json_object_set_new(args, key, json_string(attrib_time_format(t, buf)));
	return rc;
}

/* The subject and range options shared by export and hold add. */
static int subject_args(struct cli *c, const char *from, const char *to, json_t *args)
{
	int n = !!opt.address + !!opt.prefix + !!opt.account, rc;

	if (n != 1)
		return usage("%s", "give one of --address, --prefix or --account");
	if (!from || !to)
		return usage("%s", "--from TIME and --to TIME are required");
	if (opt.address)
		json_object_set_new(args, "address", json_string(opt.address));
	if (opt.prefix)
		json_object_set_new(args, "prefix", json_string(opt.prefix));
	if (opt.account)
		json_object_set_new(args, "account", json_string(opt.account));
	if ((rc = put_time(c, args, "--from", "from", from)) ||
	    (rc = put_time(c, args, "--to", "to", to)))
		return rc;
	/* No --case is not ours to refuse: attribd refuses it, and its audit
	 * then shows the attempt. */
	if (opt.case_ref)
		json_object_set_new(args, "case", json_string(opt.case_ref));
	return 0;
}

/* ---- export files ---------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (!big)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

/* One CSV field (RFC 4180 quoting): a string as it is, a number in
 * decimal, true/false, null empty, a list of them space-separated. */
static int csv_field(struct buf *b, const json_t *v)
{
	char num[32];
	const char *s = "";
	struct buf list = { 0 };
	int rc = 0;

	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_boolean(v)) {
		s = json_is_true(v) ? "true" : "false";
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
		{
			if (json_is_string(e))
				rc = buf_printf(&list, "%s%s", i ? " " : "", json_string_value(e));
			else if (json_is_integer(e))
				rc = buf_printf(&list, "%s%lld", i ? " " : "",
						(long long)json_integer_value(e));
			if (rc < 0)
				break;
		}
		s = list.p ? list.p : "";
	}
	if (rc == 0 && strpbrk(s, ",\"\r\n")) {
		rc = buf_add(b, "\"", 1);
		for (const char *p = s; rc == 0 && *p; p++)
			rc = *p == '"' ? buf_add(b, "\"\"", 2) : buf_add(b, p, 1);
		if (rc == 0)
			rc = buf_add(b, "\"", 1);
	} else if (rc == 0) {
		rc = buf_add(b, s, strlen(s));
	}
	free(list.p);
	return rc;
}

/* A header line of @p cols, then a line per row; a column missing from a
 * row is looked for in its "identities". */
static int csv_of(const json_t *rows, const char *const *cols, struct buf *b)
{
	size_t i;
	json_t *row;
	int rc = 0;

	for (size_t k = 0; rc == 0 && cols[k]; k++)
		rc = buf_printf(b, "%s%s", k ? "," : "", cols[k]);
	if (rc == 0)
		rc = buf_add(b, "\n", 1);
	json_array_foreach(rows, i, row)
	{
		for (size_t k = 0; rc == 0 && cols[k]; k++) {
			json_t *v = json_object_get(row, cols[k]);

			if (!v)
				v = json_object_get(json_object_get(row, "identities"), cols[k]);
			if (k)
				rc = buf_add(b, ",", 1);
			if (rc == 0)
				rc = csv_field(b, v);
		}
		if (rc == 0)
			rc = buf_add(b, "\n", 1);
		if (rc < 0)
			break;
	}
	return rc;
}

static int json_of(json_t *o, struct buf *b)
{
	char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int rc;

	if (!text)
		return -ENOMEM;
	rc = buf_add(b, text, strlen(text));
	free(text);
	return rc == 0 ? buf_add(b, "\n", 1) : rc;
}

static void sha256_hex(const void *p, size_t len, char *hex)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_Digest(p, len, md, &n, EVP_sha256(), NULL) || n != ATTRIB_SHA256_LEN) {
		fprintf(stderr, "attrib: SHA-256 failed (OpenSSL)\n");
		exit(CLI_EXIT_SOFTWARE);
	}
	attrib_hex(md, n, hex);
}

/* The files of one export, written into a directory. */
struct export_out {
	const char *dir;
	bool made_dir;
	int dirfd;
	const char *names[8];
	char digests[8][HEX_LEN];
	size_t n;
};

static int write_file(struct export_out *x, const char *name, const void *p, size_t len)
{
	int fd = openat(x->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	const char *q = p;
	size_t left = len;

	if (fd < 0)
		goto fail;
	x->names[x->n] = name;
	sha256_hex(p, len, x->digests[x->n]);
	x->n++;
	while (left) {
		ssize_t w = write(fd, q, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail_fd;
		q += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail_fd;
	if (close(fd) < 0)
		goto fail;
	return 0;

fail_fd:
	close(fd);
fail:
	fprintf(stderr, "attrib: %s/%s: %s\n", x->dir, name, strerror(errno));
	return -1;
}

static void remove_written(struct export_out *x)
{
	for (size_t i = 0; i < x->n; i++)
		unlinkat(x->dirfd, x->names[i], 0);
	if (x->made_dir)
		rmdir(x->dir);
}

static const char *const export_files[] = { "records.csv",  "records.json",
					    "evidence.csv", "evidence.json",
					    "report.txt",   "report.pdf",
					    "SHA256SUMS",   NULL };

/* DIR must be new, or a directory without any file an export writes. */
static int check_out_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "attrib: --out %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_IO;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "attrib: --out %s: not a directory\n", dir);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; export_files[i]; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, export_files[i]);
		if (access(path, F_OK) == 0) {
			fprintf(stderr,
				"attrib: --out %s: already holds %s: an export never "
				"overwrites one; choose another directory\n",
				dir, export_files[i]);
			return CLI_EXIT_USAGE;
		}
	}
	return 0;
}

static int open_out_dir(struct export_out *x)
{
	if (mkdir(x->dir, 0700) == 0)
		x->made_dir = true;
	else if (errno != EEXIST)
		goto fail;
	x->dirfd = open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->dirfd >= 0)
		return 0;
fail:
	fprintf(stderr, "attrib: --out %s: %s\n", x->dir, strerror(errno));
	if (x->made_dir)
		rmdir(x->dir);
	return CLI_EXIT_IO;
}

static const char *user_name(int64_t uid)
{
	struct passwd *pw = uid >= 0 ? getpwuid((uid_t)uid) : NULL;

	return pw ? pw->pw_name : "unknown";
}

/* report.txt: what a court reads first.  Plain ASCII lines of at most 90
 * columns, so that the PDF can set it as it is. */
static int report_of(struct cli *c, const json_t *a, struct export_out *x, struct buf *b)
{
	const json_t *q = json_object_get(a, "query"), *by = json_object_get(a, "requested-by");
	const char *kind = json_object_get(q, "address")  ? "address"
			   : json_object_get(q, "prefix") ? "prefix"
							  : "account";
	const char *horizon = str_or(a, "horizon", NULL);
	int64_t uid = json_integer_value(json_object_get(by, "uid"));
	bool local = c->db && *c->db && !c->socket;
	int rc = 0;

#define LINE(...) (rc = rc ? rc : buf_printf(b, __VA_ARGS__))
	LINE("ATTRIB EXPORT REPORT\n\n");
	LINE("Case reference  %s\n", str_or(a, "case", "?"));
	LINE("Query           every binding of %s %s\n", kind, str_or(q, kind, "?"));
	LINE("                overlapping %s (included)\n", str_or(q, "from", "?"));
	LINE("                to %s (excluded)\n", str_or(q, "to", "?"));
	LINE("Run by          uid %lld (%s), role %s\n", (long long)uid, user_name(uid),
	     str_or(by, "role", "?"));
	LINE("Run at          %s\n", str_or(a, "generated", "?"));
	if (local)
		LINE("Answered from   the store file %s, in the attrib process\n", c->db);
	else
		LINE("Answered by     attribd, socket %s\n", cli_socket_path(c));
	LINE("Software        %s; files written by attrib %s\n", str_or(a, "software", "?"),
	     ATTRIB_VERSION);
	LINE("Time zone       every time in these files is UTC: RFC 3339 with the suffix Z\n");
	if (horizon)
		LINE("Retention       records that ended before %s were purged, except\n"
		     "                those a legal hold kept; older records may be missing\n",
		     horizon);
	else
		LINE("Retention       nothing had been purged from the store\n");
	LINE("Found           %zu records (bindings), %zu evidence events\n",
	     json_array_size(json_object_get(a, "records")),
	     json_array_size(json_object_get(a, "events")));
	LINE("Answer digest   sha256 %s\n", str_or(a, "digest", "?"));
	LINE("                named by this export's audit entry (attrib audit show --case)\n");
	LINE("\nFiles and their SHA-256 digests (OpenSSL libcrypto), as sha256sum -c reads "
	     "them:\n\n");
	for (size_t i = 0; i < x->n; i++)
		LINE("%s  %s\n", x->digests[i], x->names[i]);
	LINE("\nreport.pdf is this report as PDF; SHA256SUMS lists the digest of every file,\n"
	     "this report and report.pdf included.\n");
	LINE("\nrecords.csv and records.json hold one record per binding: an address or prefix\n"
	     "held by one client from start (included) to end (excluded; empty while open),\n"
	     "why it ended, the account(s) its identities mapped to in the range (empty:\n"
	     "none), the identities seen, the source (dhcp4, dhcp6, radius, static, import)\n"
	     "and server, and a confidence: unconfirmed when its start was inferred or it\n"
	     "went unconfirmed before its end.  evidence.csv and evidence.json hold the\n"
	     "events behind the records, as the servers reported them; each event names\n"
	     "the records (bindings) it backs.  Values are data: a spreadsheet must not\n"
	     "read any field as a formula.\n");
#undef LINE
	return rc;
}

#ifdef ATTRIB_HAVE_HPDF
static void hpdf_error_cb(HPDF_STATUS error, HPDF_STATUS detail, void *arg)
{
	/* Reading the saved document to its end is how it is fetched. */
	if (error != HPDF_STREAM_EOF)
		*(HPDF_STATUS *)arg = error ? error : detail ? detail : 1;
}

/* report.txt set in Courier on A4 pages with libharu; bytes outside
 * printable ASCII (there should be none) become '?'. */
static int pdf_of(const struct buf *text, struct buf *out)
{
	HPDF_STATUS failed = 0;
	HPDF_Doc pdf = HPDF_New(hpdf_error_cb, &failed);
	HPDF_Font font;
	HPDF_Page page = NULL;
	const char *p = text->p;
	int line = 0, rc = 0;

	if (!pdf)
		return -ENOMEM;
	HPDF_SetCompressionMode(pdf, HPDF_COMP_NONE);
	HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, "attrib export report");
	HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "attrib " ATTRIB_VERSION);
	font = HPDF_GetFont(pdf, "Courier", NULL);
	while (!failed && *p) {
		char l[128];
		size_t n = strcspn(p, "\n"), k;

		if (!page || line == 66) {
			if (page)
				HPDF_Page_EndText(page);
			page = HPDF_AddPage(pdf);
			HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
			HPDF_Page_BeginText(page);
			HPDF_Page_SetFontAndSize(page, font, 9);
			HPDF_Page_MoveTextPos(page, 40, HPDF_Page_GetHeight(page) - 50);
			line = 0;
		}
		for (k = 0; k < n && k < sizeof(l) - 1; k++)
			l[k] = p[k] >= 0x20 && p[k] < 0x7f ? p[k] : '?';
		l[k] = '\0';
		HPDF_Page_ShowText(page, l);
		HPDF_Page_MoveTextPos(page, 0, -11);
		line++;
		p += n;
		if (*p)
			p++;
	}
	if (page)
		HPDF_Page_EndText(page);
	if (!failed && HPDF_SaveToStream(pdf) == HPDF_OK) {
		HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
		char *data = malloc(size ? size : 1);

		if (!data)
			rc = -ENOMEM;
		else if (HPDF_ReadFromStream(pdf, (HPDF_BYTE *)data, &size) != HPDF_OK &&
			 HPDF_GetError(pdf) != HPDF_STREAM_EOF)
			rc = -EIO;
		else
			rc = buf_add(out, data, size);
		free(data);
	} else {
		rc = -EIO;
	}
	if (failed)
		rc = -EIO;
	HPDF_Free(pdf);
	return rc;
}
#endif

/* The export answer into files in x->dir.  @return 0 or an exit code. */
static int write_export(struct cli *c, json_t *a, struct export_out *x)
{
	static const char *const meta[] = { "case",     "query",   "generated", "requested-by",
					    "software", "horizon", "digest",    NULL };
	json_t *rec = json_object(), *ev = json_object();
	struct buf b[6] = { { 0 } };
	int rc = 0;

	for (size_t i = 0; meta[i]; i++) {
		json_object_set(rec, meta[i], json_object_get(a, meta[i]));
		json_object_set(ev, meta[i], json_object_get(a, meta[i]));
	}
	json_object_set(rec, "records", json_object_get(a, "records"));
	json_object_set(ev, "events", json_object_get(a, "events"));
	if (csv_of(json_object_get(a, "records"), attrib_export_record_columns, &b[0]) < 0 ||
	    json_of(rec, &b[1]) < 0 ||
	    csv_of(json_object_get(a, "events"), attrib_export_event_columns, &b[2]) < 0 ||
	    json_of(ev, &b[3]) < 0) {
		fprintf(stderr, "attrib: out of memory\n");
		rc = CLI_EXIT_SOFTWARE;
		goto out;
	}
	for (int i = 0; i < 4 && rc == 0; i++)
		if (write_file(x, export_files[i], b[i].p, b[i].len) < 0)
			rc = CLI_EXIT_IO;
	if (rc == 0 && report_of(c, a, x, &b[4]) < 0)
		rc = CLI_EXIT_SOFTWARE;
	if (rc == 0 && write_file(x, "report.txt", b[4].p, b[4].len) < 0)
		rc = CLI_EXIT_IO;
#ifdef ATTRIB_HAVE_HPDF
	if (rc == 0 && pdf_of(&b[4], &b[5]) < 0) {
		fprintf(stderr, "attrib: report.pdf could not be made (libharu)\n");
		rc = CLI_EXIT_SOFTWARE;
	}
	if (rc == 0 && write_file(x, "report.pdf", b[5].p, b[5].len) < 0)
		rc = CLI_EXIT_IO;
#endif
	if (rc == 0) {
		struct buf sums = { 0 };

		for (size_t i = 0; i < x->n; i++)
			buf_printf(&sums, "%s  %s\n", x->digests[i], x->names[i]);
		if (!sums.p || write_file(x, "SHA256SUMS", sums.p, sums.len) < 0)
			rc = CLI_EXIT_IO;
		free(sums.p);
	}
	if (rc == 0 && fsync(x->dirfd) < 0) {
		fprintf(stderr, "attrib: %s: %s\n", x->dir, strerror(errno));
		rc = CLI_EXIT_IO;
	}
out:
	for (int i = 0; i < 6; i++)
		free(b[i].p);
	json_decref(rec);
	json_decref(ev);
	return rc;
}

static int cmd_export(struct cli *c, const char *from, const char *to, int argc)
{
	struct export_out x = { .dir = opt.out, .dirfd = -1 };
	char hex[HEX_LEN];
	json_t *args, *resp, *a;
	int rc;

	if (argc != 1)
		return usage("%s", "export takes options only (see attrib export --help)");
	if (!opt.out)
		return usage("%s", "export: --out DIR is required");
	args = json_object();
	if ((rc = subject_args(c, from, to, args)) || (rc = check_out_dir(opt.out))) {
		json_decref(args);
		return rc;
	}
	if ((rc = call(c, "export", args, &resp, &a)))
		return rc;
	/* The digest the audit entry names must be that of what arrived. */
	if (attrib_export_digest(a, hex) < 0 || strcmp(hex, str_or(a, "digest", "")) != 0) {
		fprintf(stderr, "attrib: the export answer does not match its digest: nothing "
				"written\n");
		json_decref(resp);
		return CLI_EXIT_SOFTWARE;
	}
	rc = open_out_dir(&x);
	if (rc == 0) {
		rc = write_export(c, a, &x);
		if (rc)
			remove_written(&x);
		close(x.dirfd);
	}
	if (rc == 0)
		printf("case %s: %zu records, %zu evidence events written to %s (report.txt)\n",
		       str_or(a, "case", "?"), json_array_size(json_object_get(a, "records")),
		       json_array_size(json_object_get(a, "events")), opt.out);
	json_decref(resp);
	return rc;
}

/* ---- audit ----------------------------------------------------------------------------- */

#define ANCHOR_MAGIC "attrib-audit-anchor 1"

static int read_anchor(const char *path, json_t **out)
{
	char line[256], hex[HEX_LEN + 1];
	long long id;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f) {
		fprintf(stderr, "attrib: --anchor %s: %s\n", path, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, ANCHOR_MAGIC " %lld %65s%n", &id, hex, &n) != 2 || strlen(hex) != 64 ||
	    id < 1) {
		fclose(f);
		fprintf(stderr,
			"attrib: --anchor %s: not an anchor (\"" ANCHOR_MAGIC
			" ID CHAIN\" as --save-anchor writes it)\n",
			path);
		return CLI_EXIT_DATA;
	}
	fclose(f);
	*out = json_pack("{s:I, s:s}", "id", (json_int_t)id, "chain", hex);
	return *out ? 0 : CLI_EXIT_SOFTWARE;
}

static int save_anchor(const char *path, const json_t *head, const char *when)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f ||
	    fprintf(f,
		    ANCHOR_MAGIC " %lld %s\n# the audit's head on %s; keep this file "
				 "where the store's writers cannot change it\n",
		    (long long)json_integer_value(json_object_get(head, "id")),
		    str_or(head, "chain", "?"), when) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "attrib: --save-anchor %s: %s\n", path, strerror(errno));
		return CLI_EXIT_IO;
	}
	return 0;
}

static int print_json(const json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	if (!text)
		return CLI_EXIT_SOFTWARE;
	puts(text);
	free(text);
	return 0;
}

static int audit_verify(struct cli *c)
{
	json_t *args = json_object(), *anchor = NULL, *resp, *a, *head;
	char now[ATTRIB_TIME_STRLEN];
	bool intact;
	int rc;

	if (opt.anchor && (rc = read_anchor(opt.anchor, &anchor))) {
		json_decref(args);
		return rc;
	}
	if (anchor)
		json_object_set_new(args, "anchor", anchor);
	if ((rc = call(c, "audit-verify", args, &resp, &a)))
		return rc;
	intact = json_is_true(json_object_get(a, "intact"));
	head = json_object_get(a, "head");
	if (c->json)
		rc = print_json(a);
	else if (intact)
		printf("the audit holds: %lld entries, the last %lld with chain value %s%s\n",
		       (long long)json_integer_value(json_object_get(a, "entries")),
		       (long long)json_integer_value(json_object_get(head, "id")),
		       str_or(head, "chain", ""),
		       opt.anchor ? "; it leads through the kept anchor" : "");
	else
		printf("THE AUDIT DOES NOT HOLD: %s\n", str_or(a, "text", "?"));
	if (rc == 0 && intact && opt.save_anchor &&
	    json_integer_value(json_object_get(head, "id")) > 0)
		rc = save_anchor(opt.save_anchor, head, attrib_time_format(attrib_time_now(), now));
	json_decref(resp);
	return rc ? rc : intact ? 0 : 1;
}

static int audit_show(struct cli *c, const char *from, const char *to)
{
	json_t *args = json_object(), *resp, *a, *e;
	size_t i;
	int rc = 0;

	if (opt.case_ref)
		json_object_set_new(args, "case", json_string(opt.case_ref));
	if (from)
		rc = put_time(c, args, "--from", "from", from);
	if (rc == 0 && to)
		rc = put_time(c, args, "--to", "to", to);
	if (rc == 0 && opt.limit) {
		char *end;
		long long n = strtoll(opt.limit, &end, 10);

		if (*end || n < 1)
			rc = usage("--limit: a whole number from 1, got \"%s\"", opt.limit);
		json_object_set_new(args, "limit", json_integer(n));
	}
	if (rc) {
		json_decref(args);
		return rc;
	}
	if ((rc = call(c, "audit-show", args, &resp, &a)))
		return rc;
	if (c->json) {
		rc = print_json(a);
	} else {
		json_array_foreach(json_object_get(a, "entries"), i, e)
		{
			char *args_text = json_dumps(json_object_get(e, "arguments"),
						     JSON_COMPACT | JSON_ENCODE_ANY);

			printf("%lld %s uid %lld %s %s: %lld %s%s%s\n",
			       (long long)json_integer_value(json_object_get(e, "id")),
			       str_or(e, "time", "?"),
			       (long long)json_integer_value(json_object_get(e, "uid")),
			       str_or(e, "role", "-"), str_or(e, "command", "(unreadable)"),
			       (long long)json_integer_value(json_object_get(e, "result")),
			       str_or(e, "status", ""),
			       args_text && strcmp(args_text, "null") ? "\n    " : "",
			       args_text && strcmp(args_text, "null") ? args_text : "");
			free(args_text);
		}
	}
	json_decref(resp);
	return rc;
}

static int cmd_audit(struct cli *c, const char *from, const char *to, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(c);
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return audit_show(c, from, to);
	return usage("%s", "audit takes verify or show (see attrib audit --help)");
}

/* ---- holds and purge ------------------------------------------------------------------- */

static void print_hold(const json_t *h)
{
	const char *kind = json_object_get(h, "address")  ? "address"
			   : json_object_get(h, "prefix") ? "prefix"
							  : "account";

	printf("%s: %s %s, %s to %s, until %s%s\n", str_or(h, "case", "?"), kind,
	       str_or(h, kind, "?"), str_or(h, "from", "?"), str_or(h, "to", "?"),
	       str_or(h, "until", "released"),
	       json_is_true(json_object_get(h, "in-force"))   ? ""
	       : json_is_null(json_object_get(h, "released")) ? " (lapsed)"
							      : " (released)");
}

static int cmd_hold(struct cli *c, const char *from, const char *to, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	json_t *args = json_object(), *resp = NULL, *a, *h;
	size_t i;
	int rc = 0;

	if (strcmp(sub, "add") == 0 && argc == 2) {
		rc = subject_args(c, from, to, args);
		if (rc == 0) {
			if (opt.until)
				json_object_set_new(args, "until", json_string(opt.until));
			rc = call(c, "hold-add", args, &resp, &a);
			args = NULL;
		}
		if (rc == 0) {
			printf("hold %lld: ",
			       (long long)json_integer_value(json_object_get(a, "id")));
			print_hold(a);
		}
	} else if (strcmp(sub, "list") == 0 && argc == 2) {
		if (opt.case_ref)
			json_object_set_new(args, "case", json_string(opt.case_ref));
		if (opt.all)
			json_object_set_new(args, "released", json_true());
		rc = call(c, "hold-list", args, &resp, &a);
		args = NULL;
		if (rc == 0 && c->json)
			rc = print_json(a);
		else if (rc == 0)
			json_array_foreach(json_object_get(a, "holds"), i, h) print_hold(h);
	} else if (strcmp(sub, "release") == 0 && argc == 3) {
		json_object_set_new(args, "case", json_string(argv[2]));
		rc = call(c, "hold-release", args, &resp, &a);
		args = NULL;
		if (rc == 0)
			printf("%s\n", str_or(resp, "text", "released"));
	} else {
		rc = usage("%s", "hold takes add, list or release REF (see attrib hold --help)");
	}
	json_decref(args);
	json_decref(resp);
	return rc;
}

static int cmd_purge(struct cli *c, int argc, char **argv)
{
	json_t *args = json_object(), *resp, *a;
	int rc;

	if (argc > 2) {
		json_decref(args);
		return usage("%s", "purge takes at most DAYS");
	}
	if (argc == 2) {
		char *end;
		long n = strtol(argv[1], &end, 10);

		if (*end || n < 1 || n > 36500) {
			json_decref(args);
			return usage("purge: DAYS is a whole number from 1 to 36500, got \"%s\"",
				     argv[1]);
		}
		json_object_set_new(args, "retention-days", json_integer(n));
	}
	if ((rc = call(c, "purge", args, &resp, &a)))
		return rc;
	if (c->json)
		rc = print_json(a);
	else
		printf("%s\n", str_or(resp, "text", "purged"));
	json_decref(resp);
	return rc;
}

int cli_legal(struct cli *c, const char *from, const char *to, int argc, char **argv)
{
	if (strcmp(argv[0], "export") == 0)
		return cmd_export(c, from, to, argc);
	if (strcmp(argv[0], "audit") == 0)
		return cmd_audit(c, from, to, argc, argv);
	if (strcmp(argv[0], "hold") == 0)
		return cmd_hold(c, from, to, argc, argv);
	return cmd_purge(c, argc, argv);
}
