/* SPDX-License-Identifier: GPL-3.0-or-later
 * Time parsing and formatting.  Everything inside attrib is microseconds
 * since the epoch in UTC; a time reaches us with its zone or not at all. */
#include "attrib/times.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How a time carries its zone, in a request or a file: a caller that also
 * takes a zone apart (the command line's --tz) adds that to the message. */
#define ZONE_HINT "add Z or an offset such as +01:00, or give @EPOCH"

static int fail(char *err, size_t errlen, const char *why, const char *s)
{
	if (err)
		snprintf(err, errlen, "%s: \"%.60s\"", why, s);
	return -EINVAL;
}

/* Read exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

static int parse_epoch(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char *p = s + 1;
	int64_t sec = 0, frac = 0, scale = 100000;
	bool neg = false;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return fail(err, errlen, "bad epoch time, expected @SECONDS", s);
	/* Checked after each digit, so that sec * ATTRIB_USEC below cannot
	 * overflow. */
	for (; isdigit((unsigned char)*p); p++) {
		sec = sec * 10 + (*p - '0');
		if (sec > ATTRIB_TIME_LIMIT_SEC)
			return fail(err, errlen, "epoch time out of range", s);
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return fail(err, errlen, "bad epoch time, expected @SECONDS", s);
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p)
		return fail(err, errlen, "bad epoch time, expected @SECONDS", s);
	if (sec == ATTRIB_TIME_LIMIT_SEC && frac)
		return fail(err, errlen, "epoch time out of range", s);
	*out = (neg ? -1 : 1) * (sec * ATTRIB_USEC + frac);
	return 0;
}

/* A compiled zone file (TZif), not a directory or a table beside them. */
static bool is_zone_file(const char *path)
{
	char magic[4] = "";
	struct stat sb;
	FILE *f;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || !(f = fopen(path, "rb")))
		return false;
	if (fread(magic, 1, sizeof(magic), f) != sizeof(magic))
		magic[0] = '\0';
	fclose(f);
	return memcmp(magic, "TZif", sizeof(magic)) == 0;
}

int attrib_time_zone_check(const char *tz, char *err, size_t errlen)
{
	/* The last zone found good: an import converts each row's times in
	 * the same one, and the file need not be read for each. */
	static char good[256];
	char path[512];

	if (good[0] && strcmp(tz, good) == 0)
		return 0;
	/* The "right/" zones count leap seconds, which no time here does. */
	if (!tz[0] || tz[0] == '/' || strstr(tz, "..") || strncmp(tz, "right/", 6) == 0 ||
	    (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz), !is_zone_file(path))) {
		if (err)
			snprintf(err, errlen, "unknown time zone \"%.60s\" (an IANA name such as "
					      "Europe/Berlin)", tz);
		return -EINVAL;
	}
	snprintf(good, sizeof(good), "%s", tz);
	return 0;
}

