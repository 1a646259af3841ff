/* SPDX-License-Identifier: GPL-3.0-or-later
 * The store's queries on the paths that grow with the data (lookups, the
 * rules' searches) must find rows through an index, never by reading a
 * whole table: checked on SQLite's own query plans. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "attrib/store_int.h"
#include "harness.h"

/* Fail unless every step of @p id's plan uses an index or the primary key. */
static void assert_no_scan(struct fx *f, enum stmt_id id)
{
	char q[2048];
	sqlite3 *db;
	sqlite3_stmt *s;
	int steps = 0;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", store_sql(id));
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(s, 3);

		steps++;
		/* "SCAN t" reads a table; "SCAN t USING INDEX" walks a whole
		 * index, as bad.  "SEARCH t USING ..." is a probe. */
		if (strncmp(detail, "SCAN", 4) == 0 || strstr(detail, "CONSTANT ROW"))
			fail_msg("statement %d reads a whole table or index: %s\n%s", id, detail,
				 store_sql(id));
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_true(steps > 0);
}

static void test_lookup_probes_use_an_index(void **state)
{
	assert_no_scan(*state, Q_PROBE);
	assert_no_scan(*state, Q_SUBSCRIBER_MAP);
}

static void test_lease_rules_search_by_index(void **state)
{
	assert_no_scan(*state, Q_LEASE_BEFORE);
	assert_no_scan(*state, Q_LEASE_LATEST);
	assert_no_scan(*state, Q_LEASE_AFFECTED);
	assert_no_scan(*state, Q_LEASE_UNDO);
	assert_no_scan(*state, Q_LEASE_UNDO_EVIDENCE);
	assert_no_scan(*state, Q_LEASE_EVENTS);
	assert_no_scan(*state, Q_LEASE_EVENT);
}

static void test_session_rules_search_by_index(void **state)
{
	assert_no_scan(*state, Q_SESSION_BEFORE);
	assert_no_scan(*state, Q_SESSION_AFTER);
	assert_no_scan(*state, Q_SESSION_BINDINGS);
	assert_no_scan(*state, Q_SESSION_END_BINDINGS);
	assert_no_scan(*state, Q_SESSION_SEEN_BINDINGS);
	assert_no_scan(*state, Q_NAS_OPEN);
	assert_no_scan(*state, Q_NAS_RESTART_AFTER);
}

static void test_ledger_reads_one_account_by_index(void **state)
{
	assert_no_scan(*state, Q_CASE_SUMMARY);
	assert_no_scan(*state, Q_CASE_REPORTS);
	assert_no_scan(*state, Q_CASE_WARNINGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_lookup_probes_use_an_index),
		FX_TEST(test_lease_rules_search_by_index),
		FX_TEST(test_session_rules_search_by_index),
		FX_TEST(test_ledger_reads_one_account_by_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
