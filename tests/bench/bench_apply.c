/* SPDX-License-Identifier: GPL-3.0-or-later
 * bench_apply: how many events per second one store takes on one core.  A
 * simulated ISP (DHCPv4 clients renewing at half lifetime, releasing, leaving
 * silently and having their address handed to someone else, and PPPoE users
 * with RADIUS start, interim and stop) produces a time-ordered stream that is
 * applied in transactions of ATTRIB_BENCH_BATCH events (unless set, as many as attribd
 * applies in one: ATTRIB_INGEST_BATCH_DEFAULT). */
#include "bench_common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/addr.h"
#include "attrib/event.h"
#include "attrib/ingest.h"
#include "attrib/store.h"

#define FULL_EVENTS      1000000
#define FULL_SUBSCRIBERS 100000
#define TARGET_RATE      200000.0 /* events/s */

#define USEC        1000000LL
#define T0          (1767225600LL * USEC) /* 2026-01-01T00:00:00Z */
#define LIFETIME    3600                  /* s, DHCPv4 valid lifetime */
#define INTERIM     (900 * USEC)          /* RADIUS interim interval */
#define RADIUS_PART 5                     /* one subscriber in 5 is a PPPoE user */
#define NAS_COUNT   16

/* One generated event in a compact form; it is turned into a full
 * struct attrib_event just before being applied, outside the timed part. */
struct gen_event {
	int64_t t;
	uint32_t sub;
	uint32_t addr;         /* index into the subscriber kind's pool */
	uint32_t session;      /* RADIUS: the subscriber's session number */
	uint32_t session_time; /* s */
	enum attrib_event_type type;
};

struct sub {
	bool radius;
	bool online;
	bool start_lost; /* the session's binding waits for its first interim or stop */
	uint32_t addr;
	uint32_t session;
	int64_t lease_end; /* DHCP: expected end of the current lease */
	int64_t sess_start;
	int64_t sess_end;
};

/* An address pool: a ring of free addresses and, for DHCP, a ring of
 * addresses whose holder left without a release and whose lease still runs
 * until free_at. */
struct pool {
	uint32_t *free;
	size_t cap, head, n;
	struct bench_timed *held; /* .v: holder << 32 | address */
	size_t hhead, hn;
};

struct gen {
	struct bench_rng rng;
	struct sub *subs;
	uint32_t nsubs;
	struct bench_heap heap;
	struct pool dhcp, radius;
	struct gen_event *ev;
	size_t nev, want;
	int64_t new_bindings; /* what the rules should make of the stream */
	int64_t supersedes, lost_starts;
};

static void pool_init(struct pool *p, size_t cap)
{
	p->free = calloc(cap, sizeof(*p->free));
	p->held = calloc(cap, sizeof(*p->held));
	if (p->free == NULL || p->held == NULL)
		bench_die("out of memory\n");
	p->cap = cap;
	for (size_t i = 0; i < cap; i++)
		p->free[i] = (uint32_t)i;
	p->n = cap;
}

static void pool_put(struct pool *p, uint32_t addr)
{
	p->free[(p->head + p->n++) % p->cap] = addr;
}

static void pool_hold(struct pool *p, uint32_t addr, uint32_t holder, int64_t free_at)
{
	p->held[(p->hhead + p->hn++) % p->cap] =
		(struct bench_timed){ free_at, (uint64_t)holder << 32 | addr };
}

/* Hand out an address to subscriber @p sub: a free one, after returning the
 * held ones whose lease has run out.  One allocation in a hundred, or when
 * nothing is free, takes a held address early, as a server does that
 * reclaims a lease; the rules must then end the silent holder's binding
 * (superseded), unless the holder is @p sub itself, whose binding goes on.
 * @return the address; *fresh is false when it continues a binding. */
static uint32_t pool_get(struct gen *g, struct pool *p, uint32_t sub, int64_t now, bool *fresh)
{
	uint64_t held;
	uint32_t a;

	*fresh = true;
	while (p->hn > 0 && p->held[p->hhead].t <= now) {
		pool_put(p, (uint32_t)p->held[p->hhead].v);
		p->hhead = (p->hhead + 1) % p->cap;
		p->hn--;
	}
	if (p->hn > 0 && (p->n == 0 || bench_rng_below(&g->rng, 100) == 0)) {
		held = p->held[p->hhead].v;
		p->hhead = (p->hhead + 1) % p->cap;
		p->hn--;
		*fresh = held >> 32 != sub;
		g->supersedes += *fresh;
		return (uint32_t)held;
	}
	if (p->n == 0)
		bench_die("address pool exhausted\n");
	a = p->free[p->head];
	p->head = (p->head + 1) % p->cap;
	p->n--;
	return a;
}

