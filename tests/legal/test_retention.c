/* SPDX-License-Identifier: GPL-3.0-or-later
 * Holds and the retention purge: what goes, what a hold keeps, the horizon
 * lookups answer outside-retention before.  Leases here happen in January
 * 2026 (old) or on DAY (recent); purges cut at 2026-06-01. */
#include "harness.h"

#include <errno.h>
#include <string.h>

#include "attrib/hold.h"
#include "attrib/retention.h"

#define OLD     "2026-01-10T"
#define CUTOFF  "2026-06-01T00:00:00Z"
#define NOW     DAY "23:00:00Z"

static void parse(const char *text, struct attrib_prefix *p)
{
	assert_int_equal(attrib_prefix_parse(text, p, NULL, 0), 0);
}

static struct attrib_hold hold_of(const char *case_ref, const char *what, const char *from,
				  const char *to)
{
	struct attrib_hold h = { .until = INT64_MAX, .created = ut(DAY "12:00:00Z"),
				 .created_uid = 1000 };

	snprintf(h.case_ref, sizeof(h.case_ref), "%s", case_ref);
	if (strchr(what, '.') || strchr(what, ':')) {
		parse(what, &h.subject.prefix);
		h.subject.kind = strchr(what, '/') ? ATTRIB_SUBJECT_PREFIX : ATTRIB_SUBJECT_ADDRESS;
	} else {
		h.subject.kind = ATTRIB_SUBJECT_ACCOUNT;
		snprintf(h.subject.account, sizeof(h.subject.account), "%s", what);
	}
	h.from = ut(from);
	h.to = ut(to);
	return h;
}

static void hold(struct fx *f, const char *case_ref, const char *what)
{
	struct attrib_hold h = hold_of(case_ref, what, "2026-01-01T00:00:00Z",
				       "2026-02-01T00:00:00Z");

	assert_int_equal(attrib_hold_add(f->st, &h), 0);
	assert_true(h.id > 0);
}

/* Two old leases (.10 for A, .11 for B, an hour each) and a recent one. */
static void three_leases(struct fx *f)
{
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "192.0.2.11", OLD "09:00:00Z", 3600, HW_B);
	lease4(f, "lease-commit", "192.0.2.12", DAY "09:00:00Z", 3600, HW_A);
}

static struct attrib_purge_counts purge(struct fx *f, int64_t batch)
{
	struct attrib_purge_counts c;

	assert_int_equal(attrib_retention_purge(f->st, ut(CUTOFF), ut(NOW), batch, &c), 0);
	return c;
}

static int64_t events(struct fx *f)
{
	struct attrib_store_counts n;

	assert_int_equal(attrib_store_counts(f->st, &n), 0);
	return n.events;
}

static void test_cutoff_is_days_before_now(void **state)
{
	(void)state;
	assert_time(attrib_retention_cutoff(ut("2026-12-31T12:00:00Z"), 30),
		    "2026-12-01T12:00:00Z");
	assert_int_equal(attrib_retention_cutoff(ut("2026-12-31T12:00:00Z"), 0), 0);
}

static void test_a_purge_removes_what_ended_before_the_cutoff(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	three_leases(f);
	assert_int_equal(binding_count(f), 3);
	assert_int_equal(events(f), 3);
	c = purge(f, 0);
	assert_int_equal(c.bindings, 2);
	assert_int_equal(c.evidence, 2);
	assert_int_equal(c.events, 2);
	assert_int_equal(c.held, 0);
	assert_time(c.horizon, CUTOFF);
	assert_int_equal(binding_count(f), 1);
	assert_int_equal(events(f), 1);
	assert_time(attrib_store_horizon(f->st), CUTOFF);
	assert_lookup(f, "192.0.2.10", OLD "08:30:00Z", ATTRIB_STATUS_OUTSIDE_RETENTION, 0);
	assert_lookup(f, "192.0.2.12", DAY "09:30:00Z", ATTRIB_STATUS_UNMAPPED, 1);
}

static void test_a_purge_never_removes_what_an_address_hold_covers(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	three_leases(f);
	hold(f, "CASE-1", "192.0.2.10");
	c = purge(f, 0);
	assert_int_equal(c.bindings, 1);
	assert_int_equal(c.held, 1);
	assert_int_equal(binding_count(f), 2);
	assert_int_equal(events(f), 2);
	/* Still outside retention for lookups; kept for the case's export. */
	assert_lookup(f, "192.0.2.10", OLD "08:30:00Z", ATTRIB_STATUS_OUTSIDE_RETENTION, 0);
}

static void test_a_prefix_hold_keeps_every_binding_inside_it(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	three_leases(f);
	hold(f, "CASE-1", "192.0.2.0/28");
	c = purge(f, 1); /* a window of one id: the same result, step by step */
	assert_int_equal(c.bindings, 0);
	assert_int_equal(c.held, 2);
	assert_int_equal(binding_count(f), 3);
	assert_int_equal(events(f), 3);
}

