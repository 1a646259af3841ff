/* SPDX-License-Identifier: GPL-3.0-or-later
 * The reader against what a disk can hold: a tail cut at every byte, zeros a
 * crash left, garbage appended, a bit flipped in the middle, data after the
 * seal, stored positions good and bad, and a writer killed mid-run. */
#include "jt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A journal file built in memory, so that every byte is known. */
struct img {
	uint8_t buf[65536];
	size_t len;
	size_t start[32]; /* where record i starts; start[nrec] is the end */
	size_t nrec;
};

static void img_init(struct img *m, unsigned events)
{
	struct attrib_journal_header h = { .pid = 1, .seq = 1, .started = 1, .created = 2 };
	struct attrib_event ev;
	int n;

	strcpy(h.server_id, "test");
	n = attrib_journal_header_encode(&h, m->buf, sizeof(m->buf));
	assert_true(n > 0);
	m->len = (size_t)n;
	m->nrec = 0;
	for (unsigned i = 0; i < events; i++) {
		jt_event(&ev, i);
		m->start[m->nrec++] = m->len;
		n = attrib_journal_encode_event(&ev, m->buf + m->len, sizeof(m->buf) - m->len);
		assert_true(n > 0);
		m->len += (size_t)n;
	}
	m->start[m->nrec] = m->len;
}

/* Read @p n events from @p r and check each is event i of jt_event(). */
static void expect_events(struct attrib_journal_reader *r, unsigned from, unsigned n)
{
	static struct attrib_journal_record rec;
	static struct attrib_event want;

	for (unsigned i = from; i < from + n; i++) {
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_OK);
		assert_int_equal(rec.kind, ATTRIB_JOURNAL_REC_EVENT);
		jt_event(&want, i);
		assert_memory_equal(&rec.event, &want, sizeof(want));
	}
}

static void test_a_tail_cut_at_any_byte_reads_whole_records_then_torn_and_resumes(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	static struct attrib_journal_record rec;

	img_init(&m, 5);
	for (size_t cut = m.start[4]; cut < m.len; cut++) {
		struct attrib_journal_reader *r;
		int fd;

		jt_write_file(f->path, m.buf, cut);
		assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
		expect_events(r, 0, 4);
		assert_int_equal(attrib_journal_next(r, &rec),
				 cut == m.start[4] ? ATTRIB_JOURNAL_END : ATTRIB_JOURNAL_TORN);
		assert_int_equal(attrib_journal_tell(r), m.start[4]);
		/* asking again changes nothing */
		assert_int_equal(attrib_journal_next(r, &rec),
				 cut == m.start[4] ? ATTRIB_JOURNAL_END : ATTRIB_JOURNAL_TORN);

		/* the writer finishes the record: the same reader goes on */
		fd = open(f->path, O_WRONLY | O_APPEND);
		assert_int_equal(write(fd, m.buf + cut, m.len - cut), (ssize_t)(m.len - cut));
		close(fd);
		expect_events(r, 4, 1);
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_END);
		assert_int_equal(attrib_journal_tell(r), m.len);
		attrib_journal_reader_close(r);
	}
}

static void test_zeros_after_the_last_record_are_torn_and_inside_are_corrupt(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	static struct attrib_journal_record rec;
	struct attrib_journal_reader *r;

	img_init(&m, 3);
	memset(m.buf + m.len, 0, 300); /* a crash left the size but not the data */
	jt_write_file(f->path, m.buf, m.len + 300);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
	expect_events(r, 0, 3);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_TORN);
	attrib_journal_reader_close(r);

	img_init(&m, 3);
	memset(m.buf + m.start[1], 0, m.start[2] - m.start[1]);
	jt_write_file(f->path, m.buf, m.len);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
	expect_events(r, 0, 1);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_CORRUPT);
	assert_int_equal(attrib_journal_tell(r), m.start[1]);
	attrib_journal_reader_close(r);
}

