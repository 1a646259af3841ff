/* SPDX-License-Identifier: GPL-3.0-or-later
 * Shadowserver CSV files (libcsv), read as they stream in so that a file of
 * any number of rows is held one row at a time, and zip archives of reports
 * (libarchive), unpacked a block at a time with a bound on each member. */
#include "tools/report/report_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <csv.h>

#define FIELD_MAX   96   /* bytes kept of a field we read */
#define COLUMNS_MAX 1000
#define BLOCK       (64 * 1024)

/* The columns read, by Shadowserver's names (read by name: the set
 * changes between feeds and years). */
enum col { C_TIME, C_SRC_IP, C_SRC_PORT, C_IP, C_INFECTION, C_TAG, C__N };
static const char *const col_names[C__N] = {
	"timestamp", "src_ip", "src_port", "ip", "infection", "tag",
};

struct rd_csv {
	struct rd *rd;
	struct csv_parser p;
	unsigned long row;    /* rows completed, the header being row 1 */
	size_t col;           /* the column of the next field */
	bool header_done;
	int idx[C__N];        /* column of each, -1: absent */
	char field[C__N][FIELD_MAX];
	int rc;
};

static void field_cb(void *s, size_t len, void *arg)
{
	struct rd_csv *c = arg;
	size_t col = c->col++;

	if (c->rc < 0)
		return;
	if (col >= COLUMNS_MAX) {
		c->rc = rd_fail(c->rd, -EFBIG, c->row + 1, "more than %d columns", COLUMNS_MAX);
		return;
	}
	for (int k = 0; k < C__N; k++) {
		if (!c->header_done) {
			if (s && len == strlen(col_names[k]) && !strncasecmp(s, col_names[k], len) &&
			    c->idx[k] < 0)
				c->idx[k] = (int)col;
		} else if (c->idx[k] == (int)col) {
			size_t n = len < FIELD_MAX - 1 ? len : FIELD_MAX - 1;

			memcpy(c->field[k], s ? s : "", s ? n : 0);
			c->field[k][s ? n : 0] = '\0';
		}
	}
}

static int header_row(struct rd_csv *c)
{
	struct rd *rd = c->rd;

	if (c->idx[C_TIME] < 0)
		return rd_fail(rd, -EINVAL, 1, "CSV header without a timestamp column");
	if (c->idx[C_SRC_IP] < 0 && c->idx[C_IP] < 0)
		return rd_fail(rd, -EINVAL, 1, "CSV header without a src_ip or ip column");
	rd_kind(rd, REPORT_SHADOWSERVER);
	c->header_done = true;
	return 0;
}

/* A data row.  Event feeds (src_ip) give the source port in src_port;
 * scan feeds (ip) have a port column that is the scanned service's, and it
 * is not read. */
static int data_row(struct rd_csv *c)
{
	struct rd *rd = c->rd;
	struct report_event ev = { .port = -1, .line = c->row };
	bool event_feed = c->idx[C_SRC_IP] >= 0;
	const char *ip = c->field[event_feed ? C_SRC_IP : C_IP];
	const char *what = c->field[C_INFECTION][0] ? c->field[C_INFECTION] : c->field[C_TAG];
	int rc;

	if (!rd->info.type[0] && what[0])
		rd_copy(rd->info.type, sizeof(rd->info.type), what);
	if ((rc = rd_address(rd, ip, event_feed ? "src_ip" : "ip", c->row, &ev)) < 0 ||
	    (rc = rd_time_iso(rd, c->field[C_TIME], "timestamp", "UTC", c->row, &ev)) < 0)
		return rc;
	if (event_feed && c->field[C_SRC_PORT][0] &&
	    (ev.port = rd_port(rd, c->field[C_SRC_PORT], "src_port", c->row)) < 0)
		return ev.port;
	return rd_emit(rd, &ev);
}

static void row_cb(int term, void *arg)
{
	struct rd_csv *c = arg;

	(void)term;
	c->row++;
	if (c->rc >= 0)
		c->rc = c->header_done ? data_row(c) : header_row(c);
	c->col = 0;
	memset(c->field, 0, sizeof(c->field));
}

int rd_csv_begin(struct rd *rd, struct rd_csv **out)
{
	struct rd_csv *c = calloc(1, sizeof(*c));

	*out = c;
	if (!c)
		return rd_fail(rd, -ENOMEM, 0, "out of memory");
	c->rd = rd;
	for (int k = 0; k < C__N; k++)
		c->idx[k] = -1;
	if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(c);
		*out = NULL;
		return rd_fail(rd, -ENOMEM, 0, "out of memory");
	}
	return 0;
}

static int parse_error(struct rd_csv *c)
{
	int e = csv_error(&c->p);

	if (e == CSV_EPARSE)
		return rd_fail(c->rd, -EINVAL, c->row + 1, "malformed CSV (a stray quote?)");
	return rd_fail(c->rd, -ENOMEM, c->row + 1, "CSV: %s", csv_strerror(e));
}

int rd_csv_feed(struct rd_csv *c, const void *buf, size_t len)
{
	const char *p = buf;

	/* In blocks, so that a field without end is caught near the bound
	 * rather than after the whole input was buffered. */
	while (len && c->rc >= 0) {
		size_t n = len < BLOCK ? len : BLOCK;

		if (csv_parse(&c->p, p, n, field_cb, row_cb, c) != n && c->rc >= 0)
			return parse_error(c);
		if (c->rc >= 0 && csv_get_buffer_size(&c->p) > c->rd->src->lim.max_line)
			c->rc = rd_fail(c->rd, -EFBIG, c->row + 1, "CSV field longer than %zu bytes",
					c->rd->src->lim.max_line);
		p += n;
		len -= n;
	}
	return c->rc;
}

