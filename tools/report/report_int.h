/* SPDX-License-Identifier: GPL-3.0-or-later
 * Inside the report reader: the state one report_read() carries through the
 * format readers, and the helpers they share for failing, emitting events,
 * times, addresses and ports.  Not for the CLI. */
#pragma once

#include "tools/report/report.h"

#include <stdarg.h>

struct rd {
	const struct report_source *src;
	const struct report_sink *sink;
	struct report_info info;
	bool info_sent;
	bool kind_set;
	uint64_t events;
	char where[160];        /* the part being read, for errors: "attachment x.csv" */
	char *err;
	size_t errlen;
	unsigned long line;
};

/* Note the failure (once: the first reason wins) and return @p rc.  The
 * reason is prefixed with rd->where when set. */
int rd_fail(struct rd *rd, int rc, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The report is of kind @p k, unless an earlier part already said. */
void rd_kind(struct rd *rd, enum report_kind k);

/* Send info (if not yet sent) and the event; counts against max_events. */
int rd_emit(struct rd *rd, struct report_event *ev);

/* Send info if it has not been sent. */
int rd_info(struct rd *rd);

/* Read @p text as an RFC 3339 / ISO 8601 time into @p ev (time, zone,
 * field, text).  Zoneless times are read in @p dflt ("UTC" for a format that
 * defines it; NULL: the --tz zone, else refused). */
int rd_time_iso(struct rd *rd, const char *text, const char *field, const char *dflt,
		unsigned long line, struct report_event *ev);

/* Read @p text as an RFC 5322 date-time ("Wed, 04 Mar 2026 08:57:41
 * +0100"), decoded by GMime, or as epoch seconds. */
int rd_time_mail(struct rd *rd, const char *text, const char *field, unsigned long line,
		 struct report_event *ev);

/* Read an address (not a prefix) into ev->addr, naming @p field on error. */
int rd_address(struct rd *rd, const char *text, const char *field, unsigned long line,
	       struct report_event *ev);

/* Read a port, 1 to 65535, from text.  @return the port or a negative errno. */
int rd_port(struct rd *rd, const char *text, const char *field, unsigned long line);

/* Copy at most size - 1 bytes of @p s (NULL: "") into @p dst, with control
 * characters replaced by spaces. */
void rd_copy(char *dst, size_t size, const char *s);

/* Format readers, each in its file. */
int rd_mime(struct rd *rd, const char *buf, size_t len);         /* report_mime.c */
int rd_json(struct rd *rd, const char *buf, size_t len);         /* report_doc.c */
int rd_xml(struct rd *rd, const char *buf, size_t len);          /* report_doc.c */
int rd_archive(struct rd *rd, const void *buf, size_t len);      /* report_csv.c */
bool rd_looks_like_archive(const void *buf, size_t len);

/* Shadowserver CSV, pushed in pieces so that it never needs to be held
 * whole (report_csv.c). */
struct rd_csv;
int rd_csv_begin(struct rd *rd, struct rd_csv **out);
int rd_csv_feed(struct rd_csv *c, const void *buf, size_t len);
int rd_csv_end(struct rd_csv *c);  /* also frees */
void rd_csv_free(struct rd_csv *c);

/* Does this text start like a Shadowserver CSV header (a timestamp column
 * and an ip or src_ip column)? */
bool rd_looks_like_csv(const char *buf, size_t len);
