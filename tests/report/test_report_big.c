/* SPDX-License-Identifier: GPL-3.0-or-later
 * A Shadowserver CSV of a million rows, generated as it is read (no file),
 * goes through the reader in bounded memory: every row is an event, and
 * the peak resident size grows by far less than the input's size. */
#include "rt.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define ROWS 1000000

struct gen {
	unsigned long row;
	char line[160];
	size_t len, off;
};

/* Row i: address 10.x.y.z from i, port 1024 + i % 60000, one second
 * apart from 2026-02-01T00:00:00Z. */
static ssize_t gen_read(void *cookie, char *buf, size_t size)
{
	struct gen *g = cookie;
	size_t done = 0;

	while (done < size) {
		if (g->off == g->len) {
			unsigned long i = g->row;

			if (i > ROWS)
				break;
			if (i == 0)
				g->len = (size_t)snprintf(g->line, sizeof(g->line),
							  "\"timestamp\",\"src_ip\",\"src_port\","
							  "\"infection\"\n");
			else
				g->len = (size_t)snprintf(g->line, sizeof(g->line),
							  "\"2026-02-%02lu %02lu:%02lu:%02lu\","
							  "\"10.%lu.%lu.%lu\",%lu,\"gen\"\n",
							  1 + (i - 1) / 86400, (i - 1) / 3600 % 24,
							  (i - 1) / 60 % 60, (i - 1) % 60, i >> 16 & 255,
							  i >> 8 & 255, i & 255, 1024 + i % 60000);
			g->off = 0;
			g->row++;
		}
		size_t n = g->len - g->off < size - done ? g->len - g->off : size - done;

		memcpy(buf + done, g->line + g->off, n);
		g->off += n;
		done += n;
	}
	return (ssize_t)done;
}

static int gen_seek(void *cookie, off64_t *pos, int whence)
{
	struct gen *g = cookie;

	/* Only back to the start, as the reader does after looking. */
	if (whence == SEEK_SET && *pos == 0) {
		g->row = 0;
		g->len = g->off = 0;
		return 0;
	}
	if (whence == SEEK_CUR && *pos == 0)
		return 0;
	return -1;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_million_row_csv_is_read_in_bounded_memory(void **state)
{
	cookie_io_functions_t io = { .read = gen_read, .seek = gen_seek };
	struct gen g = { 0 };
	FILE *f = fopencookie(&g, "r", io);
	struct rt r;
	long before, after;

	(void)state;
	assert_non_null(f);
	/* Warm up the reader's one-time allocations first. */
	rt_read(&r, "timestamp,src_ip\n2026-02-01 00:00:00,10.0.0.1\n", 0, NULL, NULL);
	assert_read_ok(&r);
	before = max_rss_kib();
	rt_read_file(&r, f, NULL, NULL);
	after = max_rss_kib();
	fclose(f);
	assert_read_ok(&r);
	assert_int_equal(r.n, ROWS);
	assert_string_equal(r.ev[0].addr, "10.0.0.1");
	assert_int_equal(r.ev[0].port, 1025);
	assert_true(r.ev[0].time == rt_utc("2026-02-01T00:00:00Z"));
	/* Some 50 MB went through; the reader may hold a row, not the file. */
	print_message("peak resident size grew by %ld KiB over %d rows\n", after - before, ROWS);
	assert_true(after - before < 16 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_row_csv_is_read_in_bounded_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
