/* SPDX-License-Identifier: GPL-3.0-or-later
 * Reading one report: telling the formats apart by their first bytes, the
 * plain "ADDRESS TIME [PORT]" lines, and what every format reader shares
 * (failing with a reason, emitting events under the bounds, times with
 * their zone's origin, addresses and ports). */
#include "tools/report/report_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "attrib/times.h"

#define HEAD_BYTES (64 * 1024) /* what detection looks at */
#define CHUNK      (64 * 1024)

static const char *const kind_names[REPORT__KINDS] = {
	"arf", "x-arf", "xarf-v4", "acns", "shadowserver", "intelmq", "plain", "spamcop",
};

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT__KINDS ? kind_names[k] : "?";
}

const char *report_zone_name(enum report_zone z)
{
	switch (z) {
	case REPORT_ZONE_EXPLICIT: return "explicit";
	case REPORT_ZONE_FORMAT: return "format";
	case REPORT_ZONE_OPTION: return "tz-option";
	}
	return "?";
}

struct report_limits report_limits_default(void)
{
	return (struct report_limits){
		.max_document = 64u << 20,
		.max_xml = 4u << 20,
		.max_unpacked = 256u << 20,
		.max_line = 64u << 10,
		.max_parts = 1000,
		.max_depth = 16,
		.max_events = 10000000,
	};
}

void report_init(void)
{
	g_mime_init();
	xmlInitParser();
}

int rd_fail(struct rd *rd, int rc, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (rd->err[0])
		return rc;
	if (rd->where[0])
		n = (size_t)snprintf(rd->err, rd->errlen, "%s: ", rd->where);
	if (n < rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err + n, rd->errlen - n, fmt, ap);
		va_end(ap);
	}
	rd->line = line;
	return rc;
}

void rd_kind(struct rd *rd, enum report_kind k)
{
	if (!rd->kind_set) {
		rd->info.kind = k;
		rd->kind_set = true;
	}
}

int rd_info(struct rd *rd)
{
	int rc;

	if (rd->info_sent)
		return 0;
	rd->info_sent = true;
	if (!rd->sink->info)
		return 0;
	rc = rd->sink->info(rd->sink->arg, &rd->info);
	return rc < 0 ? rd_fail(rd, rc, 0, "%s", strerror(-rc)) : 0;
}

int rd_emit(struct rd *rd, struct report_event *ev)
{
	int rc = rd_info(rd);

	if (rc < 0)
		return rc;
	if (++rd->events > rd->src->lim.max_events)
		return rd_fail(rd, -EFBIG, ev->line, "more than %llu events in one report",
			       (unsigned long long)rd->src->lim.max_events);
	rc = rd->sink->event ? rd->sink->event(rd->sink->arg, ev) : 0;
	return rc < 0 ? rd_fail(rd, rc, ev->line, "%s", strerror(-rc)) : 0;
}

void rd_copy(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < size; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	dst[i] = '\0';
}

int rd_time_iso(struct rd *rd, const char *text, const char *field, const char *dflt,
		unsigned long line, struct report_event *ev)
{
	char why[200], zulu[80];

	ev->field = field;
	ev->text = text;
	if (attrib_time_parse(text, NULL, &ev->time, why, sizeof(why)) == 0) {
		ev->zone = REPORT_ZONE_EXPLICIT;
		return 0;
	}
	/* Zoneless exactly when it reads with a Z added. */
	snprintf(zulu, sizeof(zulu), "%sZ", text);
	if (strlen(text) + 1 >= sizeof(zulu) || attrib_time_parse(zulu, NULL, &ev->time, NULL, 0))
		return rd_fail(rd, -EINVAL, line, "%s: %s", field, why);
	if (dflt) {
		ev->zone = REPORT_ZONE_FORMAT;
		return 0;
	}
	if (!rd->src->tz)
		return rd_fail(rd, -EINVAL, line,
			       "%s: time without a zone: \"%.60s\": this format does not define one; "
			       "name it with --tz", field, text);
	if (attrib_time_parse(text, rd->src->tz, &ev->time, why, sizeof(why)) < 0)
		return rd_fail(rd, -EINVAL, line, "%s: %s", field, why);
	ev->zone = REPORT_ZONE_OPTION;
	return 0;
}

