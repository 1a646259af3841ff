/* SPDX-License-Identifier: GPL-3.0-or-later
 * The writer: rotation by size and age with nothing lost or repeated, four
 * threads at once, heartbeats, the sync policies, and the two ways a hook
 * lives through a journal it cannot write (Kea carries on and counts,
 * FreeRADIUS is told), with the loss record that follows. */
#include "jt.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void notify_cb(void *arg, int err, const char *msg)
{
	struct jt_fx *f = arg;

	print_message("notify: %s: %s\n", msg, err ? strerror(err) : "ok");
	if (err)
		f->notified_err++;
	else
		f->notified_ok++;
}

static struct attrib_journal_config config(struct jt_fx *f)
{
	return (struct attrib_journal_config){
		.dir = f->dir, .server_id = "kea-dhcp4-a", .notify = notify_cb, .notify_arg = f
	};
}

/* What reading back found, besides the counts jt_read gives. */
struct seen {
	unsigned next; /* the event expected next, in a single-writer order */
	bool in_order;
	size_t file;            /* file of the last record */
	bool every_file_so;     /* every file starts with a heartbeat */
	uint64_t sealed_events; /* sum of seals' file_events */
	unsigned rotated, closed;
	struct attrib_journal_loss loss;
	struct attrib_journal_heartbeat last_beat;
};

static void seen_cb(void *arg, size_t file, const struct attrib_journal_record *rec)
{
	struct seen *s = arg;

	if (file != s->file) {
		s->file = file;
		s->every_file_so &= rec->kind == ATTRIB_JOURNAL_REC_HEARTBEAT;
	}
	switch (rec->kind) {
	case ATTRIB_JOURNAL_REC_EVENT:
		s->in_order &= rec->event.subnet_id == s->next;
		s->next++;
		break;
	case ATTRIB_JOURNAL_REC_SEAL:
		s->sealed_events += rec->seal.file_events;
		s->rotated += rec->seal.reason == ATTRIB_JOURNAL_ROTATED;
		s->closed += rec->seal.reason == ATTRIB_JOURNAL_CLOSED;
		break;
	case ATTRIB_JOURNAL_REC_LOSS:
		s->loss = rec->loss;
		break;
	case ATTRIB_JOURNAL_REC_HEARTBEAT:
		s->last_beat = rec->heartbeat;
		break;
	}
}

static void read_back(struct jt_fx *f, struct seen *s, struct jt_read *got)
{
	memset(s, 0, sizeof(*s));
	s->in_order = true;
	s->every_file_so = true;
	s->file = (size_t)-1;
	jt_read_dir(f->dir, seen_cb, s, got);
}

static void append_n(struct attrib_journal_writer *w, unsigned from, unsigned n)
{
	struct attrib_event ev;

	for (unsigned i = from; i < from + n; i++) {
		jt_event(&ev, i);
		assert_int_equal(attrib_journal_append(w, &ev), 0);
	}
}

static void test_rotation_by_size_reads_back_in_order_with_nothing_lost_or_repeated(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct jt_read got;
	struct seen s;
	struct dirent *e;
	DIR *d;

	cfg.max_bytes = 4096;
	cfg.sync = ATTRIB_JOURNAL_SYNC_NONE;
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 1000);
	assert_int_equal(attrib_journal_close(&w), 0);
	assert_null(w);

	read_back(f, &s, &got);
	print_message("%zu files, %zu records\n", got.files, got.n);
	assert_true(got.files > 10);
	assert_int_equal(got.bad_status, 0);
	assert_int_equal(got.events, 1000);
	assert_int_equal(s.next, 1000);
	assert_true(s.in_order);
	assert_true(s.every_file_so);
	assert_int_equal(got.seals, got.files);
	assert_int_equal(s.rotated, got.files - 1);
	assert_int_equal(s.closed, 1);
	assert_int_equal(s.sealed_events, 1000);
	assert_int_equal(got.last_status, ATTRIB_JOURNAL_DONE);
	/* nothing but the journal files is left behind */
	d = opendir(f->dir);
	while ((e = readdir(d)))
		assert_true(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    strstr(e->d_name, ATTRIB_JOURNAL_SUFFIX));
	closedir(d);
}

