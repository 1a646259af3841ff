/* SPDX-License-Identifier: GPL-3.0-or-later
 * The audit's tamper evidence: a chain of entries written through the audit
 * API, then changed behind its back with plain SQL the way someone with
 * write access to the store file could, and the entry each check names. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "attrib/audit.h"

/* Append @p n entries, the i-th (from 1) with status "entry i" and, when
 * @p case_ref is set, arguments naming that case. */
static void append(struct fx *f, int n, const char *case_ref, int64_t time)
{
	struct attrib_audit *a;
	char args[80], status[32];

	assert_int_equal(attrib_audit_open(f->st, &a), 0);
	assert_int_equal(attrib_audit_begin(a), 0);
	for (int i = 1; i <= n; i++) {
		struct attrib_audit_entry e = {
			.time = time + i, .uid = 1000, .gid = 1000, .pid = 4242, .role = "legal",
			.command = "lookup", .arguments = NULL, .result = 0, .status = status,
		};

		snprintf(status, sizeof(status), "entry %d", i);
		if (case_ref) {
			snprintf(args, sizeof(args), "{\"case\":\"%s\",\"n\":%d}", case_ref, i);
			e.arguments = args;
		}
		assert_true(attrib_audit_append(a, &e) > 0);
	}
	assert_int_equal(attrib_audit_commit(a), 0);
	attrib_audit_close(a);
}

/* Run SQL on a connection of its own, as another program would. */
static void tamper(struct fx *f, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		print_error("%s: %s\n", sql, err);
		sqlite3_free(err);
		sqlite3_close(db);
		fail();
	}
	sqlite3_close(db);
}

#define UNGUARD "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"

static void check(struct fx *f, const struct attrib_audit_anchor *kept,
		  enum attrib_audit_finding want, int64_t bad, int64_t other)
{
	struct attrib_audit_report r;
	int rc = attrib_audit_check(f->st, kept, &r);

	if (r.finding != want || r.bad_id != bad || r.other_id != other)
		print_error("found %s at %lld/%lld (%s); want %s at %lld/%lld\n",
			    attrib_audit_finding_name(r.finding), (long long)r.bad_id,
			    (long long)r.other_id, r.text, attrib_audit_finding_name(want),
			    (long long)bad, (long long)other);
	assert_int_equal(r.finding, want);
	assert_int_equal(r.bad_id, bad);
	assert_int_equal(r.other_id, other);
	assert_int_equal(rc, want == ATTRIB_AUDIT_INTACT ? 0 : -EBADMSG);
}

static void test_an_untouched_chain_holds(void **state)
{
	struct fx *f = *state;
	struct attrib_audit_report r;
	int64_t bad = -1;

	check(f, NULL, ATTRIB_AUDIT_INTACT, 0, 0);
	append(f, 3, NULL, ut(DAY "10:00:00Z"));
	append(f, 2, NULL, ut(DAY "11:00:00Z"));
	assert_int_equal(attrib_audit_check(f->st, NULL, &r), 0);
	assert_int_equal(r.entries, 5);
	assert_int_equal(r.head.id, 5);
	assert_int_equal(attrib_audit_verify(f->st, &bad), 0);
	assert_int_equal(bad, 0);
}

static void test_an_altered_entry_is_named(void **state)
{
	struct fx *f = *state;
	int64_t bad = 0;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "UPDATE audit SET status = 'nothing to see' WHERE id = 3");
	check(f, NULL, ATTRIB_AUDIT_ALTERED, 3, 0);
	assert_int_equal(attrib_audit_verify(f->st, &bad), -EBADMSG);
	assert_int_equal(bad, 3);
}

static void test_an_altered_uid_is_named(void **state)
{
	struct fx *f = *state;

	append(f, 4, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "UPDATE audit SET uid = 0 WHERE id = 1");
	check(f, NULL, ATTRIB_AUDIT_ALTERED, 1, 0);
}

static void test_a_deleted_entry_is_named(void **state)
{
	struct fx *f = *state;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "DELETE FROM audit WHERE id = 3");
	check(f, NULL, ATTRIB_AUDIT_DELETED, 3, 3);
}

