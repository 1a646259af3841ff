/* SPDX-License-Identifier: GPL-3.0-or-later
 * `attrib import`: the subscriber map and static assignments from CSV files,
 * and Kea memfile lease files replayed as the lease events they record.  A
 * run is one store transaction, so a bad row anywhere leaves the store as it
 * was, and the error names the file, the line and the field. */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/lookup.h"
#include "attrib/store.h"
#include "attrib/times.h"

#define PROGRESS_EVERY 100000 /* rows between two progress lines on a tty */

const char cli_import_usage[] =
	"usage: attrib [--db PATH] [--tz ZONE] [--json] import KIND FILE...\n"
	"\n"
	"Load reference data or lease history into the store.  The whole run is one\n"
	"transaction: a bad row stops it with FILE:LINE and what is wrong, and the\n"
	"store is left as it was (exit 65).  \"-\" reads standard input.\n"
	"\n"
	"kinds:\n"
	"  subscribers FILE.csv  which account an identity belonged to, and when;\n"
	"                        header: kind,value,account,valid_from,valid_to\n"
	"                        kind: username, hwaddr, client-id, duid, remote-id,\n"
	"                        circuit-id or subscriber-id\n"
	"  static FILE.csv       static assignments (business lines);\n"
	"                        header: prefix,account,valid_from,valid_to\n"
	"  kea-leases FILE...    Kea memfile lease files, v4 or v6, replayed in file\n"
	"                        order as lease events; FILE.2 and FILE.1, which\n"
	"                        lease file cleanup leaves, are read before FILE\n"
	"  radius-detail FILE... FreeRADIUS detail files (rlm_detail), replayed as\n"
	"                        the accounting events they record; times from\n"
	"                        Timestamp and an integer Event-Timestamp only\n"
	"\n"
	"Times are RFC 3339 with Z or an offset, or @EPOCH-SECONDS; a time without a\n"
	"zone is refused unless --tz names one.  An empty valid_to means still valid.\n"
	"CSV fields may be quoted, as spreadsheets export them.\n";

/*
 * A CSV reader for both kinds of input.  Spreadsheet exports quote fields
 * (RFC 4180: a doubled quote inside, line breaks allowed); Kea never quotes
 * but escapes commas in its text fields, and a quote is an ordinary character
 * in its JSON user context, so quoting is switched on per file.
 */
struct csv {
	FILE *f;
	const char *name; /* for messages */
	const char *prog;
	bool quotes;
	long lines; /* lines read so far */
	long line;  /* the line the current record starts on */
	char *buf;  /* cli_read_line()'s */
	size_t bufcap;
	char *text; /* the record's fields, each NUL-terminated */
	size_t textlen, textcap;
	size_t *off; /* where each field starts in text */
	size_t offcap;
	char **field;
	size_t nfield, fieldcap;
};

/* @p p with room for @p need items, or NULL (and @p p still valid). */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	p = realloc(p, n * size);
	if (p)
		*cap = n;
	return p;
}

static void csv_free(struct csv *r)
{
	free(r->buf);
	free(r->text);
	free(r->off);
	free(r->field);
}

