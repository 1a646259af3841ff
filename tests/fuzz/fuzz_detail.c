/* SPDX-License-Identifier: GPL-3.0-or-later
 * Fuzzes `attrib import radius-detail` (tools/cli_detail.c) with a detail
 * file, applied to a store inside a transaction that is then rolled back.
 * Whatever the file holds, the import must end in success or
 * in a data error (exit 65, the line named on stderr), never in an I/O or
 * store error, and the same bytes must give the same outcome again. */
#include "fuzz.h"

#include <unistd.h>

#include "attrib/store.h"
#include "tools/cli.h"

static struct attrib_store *st;
static char dir[64];

/* The store is a file (":memory:" would be one in the current directory):
 * in a directory of its own under /tmp, removed with it at exit. */
static void remove_store(void)
{
	char cmd[96];

	attrib_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_detail: could not remove %s\n", dir);
}

static void open_store(void)
{
	char err[256], path[96];

	snprintf(dir, sizeof(dir), "/tmp/attrib-fuzz-detail-XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (attrib_store_open(path, ATTRIB_STORE_CREATE, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_detail: store: %s\n", err);
		abort();
	}
	atexit(remove_store);
}

static int import(const uint8_t *data, size_t size)
{
	struct cli c = { .prog = "fuzz_detail", .policy = attrib_policy_default() };
	struct cli_import_counts n = { 0 };
	FILE *f = fmemopen((void *)data, size, "r");
	int rc;

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(attrib_store_begin(st) == 0);
	rc = cli_import_detail(&c, st, f, "fuzz", &n);
	fclose(f);
	FUZZ_CHECK(attrib_store_rollback(st) == 0);
	FUZZ_CHECK(rc == 0 || rc == CLI_EXIT_DATA);
	FUZZ_CHECK(rc != 0 || n.applied + n.repeats == n.rows);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 1 << 16)
		return 0;
	if (!st)
		open_store();
	FUZZ_CHECK(import(data, size) == import(data, size));
	return 0;
}
