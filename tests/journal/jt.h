/* SPDX-License-Identifier: GPL-3.0-or-later
 * What the journal tests share: a scratch directory per test, events made to
 * order, and reading back every record of every journal file in a directory
 * in the order the writer wrote them. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "attrib/event.h"
#include "attrib/journal.h"

/* A fresh directory under $TMPDIR (or /tmp); removed with all it holds. */
void jt_mkdir(char *dir, size_t len);
void jt_rmdir(const char *dir);

/* One test's scratch directory, a file name in it, and what the writer's
 * notify callback reported. */
struct jt_fx {
	char dir[256];
	char path[300]; /* <dir>/t.1.1.000001.journal */
	unsigned notified_err, notified_ok;
};

/* cmocka setup and teardown: *state is a new struct jt_fx. */
int jt_setup(void **state);
int jt_teardown(void **state);

/* A DHCPv4 commit as Kea's hook would give it, told apart by @p n (subnet
 * id and the last bytes of address and hardware address). */
void jt_event(struct attrib_event *ev, unsigned n);

/* Read every record of @p dir's journal files, in file order (name order,
 * which is sequence order for one writer), each file to its end, handing each
 * record to @p cb (may be NULL) with the index of its file. */
typedef void (*jt_record_cb)(void *arg, size_t file, const struct attrib_journal_record *rec);

struct jt_read {
	size_t n; /* records */
	size_t files;
	size_t events, heartbeats, losses, seals;
	int last_status; /* of the last file */
	int bad_status;  /* the first status other than END or DONE met, else 0 */
};

void jt_read_dir(const char *dir, jt_record_cb cb, void *arg, struct jt_read *out);

/* Sorted names (not paths) of @p dir's journal files; free with jt_names_free. */
size_t jt_names(const char *dir, char ***names);
void jt_names_free(char **names, size_t n);

/* Write @p len bytes to @p path, replacing it. */
void jt_write_file(const char *path, const void *buf, size_t len);
