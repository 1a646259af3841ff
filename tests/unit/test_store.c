/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of attrib/store.h beyond the rules: opening and migrating,
 * refusing a missing or newer store, keeping what was applied across a
 * reopen, transactions that roll back, and the retention horizon. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define ADDR4 "192.0.2.7"

static void reopen(struct fx *f, int flags)
{
	char err[256] = "";

	attrib_store_close(f->st);
	f->st = NULL;
	if (attrib_store_open(f->path, flags, &f->st, err, sizeof(err)) != 0) {
		print_error("reopen %s: %s\n", f->path, err);
		fail();
	}
}

static void test_new_store_is_at_the_latest_schema(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts c;

	assert_true(attrib_store_schema_latest() >= 1);
	assert_int_equal(attrib_store_schema_version(f->st), attrib_store_schema_latest());
	assert_int_equal(attrib_store_counts(f->st, &c), 0);
	assert_int_equal(c.bindings, 0);
	assert_int_equal(c.events, 0);
	assert_int_equal(c.sessions, 0);
	assert_int_equal(c.subscribers, 0);
}

static void test_missing_store_without_create_is_enoent(void **state)
{
	struct fx *f = *state;
	struct attrib_store *st = NULL;
	char path[320], err[256] = "";

	snprintf(path, sizeof(path), "%s/absent.db", f->dir);
	assert_int_equal(attrib_store_open(path, 0, &st, err, sizeof(err)), -ENOENT);
	assert_true(err[0] != '\0');
	assert_int_equal(attrib_store_open(path, ATTRIB_STORE_READONLY, &st, err, sizeof(err)),
			 -ENOENT);
}

static void test_store_from_a_newer_schema_is_refused(void **state)
{
	struct fx *f = *state;
	struct attrib_store *st = NULL;
	char pragma[64], err[256] = "";
	sqlite3 *db;

	attrib_store_close(f->st);
	f->st = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		 attrib_store_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(attrib_store_open(f->path, 0, &st, err, sizeof(err)), -EPROTO);
	assert_true(err[0] != '\0');
}

static void test_new_store_is_not_world_readable(void **state)
{
	struct fx *f = *state;
	struct attrib_store *st = NULL;
	char path[4200], err[256];
	struct stat sb;
	mode_t old = umask(022);

	/* It holds every subscriber: readable by its owner and group only. */
	snprintf(path, sizeof(path), "%s.new", f->path);
	assert_int_equal(attrib_store_open(path, ATTRIB_STORE_CREATE, &st, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	attrib_store_close(st);
	unlink(path);
}

static void test_applied_events_survive_a_reopen(void **state)
{
	struct fx *f = *state;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	reopen(f, ATTRIB_STORE_READONLY);
	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
	assert_string_equal(f->ans.account, "ACC-A");
}

static void test_rollback_undoes_what_was_applied(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts c;

	map_identity(f, "hwaddr", MAC_A, "ACC-A", NULL, NULL);
	assert_int_equal(attrib_store_begin(f->st), 0);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "192.0.2.8", DAY "14:00:00Z", 3600, HW_B);
	assert_int_equal(attrib_store_rollback(f->st), 0);

	assert_int_equal(attrib_store_counts(f->st, &c), 0);
	assert_int_equal(c.bindings, 0);
	assert_int_equal(c.events, 0);
	assert_int_equal(c.subscribers, 1);
	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_NONE, 0);

	/* Rolled back, the event is new again: applying it is no repeat. */
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	assert_lookup(f, ADDR4, DAY "14:30:00Z", ATTRIB_STATUS_MATCH, 1);
}

static void test_commit_keeps_everything_applied_in_the_transaction(void **state)
{
	struct fx *f = *state;
	struct attrib_store_counts c;

	assert_int_equal(attrib_store_begin(f->st), 0);
	lease4(f, "lease-commit", ADDR4, DAY "14:00:00Z", 3600, HW_A);
	lease4(f, "lease-commit", "192.0.2.8", DAY "14:00:00Z", 3600, HW_B);
	assert_int_equal(attrib_store_commit(f->st), 0);
	reopen(f, 0);
	assert_int_equal(attrib_store_counts(f->st, &c), 0);
	assert_int_equal(c.bindings, 2);
	assert_int_equal(c.events, 2);
}

static void test_retention_horizon_is_kept(void **state)
{
	struct fx *f = *state;

	assert_int_equal(attrib_store_horizon(f->st), 0);
	assert_int_equal(attrib_store_set_horizon(f->st, ut(DAY "12:00:00Z")), 0);
	reopen(f, 0);
	assert_time(attrib_store_horizon(f->st), DAY "12:00:00Z");
	assert_lookup(f, ADDR4, DAY "11:00:00Z", ATTRIB_STATUS_OUTSIDE_RETENTION, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_new_store_is_at_the_latest_schema),
		FX_TEST(test_missing_store_without_create_is_enoent),
		FX_TEST(test_store_from_a_newer_schema_is_refused),
		FX_TEST(test_new_store_is_not_world_readable),
		FX_TEST(test_applied_events_survive_a_reopen),
		FX_TEST(test_rollback_undoes_what_was_applied),
		FX_TEST(test_commit_keeps_everything_applied_in_the_transaction),
		FX_TEST(test_retention_horizon_is_kept),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