static void csv_error(const struct csv *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%ld: ", r->prog, r->name, r->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One line into r->buf without its line ending.  @return 1, 0 at the end of
 * the file, or a negative errno (reported here). */
static int read_line(struct csv *r, size_t *len)
{
	ssize_t n;

	n = cli_read_line(&r->buf, &r->bufcap, r->f);
	if (n < 0 && errno == E2BIG) {
		r->line = r->lines + 1;
		csv_error(r, "a line longer than %d bytes: this is not a CSV file", CLI_LINE_MAX);
		return -EINVAL;
	}
	if (n < 0) {
		if (!errno)
			return 0;
		fprintf(stderr, "%s: %s: %s\n", r->prog, r->name, strerror(errno));
		return errno == ENOMEM ? -ENOMEM : -EIO;
	}
	r->lines++;
	r->line = r->line ? r->line : r->lines;
	if (memchr(r->buf, '\0', (size_t)n)) {
		r->line = r->lines;
		csv_error(r, "a NUL byte: this is not a text file");
		return -EINVAL;
	}
	if (n > 0 && r->buf[n - 1] == '\n')
		n--;
	if (n > 0 && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';

	/* Spreadsheets often start a UTF-8 export with a byte order mark. */
	if (r->lines == 1 && strncmp(r->buf, "\xef\xbb\xbf", 3) == 0) {
		n -= 3;
		memmove(r->buf, r->buf + 3, (size_t)n + 1);
	}
	*len = (size_t)n;
	return 1;
}

static int push(struct csv *r, char ch)
{
	char *t = grow(r->text, &r->textcap, r->textlen + 1, 1);

	if (!t)
		return -ENOMEM;
	r->text = t;
	r->text[r->textlen++] = ch;
	return 0;
}

static int start_field(struct csv *r)
{
	size_t *o = grow(r->off, &r->offcap, r->nfield + 1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	r->off = o;
	r->off[r->nfield++] = r->textlen;
	return 0;
}

/* Split the text of a record (which may span lines inside quotes) into
 * fields.  @return 1 with r->field/r->nfield set, 0 at the end of the file,
 * or a negative errno, reported. */
static int csv_next(struct csv *r)
{
	bool quoted = false, closed = false;
	char **field;
	size_t len, i;
	int rc;

	do {
		r->line = 0;
		rc = read_line(r, &len);
		if (rc <= 0)
			return rc;
	} while (len == 0); /* blank lines, often one at the end of an export */

	r->textlen = 0;
	r->nfield = 0;
	if (start_field(r) < 0)
		goto nomem;
	for (;;) {
		for (i = 0; i < len; i++) {
			char ch = r->buf[i];
			bool at_start = r->textlen == r->off[r->nfield - 1] && !closed;

			if (quoted && ch == '"' && r->buf[i + 1] == '"') {
				rc = push(r, '"');
				i++;
			} else if (quoted && ch == '"') {
				quoted = false;
				closed = true;
				rc = 0;
			} else if (quoted) {
				rc = push(r, ch);
			} else if (ch == ',') {
				closed = false;
				rc = push(r, '\0');
				rc = rc < 0 ? rc : start_field(r);
			} else if (closed) {
				csv_error(r, "field %zu: text after its closing quote", r->nfield);
				return -EINVAL;
			} else if (ch == '"' && r->quotes && at_start) {
				quoted = true;
				rc = 0;
			} else {
				rc = push(r, ch);
			}
			if (rc < 0)
				goto nomem;
		}
		/* A record stays within what a line may hold, over lines or not. */
		if (r->textlen > CLI_LINE_MAX) {
			csv_error(r, "a record longer than %d bytes (field %zu: a quote never "
				     "closed?)", CLI_LINE_MAX, r->nfield);
			return -EINVAL;
		}
		if (!quoted)
			break;

		/* A line break inside quotes belongs to the field. */
		if (push(r, '\n') < 0)
			goto nomem;
		rc = read_line(r, &len);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			csv_error(r, "field %zu: its quote is never closed", r->nfield);
			return -EINVAL;
		}
	}
	if (push(r, '\0') < 0)
		goto nomem;

	field = grow(r->field, &r->fieldcap, r->nfield, sizeof(*field));
	if (!field)
		goto nomem;
	r->field = field;
	for (i = 0; i < r->nfield; i++)
		r->field[i] = r->text + r->off[i];
	return 1;

nomem:
	fprintf(stderr, "%s: %s: %s\n", r->prog, r->name, strerror(ENOMEM));
	return -ENOMEM;
}

/* The header as the first record; an empty file has none. */
static int csv_header(struct csv *r, const char *expected)
{
	int rc = csv_next(r);

	if (rc == 0) {
		r->line = 1;
		csv_error(r, "empty file: expected the header %s", expected);
		return -EINVAL;
	}
	return rc < 0 ? rc : 0;
}

/* What one run of the command carries from file to file. */
struct import {
	struct cli *c;
	struct attrib_store *st;
	bool tty;     /* stderr is a terminal: show progress */
	long rows;    /* of the current file */
	long applied; /* events that changed the store */
	long repeats; /* events the store already had */
};

static void progress(struct import *im, const struct csv *r)
{
	if (im->tty && im->rows % PROGRESS_EVERY == 0)
		fprintf(stderr, "\r%s: %s: %ld rows", im->c->prog, r->name, im->rows);
}

/* A time of the row, through the command's own parser (which knows --tz and
 * prints the reason), with the file and line named. */
static int parse_time(struct import *im, const struct csv *r, const char *what, const char *s,
		      int64_t *out)
{
	char where[512];

	snprintf(where, sizeof(where), "%s:%ld: %s", r->name, r->line, what);
	return cli_parse_time(im->c, where, s, out) ? -EINVAL : 0;
}

/* valid_from and valid_to of a reference row: an empty valid_to is open. */
static int parse_validity(struct import *im, const struct csv *r, const char *from_s,
			  const char *to_s, int64_t *from, int64_t *to)
{
	if (parse_time(im, r, "valid_from", from_s, from) < 0)
		return -EINVAL;
	*to = INT64_MAX;
	if (*to_s && parse_time(im, r, "valid_to", to_s, to) < 0)
		return -EINVAL;
	if (*to <= *from) {
		csv_error(r, "valid_to: \"%s\" is not after valid_from \"%s\"", to_s, from_s);
		return -EINVAL;
	}
	return 0;
}

static int check_account(const struct csv *r, const char *account)
{
	if (!*account) {
		csv_error(r, "account: empty");
		return -EINVAL;
	}
	if (strlen(account) >= ATTRIB_ACCOUNT_MAX) {
		csv_error(r, "account: longer than %d bytes", ATTRIB_ACCOUNT_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

/* A store call failed on this row: -EINVAL is the row's fault, anything
 * else the store's. */
static int store_error(struct import *im, const struct csv *r, int rc, const char *what)
{
	if (rc == -EINVAL) {
		csv_error(r, "the store refused this %s: %s", what, attrib_store_errmsg(im->st));
		return CLI_EXIT_DATA;
	}
	csv_error(r, "%s: %s", strerror(-rc), attrib_store_errmsg(im->st));
	return CLI_EXIT_IO;
}

static const char *const subscriber_kinds[] = { "username",  "hwaddr",     "client-id",    "duid",
						"remote-id", "circuit-id", "subscriber-id" };

/* @return 0 or an exit code, the error reported. */
static int subscriber_row(struct import *im, const struct csv *r)
{
	const char *kind = r->field[0], *value = r->field[1], *account = r->field[2];
	char norm[ATTRIB_STR_MAX];
	int64_t from, to;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(subscriber_kinds) / sizeof(*subscriber_kinds); i++)
		if (strcmp(kind, subscriber_kinds[i]) == 0)
			break;
	if (i == sizeof(subscriber_kinds) / sizeof(*subscriber_kinds)) {
		csv_error(r,
			  "kind: \"%s\" is none of username, hwaddr, client-id, duid, "
			  "remote-id, circuit-id, subscriber-id",
			  kind);
		return CLI_EXIT_DATA;
	}
	if (!*value) {
		csv_error(r, "value: empty");
		return CLI_EXIT_DATA;
	}
	rc = attrib_identity_normalize(kind, value, norm, sizeof(norm));
	if (rc == -ENAMETOOLONG) {
		csv_error(r, "value: too long for a %s", kind);
		return CLI_EXIT_DATA;
	}
	if (rc < 0) {
		csv_error(r, "value: \"%s\" is not a %s (hex bytes such as 00:00:5e:00:53:01)",
			  value, kind);
		return CLI_EXIT_DATA;
	}
	if (check_account(r, account) < 0 ||
	    parse_validity(im, r, r->field[3], r->field[4], &from, &to) < 0)
		return CLI_EXIT_DATA;

	rc = attrib_store_add_subscriber(im->st, kind, value, account, from, to);
	return rc < 0 ? store_error(im, r, rc, "subscriber row") : 0;
}

static int static_row(struct import *im, const struct csv *r)
{
	struct attrib_prefix prefix;
	char err[160];
	int64_t from, to;
	int rc;

	if (attrib_prefix_parse(r->field[0], &prefix, err, sizeof(err)) < 0) {
		csv_error(r, "prefix: %s", err);
		return CLI_EXIT_DATA;
	}
	if (check_account(r, r->field[1]) < 0 ||
	    parse_validity(im, r, r->field[2], r->field[3], &from, &to) < 0)
		return CLI_EXIT_DATA;

	rc = attrib_store_add_static(im->st, &prefix, r->field[1], from, to);
	return rc < 0 ? store_error(im, r, rc, "static assignment") : 0;
}

/* Whether the header record is exactly @p expected, field by field. */
static bool header_is(const struct csv *r, const char *expected)
{
	const char *p = expected;

	for (size_t i = 0; i < r->nfield; i++) {
		size_t n = strlen(r->field[i]);

		if (strncmp(p, r->field[i], n) != 0)
			return false;
		p += n;
		if (*p != (i + 1 < r->nfield ? ',' : '\0'))
			return false;
		p += *p == ',';
	}
	return true;
}

/* The exit code for a reader's failure, already reported. */
static int read_failure(int rc)
{
	return rc == -EINVAL ? CLI_EXIT_DATA : rc == -ENOMEM ? CLI_EXIT_SOFTWARE : CLI_EXIT_IO;
}

/* Subscribers and static assignments: a fixed header, one store call a row. */
static int import_reference(struct import *im, struct csv *r, const char *header,
			    int (*row)(struct import *, const struct csv *))
{
	size_t ncol = 1;
	int rc;

	for (const char *p = header; *p; p++)
		ncol += *p == ',';
	rc = csv_header(r, header);
	if (rc < 0)
		return read_failure(rc);
	if (!header_is(r, header)) {
		csv_error(r, "the header must be exactly %s", header);
		return CLI_EXIT_DATA;
	}

	while ((rc = csv_next(r)) > 0) {
		if (r->nfield != ncol) {
			csv_error(r, "%zu fields where the header has %zu", r->nfield, ncol);
			return CLI_EXIT_DATA;
		}
		rc = row(im, r);
		if (rc)
			return rc;
		im->rows++;
		im->applied++;
		progress(im, r);
	}
	return rc < 0 ? read_failure(rc) : 0;
}

/*
 * Kea memfile lease files.  The columns are found by name: Kea 2.4 added
 * pool_id, older files lack state or user_context, and a future
 * column must not shift the others.
 */
enum kea_col {
	K_ADDRESS,
	K_HWADDR,
	K_CLIENT_ID,
	K_DUID,
	K_VALID,
	K_EXPIRE,
	K_SUBNET,
	K_LEASE_TYPE,
	K_IAID,
	K_PREFIX_LEN,
	K_HOSTNAME,
	K_STATE,
	K_USER_CONTEXT,
	K__COUNT
};

static const char *const kea_col_names[K__COUNT] = {
	[K_ADDRESS] = "address",
	[K_HWADDR] = "hwaddr",
	[K_CLIENT_ID] = "client_id",
	[K_DUID] = "duid",
	[K_VALID] = "valid_lifetime",
	[K_EXPIRE] = "expire",
	[K_SUBNET] = "subnet_id",
	[K_LEASE_TYPE] = "lease_type",
	[K_IAID] = "iaid",
	[K_PREFIX_LEN] = "prefix_len",
	[K_HOSTNAME] = "hostname",
	[K_STATE] = "state",
	[K_USER_CONTEXT] = "user_context",
};

/* Columns every Kea lease file has had, by family. */
static const enum kea_col kea4_required[] = { K_ADDRESS, K_HWADDR, K_CLIENT_ID,
					      K_VALID,   K_EXPIRE, K_SUBNET };
static const enum kea_col kea6_required[] = { K_ADDRESS, K_DUID, K_VALID,      K_EXPIRE,
					      K_SUBNET,  K_IAID, K_LEASE_TYPE, K_PREFIX_LEN };

/* Kea's lease states (lease.h); 3 and 4 appeared in Kea 2.7. */
enum { KEA_DEFAULT, KEA_DECLINED, KEA_EXPIRED_RECLAIMED, KEA_RELEASED, KEA_REGISTERED };

/* A file to read, and what reading it did. */
struct input {
	const char *path;
	char *owned; /* path, when found here rather than named */
	char *base;  /* the live file's name: server name and grouping key */
	int gen;     /* 2 or 1 for what lease file cleanup leaves, 0 for the live file */
	size_t group;
	long rows, applied, repeats;
};

struct kea_reader {
	struct csv *r;
	int family; /* 4 or 6 */
	int col[K__COUNT];
	size_t ncol;
	const char *server;
};

static const char *kea_get(const struct kea_reader *k, enum kea_col c)
{
	return k->col[c] < 0 ? "" : k->r->field[k->col[c]];
}

static int parse_uint(const struct kea_reader *k, enum kea_col c, uint64_t max, uint64_t *out)
{
	const char *s = kea_get(k, c);
	char *end;

	if (*s < '0' || *s > '9')
		goto fail;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out > max)
		goto fail;
	return 0;

fail:
	csv_error(k->r, "%s: \"%s\" is not a whole number from 0 to %" PRIu64, kea_col_names[c], s,
		  max);
	return -EINVAL;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The byte two hex digits at @p s stand for, or -1. */
static int hex_byte(const char *s)
{
	int hi = hex_value(s[0]), lo = hi < 0 ? -1 : hex_value(s[1]);

	return lo < 0 ? -1 : hi * 16 + lo;
}

/* Kea writes "&#x" and two hex digits for a comma or an ampersand in its
 * text fields (CSVRow::escapeCharacters); undo it in place. */
static int kea_unescape(const struct kea_reader *k, enum kea_col c, char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		int v = strncmp(p, "&#x", 3) == 0 ? hex_byte(p + 3) : -1;

		if (v == 0) {
			csv_error(k->r, "%s: an escaped NUL byte", kea_col_names[c]);
			return -EINVAL;
		}
		if (v > 0) {
			*w++ = (char)v;
			p += 4;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return 0;
}

/* Store an identity found on the row; an unusable one is an error of the row. */
static int kea_identity(const struct kea_reader *k, enum kea_col c, const char *kind,
			const char *value, char *dst)
{
	int rc;

	if (!*value)
		return 0;
	rc = attrib_identity_normalize(kind, value, dst, ATTRIB_STR_MAX);
	if (rc == -ENAMETOOLONG) {
		csv_error(k->r, "%s: longer than %d bytes", kea_col_names[c], ATTRIB_STR_MAX - 1);
		return -EINVAL;
	}
	if (rc < 0) {
		csv_error(k->r, "%s: \"%s\" is not hex bytes", kea_col_names[c], value);
		return -EINVAL;
	}
	return 0;
}

/* One option-82 sub-option as an identity.  A sub-option too long for an
 * identity is left out: it is the relay's data, not an error in the file. */
static void relay_suboption(const char *kind, const uint8_t *data, size_t len, char *dst)
{
	attrib_identity_from_bytes(kind, data, len, dst, ATTRIB_STR_MAX);
}

/* The relay agent information (DHCPv4 option 82) that store-extended-info
 * keeps in the lease's user context: Kea 2.2 writes "relay-agent-info" as
 * the option's hex, later versions as an object whose "sub-options" holds it.
 * Circuit-id is sub-option 1, remote-id 2, subscriber-id 6 (RFC 3046, 3993). */
static void kea_relay_info(json_t *ctx, struct attrib_identities *id)
{
	json_t *rai = json_object_get(json_object_get(ctx, "ISC"), "relay-agent-info");
	uint8_t opt[255];
	const char *hex;
	size_t n = 0;
	int v;

	if (json_is_object(rai))
		rai = json_object_get(rai, "sub-options");
	if (!json_is_string(rai))
		return;
	hex = json_string_value(rai);
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	for (; n < sizeof(opt) && (v = hex_byte(hex)) >= 0; hex += 2)
		opt[n++] = (uint8_t)v;

	/* What the relay sent is read up to where it stops making sense. */
	for (size_t i = 0; i + 2 <= n && i + 2 + opt[i + 1] <= n; i += 2 + opt[i + 1]) {
		if (opt[i] == 1)
			relay_suboption("circuit-id", &opt[i + 2], opt[i + 1], id->circuit_id);
		else if (opt[i] == 2)
			relay_suboption("remote-id", &opt[i + 2], opt[i + 1], id->remote_id);
		else if (opt[i] == 6)
			relay_suboption("subscriber-id", &opt[i + 2], opt[i + 1],
					id->subscriber_id);
	}
}

static int kea_context(const struct kea_reader *k, struct attrib_event *ev)
{
	char *s = k->col[K_USER_CONTEXT] < 0 ? NULL : k->r->field[k->col[K_USER_CONTEXT]];
	json_error_t jerr;
	json_t *ctx;

	if (!s || !*s)
		return 0;
	if (kea_unescape(k, K_USER_CONTEXT, s) < 0)
		return -EINVAL;
	ctx = json_loads(s, JSON_DECODE_ANY, &jerr);
	if (!ctx) {
		csv_error(k->r, "user_context: not JSON: %s", jerr.text);
		return -EINVAL;
	}
	kea_relay_info(ctx, &ev->id);
	json_decref(ctx);
	return 0;
}

/* What the row says about the client. */
static int kea_identities(const struct kea_reader *k, struct attrib_event *ev)
{
	struct attrib_identities *id = &ev->id;
	char *host = k->col[K_HOSTNAME] < 0 ? NULL : k->r->field[k->col[K_HOSTNAME]];
	uint64_t iaid;

	if (kea_identity(k, K_HWADDR, "hwaddr", kea_get(k, K_HWADDR), id->hwaddr) < 0)
		return -EINVAL;
	if (k->family == 4) {
		if (kea_identity(k, K_CLIENT_ID, "client-id", kea_get(k, K_CLIENT_ID),
				 id->client_id) < 0)
			return -EINVAL;
	} else {
		/* A declined v6 lease keeps a one-byte zero DUID (DUID::EMPTY). */
		if (strcmp(kea_get(k, K_DUID), "00") != 0 &&
		    kea_identity(k, K_DUID, "duid", kea_get(k, K_DUID), id->duid) < 0)
			return -EINVAL;
		if (parse_uint(k, K_IAID, UINT32_MAX, &iaid) < 0)
			return -EINVAL;
		id->iaid = (uint32_t)iaid;
		id->has_iaid = true;
	}
	if (host && *host) {
		if (kea_unescape(k, K_HOSTNAME, host) < 0)
			return -EINVAL;
		if (strlen(host) >= ATTRIB_STR_MAX) {
			csv_error(k->r, "hostname: longer than %d bytes", ATTRIB_STR_MAX - 1);
			return -EINVAL;
		}
		strcpy(id->hostname, host);
	}
	return kea_context(k, ev);
}

static int kea_address(const struct kea_reader *k, struct attrib_event *ev)
{
	const char *addr = kea_get(k, K_ADDRESS);
	char err[160], text[ATTRIB_ADDR_STRLEN + 8];
	uint64_t type = 0, len;
	int rc;

	if (k->family == 6 && parse_uint(k, K_LEASE_TYPE, 2, &type) < 0)
		return -EINVAL;
	if (type == 2) {
		/* A delegated prefix: its network in address, its length apart. */
		if (parse_uint(k, K_PREFIX_LEN, 128, &len) < 0)
			return -EINVAL;
		if (strlen(addr) >= ATTRIB_ADDR_STRLEN) {
			csv_error(k->r, "address: \"%.60s\" is no IPv6 prefix", addr);
			return -EINVAL;
		}
		snprintf(text, sizeof(text), "%s/%u", addr, (unsigned)len);
		ev->lease_type = ATTRIB_LEASE_PREFIX;
		rc = attrib_prefix_parse(text, &ev->addr[0], err, sizeof(err));
	} else {
		/* NA, and TA (type 1) which is an address too. */
		ev->lease_type = ATTRIB_LEASE_ADDR;
		rc = attrib_addr_parse(addr, &ev->addr[0], err, sizeof(err));
	}
	if (rc == 0 && ev->addr[0].family != k->family) {
		snprintf(err, sizeof(err), "\"%s\" is not an IPv%d address", addr, k->family);
		rc = -EINVAL;
	}
	if (rc < 0) {
		csv_error(k->r, "address: %s", err);
		return -EINVAL;
	}
	ev->naddr = 1;
	return 0;
}

/*
 * One row as the event it records.  A row is the lease as written at its
 * last change; expire = cltt + valid_lifetime.  valid_lifetime 0 is a
 * deletion (release, lease4-del, flush of a reclaimed lease) whose expire is
 * the deleted lease's last cltt, not the time of the deletion.  A reclaimed
 * lease (state 2) keeps its client and its last commit: the row records that
 * commit too, in *commit (type 0 for every other row), and is often all
 * that is left of it once Kea's file cleanup kept each lease's last row.
 */
static int kea_event(const struct kea_reader *k, struct attrib_event *ev,
		     struct attrib_event *commit)
{
	uint64_t valid, expire, subnet, state = 0;

	memset(ev, 0, sizeof(*ev));
	commit->type = 0;
	ev->source = ATTRIB_SRC_IMPORT;
	snprintf(ev->server, sizeof(ev->server), "%s", k->server);
	if (parse_uint(k, K_VALID, UINT32_MAX, &valid) < 0 ||
	    parse_uint(k, K_EXPIRE, ATTRIB_TIME_LIMIT_SEC, &expire) < 0 ||
	    parse_uint(k, K_SUBNET, UINT32_MAX, &subnet) < 0 ||
	    (k->col[K_STATE] >= 0 && parse_uint(k, K_STATE, UINT32_MAX, &state) < 0))
		return -EINVAL;
	if (valid > expire) {
		csv_error(k->r, "expire: %" PRIu64 " is less than valid_lifetime %" PRIu64, expire,
			  valid);
		return -EINVAL;
	}
	ev->subnet_id = (uint32_t)subnet;
	ev->has |= ATTRIB_HAS_SUBNET;

	if (valid == 0) {
		ev->type = ATTRIB_EV_LEASE_DELETE;
		ev->time = (int64_t)expire * ATTRIB_USEC;
	} else if (state == KEA_DEFAULT || state == KEA_REGISTERED) {
		ev->type = ATTRIB_EV_LEASE_COMMIT;
		ev->time = (int64_t)(expire - valid) * ATTRIB_USEC;
		ev->valid_lifetime = (uint32_t)valid;
		ev->has |= ATTRIB_HAS_LIFETIME;
	} else if (state == KEA_DECLINED) {
		/* valid_lifetime is then the probation period, not a binding. */
		ev->type = ATTRIB_EV_LEASE_DECLINE;
		ev->time = (int64_t)(expire - valid) * ATTRIB_USEC;
	} else if (state == KEA_EXPIRED_RECLAIMED) {
		ev->type = ATTRIB_EV_LEASE_EXPIRE;
		ev->time = (int64_t)expire * ATTRIB_USEC;
	} else if (state == KEA_RELEASED) {
		ev->type = ATTRIB_EV_LEASE_RELEASE;
		ev->time = (int64_t)(expire - valid) * ATTRIB_USEC;
	} else {
		csv_error(k->r, "state: %" PRIu64 " is no lease state Kea writes (0 to 4)", state);
		return -EINVAL;
	}

	if (kea_address(k, ev) < 0 || kea_identities(k, ev) < 0)
		return -EINVAL;
	if (ev->type == ATTRIB_EV_LEASE_EXPIRE &&
	    (ev->id.hwaddr[0] || ev->id.client_id[0] || ev->id.duid[0])) {
		*commit = *ev;
		commit->type = ATTRIB_EV_LEASE_COMMIT;
		commit->time = (int64_t)(expire - valid) * ATTRIB_USEC;
		commit->valid_lifetime = (uint32_t)valid;
		commit->has |= ATTRIB_HAS_LIFETIME;
	}
	return 0;
}

/* The family and columns from the header line. */
static int kea_header(struct kea_reader *k)
{
	const enum kea_col *req;
	size_t nreq;

	if (csv_header(k->r, "of a Kea lease file") < 0)
		return -EINVAL;
	for (int c = 0; c < K__COUNT; c++)
		k->col[c] = -1;
	for (size_t i = 0; i < k->r->nfield; i++)
		for (int c = 0; c < K__COUNT; c++)
			if (k->col[c] < 0 && strcmp(k->r->field[i], kea_col_names[c]) == 0)
				k->col[c] = (int)i;
	k->ncol = k->r->nfield;

	if (k->col[K_DUID] >= 0) {
		k->family = 6;
		req = kea6_required;
		nreq = sizeof(kea6_required) / sizeof(*kea6_required);
	} else if (k->col[K_CLIENT_ID] >= 0) {
		k->family = 4;
		req = kea4_required;
		nreq = sizeof(kea4_required) / sizeof(*kea4_required);
	} else {
		csv_error(k->r, "not a Kea lease file: the header names neither client_id (v4) "
				"nor duid (v6)");
		return -EINVAL;
	}
	for (size_t i = 0; i < nreq; i++) {
		if (k->col[req[i]] < 0) {
			csv_error(k->r, "the header of a Kea v%d lease file lacks %s", k->family,
				  kea_col_names[req[i]]);
			return -EINVAL;
		}
	}
	return 0;
}

static int import_kea(struct import *im, struct csv *r, const char *server)
{
	struct kea_reader k = { .r = r, .server = server };
	struct attrib_event ev, commit;
	int rc, known;

	rc = kea_header(&k);
	if (rc < 0)
		return read_failure(rc);
	while ((rc = csv_next(r)) > 0) {
		if (r->nfield != k.ncol) {
			csv_error(r, "%zu fields where the header has %zu", r->nfield, k.ncol);
			return CLI_EXIT_DATA;
		}
		if (kea_event(&k, &ev, &commit) < 0)
			return CLI_EXIT_DATA;
		/* A row is known when every event it records is. */
		known = 1;
		for (int i = commit.type ? 0 : 1; i < 2; i++) {
			const struct attrib_event *e = i ? &ev : &commit;

			rc = attrib_store_apply(im->st, &im->c->policy, e);
			if (rc < 0)
				return store_error(im, r, rc, attrib_event_type_name(e->type));
			known &= rc == 0;
		}
		im->applied += !known;
		im->repeats += known;
		im->rows++;
		progress(im, r);
	}
	return rc < 0 ? read_failure(rc) : 0;
}

/* "x.csv.2" -> generation 2 of "x.csv"; anything else is a live file. */
static int kea_split(const char *path, char **base)
{
	size_t n = strlen(path);
	int gen = 0;

	if (n > 2 && path[n - 2] == '.' && (path[n - 1] == '1' || path[n - 1] == '2')) {
		gen = path[n - 1] - '0';
		n -= 2;
	}
	*base = strndup(path, n);
	return *base ? gen : -ENOMEM;
}

static int kea_file_cmp(const void *a, const void *b)
{
	const struct input *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return y->gen - x->gen;
}

static void inputs_free(struct input *kf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kf[i].owned);
		free(kf[i].base);
	}
	free(kf);
}

/* Append the generations 2 and 1 of the live file @p kf[i] that exist and
 * were not named to the *@p np entries, and say so.  @return 0 or -ENOMEM. */
static int kea_add_rotated(struct import *im, struct input *kf, size_t *np, size_t i)
{
	size_t n = *np;
	bool named[3] = { false, false, false };
	const char *also[2] = { NULL, NULL };
	size_t nalso = 0;

	for (size_t j = 0; j < n; j++)
		if (kf[j].group == kf[i].group)
			named[kf[j].gen] = true;
	for (int gen = 2; gen >= 1; gen--) {
		char *path;

		if (named[gen])
			continue;
		if (asprintf(&path, "%s.%d", kf[i].base, gen) < 0)
			return -ENOMEM;
		if (access(path, F_OK) != 0) {
			free(path);
			continue;
		}
		kf[n] = (struct input){ .path = path,
					.owned = path,
					.gen = gen,
					.group = kf[i].group,
					.base = strdup(kf[i].base) };
		*np = ++n;
		if (!kf[n - 1].base)
			return -ENOMEM;
		also[nalso++] = path;
	}
	if (nalso)
		fprintf(stderr, "%s: reading %s%s%s first, left there by lease file cleanup\n",
			im->c->prog, also[0], nalso > 1 ? " and " : "", nalso > 1 ? also[1] : "");
	return 0;
}

/*
 * The files in the order their rows were written.  Lease file cleanup (LFC)
 * moves the live file to FILE.1 and merges it into the older FILE.2, so
 * FILE.2, FILE.1 and FILE hold the history oldest first: named or not, they
 * are read in that order, the ones not named but present included.
 * Standard input ("-") is a file of its own.
 */
static int kea_files(struct import *im, int nname, char **name, struct input **out, size_t *nout)
{
	struct input *kf = calloc((size_t)nname * 3, sizeof(*kf));
	size_t n = 0, ngroup = 0, nnamed;

	if (!kf)
		return -ENOMEM;
	for (int i = 0; i < nname; i++) {
		bool is_stdin = strcmp(name[i], "-") == 0, dup = false;
		size_t group = ngroup;
		char *base = NULL;
		int gen = is_stdin ? 0 : kea_split(name[i], &base);

		if (gen < 0 || (is_stdin && !(base = strdup("stdin"))))
			goto nomem;
		for (size_t j = 0; j < n && !is_stdin; j++) {
			if (strcmp(kf[j].path, "-") == 0 || strcmp(kf[j].base, base) != 0)
				continue;
			group = kf[j].group;
			dup |= kf[j].gen == gen;
		}
		if (dup) {
			free(base);
			continue;
		}
		ngroup += group == ngroup;
		kf[n++] =
			(struct input){ .path = name[i], .base = base, .gen = gen, .group = group };
	}

	nnamed = n;
	for (size_t i = 0; i < nnamed; i++) {
		if (kf[i].gen != 0 || strcmp(kf[i].path, "-") == 0)
			continue;
		if (kea_add_rotated(im, kf, &n, i) < 0)
			goto nomem;
	}

	qsort(kf, n, sizeof(*kf), kea_file_cmp);
	*out = kf;
	*nout = n;
	return 0;

nomem:
	inputs_free(kf, n);
	return -ENOMEM;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

enum kind { KIND_SUBSCRIBERS, KIND_STATIC, KIND_KEA, KIND_DETAIL };

/* Read one file into the open transaction.  @return 0 or an exit code. */
static int import_file(struct import *im, enum kind kind, struct input *in)
{
	struct csv r = { .prog = im->c->prog, .quotes = kind != KIND_KEA };
	bool is_stdin = strcmp(in->path, "-") == 0;
	int rc;

	r.name = is_stdin ? "<stdin>" : in->path;
	r.f = is_stdin ? stdin : fopen(in->path, "r");
	if (!r.f) {
		rc = errno;
		fprintf(stderr, "%s: %s: %s\n", im->c->prog, in->path, strerror(rc));
		return rc == ENOENT ? CLI_EXIT_NOINPUT : CLI_EXIT_IO;
	}
	im->rows = im->applied = im->repeats = 0;

	if (kind == KIND_SUBSCRIBERS)
		rc = import_reference(im, &r, "kind,value,account,valid_from,valid_to",
				      subscriber_row);
	else if (kind == KIND_STATIC)
		rc = import_reference(im, &r, "prefix,account,valid_from,valid_to", static_row);
	else if (kind == KIND_KEA)
		rc = import_kea(im, &r, base_name(in->base));
	else {
		struct cli_import_counts n = { 0 };

		rc = cli_import_detail(im->c, im->st, r.f, r.name, &n);
		im->rows = n.rows;
		im->applied = n.applied;
		im->repeats = n.repeats;
	}
	if (im->tty && im->rows >= PROGRESS_EVERY)
		fputs("\r\033[K", stderr);
	in->rows = im->rows;
	in->applied = im->applied;
	in->repeats = im->repeats;

	if (!is_stdin)
		fclose(r.f);
	csv_free(&r);
	return rc;
}

/* After the commit: a line per file on stderr, and with --json the same on
 * stdout as one object. */
static int report(struct cli *c, const char *kind, const struct input *in, size_t n)
{
	json_t *files = c->json ? json_array() : NULL, *o;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = strcmp(in[i].path, "-") == 0 ? "<stdin>" : in[i].path;

		fprintf(stderr, "%s: imported %ld rows from %s", c->prog, in[i].rows, name);
		if (in[i].repeats)
			fprintf(stderr, " (%ld already known)", in[i].repeats);
		fputc('\n', stderr);
		if (!files)
			continue;
		o = json_pack("{s:s, s:I, s:I, s:I}", "file", name, "rows", (json_int_t)in[i].rows,
			      "applied", (json_int_t)in[i].applied, "repeats",
			      (json_int_t)in[i].repeats);
		if (json_array_append_new(files, o) < 0)
			rc = CLI_EXIT_SOFTWARE;
	}
	if (!c->json)
		return rc;

	o = json_pack("{s:s, s:o}", "kind", kind, "files", files);
	if (!o || json_dumpf(o, stdout, JSON_INDENT(2)) < 0 || puts("") == EOF)
		rc = rc ? rc : CLI_EXIT_IO;
	json_decref(o);
	return rc;
}

int cli_import(struct cli *c, int argc, char **argv)
{
	struct import im = { .c = c, .tty = isatty(STDERR_FILENO) };
	struct input *in = NULL;
	size_t nfile = 0;
	enum kind kind;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr,
			"%s: import: which kind? subscribers, static, kea-leases or "
			"radius-detail (attrib import --help)\n",
			c->prog);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "subscribers") == 0) {
		kind = KIND_SUBSCRIBERS;
	} else if (strcmp(argv[1], "static") == 0) {
		kind = KIND_STATIC;
	} else if (strcmp(argv[1], "kea-leases") == 0) {
		kind = KIND_KEA;
	} else if (strcmp(argv[1], "radius-detail") == 0) {
		kind = KIND_DETAIL;
	} else {
		fprintf(stderr,
			"%s: import: unknown kind \"%s\": subscribers, static, "
			"kea-leases or radius-detail\n",
			c->prog, argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (argc < 3) {
		fprintf(stderr, "%s: import %s: no file given (\"-\" for standard input)\n",
			c->prog, argv[1]);
		return CLI_EXIT_USAGE;
	}

	if (kind == KIND_KEA) {
		rc = kea_files(&im, argc - 2, argv + 2, &in, &nfile);
	} else {
		in = calloc((size_t)argc - 2, sizeof(*in));
		rc = in ? 0 : -ENOMEM;
		for (int i = 2; in && i < argc; i++)
			in[nfile++].path = argv[i];
	}
	if (rc < 0) {
		fprintf(stderr, "%s: import: %s\n", c->prog, strerror(-rc));
		return CLI_EXIT_SOFTWARE;
	}

	/* A missing file is found before the store is touched. */
	for (size_t i = 0; i < nfile; i++) {
		if (strcmp(in[i].path, "-") != 0 && access(in[i].path, R_OK) != 0) {
			rc = errno;
			fprintf(stderr, "%s: %s: %s\n", c->prog, in[i].path, strerror(rc));
			rc = rc == ENOENT ? CLI_EXIT_NOINPUT : CLI_EXIT_IO;
			goto out;
		}
	}

	rc = cli_open_store(c, ATTRIB_STORE_CREATE, &im.st);
	if (rc)
		goto out;
	if (attrib_store_begin(im.st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, c->db, attrib_store_errmsg(im.st));
		rc = CLI_EXIT_IO;
		goto out;
	}
	for (size_t i = 0; i < nfile && !rc; i++)
		rc = import_file(&im, kind, &in[i]);
	if (rc) {
		attrib_store_rollback(im.st);
		if (nfile > 1)
			fprintf(stderr, "%s: nothing imported from any of the %zu files\n", c->prog,
				nfile);
		goto out;
	}
	if (attrib_store_commit(im.st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, c->db, attrib_store_errmsg(im.st));
		rc = CLI_EXIT_IO;
		goto out;
	}
	rc = report(c, argv[1], in, nfile);

out:
	if (im.st)
		attrib_store_close(im.st);
	inputs_free(in, nfile);
	return rc;
}