static void emit(struct gen *g, enum attrib_event_type type, int64_t t, uint32_t i)
{
	struct sub *s = &g->subs[i];
	struct gen_event *e = &g->ev[g->nev++];

	if (s->start_lost) {
		s->start_lost = false;
		g->new_bindings++;
	}
	e->t = t;
	e->sub = i;
	e->addr = s->addr;
	e->session = s->session;
	e->session_time = s->radius ? (uint32_t)((t - s->sess_start) / USEC) : 0;
	e->type = type;
}

/* A DHCPv4 client's next step: a new lease when offline; when online, a
 * renewal at half lifetime, or now and then a release or a silent exit. */
static int64_t dhcp_step(struct gen *g, uint32_t i, int64_t t)
{
	struct sub *s = &g->subs[i];
	bool fresh;
	double u;

	if (!s->online) {
		s->addr = pool_get(g, &g->dhcp, i, t, &fresh);
		s->online = true;
		s->lease_end = t + LIFETIME * USEC;
		g->new_bindings += fresh;
		emit(g, ATTRIB_EV_LEASE_COMMIT, t, i);
		return t + LIFETIME * USEC / 2 + (int64_t)bench_rng_below(&g->rng, 10 * USEC);
	}
	u = bench_rng_unit(&g->rng);
	if (u < 0.02) {
		emit(g, ATTRIB_EV_LEASE_RELEASE, t, i);
		pool_put(&g->dhcp, s->addr);
		s->online = false;
		return t + bench_rng_exp(&g->rng, 2 * 3600 * USEC);
	}
	if (u < 0.05) {
		pool_hold(&g->dhcp, s->addr, i, s->lease_end);
		s->online = false;
		return t + bench_rng_exp(&g->rng, 4 * 3600 * USEC);
	}
	s->lease_end = t + LIFETIME * USEC;
	emit(g, ATTRIB_EV_LEASE_COMMIT, t, i);
	return t + LIFETIME * USEC / 2 + (int64_t)bench_rng_below(&g->rng, 10 * USEC);
}

/* A PPPoE user's next step: a session (start, interims, stop at its drawn
 * end), then a pause.  One start in 200 is lost on the way, so the first
 * interim has to open the binding. */
static int64_t radius_step(struct gen *g, uint32_t i, int64_t t)
{
	struct sub *s = &g->subs[i];
	bool fresh;
	int64_t dur;

	if (!s->online) {
		dur = bench_rng_exp(&g->rng, 6 * 3600 * USEC);
		s->session++;
		s->addr = pool_get(g, &g->radius, i, t, &fresh);
		s->online = true;
		s->sess_start = t;
		s->sess_end = t + (dur < 60 * USEC ? 60 * USEC : dur);
		if (bench_rng_below(&g->rng, 200) == 0) {
			s->start_lost = true;
			g->lost_starts++;
		} else {
			g->new_bindings++;
			emit(g, ATTRIB_EV_ACCT_START, t, i);
		}
	} else if (t >= s->sess_end) {
		emit(g, ATTRIB_EV_ACCT_STOP, t, i);
		pool_put(&g->radius, s->addr);
		s->online = false;
		return t + 60 * USEC + bench_rng_exp(&g->rng, 1800 * USEC);
	} else {
		emit(g, ATTRIB_EV_ACCT_INTERIM, t, i);
	}
	t += INTERIM + (int64_t)bench_rng_below(&g->rng, USEC);
	return t < s->sess_end ? t : s->sess_end;
}

static void generate(struct gen *g, uint32_t nsubs, size_t want)
{
	uint32_t nradius = nsubs / RADIUS_PART;

	bench_rng_seed(&g->rng, BENCH_SEED);
	g->nsubs = nsubs;
	g->want = want;
	g->subs = calloc(nsubs, sizeof(*g->subs));
	g->ev = calloc(want, sizeof(*g->ev));
	bench_heap_init(&g->heap, nsubs);
	if (g->subs == NULL || g->ev == NULL)
		bench_die("out of memory\n");
	pool_init(&g->dhcp, (nsubs - nradius) + (nsubs - nradius) / 10 + 16);
	pool_init(&g->radius, nradius + nradius / 10 + 16);

	/* Everyone comes online within the first half hour. */
	for (uint32_t i = 0; i < nsubs; i++) {
		g->subs[i].radius = i % RADIUS_PART == 0;
		bench_heap_push(&g->heap, T0 + (int64_t)bench_rng_below(&g->rng, 1800 * USEC), i);
	}
	while (g->nev < want) {
		struct bench_timed w = bench_heap_pop(&g->heap);
		uint32_t i = (uint32_t)w.v;
		int64_t next;

		if (g->subs[i].radius)
			next = radius_step(g, i, w.t);
		else
			next = dhcp_step(g, i, w.t);
		bench_heap_push(&g->heap, next, i);
	}
}

