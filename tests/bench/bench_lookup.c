/* SPDX-License-Identifier: GPL-3.0-or-later
 * bench_lookup: lookups per second on a store of ten million bindings, its
 * size on disk, and the same data and the same questions put to FreeRADIUS
 * 3.2's radacct table in SQLite.  Every binding is a function of its address
 * and round, so each answer is checked against what the generator made.
 *
 * The ten million bindings are written straight into the store's tables
 * (subscribers through the store's API): the rules would take half an hour
 * to make them from events.  What the rules make of the same stream, row for
 * row, is what --check-bulk compares at a small scale (suite bench-smoke);
 * --via-rules builds through the rules, and gives the size on disk with the
 * evidence (the event and evidence tables, which a lookup never reads and
 * the bulk store leaves empty).  --make-store DIR only writes DIR/store.db
 * and DIR/queries.tsv (address, time, account the answer must name), for
 * the benchmarks of attribd's socket and of attrib report (--queries N
 * sets how many).  --on-store DIR times only attrib's lookups, on a DIR/store.db
 * that --make-store wrote at the same scale: for profiling. */
#include "bench_common.h"
#include "bench_radacct.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/lookup.h"
#include "attrib/store.h"
#include "attrib/times.h"

#define FULL_BINDINGS 10000000
#define DEFAULT_SCALE 1.0
#define FULL_LOOKUPS  200000
#define TARGET_RATE   100000.0 /* lookups/s */
#define MAX_SECONDS   60.0     /* bound on each lookup pass */
/* Lookups per read transaction, on both sides: attribd answers a batch
 * (attrib report sends 1000) in one snapshot. */
#define READ_BATCH    1000

#define USEC        1000000LL
#define T0          1767225600LL /* 2026-01-01T00:00:00Z, in seconds */
#define ROUND       86400        /* s: a DHCP lease's lifetime, and one round */
#define ROUNDS      10           /* bindings per address */
#define RADIUS_PART 5            /* one address in 5 is a PPPoE pool's */
#define BATCH       50000        /* events per transaction while building */

/* The page cache and memory map the radacct connection gets: the same as
 * attrib_store_open gives the store, so that the ratio compares schemas and
 * queries, not tuning. */
#define RADACCT_CACHE_KIB 262144
#define RADACCT_MMAP      17179869184LL

/* Where binding (kind, i, r) comes from: address i of the DHCP pool
 * (10.0.0.0/8) or of the PPPoE pool (100.64.0.0/10), in round r. */
struct layout {
	uint32_t nd, nr; /* addresses in each pool */
};

struct binding {
	bool radius;
	uint32_t i, r;
};

/* The build stream: DHCP commits and RADIUS starts in start order, and the
 * RADIUS stops interleaved by their time through a heap whose values are
 * round << 32 | address index. */
struct stream {
	const struct layout *l;
	uint32_t di, dr, ri, rr;
	struct bench_heap stops;
	bool with_stops;
};

enum item { ITEM_END, ITEM_COMMIT, ITEM_START, ITEM_STOP };

struct query {
	struct binding b;
	struct attrib_prefix addr;
	char ip[16];
	int64_t t; /* usec */
	char account[16];
	char identity[32];
};

static uint32_t pool_size(const struct layout *l, bool radius)
{
	return radius ? l->nr : l->nd;
}

static int64_t binding_start(const struct layout *l, const struct binding *b)
{
	return T0 + (int64_t)b->r * ROUND + (int64_t)b->i * ROUND / pool_size(l, b->radius);
}

/* A DHCP lease runs its whole lifetime and the next client's commit comes
 * exactly as it expires; a PPPoE session lasts half a day or more and stops
 * at least a minute before the next round's session on its address. */
static int64_t binding_end(const struct layout *l, const struct binding *b)
{
	int64_t start = binding_start(l, b);

	if (!b->radius)
		return start + ROUND;
	return start + ROUND / 2 + (int64_t)(bench_mix(b->i, b->r) % (ROUND / 2 - 60));
}

/* Who holds the address: a different client each round. */
static uint32_t binding_client(const struct layout *l, const struct binding *b)
{
	uint64_t n = pool_size(l, b->radius);
	uint64_t step = 1 + (n - 1) * 5 / 8;

	return (uint32_t)((b->i + b->r * step) % n);
}

static void format_ip(const struct binding *b, char *buf, size_t len)
{
	bench_ipv4((b->radius ? 0x64400000u : 0x0a000000u) + b->i, buf, len);
}

