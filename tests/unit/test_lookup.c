/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of attrib/lookup.h: every lookup status, the tolerance window,
 * the time-versioned subscriber map, static assignments, prefixes containing
 * the asked address, the retention horizon, history, and the JSON answer. */
#include "harness.h"

#include <errno.h>
#include <string.h>

#define ADDR4 "192.0.2.7"

/* A holds 192.0.2.7 from 14:00 and releases it at 14:29:30; B takes it at
 * 14:30 for an hour. */
static void two_holders(struct fx *f)
{
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-release", ADDR4, DAY "14:29:30Z", 0, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_B);
}

/* two_holders(), then a lookup at 14:30 give or take a minute: both are
 * candidates. */
static void two_holders_asked_at_1430(struct fx *f)
{
	two_holders(f);
	lookup(f, ADDR4, DAY "14:30:00Z", 60);
}

static void test_match_names_the_one_account(void **state)
{
	struct fx *f = *state;
	char buf[ATTRIB_ADDR_STRLEN];

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_string_equal(attrib_prefix_format(&f->ans.addr, buf), ADDR4);
	assert_time(f->ans.time, DAY "14:15:00Z");
	assert_int_equal(f->ans.tolerance, 0);
}

static void test_unmapped_identity_is_shown(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_UNMAPPED, 1);
	assert_string_equal(f->ans.account, "");
	c = cand(f, 0);
	assert_string_equal(c->account, "");
	assert_string_equal(c->identity_kind, "hwaddr");
	assert_string_equal(c->identity, MAC_A);
}

static void test_two_accounts_are_ambiguous(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	two_holders_asked_at_1430(f);
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(f->ans.account, "");
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_string_equal(cand(f, 1)->account, "ACC-B");
}

static void test_account_and_unmapped_identity_are_ambiguous(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	two_holders_asked_at_1430(f);
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(f->ans.account, "");
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_string_equal(cand(f, 1)->account, "");
	assert_string_equal(cand(f, 1)->identity, MAC_B);
}

static void test_two_candidates_of_one_account_match(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-A", NULL, NULL);
	two_holders_asked_at_1430(f);
	assert_answer(f, ATTRIB_STATUS_MATCH, 2);
	assert_string_equal(f->ans.account, "ACC-A");
}

static void test_two_unmapped_identities_are_ambiguous(void **state)
{
	struct fx *f = *state;

	/* "unmapped" is for one identity; two unknown clients single out no
	 * one. */
	two_holders_asked_at_1430(f);
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
}

static void test_identities_of_one_binding_naming_two_accounts_are_ambiguous(void **state)
{
	struct fx *f = *state;

	/* The hardware address says ACC-A, the relay's remote-id ACC-B: the
	 * evidence does not single one out. */
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "remote-id", "0a:0b", "ACC-B", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A ",'remote-id':'0a:0b'");
	lookup(f, ADDR4, DAY "14:15:00Z", 0);
	assert_int_equal(f->ans.status, ATTRIB_STATUS_AMBIGUOUS);
	assert_string_equal(f->ans.account, "");
}

static void test_address_nobody_held_is_none(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	assert_lookup(f, "192.0.2.8", DAY "14:15:00Z", ATTRIB_STATUS_NONE, 0);
	assert_string_equal(f->ans.account, "");
	assert_lookup(f, "2001:db8::7", DAY "14:15:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_time_before_retention_horizon_is_outside_retention(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "12:00:00Z", 3600, HW_A);
	assert_int_equal(attrib_store_set_horizon(f->st, ut(DAY "12:00:00Z")), 0);
	assert_time(attrib_store_horizon(f->st), DAY "12:00:00Z");

	assert_lookup(f, ADDR4, DAY "11:59:59Z", ATTRIB_STATUS_OUTSIDE_RETENTION, 0);
	assert_string_equal(f->ans.account, "");
	assert_lookup(f, ADDR4, DAY "12:00:00Z", ATTRIB_STATUS_MATCH, 1);
}

static void test_window_reaching_past_the_horizon_is_outside_retention(void **state)
{
	struct fx *f = *state;

	/* What held the address before the horizon is purged: a minute's
	 * window around 12:00:30 reaches back to 11:59:30, where a binding
	 * that would make the answer ambiguous may have been. */
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "12:00:10Z", 3600, HW_A);
	assert_int_equal(attrib_store_set_horizon(f->st, ut(DAY "12:00:00Z")), 0);

	lookup(f, ADDR4, DAY "12:00:30Z", 60);
	assert_answer(f, ATTRIB_STATUS_OUTSIDE_RETENTION, 0);
	lookup(f, ADDR4, DAY "12:00:30Z", 30);
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
}