static void gen_free(struct gen *g)
{
	free(g->subs);
	free(g->ev);
	free(g->dhcp.free);
	free(g->dhcp.held);
	free(g->radius.free);
	free(g->radius.held);
	bench_heap_free(&g->heap);
}

static void format_account(uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "A%07" PRIu32, i);
}

static void pool_address(bool radius, uint32_t a, struct attrib_prefix *out)
{
	char text[32];
	uint32_t base = radius ? 0x64400000u : 0x0a000000u; /* 100.64/10, 10/8 */
	uint32_t v = base + a;

	bench_ipv4(v, text, sizeof(text));
	if (attrib_addr_parse(text, out, NULL, 0) != 0)
		bench_die("cannot parse generated address %s\n", text);
}

static void fill_event(const struct gen *g, const struct gen_event *e, struct attrib_event *ev)
{
	const struct sub *s = &g->subs[e->sub];

	memset(ev, 0, sizeof(*ev));
	ev->type = e->type;
	ev->naddr = 1;
	pool_address(s->radius, e->addr, &ev->addr[0]);
	if (!s->radius) {
		bench_mac(e->sub, ev->id.hwaddr, sizeof(ev->id.hwaddr));
		ev->source = ATTRIB_SRC_DHCP4;
		ev->time = e->t;
		snprintf(ev->server, sizeof(ev->server), "kea-%u", 1 + e->sub % 2);
		if (e->type == ATTRIB_EV_LEASE_COMMIT) {
			ev->valid_lifetime = LIFETIME;
			ev->has |= ATTRIB_HAS_LIFETIME;
		}
		return;
	}
	ev->source = ATTRIB_SRC_RADIUS;
	ev->arrival = e->t;
	ev->event_ts = e->t / USEC * USEC; /* Event-Timestamp has whole seconds */
	ev->has |= ATTRIB_HAS_EVENT_TS;
	snprintf(ev->nas, sizeof(ev->nas), "192.0.2.%u", 1 + e->sub % NAS_COUNT);
	snprintf(ev->session_id, sizeof(ev->session_id), "%08" PRIx32 "%04" PRIx32, e->sub,
		 e->session);
	bench_user(e->sub, ev->id.username, sizeof(ev->id.username));
	bench_mac(e->sub, ev->id.calling_station_id, sizeof(ev->id.calling_station_id));
	if (e->type != ATTRIB_EV_ACCT_START) {
		ev->session_time = e->session_time;
		ev->has |= ATTRIB_HAS_SESSION_TIME;
	}
}

static void load_subscribers(const struct gen *g, struct attrib_store *st)
{
	char value[64], account[32];
	int rc;

	if (attrib_store_begin(st) != 0)
		bench_die("begin: %s\n", attrib_store_errmsg(st));
	for (uint32_t i = 0; i < g->nsubs; i++) {
		format_account(i, account, sizeof(account));
		if (g->subs[i].radius) {
			bench_user(i, value, sizeof(value));
			rc = attrib_store_add_subscriber(st, "username", value, account,
							 T0 - 365 * 86400 * USEC, INT64_MAX);
		} else {
			bench_mac(i, value, sizeof(value));
			rc = attrib_store_add_subscriber(st, "hwaddr", value, account,
							 T0 - 365 * 86400 * USEC, INT64_MAX);
		}
		if (rc < 0)
			bench_die("add subscriber %s: %s (%s)\n", value, strerror(-rc),
				  attrib_store_errmsg(st));
	}
	if (attrib_store_commit(st) != 0)
		bench_die("commit: %s\n", attrib_store_errmsg(st));
}