static void test_deleted_entries_then_renumbered_are_named(void **state)
{
	struct fx *f = *state;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "DELETE FROM audit WHERE id = 2;"
			  "UPDATE audit SET id = id - 1 WHERE id > 2");
	check(f, NULL, ATTRIB_AUDIT_ALTERED, 2, 0);
}

static void test_reordered_entries_are_named(void **state)
{
	struct fx *f = *state;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "UPDATE audit SET id = 100 WHERE id = 2;"
			  "UPDATE audit SET id = 2 WHERE id = 4;"
			  "UPDATE audit SET id = 4 WHERE id = 100");
	check(f, NULL, ATTRIB_AUDIT_REORDERED, 2, 4);
}

static void test_the_last_entries_deleted_are_named(void **state)
{
	struct fx *f = *state;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "DELETE FROM audit WHERE id >= 4");
	check(f, NULL, ATTRIB_AUDIT_TRUNCATED, 4, 5);
}

static void test_every_entry_deleted_is_named(void **state)
{
	struct fx *f = *state;

	append(f, 2, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "DELETE FROM audit");
	check(f, NULL, ATTRIB_AUDIT_TRUNCATED, 1, 2);
}

static void test_a_deleted_anchor_is_named(void **state)
{
	struct fx *f = *state;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	tamper(f, UNGUARD "DELETE FROM audit WHERE id = 5; DELETE FROM audit_anchor");
	check(f, NULL, ATTRIB_AUDIT_ANCHOR, 5, 0);
}

static void test_an_entry_added_around_the_api_is_named(void **state)
{
	struct fx *f = *state;

	append(f, 2, NULL, ut(DAY "10:00:00Z"));
	tamper(f, "DROP TRIGGER audit_anchor_add;"
		  "INSERT INTO audit (id, time, result, chain) VALUES (3, 0, 0, x'00')");
	check(f, NULL, ATTRIB_AUDIT_ALTERED, 3, 0);
}

/* Someone who rewrites the tail and the store's anchor to match goes
 * unseen inside the store; an anchor kept outside shows it. */
static void test_a_consistently_shortened_chain_shows_against_a_kept_anchor(void **state)
{
	struct fx *f = *state;
	struct attrib_audit_report r;
	struct attrib_audit_anchor kept;

	append(f, 5, NULL, ut(DAY "10:00:00Z"));
	assert_int_equal(attrib_audit_check(f->st, NULL, &r), 0);
	kept = r.head;
	tamper(f, UNGUARD "DELETE FROM audit WHERE id >= 4;"
			  "UPDATE audit_anchor SET entries = 3, last_id = 3, "
			  "chain = (SELECT chain FROM audit WHERE id = 3)");
	check(f, NULL, ATTRIB_AUDIT_INTACT, 0, 0);
	check(f, &kept, ATTRIB_AUDIT_TRUNCATED, 4, 5);
}

static void test_a_rewritten_chain_shows_against_a_kept_anchor(void **state)
{
	struct fx *f = *state;
	struct attrib_audit_report r;
	struct attrib_audit_anchor kept;

	append(f, 3, NULL, ut(DAY "10:00:00Z"));
	assert_int_equal(attrib_audit_check(f->st, NULL, &r), 0);
	kept = r.head;
	assert_int_equal(kept.id, 3);
	/* Rebuild the chain from scratch with other entries. */
	tamper(f, UNGUARD "DELETE FROM audit;"
			  "UPDATE audit_anchor SET entries = 0, last_id = 0, chain = NULL");
	append(f, 4, "FORGED", ut(DAY "12:00:00Z"));
	check(f, NULL, ATTRIB_AUDIT_INTACT, 0, 0);
	check(f, &kept, ATTRIB_AUDIT_EXTERNAL, 3, 0);
	/* The genuine anchor of the new chain holds. */
	assert_int_equal(attrib_audit_check(f->st, NULL, &r), 0);
	kept = r.head;
	check(f, &kept, ATTRIB_AUDIT_INTACT, 0, 0);
}

