/* SPDX-License-Identifier: GPL-3.0-or-later
 * What one journal append costs a hook: each append timed on its own, with
 * the default interval sync, with none, with a sync per record, and from four
 * threads at once; then how fast attribd's reader gets through the result.
 * Figures are printed as "name: value unit" lines. */
#include "attrib/journal.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "attrib/times.h"

#define THREADS 4

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void figure(const char *name, const char *what, double value, const char *unit)
{
	printf(value < 10 ? "%s.%s: %.3f %s\n" : "%s.%s: %.1f %s\n", name, what, value, unit);
	fflush(stdout);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_journal_append: %s: %s\n", what, strerror(err));
	exit(1);
}

/* An accounting interim as the FreeRADIUS module would hand it over: a
 * little larger than a DHCPv4 commit, so the figures err on the high side. */
static void make_event(struct attrib_event *ev, unsigned i)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = ATTRIB_EV_ACCT_INTERIM;
	ev->source = ATTRIB_SRC_RADIUS;
	ev->arrival = 1796047331000000LL + i;
	ev->has = ATTRIB_HAS_EVENT_TS | ATTRIB_HAS_SESSION_TIME;
	ev->event_ts = ev->arrival;
	ev->session_time = i % 86400;
	ev->naddr = 1;
	ev->addr[0] = (struct attrib_prefix){ .family = 4,
					      .len = 32,
					      .net = { 100, 64, (uint8_t)(i >> 8), (uint8_t)i } };
	snprintf(ev->nas, sizeof(ev->nas), "192.0.2.%u", 1 + i % 8);
	snprintf(ev->session_id, sizeof(ev->session_id), "%08x", i);
	snprintf(ev->id.username, sizeof(ev->id.username), "u%07u@isp.example", i % 100000);
	snprintf(ev->id.calling_station_id, sizeof(ev->id.calling_station_id),
		 "00-00-5e-%02x-%02x-%02x", i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff);
	strcpy(ev->server, "radius-1");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, double *lat, size_t n, double wall_us)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	figure(name, "appends", (double)n, "appends");
	figure(name, "median", lat[n / 2], "us");
	figure(name, "p99", lat[n * 99 / 100], "us");
	figure(name, "p999", lat[n * 999 / 1000], "us");
	figure(name, "max", lat[n - 1], "us");
	figure(name, "throughput", (double)n / (wall_us / 1e6), "appends/s");
}

struct run {
	struct attrib_journal_writer *w;
	double *lat;
	size_t from, n;
	double budget_us;
	size_t done;
};

static void *append_loop(void *p)
{
	struct run *r = p;
	struct attrib_event ev;
	double start = now_us();

	for (size_t i = 0; i < r->n; i++) {
		double t0, t1;
		int rc;

		make_event(&ev, (unsigned)(r->from + i));
		t0 = now_us();
		rc = attrib_journal_append(r->w, &ev);
		t1 = now_us();
		if (rc < 0)
			die("append", -rc);
		r->lat[r->from + i] = t1 - t0;
		r->done = i + 1;
		if (t1 - start > r->budget_us)
			break;
	}
	return NULL;
}

/* @p count appends with policy @p sync from @p threads threads into a new
 * directory under @p base, at most @p budget_s seconds. */
static void run(const char *base, const char *name, enum attrib_journal_sync sync, unsigned threads,
		size_t count, double budget_s)
{
	struct attrib_journal_config cfg = { .server_id = "bench", .sync = sync };
	struct run runs[THREADS];
	pthread_t th[THREADS];
	char dir[512];
	double *lat = calloc(count, sizeof(*lat));
	double t0, wall;
	size_t n = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (!lat || mkdir(dir, 0700) < 0)
		die(dir, errno ? errno : ENOMEM);
	cfg.dir = dir;
	rc = attrib_journal_open(&cfg, &runs[0].w);
	if (rc < 0)
		die("open", -rc);
	t0 = now_us();
	for (unsigned t = 0; t < threads; t++) {
		runs[t] = (struct run){ .w = runs[0].w,
					.lat = lat,
					.from = count / threads * t,
					.n = count / threads,
					.budget_us = budget_s * 1e6 };
		pthread_create(&th[t], NULL, append_loop, &runs[t]);
	}
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		/* a run cut short by its budget: keep what was timed */
		memmove(lat + n, lat + runs[t].from, runs[t].done * sizeof(*lat));
		n += runs[t].done;
	}
	wall = now_us() - t0;
	rc = attrib_journal_close(&runs[0].w);
	if (rc < 0)
		die("close", -rc);
	report(name, lat, n, wall);
	free(lat);
}

/* Read back every record of the files one run left, as attribd would. */
static void read_back(const char *base, const char *name)
{
	struct attrib_journal_record *rec = malloc(sizeof(*rec));
	struct attrib_journal_reader *r;
	char path[1024];
	double t0 = now_us(), wall;
	uint64_t records = 0, bytes = 0;
	FILE *ls;

	snprintf(path, sizeof(path), "ls %s/%s/*%s", base, name, ATTRIB_JOURNAL_SUFFIX);
	ls = popen(path, "r");
	while (rec && ls && fgets(path, sizeof(path), ls)) {
		path[strcspn(path, "\n")] = '\0';
		if (attrib_journal_reader_open(path, &r) < 0)
			die(path, EBADMSG);
		while (attrib_journal_next(r, rec) == ATTRIB_JOURNAL_OK)
			records++;
		bytes += attrib_journal_tell(r);
		attrib_journal_reader_close(r);
	}
	if (ls)
		pclose(ls);
	wall = now_us() - t0;
	figure("read", "records", (double)records, "records");
	figure("read", "throughput", (double)records / (wall / 1e6), "records/s");
	figure("read", "bytes_per_record", (double)bytes / (double)records, "bytes");
	free(rec);
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	size_t count = 200000;
	char base[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			count = strtoul(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: %s [--count N]\n", argv[0]);
			return 2;
		}
	}
	if (count < 1000)
		count = 1000;
	snprintf(base, sizeof(base), "%s/attrib-bench-journal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		die(base, errno);
	printf("# bench_journal_append: cost of one append, %zu appends per run, in %s\n", count,
	       base);
	printf("# target: append.interval.median under 2 us\n");
	run(base, "append.interval", ATTRIB_JOURNAL_SYNC_INTERVAL, 1, count, 60);
	run(base, "append.none", ATTRIB_JOURNAL_SYNC_NONE, 1, count, 60);
	run(base, "append.interval_4threads", ATTRIB_JOURNAL_SYNC_INTERVAL, THREADS, count, 60);
	run(base, "append.every", ATTRIB_JOURNAL_SYNC_EVERY, 1, count / 20, 10);
	run(base, "append.every_4threads", ATTRIB_JOURNAL_SYNC_EVERY, THREADS, count / 20, 10);
	read_back(base, "append.interval");
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
