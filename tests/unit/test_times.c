/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of attrib/times.h: RFC 3339 with Z, an offset or a fraction,
 * "@" epoch seconds, local times in a named zone, refusal of a time without
 * a zone, and formatting back to RFC 3339 UTC. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "attrib/times.h"

/* 2026-11-30T14:02:11Z: 20 787 days after 1970-01-01 (1 795 996 800 s at
 * midnight), plus 14 h 2 min 11 s = 50 531 s. */
#define NOV30_140211 1796047331LL

static int64_t parsed(const char *s, const char *tz)
{
	int64_t t = -1;
	char err[256] = "";

	if (attrib_time_parse(s, tz, &t, err, sizeof(err)) != 0) {
		print_error("attrib_time_parse(\"%s\", %s): %s\n", s, tz ? tz : "NULL", err);
		fail();
	}
	return t;
}

static void refused(const char *s, const char *tz, char *err, size_t errlen)
{
	int64_t t = 0;

	err[0] = '\0';
	if (attrib_time_parse(s, tz, &t, err, errlen) != -EINVAL) {
		print_error("\"%s\" was not refused\n", s);
		fail();
	}
	assert_true(err[0] != '\0');
}

static void test_rfc3339_with_z_is_utc(void **state)
{
	(void)state;
	assert_int_equal(parsed("2026-11-30T14:02:11Z", NULL), NOV30_140211 * ATTRIB_USEC);
}

static void test_rfc3339_offset_is_subtracted(void **state)
{
	(void)state;
	assert_int_equal(parsed("2026-11-30T15:02:11+01:00", NULL), NOV30_140211 * ATTRIB_USEC);
	assert_int_equal(parsed("2026-11-30T09:02:11-05:00", NULL), NOV30_140211 * ATTRIB_USEC);
	assert_int_equal(parsed("2026-12-01T00:02:11+10:00", NULL), NOV30_140211 * ATTRIB_USEC);
	assert_int_equal(parsed("2026-11-30T14:02:11+00:00", NULL), NOV30_140211 * ATTRIB_USEC);
}

static void test_rfc3339_fraction_keeps_microseconds(void **state)
{
	(void)state;
	assert_int_equal(parsed("2026-11-30T14:02:11.25Z", NULL),
			 NOV30_140211 * ATTRIB_USEC + 250000);
	assert_int_equal(parsed("2026-11-30T15:02:11.000001+01:00", NULL),
			 NOV30_140211 * ATTRIB_USEC + 1);
}

static void test_space_may_stand_for_t(void **state)
{
	(void)state;
	assert_int_equal(parsed("2026-11-30 14:02:11Z", NULL), NOV30_140211 * ATTRIB_USEC);
}

static void test_at_epoch_seconds(void **state)
{
	(void)state;
	assert_int_equal(parsed("@1796047331", NULL), NOV30_140211 * ATTRIB_USEC);
	assert_int_equal(parsed("@1796047331.5", NULL), NOV30_140211 * ATTRIB_USEC + 500000);
	assert_int_equal(parsed("@0", NULL), 0);
}

/* Every reader of a time (this, an event's JSON number, the journal) stops
 * at the same distance from the epoch: a time one parses, all keep. */
static void test_epoch_past_the_limit_is_refused(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(parsed("@1000000000000", NULL), ATTRIB_TIME_LIMIT_SEC * ATTRIB_USEC);
	assert_int_equal(parsed("@-1000000000000", NULL), -ATTRIB_TIME_LIMIT_SEC * ATTRIB_USEC);
	refused("@1000000000000.5", NULL, err, sizeof(err));
	assert_non_null(strstr(err, "out of range"));
	refused("@1000000000001", NULL, err, sizeof(err));
	refused("@1796079047331", NULL, err, sizeof(err));
}

/* Said to a socket client or of a file, which have no --tz: how the time
 * itself carries a zone. */
static void test_time_without_zone_is_refused_saying_how_to_give_one(void **state)
{
	static const char *const zoneless[] = { "2026-11-30T14:02:11", "2026-11-30 14:02:11" };
	char err[256];
	int64_t t = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(zoneless) / sizeof(*zoneless); i++) {
		assert_int_equal(attrib_time_parse(zoneless[i], NULL, &t, err, sizeof(err)),
				 -ENODATA);
		assert_non_null(strstr(err, "add Z or an offset such as +01:00, or give @EPOCH"));
		assert_null(strstr(err, "--tz"));
	}
}

static void test_local_time_in_named_zone_is_converted_summer(void **state)
{
	/* Berlin keeps CEST (UTC+2) on 1 July: 12:00 there is 10:00Z, that is
	 * 1 782 900 000 s (20 635 days after the epoch, plus 36 000 s). */
	(void)state;
	assert_int_equal(parsed("2026-07-01T12:00:00", "Europe/Berlin"),
			 1782900000LL * ATTRIB_USEC);
	assert_int_equal(parsed("2026-07-01 12:00:00", "Europe/Berlin"),
			 1782900000LL * ATTRIB_USEC);
}

static void test_local_time_in_named_zone_is_converted_winter(void **state)
{
	/* CET (UTC+1) on 30 November: 15:02:11 there is 14:02:11Z. */
	(void)state;
	assert_int_equal(parsed("2026-11-30T15:02:11", "Europe/Berlin"),
			 NOV30_140211 * ATTRIB_USEC);
}

