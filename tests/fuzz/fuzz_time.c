/* SPDX-License-Identifier: GPL-3.0-or-later
 * Fuzzes attrib_time_parse() and attrib_time_format().  The input is a time,
 * optionally followed by a newline and an IANA zone name for times written
 * without one.  Whatever parses must format to text that parses back, without
 * a zone, to the same microsecond, and formatting must stay in its buffer. */
#include "fuzz.h"

#include <errno.h>
#include <string.h>

#include "attrib/times.h"

/* Parse @p s (with @p tz, which may be NULL) and, if it is a time, check the
 * round trip through the formatter. */
static void check_time(const char *s, const char *tz)
{
	char err[256], buf[ATTRIB_TIME_STRLEN + 8];
	int64_t t = 0, back = 0;
	int rc;

	rc = attrib_time_parse(s, tz, &t, err, sizeof(err));
	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL || (rc == -ENODATA && !tz));
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	memset(buf, 0x5a, sizeof(buf));
	attrib_time_format(t, buf);
	FUZZ_CHECK(strnlen(buf, ATTRIB_TIME_STRLEN) < ATTRIB_TIME_STRLEN);
	FUZZ_CHECK(buf[ATTRIB_TIME_STRLEN] == 0x5a); /* nothing past the promised size */
	rc = attrib_time_parse(buf, NULL, &back, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "\"%s\" is %lld, formatted as \"%s\": %s\n", s, (long long)t, buf,
			err);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(back == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], tz[128] = "";
	char *nl;

	fuzz_str(data, size, s, sizeof(s));
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		snprintf(tz, sizeof(tz), "%s", nl + 1);
	}
	check_time(s, NULL);
	if (*tz)
		check_time(s, tz);
	return 0;
}