/* The identity a binding's client shows (hardware address or User-Name) and
 * the account the subscriber map gives it. */
static void binding_identity(const struct layout *l, const struct binding *b, char *id,
			     size_t idlen, char *account, size_t acclen)
{
	uint32_t c = binding_client(l, b);

	if (b->radius)
		bench_user(c, id, idlen);
	else
		bench_mac(c, id, idlen);
	snprintf(account, acclen, "A%08" PRIu32, b->radius ? l->nd + c : c);
}

static void format_session(const struct binding *b, char *buf, size_t len)
{
	snprintf(buf, len, "%08" PRIx32 "%04" PRIx32, b->i | (b->radius ? 0 : 0x80000000u), b->r);
}

static void stream_init(struct stream *s, const struct layout *l, bool stops)
{
	memset(s, 0, sizeof(*s));
	s->l = l;
	s->with_stops = stops;
	/* Sessions last less than a round: at most two rounds' are open. */
	if (stops)
		bench_heap_init(&s->stops, 2 * (size_t)l->nr + 1);
}

static enum item stream_next(struct stream *s, struct binding *b)
{
	struct binding d = { false, s->di, s->dr }, r = { true, s->ri, s->rr };
	int64_t td = s->dr < ROUNDS ? binding_start(s->l, &d) : INT64_MAX;
	int64_t tr = s->rr < ROUNDS ? binding_start(s->l, &r) : INT64_MAX;
	int64_t ts = s->stops.n > 0 ? s->stops.v[0].t : INT64_MAX;

	if (ts <= td && ts <= tr && ts != INT64_MAX) {
		struct bench_timed v = bench_heap_pop(&s->stops);

		*b = (struct binding){ true, (uint32_t)v.v, (uint32_t)(v.v >> 32) };
		return ITEM_STOP;
	}
	if (td == INT64_MAX && tr == INT64_MAX)
		return ITEM_END;
	if (td <= tr) {
		*b = d;
		if (++s->di == s->l->nd) {
			s->di = 0;
			s->dr++;
		}
		return ITEM_COMMIT;
	}
	*b = r;
	if (++s->ri == s->l->nr) {
		s->ri = 0;
		s->rr++;
	}
	if (s->with_stops)
		bench_heap_push(&s->stops, binding_end(s->l, b), (uint64_t)b->r << 32 | b->i);
	return ITEM_START;
}

static void fill_event(const struct layout *l, enum item item, const struct binding *b,
		       struct attrib_event *ev)
{
	char ip[16], account[16];
	int64_t start = binding_start(l, b), end = binding_end(l, b);

	memset(ev, 0, sizeof(*ev));
	ev->naddr = 1;
	format_ip(b, ip, sizeof(ip));
	if (attrib_addr_parse(ip, &ev->addr[0], NULL, 0) != 0)
		bench_die("cannot parse generated address %s\n", ip);
	if (item == ITEM_COMMIT) {
		ev->type = ATTRIB_EV_LEASE_COMMIT;
		ev->source = ATTRIB_SRC_DHCP4;
		ev->time = start * USEC;
		ev->valid_lifetime = ROUND;
		ev->has = ATTRIB_HAS_LIFETIME;
		snprintf(ev->server, sizeof(ev->server), "kea-1");
		binding_identity(l, b, ev->id.hwaddr, sizeof(ev->id.hwaddr), account,
				 sizeof(account));
		return;
	}
	ev->source = ATTRIB_SRC_RADIUS;
	ev->type = item == ITEM_START ? ATTRIB_EV_ACCT_START : ATTRIB_EV_ACCT_STOP;
	ev->arrival = (item == ITEM_START ? start : end) * USEC;
	ev->event_ts = ev->arrival;
	ev->has = ATTRIB_HAS_EVENT_TS;
	if (item == ITEM_STOP) {
		ev->session_time = (uint32_t)(end - start);
		ev->has |= ATTRIB_HAS_SESSION_TIME;
	}
	snprintf(ev->nas, sizeof(ev->nas), "192.0.2.%u", 1 + b->i % 32);
	format_session(b, ev->session_id, sizeof(ev->session_id));
	binding_identity(l, b, ev->id.username, sizeof(ev->id.username), account, sizeof(account));
}