struct thread_arg {
	struct attrib_journal_writer *w;
	unsigned t, n;
	int failures;
};

#define THREADS    4
#define PER_THREAD 10000

static void *append_thread(void *p)
{
	struct thread_arg *a = p;
	struct attrib_event ev;

	for (unsigned i = 0; i < a->n; i++) {
		jt_event(&ev, a->t << 16 | i);
		a->failures += attrib_journal_append(a->w, &ev) != 0;
	}
	return NULL;
}

struct per_thread {
	unsigned next[THREADS];
	unsigned count[THREADS];
	bool in_order, unknown;
};

static void per_thread_cb(void *arg, size_t file, const struct attrib_journal_record *rec)
{
	struct per_thread *p = arg;
	unsigned t, i;

	(void)file;
	if (rec->kind != ATTRIB_JOURNAL_REC_EVENT)
		return;
	t = rec->event.subnet_id >> 16;
	i = rec->event.subnet_id & 0xffff;
	if (t >= THREADS) {
		p->unknown = true;
		return;
	}
	p->in_order &= i == p->next[t];
	p->next[t] = i + 1;
	p->count[t]++;
}

/* THREADS threads append @p per_thread events each; all must read back once,
 * each thread's in its own order. */
static void threads_append(struct jt_fx *f, enum attrib_journal_sync sync, uint64_t max_bytes,
			   unsigned per_thread)
{
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct thread_arg args[THREADS];
	pthread_t th[THREADS];
	struct per_thread p = { .in_order = true };
	struct attrib_journal_stats st;
	struct jt_read got;

	cfg.sync = sync;
	cfg.max_bytes = max_bytes;
	cfg.sync_ms = 20;
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	for (unsigned t = 0; t < THREADS; t++) {
		args[t] = (struct thread_arg){ .w = w, .t = t, .n = per_thread };
		assert_int_equal(pthread_create(&th[t], NULL, append_thread, &args[t]), 0);
	}
	for (unsigned t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(args[t].failures, 0);
	}
	attrib_journal_stats(w, &st);
	assert_int_equal(st.counts.events, THREADS * per_thread);
	assert_int_equal(st.counts.lost, 0);
	assert_int_equal(attrib_journal_close(&w), 0);

	jt_read_dir(f->dir, per_thread_cb, &p, &got);
	print_message("%zu files\n", got.files);
	assert_true(got.files > 1);
	assert_int_equal(got.bad_status, 0);
	assert_int_equal(got.events, THREADS * per_thread);
	assert_false(p.unknown);
	assert_true(p.in_order); /* so each (thread, i) came exactly once */
	for (unsigned t = 0; t < THREADS; t++)
		assert_int_equal(p.count[t], per_thread);
}

static void test_four_threads_append_40000_events_that_read_back_once_each(void **state)
{
	threads_append(*state, ATTRIB_JOURNAL_SYNC_INTERVAL, 1 << 20, PER_THREAD);
}

/* Appends that wait for their sync share it, and rotations sync the old file
 * while others go on in the new one. */
static void test_four_threads_syncing_every_record_through_rotations(void **state)
{
	threads_append(*state, ATTRIB_JOURNAL_SYNC_EVERY, 8192, 500);
}

/* The journal directory is replaced by a plain file while the writer runs
 * (root ignores permission bits, so a mode change would prove nothing), then
 * put back.  Returns what reading back saw. */
static void lose_the_directory(struct jt_fx *f, enum attrib_journal_on_failure mode, struct seen *s,
			       struct jt_read *got)
{
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct attrib_journal_stats st;
	struct attrib_event ev;
	char away[300];

