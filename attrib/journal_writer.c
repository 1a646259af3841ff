/* SPDX-License-Identifier: GPL-3.0-or-later
 * The journal writer the hooks run inside Kea and FreeRADIUS: appends under
 * one mutex with one write per record, files that appear only once whole and
 * locked and that are sealed on rotation, and a thread of its own that syncs,
 * writes heartbeats, rotates by age and notices a file taken away. */
#include "attrib/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrib/times.h"

#define SYNC_MS_DEFAULT      1000
#define HEARTBEAT_MS_DEFAULT 30000
#define RETRY_MS_DEFAULT     1000
#define MAX_BYTES_DEFAULT    (64ull << 20)
#define MAX_AGE_S_DEFAULT    3600
#define FILE_MODE_DEFAULT    0640
#define SMALL_MAX            64 /* a heartbeat, loss or seal record, at most */
#define RETIRED_MAX          4

/* One file.  The writer holds a reference while the file is current or
 * waits in the retired list; each fdatasync in progress holds one more, so
 * the descriptor outlives a rotation that happens meanwhile. */
struct jfile {
	int fd;
	unsigned refs;
	bool syncing;            /* an fdatasync is under way, the lock let go */
	bool broken;             /* a failed write could not be cut back off */
	bool failed;             /* a sync failed: never trust a later one */
	int error;               /* errno of that failure */
	uint64_t off;            /* bytes written: where the next record goes */
	uint64_t synced_off;     /* bytes made durable */
	uint64_t events;         /* event records written to it */
	uint64_t synced_events;  /* of which durable */
	int64_t synced_time;     /* wall clock of the last good fdatasync */
	uint64_t checked_events; /* of which written before the last check it is in place */
	int64_t checked_time;    /* wall clock of that check */
	int64_t opened;          /* monotonic */
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX];
};

struct attrib_journal_writer {
	struct attrib_journal_config cfg; /* numbers with defaults filled in */
	char dir[PATH_MAX - 128];
	char server_id[ATTRIB_JOURNAL_ID_MAX + 1];
	char stamp[24]; /* the start, as file names show it */
	int64_t started;
	uint32_t pid;
	uint32_t seq;

	pthread_mutex_t lock;
	pthread_cond_t wake;   /* the thread's: stop, a file retired */
	pthread_cond_t synced; /* an fdatasync finished */
	pthread_t thread;
	bool thread_started;
	bool stop;

	struct jfile *cur; /* NULL while no file could be created */
	struct jfile *retired[RETIRED_MAX];
	unsigned nretired;
	bool dir_dirty;

	struct attrib_journal_counts counts;
	struct attrib_journal_loss pending; /* losses not yet written down */
	uint64_t files;
	int64_t retry_at; /* monotonic: no new file before */
	int last_error;
	bool failing; /* losing events: notified once, until a record is written */
	bool stuck;   /* cannot rotate: notified once */
};

static int64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * ATTRIB_USEC + ts.tv_nsec / 1000;
}

static void say(struct attrib_journal_writer *w, int err, const char *fmt, const char *arg)
{
	char msg[PATH_MAX + 64];

	if (!w->cfg.notify)
		return;
	snprintf(msg, sizeof(msg), fmt, arg);
	w->cfg.notify(w->cfg.notify_arg, err, msg);
}

static void trouble(struct attrib_journal_writer *w, int err, const char *fmt, const char *arg)
{
	w->last_error = err;
	if (!w->failing)
		say(w, err, fmt, arg);
	w->failing = true;
}

/* Events that did not reach a file (or reached one that then failed), from
 * @p first on; written down as a loss record before the next record. */
static void count_loss(struct attrib_journal_writer *w, uint64_t lost, uint64_t refused, int err,
		       int64_t first)
{
	struct attrib_journal_loss *p = &w->pending;
	int64_t now = attrib_time_now();

	if (lost + refused == 0)
		return;
	if (p->lost + p->refused == 0 || first < p->first)
		p->first = first;
	p->last = now > p->first ? now : p->first;
	p->lost += lost;
	p->refused += refused;
	p->error = err;
	w->counts.lost += lost;
	w->counts.refused += refused;
}