static void load_subscribers(const struct layout *l, struct attrib_store *st)
{
	char value[64], account[16];
	int rc = attrib_store_begin(st);

	for (uint32_t c = 0; rc == 0 && c < l->nd + l->nr; c++) {
		bool radius = c >= l->nd;

		snprintf(account, sizeof(account), "A%08" PRIu32, c);
		if (radius)
			bench_user(c - l->nd, value, sizeof(value));
		else
			bench_mac(c, value, sizeof(value));
		rc = attrib_store_add_subscriber(st, radius ? "username" : "hwaddr", value, account,
						 (T0 - 365 * 86400) * USEC, INT64_MAX);
	}
	if (rc == 0)
		rc = attrib_store_commit(st);
	if (rc < 0)
		bench_die("loading subscribers: %s (%s)\n", strerror(-rc), attrib_store_errmsg(st));
}

static void build_store(const struct layout *l, const char *path)
{
	struct attrib_policy pol = attrib_policy_default();
	struct attrib_store *st = NULL;
	struct attrib_store_counts counts;
	struct attrib_event *ev = malloc(sizeof(*ev));
	struct stream s;
	struct binding b;
	enum item item;
	int64_t total = (int64_t)ROUNDS * (l->nd + 2 * l->nr), n = 0, next_report = total / 10;
	char err[256];
	double t0;
	int rc;

	if (ev == NULL)
		bench_die("out of memory\n");
	rc = attrib_store_open(path, ATTRIB_STORE_CREATE, &st, err, sizeof(err));
	if (rc < 0)
		bench_die("open %s: %s\n", path, err);
	t0 = bench_now();
	load_subscribers(l, st);
	bench_figure("subscribers.load", bench_now() - t0, "s");

	stream_init(&s, l, true);
	t0 = bench_now();
	rc = attrib_store_begin(st);
	while (rc == 0 && (item = stream_next(&s, &b)) != ITEM_END) {
		fill_event(l, item, &b, ev);
		rc = attrib_store_apply(st, &pol, ev);
		if (rc == 0)
			bench_die("event %lld was taken for a repeat\n", (long long)n);
		if (rc < 0)
			break;
		rc = 0;
		if (++n % BATCH == 0) {
			rc = attrib_store_commit(st);
			if (rc == 0)
				rc = attrib_store_begin(st);
		}
		if (n == next_report) {
			bench_progress("bench_lookup: %lld of %lld events applied, %.0f s\n",
				       (long long)n, (long long)total, bench_now() - t0);
			next_report += total / 10;
		}
	}
	if (rc == 0)
		rc = attrib_store_commit(st);
	if (rc < 0)
		bench_die("applying event %lld: %s (%s)\n", (long long)n, strerror(-rc),
			  attrib_store_errmsg(st));
	bench_count("build.events", n, "events");
	bench_figure("build.seconds", bench_now() - t0, "s");
	bench_figure("build.rate", (double)n / (bench_now() - t0), "events/s");
	if (attrib_store_counts(st, &counts) < 0)
		bench_die("counts: %s\n", attrib_store_errmsg(st));
	bench_count("build.bindings", counts.bindings, "bindings");
	if (counts.bindings != (int64_t)ROUNDS * (l->nd + l->nr))
		printf("# warning: the generator made %lld bindings\n",
		       (long long)ROUNDS * (l->nd + l->nr));
	attrib_store_close(st);
	bench_heap_free(&s.stops);
	free(ev);
}

/* The rows the rules leave for the generator's stream: each DHCP lease runs
 * to its expected end, where the next holder's commit ends it as expired
 * (the last round's stays open); each PPPoE session is one session row and
 * one binding, ended by its Stop, last seen then. */
static void bulk_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		bench_die("bulk store: %s: %s\n", sql, msg ? msg : "?");
}

static sqlite3_stmt *bulk_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		bench_die("bulk store: %s: %s\n", sql, sqlite3_errmsg(db));
	return s;
}

static void bulk_step(sqlite3 *db, sqlite3_stmt *s)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		bench_die("bulk store: %s\n", sqlite3_errmsg(db));
	sqlite3_reset(s);
}