static void test_an_account_hold_keeps_the_bindings_of_its_identities(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	three_leases(f);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	hold(f, "CASE-2", "ACC-B");
	c = purge(f, 0);
	assert_int_equal(c.bindings, 1); /* A's old lease */
	assert_int_equal(c.held, 1);
	assert_int_equal(binding_count(f), 2);
}

static void test_an_account_hold_keeps_a_binding_its_other_card_maps_to(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	/* .10's client renewed from card B, which ACC-B holds: the binding is
	 * ACC-B's too, and a hold on ACC-B keeps it. */
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:00:00Z", 3600, "'client-id':'01:cc'," HW_A);
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:30:00Z", 3600, "'client-id':'01:cc'," HW_B);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	hold(f, "CASE-9", "ACC-B");
	c = purge(f, 0);
	assert_int_equal(c.bindings, 0);
	assert_int_equal(c.held, 1);
	assert_int_equal(binding_count(f), 1);
}

static void test_an_account_hold_needs_the_mapping_at_that_time(void **state)
{
	struct fx *f = *state;

	three_leases(f);
	/* B belonged to ACC-B only from March: the January lease is not its. */
	map_identity(f, "hwaddr", MAC_B, "ACC-B", "2026-03-01T00:00:00Z", NULL);
	hold(f, "CASE-2", "ACC-B");
	assert_int_equal(purge(f, 0).bindings, 2);
}

static void test_a_hold_over_another_range_keeps_nothing(void **state)
{
	struct fx *f = *state;
	struct attrib_hold h = hold_of("CASE-3", "192.0.2.10", "2026-02-01T00:00:00Z",
				       "2026-03-01T00:00:00Z");

	three_leases(f);
	assert_int_equal(attrib_hold_add(f->st, &h), 0);
	assert_int_equal(purge(f, 0).bindings, 2);
}

static void test_a_released_hold_keeps_nothing(void **state)
{
	struct fx *f = *state;

	three_leases(f);
	hold(f, "CASE-4", "192.0.2.10");
	hold(f, "CASE-4", "192.0.2.11");
	assert_int_equal(attrib_hold_release(f->st, "CASE-4", ut(DAY "13:00:00Z"), 1000), 2);
	assert_int_equal(attrib_hold_release(f->st, "CASE-4", ut(DAY "13:00:00Z"), 1000),
			 -ENOENT);
	assert_int_equal(purge(f, 0).bindings, 2);
}

static void test_a_hold_past_its_until_keeps_nothing(void **state)
{
	struct fx *f = *state;
	struct attrib_hold h = hold_of("CASE-5", "192.0.2.10", "2026-01-01T00:00:00Z",
				       "2026-02-01T00:00:00Z");

	three_leases(f);
	h.until = ut(DAY "18:00:00Z"); /* before NOW */
	assert_int_equal(attrib_hold_add(f->st, &h), 0);
	assert_int_equal(purge(f, 0).bindings, 2);
}