static void put_file(struct jfile *f)
{
	if (--f->refs == 0) {
		close(f->fd);
		free(f);
	}
}

/* A sync failed.  Linux reports a writeback error once and may have dropped
 * the pages: whatever was not yet known durable is counted lost, and the
 * file takes nothing more. */
static void fail_file(struct attrib_journal_writer *w, struct jfile *f, int err)
{
	f->failed = true;
	f->error = err;
	count_loss(w, f->events - f->synced_events, 0, err, f->synced_time);
	trouble(w, err, "cannot sync journal file %s", f->path);
	if (w->cur == f) {
		w->cur = NULL;
		put_file(f);
	}
}

/* Make @p f durable up to @p upto at least.  Called with the lock held; lets
 * go of it during fdatasync.  Threads that want the same file synced wait for
 * the one under way and go themselves only if it did not cover them, so that
 * SYNC_EVERY appends share fdatasyncs.  @return 0 or -errno. */
static int sync_file(struct attrib_journal_writer *w, struct jfile *f, uint64_t upto)
{
	uint64_t off, events;
	int rc, err = 0;

	f->refs++;
	while (!f->failed && f->synced_off < upto) {
		if (f->syncing) {
			pthread_cond_wait(&w->synced, &w->lock);
			continue;
		}
		off = f->off;
		events = f->events;
		f->syncing = true;
		pthread_mutex_unlock(&w->lock);
		rc = fdatasync(f->fd);
		if (rc < 0)
			err = errno;
		pthread_mutex_lock(&w->lock);
		f->syncing = false;
		if (rc == 0 && !f->failed) {
			f->synced_off = off;
			f->synced_events = events;
			f->synced_time = attrib_time_now();
		} else if (rc < 0 && !f->failed) {
			fail_file(w, f, err);
		}
		pthread_cond_broadcast(&w->synced);
	}
	rc = f->failed ? -f->error : 0;
	put_file(f);
	return rc;
}

static int sync_dir(struct attrib_journal_writer *w)
{
	int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Write whole records at the end of @p f.  A failed or short write is cut
 * back off, so that no record ever follows part of one; if even that fails
 * the file is broken and takes nothing more. */
static int write_end(struct jfile *f, const uint8_t *p, size_t n)
{
	size_t done = 0;

	if (f->broken || f->failed)
		return -EIO;
	while (done < n) {
		ssize_t k = pwrite(f->fd, p + done, n - done, (off_t)(f->off + done));
		int err;

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err = k < 0 ? errno : EIO;
			if (done && ftruncate(f->fd, (off_t)f->off) < 0)
				f->broken = true;
			return -err;
		}
		done += (size_t)k;
	}
	f->off += n;
	return 0;
}

static int encode_small(enum attrib_journal_kind kind, const void *what, uint8_t *buf)
{
	struct attrib_journal_record r;

	r.kind = kind;
	if (kind == ATTRIB_JOURNAL_REC_LOSS)
		r.loss = *(const struct attrib_journal_loss *)what;
	else if (kind == ATTRIB_JOURNAL_REC_HEARTBEAT)
		r.heartbeat = *(const struct attrib_journal_heartbeat *)what;
	else
		r.seal = *(const struct attrib_journal_seal *)what;
	return attrib_journal_encode(&r, buf, SMALL_MAX);
}

static int encode_heartbeat(struct attrib_journal_writer *w, uint8_t *buf)
{
	struct attrib_journal_heartbeat hb = {
		.time = attrib_time_now(),
		.interval_ms = w->cfg.heartbeat_ms,
		.counts = w->counts,
	};

	return encode_small(ATTRIB_JOURNAL_REC_HEARTBEAT, &hb, buf);
}

/* Hand a file that takes no more records to whoever makes it durable: the
 * caller's thread with SYNC_EVERY, the writer's thread with SYNC_INTERVAL. */