static void test_the_store_refuses_to_change_or_delete_entries(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;

	append(f, 2, NULL, ut(DAY "10:00:00Z"));
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET status = 'x'", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_non_null(strstr(sqlite3_errmsg(db), "never changed"));
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	assert_non_null(strstr(sqlite3_errmsg(db), "never deleted"));
	sqlite3_close(db);
	check(f, NULL, ATTRIB_AUDIT_INTACT, 0, 0);
}

static int64_t id_at(json_t *list, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(list, i), "id"));
}

static void test_show_filters_by_case_and_time(void **state)
{
	struct fx *f = *state;
	struct attrib_audit_filter all = { .to = INT64_MAX };
	struct attrib_audit_filter a = { .case_ref = "CASE-A", .to = INT64_MAX };
	struct attrib_audit_filter late = { .from = ut(DAY "11:00:00Z"), .to = INT64_MAX };
	struct attrib_audit_filter last2 = { .to = INT64_MAX, .limit = 2 };
	json_t *list, *e;

	append(f, 2, "CASE-A", ut(DAY "10:00:00Z"));     /* ids 1, 2 */
	append(f, 2, NULL, ut(DAY "10:30:00Z"));         /* 3, 4 */
	append(f, 1, "CASE-B", ut(DAY "11:00:00Z"));     /* 5 */
	assert_int_equal(attrib_audit_list(f->st, &all, &list), 0);
	assert_int_equal(json_array_size(list), 5);
	e = json_array_get(list, 0);
	assert_int_equal(id_at(list, 0), 1);
	assert_string_equal(json_string_value(json_object_get(e, "command")), "lookup");
	assert_string_equal(json_string_value(json_object_get(e, "role")), "legal");
	assert_string_equal(json_string_value(json_object_get(e, "time")), DAY "10:00:00.000001Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "arguments"),
							      "case")), "CASE-A");
	assert_int_equal(strlen(json_string_value(json_object_get(e, "chain"))), 64);
	json_decref(list);

	assert_int_equal(attrib_audit_list(f->st, &a, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(id_at(list, 0), 1);
	assert_int_equal(id_at(list, 1), 2);
	json_decref(list);

	assert_int_equal(attrib_audit_list(f->st, &late, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(id_at(list, 0), 5);
	json_decref(list);

	assert_int_equal(attrib_audit_list(f->st, &last2, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(id_at(list, 0), 4);
	assert_int_equal(id_at(list, 1), 5);
	json_decref(list);
}

static void test_hex_round_trips(void **state)
{
	const uint8_t b[3] = { 0x00, 0xab, 0x7f };
	uint8_t back[3];
	char hex[7];

	(void)state;
	assert_string_equal(attrib_hex(b, 3, hex), "00ab7f");
	assert_int_equal(attrib_unhex("00AB7f", back, 3), 0);
	assert_memory_equal(back, b, 3);
	assert_int_equal(attrib_unhex("00ab7", back, 3), -EINVAL);
	assert_int_equal(attrib_unhex("00ab7g", back, 3), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_an_untouched_chain_holds),
		FX_TEST(test_an_altered_entry_is_named),
		FX_TEST(test_an_altered_uid_is_named),
		FX_TEST(test_a_deleted_entry_is_named),
		FX_TEST(test_deleted_entries_then_renumbered_are_named),
		FX_TEST(test_reordered_entries_are_named),
		FX_TEST(test_the_last_entries_deleted_are_named),
		FX_TEST(test_every_entry_deleted_is_named),
		FX_TEST(test_a_deleted_anchor_is_named),
		FX_TEST(test_an_entry_added_around_the_api_is_named),
		FX_TEST(test_a_consistently_shortened_chain_shows_against_a_kept_anchor),
		FX_TEST(test_a_rewritten_chain_shows_against_a_kept_anchor),
		FX_TEST(test_the_store_refuses_to_change_or_delete_entries),
		FX_TEST(test_show_filters_by_case_and_time),
		cmocka_unit_test(test_hex_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