	cfg.on_failure = mode;
	cfg.retry_ms = 10;
	cfg.sync_ms = 600000; /* no check by the writer's thread: this test does it */
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 100);
	assert_int_equal(attrib_journal_sync(w), 0);

	snprintf(away, sizeof(away), "%s.away", f->dir);
	assert_int_equal(rename(f->dir, away), 0);
	jt_write_file(f->dir, "not a directory\n", 16);
	assert_int_equal(attrib_journal_sync(w), -ENOENT);
	for (unsigned i = 100; i < 150; i++) {
		jt_event(&ev, i);
		assert_int_equal(attrib_journal_append(w, &ev), -ENOTDIR);
	}
	attrib_journal_stats(w, &st);
	assert_int_equal(st.counts.lost, mode == ATTRIB_JOURNAL_CARRY_ON ? 50 : 0);
	assert_int_equal(st.counts.refused, mode == ATTRIB_JOURNAL_REFUSE ? 50 : 0);
	assert_int_equal(st.last_error, ENOTDIR);

	assert_int_equal(unlink(f->dir), 0);
	assert_int_equal(rename(away, f->dir), 0);
	usleep(30000); /* past retry_ms */
	jt_event(&ev, 150);
	assert_int_equal(attrib_journal_append(w, &ev), 0);
	assert_int_equal(attrib_journal_close(&w), 0);
	read_back(f, s, got);
	assert_int_equal(got->bad_status, 0);
	assert_int_equal(got->files, 2);
	assert_int_equal(got->events, 101);
	assert_int_equal(got->losses, 1);
	assert_true(s->loss.first <= s->loss.last);
	assert_int_equal(s->loss.error, ENOTDIR);
	assert_int_equal(f->notified_err, 1);
	assert_int_equal(f->notified_ok, 1);
}

static void test_kea_mode_carries_on_through_a_lost_directory_and_records_the_loss(void **state)
{
	struct jt_fx *f = *state;
	struct jt_read got;
	struct seen s;

	lose_the_directory(f, ATTRIB_JOURNAL_CARRY_ON, &s, &got);
	assert_int_equal(s.loss.lost, 50);
	assert_int_equal(s.loss.refused, 0);
	assert_int_equal(s.last_beat.counts.lost, 50); /* the second file's first record */
}

static void test_radius_mode_is_told_of_each_failure_and_records_the_refusals(void **state)
{
	struct jt_fx *f = *state;
	struct jt_read got;
	struct seen s;

	lose_the_directory(f, ATTRIB_JOURNAL_REFUSE, &s, &got);
	assert_int_equal(s.loss.lost, 0);
	assert_int_equal(s.loss.refused, 50);
}

static void test_events_written_to_a_file_later_deleted_are_counted_lost(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct jt_read got;
	struct seen s;
	char **names, path[600];

	cfg.sync_ms = 600000; /* the test checks, not the writer's thread */
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 100);
	assert_int_equal(attrib_journal_sync(w), 0);
	append_n(w, 100, 20); /* written after the last check... */
	assert_int_equal(jt_names(f->dir, &names), 1);
	snprintf(path, sizeof(path), "%s/%s", f->dir, names[0]);
	jt_names_free(names, 1);
	assert_int_equal(unlink(path), 0); /* ...to a file someone then deletes */
	assert_int_equal(attrib_journal_sync(w), -ENOENT);
	append_n(w, 120, 1);
	assert_int_equal(attrib_journal_close(&w), 0);
	read_back(f, &s, &got);
	assert_int_equal(got.files, 1);
	assert_int_equal(got.events, 1);
	assert_int_equal(s.loss.lost, 20);
	assert_int_equal(s.loss.error, ENOENT);
}

static void test_a_disk_full_mid_record_is_cut_back_and_counted(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct attrib_journal_stats st;
	struct rlimit old, lim;
	struct attrib_event ev;
	struct jt_read got;
	struct seen s;
	unsigned ok = 0, failed = 0;

	signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of a signal */
	cfg.sync = ATTRIB_JOURNAL_SYNC_NONE;
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 10);
	attrib_journal_stats(w, &st);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = st.file_bytes + 150; /* one record fits, the next only in part */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (unsigned i = 10; i < 30; i++) {
		int rc;

		jt_event(&ev, i - failed);
		rc = attrib_journal_append(w, &ev);
		if (rc == 0) {
			ok++;
		} else {
			assert_int_equal(rc, -EFBIG);
			failed++;
		}
	}
	attrib_journal_stats(w, &st);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(failed, 19);
	assert_true(st.file_bytes <= lim.rlim_cur);
	append_n(w, 11, 1);
	assert_int_equal(attrib_journal_close(&w), 0);

	read_back(f, &s, &got);
	assert_int_equal(got.bad_status, 0); /* the part of a record was cut back off */
	assert_int_equal(got.events, 12);
	assert_true(s.in_order);
	assert_int_equal(s.loss.lost, 19);
	assert_int_equal(s.loss.error, EFBIG);
}