static void retire(struct attrib_journal_writer *w, struct jfile *f)
{
	if (w->cfg.sync == ATTRIB_JOURNAL_SYNC_INTERVAL && w->nretired < RETIRED_MAX) {
		w->retired[w->nretired++] = f;
		pthread_cond_signal(&w->wake);
		return;
	}
	if (w->cfg.sync != ATTRIB_JOURNAL_SYNC_NONE)
		sync_file(w, f, f->off);
	put_file(f);
}

/* Write @p n bytes of records at @p rec (which has SMALL_MAX bytes of room
 * before it) to the current file, a pending loss record first. */
static int put_records(struct attrib_journal_writer *w, uint8_t *rec, size_t n)
{
	struct jfile *f = w->cur;
	bool loss = w->pending.lost + w->pending.refused > 0;
	int rc;

	if (loss) {
		uint8_t tmp[SMALL_MAX];
		int m = encode_small(ATTRIB_JOURNAL_REC_LOSS, &w->pending, tmp);

		if (m < 0)
			return m;
		rec -= m;
		memcpy(rec, tmp, (size_t)m);
		n += (size_t)m;
	}
	rc = write_end(f, rec, n);
	if (rc == 0) {
		if (loss)
			memset(&w->pending, 0, sizeof(w->pending));
		if (w->failing)
			say(w, 0, "writing journal file %s again", f->path);
		w->failing = false;
		return 0;
	}
	trouble(w, -rc, "cannot write journal file %s", f->path);
	if (f->broken) {
		w->cur = NULL;
		retire(w, f);
	}
	return rc;
}

