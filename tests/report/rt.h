/* SPDX-License-Identifier: GPL-3.0-or-later
 * What the report reader's tests share: reading a report given as a
 * string (or generated on the fly) and keeping what it yielded, times worked
 * out with libc's timegm, and zip archives made with libarchive. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "tools/report/report.h"

#define RT_EVENTS_MAX 64

struct rt_event {
	char addr[64];
	int port;
	int64_t time;
	enum report_zone zone;
	char field[40];
	char text[80];
	unsigned long line;
};

/* One report read: its return code, reason, line, info and events. */
struct rt {
	int rc;
	char err[400];
	unsigned long line;
	struct report_info info;
	int infos;
	uint64_t n;                 /* events seen (all of them) */
	struct rt_event ev[RT_EVENTS_MAX]; /* the first ones */
};

/* Read @p text (length @p len; 0: strlen) as a report with limits @p lim
 * (NULL: the defaults) and zone @p tz. */
void rt_read(struct rt *r, const char *text, size_t len, const char *tz,
	     const struct report_limits *lim);

/* Read from @p f, which the caller keeps. */
void rt_read_file(struct rt *r, FILE *f, const char *tz, const struct report_limits *lim);

/* "2026-03-04T07:57:41Z" in microseconds, by timegm(). */
int64_t rt_utc(const char *text);

/* A zip archive in memory holding @p name with @p len bytes of @p data
 * (NULL: @p len zero bytes, written in blocks).  @return a malloc'd buffer;
 * its size in *@p size. */
char *rt_zip(const char *name, const char *data, size_t len, size_t *size);

/* Base64 of @p data, 76 columns, malloc'd. */
char *rt_base64(const char *data, size_t len);

/* Fail unless the read succeeded, printing its reason. */
#define assert_read_ok(r)                                                                         \
	do {                                                                                       \
		if ((r)->rc != 0)                                                                  \
			fail_msg("report refused (%d) at line %lu: %s", (r)->rc, (r)->line,        \
				 (r)->err);                                                        \
	} while (0)

/* Fail unless the read failed with @p code and its reason holds @p text. */
#define assert_refused(r, code, text)                                                              \
	do {                                                                                       \
		if ((r)->rc != (code) || !strstr((r)->err, (text)))                                \
			fail_msg("expected %d \"%s\", got %d \"%s\"", (code), (text), (r)->rc,     \
				 (r)->err);                                                        \
	} while (0)