int rd_csv_end(struct rd_csv *c)
{
	int rc = c->rc;

	if (rc >= 0 && csv_fini(&c->p, field_cb, row_cb, c) != 0 && c->rc >= 0)
		rc = parse_error(c);
	if (rc >= 0)
		rc = c->rc;
	if (rc >= 0 && !c->header_done)
		rc = rd_fail(c->rd, -EINVAL, 1, "CSV without a header row");
	rd_csv_free(c);
	return rc;
}

void rd_csv_free(struct rd_csv *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	free(c);
}

bool rd_looks_like_csv(const char *buf, size_t len)
{
	char err[160];
	struct report_source src = { .lim = report_limits_default() };
	struct rd dummy = { .src = &src, .err = err, .errlen = sizeof(err) };
	struct rd_csv c = { .rd = &dummy };
	size_t eol = strcspn(buf, "\r\n");
	bool yes;

	if (eol >= len || eol > 64 * 1024)
		return false;
	for (int k = 0; k < C__N; k++)
		c.idx[k] = -1;
	if (csv_init(&c.p, CSV_APPEND_NULL) != 0)
		return false;
	/* Only the field callback runs: the header's names land in idx. */
	csv_parse(&c.p, buf, eol, field_cb, NULL, &c);
	csv_fini(&c.p, field_cb, NULL, &c);
	csv_free(&c.p);
	yes = c.idx[C_TIME] >= 0 && (c.idx[C_SRC_IP] >= 0 || c.idx[C_IP] >= 0);
	return yes;
}

bool rd_looks_like_archive(const void *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Read one member: CSV streamed, JSON and XML gathered up to their bound.
 * @return 1 read, 0 not a report's file, or a negative errno. */
static int member(struct rd *rd, struct archive *a, const char *name, char *block)
{
	size_t max = rd->src->lim.max_unpacked, total = 0, len = 0, cap = 0;
	bool csv = ends_with(name, ".csv"), json = ends_with(name, ".json");
	bool xml = ends_with(name, ".xml");
	struct rd_csv *c = NULL;
	char *doc = NULL;
	la_ssize_t n;
	int rc = 0;

	if (!csv && !json && !xml)
		return 0;
	if (json && rd->src->lim.max_document < max)
		max = rd->src->lim.max_document;
	if (xml && rd->src->lim.max_xml < max)
		max = rd->src->lim.max_xml;
	if (csv && (rc = rd_csv_begin(rd, &c)) < 0)
		return rc;
	while (rc >= 0 && (n = archive_read_data(a, block, BLOCK)) != 0) {
		if (n < 0) {
			rc = rd_fail(rd, -EINVAL, 0, "cannot be unpacked: %s",
				     archive_error_string(a));
			break;
		}
		total += (size_t)n;
		if (total > max) {
			rc = rd_fail(rd, -EFBIG, 0, "unpacks to more than %zu bytes (an archive "
						    "bomb?): not read", max);
			break;
		}
		if (csv) {
			rc = rd_csv_feed(c, block, (size_t)n);
			continue;
		}
		if (len + (size_t)n + 1 > cap) {
			char *grown;

			cap = (len + (size_t)n + 1) * 2;
			if (cap > max + 1)
				cap = max + 1;
			if (!(grown = realloc(doc, cap))) {
				rc = rd_fail(rd, -ENOMEM, 0, "out of memory");
				break;
			}
			doc = grown;
		}
		memcpy(doc + len, block, (size_t)n);
		len += (size_t)n;
	}
	if (csv) {
		if (rc >= 0)
			return (rc = rd_csv_end(c)) < 0 ? rc : 1;
		rd_csv_free(c);
		return rc;
	}
	if (rc >= 0 && doc) {
		doc[len] = '\0';
		rc = json ? rd_json(rd, doc, len) : rd_xml(rd, doc, len);
	}
	free(doc);
	return rc < 0 ? rc : 1;
}

int rd_archive(struct rd *rd, const void *buf, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *block = malloc(BLOCK), saved[sizeof(rd->where)];
	unsigned members = 0, found = 0;
	int rc = 0, r;

	if (!a || !block) {
		free(block);
		if (a)
			archive_read_free(a);
		return rd_fail(rd, -ENOMEM, 0, "out of memory");
	}
	snprintf(saved, sizeof(saved), "%s", rd->where);
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		rc = rd_fail(rd, -EINVAL, 0, "not a readable zip archive: %s",
			     archive_error_string(a));
		goto out;
	}
	while (rc >= 0 && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name;

		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = rd_fail(rd, -EINVAL, 0, "zip archive: %s", archive_error_string(a));
			break;
		}
		if (++members > rd->src->lim.max_parts) {
			rc = rd_fail(rd, -EFBIG, 0, "more than %u members in the archive",
				     rd->src->lim.max_parts);
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		name = archive_entry_pathname(e);
		snprintf(rd->where, sizeof(rd->where), "%.50s%s%.80s in the archive", saved,
			 saved[0] ? ": " : "", name ? name : "?");
		rc = member(rd, a, name, block);
		if (rc > 0)
			found++;
		snprintf(rd->where, sizeof(rd->where), "%s", saved);
	}
	if (rc >= 0 && !found)
		rc = rd_fail(rd, -EINVAL, 0, "no .csv, .json or .xml report in the archive");
out:
	archive_read_free(a);
	free(block);
	return rc < 0 ? rc : 0;
}
