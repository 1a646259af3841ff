/* SPDX-License-Identifier: GPL-3.0-or-later
 * The helpers of bench_common.h: generator, scale, scratch directory, clocks,
 * figure lines and the dbstat size breakdown. */
#include "bench_common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

void bench_rng_seed(struct bench_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t bench_rng_next(struct bench_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t bench_rng_below(struct bench_rng *r, uint64_t n)
{
	/* The modulo bias is below 2^-40 for the ranges used here. */
	return bench_rng_next(r) % n;
}

double bench_rng_unit(struct bench_rng *r)
{
	return (double)(bench_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int64_t bench_rng_exp(struct bench_rng *r, int64_t mean)
{
	return (int64_t)(-log(1.0 - bench_rng_unit(r)) * (double)mean);
}

uint64_t bench_mix(uint64_t a, uint64_t b)
{
	struct bench_rng r = { a * 0xd1b54a32d192ed03ULL ^ b };

	return bench_rng_next(&r);
}

void bench_heap_init(struct bench_heap *h, size_t cap)
{
	h->v = calloc(cap, sizeof(*h->v));
	if (h->v == NULL)
		bench_die("out of memory\n");
	h->n = 0;
	h->cap = cap;
}

void bench_heap_push(struct bench_heap *h, int64_t t, uint64_t v)
{
	size_t i = h->n++;

	if (i >= h->cap)
		bench_die("bench heap overflow\n");
	while (i > 0 && h->v[(i - 1) / 2].t > t) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = (struct bench_timed){ t, v };
}

struct bench_timed bench_heap_pop(struct bench_heap *h)
{
	struct bench_timed top = h->v[0], last = h->v[--h->n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->v[c + 1].t < h->v[c].t)
			c++;
		if (last.t <= h->v[c].t)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
	return top;
}

void bench_heap_free(struct bench_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

void bench_mac(uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "00:00:5e:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
}

void bench_user(uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "u%07u@isp.example", (unsigned)i);
}

void bench_ipv4(uint32_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

double bench_scale(int argc, char **argv, double dflt)
{
	const char *s = getenv("ATTRIB_BENCH_SCALE");
	char *end;
	double v;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
			s = argv[++i];
		else if (strncmp(argv[i], "--scale=", 8) == 0)
			s = argv[i] + 8;
		else
			bench_die("usage: %s [--scale X]  (or ATTRIB_BENCH_SCALE=X), 0 < X <= 10\n",
				  argv[0]);
	}
	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v > 0.0 && v <= 10.0))
		bench_die("bad scale \"%s\": want a number in (0, 10]\n", s);
	return v;
}

int64_t bench_scaled(int64_t full, double scale, int64_t floor)
{
	int64_t v = llround((double)full * scale);

	return v < floor ? floor : v;
}

int bench_tmpdir(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if ((size_t)snprintf(dir, len, "%s/attrib-bench.XXXXXX", base) >= len)
		return -ENAMETOOLONG;
	if (mkdtemp(dir) == NULL)
		return -errno;
	return 0;
}

static int remove_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "bench: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void bench_tmpdir_remove(const char *dir)
{
	if (getenv("ATTRIB_BENCH_KEEP") != NULL) {
		fprintf(stderr, "bench: files kept in %s\n", dir);
		return;
	}
	nftw(dir, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_fsync(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fsync(fd) != 0)
		fprintf(stderr, "bench: cannot flush %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

int64_t bench_file_size(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return 0;
	return (int64_t)sb.st_size;
}

int64_t bench_db_size(const char *path)
{
	char wal[4096];

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return bench_file_size(path) + bench_file_size(wal);
}

void bench_figure(const char *name, double value, const char *unit)
{
	if (value != 0.0 && fabs(value) < 10.0)
		printf("%s: %.3f %s\n", name, value, unit);
	else
		printf("%s: %.1f %s\n", name, value, unit);
	fflush(stdout);
}

void bench_count(const char *name, int64_t value, const char *unit)
{
	printf("%s: %lld %s\n", name, (long long)value, unit);
	fflush(stdout);
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	exit(1);
}

void bench_db_breakdown(const char *path, const char *prefix, int64_t per, const char *per_what)
{
	static const char sql[] = "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name "
				  "ORDER BY SUM(pgsize) DESC";
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char name[256], unit[64];

	if (per <= 0)
		return;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench: no size breakdown of %s: %s\n", path, sqlite3_errmsg(db));
		goto out;
	}
	snprintf(unit, sizeof(unit), "bytes/%s", per_what);
	while (sqlite3_step(q) == SQLITE_ROW) {
		double v = (double)sqlite3_column_int64(q, 1) / (double)per;

		/* The one-page tables (schema, meta) say nothing at scale. */
		if (v < 1.0)
			continue;
		snprintf(name, sizeof(name), "%s.%s", prefix, sqlite3_column_text(q, 0));
		bench_figure(name, v, unit);
	}
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
}