static void test_tolerance_window_takes_in_a_binding_that_ended_just_before(void **state)
{
	struct fx *f = *state;

	/* Released 30 s before the asked 15:00:00. */
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-release", ADDR4, DAY "14:59:30Z", 0, HW_A);

	assert_lookup(f, ADDR4, DAY "15:00:00Z", ATTRIB_STATUS_NONE, 0);
	lookup(f, ADDR4, DAY "15:00:00Z", 29);
	assert_answer(f, ATTRIB_STATUS_NONE, 0);
	lookup(f, ADDR4, DAY "15:00:00Z", 60);
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "14:59:30Z");
	assert_int_equal(f->ans.tolerance, 60 * 1000000LL);
}

static void test_tolerance_window_takes_in_a_binding_that_starts_just_after(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "15:00:30Z", 3600, HW_A);

	assert_lookup(f, ADDR4, DAY "15:00:00Z", ATTRIB_STATUS_NONE, 0);
	lookup(f, ADDR4, DAY "15:00:00Z", 60);
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "15:00:30Z");
}

static void test_account_is_the_one_mapped_at_the_queried_time(void **state)
{
	struct fx *f = *state;

	/* The line moved from ACC-OLD to ACC-NEW at 14:30. */
	map_identity(f, "hwaddr", MAC_A, "ACC-OLD", NULL, DAY "14:30:00Z");
	map_identity(f, "hwaddr", MAC_A, "ACC-NEW", DAY "14:30:00Z", NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);

	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-OLD");
	assert_lookup(f, ADDR4, DAY "14:45:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-NEW");

	/* A window of two minutes around 14:31 reaches back before the move:
	 * the event may have happened at 14:29, when the line was ACC-OLD's,
	 * so the answer names both and picks neither. */
	lookup(f, ADDR4, DAY "14:31:00Z", 120);
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(cand(f, 0)->account, "ACC-OLD");
	assert_string_equal(cand(f, 1)->account, "ACC-NEW");
	/* One minute stays after it. */
	lookup(f, ADDR4, DAY "14:31:00Z", 60);
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-NEW");
}

static void test_history_names_every_account_a_binding_mapped_to_in_the_range(void **state)
{
	struct fx *f = *state;

	/* One lease over the move at 14:30: a court asking about 14:00-15:00
	 * must see both accounts; asking about 14:00-14:30, only the first. */
	map_identity(f, "hwaddr", MAC_A, "ACC-OLD", NULL, DAY "14:30:00Z");
	map_identity(f, "hwaddr", MAC_A, "ACC-NEW", DAY "14:30:00Z", NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);

	history(f, ADDR4, DAY "14:00:00Z", DAY "15:00:00Z");
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	history(f, ADDR4, DAY "14:00:00Z", DAY "14:30:00Z");
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-OLD");
}

static void test_identity_mapped_only_later_is_unmapped_before(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", DAY "14:30:00Z", NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);

	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_UNMAPPED, 1);
	assert_string_equal(cand(f, 0)->identity, MAC_A);
	assert_lookup(f, ADDR4, DAY "14:45:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
}