static int link_name(struct attrib_journal_writer *w, char *path, size_t len, uint32_t seq)
{
	int n = snprintf(path, len, "%s/%s.%s.%u.%06u%s", w->dir, w->server_id, w->stamp, w->pid,
			 seq, ATTRIB_JOURNAL_SUFFIX);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Create the next file: written and locked under a hidden name, then linked
 * to its own, so that a reader never meets a file without its header or one
 * that looks abandoned.  An existing name (a pid used again) takes the next
 * sequence number.  @return 0 with w->cur set, or -errno. */
static int create_file(struct attrib_journal_writer *w)
{
	struct attrib_journal_header hdr = { .pid = w->pid, .started = w->started };
	uint8_t buf[ATTRIB_JOURNAL_HEADER_MAX + SMALL_MAX];
	char tmp[PATH_MAX];
	struct jfile *f = calloc(1, sizeof(*f));
	struct stat st;
	int n, m, rc;

	if (!f)
		return -ENOMEM;
	f->refs = 1;
	f->fd = -1;
	memcpy(hdr.server_id, w->server_id, sizeof(hdr.server_id));
	hdr.created = attrib_time_now();
	hdr.seq = w->seq + 1;
	snprintf(tmp, sizeof(tmp), "%s/.%s.%u.%p.tmp", w->dir, w->server_id, w->pid, (void *)w);
	f->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, w->cfg.file_mode);
	if (f->fd < 0 || flock(f->fd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		goto fail;
	}
	for (;; hdr.seq++) {
		n = attrib_journal_header_encode(&hdr, buf, sizeof(buf));
		m = encode_heartbeat(w, buf + n);
		if (n < 0 || m < 0) {
			rc = n < 0 ? n : m;
			goto fail;
		}
		f->off = 0;
		rc = write_end(f, buf, (size_t)(n + m));
		if (rc == 0 && w->cfg.sync == ATTRIB_JOURNAL_SYNC_EVERY && fdatasync(f->fd) < 0)
			rc = -errno;
		if (rc == 0)
			rc = link_name(w, f->path, sizeof(f->path), hdr.seq);
		if (rc < 0)
			goto fail;
		if (link(tmp, f->path) == 0)
			break;
		if (errno != EEXIST || hdr.seq - w->seq > 1000) {
			rc = -errno;
			goto fail;
		}
	}
	unlink(tmp);
	if (fstat(f->fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	if (w->cfg.sync == ATTRIB_JOURNAL_SYNC_EVERY)
		sync_dir(w);
	else
		w->dir_dirty = true;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->synced_off = w->cfg.sync == ATTRIB_JOURNAL_SYNC_EVERY ? f->off : 0;
	f->opened = mono_usec();
	f->checked_time = attrib_time_now();
	f->synced_time = f->checked_time;
	w->seq = hdr.seq;
	w->files++;
	w->cur = f;
	return 0;
fail:
	if (f->fd >= 0) {
		close(f->fd);
		unlink(tmp);
	}
	free(f);
	return rc;
}

/* The last record of @p f, which is no longer current.  If it cannot be
 * written the file still ends at a whole record (or, broken, in part of
 * one); either way it is finished once its lock goes. */
static int seal(struct attrib_journal_writer *w, struct jfile *f,
		enum attrib_journal_seal_reason why)
{
	uint8_t buf[SMALL_MAX];
	struct attrib_journal_seal s = {
		.time = attrib_time_now(),
		.reason = (uint8_t)why,
		.file_events = f->events,
		.counts = w->counts,
	};
	int n = encode_small(ATTRIB_JOURNAL_REC_SEAL, &s, buf);

	return n < 0 ? n : write_end(f, buf, (size_t)n);
}

/* Seal the current file and continue in a new one; keep the current one if
 * no new one can be created.  A pending loss record goes to the new file
 * with the next record. */
static int rotate(struct attrib_journal_writer *w)
{
	struct jfile *old = w->cur;
	int rc = create_file(w);

	if (rc < 0) {
		w->last_error = -rc;
		w->retry_at = mono_usec() + w->cfg.retry_ms * 1000LL;
		if (!w->stuck)
			say(w, -rc, "cannot create a journal file in %s to rotate to", w->dir);
		w->stuck = true;
		return rc;
	}
	if (w->stuck)
		say(w, 0, "rotated to %s", w->cur->path);
	w->stuck = false;
	if (old) {
		seal(w, old, ATTRIB_JOURNAL_ROTATED);
		retire(w, old);
	}
	return 0;
}

static bool rotation_due(const struct attrib_journal_writer *w, size_t n, int64_t now)
{
	const struct jfile *f = w->cur;

	if (f->events == 0)
		return false;
	return f->off + n > w->cfg.max_bytes ||
	       now - f->opened >= (int64_t)w->cfg.max_age_s * ATTRIB_USEC;
}

/* A current file with room for @p n more bytes, if there can be one.  A
 * rotation may let go of the lock, so the file is looked at again after. */
static int ready(struct attrib_journal_writer *w, size_t n)
{
	int64_t now = mono_usec();
	int rc;

	if (!w->cur) {
		if (now < w->retry_at)
			return w->last_error ? -w->last_error : -EIO;
		rc = create_file(w);
		if (rc < 0) {
			w->retry_at = now + w->cfg.retry_ms * 1000LL;
			trouble(w, -rc, "cannot create a journal file in %s", w->dir);
		}
		return rc;
	}
	if (rotation_due(w, n, now) && now >= w->retry_at)
		rotate(w);
	if (w->cur)
		return 0;
	return w->last_error ? -w->last_error : -EIO;
}

int attrib_journal_append(struct attrib_journal_writer *w, const struct attrib_event *ev)
{
	uint8_t buf[SMALL_MAX + ATTRIB_JOURNAL_EVENT_MAX];
	uint8_t *rec = buf + SMALL_MAX;
	int n = attrib_journal_encode_event(ev, rec, ATTRIB_JOURNAL_EVENT_MAX);
	bool refuse = w->cfg.on_failure == ATTRIB_JOURNAL_REFUSE;
	struct jfile *f;
	int rc = n;

	pthread_mutex_lock(&w->lock);
	if (n < 0)
		goto fail;
	rc = ready(w, (size_t)n);
	if (rc < 0)
		goto fail;
	f = w->cur;
	rc = put_records(w, rec, (size_t)n);
	if (rc < 0)
		goto fail;
	f->events++;
	w->counts.events++;
	if (w->cfg.sync == ATTRIB_JOURNAL_SYNC_EVERY)
		rc = sync_file(w, f, f->off);
	pthread_mutex_unlock(&w->lock);
	return rc;
fail:
	count_loss(w, !refuse, refuse, -rc, attrib_time_now());
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* The file must still be where it was created: a file deleted or moved away
 * (or its directory) takes what is written to it out of attribd's sight. */
static int check_in_place(struct attrib_journal_writer *w)
{
	struct jfile *f = w->cur;
	struct stat st;

	if (stat(f->path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino) {
		f->checked_events = f->events;
		f->checked_time = attrib_time_now();
		return 0;
	}
	count_loss(w, f->events - f->checked_events, 0, ENOENT, f->checked_time);
	trouble(w, ENOENT, "journal file %s is gone", f->path);
	w->cur = NULL;
	put_file(f);
	return -ENOENT;
}

static void drain_retired(struct attrib_journal_writer *w)
{
	while (w->nretired) {
		struct jfile *f = w->retired[--w->nretired];

		sync_file(w, f, f->off);
		put_file(f);
	}
}

static void beat(struct attrib_journal_writer *w)
{
	uint8_t buf[2 * SMALL_MAX];
	int n;

	if (ready(w, SMALL_MAX) < 0)
		return;
	n = encode_heartbeat(w, buf + SMALL_MAX);
	if (n > 0)
		put_records(w, buf + SMALL_MAX, (size_t)n);
}

static void *writer_main(void *arg)
{
	struct attrib_journal_writer *w = arg;
	int64_t next_sync, next_beat, wake;
	struct timespec ts;

	pthread_mutex_lock(&w->lock);
	next_sync = mono_usec() + w->cfg.sync_ms * 1000LL;
	next_beat = mono_usec() + w->cfg.heartbeat_ms * 1000LL;
	while (!w->stop) {
		int64_t now = mono_usec();

		drain_retired(w);
		if (now >= next_sync) {
			if (w->cur)
				check_in_place(w);
			if (w->cur && w->cfg.sync == ATTRIB_JOURNAL_SYNC_INTERVAL)
				sync_file(w, w->cur, w->cur->off);
			if (w->dir_dirty && w->cfg.sync != ATTRIB_JOURNAL_SYNC_NONE) {
				w->dir_dirty = false;
				sync_dir(w);
			}
			next_sync = now + w->cfg.sync_ms * 1000LL;
		}
		if (now >= next_beat) {
			beat(w);
			next_beat = now + w->cfg.heartbeat_ms * 1000LL;
		}
		if (w->cur && rotation_due(w, 0, now) && now >= w->retry_at)
			rotate(w);
		wake = next_sync < next_beat ? next_sync : next_beat;
		if (w->cur && w->cur->events) {
			int64_t age_due = w->cur->opened + (int64_t)w->cfg.max_age_s * ATTRIB_USEC;

			wake = age_due < wake ? age_due : wake;
		}
		if (w->stop || w->nretired)
			continue;
		ts.tv_sec = wake / ATTRIB_USEC;
		ts.tv_nsec = wake % ATTRIB_USEC * 1000;
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int configure(struct attrib_journal_writer *w, const struct attrib_journal_config *cfg)
{
	struct attrib_journal_header probe = { 0 };
	uint8_t buf[ATTRIB_JOURNAL_HEADER_MAX];
	struct tm tm;
	time_t secs;

	if (!cfg->dir || !cfg->server_id || strlen(cfg->dir) >= sizeof(w->dir) ||
	    strlen(cfg->server_id) > ATTRIB_JOURNAL_ID_MAX ||
	    cfg->sync > ATTRIB_JOURNAL_SYNC_EVERY || cfg->on_failure > ATTRIB_JOURNAL_REFUSE)
		return -EINVAL;
	strcpy(probe.server_id, cfg->server_id);
	if (attrib_journal_header_encode(&probe, buf, sizeof(buf)) < 0)
		return -EINVAL;
	w->cfg = *cfg;
	w->cfg.dir = w->dir;
	w->cfg.server_id = w->server_id;
	strcpy(w->dir, cfg->dir);
	strcpy(w->server_id, cfg->server_id);
	w->cfg.sync_ms = cfg->sync_ms ? cfg->sync_ms : SYNC_MS_DEFAULT;
	w->cfg.heartbeat_ms = cfg->heartbeat_ms ? cfg->heartbeat_ms : HEARTBEAT_MS_DEFAULT;
	w->cfg.retry_ms = cfg->retry_ms ? cfg->retry_ms : RETRY_MS_DEFAULT;
	w->cfg.max_bytes = cfg->max_bytes ? cfg->max_bytes : MAX_BYTES_DEFAULT;
	w->cfg.max_age_s = cfg->max_age_s ? cfg->max_age_s : MAX_AGE_S_DEFAULT;
	w->cfg.file_mode = cfg->file_mode ? cfg->file_mode : FILE_MODE_DEFAULT;
	w->started = attrib_time_now();
	w->pid = (uint32_t)getpid();
	secs = (time_t)(w->started / ATTRIB_USEC);
	gmtime_r(&secs, &tm);
	strftime(w->stamp, sizeof(w->stamp), "%Y%m%dT%H%M%SZ", &tm);
	return 0;
}

/* The writer's thread takes no signals: they belong to the host's threads. */
static int start_thread(struct attrib_journal_writer *w)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	pthread_setname_np(w->thread, "attrib-journal");
	w->thread_started = true;
	return 0;
}

int attrib_journal_open(const struct attrib_journal_config *cfg, struct attrib_journal_writer **out)
{
	struct attrib_journal_writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	rc = configure(w, cfg);
	if (rc < 0) {
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&w->synced, NULL);
	rc = create_file(w);
	if (rc == 0)
		rc = start_thread(w);
	if (rc < 0) {
		attrib_journal_close(&w);
		return rc;
	}
	*out = w;
	return 0;
}

int attrib_journal_sync(struct attrib_journal_writer *w)
{
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	drain_retired(w);
	if (w->cur)
		rc = check_in_place(w);
	if (w->cur)
		rc = sync_file(w, w->cur, w->cur->off);
	if (w->dir_dirty) {
		int r = sync_dir(w);

		w->dir_dirty = false;
		rc = rc ? rc : r;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int attrib_journal_rotate(struct attrib_journal_writer *w)
{
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = w->cur ? rotate(w) : ready(w, 0);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void attrib_journal_stats(struct attrib_journal_writer *w, struct attrib_journal_stats *out)
{
	pthread_mutex_lock(&w->lock);
	out->counts = w->counts;
	out->files = w->files;
	out->file_bytes = w->cur ? w->cur->off : 0;
	out->last_error = w->last_error;
	pthread_mutex_unlock(&w->lock);
}

int attrib_journal_close(struct attrib_journal_writer **pw)
{
	struct attrib_journal_writer *w = pw ? *pw : NULL;
	int rc = 0;

	if (!w)
		return 0;
	*pw = NULL;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->thread_started)
		pthread_join(w->thread, NULL);

	pthread_mutex_lock(&w->lock);
	drain_retired(w);
	if (!w->cur && w->pending.lost + w->pending.refused)
		ready(w, 0); /* one last try to write the losses down */
	if (w->cur && w->pending.lost + w->pending.refused) {
		uint8_t buf[SMALL_MAX];

		put_records(w, buf + SMALL_MAX, 0); /* the loss record alone */
	}
	if (w->cur) {
		struct jfile *f = w->cur;

		w->cur = NULL;
		rc = seal(w, f, ATTRIB_JOURNAL_CLOSED);
		if (rc == 0 && w->cfg.sync != ATTRIB_JOURNAL_SYNC_NONE)
			rc = sync_file(w, f, f->off);
		put_file(f);
	}
	drain_retired(w); /* what the last writes retired */
	if (w->dir_dirty && w->cfg.sync != ATTRIB_JOURNAL_SYNC_NONE)
		sync_dir(w);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->synced);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return rc;
}
