/* SPDX-License-Identifier: GPL-3.0-or-later
 * The shared test fixture: a store per test in a directory of its own, JSON
 * event lines applied through attrib_event_parse() and attrib_store_apply(),
 * and lookups whose failures print readable times. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	char err[256] = "";
	int rc;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/attrib-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		print_error("mkdtemp %s: %s\n", f->dir, strerror(errno));
		goto fail;
	}
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	rc = attrib_store_open(f->path, ATTRIB_STORE_CREATE, &f->st, err, sizeof(err));
	if (rc < 0) {
		print_error("attrib_store_open %s: %d %s\n", f->path, rc, err);
		rmdir(f->dir);
		goto fail;
	}
	f->pol = attrib_policy_default();
	*state = f;
	return 0;

fail:
	free(f);
	return -1;
}

int fx_teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct fx *f = *state;
	char name[320];

	attrib_answer_free(&f->ans);
	if (f->st)
		attrib_store_close(f->st);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", f->path, suffix[i]);
		unlink(name);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

int64_t ut(const char *text)
{
	struct tm tm = { 0 };
	char z = 0, extra = 0;
	int n;

	if (strcmp(text, "open") == 0)
		return INT64_MAX;
	n = sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &extra);
	if (n != 7 || z != 'Z') {
		print_error("ut(\"%s\"): not YYYY-MM-DDTHH:MM:SSZ\n", text);
		fail();
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000LL;
}

/* Text for a time in a failure message, by gmtime_r() rather than the code
 * under test. */
static const char *show(int64_t usec, char *buf, size_t len)
{
	time_t s;
	struct tm tm;
	long frac;

	if (usec == INT64_MAX)
		return "open";
	s = (time_t)(usec / 1000000LL);
	frac = (long)(usec % 1000000LL);
	if (frac < 0) {
		s -= 1;
		frac += 1000000L;
	}
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ (%lld)", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac,
		 (long long)usec);
	return buf;
}

void check_time(int64_t got, const char *want, const char *file, int line)
{
	int64_t w = ut(want);
	char a[80], b[80];

	if (got == w)
		return;
	print_error("time is %s, expected %s\n", show(got, a, sizeof(a)), show(w, b, sizeof(b)));
	_fail(file, line);
}

int apply_rc(struct fx *f, const char *fmt, ...)
{
	struct attrib_event ev;
	char line[4096], err[256] = "";
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	for (char *p = line; *p; p++) {
		if (*p == '\'')
			*p = '"';
	}
	memset(&ev, 0, sizeof(ev));
	rc = attrib_event_parse(line, strlen(line), &ev, err, sizeof(err));
	if (rc != 0) {
		print_error("attrib_event_parse: %d %s\n  %s\n", rc, err, line);
		fail();
	}
	rc = attrib_store_apply(f->st, &f->pol, &ev);
	if (rc < 0)
		print_error("attrib_store_apply: %d (%s)\n  %s\n", rc, attrib_store_errmsg(f->st),
			    line);
	return rc;
}

void lease4(struct fx *f, const char *type, const char *addr, const char *when, int lifetime,
	    const char *who)
{
	char life[40] = "";

	if (lifetime > 0)
		snprintf(life, sizeof(life), "'valid-lifetime':%d,", lifetime);
	apply(f, "{'type':'%s','source':'dhcp4','server':'kea-a','address':'%s','time':'%s',%s%s}",
	      type, addr, when, life, who);
}

void accounting(struct fx *f, const char *type, const char *arrival, const char *rest)
{
	apply(f, "{'type':'%s','arrival':'%s',%s}", type, arrival, rest);
}

void map_identity(struct fx *f, const char *kind, const char *value, const char *account,
		  const char *from, const char *to)
{
	int64_t a = from ? ut(from) : ut("2020-01-01T00:00:00Z");
	int64_t b = to ? ut(to) : INT64_MAX;

	assert_int_equal(attrib_store_add_subscriber(f->st, kind, value, account, a, b), 0);
}

static void parse_addr(const char *addr, struct attrib_prefix *p)
{
	char err[256] = "";

	if (attrib_prefix_parse(addr, p, err, sizeof(err)) != 0) {
		print_error("attrib_prefix_parse(\"%s\"): %s\n", addr, err);
		fail();
	}
}

static void lookup_at(struct fx *f, const char *addr, int64_t t, int tolerance)
{
	struct attrib_prefix p;

	parse_addr(addr, &p);
	attrib_answer_free(&f->ans);
	memset(&f->ans, 0, sizeof(f->ans));
	assert_int_equal(
		attrib_lookup(f->st, &f->pol, &p, t, (int64_t)tolerance * 1000000LL, &f->ans), 0);
}

void lookup(struct fx *f, const char *addr, const char *when, int tolerance)
{
	lookup_at(f, addr, ut(when), tolerance);
}

void history(struct fx *f, const char *addr, const char *from, const char *to)
{
	struct attrib_prefix p;

	parse_addr(addr, &p);
	attrib_answer_free(&f->ans);
	memset(&f->ans, 0, sizeof(f->ans));
	assert_int_equal(attrib_history(f->st, &f->pol, &p, ut(from), ut(to), &f->ans), 0);
}

const struct attrib_candidate *cand(struct fx *f, size_t i)
{
	if (i >= f->ans.n) {
		print_error("candidate %zu asked, the answer has %zu\n", i, f->ans.n);
		fail();
	}
	return &f->ans.cand[i];
}

void check_answer(struct fx *f, enum attrib_status status, size_t n, const char *file, int line)
{
	const char *got = attrib_status_name(f->ans.status);
	const char *want = attrib_status_name(status);

	if (f->ans.status == status && f->ans.n == n)
		return;
	print_error("answer is %s with %zu candidates, expected %s with %zu\n",
		    got ? got : "(bad status)", f->ans.n, want ? want : "(bad status)", n);
	for (size_t i = 0; i < f->ans.n; i++) {
		const struct attrib_candidate *c = &f->ans.cand[i];
		char a[80], b[80], p[ATTRIB_ADDR_STRLEN];

		print_error("  %s [%s, %s) %s account \"%s\" %s=%s\n",
			    attrib_prefix_format(&c->prefix, p), show(c->start, a, sizeof(a)),
			    show(c->end, b, sizeof(b)), c->end_reason, c->account, c->identity_kind,
			    c->identity);
	}
	_fail(file, line);
}

void check_ends_at(struct fx *f, const char *addr, const char *end, const char *file, int line)
{
	int64_t t = ut(end);

	lookup_at(f, addr, t, 0);
	if (f->ans.n != 0) {
		print_error("%s is still held at %s\n", addr, end);
		check_answer(f, ATTRIB_STATUS_NONE, 0, file, line);
	}
	lookup_at(f, addr, t - 1000000LL, 0);
	if (f->ans.n != 1) {
		print_error("%s a second before %s:\n", addr, end);
		check_answer(f, f->ans.status, 1, file, line);
	}
	check_time(f->ans.cand[0].end, end, file, line);
}

int64_t binding_count(struct fx *f)
{
	struct attrib_store_counts c;

	assert_int_equal(attrib_store_counts(f->st, &c), 0);
	return c.bindings;
}