/* Whether an RFC 5322 date-time names its zone.  GMime reads a missing or
 * unknown zone as UTC, so the zone token is looked at here: the word after
 * the time of day must be a numeric offset or one of RFC 5322's names.
 * Military letters are ambiguous (RFC 5322 section 4.3) and do not count. */
static bool mail_date_has_zone(const char *s)
{
	static const char *const names[] = { "UT", "GMT", "EST", "EDT", "CST", "CDT",
					     "MST", "MDT", "PST", "PDT", NULL };
	const char *p = strchr(s, ':'), *z;
	size_t n;

	if (!p)
		return false;
	while (*p && !isspace((unsigned char)*p))
		p++;
	while (isspace((unsigned char)*p))
		p++;
	z = p;
	while (*p && !isspace((unsigned char)*p) && *p != '(')
		p++;
	n = (size_t)(p - z);
	if (n == 5 && (z[0] == '+' || z[0] == '-') && isdigit((unsigned char)z[1]) &&
	    isdigit((unsigned char)z[2]) && isdigit((unsigned char)z[3]) &&
	    isdigit((unsigned char)z[4]))
		return true;
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(z, names[i], n) == 0)
			return true;
	return false;
}

int rd_time_mail(struct rd *rd, const char *text, const char *field, unsigned long line,
		 struct report_event *ev)
{
	char local[40], why[200], epoch[40];
	GDateTime *dt;
	gint64 secs;
	size_t n = strspn(text, "0123456789");

	ev->field = field;
	ev->text = text;
	/* X-ARF allows a plain Unix time. */
	if (n > 0 && n < 16 && text[n] == '\0') {
		snprintf(epoch, sizeof(epoch), "@%s", text);
		if (attrib_time_parse(epoch, NULL, &ev->time, why, sizeof(why)) < 0)
			return rd_fail(rd, -EINVAL, line, "%s: %s", field, why);
		ev->zone = REPORT_ZONE_EXPLICIT;
		return 0;
	}
	dt = g_mime_utils_header_decode_date(text);
	if (!dt)
		return rd_fail(rd, -EINVAL, line,
			       "%s: not an RFC 5322 date-time (\"Wed, 04 Mar 2026 08:57:41 "
			       "+0100\"): \"%.60s\"", field, text);
	secs = g_date_time_to_unix(dt);
	if (mail_date_has_zone(text)) {
		g_date_time_unref(dt);
		ev->time = (int64_t)secs * ATTRIB_USEC;
		ev->zone = REPORT_ZONE_EXPLICIT;
		return 0;
	}
	/* GMime read the wall-clock time as UTC: put it in the named zone. */
	g_date_time_unref(dt);
	if (!rd->src->tz)
		return rd_fail(rd, -EINVAL, line,
			       "%s: time without a zone: \"%.60s\": name it with --tz", field, text);
	dt = g_date_time_new_from_unix_utc(secs);
	if (!dt)
		return rd_fail(rd, -EINVAL, line, "%s: time out of range: \"%.60s\"", field, text);
	snprintf(local, sizeof(local), "%04d-%02d-%02dT%02d:%02d:%02d", g_date_time_get_year(dt),
		 g_date_time_get_month(dt), g_date_time_get_day_of_month(dt),
		 g_date_time_get_hour(dt), g_date_time_get_minute(dt), g_date_time_get_second(dt));
	g_date_time_unref(dt);
	if (attrib_time_parse(local, rd->src->tz, &ev->time, why, sizeof(why)) < 0)
		return rd_fail(rd, -EINVAL, line, "%s: %s", field, why);
	ev->zone = REPORT_ZONE_OPTION;
	return 0;
}

int rd_address(struct rd *rd, const char *text, const char *field, unsigned long line,
	       struct report_event *ev)
{
	char why[160];