static void test_garbage_appended_is_corrupt_at_its_offset(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	static struct attrib_journal_record rec;
	static const char *const tails[] = { "garbage appended by someone else\n", "\xab\xcd",
					     "\x01\x10\x00"
					     "\x00"
					     "abcdefgh" };
	static const size_t tail_len[] = { 33, 2, 12 };
	char want[64];

	for (size_t t = 0; t < 3; t++) {
		struct attrib_journal_reader *r;

		img_init(&m, 3);
		memcpy(m.buf + m.len, tails[t], tail_len[t]);
		jt_write_file(f->path, m.buf, m.len + tail_len[t]);
		assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
		expect_events(r, 0, 3);
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_CORRUPT);
		assert_int_equal(attrib_journal_tell(r), m.len);
		snprintf(want, sizeof(want), "offset %zu: ", m.len);
		assert_memory_equal(attrib_journal_reader_error(r), want, strlen(want));
		print_message("%s\n", attrib_journal_reader_error(r));
		/* it stays so, and there is nothing good to skip to */
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_CORRUPT);
		assert_int_equal(attrib_journal_resync(r), -ENOENT);
		assert_int_equal(attrib_journal_tell(r), m.len);
		attrib_journal_reader_close(r);
	}
}

/* Write @p m to the fixture's file with bit @p bit flipped and open it. */
static struct attrib_journal_reader *open_flipped(struct jt_fx *f, struct img *m, size_t bit)
{
	struct attrib_journal_reader *r;

	m->buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
	jt_write_file(f->path, m->buf, m->len);
	m->buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
	return r;
}

static void test_a_bit_flip_in_the_middle_is_corrupt_and_resync_skips_that_record(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	static struct attrib_journal_record rec;

	img_init(&m, 5);
	for (size_t bit = 8 * m.start[2]; bit < 8 * m.start[3]; bit++) {
		struct attrib_journal_reader *r = open_flipped(f, &m, bit);

		expect_events(r, 0, 2);
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_CORRUPT);
		assert_int_equal(attrib_journal_tell(r), m.start[2]);
		assert_int_equal(attrib_journal_resync(r), (int64_t)(m.start[3] - m.start[2]));
		expect_events(r, 3, 2);
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_END);
		attrib_journal_reader_close(r);
	}
}

/* A last record whose length is all there but whose bytes are not all right
 * yet: a write a reader caught half-copied, or what a crash left.  It is
 * torn, not corrupt, and reads once its bytes are right. */
static void test_a_bad_checksum_in_the_last_record_is_torn_until_it_is_whole(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	static struct attrib_journal_record rec;

	img_init(&m, 3);
	for (size_t bit = 8 * (m.start[2] + 4); bit < 8 * m.len; bit++) {
		struct attrib_journal_reader *r = open_flipped(f, &m, bit);

		expect_events(r, 0, 2);
		assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_TORN);
		jt_write_file(f->path, m.buf, m.len);
		expect_events(r, 2, 1);
		attrib_journal_reader_close(r);
	}
}

static void test_a_record_after_the_seal_is_corrupt(void **state)
{
	struct jt_fx *f = *state;
	struct attrib_journal_config cfg = { .dir = f->dir,
					     .server_id = "kea-a",
					     .sync = ATTRIB_JOURNAL_SYNC_NONE };
	struct attrib_journal_writer *w;
	static struct attrib_journal_record rec;
	struct attrib_journal_reader *r;
	struct attrib_event ev;
	uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];
	char **names, path[600];
	int n, fd;

	assert_int_equal(attrib_journal_open(&cfg, &w), 0);
	jt_event(&ev, 0);
	assert_int_equal(attrib_journal_append(w, &ev), 0);
	assert_int_equal(attrib_journal_close(&w), 0);
	assert_int_equal(jt_names(f->dir, &names), 1);
	snprintf(path, sizeof(path), "%s/%s", f->dir, names[0]);
	jt_names_free(names, 1);

	assert_int_equal(attrib_journal_reader_open(path, &r), 0);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_OK);
	assert_int_equal(rec.kind, ATTRIB_JOURNAL_REC_HEARTBEAT);
	expect_events(r, 0, 1);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_OK);
	assert_int_equal(rec.kind, ATTRIB_JOURNAL_REC_SEAL);
	assert_int_equal(rec.seal.reason, ATTRIB_JOURNAL_CLOSED);
	assert_int_equal(rec.seal.file_events, 1);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_DONE);

	n = attrib_journal_encode_event(&ev, buf, sizeof(buf));
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, buf, (size_t)n), n);
	close(fd);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_CORRUPT);
	assert_non_null(strstr(attrib_journal_reader_error(r), "after the seal"));
	attrib_journal_reader_close(r);
}

