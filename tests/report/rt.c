/* SPDX-License-Identifier: GPL-3.0-or-later
 * The report tests' helpers (rt.h). */
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

static int info_cb(void *arg, const struct report_info *info)
{
	struct rt *r = arg;

	r->info = *info;
	r->infos++;
	return 0;
}

static int event_cb(void *arg, const struct report_event *ev)
{
	struct rt *r = arg;

	if (r->n < RT_EVENTS_MAX) {
		struct rt_event *e = &r->ev[r->n];

		attrib_prefix_format(&ev->addr, e->addr);
		e->port = ev->port;
		e->time = ev->time;
		e->zone = ev->zone;
		snprintf(e->field, sizeof(e->field), "%s", ev->field);
		snprintf(e->text, sizeof(e->text), "%s", ev->text);
		e->line = ev->line;
	}
	r->n++;
	return 0;
}

void rt_read_file(struct rt *r, FILE *f, const char *tz, const struct report_limits *lim)
{
	struct report_source src = { .name = "test", .f = f, .tz = tz,
				     .lim = lim ? *lim : report_limits_default() };
	struct report_sink sink = { .info = info_cb, .event = event_cb, .arg = r };

	memset(r, 0, sizeof(*r));
	report_init();
	r->rc = report_read(&src, &sink, r->err, sizeof(r->err), &r->line);
	if (r->rc == 0)
		assert_int_equal(r->infos, 1);
}

void rt_read(struct rt *r, const char *text, size_t len, const char *tz,
	     const struct report_limits *lim)
{
	FILE *f;

	if (!len)
		len = strlen(text);
	f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	rt_read_file(r, f, tz, lim);
	fclose(f);
}

int64_t rt_utc(const char *text)
{
	struct tm tm = { 0 };
	const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (!end || *end)
		fail_msg("rt_utc: \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", text);
	return (int64_t)timegm(&tm) * 1000000LL;
}

char *rt_zip(const char *name, const char *data, size_t len, size_t *size)
{
	size_t cap = len / 100 + (1u << 20), used = 0;
	char *buf = malloc(cap), zeros[65536] = { 0 };
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	assert_non_null(buf);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(zeros) ? len - done : sizeof(zeros);

		assert_true(archive_write_data(a, data ? data + done : zeros, n) == (la_ssize_t)n);
		done += n;
	}
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*size = used;
	return buf;
}

char *rt_base64(const char *data, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(len * 2 + 8), *p = out;
	size_t col = 0;

	assert_non_null(out);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)data[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)data[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)data[i + 2];
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		*p++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*p++ = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) == 76) {
			*p++ = '\n';
			col = 0;
		}
	}
	*p++ = '\n';
	*p = '\0';
	return out;
}