static size_t batch_size(void)
{
	const char *s = getenv("ATTRIB_BENCH_BATCH");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

	return v > 0 && v <= 100000 ? (size_t)v : ATTRIB_INGEST_BATCH_DEFAULT;
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv, 1.0);
	size_t want = (size_t)bench_scaled(FULL_EVENTS, scale, 1000);
	uint32_t nsubs = (uint32_t)bench_scaled(FULL_SUBSCRIBERS, scale, 100);
	size_t batch = batch_size();
	struct attrib_policy pol = attrib_policy_default();
	struct attrib_store_counts counts;
	struct attrib_store *st = NULL;
	struct attrib_event *evs;
	struct gen g = { 0 };
	char dir[4096], path[4200], err[256];
	double t0, apply_wall = 0, apply_cpu = 0, rate;
	bool wrong = false;
	int64_t repeats = 0, per_type[ATTRIB_EV__COUNT] = { 0 };
	int rc;

	printf("# bench_apply: events/s into one store, one core, %zu events per transaction\n",
	       batch);
	printf("# scale %g (--scale or ATTRIB_BENCH_SCALE), seed %#llx; target %.0f events/s\n",
	       scale, (unsigned long long)BENCH_SEED, TARGET_RATE);
	evs = calloc(batch, sizeof(*evs));
	if (evs == NULL)
		bench_die("out of memory\n");

	t0 = bench_now();
	generate(&g, nsubs, want);
	bench_progress("bench_apply: generated %zu events in %.1f s\n", g.nev, bench_now() - t0);
	for (size_t i = 0; i < g.nev; i++)
		per_type[g.ev[i].type]++;

	rc = bench_tmpdir(dir, sizeof(dir));
	if (rc < 0)
		bench_die("cannot make a scratch directory: %s\n", strerror(-rc));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	rc = attrib_store_open(path, ATTRIB_STORE_CREATE, &st, err, sizeof(err));
	if (rc < 0)
		bench_die("open %s: %s\n", path, err);

	t0 = bench_now();
	load_subscribers(&g, st);
	bench_figure("subscribers.load", bench_now() - t0, "s");

	for (size_t done = 0; done < g.nev; done += batch) {
		size_t n = g.nev - done < batch ? g.nev - done : batch;
		double w, c;

		for (size_t i = 0; i < n; i++)
			fill_event(&g, &g.ev[done + i], &evs[i]);
		w = bench_now();
		c = bench_cpu();
		if (attrib_store_begin(st) != 0)
			bench_die("begin: %s\n", attrib_store_errmsg(st));
		for (size_t i = 0; i < n; i++) {
			rc = attrib_store_apply(st, &pol, &evs[i]);
			if (rc < 0)
				bench_die("apply event %zu (%s): %s (%s)\n", done + i,
					  attrib_event_type_name(evs[i].type), strerror(-rc),
					  attrib_store_errmsg(st));
			repeats += rc == 0;
		}
		if (attrib_store_commit(st) != 0)
			bench_die("commit: %s\n", attrib_store_errmsg(st));
		apply_wall += bench_now() - w;
		apply_cpu += bench_cpu() - c;
	}

	rate = (double)g.nev / apply_wall;
	bench_count("subscribers", nsubs, "subscribers");
	bench_count("events", (int64_t)g.nev, "events");
	bench_count("events.lease_commit", per_type[ATTRIB_EV_LEASE_COMMIT], "events");
	bench_count("events.lease_release", per_type[ATTRIB_EV_LEASE_RELEASE], "events");
	bench_count("events.acct_start", per_type[ATTRIB_EV_ACCT_START], "events");
	bench_count("events.acct_interim", per_type[ATTRIB_EV_ACCT_INTERIM], "events");
	bench_count("events.acct_stop", per_type[ATTRIB_EV_ACCT_STOP], "events");
	bench_count("events.superseding", g.supersedes, "events");
	bench_count("events.start_lost", g.lost_starts, "sessions");
	bench_figure("simulated", (double)(g.ev[g.nev - 1].t - T0) / (3600.0 * USEC), "hours");
	bench_count("events.repeats", repeats, "events");
	bench_figure("apply.seconds", apply_wall, "s");
	bench_figure("apply.cpu", apply_cpu, "s");
	bench_figure("apply.rate", rate, "events/s");
	bench_figure("apply.per_event", apply_wall * 1e6 / (double)g.nev, "us");
	bench_figure("apply.target_ratio", rate / TARGET_RATE, "x");

	if (attrib_store_counts(st, &counts) == 0) {
		bench_count("store.bindings", counts.bindings, "bindings");
		bench_count("store.bindings_expected", g.new_bindings, "bindings");
		bench_count("store.sessions", counts.sessions, "sessions");
		/* The generator knows how many bindings the rules must make of its
		 * stream; a store that disagrees is applying them wrongly. */
		if (counts.bindings != g.new_bindings) {
			printf("# error: the store has %lld bindings, the generator made %lld\n",
			       (long long)counts.bindings, (long long)g.new_bindings);
			wrong = true;
		}
	}
	attrib_store_close(st);
	bench_figure("store.bytes_per_event", (double)bench_db_size(path) / (double)g.nev, "bytes");
	bench_db_breakdown(path, "store.size", (int64_t)g.nev, "event");
	bench_tmpdir_remove(dir);
	gen_free(&g);
	free(evs);
	return wrong || repeats > 0 ? 1 : 0;
}