static void test_seek_takes_positions_it_gave_out_and_refuses_others(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	static struct attrib_journal_record rec;
	struct attrib_journal_reader *r;

	img_init(&m, 4);
	jt_write_file(f->path, m.buf, m.len);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(attrib_journal_seek(r, m.start[i]), 0);
		expect_events(r, i, 1);
		assert_int_equal(attrib_journal_tell(r), m.start[i + 1]);
	}
	assert_int_equal(attrib_journal_seek(r, m.len), 0);
	assert_int_equal(attrib_journal_next(r, &rec), ATTRIB_JOURNAL_END);

	assert_int_equal(attrib_journal_seek(r, m.start[1]), 0);
	for (size_t bad = m.start[1] + 1; bad < m.start[2]; bad++)
		assert_int_equal(attrib_journal_seek(r, bad), -EINVAL);
	assert_int_equal(attrib_journal_seek(r, 0), -EINVAL);
	assert_int_equal(attrib_journal_seek(r, m.start[0] - 1), -EINVAL);
	assert_int_equal(attrib_journal_seek(r, m.len + 1), -EINVAL);
	/* a refused seek leaves the reader where it was */
	assert_int_equal(attrib_journal_tell(r), m.start[1]);
	expect_events(r, 1, 3);
	attrib_journal_reader_close(r);
}

static void test_open_refuses_files_without_a_whole_header(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	struct attrib_journal_reader *r;

	img_init(&m, 0);
	jt_write_file(f->path, m.buf, 0);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), -ENODATA);
	jt_write_file(f->path, m.buf, m.len - 1);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), -ENODATA);
	jt_write_file(f->path, "lease 192.0.2.7 {\n", 18);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), -EBADMSG);
	m.buf[20] ^= 1;
	jt_write_file(f->path, m.buf, m.len);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), -EBADMSG);
	assert_int_equal(attrib_journal_reader_open("/nonexistent/x.journal", &r), -ENOENT);
	assert_null(r);
}

static void test_open_refuses_what_is_not_a_regular_file_at_once(void **state)
{
	struct jt_fx *f = *state;
	static struct img m;
	struct attrib_journal_reader *r;
	char fifo[600];

	/* A FIFO would block a plain open until a writer came.  (attribd
	 * also refuses a symlink, before it opens anything.) */
	snprintf(fifo, sizeof(fifo), "%s.fifo", f->path);
	img_init(&m, 0);
	jt_write_file(f->path, m.buf, m.len);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(attrib_journal_reader_open(fifo, &r), -EINVAL);
	assert_null(r);
	assert_int_equal(attrib_journal_reader_open(f->path, &r), 0);
	attrib_journal_reader_close(r);
	unlink(fifo);
}

static void test_a_killed_writer_leaves_a_file_nobody_holds(void **state)
{
	struct jt_fx *f = *state;
	int ready[2];
	char c, **names, path[600];
	pid_t pid;
	struct jt_read got;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct attrib_journal_config cfg = { .dir = f->dir,
						     .server_id = "kea-a",
						     .sync = ATTRIB_JOURNAL_SYNC_NONE };
		struct attrib_journal_writer *w;
		struct attrib_event ev;

		if (attrib_journal_open(&cfg, &w) < 0)
			_exit(1);
		for (unsigned i = 0; i < 10; i++) {
			jt_event(&ev, i);
			attrib_journal_append(w, &ev);
		}
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(jt_names(f->dir, &names), 1);
	snprintf(path, sizeof(path), "%s/%s", f->dir, names[0]);
	jt_names_free(names, 1);
	assert_int_equal(attrib_journal_in_use(path), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(attrib_journal_in_use(path), 0);

	jt_read_dir(f->dir, NULL, NULL, &got);
	assert_int_equal(got.events, 10);
	assert_int_equal(got.seals, 0);
	assert_int_equal(got.last_status, ATTRIB_JOURNAL_END);
	assert_int_equal(attrib_journal_in_use("/nonexistent/x.journal"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, jt_setup, jt_teardown)
		T(test_a_tail_cut_at_any_byte_reads_whole_records_then_torn_and_resumes),
		T(test_zeros_after_the_last_record_are_torn_and_inside_are_corrupt),
		T(test_garbage_appended_is_corrupt_at_its_offset),
		T(test_a_bit_flip_in_the_middle_is_corrupt_and_resync_skips_that_record),
		T(test_a_bad_checksum_in_the_last_record_is_torn_until_it_is_whole),
		T(test_a_record_after_the_seal_is_corrupt),
		T(test_seek_takes_positions_it_gave_out_and_refuses_others),
		T(test_open_refuses_files_without_a_whole_header),
		T(test_open_refuses_what_is_not_a_regular_file_at_once),
		T(test_a_killed_writer_leaves_a_file_nobody_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