static void test_explicit_zone_wins_over_named_zone(void **state)
{
	(void)state;
	assert_int_equal(parsed("2026-11-30T14:02:11Z", "Europe/Berlin"),
			 NOV30_140211 * ATTRIB_USEC);
	assert_int_equal(parsed("@1796047331", "America/New_York"), NOV30_140211 * ATTRIB_USEC);
}

static void test_unknown_zone_is_refused(void **state)
{
	char err[256];

	(void)state;
	refused("2026-11-30T14:02:11", "Mars/Olympus_Mons", err, sizeof(err));
}

static void test_local_time_the_clocks_passed_twice_or_skipped_is_refused(void **state)
{
	char err[256];

	(void)state;
	/* Berlin turned its clocks back from 03:00 to 02:00 on 2026-10-25:
	 * 02:30 was both 00:30Z and 01:30Z.  It turned them forward from
	 * 02:00 to 03:00 on 2026-03-29: 02:30 never was. */
	refused("2026-10-25T02:30:00", "Europe/Berlin", err, sizeof(err));
	assert_non_null(strstr(err, "happened twice"));
	refused("2026-03-29T02:30:00", "Europe/Berlin", err, sizeof(err));
	assert_non_null(strstr(err, "no such local time"));
}

static void test_malformed_times_are_refused(void **state)
{
	static const char *const bad[] = { "",
					   "now",
					   "@",
					   "@12x",
					   "2026-11-30",
					   "2026-13-01T00:00:00Z",
					   "2026-11-31T00:00:00Z",
					   "2026-11-30T24:00:01Z",
					   "2026-11-30T14:61:00Z",
					   "2026-11-30T14:02:11+25:00",
					   "2026-11-30T14:02:11Zjunk",
					   "2026-11-30T14:02Z" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], NULL, err, sizeof(err));
}

/* A bare number is most likely seconds since 1970 without its @: said so,
 * and refused all the same (it could be a year, or milliseconds). */
static void test_bare_epoch_is_refused_naming_the_at(void **state)
{
	char err[256];

	(void)state;
	refused("1796047331", NULL, err, sizeof(err));
	assert_non_null(strstr(err, "written @EPOCH"));
	assert_non_null(strstr(err, "\"1796047331\""));
	refused("2026-11-30", NULL, err, sizeof(err));
	assert_null(strstr(err, "@EPOCH"));
}

static void test_format_is_utc_without_fraction_when_whole(void **state)
{
	char buf[ATTRIB_TIME_STRLEN];

	(void)state;
	assert_string_equal(attrib_time_format(NOV30_140211 * ATTRIB_USEC, buf),
			    "2026-11-30T14:02:11Z");
	assert_string_equal(attrib_time_format(0, buf), "1970-01-01T00:00:00Z");
}

static void test_format_writes_six_fraction_digits(void **state)
{
	char buf[ATTRIB_TIME_STRLEN];

	(void)state;
	assert_string_equal(attrib_time_format(NOV30_140211 * ATTRIB_USEC + 250000, buf),
			    "2026-11-30T14:02:11.250000Z");
	assert_string_equal(attrib_time_format(NOV30_140211 * ATTRIB_USEC + 7, buf),
			    "2026-11-30T14:02:11.000007Z");
}

static void test_format_and_parse_round_trip(void **state)
{
	static const int64_t times[] = {
		NOV30_140211 * ATTRIB_USEC, NOV30_140211 * ATTRIB_USEC + 999999,
		1709251199LL * ATTRIB_USEC, /* 2024-02-29T23:59:59Z, a leap day */
	};
	char buf[ATTRIB_TIME_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		assert_int_equal(parsed(attrib_time_format(times[i], buf), NULL), times[i]);
}

static void test_now_reads_the_realtime_clock_in_microseconds(void **state)
{
	int64_t before = (int64_t)time(NULL) * ATTRIB_USEC;
	int64_t now = attrib_time_now();
	int64_t after = ((int64_t)time(NULL) + 1) * ATTRIB_USEC;

	(void)state;
	assert_true(now >= before);
	assert_true(now <= after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_with_z_is_utc),
		cmocka_unit_test(test_rfc3339_offset_is_subtracted),
		cmocka_unit_test(test_rfc3339_fraction_keeps_microseconds),
		cmocka_unit_test(test_space_may_stand_for_t),
		cmocka_unit_test(test_at_epoch_seconds),
		cmocka_unit_test(test_time_without_zone_is_refused_saying_how_to_give_one),
		cmocka_unit_test(test_bare_epoch_is_refused_naming_the_at),
		cmocka_unit_test(test_local_time_in_named_zone_is_converted_summer),
		cmocka_unit_test(test_local_time_in_named_zone_is_converted_winter),
		cmocka_unit_test(test_explicit_zone_wins_over_named_zone),
		cmocka_unit_test(test_unknown_zone_is_refused),
		cmocka_unit_test(test_local_time_the_clocks_passed_twice_or_skipped_is_refused),
		cmocka_unit_test(test_malformed_times_are_refused),
		cmocka_unit_test(test_epoch_past_the_limit_is_refused),
		cmocka_unit_test(test_format_is_utc_without_fraction_when_whole),
		cmocka_unit_test(test_format_writes_six_fraction_digits),
		cmocka_unit_test(test_format_and_parse_round_trip),
		cmocka_unit_test(test_now_reads_the_realtime_clock_in_microseconds),
	};

	return cmocka_run_group_tests_name("times", tests, NULL, NULL);
}
