/* SPDX-License-Identifier: GPL-3.0-or-later
 * Abuse reports in: reading one report (a mail message with ARF, X-ARF,
 * XARF v4 or ACNS inside, a Shadowserver CSV, IntelMQ JSON events, or plain
 * "ADDRESS TIME [PORT]" lines) into the events it is about, each an address,
 * the source port when the report gives one, and a time in UTC with where its
 * zone came from.  Parsing is done by GMime, libxml2, libcsv, jansson and
 * libarchive; this code only says which field means what.  Not thread-safe
 * when a zone is named (attrib_time_parse sets TZ). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/addr.h"

enum report_kind {
	REPORT_ARF = 0,      /* RFC 5965 feedback report (Source-Port: RFC 6692) */
	REPORT_XARF,         /* legacy X-ARF 0.1/0.2, report.txt */
	REPORT_XARF_JSON,    /* XARF v4 JSON */
	REPORT_ACNS,         /* ACNS / DMCA notice, XML */
	REPORT_SHADOWSERVER, /* Shadowserver CSV */
	REPORT_INTELMQ,      /* IntelMQ events, JSON */
	REPORT_PLAIN,        /* lines "ADDRESS TIME [PORT]" */
	REPORT_SPAMCOP,      /* SpamCop's plain-text report, "Email from ADDRESS / DATE" */
	REPORT__KINDS
};

/** "arf", "x-arf", "xarf-v4", "acns", "shadowserver", "intelmq", "plain",
 * "spamcop". */
const char *report_kind_name(enum report_kind k);

/* Where an event's time got its zone from. */
enum report_zone {
	REPORT_ZONE_EXPLICIT = 0, /* the time carries Z, an offset or is epoch seconds */
	REPORT_ZONE_FORMAT,       /* the format defines it (Shadowserver: UTC) */
	REPORT_ZONE_OPTION,       /* zoneless, read in the zone --tz named */
};

/** "explicit", "format", "tz-option". */
const char *report_zone_name(enum report_zone z);

/* What a report is, beyond its events: for output, drafts and the ledger. */
struct report_info {
	enum report_kind kind;
	char type[96];        /* what it is about: ARF Feedback-Type, X-ARF Report-Type, ... */
	char reporter[256];   /* whom to acknowledge: Reply-To or From, XARF reporter; "" */
	char subject[256];    /* the mail's Subject, "" */
	char message_id[256]; /* the mail's Message-ID, "" */
	char report_id[128];  /* the reporter's own id: ACNS Case ID, X-ARF Report-ID... */
	int service_port;     /* the attacked service's port (X-ARF Port), -1: none */
	bool mail;            /* it came as a mail message */
};

/* One thing the report says happened.  Pointers are valid during the
 * callback only. */
struct report_event {
	struct attrib_prefix addr;
	int port;             /* the source port, -1 when the report gives none */
	int64_t time;         /* microseconds since the epoch, UTC */
	enum report_zone zone;
	const char *field;    /* the field the time came from: "Arrival-Date", ... */
	const char *text;     /* the time as the report wrote it */
	unsigned long line;   /* line (or CSV row) of its file, 0 when not line-based */
};

/* Where a report's contents go: info once, before the first event (or at
 * the end when there is none), then each event in order.  A callback that
 * returns a negative errno stops the reading with that error. */
struct report_sink {
	int (*info)(void *arg, const struct report_info *info);
	int (*event)(void *arg, const struct report_event *ev);
	void *arg;
};

/* Bounds on what one report may make us hold or do; hostile input meets
 * them and is refused with the bound named. */
struct report_limits {
	size_t max_document;  /* bytes of a message, JSON or XML read whole */
	size_t max_xml;       /* bytes of one XML document */
	size_t max_unpacked;  /* bytes unpacked from one archive member */
	size_t max_line;      /* bytes of one line, CSV row or field */
	unsigned max_parts;   /* MIME parts and archive members looked at */
	unsigned max_depth;   /* MIME nesting */
	uint64_t max_events;  /* events of one report */
};

/** The defaults: 64 MiB documents, 4 MiB XML, 256 MiB per archive member,
 * 64 KiB lines, 1000 parts, depth 16, 10 million events. */
struct report_limits report_limits_default(void);

/* One report to read. */
struct report_source {
	const char *name;   /* for errors: the file name, or "-" */
	FILE *f;            /* read from its current position to the end */
	const char *tz;     /* the zone of zoneless times (--tz), NULL: refuse them */
	struct report_limits lim;
};

/** Read the report in @p src and tell @p sink what it holds.
 * @return 0, or a negative errno with the reason in @p err and, when it is
 * about one line, that line in *@p line (else 0): -EINVAL bad or hostile
 * content, -EFBIG a bound met, -EIO a read failed, -ENOMEM; or what a sink
 * callback returned. */
int report_read(const struct report_source *src, const struct report_sink *sink, char *err,
		size_t errlen, unsigned long *line);

/** Call once before the first report_read (GMime's and libxml2's setup). */
void report_init(void);