	if (!text || !*text)
		return rd_fail(rd, -EINVAL, line, "%s: no address", field);
	if (attrib_addr_parse(text, &ev->addr, why, sizeof(why)) < 0)
		return rd_fail(rd, -EINVAL, line, "%s: %s", field, why);
	return 0;
}

int rd_port(struct rd *rd, const char *text, const char *field, unsigned long line)
{
	char *end;
	long v;

	errno = 0;
	v = text && isdigit((unsigned char)*text) ? strtol(text, &end, 10) : -1;
	if (v < 1 || v > 65535 || errno || *end)
		return rd_fail(rd, -EINVAL, line, "%s: not a port (1 to 65535): \"%.20s\"", field,
			       text ? text : "");
	return (int)v;
}

/* Whether @p s is "HH:MM:SS" with anything after (fraction, zone). */
static bool time_of_day(const char *s)
{
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == ':' &&
	       isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) && s[5] == ':';
}

/* One plain line: ADDRESS TIME [PORT]; TIME may be "DATE HH:MM:SS...". */
static int plain_line(struct rd *rd, char *s, unsigned long no)
{
	char *tok[5], *save = NULL, joined[96];
	struct report_event ev = { .port = -1, .line = no };
	const char *time;
	int n = 0, next, rc;

	for (char *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 5)
			return rd_fail(rd, -EINVAL, no, "expected ADDRESS TIME [PORT]");
		tok[n++] = t;
	}
	if (n < 2)
		return rd_fail(rd, -EINVAL, no, "expected ADDRESS TIME [PORT]");
	time = tok[1];
	next = 2;
	if (n > 2 && time_of_day(tok[2]) && strlen(tok[1]) == 10) {
		snprintf(joined, sizeof(joined), "%s %.80s", tok[1], tok[2]);
		time = joined;
		next = 3;
	}
	if (n > next + 1)
		return rd_fail(rd, -EINVAL, no, "expected ADDRESS TIME [PORT]");
	if ((rc = rd_address(rd, tok[0], "ADDRESS", no, &ev)) < 0 ||
	    (rc = rd_time_iso(rd, time, "TIME", NULL, no, &ev)) < 0)
		return rc;
	if (n > next && (ev.port = rd_port(rd, tok[next], "PORT", no)) < 0)
		return ev.port;
	return rd_emit(rd, &ev);
}

static int read_plain(struct rd *rd, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long no = 0;
	int rc = 0;

	rd_kind(rd, REPORT_PLAIN);
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		char *s = line;

		no++;
		if ((size_t)len > rd->src->lim.max_line) {
			rc = rd_fail(rd, -EFBIG, no, "line longer than %zu bytes",
				     rd->src->lim.max_line);
			break;
		}
		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
			s[--len] = '\0';
		if (no == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		if (strlen(s) != (size_t)(len - (s - line))) {
			rc = rd_fail(rd, -EINVAL, no, "a NUL byte in the line: not a text report");
			break;
		}
		s += strspn(s, " \t");
		if (*s && *s != '#')
			rc = plain_line(rd, s, no);
	}
	if (rc == 0 && ferror(f))
		rc = rd_fail(rd, -EIO, 0, "read failed: %s", strerror(errno));
	free(line);
	return rc;
}

/* A line that starts like a mail header ("Name: value") or an mbox "From ".
 * IPv6 addresses ("2001:db8::1", "fe80::1") have no blank after the colon. */
static bool looks_like_mail(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 5 && strncmp(s, "From ", 5) == 0)
		return true;
	if (i >= len || !isalpha((unsigned char)s[0]))
		return false;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	return i + 1 < len && s[i] == ':' && (s[i + 1] == ' ' || s[i + 1] == '\t');
}