static void bulk_binding(const struct layout *l, const struct binding *b, sqlite3 *db,
			 sqlite3_stmt *ins_b, sqlite3_stmt *ins_s)
{
	int64_t start = binding_start(l, b) * USEC, end = binding_end(l, b) * USEC;
	char ip[16], id[32], account[16], nas[16], session[24], key[96];
	struct attrib_prefix p;

	format_ip(b, ip, sizeof(ip));
	if (attrib_addr_parse(ip, &p, NULL, 0) != 0)
		bench_die("cannot parse generated address %s\n", ip);
	binding_identity(l, b, id, sizeof(id), account, sizeof(account));
	sqlite3_bind_int(ins_b, 1, p.family);
	sqlite3_bind_int(ins_b, 2, (int)p.len);
	sqlite3_bind_blob(ins_b, 3, p.net, 4, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins_b, 4, start);
	if (!b->radius) {
		bool open = b->r == ROUNDS - 1;

		sqlite3_bind_int64(ins_b, 5, end);
		if (!open) {
			sqlite3_bind_int64(ins_b, 6, end);
			sqlite3_bind_text(ins_b, 7, "expired", -1, SQLITE_STATIC);
		}
		sqlite3_bind_int64(ins_b, 8, end);
		sqlite3_bind_int64(ins_b, 9, start);
		sqlite3_bind_int(ins_b, 10, ATTRIB_SRC_DHCP4);
		sqlite3_bind_text(ins_b, 11, "kea-1", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_b, 13, id, -1, SQLITE_TRANSIENT);
	} else {
		snprintf(nas, sizeof(nas), "192.0.2.%u", 1 + b->i % 32);
		format_session(b, session, sizeof(session));
		snprintf(key, sizeof(key), "s %s\x1f%s\x1f%s", nas, session, id);
		sqlite3_bind_text(ins_s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_s, 2, nas, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins_s, 3, start);
		sqlite3_bind_int64(ins_s, 4, end);
		bulk_step(db, ins_s);
		sqlite3_bind_int64(ins_b, 5, end);
		sqlite3_bind_int64(ins_b, 6, end);
		sqlite3_bind_text(ins_b, 7, "stop", -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins_b, 9, end);
		sqlite3_bind_int(ins_b, 10, ATTRIB_SRC_RADIUS);
		sqlite3_bind_text(ins_b, 11, nas, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins_b, 12, sqlite3_last_insert_rowid(db));
		sqlite3_bind_text(ins_b, 14, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins_b, 15, session, -1, SQLITE_TRANSIENT);
	}
	bulk_step(db, ins_b);
	sqlite3_clear_bindings(ins_b);
}

