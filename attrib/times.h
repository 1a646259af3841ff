/* SPDX-License-Identifier: GPL-3.0-or-later
 * Times in and out: RFC 3339 with a zone, "@" epoch seconds, or local time in
 * a named IANA zone; all kept as integer microseconds since the epoch, UTC. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ATTRIB_TIME_STRLEN 40
#define ATTRIB_USEC 1000000LL
/* The furthest a time may be from the epoch, in seconds either way (some
 * 31,700 years): what every reader of a time accepts and the journal holds. */
#define ATTRIB_TIME_LIMIT_SEC 1000000000000LL

/** Parse @p s into microseconds since the epoch.
 * Accepted: "2026-11-30T14:02:11Z", "...T14:02:11.25+01:00" (T or one
 * space), "@1764511331" or "@1764511331.5".  A time without Z or an offset is
 * refused unless @p tz names an IANA zone (e.g. "Europe/Berlin"), which then
 * gives its local time's meaning.  Thread-unsafe when @p tz is used (it sets
 * TZ for the conversion).
 * @return 0; -ENODATA for a time without a zone when @p tz names none, @p err
 * saying how the time itself gives one (a caller that takes a zone apart, as
 * the command line's --tz, says so too); or -EINVAL, the reason in @p err. */
int attrib_time_parse(const char *s, const char *tz, int64_t *out, char *err, size_t errlen);

/** Whether @p tz names an IANA zone this machine has (a file under
 * /usr/share/zoneinfo, no path of its own).  @return 0, or -EINVAL with
 * the reason in @p err (if not NULL).  Thread-unsafe: it keeps the last
 * zone found good. */
int attrib_time_zone_check(const char *tz, char *err, size_t errlen);

/** Format as RFC 3339 UTC: "2026-11-30T14:02:11Z", with ".ffffff" only when
 * the microseconds are not zero.  @return @p buf (ATTRIB_TIME_STRLEN bytes). */
char *attrib_time_format(int64_t usec, char *buf);

/** The current time, microseconds since the epoch (CLOCK_REALTIME). */
int64_t attrib_time_now(void);