static void test_history_takes_the_account_mapped_at_each_binding_start(void **state)
{
	struct fx *f = *state;

	/* Two bindings of A, before and after the line moved at 14:30. */
	map_identity(f, "hwaddr", MAC_A, "ACC-OLD", NULL, DAY "14:30:00Z");
	map_identity(f, "hwaddr", MAC_A, "ACC-NEW", DAY "14:30:00Z", NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-release", ADDR4, DAY "14:20:00Z", 0, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:40:00Z", 3600, HW_A);

	history(f, ADDR4, DAY "13:00:00Z", DAY "18:00:00Z");
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(cand(f, 0)->account, "ACC-OLD");
	assert_string_equal(cand(f, 1)->account, "ACC-NEW");
}

static void test_candidates_come_in_start_order(void **state)
{
	struct fx *f = *state;
	char buf[ATTRIB_ADDR_STRLEN];

	/* The /56 began before the /128 inside it. */
	map_identity(f, "username", "alice", "ACC-A", NULL, NULL);
	accounting(f, "acct-start", DAY "14:00:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'alice',"
		   "'address':'2001:db8:1200::/56'");
	accounting(f, "acct-start", DAY "14:10:00Z",
		   "'nas':'bras-1','session-id':'S2','username':'alice',"
		   "'address':'2001:db8:1200:ab::5'");

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 2);
	assert_string_equal(attrib_prefix_format(&cand(f, 0)->prefix, buf), "2001:db8:1200::/56");
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_string_equal(attrib_prefix_format(&cand(f, 1)->prefix, buf), "2001:db8:1200:ab::5");
	assert_time(cand(f, 1)->start, DAY "14:10:00Z");
}

