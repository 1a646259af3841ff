/* SPDX-License-Identifier: GPL-3.0-or-later
 * What the unit tests of the store share: a fresh store in a temporary
 * directory per test, events written as JSON lines and applied, lookups, and
 * times worked out with libc so that expected values never come from the
 * code under test. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/lookup.h"
#include "attrib/store.h"

/* The day most tests happen on: in the past, so that no rule reading the
 * wall clock can see a lease or session of a test as still running. */
#define DAY "2026-11-30T"

/* Documentation hardware addresses (RFC 7042) and the identity fragments of
 * event lines that carry them. */
#define MAC_A "00:00:5e:00:53:01"
#define MAC_B "00:00:5e:00:53:02"
#define HW_A  "'hwaddr':'" MAC_A "'"
#define HW_B  "'hwaddr':'" MAC_B "'"

/* One test's store, the policy it applies events with and its last answer. */
struct fx {
	char dir[256];
	char path[300];
	struct attrib_store *st;
	struct attrib_policy pol;
	struct attrib_answer ans;
};

/* cmocka setup and teardown: a new store with the default policy; on
 * teardown the store and its directory are removed. */
int fx_setup(void **state);
int fx_teardown(void **state);

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/* "2026-11-30T14:00:00Z" in microseconds, by timegm(); the test fails on any
 * other form.  "open" gives INT64_MAX, the end of a binding still open. */
int64_t ut(const char *text);

/* Fail the test unless @p got is the time @p want (as ut() reads it),
 * printing both as text. */
#define assert_time(got, want) check_time((got), (want), __FILE__, __LINE__)
void check_time(int64_t got, const char *want, const char *file, int line);

/* Apply one event given as a JSON line, printf-style; single quotes in the
 * text stand for double quotes, so that lines stay readable in C.  The test
 * fails if the line does not parse.  @return what attrib_store_apply()
 * returned. */
int apply_rc(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As apply_rc(), and fail unless the event was applied (1). */
#define apply(f, ...) assert_int_equal(apply_rc((f), __VA_ARGS__), 1)

/* Apply a DHCPv4 lease event of @p type ("lease-commit"...) for @p addr,
 * seen by server kea-a at @p when, with @p lifetime seconds (0: none given)
 * and the identity fields @p who (a JSON fragment such as HW_A); it must be
 * applied. */
void lease4(struct fx *f, const char *type, const char *addr, const char *when, int lifetime,
	    const char *who);

/* Apply an accounting event of @p type arriving at @p arrival; @p rest holds
 * the other members (nas, session, addresses...); it must be applied. */
void accounting(struct fx *f, const char *type, const char *arrival, const char *rest);

/* Map identity (kind, value) to @p account over [from, to); NULL for @p from
 * means since long before any test day, NULL for @p to means still valid. */
void map_identity(struct fx *f, const char *kind, const char *value, const char *account,
		  const char *from, const char *to);

/* attrib_lookup() of @p addr at @p when with @p tolerance seconds into
 * f->ans, releasing the previous answer.  The call must succeed. */
void lookup(struct fx *f, const char *addr, const char *when, int tolerance);

/* attrib_history() of @p addr over [from, to) into f->ans. */
void history(struct fx *f, const char *addr, const char *from, const char *to);

/* Candidate @p i of the last answer; the test fails when there is none. */
const struct attrib_candidate *cand(struct fx *f, size_t i);

/* Fail unless the last answer has status @p status and @p n candidates. */
#define assert_answer(f, status, n) check_answer((f), (status), (n), __FILE__, __LINE__)
void check_answer(struct fx *f, enum attrib_status status, size_t n, const char *file, int line);

/* lookup() with no tolerance and assert_answer() on what it gives. */
#define assert_lookup(f, addr, when, status, n)                                                    \
	do {                                                                                       \
		lookup((f), (addr), (when), 0);                                                    \
		check_answer((f), (status), (n), __FILE__, __LINE__);                              \
	} while (0)

/* Fail unless nothing holds @p addr at @p end and exactly one binding holds
 * it a second before, ending at @p end; that answer stays in f->ans. */
#define assert_ends_at(f, addr, end) check_ends_at((f), (addr), (end), __FILE__, __LINE__)
void check_ends_at(struct fx *f, const char *addr, const char *end, const char *file, int line);

/* The number of bindings in the store. */
int64_t binding_count(struct fx *f);