static void test_a_held_event_that_bound_nothing_is_kept(void **state)
{
	struct fx *f = *state;

	/* A multicast address binds nothing but stays as evidence. */
	lease4(f, "lease-commit", "224.0.0.5", OLD "08:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "224.0.1.5", OLD "08:00:00Z", 3600, HW_B);
	assert_int_equal(binding_count(f), 0);
	hold(f, "CASE-6", "224.0.0.0/24");
	assert_int_equal(purge(f, 0).events, 1);
	assert_int_equal(events(f), 1);
}

static void test_ended_sessions_go_and_open_ones_stay(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts n;
	struct attrib_purge_counts c;

	accounting(f, "acct-start", OLD "10:00:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'alice','address':'100.64.0.7'");
	accounting(f, "acct-stop", OLD "11:00:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'alice','address':'100.64.0.7',"
		   "'acct-session-time':3600");
	accounting(f, "acct-start", OLD "10:00:00Z",
		   "'nas':'bras-1','session-id':'S2','username':'bob','address':'100.64.0.8'");
	c = purge(f, 0);
	assert_int_equal(c.sessions, 1);
	assert_int_equal(c.bindings, 1);
	assert_int_equal(attrib_store_counts(f->st, &n), 0);
	assert_int_equal(n.sessions, 1);
	assert_int_equal(n.bindings, 1);
	assert_int_equal(n.events, 1); /* bob's start backs his open binding */
}

static void test_the_horizon_never_moves_back(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	assert_int_equal(attrib_store_set_horizon(f->st, ut("2026-07-01T00:00:00Z")), 0);
	c = purge(f, 0);
	assert_time(c.horizon, "2026-07-01T00:00:00Z");
	assert_time(attrib_store_horizon(f->st), "2026-07-01T00:00:00Z");
}

static void test_no_retention_purges_nothing(void **state)
{
	struct fx *f = *state;
	struct attrib_purge_counts c;

	three_leases(f);
	assert_int_equal(attrib_retention_purge(f->st, 0, ut(NOW), 0, &c), 0);
	assert_int_equal(c.bindings, 0);
	assert_int_equal(binding_count(f), 3);
	assert_int_equal(attrib_store_horizon(f->st), 0);
}

static void test_holds_are_listed_and_released_by_case(void **state)
{
	struct fx *f = *state;
	struct attrib_hold *list;
	size_t n;
	json_t *o;

	hold(f, "CASE-A", "192.0.2.10");
	hold(f, "CASE-A", "2001:db8::/56");
	hold(f, "CASE-B", "ACC-9");
	assert_int_equal(attrib_hold_list(f->st, NULL, false, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].subject.kind, ATTRIB_SUBJECT_ADDRESS);
	assert_int_equal(list[1].subject.kind, ATTRIB_SUBJECT_PREFIX);
	assert_int_equal(list[2].subject.kind, ATTRIB_SUBJECT_ACCOUNT);
	assert_string_equal(list[2].subject.account, "ACC-9");
	o = attrib_hold_to_json(&list[1], ut(NOW));
	assert_string_equal(json_string_value(json_object_get(o, "prefix")), "2001:db8::/56");
	assert_string_equal(json_string_value(json_object_get(o, "from")), "2026-01-01T00:00:00Z");
	assert_true(json_is_null(json_object_get(o, "until")));
	assert_true(json_is_true(json_object_get(o, "in-force")));
	json_decref(o);
	free(list);

	assert_int_equal(attrib_hold_release(f->st, "CASE-A", ut(DAY "13:00:00Z"), 1001), 2);
	assert_int_equal(attrib_hold_list(f->st, NULL, false, &list, &n), 0);
	assert_int_equal(n, 1);
	free(list);
	assert_int_equal(attrib_hold_list(f->st, "CASE-A", true, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_time(list[0].released, DAY "13:00:00Z");
	assert_int_equal(list[0].released_uid, 1001);
	assert_false(attrib_hold_in_force(&list[0], ut(NOW)));
	free(list);
}

static void test_bad_holds_are_refused(void **state)
{
	struct fx *f = *state;
	struct attrib_hold h = hold_of("CASE-A", "192.0.2.10", "2026-01-01T00:00:00Z",
				       "2026-02-01T00:00:00Z");
	struct attrib_hold *list;
	size_t n;

	h.to = h.from;
	assert_int_equal(attrib_hold_add(f->st, &h), -EINVAL);
	h = hold_of("", "192.0.2.10", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
	assert_int_equal(attrib_hold_add(f->st, &h), -EINVAL);
	assert_non_null(strstr(attrib_store_errmsg(f->st), "case reference"));
	h = hold_of("CASE-A", "192.0.2.10", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
	h.until = h.created - 1;
	assert_int_equal(attrib_hold_add(f->st, &h), -EINVAL);
	assert_int_equal(attrib_hold_list(f->st, NULL, true, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

static void test_case_references_are_checked(void **state)
{
	char err[120];

	(void)state;
	assert_int_equal(attrib_case_check("AZ 12 O 345/26", err, sizeof(err)), 0);
	assert_int_equal(attrib_case_check("", err, sizeof(err)), -EINVAL);
	assert_int_equal(attrib_case_check(NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(attrib_case_check(" X", err, sizeof(err)), -EINVAL);
	assert_int_equal(attrib_case_check("X\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(attrib_case_check("\xc3\xa9t\xc3\xa9", err, sizeof(err)), -EINVAL);
	assert_int_equal(attrib_case_check("0123456789012345678901234567890123456789"
					   "012345678901234567890123", err, sizeof(err)), 0);
	assert_int_equal(attrib_case_check("0123456789012345678901234567890123456789"
					   "0123456789012345678901234", err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cutoff_is_days_before_now),
		FX_TEST(test_a_purge_removes_what_ended_before_the_cutoff),
		FX_TEST(test_a_purge_never_removes_what_an_address_hold_covers),
		FX_TEST(test_a_prefix_hold_keeps_every_binding_inside_it),
		FX_TEST(test_an_account_hold_keeps_the_bindings_of_its_identities),
		FX_TEST(test_an_account_hold_keeps_a_binding_its_other_card_maps_to),
		FX_TEST(test_an_account_hold_needs_the_mapping_at_that_time),
		FX_TEST(test_a_hold_over_another_range_keeps_nothing),
		FX_TEST(test_a_released_hold_keeps_nothing),
		FX_TEST(test_a_hold_past_its_until_keeps_nothing),
		FX_TEST(test_a_held_event_that_bound_nothing_is_kept),
		FX_TEST(test_ended_sessions_go_and_open_ones_stay),
		FX_TEST(test_the_horizon_never_moves_back),
		FX_TEST(test_no_retention_purges_nothing),
		FX_TEST(test_holds_are_listed_and_released_by_case),
		FX_TEST(test_bad_holds_are_refused),
		cmocka_unit_test(test_case_references_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