static void build_store_bulk(const struct layout *l, const char *path)
{
	struct attrib_store *st = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins_b, *ins_s;
	struct stream s;
	struct binding b;
	enum item item;
	int64_t n = 0;
	char err[256];
	double t0 = bench_now();
	int rc = attrib_store_open(path, ATTRIB_STORE_CREATE, &st, err, sizeof(err));

	if (rc < 0)
		bench_die("open %s: %s\n", path, err);
	load_subscribers(l, st);
	attrib_store_close(st);
	bench_figure("subscribers.load", bench_now() - t0, "s");

	t0 = bench_now();
	if (sqlite3_open(path, &db) != SQLITE_OK)
		bench_die("bulk store: cannot open %s\n", path);
	bulk_sql(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; BEGIN");
	bulk_sql(db, "INSERT OR IGNORE INTO prefix_len (family, plen) VALUES (4, 32)");
	ins_b = bulk_prepare(db, "INSERT INTO binding (family, plen, net, start, until, end_time, "
				 "end_reason, expected_end, last_seen, source, server, session_id, "
				 "hwaddr, username, acct_session_id) VALUES (?1, ?2, ?3, ?4, ?5, "
				 "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	ins_s = bulk_prepare(db, "INSERT INTO session (key, nas, start, end_time, end_reason, "
				 "last_seen) VALUES (?1, ?2, ?3, ?4, 'stop', ?4)");
	stream_init(&s, l, false);
	while ((item = stream_next(&s, &b)) != ITEM_END) {
		bulk_binding(l, &b, db, ins_b, ins_s);
		if (++n % (ROUNDS * (int64_t)(l->nd + l->nr) / 10) == 0)
			bench_progress("bench_lookup: %lld bindings written, %.0f s\n",
				       (long long)n, bench_now() - t0);
	}
	sqlite3_finalize(ins_b);
	sqlite3_finalize(ins_s);
	bulk_sql(db, "COMMIT");
	sqlite3_close(db);
	bench_count("build.bindings", n, "bindings");
	bench_figure("build.seconds", bench_now() - t0, "s");
}

/* The rows two stores hold, but for row ids: what --check-bulk compares. */
static const char *const compare_sql[] = {
	"SELECT family, plen, net, start, until, end_time, end_reason, expected_end, last_seen, "
	"confirmed_until, start_inferred, source, server, session_id IS NULL, account, hwaddr, "
	"client_id, duid, iaid, lease_type, remote_id, circuit_id, subscriber_id, username, "
	"calling_station_id, hostname, acct_session_id FROM binding ORDER BY family, net, start",
	"SELECT key, nas, start, end_time, end_reason, last_seen, start_inferred FROM session "
	"ORDER BY key, start",
	"SELECT family, plen FROM prefix_len ORDER BY 1, 2",
	"SELECT kind, value, account, valid_from, valid_to FROM subscriber ORDER BY 1, 2, 4",
};

/* The first column in which the current rows of @p a and @p b differ, or
 * -1 when they are the same. */
static int row_differs(sqlite3_stmt *a, sqlite3_stmt *b)
{
	for (int c = 0; c < sqlite3_column_count(a); c++) {
		int na = sqlite3_column_bytes(a, c), nb = sqlite3_column_bytes(b, c);
		const void *va = sqlite3_column_blob(a, c), *vb = sqlite3_column_blob(b, c);

		if (sqlite3_column_type(a, c) != sqlite3_column_type(b, c) || na != nb ||
		    (na && memcmp(va, vb, (size_t)na) != 0))
			return c;
	}
	return -1;
}

static int64_t compare_stores(const char *a, const char *b)
{
	sqlite3 *da = NULL, *db = NULL;
	int64_t rows = 0;

	if (sqlite3_open_v2(a, &da, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open_v2(b, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		bench_die("cannot open %s and %s\n", a, b);
	for (size_t q = 0; q < sizeof(compare_sql) / sizeof(*compare_sql); q++) {
		const char *what = compare_sql[q] + 7;
		sqlite3_stmt *sa = bulk_prepare(da, compare_sql[q]);
		sqlite3_stmt *sb = bulk_prepare(db, compare_sql[q]);
		int ra, rb, c;

		for (;;) {
			ra = sqlite3_step(sa);
			rb = sqlite3_step(sb);
			if (ra != rb)
				bench_die("bulk store: %s has %s rows than the rules' store\n",
					  what, ra == SQLITE_ROW ? "more" : "fewer");
			if (ra != SQLITE_ROW)
				break;
			c = row_differs(sa, sb);
			if (c >= 0)
				bench_die("bulk store differs from the rules' in %s, row %lld, "
					  "column %s\n", what, (long long)rows,
					  sqlite3_column_name(sa, c));
			rows++;
		}
		sqlite3_finalize(sa);
		sqlite3_finalize(sb);
	}
	sqlite3_close(da);
	sqlite3_close(db);
	return rows;
}

static void build_radacct(const struct layout *l, const char *path)
{
	struct radacct *ra = NULL;
	struct radacct_row row;
	struct stream s;
	struct binding b;
	char session[24], unique[40], user[32], account[16], nas[16], port[32], ip[16];
	int64_t n = 0;
	double t0 = bench_now();
	int rc = radacct_create(path, &ra);

	if (rc == 0)
		rc = radacct_begin(ra);
	stream_init(&s, l, false);
	while (rc == 0 && stream_next(&s, &b) != ITEM_END) {
		int64_t start = binding_start(l, &b), end = binding_end(l, &b);
		bool open = !b.radius && b.r == ROUNDS - 1;
		const char *cause = b.radius ? "User-Request" : "Session-Timeout";

		format_session(&b, session, sizeof(session));
		snprintf(unique, sizeof(unique), "%016" PRIx64 "%016" PRIx64, bench_mix(b.i, b.r),
			 bench_mix(b.r, b.i | (b.radius ? 0x80000000u : 0)));
		binding_identity(l, &b, user, sizeof(user), account, sizeof(account));
		snprintf(nas, sizeof(nas), "%s.%u", b.radius ? "192.0.2" : "198.51.100",
			 1 + b.i % 32);
		snprintf(port, sizeof(port), "ge-0/%u/%u:%u", b.i % 4, b.i / 4 % 48, b.i % 4000);
		format_ip(&b, ip, sizeof(ip));
		row = (struct radacct_row){
			.session_id = session,
			.unique_id = unique,
			.username = user,
			.nas = nas,
			.port_id = port,
			.called = "",
			.calling = b.radius ? "" : user,
			.terminate_cause = open ? "" : cause,
			.framed_protocol = b.radius ? "PPP" : "",
			.framed_ip = ip,
			.start = start,
			.update = open ? start : end,
			.stop = open ? -1 : end,
			.session_time = open ? 0 : end - start,
			.in_octets = (int64_t)(bench_mix(b.i, b.r) >> 30),
			.out_octets = (int64_t)(bench_mix(b.r, b.i) >> 33),
		};
		rc = radacct_insert(ra, &row);
		if (rc == 0 && ++n % BATCH == 0) {
			rc = radacct_commit(ra);
			if (rc == 0)
				rc = radacct_begin(ra);
		}
	}
	if (rc == 0)
		rc = radacct_commit(ra);
	if (rc < 0)
		bench_die("loading radacct failed at row %lld\n", (long long)n);
	radacct_close(ra);
	bench_count("radacct.rows", n, "rows");
	bench_figure("radacct.load.seconds", bench_now() - t0, "s");
}

static struct query *make_queries(const struct layout *l, size_t n, uint64_t seed)
{
	struct query *q = calloc(n, sizeof(*q));
	struct bench_rng rng;

	if (q == NULL)
		bench_die("out of memory\n");
	bench_rng_seed(&rng, seed);
	for (size_t k = 0; k < n; k++) {
		struct binding *b = &q[k].b;
		int64_t start, end;

		b->radius = bench_rng_below(&rng, RADIUS_PART) == 0;
		b->i = (uint32_t)bench_rng_below(&rng, pool_size(l, b->radius));
		b->r = (uint32_t)bench_rng_below(&rng, ROUNDS);
		start = binding_start(l, b) * USEC;
		end = binding_end(l, b) * USEC;
		q[k].t = start + (int64_t)bench_rng_below(&rng, (uint64_t)(end - start));
		format_ip(b, q[k].ip, sizeof(q[k].ip));
		if (attrib_addr_parse(q[k].ip, &q[k].addr, NULL, 0) != 0)
			bench_die("cannot parse generated address %s\n", q[k].ip);
		binding_identity(l, b, q[k].identity, sizeof(q[k].identity), q[k].account,
				 sizeof(q[k].account));
	}
	return q;
}

static void report_wrong(const char *who, const struct query *q, const char *got)
{
	char when[ATTRIB_TIME_STRLEN];

	fprintf(stderr, "%s: wrong answer for %s at %s: got %s, want %s / %s\n", who, q->ip,
		attrib_time_format(q->t, when), got, q->account, q->identity);
}

/* One timed pass: its questions, how many were asked in the time allowed,
 * and the rate. */
struct pass {
	const struct query *q;
	size_t n, done;
	double rate;
};

/* The timed passes, on one connection: the first meets a cold page cache,
 * the second (other questions) one warmed as a long-running daemon's is.
 * Each counts the answers that are not the one binding the generator put
 * there. */
static void lookup_attrib(const char *path, struct pass *p, size_t np, int64_t *wrong)
{
	struct attrib_policy pol = attrib_policy_default();
	struct attrib_store *st = NULL;
	struct attrib_answer ans;
	char err[256], got[160];
	int rc = attrib_store_open(path, ATTRIB_STORE_READONLY, &st, err, sizeof(err));

	if (rc < 0)
		bench_die("open %s: %s\n", path, err);
	for (size_t i = 0; i < np; i++) {
		const struct query *q = p[i].q;
		double t0 = bench_now();
		size_t k;

		for (k = 0; k < p[i].n; k++) {
			if (k % READ_BATCH == 0) {
				attrib_store_read_end(st, 0);
				if (bench_now() - t0 > MAX_SECONDS)
					break;
				attrib_store_read_begin(st);
			}
			memset(&ans, 0, sizeof(ans));
			rc = attrib_lookup(st, &pol, &q[k].addr, q[k].t, 0, &ans);
			if (rc < 0 || ans.status != ATTRIB_STATUS_MATCH ||
			    strcmp(ans.account, q[k].account) != 0) {
				if ((*wrong)++ < 5) {
					snprintf(got, sizeof(got), "%s %s (%zu candidates, rc %d)",
						 attrib_status_name(ans.status), ans.account,
						 ans.n, rc);
					report_wrong("attrib", &q[k], got);
				}
			}
			attrib_answer_free(&ans);
		}
		attrib_store_read_end(st, 0);
		p[i].done = k;
		p[i].rate = (double)k / (bench_now() - t0);
	}
	attrib_store_close(st);
}

static void lookup_radacct(const char *path, struct pass *p, size_t np, int64_t *wrong)
{
	struct radacct *ra = NULL;
	char user[64], plan[512], got[96];
	int rows;

	if (radacct_open(path, RADACCT_CACHE_KIB, RADACCT_MMAP, &ra) < 0)
		bench_die("cannot open %s for lookups\n", path);
	radacct_plan(ra, plan, sizeof(plan));
	printf("# radacct plan: %s\n", plan);
	for (size_t i = 0; i < np; i++) {
		const struct query *q = p[i].q;
		double t0 = bench_now();
		size_t k;

		bool open = false;

		for (k = 0; k < p[i].n; k++) {
			if (k % READ_BATCH == 0) {
				if (open)
					radacct_commit(ra);
				open = false;
				if (bench_now() - t0 > MAX_SECONDS)
					break;
				radacct_begin(ra);
				open = true;
			}
			user[0] = '\0';
			rows = radacct_lookup(ra, q[k].ip, q[k].t / USEC, user, sizeof(user));
			if (rows != 1 || strcmp(user, q[k].identity) != 0) {
				if ((*wrong)++ < 5) {
					snprintf(got, sizeof(got), "%d rows, first %s", rows, user);
					report_wrong("radacct", &q[k], got);
				}
			}
		}
		if (open)
			radacct_commit(ra);
		p[i].done = k;
		p[i].rate = (double)k / (bench_now() - t0);
	}
	radacct_close(ra);
}

static void print_passes(const char *who, const struct pass *p)
{
	char name[64];

	snprintf(name, sizeof(name), "lookup.%s.cold.count", who);
	bench_count(name, (int64_t)p[0].done, "lookups");
	snprintf(name, sizeof(name), "lookup.%s.cold.rate", who);
	bench_figure(name, p[0].rate, "lookups/s");
	snprintf(name, sizeof(name), "lookup.%s.count", who);
	bench_count(name, (int64_t)p[1].done, "lookups");
	snprintf(name, sizeof(name), "lookup.%s.rate", who);
	bench_figure(name, p[1].rate, "lookups/s");
}

/* queries.tsv for --make-store: address, time, the account the answer
 * names; one line per query. */
static void write_queries(const struct query *q, size_t n, const char *path)
{
	char when[ATTRIB_TIME_STRLEN];
	FILE *f = fopen(path, "w");

	if (!f)
		bench_die("cannot write %s\n", path);
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s\t%s\t%s\n", q[k].ip, attrib_time_format(q[k].t, when), q[k].account);
	if (fclose(f) != 0)
		bench_die("cannot write %s\n", path);
}

/* This benchmark's own options, taken out of @p argv (the rest is the
 * scale, for bench_scale()). */
struct opts {
	const char *make, *on_store;
	long queries; /* --queries N, with --make-store; 0: as many as the run makes */
	bool via_rules, check;
};

static int take_opts(int argc, char **argv, struct opts *o)
{
	int n = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--make-store") == 0 && i + 1 < argc)
			o->make = argv[++i];
		else if (strcmp(argv[i], "--on-store") == 0 && i + 1 < argc)
			o->on_store = argv[++i];
		else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
			o->queries = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--via-rules") == 0)
			o->via_rules = true;
		else if (strcmp(argv[i], "--check-bulk") == 0)
			o->check = true;
		else
			argv[n++] = argv[i];
	}
	return n;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	double scale = bench_scale(take_opts(argc, argv, &o), argv, DEFAULT_SCALE);
	int64_t want = bench_scaled(FULL_BINDINGS, scale, 2000);
	size_t nq = (size_t)bench_scaled(FULL_LOOKUPS, scale < 0.1 ? scale * 10 : 1.0, 1000);
	struct layout l;
	struct query *q, *q2;
	char dir[4096], store[4200], radacct[4200];
	int64_t wrong_a = 0, wrong_r = 0, bindings, size;
	int rc;

	l.nr = (uint32_t)(want / ROUNDS / RADIUS_PART);
	l.nd = (uint32_t)(want / ROUNDS) - l.nr;
	bindings = (int64_t)ROUNDS * (l.nd + l.nr);
	if (l.nd >= (1u << 24))
		bench_die("scale too large: hardware addresses would run out\n");
	if (o.make) {
		snprintf(store, sizeof(store), "%s/store.db", o.make);
		snprintf(radacct, sizeof(radacct), "%s/queries.tsv", o.make);
		build_store_bulk(&l, store);
		if (o.queries > 0)
			nq = (size_t)o.queries;
		q = make_queries(&l, nq, BENCH_SEED ^ 0x100c);
		write_queries(q, nq, radacct);
		free(q);
		return 0;
	}
	q = make_queries(&l, nq, BENCH_SEED ^ 0x100c);
	q2 = make_queries(&l, nq, BENCH_SEED ^ 0x200c);
	struct pass pa[2] = { { .q = q2, .n = nq }, { .q = q, .n = nq } };
	struct pass pr[2] = { { .q = q2, .n = nq }, { .q = q, .n = nq } };

	if (o.on_store) {
		snprintf(store, sizeof(store), "%s/store.db", o.on_store);
		lookup_attrib(store, pa, 2, &wrong_a);
		print_passes("attrib", pa);
		bench_count("lookup.attrib.wrong", wrong_a, "answers");
		free(q2);
		free(q);
		return wrong_a == 0 ? 0 : 1;
	}
	rc = bench_tmpdir(dir, sizeof(dir));
	if (rc < 0)
		bench_die("cannot make a scratch directory: %s\n", strerror(-rc));
	snprintf(store, sizeof(store), "%s/store.db", dir);
	snprintf(radacct, sizeof(radacct), "%s/radacct.db", dir);
	if (o.check) {
		/* The bulk store against the rules' own, row for row. */
		build_store(&l, store);
		build_store_bulk(&l, radacct);
		bench_count("check.rows_equal", compare_stores(store, radacct), "rows");
		bench_tmpdir_remove(dir);
		free(q2);
		free(q);
		return 0;
	}

	printf("# bench_lookup: lookups/s and bytes/binding of a store of %lld bindings,\n"
	       "# against FreeRADIUS 3.2 radacct (SQLite, shipped schema and indexes) on the same"
	       " data\n",
	       (long long)bindings);
	printf("# scale %g (--scale or ATTRIB_BENCH_SCALE), seed %#llx; target %.0f lookups/s\n",
	       scale, (unsigned long long)BENCH_SEED, TARGET_RATE);
	printf("# store built %s\n",
	       o.via_rules ? "through the rules (--via-rules)"
			   : "by writing the rows the rules would leave (no event or evidence "
			     "rows; --via-rules for those)");
	printf("# %u DHCPv4 and %u PPPoE addresses, %d bindings each over %d days; radacct times"
	       " are epoch integers, as FreeRADIUS 3.2's sqlite queries write them\n",
	       l.nd, l.nr, ROUNDS, ROUNDS * ROUND / 86400);

	if (o.via_rules)
		build_store(&l, store);
	else
		build_store_bulk(&l, store);
	size = bench_db_size(store);
	bench_count("store.bytes", size, "bytes");
	bench_figure("store.bytes_per_binding", (double)size / (double)bindings, "bytes");
	bench_db_breakdown(store, "store.size", bindings, "binding");

	build_radacct(&l, radacct);
	size = bench_db_size(radacct);
	bench_count("radacct.bytes", size, "bytes");
	bench_figure("radacct.bytes_per_row", (double)size / (double)bindings, "bytes");
	bench_db_breakdown(radacct, "radacct.size", bindings, "row");

	/* radacct was loaded without syncs: its writeback must not run on
	 * into the timed lookups. */
	bench_fsync(store);
	bench_fsync(radacct);
	printf("# each side answers %zu questions on a cold cache, then %zu others: the rate\n"
	       "# is the second pass's, as a running daemon sees it; %d lookups a read\n"
	       "# transaction on both sides, as attribd answers a batch\n", nq, nq, READ_BATCH);
	lookup_attrib(store, pa, 2, &wrong_a);
	print_passes("attrib", pa);
	bench_figure("lookup.attrib.target_ratio", pa[1].rate / TARGET_RATE, "x");
	bench_count("lookup.attrib.wrong", wrong_a, "answers");
	lookup_radacct(radacct, pr, 2, &wrong_r);
	print_passes("radacct", pr);
	bench_count("lookup.radacct.wrong", wrong_r, "answers");
	bench_figure("lookup.attrib_vs_radacct", pa[1].rate / pr[1].rate, "x");
	bench_figure("lookup.attrib_vs_radacct.cold", pa[0].rate / pr[0].rate, "x");

	free(q2);
	free(q);
	bench_tmpdir_remove(dir);
	return wrong_a == 0 && wrong_r == 0 ? 0 : 1;
}