static void test_static_assignment_is_a_candidate_with_its_account(void **state)
{
	struct fx *f = *state;
	struct attrib_prefix p;
	char buf[ATTRIB_ADDR_STRLEN], err[128];

	assert_int_equal(attrib_prefix_parse("198.51.100.8/29", &p, err, sizeof(err)), 0);
	assert_int_equal(attrib_store_add_static(f->st, &p, "ACC-BIZ", ut("2026-01-01T00:00:00Z"),
						 INT64_MAX),
			 0);

	assert_lookup(f, "198.51.100.10", DAY "14:00:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-BIZ");
	assert_int_equal(cand(f, 0)->source, ATTRIB_SRC_STATIC);
	assert_string_equal(attrib_prefix_format(&cand(f, 0)->prefix, buf), "198.51.100.8/29");
	assert_time(cand(f, 0)->start, "2026-01-01T00:00:00Z");

	/* 198.51.100.16 is past the /29; 2025 is before the assignment. */
	assert_lookup(f, "198.51.100.16", DAY "14:00:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "198.51.100.10", "2025-12-31T23:59:59Z", ATTRIB_STATUS_NONE, 0);
}

static void test_static_and_dynamic_bindings_of_two_accounts_are_ambiguous(void **state)
{
	struct fx *f = *state;
	struct attrib_prefix p;
	char err[128];

	assert_int_equal(attrib_prefix_parse("192.0.2.0/24", &p, err, sizeof(err)), 0);
	assert_int_equal(attrib_store_add_static(f->st, &p, "ACC-BIZ", ut(DAY "00:00:00Z"),
						 ut(DAY "23:00:00Z")),
			 0);
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);

	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(f->ans.account, "");
	assert_lookup(f, ADDR4, DAY "23:00:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_bad_static_assignment_is_refused(void **state)
{
	struct fx *f = *state;
	struct attrib_prefix p;
	char err[128];

	assert_int_equal(attrib_prefix_parse("198.51.100.8/29", &p, err, sizeof(err)), 0);
	assert_int_equal(attrib_store_add_static(f->st, &p, "ACC-BIZ", ut(DAY "14:00:00Z"),
						 ut(DAY "14:00:00Z")),
			 -EINVAL);
	/* A prefix that holds everything would name this account for any address. */
	assert_int_equal(attrib_prefix_parse("0.0.0.0/0", &p, err, sizeof(err)), 0);
	assert_int_equal(attrib_store_add_static(f->st, &p, "ACC-BIZ", ut(DAY "14:00:00Z"),
						 INT64_MAX),
			 -EINVAL);
	assert_int_equal(binding_count(f), 0);
}

static void test_bad_subscriber_rows_are_refused(void **state)
{
	struct fx *f = *state;
	int64_t t = ut(DAY "14:00:00Z");

	assert_int_equal(
		attrib_store_add_subscriber(f->st, "shoe-size", "42", "ACC-A", t, INT64_MAX),
		-EINVAL);
	assert_int_equal(
		attrib_store_add_subscriber(f->st, "hwaddr", "not hex", "ACC-A", t, INT64_MAX),
		-EINVAL);
	assert_int_equal(attrib_store_add_subscriber(f->st, "hwaddr", MAC_A, "ACC-A", t, t),
			 -EINVAL);
	/* Accounts and values a screen or a JSON answer would show wrongly. */
	assert_int_equal(attrib_store_add_subscriber(f->st, "username", "alice",
						     "ACC-A\n192.0.2.7: match, account X", t,
						     INT64_MAX),
			 -EINVAL);
	assert_int_equal(
		attrib_store_add_subscriber(f->st, "username", "alice", " ACC-A", t, INT64_MAX),
		-EINVAL);
	assert_int_equal(
		attrib_store_add_subscriber(f->st, "username", "alice", "ACC-\xff", t, INT64_MAX),
		-EINVAL);
	assert_int_equal(attrib_store_add_subscriber(f->st, "username", "\x1b[31mevil", "ACC-A",
						     t, INT64_MAX),
			 -EINVAL);
	assert_int_equal(
		attrib_store_add_subscriber(f->st, "username", "zoë", "ACC-Ä", t, INT64_MAX), 0);
}

static void test_subscriber_value_is_normalised_before_matching(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", "00-00-5E-00-53-01", "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, "'hwaddr':'00005e005301'");
	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
}

static void test_lookup_finds_bindings_of_every_prefix_containing_the_address(void **state)
{
	struct fx *f = *state;
	char buf[ATTRIB_ADDR_STRLEN];

	/* One session with Framed-IPv6-Address, Framed-IPv6-Prefix and
	 * Delegated-IPv6-Prefix: a /128 inside a /64 inside a /56. */
	map_identity(f, "username", "alice", "ACC-A", NULL, NULL);
	accounting(f, "acct-start", DAY "14:00:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'alice',"
		   "'addresses':['2001:db8:1200:ab::5','2001:db8:1200:ab::/64',"
		   "'2001:db8:1200::/56','100.64.0.7']");
	assert_int_equal(binding_count(f), 4);

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 3);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_lookup(f, "2001:db8:1200:ab::6", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 2);
	assert_lookup(f, "2001:db8:1200:cd::1", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(attrib_prefix_format(&cand(f, 0)->prefix, buf), "2001:db8:1200::/56");
	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(attrib_prefix_format(&cand(f, 0)->prefix, buf), "100.64.0.7");
	assert_lookup(f, "100.64.0.6", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_history_lists_every_binding_overlapping_the_range(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	two_holders(f);

	history(f, ADDR4, DAY "13:00:00Z", DAY "18:00:00Z");
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, DAY "14:29:30Z");
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_time(cand(f, 1)->start, DAY "14:30:00Z");
	assert_time(cand(f, 1)->end, DAY "15:30:00Z");
	assert_string_equal(cand(f, 1)->account, "ACC-B");

	/* [14:29:30, 15:00) misses A, whose end is 14:29:30. */
	history(f, ADDR4, DAY "14:29:30Z", DAY "15:00:00Z");
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-B");
	/* [13:00, 14:00) ends where A begins. */
	history(f, ADDR4, DAY "13:00:00Z", DAY "14:00:00Z");
	assert_answer(f, ATTRIB_STATUS_NONE, 0);
}

static void test_negative_tolerance_and_empty_range_are_refused(void **state)
{
	struct fx *f = *state;
	struct attrib_prefix p;
	char err[128];

	assert_int_equal(attrib_addr_parse(ADDR4, &p, err, sizeof(err)), 0);
	assert_int_equal(attrib_lookup(f->st, &f->pol, &p, ut(DAY "14:00:00Z"), -1, &f->ans),
			 -EINVAL);
	attrib_answer_free(&f->ans);
	assert_int_equal(attrib_history(f->st, &f->pol, &p, ut(DAY "14:00:00Z"),
					ut(DAY "14:00:00Z"), &f->ans),
			 -EINVAL);
}

static void test_status_names_are_the_words_of_the_spec(void **state)
{
	(void)state;
	assert_string_equal(attrib_status_name(ATTRIB_STATUS_MATCH), "match");
	assert_string_equal(attrib_status_name(ATTRIB_STATUS_NONE), "none");
	assert_string_equal(attrib_status_name(ATTRIB_STATUS_AMBIGUOUS), "ambiguous");
	assert_string_equal(attrib_status_name(ATTRIB_STATUS_UNMAPPED), "unmapped");
	assert_string_equal(attrib_status_name(ATTRIB_STATUS_OUTSIDE_RETENTION),
			    "outside-retention");
}

static void test_answer_json_carries_an_account_only_on_a_match(void **state)
{
	struct fx *f = *state;
	json_t *obj, *acc;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	two_holders(f);

	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_MATCH, 1);
	obj = attrib_answer_to_json(&f->ans);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "status")), "match");
	assert_string_equal(json_string_value(json_object_get(obj, "account")), "ACC-A");
	json_decref(obj);

	lookup(f, ADDR4, DAY "14:30:00Z", 60);
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	obj = attrib_answer_to_json(&f->ans);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "status")), "ambiguous");
	acc = json_object_get(obj, "account");
	assert_true(acc == NULL || json_is_null(acc));
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_match_names_the_one_account),
		FX_TEST(test_unmapped_identity_is_shown),
		FX_TEST(test_two_accounts_are_ambiguous),
		FX_TEST(test_account_and_unmapped_identity_are_ambiguous),
		FX_TEST(test_two_candidates_of_one_account_match),
		FX_TEST(test_two_unmapped_identities_are_ambiguous),
		FX_TEST(test_identities_of_one_binding_naming_two_accounts_are_ambiguous),
		FX_TEST(test_address_nobody_held_is_none),
		FX_TEST(test_time_before_retention_horizon_is_outside_retention),
		FX_TEST(test_window_reaching_past_the_horizon_is_outside_retention),
		FX_TEST(test_tolerance_window_takes_in_a_binding_that_ended_just_before),
		FX_TEST(test_tolerance_window_takes_in_a_binding_that_starts_just_after),
		FX_TEST(test_account_is_the_one_mapped_at_the_queried_time),
		FX_TEST(test_identity_mapped_only_later_is_unmapped_before),
		FX_TEST(test_history_names_every_account_a_binding_mapped_to_in_the_range),
		FX_TEST(test_history_takes_the_account_mapped_at_each_binding_start),
		FX_TEST(test_candidates_come_in_start_order),
		FX_TEST(test_static_assignment_is_a_candidate_with_its_account),
		FX_TEST(test_static_and_dynamic_bindings_of_two_accounts_are_ambiguous),
		FX_TEST(test_bad_static_assignment_is_refused),
		FX_TEST(test_bad_subscriber_rows_are_refused),
		FX_TEST(test_subscriber_value_is_normalised_before_matching),
		FX_TEST(test_lookup_finds_bindings_of_every_prefix_containing_the_address),
		FX_TEST(test_history_lists_every_binding_overlapping_the_range),
		FX_TEST(test_negative_tolerance_and_empty_range_are_refused),
		FX_TEST(test_status_names_are_the_words_of_the_spec),
		FX_TEST(test_answer_json_carries_an_account_only_on_a_match),
	};

	return cmocka_run_group_tests_name("lookup", tests, NULL, NULL);
}