static void test_heartbeats_come_at_their_interval_with_the_counts(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct jt_read got;
	struct seen s;

	cfg.heartbeat_ms = 30;
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 3);
	usleep(250000);
	assert_int_equal(attrib_journal_close(&w), 0);
	read_back(f, &s, &got);
	print_message("%zu heartbeats in 250 ms\n", got.heartbeats);
	assert_true(got.heartbeats >= 5 && got.heartbeats <= 11);
	assert_int_equal(s.last_beat.interval_ms, 30);
	assert_int_equal(s.last_beat.counts.events, 3);
}

static void test_a_file_is_rotated_by_age_by_the_writers_thread(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct jt_read got;
	struct seen s;

	cfg.max_age_s = 1;
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 1);
	usleep(1300000);
	append_n(w, 1, 1);
	assert_int_equal(attrib_journal_close(&w), 0);
	read_back(f, &s, &got);
	assert_int_equal(got.files, 2);
	assert_int_equal(s.rotated, 1);
	assert_int_equal(got.events, 2);
	assert_true(s.in_order);
}

static void test_every_record_sync_and_an_explicit_rotate(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w;
	struct jt_read got;
	struct seen s;

	cfg.sync = ATTRIB_JOURNAL_SYNC_EVERY;
	cfg.on_failure = ATTRIB_JOURNAL_REFUSE;
	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	append_n(w, 0, 10);
	assert_int_equal(attrib_journal_rotate(w), 0);
	append_n(w, 10, 10);
	assert_int_equal(attrib_journal_sync(w), 0);
	assert_int_equal(attrib_journal_close(&w), 0);
	read_back(f, &s, &got);
	assert_int_equal(got.files, 2);
	assert_int_equal(got.events, 20);
	assert_true(s.in_order);
	assert_int_equal(s.sealed_events, 20);
}

static void test_close_is_idempotent_and_open_checks_its_configuration(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = config(f);
	struct attrib_journal_writer *w = NULL;
	char missing[300];

	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	assert_int_equal(attrib_journal_close(&w), 0);
	assert_null(w);
	assert_int_equal(attrib_journal_close(&w), 0);
	assert_int_equal(attrib_journal_close(NULL), 0);

	snprintf(missing, sizeof(missing), "%s/missing", f->dir);
	cfg.dir = missing;
	assert_int_equal(attrib_journal_open(&cfg, &w), -ENOENT);
	assert_null(w);
	cfg = config(f);
	cfg.server_id = "kea/a";
	assert_int_equal(attrib_journal_open(&cfg, &w), -EINVAL);
	cfg.server_id = NULL;
	assert_int_equal(attrib_journal_open(&cfg, &w), -EINVAL);
	cfg = config(f);
	cfg.sync = 7;
	assert_int_equal(attrib_journal_open(&cfg, &w), -EINVAL);
	cfg = config(f);
	cfg.dir = NULL;
	assert_int_equal(attrib_journal_open(&cfg, &w), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, jt_setup, jt_teardown)
		T(test_rotation_by_size_reads_back_in_order_with_nothing_lost_or_repeated),
		T(test_four_threads_append_40000_events_that_read_back_once_each),
		T(test_four_threads_syncing_every_record_through_rotations),
		T(test_kea_mode_carries_on_through_a_lost_directory_and_records_the_loss),
		T(test_radius_mode_is_told_of_each_failure_and_records_the_refusals),
		T(test_events_written_to_a_file_later_deleted_are_counted_lost),
		T(test_a_disk_full_mid_record_is_cut_back_and_counted),
		T(test_heartbeats_come_at_their_interval_with_the_counts),
		T(test_a_file_is_rotated_by_age_by_the_writers_thread),
		T(test_every_record_sync_and_an_explicit_rotate),
		T(test_close_is_idempotent_and_open_checks_its_configuration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
