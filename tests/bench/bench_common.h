/* SPDX-License-Identifier: GPL-3.0-or-later
 * What every benchmark shares: the fixed-seed generator, the scale a run is
 * made at, a scratch directory that goes away at the end, clocks, and the
 * "name: value unit" lines the figures are printed as. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_SEED 0x5eed2026a77c1bULL

/** splitmix64: small, fast and the same on every machine, so a run's data
 * depends on its seed and scale only. */
struct bench_rng {
	uint64_t s;
};

void bench_rng_seed(struct bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(struct bench_rng *r);

/** A number in [0, n); n > 0. */
uint64_t bench_rng_below(struct bench_rng *r, uint64_t n);

/** A number in [0, 1). */
double bench_rng_unit(struct bench_rng *r);

/** An exponentially distributed duration with the given mean. */
int64_t bench_rng_exp(struct bench_rng *r, int64_t mean);

/** A stateless mix of two numbers: the same inputs always give the same
 * output, which lets a benchmark recompute what it generated. */
uint64_t bench_mix(uint64_t a, uint64_t b);

/** A min-heap of (time, value): who or what acts next in a simulation. */
struct bench_timed {
	int64_t t;
	uint64_t v;
};

struct bench_heap {
	struct bench_timed *v;
	size_t n, cap;
};

/** Room for @p cap entries; exits when memory runs out, as pushing past
 * @p cap does. */
void bench_heap_init(struct bench_heap *h, size_t cap);
void bench_heap_push(struct bench_heap *h, int64_t t, uint64_t v);
struct bench_timed bench_heap_pop(struct bench_heap *h); /* h->n > 0 */
void bench_heap_free(struct bench_heap *h);

/** The generated identities and addresses: subscriber @p i's hardware
 * address (00:00:5e:xx:xx:xx, @p i below 2^24), its PPPoE User-Name, and
 * the dotted form of IPv4 address @p v. */
void bench_mac(uint32_t i, char *buf, size_t len);
void bench_user(uint32_t i, char *buf, size_t len);
void bench_ipv4(uint32_t v, char *buf, size_t len);

/** The scale of the run: "--scale X" on the command line, else
 * ATTRIB_BENCH_SCALE, else @p dflt.  Exits with a message on a bad value. */
double bench_scale(int argc, char **argv, double dflt);

/** Scale @p full by @p scale, never below @p floor. */
int64_t bench_scaled(int64_t full, double scale, int64_t floor);

/** A fresh directory under $TMPDIR (or /tmp) for the run's files.
 * @return 0 or a negative errno; @p dir receives the path. */
int bench_tmpdir(char *dir, size_t len);

/** Remove @p dir and everything below it, unless ATTRIB_BENCH_KEEP is set
 * (then say where it was left). */
void bench_tmpdir_remove(const char *dir);

/** CLOCK_MONOTONIC and the process's CPU time, in seconds. */
double bench_now(void);
double bench_cpu(void);

/** Flush a file to disk, so that its writeback does not run on into the
 * next timed phase. */
void bench_fsync(const char *path);

/** Size of a file in bytes, 0 when it does not exist. */
int64_t bench_file_size(const char *path);

/** Size of an SQLite database with its -wal file. */
int64_t bench_db_size(const char *path);

/** One figure: "name: value unit". */
void bench_figure(const char *name, double value, const char *unit);
void bench_count(const char *name, int64_t value, const char *unit);

/** A progress line goes to stderr, apart from the figures. */
#define bench_progress(...) fprintf(stderr, __VA_ARGS__)

/** Print to stderr and exit 1: for a benchmark that cannot go on. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** Split the per-table and per-index sizes of an SQLite file (the dbstat
 * table) and print them as "<prefix>.<name>: bytes/<per_what>". */
void bench_db_breakdown(const char *path, const char *prefix, int64_t per, const char *per_what);