/* Read all of @p f (at most @p max bytes) into a new buffer. */
static int slurp(struct rd *rd, FILE *f, size_t max, const char *what, char **out, size_t *len)
{
	size_t cap = CHUNK, n = 0;
	char *buf = malloc(cap + 1), *grown;

	if (!buf)
		return rd_fail(rd, -ENOMEM, 0, "out of memory");
	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap > max) {
				free(buf);
				return rd_fail(rd, -EFBIG, 0, "%s larger than %zu bytes: not read",
					       what, max);
			}
			cap *= 2;
			if (!(grown = realloc(buf, cap + 1))) {
				free(buf);
				return rd_fail(rd, -ENOMEM, 0, "out of memory");
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return rd_fail(rd, -EIO, 0, "read failed: %s", strerror(errno));
	}
	if (n > max) {
		free(buf);
		return rd_fail(rd, -EFBIG, 0, "%s larger than %zu bytes: not read", what, max);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int stream_csv(struct rd *rd, FILE *f)
{
	struct rd_csv *c;
	char *buf = malloc(CHUNK);
	size_t got;
	int rc;

	if (!buf)
		return rd_fail(rd, -ENOMEM, 0, "out of memory");
	rc = rd_csv_begin(rd, &c);
	while (rc == 0 && (got = fread(buf, 1, CHUNK, f)) > 0)
		rc = rd_csv_feed(c, buf, got);
	if (rc == 0 && ferror(f))
		rc = rd_fail(rd, -EIO, 0, "read failed: %s", strerror(errno));
	if (rc == 0)
		rc = rd_csv_end(c);
	else if (c)
		rd_csv_free(c);
	free(buf);
	return rc;
}

/* A whole-document format: read it all (bounded), then parse. */
static int whole(struct rd *rd, FILE *f, size_t max, const char *what,
		 int (*parse)(struct rd *, const char *, size_t))
{
	char *buf = NULL;
	size_t len = 0;
	int rc = slurp(rd, f, max, what, &buf, &len);

	if (rc < 0)
		return rc;
	rc = parse(rd, buf, len);
	free(buf);
	return rc;
}

static int parse_archive(struct rd *rd, const char *buf, size_t len)
{
	return rd_archive(rd, buf, len);
}

int report_read(const struct report_source *src, const struct report_sink *sink, char *err,
		size_t errlen, unsigned long *line)
{
	struct rd rd = { .src = src, .sink = sink, .err = err, .errlen = errlen };
	char head[HEAD_BYTES + 1];
	const char *h = head;
	size_t n, skip;
	long start;
	int rc;

	err[0] = '\0';
	*line = 0;
	rd.info.service_port = -1;
	start = ftell(src->f);
	if (start < 0)
		return rd_fail(&rd, -ESPIPE, 0, "cannot be read twice (not a regular file)");
	n = fread(head, 1, HEAD_BYTES, src->f);
	if (ferror(src->f))
		return rd_fail(&rd, -EIO, 0, "read failed: %s", strerror(errno));
	head[n] = '\0';
	if (fseek(src->f, start, SEEK_SET) < 0)
		return rd_fail(&rd, -EIO, 0, "cannot seek: %s", strerror(errno));
	if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		h += 3;
	skip = strspn(h, " \t\r\n");

	if (n == 0)
		rc = rd_fail(&rd, -EINVAL, 0, "empty: no report");
	else if (rd_looks_like_archive(head, n))
		rc = whole(&rd, src->f, src->lim.max_document, "archive", parse_archive);
	else if (h[skip] == '{' || h[skip] == '[')
		rc = whole(&rd, src->f, src->lim.max_document, "JSON document", rd_json);
	else if (h[skip] == '<')
		rc = whole(&rd, src->f, src->lim.max_xml, "XML document", rd_xml);
	else if (rd_looks_like_csv(h, n - (size_t)(h - head)))
		rc = stream_csv(&rd, src->f);
	else if (looks_like_mail(h, n - (size_t)(h - head)))
		rc = whole(&rd, src->f, src->lim.max_document, "message", rd_mime);
	else
		rc = read_plain(&rd, src->f);
	if (rc == 0)
		rc = rd_info(&rd);
	*line = rd.line;
	return rc;
}
