/* SPDX-License-Identifier: GPL-3.0-or-later
 * The baseline attrib is measured against: FreeRADIUS 3.2's radacct table in
 * SQLite, with the columns and indexes its shipped sqlite schema declares, and
 * the query ISPs run on it to find who had an address at a time. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct radacct;

/** One accounting row as FreeRADIUS 3.2 leaves it once a session stopped.
 * Times are epoch seconds: FreeRADIUS 3.2's sqlite queries.conf writes
 * ${event_timestamp} as the bare epoch number into the datetime-declared
 * columns, so they hold integers, not date text.  @c stop < 0 leaves
 * acctstoptime NULL (a session still open). */
struct radacct_row {
	const char *session_id, *unique_id, *username, *nas, *port_id;
	const char *called, *calling, *terminate_cause, *framed_protocol, *framed_ip;
	int64_t start, update, stop, session_time;
	int64_t in_octets, out_octets;
};

/** Create the table and its indexes in a new file at @p path, opened for a
 * bulk load (no journal, no sync: this is a baseline, its load time is only
 * reported).  @return 0 or a negative errno, with SQLite's message on stderr. */
int radacct_create(const char *path, struct radacct **out);

/** Open an existing file to run lookups, with @p cache_kib of page cache
 * and @p mmap_bytes of memory map (the store's own settings, for a fair
 * comparison). */
int radacct_open(const char *path, int64_t cache_kib, int64_t mmap_bytes, struct radacct **out);

int radacct_begin(struct radacct *ra);
int radacct_commit(struct radacct *ra);
int radacct_insert(struct radacct *ra, const struct radacct_row *row);

/** The classic query: who had @p ip at @p t (epoch seconds).  The first row's
 * username goes to @p user.  @return the number of rows, or a negative errno. */
int radacct_lookup(struct radacct *ra, const char *ip, int64_t t, char *user, size_t len);

/** SQLite's plan for the classic query, one line per step, into @p buf. */
void radacct_plan(struct radacct *ra, char *buf, size_t len);

void radacct_close(struct radacct *ra);
