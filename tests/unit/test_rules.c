/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of the attribution rules (DESIGN.md, "Attribution rules"):
 * events applied to a fresh store, then asked about with attrib_lookup() and
 * attrib_history().  Every expected value is worked out from the rules and
 * written out in the test. */
#include "harness.h"

#include <errno.h>
#include <string.h>

#define ADDR4 "192.0.2.7"

/* One RADIUS session of alice and one of bob, on NAS bras-1. */
#define ALICE "'nas':'bras-1','session-id':'S1','username':'alice'"
#define BOB   "'nas':'bras-1','session-id':'S2','username':'bob'"
#define V4    "'address':'100.64.0.7'"

/* The subscriber map most tests use: A's hardware address and alice belong
 * to ACC-A, B's and bob to ACC-B. */
static void map_usual(struct fx *f)
{
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	map_identity(f, "username", "alice", "ACC-A", NULL, NULL);
	map_identity(f, "username", "bob", "ACC-B", NULL, NULL);
}

/* An end that closed the binding by an event of its own, not a successor. */
static void assert_ended_not_superseded(const struct attrib_candidate *c)
{
	assert_true(c->end_reason[0] != '\0');
	assert_string_not_equal(c->end_reason, "superseded");
	assert_string_not_equal(c->end_reason, "nas-restart");
}

/* DHCP */

static void test_commit_opens_binding_until_expected_end(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_int_equal(c->source, ATTRIB_SRC_DHCP4);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->last_seen, DAY "14:00:00Z");
	assert_time(c->end, DAY "15:00:00Z");
	assert_int_equal(c->confidence, ATTRIB_CONFIRMED);
	assert_false(c->start_inferred);
	assert_string_equal(c->identity_kind, "hwaddr");
	assert_string_equal(c->identity, MAC_A);
	assert_string_equal(c->server, "kea-a");
}

