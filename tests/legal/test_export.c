/* SPDX-License-Identifier: GPL-3.0-or-later
 * Export queries: the bindings a subject covers over a range, the accounts
 * they mapped to, and the evidence events behind each, the values worked
 * out from the leases each test applies. */
#include "harness.h"

#include <string.h>

#include "attrib/export.h"
#include "attrib/retention.h"

#define OLD "2026-01-10T"

/* .10 held by A (08:00, renewed 08:30, so until 09:30), then by B from
 * 10:00 for an hour; .11 by B at 12:00; 192.0.3.1 by A, outside /24. */
static void leases(struct fx *f)
{
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:30:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "192.0.2.10", OLD "10:00:00Z", 3600, HW_B);
	lease4(f, "lease-commit", "192.0.2.11", OLD "12:00:00Z", 3600, HW_B);
	lease4(f, "lease-commit", "192.0.3.1", OLD "12:00:00Z", 3600, HW_A);
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
}

static json_t *export(struct fx *f, const char *what, const char *from, const char *to)
{
	struct attrib_export_query q = { .from = ut(from), .to = ut(to) };
	json_t *out = NULL;

	if (strchr(what, '.')) {
		assert_int_equal(attrib_prefix_parse(what, &q.subject.prefix, NULL, 0), 0);
		q.subject.kind = strchr(what, '/') ? ATTRIB_SUBJECT_PREFIX : ATTRIB_SUBJECT_ADDRESS;
	} else {
		q.subject.kind = ATTRIB_SUBJECT_ACCOUNT;
		snprintf(q.subject.account, sizeof(q.subject.account), "%s", what);
	}
	assert_int_equal(attrib_export(f->st, &f->pol, &q, &out), 0);
	assert_non_null(out);
	return out;
}

static json_t *record(json_t *o, size_t i)
{
	json_t *r = json_array_get(json_object_get(o, "records"), i);

	assert_non_null(r);
	return r;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static size_t count(json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

static void test_an_address_export_has_every_binding_with_its_evidence(void **state)
{
	struct fx *f = *state;
	json_t *o, *r, *e;

	leases(f);
	o = export(f, "192.0.2.10", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 2);
	r = record(o, 0);
	assert_string_equal(str(r, "prefix"), "192.0.2.10");
	assert_string_equal(str(r, "start"), OLD "08:00:00Z");
	assert_string_equal(str(r, "end"), OLD "09:30:00Z");
	/* B's commit ended it at its expected end, before B came (DESIGN.md). */
	assert_string_equal(str(r, "end-reason"), "expired");
	assert_string_equal(str(r, "account"), "ACC-A");
	assert_string_equal(str(r, "source"), "dhcp4");
	assert_string_equal(str(r, "server"), "kea-a");
	assert_string_equal(str(r, "confidence"), "confirmed");
	assert_string_equal(str(json_object_get(r, "identities"), "hwaddr"), MAC_A);
	assert_int_equal(count(r, "evidence"), 2);
	r = record(o, 1);
	assert_string_equal(str(r, "start"), OLD "10:00:00Z");
	assert_string_equal(str(r, "account"), "ACC-B");
	assert_int_equal(count(r, "evidence"), 1);

	/* The three commits, each naming the binding it backs. */
	assert_int_equal(count(o, "events"), 3);
	e = json_array_get(json_object_get(o, "events"), 1);
	assert_string_equal(str(e, "type"), "lease-commit");
	assert_string_equal(str(e, "time"), OLD "08:30:00Z");
	assert_int_equal(json_integer_value(json_object_get(e, "valid-lifetime")), 3600);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "addresses"), 0)),
			    "192.0.2.10");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(e, "bindings"), 0)),
			 json_integer_value(json_object_get(record(o, 0), "binding")));
	json_decref(o);
}

static void test_an_export_keeps_to_its_range(void **state)
{
	struct fx *f = *state;
	json_t *o;

	leases(f);
	o = export(f, "192.0.2.10", OLD "09:30:00Z", OLD "09:45:00Z");
	assert_int_equal(count(o, "records"), 0);
	assert_int_equal(count(o, "events"), 0);
	json_decref(o);
	o = export(f, "192.0.2.10", OLD "09:29:59Z", OLD "10:00:01Z");
	assert_int_equal(count(o, "records"), 2);
	json_decref(o);
}

static void test_a_prefix_export_has_the_bindings_inside_it(void **state)
{
	struct fx *f = *state;
	json_t *o;

	leases(f);
	o = export(f, "192.0.2.0/24", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 3);
	assert_string_equal(str(record(o, 2), "prefix"), "192.0.2.11");
	json_decref(o);
}