/* Local wall-clock time in an IANA zone to UTC seconds. */
static int local_to_utc(const struct tm *tm, const char *tz, int64_t *out, const char *s, char *err,
			size_t errlen)
{
	char *old;
	char *saved;
	struct tm t;
	time_t found[2];
	int n;

	if (attrib_time_zone_check(tz, err, errlen) < 0)
		return -EINVAL;
	old = getenv("TZ");
	saved = old ? strdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
	/* The wall-clock time as standard and as daylight time: a time that is
	 * neither never happened there (the clocks jumped over it), and one
	 * that is both happened twice (they were turned back over it). */
	n = 0;
	for (int dst = 0; dst <= 1; dst++) {
		struct tm back;
		time_t r;

		t = *tm;
		t.tm_isdst = dst;
		errno = 0;
		r = mktime(&t);
		if ((r == (time_t)-1 && errno) || !localtime_r(&r, &back))
			continue;
		if (back.tm_isdst == dst && back.tm_hour == tm->tm_hour &&
		    back.tm_min == tm->tm_min && back.tm_mday == tm->tm_mday &&
		    (n == 0 || found[0] != r))
			found[n++] = r;
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
	if (n == 0)
		return fail(err, errlen, "no such local time in that zone (the clocks jumped "
					 "over it); add an offset", s);
	if (n > 1)
		return fail(err, errlen, "local time happened twice in that zone (the clocks "
					 "went back); add the offset to say which", s);
	*out = (int64_t)found[0];
	return 0;
}

int attrib_time_parse(const char *s, const char *tz, int64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t frac = 0, scale = 100000, secs;
	int sign = 0;
	bool zoned = false;

	if (!s || !*s)
		return fail(err, errlen, "empty time", "");
	if (*s == '@')
		return parse_epoch(s, out, err, errlen);
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return fail(err, errlen,
			    s[strspn(s, "0123456789")] == '\0'
				    ? "not a time: seconds since 1970 are written @EPOCH "
				      "(@1796047331 is 2026-11-30T14:02:11Z)"
				    : "not a time, expected RFC 3339 such as 2026-11-30T14:02:11Z",
			    s);
	if (*p != 'T' && *p != 't' && *p != ' ')
		return fail(err, errlen, "a time of day is needed (e.g. 2026-11-30T14:02:11Z)", s);
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return fail(err, errlen, "bad time of day, expected HH:MM:SS", s);
	if (*p == '.' || *p == ',') {
		p++;
		if (!isdigit((unsigned char)*p))
			return fail(err, errlen, "bad fraction of a second", s);
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		zoned = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) && *p == ':')
			p++;
		if (!digits(&p, 2, &om) || oh > 23 || om > 59)
			return fail(err, errlen, "bad UTC offset, expected +HH:MM", s);
		zoned = true;
	}
	if (*p)
		return fail(err, errlen, "unexpected text after the time", s);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return fail(err, errlen, "no such date or time", s);
	if (sec == 60)
		sec = 59; /* a leap second is held at the last representable one */
	if (zoned) {
		secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
		secs -= sign * (oh * 3600 + om * 60);
	} else if (tz && *tz) {
		struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
				 .tm_hour = h, .tm_min = mi, .tm_sec = sec };
		int rc = local_to_utc(&tm, tz, &secs, s, err, errlen);

		if (rc < 0)
			return rc;
	} else {
		if (err)
			snprintf(err, errlen, "time without a zone: \"%.60s\": %s", s, ZONE_HINT);
		return -ENODATA;
	}
	*out = secs * ATTRIB_USEC + frac;
	return 0;
}

/* The "@" form, for the times RFC 3339's four-digit years cannot hold. */
static char *format_epoch(int64_t usec, char *buf)
{
	uint64_t u = usec < 0 ? -(uint64_t)usec : (uint64_t)usec;
	int n = snprintf(buf, ATTRIB_TIME_STRLEN, "@%s%llu", usec < 0 ? "-" : "",
			 (unsigned long long)(u / ATTRIB_USEC));

	if (u % ATTRIB_USEC)
		snprintf(buf + n, ATTRIB_TIME_STRLEN - (size_t)n, ".%06llu",
			 (unsigned long long)(u % ATTRIB_USEC));
	return buf;
}

/* @p v (0 <= v < 10^n) as exactly @p n decimal digits at @p p; @return
 * the end. */
static char *put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

char *attrib_time_format(int64_t usec, char *buf)
{
	int64_t secs = usec / ATTRIB_USEC, frac = usec % ATTRIB_USEC;
	time_t t;
	struct tm tm;
	char *p;

	if (frac < 0) {
		frac += ATTRIB_USEC;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return format_epoch(usec, buf);
	/* Digit by digit, not snprintf: every answer formats four times, and
	 * not strftime's %Y, which writes year 999 as "999". */
	p = put_digits(buf, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	if (frac) {
		*p++ = '.';
		p = put_digits(p, (int)frac, 6);
	}
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

int64_t attrib_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * ATTRIB_USEC + ts.tv_nsec / 1000;
}