static void test_renewal_by_same_client_extends_binding(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:45:00Z", 3600, HW_A);

	/* 15:30 is past the first expected end (15:00), within the new one. */
	assert_lookup(f, ADDR4, DAY "15:30:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->last_seen, DAY "14:45:00Z");
	assert_time(c->end, DAY "15:45:00Z");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, ADDR4, DAY "15:45:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_commit_by_another_client_supersedes_at_its_start(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_B);
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, ADDR4, DAY "14:29:59Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_time(c->end, DAY "14:30:00Z");
	assert_string_equal(c->end_reason, "superseded");

	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-B");
	assert_time(c->start, DAY "14:30:00Z");
	assert_time(c->end, DAY "15:30:00Z");
}

static void test_superseded_binding_ends_at_expected_end_when_that_came_first(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "15:30:00Z", 3600, HW_B);

	/* Between A's expected end (15:00) and B's start nobody held it. */
	assert_lookup(f, ADDR4, DAY "15:10:00Z", ATTRIB_STATUS_NONE, 0);

	history(f, ADDR4, DAY "13:00:00Z", DAY "18:00:00Z");
	assert_answer(f, ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
	assert_string_equal(cand(f, 1)->account, "ACC-B");
	assert_time(cand(f, 1)->start, DAY "15:30:00Z");
}

static void test_earlier_holders_commit_applied_late_ends_at_later_holders_start(void **state)
{
	struct fx *f = *state;

	/* B's 14:30 commit reaches the store before A's 14:00 one (say from
	 * the other HA server's journal): events apply by their time. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_B);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, ADDR4, DAY "14:15:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_time(cand(f, 0)->end, DAY "14:30:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "superseded");
	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-B");
	assert_time(cand(f, 0)->end, DAY "15:30:00Z");
}

static void test_older_renewal_applied_late_never_shortens_the_lease(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	/* The HA partner's copy of the 14:30 renewal arrives after the 14:45
	 * one: the lease still runs to 15:45. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:45:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_A);

	assert_ends_at(f, ADDR4, DAY "15:45:00Z");
	c = cand(f, 0);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->last_seen, DAY "14:45:00Z");
	assert_int_equal(binding_count(f), 1);
}

static void test_release_applied_after_a_later_commit_ends_only_the_earlier_lease(void **state)
{
	struct fx *f = *state;

	/* A released at 14:20 and took the address again at 14:45; the two
	 * HA servers' journals deliver the 14:45 commit first.  By event time
	 * A held it over [14:00, 14:20) and from 14:45 to 15:45. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:45:00Z", 3600, HW_A);
	lease4(f, "lease-release", ADDR4, DAY "14:20:00Z", 0, HW_A);

	assert_ends_at(f, ADDR4, DAY "14:20:00Z");
	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, ADDR4, DAY "15:00:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "14:45:00Z");
	assert_time(cand(f, 0)->end, DAY "15:45:00Z");
}

static void test_late_commit_of_another_client_keeps_a_later_renewal(void **state)
{
	struct fx *f = *state;

	/* A committed at 14:00 and again at 14:40; B was given the address at
	 * 14:30, between them, but B's commit arrives last (another server's
	 * journal).  By event time: A [14:00, 14:30), B [14:30, 14:40), A from
	 * 14:40 to 15:40, whatever the order of arrival. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:40:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_B);

	assert_lookup(f, ADDR4, DAY "14:20:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_time(cand(f, 0)->end, DAY "14:30:00Z");
	assert_lookup(f, ADDR4, DAY "14:35:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-B");
	assert_time(cand(f, 0)->start, DAY "14:30:00Z");
	assert_time(cand(f, 0)->end, DAY "14:40:00Z");
	assert_lookup(f, ADDR4, DAY "15:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_time(cand(f, 0)->start, DAY "14:40:00Z");
	assert_time(cand(f, 0)->end, DAY "15:40:00Z");
	assert_int_equal(binding_count(f), 3);
}

/* A's lease from 14:00 for an hour, ended at @p when by an event of @p type
 * that names A: it ends there, for a reason of its own. */
static void lease_ended_by(struct fx *f, const char *type, const char *when)
{
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, type, ADDR4, when, 0, HW_A);
	assert_ends_at(f, ADDR4, when);
	assert_ended_not_superseded(cand(f, 0));
}

static void test_release_ends_binding_at_release_time(void **state)
{
	lease_ended_by(*state, "lease-release", DAY "14:20:00Z");
}

static void test_decline_ends_binding_at_decline_time(void **state)
{
	lease_ended_by(*state, "lease-decline", DAY "14:05:00Z");
}

static void test_expiry_ends_at_expected_end_not_at_reclaim_time(void **state)
{
	struct fx *f = *state;

	/* The lease was renewed at 14:30 for an hour and reclaimed long after
	 * (the expire event is applied now, days later); it ended at 15:30. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_A);
	lease4(f, "lease-expire", ADDR4, DAY "14:30:00Z", 3600, HW_A);

	assert_ends_at(f, ADDR4, DAY "15:30:00Z");
	assert_int_equal(binding_count(f), 1);
}

static void test_open_lease_past_its_expected_end_has_ended_there(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);

	assert_ends_at(f, ADDR4, DAY "15:00:00Z");

	assert_lookup(f, ADDR4, DAY "23:00:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_same_lease_from_both_ha_servers_makes_one_binding(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	apply(f, "{'type':'lease-commit','source':'dhcp4','server':'kea-b','address':'" ADDR4 "',"
		 "'time':'" DAY "14:00:00Z','valid-lifetime':3600," HW_A "}");
	apply(f, "{'type':'lease-commit','source':'dhcp4','server':'kea-b','address':'" ADDR4 "',"
		 "'time':'" DAY "14:30:00Z','valid-lifetime':3600," HW_A "}");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, ADDR4, DAY "15:15:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->last_seen, DAY "14:30:00Z");
	assert_time(c->end, DAY "15:30:00Z");
}

static void test_repeated_lease_event_changes_nothing(void **state)
{
	struct fx *f = *state;
	const char *commit = "{'type':'lease-commit','source':'dhcp4','server':'kea-a',"
			     "'address':'" ADDR4 "','time':'" DAY "14:00:00Z',"
			     "'valid-lifetime':3600," HW_A "}";
	struct attrib_store_counts before, after;

	map_usual(f);
	assert_int_equal(apply_rc(f, "%s", commit), 1);
	lease4(f, "lease-release", ADDR4, DAY "14:20:00Z", 0, HW_A);
	assert_int_equal(attrib_store_counts(f->st, &before), 0);

	/* A retransmission after the release must not reopen the lease. */
	assert_int_equal(apply_rc(f, "%s", commit), 0);
	assert_int_equal(apply_rc(f, "%s", commit), 0);
	assert_int_equal(attrib_store_counts(f->st, &after), 0);
	assert_int_equal(after.events, before.events);
	assert_int_equal(after.bindings, 1);

	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, ADDR4, DAY "14:10:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "14:20:00Z");
}

static void test_dhcp4_identity_is_client_id_when_present(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	/* Same client-id from another network card: the same client. */
	map_identity(f, "client-id", "01:00:00:5e:00:53:01", "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600,
	       "'client-id':'01:00:00:5e:00:53:01'," HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600,
	       "'client-id':'01:00:00:5e:00:53:01'," HW_B);
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, ADDR4, DAY "15:15:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->end, DAY "15:30:00Z");
	assert_string_equal(c->identity_kind, "client-id");
	assert_string_equal(c->identity, "01:00:00:5e:00:53:01");
}

static void test_relay_id_first_seen_on_a_renewal_joins_the_binding(void **state)
{
	struct fx *f = *state;

	/* The first commit came without option 82 (a unicast renewal, say);
	 * the relay's remote-id shows on the next one and maps to ACC-B:
	 * the evidence names two accounts. */
	map_usual(f);
	map_identity(f, "remote-id", "R1", "ACC-B", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_A ",'remote-id':'R1'");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, ADDR4, DAY "14:45:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(cand(f, 0)->id.remote_id, "R1");
}

#define CID_C "'client-id':'01:00:00:5e:00:53:0c',"

static void test_same_client_id_from_another_card_names_both_accounts(void **state)
{
	struct fx *f = *state;

	/* One client (by its client-id) renews from card B after card A: the
	 * renewal extends its binding, and the map names ACC-A for A and ACC-B
	 * for B, so that whose the address was is not known. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, CID_C HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, CID_C HW_B);
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, ADDR4, DAY "14:45:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_string_equal(cand(f, 1)->account, "ACC-B");
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");

	/* The same in the other order of arrival (a rebuild of the prefix). */
	fx_teardown(state);
	fx_setup(state);
	f = *state;
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, CID_C HW_B);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, CID_C HW_A);
	assert_int_equal(binding_count(f), 1);
	assert_lookup(f, ADDR4, DAY "14:45:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
}