static void test_an_account_export_follows_the_subscriber_map(void **state)
{
	struct fx *f = *state;
	json_t *o;

	leases(f);
	o = export(f, "ACC-B", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 2);
	assert_string_equal(str(record(o, 0), "prefix"), "192.0.2.10");
	assert_string_equal(str(record(o, 0), "start"), OLD "10:00:00Z");
	assert_string_equal(str(record(o, 1), "prefix"), "192.0.2.11");
	json_decref(o);
	o = export(f, "ACC-NONE", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 0);
	json_decref(o);
}

static void test_a_binding_that_changed_hands_names_both_accounts(void **state)
{
	struct fx *f = *state;
	json_t *o, *r;

	lease4(f, "lease-commit", "192.0.2.10", OLD "08:00:00Z", 7200, HW_A);
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, OLD "09:00:00Z");
	map_identity(f, "hwaddr", MAC_A, "ACC-C", OLD "09:00:00Z", NULL);
	o = export(f, "192.0.2.10", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	r = record(o, 0);
	assert_true(json_is_null(json_object_get(r, "account")));
	assert_int_equal(count(r, "accounts"), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "accounts"), 1)),
			    "ACC-C");
	assert_string_equal(str(json_array_get(json_object_get(r, "account-periods"), 1), "from"),
			    OLD "09:00:00Z");
	json_decref(o);
}

static void test_a_client_that_changed_cards_is_exported_with_both_accounts(void **state)
{
	struct fx *f = *state;
	json_t *o, *r;

	/* One client (client-id 01:cc) renews from card B: its binding is one,
	 * and names ACC-A (card A) and ACC-B (card B). */
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:00:00Z", 3600, "'client-id':'01:cc'," HW_A);
	lease4(f, "lease-commit", "192.0.2.10", OLD "08:30:00Z", 3600, "'client-id':'01:cc'," HW_B);
	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	map_identity(f, "hwaddr", MAC_B, "ACC-B", NULL, NULL);
	o = export(f, "192.0.2.10", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 1);
	r = record(o, 0);
	assert_true(json_is_null(json_object_get(r, "account")));
	assert_int_equal(count(r, "accounts"), 2);
	json_decref(o);
	o = export(f, "ACC-B", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 1);
	assert_string_equal(str(record(o, 0), "start"), OLD "08:00:00Z");
	json_decref(o);
}

static void test_held_records_before_the_horizon_are_exported(void **state)
{
	struct fx *f = *state;
	struct attrib_hold h = { .case_ref = "CASE-1", .until = INT64_MAX,
				 .created = ut(DAY "12:00:00Z") };
	struct attrib_purge_counts c;
	json_t *o;

	leases(f);
	assert_int_equal(attrib_prefix_parse("192.0.2.10", &h.subject.prefix, NULL, 0), 0);
	h.from = ut("2026-01-01T00:00:00Z");
	h.to = ut("2026-02-01T00:00:00Z");
	assert_int_equal(attrib_hold_add(f->st, &h), 0);
	assert_int_equal(attrib_retention_purge(f->st, ut("2026-06-01T00:00:00Z"),
						ut(DAY "13:00:00Z"), 0, &c), 0);
	assert_int_equal(c.bindings, 2);
	o = export(f, "192.0.2.0/24", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "records"), 2);
	assert_int_equal(count(o, "events"), 3);
	json_decref(o);
}

static void test_an_export_shows_the_octet_counters_of_accounting_events(void **state)
{
	struct fx *f = *state;
	json_t *o, *ev;

	accounting(f, "acct-start", OLD "08:00:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'u1','address':'198.51.100.7'");
	accounting(f, "acct-interim", OLD "08:30:00Z",
		   "'nas':'bras-1','session-id':'S1','username':'u1','address':'198.51.100.7',"
		   "'acct-input-octets':8589934692,'acct-output-octets':7");
	o = export(f, "198.51.100.7", OLD "00:00:00Z", "2026-01-11T00:00:00Z");
	assert_int_equal(count(o, "events"), 2);
	ev = json_array_get(json_object_get(o, "events"), 0);
	assert_true(json_is_null(json_object_get(ev, "acct-input-octets")));
	ev = json_array_get(json_object_get(o, "events"), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "acct-input-octets")),
			 8589934692LL);
	assert_int_equal(json_integer_value(json_object_get(ev, "acct-output-octets")), 7);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_an_address_export_has_every_binding_with_its_evidence),
		FX_TEST(test_an_export_shows_the_octet_counters_of_accounting_events),
		FX_TEST(test_an_export_keeps_to_its_range),
		FX_TEST(test_a_prefix_export_has_the_bindings_inside_it),
		FX_TEST(test_an_account_export_follows_the_subscriber_map),
		FX_TEST(test_a_binding_that_changed_hands_names_both_accounts),
		FX_TEST(test_a_client_that_changed_cards_is_exported_with_both_accounts),
		FX_TEST(test_held_records_before_the_horizon_are_exported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