static void test_end_events_from_another_card_name_both_accounts(void **state)
{
	static const char *const ends[][2] = {
		{ "lease-release", DAY "14:40:00Z" },
		{ "lease-decline", DAY "14:40:00Z" },
		{ "lease-expire", DAY "15:00:00Z" },
	};

	/* The client (by its client-id) took the address from card A; it
	 * releases, declines, or Kea reclaims its lease, showing card B: card
	 * B's account may have held the address as well, so whose it was at
	 * 14:20 is not known.  The binding ends as the event says. */
	for (size_t i = 0; i < sizeof(ends) / sizeof(*ends); i++) {
		struct fx *f;

		if (i) {
			fx_teardown(state);
			fx_setup(state);
		}
		f = *state;
		map_usual(f);
		lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, CID_C HW_A);
		lease4(f, ends[i][0], ADDR4, ends[i][1], 0, CID_C HW_B);
		assert_int_equal(binding_count(f), 1);
		assert_lookup(f, ADDR4, DAY "14:20:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
		assert_string_equal(cand(f, 0)->account, "ACC-A");
		assert_string_equal(cand(f, 1)->account, "ACC-B");
		assert_time(cand(f, 0)->end, ends[i][1]);
	}
}

static void test_other_card_seen_later_leaves_an_earlier_binding_when_rebuilt(void **state)
{
	struct fx *f = *state;

	/* C from card A, then from card B; a late commit of another client at
	 * 14:20 rebuilds the prefix: C's first binding ends at 14:20 and knows
	 * card A alone, B's renewal opens a binding of its own at 14:30. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, CID_C HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, CID_C HW_B);
	lease4(f, "lease-commit", ADDR4, DAY "14:20:00Z", 3600, "'client-id':'01:dd'");
	assert_int_equal(binding_count(f), 3);

	assert_lookup(f, ADDR4, DAY "14:10:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_time(cand(f, 0)->end, DAY "14:20:00Z");
	assert_lookup(f, ADDR4, DAY "14:45:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->account, "ACC-B");
	assert_time(cand(f, 0)->start, DAY "14:30:00Z");
}

static void test_dhcp4_other_client_id_on_same_hwaddr_is_another_client(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, "'client-id':'01:aa'," HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, "'client-id':'01:bb'," HW_A);
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, ADDR4, DAY "14:29:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->identity, "01:aa");
	assert_time(cand(f, 0)->end, DAY "14:30:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "superseded");
}

/* A DHCPv6 lease event of @p type for @p addr of @p ltype ("address" or
 * "prefix"), from DUID 00:03:00:01:00:00:5e:00:53:01 with @p iaid. */
static void lease6(struct fx *f, const char *type, const char *addr, const char *ltype, int iaid,
		   const char *when)
{
	apply(f,
	      "{'type':'%s','source':'dhcp6','server':'kea6-a','address':'%s','lease-type':'%s',"
	      "'duid':'00:03:00:01:00:00:5e:00:53:01','iaid':%d,'time':'%s','valid-lifetime':3600}",
	      type, addr, ltype, iaid, when);
}

#define DUID "00:03:00:01:00:00:5e:00:53:01"

static void test_dhcp6_same_duid_through_another_relay_port_names_both(void **state)
{
	struct fx *f = *state;

	/* The same DUID and IAID renew through another relay port: remote-id
	 * R1 maps to ACC-A, R2 to ACC-B. */
	map_identity(f, "remote-id", "R1", "ACC-A", NULL, NULL);
	map_identity(f, "remote-id", "R2", "ACC-B", NULL, NULL);
	apply(f, "{'type':'lease-commit','source':'dhcp6','server':'kea6-a',"
		 "'address':'2001:db8::7','duid':'" DUID "','iaid':1,'remote-id':'R1',"
		 "'time':'" DAY "14:00:00Z','valid-lifetime':3600}");
	apply(f, "{'type':'lease-commit','source':'dhcp6','server':'kea6-a',"
		 "'address':'2001:db8::7','duid':'" DUID "','iaid':1,'remote-id':'R2',"
		 "'time':'" DAY "14:30:00Z','valid-lifetime':3600}");
	assert_int_equal(binding_count(f), 1);
	assert_lookup(f, "2001:db8::7", DAY "14:45:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
}

static void test_dhcp6_renewal_with_same_duid_and_iaid_extends(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_identity(f, "duid", DUID, "ACC-A", NULL, NULL);
	lease6(f, "lease-commit", "2001:db8:1200:ab::5", "address", 1, DAY "14:00:00Z");
	lease6(f, "lease-commit", "2001:db8:1200:ab::5", "address", 1, DAY "14:30:00Z");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "15:15:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_int_equal(c->source, ATTRIB_SRC_DHCP6);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->end, DAY "15:30:00Z");
	assert_string_equal(c->identity_kind, "duid");
	assert_string_equal(c->identity, DUID "/1");
}

/* The address lease of 2001:db8:1200:ab::5 to IAID 1 from 14:00, then a
 * commit at 14:30 of @p addr (of @p ltype) to @p iaid, another identity: the
 * first binding was superseded at 14:30. */
static void dhcp6_superseded(struct fx *f, const char *addr, const char *ltype, int iaid)
{
	map_identity(f, "duid", DUID, "ACC-A", NULL, NULL);
	lease6(f, "lease-commit", "2001:db8:1200:ab::5", "address", 1, DAY "14:00:00Z");
	lease6(f, "lease-commit", addr, ltype, iaid, DAY "14:30:00Z");
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:29:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "14:30:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "superseded");
	assert_string_equal(cand(f, 0)->identity, DUID "/1");
}

static void test_dhcp6_other_iaid_is_another_client(void **state)
{
	dhcp6_superseded(*state, "2001:db8:1200:ab::5", "address", 2);
}

static void test_dhcp6_other_lease_type_is_another_client(void **state)
{
	/* The same DUID and IAID as a delegated /128. */
	dhcp6_superseded(*state, "2001:db8:1200:ab::5/128", "prefix", 1);
}

static void test_delegated_prefix_is_found_by_an_address_inside_it(void **state)
{
	struct fx *f = *state;
	char buf[ATTRIB_ADDR_STRLEN];

	map_identity(f, "duid", DUID, "ACC-A", NULL, NULL);
	lease6(f, "lease-commit", "2001:db8:1200::/56", "prefix", 7, DAY "14:00:00Z");

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_string_equal(attrib_prefix_format(&cand(f, 0)->prefix, buf), "2001:db8:1200::/56");
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");

	/* 2001:db8:1201::/56 is the next /56: outside. */
	assert_lookup(f, "2001:db8:1201::1", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_na_and_pd_of_one_client_are_two_bindings(void **state)
{
	struct fx *f = *state;

	map_identity(f, "duid", DUID, "ACC-A", NULL, NULL);
	lease6(f, "lease-commit", "2001:db8:1200:ab::5", "address", 7, DAY "14:00:00Z");
	lease6(f, "lease-commit", "2001:db8:1200::/56", "prefix", 7, DAY "14:00:00Z");
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:59:59Z", ATTRIB_STATUS_MATCH, 2);
	assert_string_equal(f->ans.account, "ACC-A");
}

static void test_deleted_lease_is_unconfirmed_after_its_last_renewal(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_A);
	lease4(f, "lease-delete", ADDR4, DAY "14:30:00Z", 0, HW_A);

	assert_lookup(f, ADDR4, DAY "14:20:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_int_equal(cand(f, 0)->confidence, ATTRIB_CONFIRMED);

	/* Removed at an unknown time after 14:30: still a candidate up to
	 * its expected end, but nothing confirms it past 14:30. */
	assert_lookup(f, ADDR4, DAY "15:00:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_int_equal(c->confidence, ATTRIB_UNCONFIRMED);
	assert_time(c->confirmed_until, DAY "14:30:00Z");
	assert_time(c->end, DAY "15:30:00Z");

	assert_lookup(f, ADDR4, DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_deleted_lease_ends_at_next_holders_start(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:30:00Z", 3600, HW_A);
	lease4(f, "lease-delete", ADDR4, DAY "14:30:00Z", 0, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "15:10:00Z", 3600, HW_B);

	assert_lookup(f, ADDR4, DAY "15:09:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_time(cand(f, 0)->end, DAY "15:10:00Z");

	assert_lookup(f, ADDR4, DAY "15:10:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->account, "ACC-B");
}

static void test_binding_holds_at_its_start_and_not_at_its_end(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-release", ADDR4, DAY "14:40:00Z", 0, HW_A);

	assert_lookup(f, ADDR4, DAY "13:59:59Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, ADDR4, DAY "14:00:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_lookup(f, ADDR4, DAY "14:39:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_lookup(f, ADDR4, DAY "14:40:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_unbindable_dhcp_address_binds_nothing(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts c;

	/* Both are applied (1) and kept as evidence, yet bind nothing. */
	map_usual(f);
	lease4(f, "lease-commit", "0.0.0.0", DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "255.255.255.255", DAY "14:00:00Z", 3600, HW_A);
	assert_int_equal(attrib_store_counts(f->st, &c), 0);
	assert_int_equal(c.events, 2);
	assert_int_equal(c.bindings, 0);
	assert_lookup(f, "0.0.0.0", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "255.255.255.255", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_event_lacking_what_its_type_needs_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts before, after;
	struct attrib_event ev;
	char err[128];

	/* A commit without a valid lifetime cannot come from the JSON form;
	 * built by hand, the store must refuse it as well. */
	memset(&ev, 0, sizeof(ev));
	ev.type = ATTRIB_EV_LEASE_COMMIT;
	ev.source = ATTRIB_SRC_DHCP4;
	ev.time = ut(DAY "14:00:00Z");
	ev.naddr = 1;
	assert_int_equal(attrib_addr_parse(ADDR4, &ev.addr[0], err, sizeof(err)), 0);
	strcpy(ev.id.hwaddr, MAC_A);
	assert_int_equal(attrib_store_counts(f->st, &before), 0);
	assert_int_equal(attrib_store_apply(f->st, &f->pol, &ev), -EINVAL);
	assert_int_equal(attrib_store_counts(f->st, &after), 0);
	assert_int_equal(after.events, before.events);
	assert_int_equal(after.bindings, before.bindings);
}

/* RADIUS accounting */

static void test_radius_start_interim_stop(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-interim", DAY "14:30:00Z", ALICE "," V4 ",'acct-session-time':1800");

	assert_lookup(f, "100.64.0.7", DAY "14:45:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_int_equal(c->source, ATTRIB_SRC_RADIUS);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->last_seen, DAY "14:30:00Z");
	assert_time(c->end, "open");
	assert_string_equal(c->end_reason, "");
	assert_false(c->start_inferred);
	assert_int_equal(c->confidence, ATTRIB_CONFIRMED);

	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	assert_lookup(f, "100.64.0.7", DAY "14:59:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
	assert_ended_not_superseded(cand(f, 0));
	assert_lookup(f, "100.64.0.7", DAY "15:00:00Z", ATTRIB_STATUS_NONE, 0);
	assert_int_equal(binding_count(f), 1);
}

static void test_lost_start_is_inferred_from_session_time(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	accounting(f, "acct-interim", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");

	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_time(c->start, DAY "14:00:00Z");
	assert_true(c->start_inferred);
	assert_int_equal(c->confidence, ATTRIB_UNCONFIRMED);
	assert_time(c->end, "open");

	assert_lookup(f, "100.64.0.7", DAY "13:59:59Z", ATTRIB_STATUS_NONE, 0);
}

static void test_stop_without_start_is_inferred_and_ended(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	map_usual(f);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':1800");

	assert_lookup(f, "100.64.0.7", DAY "14:45:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_time(c->start, DAY "14:30:00Z");
	assert_time(c->end, DAY "15:00:00Z");
	assert_true(c->start_inferred);
	assert_int_equal(c->confidence, ATTRIB_UNCONFIRMED);
}

static void test_accounting_on_ends_every_open_session_of_that_nas_only(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	map_identity(f, "username", "carol", "ACC-C", NULL, NULL);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-start", DAY "14:10:00Z", BOB ",'address':'100.64.0.8'");
	accounting(f, "acct-start", DAY "14:00:00Z",
		   "'nas':'bras-1','session-id':'S3','username':'carol','address':'100.64.0.9'");
	accounting(f, "acct-stop", DAY "15:00:00Z",
		   "'nas':'bras-1','session-id':'S3','username':'carol','address':'100.64.0.9'");
	accounting(f, "acct-start", DAY "14:20:00Z",
		   "'nas':'bras-2','session-id':'S1','username':'alice','address':'100.64.1.9'");
	accounting(f, "acct-on", DAY "16:00:00Z", "'nas':'bras-1'");

	assert_ends_at(f, "100.64.0.7", DAY "16:00:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "nas-restart");
	assert_lookup(f, "100.64.0.8", DAY "15:59:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "16:00:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "nas-restart");

	/* Carol's session had already stopped: it keeps its end. */
	history(f, "100.64.0.9", DAY "13:00:00Z", DAY "18:00:00Z");
	assert_answer(f, ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
	assert_ended_not_superseded(cand(f, 0));

	/* The same session id and user on another NAS is untouched. */
	assert_lookup(f, "100.64.1.9", DAY "16:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, "open");
	assert_string_equal(cand(f, 0)->end_reason, "");
}

static void test_accounting_off_ends_open_sessions_of_that_nas(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-off", DAY "15:00:00Z", "'nas':'bras-1'");

	assert_ends_at(f, "100.64.0.7", DAY "15:00:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "nas-restart");
}

static void test_late_start_after_stop_never_reopens(void **state)
{
	struct fx *f = *state;

	/* The Stop arrives first; the Start, sent at 14:00, arrives at 15:05
	 * with Acct-Delay-Time 3900 s, so its event time is 14:00. */
	map_usual(f);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	accounting(f, "acct-start", DAY "15:05:00Z", ALICE "," V4 ",'acct-delay-time':3900");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
}

static void test_late_start_after_stop_without_session_time_never_reopens(void **state)
{
	struct fx *f = *state;

	/* As above, but the Stop says nothing of the session's length: when
	 * the Start comes, the session is known to have ended at 15:00. */
	map_usual(f);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4);
	accounting(f, "acct-start", DAY "15:05:00Z", ALICE "," V4 ",'acct-delay-time':3900");

	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_ends_at(f, "100.64.0.7", DAY "15:00:00Z");
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
}

static void test_late_accounting_on_never_ends_a_later_session(void **state)
{
	struct fx *f = *state;

	/* The NAS restarted at 13:00 (its Accounting-On delayed by 3 h); the
	 * session it opened at 14:00 is still open. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-on", DAY "16:00:00Z", "'nas':'bras-1','acct-delay-time':10800");

	assert_lookup(f, "100.64.0.7", DAY "16:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, "open");
}

static void test_start_arriving_after_the_nas_restart_that_ended_it(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	/* Alice's Start (event time 14:18) arrives after the NAS's
	 * Accounting-On at 14:20 and Bob's new session on the same address:
	 * by event time the restart ended hers at 14:20. */
	map_usual(f);
	accounting(f, "acct-on", DAY "14:20:00Z", "'nas':'bras-1'");
	accounting(f, "acct-start", DAY "14:21:00Z", BOB "," V4);
	accounting(f, "acct-start", DAY "14:22:00Z",
		   ALICE "," V4 ",'event-timestamp':'" DAY "14:18:00Z'");

	assert_lookup(f, "100.64.0.7", DAY "14:19:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_time(c->end, DAY "14:20:00Z");
	assert_string_equal(c->end_reason, "nas-restart");
	assert_lookup(f, "100.64.0.7", DAY "14:20:30Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-B");
}

static void test_renewal_after_expected_end_starts_a_new_binding(void **state)
{
	struct fx *f = *state;

	/* A's lease ran out at 15:00; A came back at 16:00. */
	map_usual(f);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", ADDR4, DAY "16:00:00Z", 3600, HW_A);
	assert_int_equal(binding_count(f), 2);

	assert_ends_at(f, ADDR4, DAY "15:00:00Z");
	assert_lookup(f, ADDR4, DAY "15:59:59Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, ADDR4, DAY "16:00:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "16:00:00Z");
}

static void test_retransmitted_interim_after_stop_never_reopens(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	accounting(f, "acct-interim", DAY "15:10:00Z",
		   ALICE "," V4 ",'acct-session-time':1800,'acct-delay-time':2400");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "100.64.0.7", DAY "14:59:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
}

static void test_repeated_accounting_packet_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts before, after;
	const char *start = "{'type':'acct-start','arrival':'" DAY "14:00:00Z'," ALICE "," V4 "}";
	const char *interim = "{'type':'acct-interim','arrival':'" DAY "14:30:00Z'," ALICE "," V4
			      ",'acct-session-time':1800}";

	map_usual(f);
	assert_int_equal(apply_rc(f, "%s", start), 1);
	assert_int_equal(apply_rc(f, "%s", interim), 1);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	assert_int_equal(attrib_store_counts(f->st, &before), 0);

	for (int i = 0; i < 3; i++) {
		assert_int_equal(apply_rc(f, "%s", start), 0);
		assert_int_equal(apply_rc(f, "%s", interim), 0);
	}
	assert_int_equal(attrib_store_counts(f->st, &after), 0);
	assert_int_equal(after.events, before.events);
	assert_int_equal(after.bindings, 1);
	assert_int_equal(after.sessions, before.sessions);

	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_out_of_order_packets_apply_by_event_time(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	/* Stop, Interim, Start, in that order of arrival at the store. */
	map_usual(f);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	accounting(f, "acct-interim", DAY "14:30:00Z", ALICE "," V4 ",'acct-session-time':1800");
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, "100.64.0.7", DAY "14:45:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_time(c->start, DAY "14:00:00Z");
	assert_time(c->end, DAY "15:00:00Z");
	assert_lookup(f, "100.64.0.7", DAY "15:00:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_reused_session_id_after_reboot_begins_new_session(void **state)
{
	struct fx *f = *state;

	/* The NAS rebooted and counts session ids from the start again: the
	 * Start at 15:00, the old session's end, is a new session. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	accounting(f, "acct-start", DAY "15:00:00Z", ALICE "," V4);
	assert_int_equal(binding_count(f), 2);

	history(f, "100.64.0.7", DAY "13:00:00Z", DAY "18:00:00Z");
	assert_answer(f, ATTRIB_STATUS_MATCH, 2);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
	assert_time(cand(f, 1)->start, DAY "15:00:00Z");
	assert_time(cand(f, 1)->end, "open");
}

/* Session S1 of NAS bras-1, keyed by its Acct-Unique-Session-Id U1. */
#define U1 "'nas':'bras-1','session-id':'S1','unique-session-id':'U1',"

static void test_unique_session_reporting_another_user_names_both(void **state)
{
	struct fx *f = *state;

	/* One session by its Acct-Unique-Session-Id: started as alice
	 * (ACC-A), an Interim names bob (ACC-B): whose it was is not known. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", U1 "'username':'alice'," V4);
	accounting(f, "acct-interim", DAY "14:10:00Z",
		   U1 "'username':'bob','acct-session-time':600," V4);
	assert_int_equal(binding_count(f), 1);
	assert_lookup(f, "100.64.0.7", DAY "14:20:00Z", ATTRIB_STATUS_AMBIGUOUS, 2);
}

static void test_reused_session_id_with_lost_start_is_inferred_as_new_session(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	/* After the 15:00 Stop, an Interim at 16:00 reports 1800 s of session:
	 * a session of the reused id that began at 15:30, its Start lost. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-stop", DAY "15:00:00Z", ALICE "," V4 ",'acct-session-time':3600");
	accounting(f, "acct-interim", DAY "16:00:00Z", ALICE "," V4 ",'acct-session-time':1800");
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, "100.64.0.7", DAY "15:15:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "100.64.0.7", DAY "15:45:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_time(c->start, DAY "15:30:00Z");
	assert_true(c->start_inferred);
	assert_int_equal(c->confidence, ATTRIB_UNCONFIRMED);
	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
}

static void test_reused_session_id_after_accounting_on_begins_new_session(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-on", DAY "15:00:00Z", "'nas':'bras-1'");
	accounting(f, "acct-start", DAY "15:05:00Z", ALICE ",'address':'100.64.0.8'");

	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
	assert_string_equal(cand(f, 0)->end_reason, "nas-restart");
	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "100.64.0.8", DAY "15:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "15:05:00Z");
	assert_time(cand(f, 0)->end, "open");
}

static void test_stop_of_same_session_id_for_another_user_ends_nothing(void **state)
{
	struct fx *f = *state;

	/* The session key is NAS + Acct-Session-Id + User-Name. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-stop", DAY "15:00:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'bob','address':'100.64.0.8',"
		   "'acct-session-time':600");

	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_time(cand(f, 0)->end, "open");
}

static void test_unique_session_id_is_the_session_key(void **state)
{
	struct fx *f = *state;

	/* With Acct-Unique-Session-Id, a Stop whose Acct-Session-Id reads
	 * differently still ends the session. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z",
		   "'nas':'bras-1','session-id':'S1','unique-session-id':'u-1','username':'alice'"
		   "," V4);
	accounting(f, "acct-stop", DAY "15:00:00Z",
		   "'nas':'bras-1','session-id':'S1-x','unique-session-id':'u-1','username':'alice'"
		   "," V4 ",'acct-session-time':3600");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, "100.64.0.7", DAY "15:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "100.64.0.7", DAY "14:59:59Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
}

/* Alice's Start, arriving at 14:00:05 after 5 s of Acct-Delay-Time (so
 * 14:00:00 by arrival) and stamped @p stamp by the NAS, with a skew
 * allowance of 300 s; f->ans is then a lookup at 14:30, which it holds. */
static void start_stamped(struct fx *f, const char *stamp)
{
	map_usual(f);
	f->pol.clock_skew = 300 * 1000000LL;
	apply(f,
	      "{'type':'acct-start','arrival':'" DAY "14:00:05Z'," ALICE "," V4
	      ",'acct-delay-time':5,'event-timestamp':'%s'}",
	      stamp);
	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
}

static void test_event_timestamp_beyond_clock_skew_is_not_trusted(void **state)
{
	struct fx *f = *state;

	/* 13:00:00 is an hour off: the arrival-based 14:00:00 is used. */
	start_stamped(f, DAY "13:00:00Z");
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_lookup(f, "100.64.0.7", DAY "13:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_event_timestamp_within_clock_skew_is_used(void **state)
{
	struct fx *f = *state;

	/* 13:58:00 is 120 s off: trusted. */
	start_stamped(f, DAY "13:58:00Z");
	assert_time(cand(f, 0)->start, DAY "13:58:00Z");
}

static void test_delay_time_without_event_timestamp_is_subtracted(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:30Z", ALICE "," V4 ",'acct-delay-time':30");
	accounting(f, "acct-stop", DAY "15:00:45Z",
		   ALICE "," V4 ",'acct-delay-time':45,'acct-session-time':3600");

	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, DAY "15:00:00Z");
}

static void test_interim_with_new_prefix_opens_binding_for_it(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-interim", DAY "14:30:00Z",
		   ALICE
		   ",'addresses':['100.64.0.7','2001:db8:1200::/56'],'acct-session-time':1800");

	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:29:59Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "2001:db8:1200:ab::5", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(cand(f, 0)->account, "ACC-A");
	assert_time(cand(f, 0)->start, DAY "14:30:00Z");
	assert_false(cand(f, 0)->start_inferred);
	assert_int_equal(binding_count(f), 2);
}

static void test_address_no_longer_reported_is_not_ended(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-interim", DAY "14:30:00Z",
		   ALICE ",'address':'2001:db8:1200::/56','acct-session-time':1800");

	assert_lookup(f, "100.64.0.7", DAY "14:50:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->start, DAY "14:00:00Z");
	assert_time(cand(f, 0)->end, "open");
}

static void test_unbindable_radius_addresses_bind_nothing(void **state)
{
	struct fx *f = *state;

	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z",
		   ALICE ",'addresses':['255.255.255.255','0.0.0.0','224.0.0.1','::','ff02::1',"
			 "'100.64.0.7']");
	assert_int_equal(binding_count(f), 1);

	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_lookup(f, "255.255.255.255", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "224.0.0.1", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "ff02::1", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
}

static void test_prefix_reaching_into_unbindable_space_binds_nothing(void **state)
{
	struct fx *f = *state;

	/* ::/0 and 0.0.0.0/0 hold :: and 0.0.0.0; 224.0.0.0/3 holds multicast;
	 * 32.0.0.0/3 and 2000::/12 are shorter than any subscriber holds.
	 * Only the /48 and the address bind. */
	map_usual(f);
	accounting(f, "acct-start", DAY "14:00:00Z",
		   ALICE ",'addresses':['0.0.0.0/0','::/0','224.0.0.0/3','32.0.0.0/3',"
			 "'2000::/12','2001:db8:1::/48','100.64.0.7']");
	assert_int_equal(binding_count(f), 2);

	assert_lookup(f, "8.8.8.8", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "33.0.0.1", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "2001:db8:2::1", DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);
	assert_lookup(f, "2001:db8:1::5", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
	assert_lookup(f, "100.64.0.7", DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
}

/* Alice's session, started 14:00 and last confirmed 14:30, with stale-after
 * 1 h: confirmed until 15:30, still reported after that. */
static void stale_session(struct fx *f)
{
	map_usual(f);
	f->pol.stale_after = 3600 * 1000000LL;
	accounting(f, "acct-start", DAY "14:00:00Z", ALICE "," V4);
	accounting(f, "acct-interim", DAY "14:30:00Z", ALICE "," V4 ",'acct-session-time':1800");
}

static void test_open_session_unconfirmed_past_stale_after(void **state)
{
	struct fx *f = *state;
	const struct attrib_candidate *c;

	stale_session(f);
	assert_lookup(f, "100.64.0.7", DAY "15:00:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_int_equal(cand(f, 0)->confidence, ATTRIB_CONFIRMED);

	assert_lookup(f, "100.64.0.7", DAY "16:00:00Z", ATTRIB_STATUS_MATCH, 1);
	c = cand(f, 0);
	assert_string_equal(c->account, "ACC-A");
	assert_int_equal(c->confidence, ATTRIB_UNCONFIRMED);
	assert_time(c->last_seen, DAY "14:30:00Z");
	assert_time(c->end, "open");
}

static void test_stale_session_is_confirmed_until_last_seen_plus_stale_after(void **state)
{
	struct fx *f = *state;

	stale_session(f);
	assert_lookup(f, "100.64.0.7", DAY "16:00:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_time(cand(f, 0)->confirmed_until, DAY "15:30:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_commit_opens_binding_until_expected_end),
		FX_TEST(test_renewal_by_same_client_extends_binding),
		FX_TEST(test_commit_by_another_client_supersedes_at_its_start),
		FX_TEST(test_superseded_binding_ends_at_expected_end_when_that_came_first),
		FX_TEST(test_earlier_holders_commit_applied_late_ends_at_later_holders_start),
		FX_TEST(test_older_renewal_applied_late_never_shortens_the_lease),
		FX_TEST(test_release_applied_after_a_later_commit_ends_only_the_earlier_lease),
		FX_TEST(test_late_commit_of_another_client_keeps_a_later_renewal),
		FX_TEST(test_release_ends_binding_at_release_time),
		FX_TEST(test_decline_ends_binding_at_decline_time),
		FX_TEST(test_expiry_ends_at_expected_end_not_at_reclaim_time),
		FX_TEST(test_open_lease_past_its_expected_end_has_ended_there),
		FX_TEST(test_same_lease_from_both_ha_servers_makes_one_binding),
		FX_TEST(test_repeated_lease_event_changes_nothing),
		FX_TEST(test_dhcp4_identity_is_client_id_when_present),
		FX_TEST(test_relay_id_first_seen_on_a_renewal_joins_the_binding),
		FX_TEST(test_same_client_id_from_another_card_names_both_accounts),
		FX_TEST(test_other_card_seen_later_leaves_an_earlier_binding_when_rebuilt),
		FX_TEST(test_end_events_from_another_card_name_both_accounts),
		FX_TEST(test_dhcp6_same_duid_through_another_relay_port_names_both),
		FX_TEST(test_dhcp4_other_client_id_on_same_hwaddr_is_another_client),
		FX_TEST(test_dhcp6_renewal_with_same_duid_and_iaid_extends),
		FX_TEST(test_dhcp6_other_iaid_is_another_client),
		FX_TEST(test_dhcp6_other_lease_type_is_another_client),
		FX_TEST(test_delegated_prefix_is_found_by_an_address_inside_it),
		FX_TEST(test_na_and_pd_of_one_client_are_two_bindings),
		FX_TEST(test_deleted_lease_is_unconfirmed_after_its_last_renewal),
		FX_TEST(test_deleted_lease_ends_at_next_holders_start),
		FX_TEST(test_binding_holds_at_its_start_and_not_at_its_end),
		FX_TEST(test_unbindable_dhcp_address_binds_nothing),
		FX_TEST(test_event_lacking_what_its_type_needs_changes_nothing),
		FX_TEST(test_radius_start_interim_stop),
		FX_TEST(test_lost_start_is_inferred_from_session_time),
		FX_TEST(test_stop_without_start_is_inferred_and_ended),
		FX_TEST(test_accounting_on_ends_every_open_session_of_that_nas_only),
		FX_TEST(test_accounting_off_ends_open_sessions_of_that_nas),
		FX_TEST(test_late_start_after_stop_never_reopens),
		FX_TEST(test_late_start_after_stop_without_session_time_never_reopens),
		FX_TEST(test_late_accounting_on_never_ends_a_later_session),
		FX_TEST(test_start_arriving_after_the_nas_restart_that_ended_it),
		FX_TEST(test_renewal_after_expected_end_starts_a_new_binding),
		FX_TEST(test_retransmitted_interim_after_stop_never_reopens),
		FX_TEST(test_repeated_accounting_packet_changes_nothing),
		FX_TEST(test_out_of_order_packets_apply_by_event_time),
		FX_TEST(test_reused_session_id_after_reboot_begins_new_session),
		FX_TEST(test_reused_session_id_with_lost_start_is_inferred_as_new_session),
		FX_TEST(test_unique_session_reporting_another_user_names_both),
		FX_TEST(test_reused_session_id_after_accounting_on_begins_new_session),
		FX_TEST(test_stop_of_same_session_id_for_another_user_ends_nothing),
		FX_TEST(test_unique_session_id_is_the_session_key),
		FX_TEST(test_event_timestamp_beyond_clock_skew_is_not_trusted),
		FX_TEST(test_event_timestamp_within_clock_skew_is_used),
		FX_TEST(test_delay_time_without_event_timestamp_is_subtracted),
		FX_TEST(test_interim_with_new_prefix_opens_binding_for_it),
		FX_TEST(test_address_no_longer_reported_is_not_ended),
		FX_TEST(test_unbindable_radius_addresses_bind_nothing),
		FX_TEST(test_prefix_reaching_into_unbindable_space_binds_nothing),
		FX_TEST(test_open_session_unconfirmed_past_stale_after),
		FX_TEST(test_stale_session_is_confirmed_until_last_seen_plus_stale_after),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
