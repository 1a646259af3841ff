/* SPDX-License-Identifier: GPL-3.0-or-later
 * Ingest: the journal files in one directory, applied to the store exactly
 * once.  Every step is one transaction holding the events it applied, the
 * new read position of each file it read, and what the writers said of
 * themselves (heard spans, losses), so a crash before the commit leaves the
 * store as it was and a crash after it leaves nothing to repeat.
 *
 * Files are known by the identity their header carries, not by name, and
 * a file is removed (or archived) only after the commit that applied its
 * last record, and only once no writer holds it.  A writer's heartbeat
 * carries how many events it has written in all; when that is more than
 * reached us (a file deleted or cut short behind our back), the difference
 * is recorded as a loss, so coverage says so.
 *
 * Writers take turns; each one's files are read strictly one after the
 * other, in the order it wrote them (by the sequence number of their
 * names), a file only once the one before it is done.
 *
 * Only a journal that may still be read holds a descriptor: one set aside
 * or done gives its back once the step that decided so is committed.  When
 * there are too few, each writer gets one for its oldest unfinished file
 * before any gets a second, those that have waited longest first; a file
 * opened ahead of its turn gives its descriptor up to a writer with none.
 * A journal that waits has no row yet, or keeps the one it had, so nothing
 * of it is lost or read twice by waiting.  What waits, for a descriptor or
 * behind an earlier file of its writer, is written to journal_wait, which
 * lookups read: coverage is not complete while evidence waits unread. */
#include "attrib/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "attrib/journal.h"
#include "attrib/store_int.h"
#include "attrib/times.h"

#define INTERVAL_DEFAULT_US (30 * ATTRIB_USEC) /* until a file's first heartbeat */
#define SPANS_MAX           256                /* servers heard from, kept in memory */
#define FDS_KEPT            64                 /* descriptors journals leave to the rest */

enum {
	J_FIND,
	J_ADD,
	J_SET,
	J_WRITER_EVENTS,
	H_LAST,
	H_AT,
	H_ADD,
	H_SET,
	L_ADD,
	W_CLEAR,
	W_ADD,
	I__COUNT
};

static const char *const ingest_sql[I__COUNT] = {
	[J_FIND] = "SELECT id, position, records, events, missing, done, set_aside, heard_last "
		   "FROM journal WHERE server_id = ?1 AND writer_start = ?2 AND pid = ?3 AND "
		   "seq = ?4",
	[J_ADD] = "INSERT INTO journal (server_id, writer_start, pid, seq, name, position, "
		  "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[J_SET] = "UPDATE journal SET position = ?2, records = ?3, events = ?4, missing = ?5, "
		  "done = ?6, set_aside = ?7, name = ?8, heard_last = ?9, created = ?10 "
		  "WHERE id = ?1",
	[J_WRITER_EVENTS] = "SELECT coalesce(sum(events + missing), 0) FROM journal WHERE "
			    "server_id = ?1 AND writer_start = ?2 AND pid = ?3 AND id != ?4",
	[H_LAST] = "SELECT id, first, last, interval, closed FROM heard WHERE server_id = ?1 "
		   "ORDER BY first DESC LIMIT 1",
	[H_AT] = "SELECT id, first, last, interval, closed FROM heard WHERE server_id = ?1 AND "
		 "first <= ?2 ORDER BY first DESC LIMIT 1",
	[H_ADD] = "INSERT INTO heard (server_id, first, last, interval, closed) "
		  "VALUES (?1, ?2, ?3, ?4, ?5)",
	[H_SET] = "UPDATE heard SET last = ?2, interval = ?3, closed = ?4 WHERE id = ?1",
	[L_ADD] = "INSERT INTO loss (server_id, first, last, lost, refused, error) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[W_CLEAR] = "DELETE FROM journal_wait",
	[W_ADD] = "INSERT INTO journal_wait (name, server_id, writer_start, pid, seq, queued) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

/* What a journal's name tells before its header is read, the name being
 * <server-id>.<start>.<pid>.<seq>.journal: its writer is the name's first
 * key_len bytes, its server id the first server_len.  A name of another
 * shape is a writer of its own, of no known server (server_len 0). */
struct jname {
	size_t key_len, server_len;
	uint64_t seq;
	uint32_t pid;
	int64_t started; /* from <start>: to the second */
};

/* One journal file.  The committed_* fields are what the store holds; the
 * others run ahead of them inside a step and fall back on rollback. */
struct jfile {
	char *name;
	struct jname nm;
	int64_t id; /* its journal row; 0 when it has none (an unreadable header) */
	struct attrib_journal_reader *r;
	struct attrib_journal_header hdr;
	uint64_t pos, committed_pos;
	int64_t records, events, missing;
	int64_t committed_records, committed_events, committed_missing;
	int64_t heard_last, committed_heard_last; /* INT64_MIN: nothing heard yet */
	int64_t interval;  /* us: the writer's heartbeat interval */
	bool done;         /* fully applied: sealed, or its writer gone and all read */
	bool touched;      /* changed in this step */
	bool seen;         /* found by the last scan */
	bool drained;      /* this step read all it has for now */
	char *set_aside;   /* why it is not read any more; NULL while it is */
	bool aside_committed; /* the store has set_aside too */
};

/* A journal found that no descriptor was free for. */
struct jwait {
	char *name;
	struct jname nm;
	uint64_t scan; /* the scan that first found it waiting: the longest waiting go first */
	int64_t since; /* when that was (this host's clock), for status */
};

/* A heard span as the store holds it, and where this step has taken it. */
struct span_row {
	int64_t id; /* 0: not in the store yet */
	int64_t first, last, interval;
	bool live; /* holds a span: read from the store, or begun in this step */
	bool closed, dirty;
};

/* A server's latest heard span (cur), and the span a writer read late is
 * extending, further back in time (back). */
struct span {
	char server[ATTRIB_JOURNAL_ID_MAX + 1];
	struct span_row cur, back;
};

struct attrib_ingest {
	struct attrib_store *st;
	const struct attrib_policy *pol;
	char *dir, *archive;
	size_t batch;
	sqlite3_stmt *stmt[I__COUNT];
	struct jfile **files;
	size_t n_files;
	struct span spans[SPANS_MAX];
	size_t n_spans;
	struct attrib_journal_record rec; /* large: kept here, not on the stack */
	struct attrib_ingest_stats stats;
	size_t n_open;     /* journal readers open: a descriptor each */
	unsigned fd_fails; /* EMFILE and ENFILE met since the last scan ended */
	bool fd_short;     /* journals wait for descriptors, and the log has said so */
	struct jwait *wait; /* by name */
	size_t n_wait;
	uint64_t scans;
	uint64_t wait_hash; /* of what journal_wait holds; valid once wait_stored */
	bool wait_stored;
	size_t *runs;       /* a step's writers: where each begins and ends in files */
	size_t runs_cap;
	size_t turn;        /* which writer the next step begins with */
	attrib_ingest_log_cb log;
	void *log_arg;
	char err[512];
	char step_err[512]; /* why the last scan or step failed; "" once a step did not */
	int64_t failing_since; /* the first of the failed steps in a row */
};

static void say(struct attrib_ingest *in, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct attrib_ingest *in, int level, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level <= LOG_ERR)
		snprintf(in->err, sizeof(in->err), "%s", msg);
	if (in->log)
		in->log(in->log_arg, level, msg);
}

static sqlite3_stmt *stmt(struct attrib_ingest *in, int id)
{
	sqlite3_stmt *s = in->stmt[id];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static void bind_writer(sqlite3_stmt *s, const struct attrib_journal_header *h)
{
	sqlite3_bind_text(s, 1, h->server_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, h->started);
	sqlite3_bind_int64(s, 3, h->pid);
}

static char *path_of(const struct attrib_ingest *in, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", in->dir, name) < 0)
		return NULL;
	return p;
}

/* Heard spans. */

/* The span @p s (H_LAST or H_AT, bound) finds into @p row; none leaves it
 * not live.  @return 0 or a negative errno. */
static int span_read(struct attrib_ingest *in, sqlite3_stmt *s, struct span_row *row)
{
	int rc = sqlite3_step(s);

	*row = (struct span_row){ 0 };
	if (rc == SQLITE_ROW) {
		row->id = sqlite3_column_int64(s, 0);
		row->first = sqlite3_column_int64(s, 1);
		row->last = sqlite3_column_int64(s, 2);
		row->interval = sqlite3_column_int64(s, 3);
		row->closed = sqlite3_column_int(s, 4) != 0;
		row->live = true;
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return store_error(in->st, rc);
	}
	sqlite3_reset(s);
	return 0;
}

static struct span *span_get(struct attrib_ingest *in, const char *server)
{
	struct span *sp;
	sqlite3_stmt *s;

	for (size_t i = 0; i < in->n_spans; i++)
		if (strcmp(in->spans[i].server, server) == 0)
			return &in->spans[i];
	if (in->n_spans == SPANS_MAX) {
		/* Written back at every commit, so the oldest entry can go. */
		memmove(in->spans, in->spans + 1, (SPANS_MAX - 1) * sizeof(*in->spans));
		in->n_spans--;
	}
	sp = &in->spans[in->n_spans];
	*sp = (struct span){ 0 };
	snprintf(sp->server, sizeof(sp->server), "%s", server);
	s = stmt(in, H_LAST);
	sqlite3_bind_text(s, 1, server, -1, SQLITE_STATIC);
	if (span_read(in, s, &sp->cur) < 0)
		return NULL;
	in->n_spans++;
	return sp;
}

static int span_write(struct attrib_ingest *in, const char *server, struct span_row *row)
{
	sqlite3_stmt *s = stmt(in, row->id ? H_SET : H_ADD);
	int rc;

	if (row->id) {
		sqlite3_bind_int64(s, 1, row->id);
		sqlite3_bind_int64(s, 2, row->last);
		sqlite3_bind_int64(s, 3, row->interval);
		sqlite3_bind_int(s, 4, row->closed);
	} else {
		sqlite3_bind_text(s, 1, server, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, row->first);
		sqlite3_bind_int64(s, 3, row->last);
		sqlite3_bind_int64(s, 4, row->interval);
		sqlite3_bind_int(s, 5, row->closed);
	}
	rc = store_exec(in->st, s);
	if (rc < 0)
		return rc;
	if (!row->id)
		row->id = sqlite3_last_insert_rowid(in->st->db);
	row->dirty = false;
	return 0;
}

/* @p server was heard at @p t, and @p row is the span that may take it.  A
 * span goes on while what is heard comes within twice the heartbeat
 * interval of its end; a span a clean close ended is never extended.
 * Earlier times change nothing, not even whether the span closed: an event
 * may carry a time before the writer's last heartbeat, and another writer
 * of the server, closing or read late, says nothing of this span's end. */
static int span_hear(struct attrib_ingest *in, const char *server, struct span_row *row,
		     int64_t t, int64_t interval, bool closing)
{
	int rc;

	/* Not row->id: a span begun in this step has none until it is
	 * written, and must go on all the same (each record made a span of
	 * its own). */
	if (row->live && !row->closed && t <= row->last + 2 * row->interval) {
		if (t < row->last)
			return 0;
		row->last = t;
	} else if (!row->live || t > row->last) {
		/* A new span: write the old one back first if this step moved it. */
		if (row->dirty && (rc = span_write(in, server, row)) < 0)
			return rc;
		*row = (struct span_row){ .first = t, .last = t, .live = true };
	} else {
		return 0;
	}
	row->interval = interval;
	row->closed = closing;
	row->dirty = true;
	return 0;
}

/* A writer read late (its files waited while a later writer of the same
 * server was read) stamps its heartbeats, losses and seals from before the
 * server's latest span began.  They go on the span they fall in or follow,
 * as they would have had they been read in time, not lost on the latest
 * one: else coverage would say the server was not heard then. */
static int hear_back(struct attrib_ingest *in, struct span *sp, int64_t t, int64_t interval,
		     bool closing)
{
	struct span_row *b = &sp->back;
	sqlite3_stmt *s;
	int rc;

	if (!b->live || t < b->first || b->closed || t > b->last + 2 * b->interval) {
		if (b->dirty && (rc = span_write(in, sp->server, b)) < 0)
			return rc;
		s = stmt(in, H_AT);
		sqlite3_bind_text(s, 1, sp->server, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, t);
		rc = span_read(in, s, b);
		if (rc < 0)
			return rc;
	}
	return span_hear(in, sp->server, b, t, interval, closing);
}

/* @p server was heard at @p t, by its writer's clock when @p stamped (a
 * heartbeat, loss or seal; an event carries a time of its own). */
static int heard(struct attrib_ingest *in, const char *server, int64_t t, int64_t interval,
		 bool closing, bool stamped)
{
	struct span *sp = span_get(in, server);

	if (!sp)
		return -EIO;
	if (stamped && sp->cur.live && t < sp->cur.first - 2 * sp->cur.interval)
		return hear_back(in, sp, t, interval, closing);
	return span_hear(in, server, &sp->cur, t, interval, closing);
}

static int spans_write(struct attrib_ingest *in)
{
	for (size_t i = 0; i < in->n_spans; i++) {
		struct span *sp = &in->spans[i];
		int rc = 0;

		if (sp->cur.dirty)
			rc = span_write(in, sp->server, &sp->cur);
		if (rc == 0 && sp->back.dirty)
			rc = span_write(in, sp->server, &sp->back);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int loss_add(struct attrib_ingest *in, const char *server, int64_t first, int64_t last,
		    int64_t lost, int64_t refused, int error)
{
	sqlite3_stmt *s = stmt(in, L_ADD);

	sqlite3_bind_text(s, 1, server, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, first);
	sqlite3_bind_int64(s, 3, last);
	sqlite3_bind_int64(s, 4, lost);
	sqlite3_bind_int64(s, 5, refused);
	if (error)
		sqlite3_bind_int(s, 6, error);
	in->stats.losses++;
	return store_exec(in->st, s);
}

/* Files. */

/* How many journals may be open at once: the limit on open files, less
 * what the store, the socket's clients and the scans need (a quarter of the
 * limit, at most FDS_KEPT).  Asked each time: prlimit(1) can change the
 * limit of a running attribd. */
static size_t open_max(rlim_t *limit, rlim_t *kept)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return SIZE_MAX;
	*limit = rl.rlim_cur;
	*kept = rl.rlim_cur / 4 < FDS_KEPT ? rl.rlim_cur / 4 : FDS_KEPT;
	return (size_t)(rl.rlim_cur - *kept);
}

/* @p what could not have a descriptor (@p err: -EMFILE or -ENFILE).  Said
 * once, with the remedy, until a scan and the steps before it meet no such
 * error again. */
static void fds_short(struct attrib_ingest *in, const char *what, const char *name, int err)
{
	rlim_t limit = 0, kept = 0;

	in->fd_fails++;
	if (in->fd_short)
		return;
	in->fd_short = true;
	if (err == -ENFILE) {
		say(in, LOG_ERR, "%s %s: %s; journals wait and each scan tries them again; raise "
				 "the system's fs.file-max", what, name, strerror(-err));
		return;
	}
	open_max(&limit, &kept);
	say(in, LOG_ERR, "%s %s: %s (%zu journals open; open files limited to %llu, %llu of "
			 "them kept for the store and clients); journals wait and each scan tries "
			 "them again; raise LimitNOFILE (attribd(8))", what, name, strerror(-err),
	    in->n_open, (unsigned long long)limit, (unsigned long long)kept);
}

static int reader_open(struct attrib_ingest *in, struct jfile *f, const char *path)
{
	rlim_t limit, kept;
	int rc;

	if (in->n_open >= open_max(&limit, &kept))
		return -EMFILE;
	rc = attrib_journal_reader_open(path, &f->r);
	if (rc == 0)
		in->n_open++;
	return rc;
}

/* For a journal no step will read again: set aside or done. */
static void reader_close(struct attrib_ingest *in, struct jfile *f)
{
	if (!f->r)
		return;
	attrib_journal_reader_close(f->r);
	f->r = NULL;
	in->n_open--;
}

static void jfile_free(struct attrib_ingest *in, struct jfile *f)
{
	if (!f)
		return;
	reader_close(in, f);
	free(f->name);
	free(f->set_aside);
	free(f);
}

static void set_aside(struct attrib_ingest *in, struct jfile *f, const char *why)
{
	free(f->set_aside);
	f->set_aside = strdup(why);
	f->touched = true;
	in->stats.journals_corrupt++;
	say(in, LOG_ERR, "journal %s set aside, not applied from byte %llu on: %s", f->name,
	    (unsigned long long)f->pos, why);
}

static int file_row_write(struct attrib_ingest *in, struct jfile *f)
{
	sqlite3_stmt *s = stmt(in, J_SET);

	sqlite3_bind_int64(s, 1, f->id);
	sqlite3_bind_int64(s, 2, (int64_t)f->pos);
	sqlite3_bind_int64(s, 3, f->records);
	sqlite3_bind_int64(s, 4, f->events);
	sqlite3_bind_int64(s, 5, f->missing);
	sqlite3_bind_int(s, 6, f->done);
	if (f->set_aside)
		sqlite3_bind_text(s, 7, f->set_aside, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, f->name, -1, SQLITE_STATIC);
	if (f->heard_last != INT64_MIN)
		sqlite3_bind_int64(s, 9, f->heard_last);
	sqlite3_bind_int64(s, 10, f->hdr.created);
	return store_exec(in->st, s);
}

/* A file whose every record is in the store: remove it, or move it to the
 * archive, unless a writer still holds it (it will be let go soon). */
static void finish_file(struct attrib_ingest *in, struct jfile *f)
{
	char *from = path_of(in, f->name), *to = NULL;
	int rc;

	if (!from)
		return;
	if (attrib_journal_in_use(from) != 0)
		goto out;
	if (in->archive) {
		if (asprintf(&to, "%s/%s", in->archive, f->name) < 0) {
			to = NULL;
			goto out;
		}
		rc = rename(from, to);
	} else {
		rc = unlink(from);
	}
	if (rc < 0 && errno != ENOENT)
		say(in, LOG_WARNING,
		    "journal %s applied but not %s: %s; check the permissions of %s", f->name,
		    in->archive ? "archived" : "removed", strerror(errno),
		    in->archive ? in->archive : in->dir);
	else
		in->stats.journals_done++;
out:
	free(from);
	free(to);
}

/* Journal names and their order. */

/* The @p n digits at @p s, if they are all digits and their value is at
 * most @p max. */
static bool digits_of(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return v <= max;
}

/* What the name of a journal (one is_journal_name() takes) says of it. */
static void name_parse(const char *name, struct jname *nm)
{
	size_t end = strlen(name) - strlen(ATTRIB_JOURNAL_SUFFIX), dots = 0;
	const char *dot[3] = { NULL, NULL, NULL }, *seq, *pid, *start;
	char rfc[24];
	uint64_t s, p;
	int64_t t;

	*nm = (struct jname){ .key_len = strlen(name) };
	/* The last three dots before the suffix: before <seq>, <pid>, <start>. */
	for (size_t i = end; i-- > 0 && dots < 3;)
		if (name[i] == '.')
			dot[dots++] = name + i;
	seq = dot[0], pid = dot[1], start = dot[2];
	/* The start is YYYYMMDDTHHMMSSZ: 16 bytes between two dots. */
	if (!start || start == name || pid - start != 17 || start[9] != 'T' || start[16] != 'Z' ||
	    !digits_of(seq + 1, end - (size_t)(seq + 1 - name), UINT32_MAX, &s) ||
	    !digits_of(pid + 1, (size_t)(seq - pid - 1), UINT32_MAX, &p))
		return;
	snprintf(rfc, sizeof(rfc), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", start + 1, start + 5,
		 start + 7, start + 10, start + 12, start + 14);
	if (attrib_time_parse(rfc, NULL, &t, NULL, 0) < 0)
		return;
	*nm = (struct jname){ .key_len = (size_t)(seq - name),
			      .server_len = (size_t)(start - name),
			      .seq = s,
			      .pid = (uint32_t)p,
			      .started = t };
}

/* Writers by the name they give their files (server id, start, pid). */
static int writer_cmp(const char *a, const struct jname *na, const char *b,
		      const struct jname *nb)
{
	size_t n = na->key_len < nb->key_len ? na->key_len : nb->key_len;
	int c = memcmp(a, b, n);

	if (c || na->key_len == nb->key_len)
		return c;
	return na->key_len < nb->key_len ? -1 : 1;
}

/* Writers, then each writer's files by sequence number, as a number: past
 * 999999 it has more digits, and a string order would be wrong. */
static int order_cmp(const char *a, const struct jname *na, const char *b,
		     const struct jname *nb)
{
	int c = writer_cmp(a, na, b, nb);

	if (c)
		return c;
	if (na->seq != nb->seq)
		return na->seq < nb->seq ? -1 : 1;
	return strcmp(a, b);
}

static bool same_writer(const struct jfile *a, const struct jfile *b)
{
	return writer_cmp(a->name, &a->nm, b->name, &b->nm) == 0;
}

static int by_order(const void *a, const void *b)
{
	const struct jfile *x = *(struct jfile *const *)a, *y = *(struct jfile *const *)b;

	return order_cmp(x->name, &x->nm, y->name, &y->nm);
}

/* Find or create the file's row and set the reader to its position. */
static int file_attach(struct attrib_ingest *in, struct jfile *f)
{
	sqlite3_stmt *s = stmt(in, J_FIND);
	int rc;

	bind_writer(s, &f->hdr);
	sqlite3_bind_int64(s, 4, f->hdr.seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		f->id = sqlite3_column_int64(s, 0);
		f->pos = (uint64_t)sqlite3_column_int64(s, 1);
		f->records = sqlite3_column_int64(s, 2);
		f->events = sqlite3_column_int64(s, 3);
		f->missing = sqlite3_column_int64(s, 4);
		f->done = sqlite3_column_int(s, 5) != 0;
		if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
			f->set_aside = strdup((const char *)sqlite3_column_text(s, 6));
			f->aside_committed = true;
		}
		if (sqlite3_column_type(s, 7) != SQLITE_NULL)
			f->heard_last = sqlite3_column_int64(s, 7);
		sqlite3_reset(s);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		s = stmt(in, J_ADD);
		bind_writer(s, &f->hdr);
		sqlite3_bind_int64(s, 4, f->hdr.seq);
		sqlite3_bind_text(s, 5, f->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, f->hdr.length);
		sqlite3_bind_int64(s, 7, f->hdr.created);
		rc = store_exec(in->st, s);
		if (rc < 0)
			return rc;
		f->id = sqlite3_last_insert_rowid(in->st->db);
		f->pos = f->hdr.length;
	} else {
		sqlite3_reset(s);
		return store_error(in->st, rc);
	}
	f->committed_pos = f->pos;
	f->committed_records = f->records;
	f->committed_events = f->events;
	f->committed_missing = f->missing;
	f->committed_heard_last = f->heard_last;
	if (f->done || f->set_aside)
		return 0;
	rc = attrib_journal_seek(f->r, f->pos);
	if (rc == -EINVAL) {
		char why[160];

		snprintf(why, sizeof(why),
			 "the file is shorter than the %llu bytes already applied "
			 "(truncated or replaced)",
			 (unsigned long long)f->pos);
		set_aside(in, f, why);
		f->aside_committed = true; /* written in the caller's transaction */
		return file_row_write(in, f);
	}
	return rc;
}

static bool is_journal_name(const char *name)
{
	size_t n = strlen(name), k = strlen(ATTRIB_JOURNAL_SUFFIX);

	return name[0] != '.' && n > k && strcmp(name + n - k, ATTRIB_JOURNAL_SUFFIX) == 0;
}

/* A file the scan found for the first time.  @return 1 added, 0 not (yet)
 * readable or already applied, or a negative errno. */
static int file_add(struct attrib_ingest *in, const char *name)
{
	struct jfile *f = calloc(1, sizeof(*f)), **files;
	char *path = path_of(in, name);
	struct stat sb;
	int rc;

	if (!f || !path || !(f->name = strdup(name))) {
		rc = -ENOMEM;
		goto fail;
	}
	f->interval = INTERVAL_DEFAULT_US;
	f->heard_last = f->committed_heard_last = INT64_MIN;
	f->seen = true;
	name_parse(name, &f->nm);
	/* A symlink would lead out of the journal directory: not a journal. */
	rc = lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode) ? -EINVAL : reader_open(in, f, path);
	if (rc == -ENODATA || rc == -ENOENT) {
		rc = 0; /* a header still being written, or gone again */
		goto fail;
	}
	if (rc == -EBADMSG || rc == -EPROTONOSUPPORT || rc == -EINVAL) {
		/* No identity to key a row on: kept in memory, reported by status. */
		set_aside(in, f, rc == -EBADMSG ? "its header is damaged"
				 : rc == -EINVAL ? "it is not a regular file (a symlink, a FIFO)"
						 : "it needs a newer attribd (journal version)");
		f->aside_committed = true; /* nothing in the store to undo */
		f->touched = false;
		goto add;
	}
	if (rc < 0)
		goto fail;
	f->hdr = *attrib_journal_reader_header(f->r);
	rc = attrib_store_begin(in->st);
	if (rc == 0)
		rc = file_attach(in, f);
	rc = rc < 0 ? (attrib_store_rollback(in->st), rc) : attrib_store_commit(in->st);
	if (rc < 0)
		goto fail;
	if (f->done) {
		/* Applied by an earlier run that stopped before removing it. */
		finish_file(in, f);
		rc = 0;
		goto fail;
	}
	if (f->set_aside)
		reader_close(in, f); /* by an earlier run, or found short just now */
add:
	files = realloc(in->files, (in->n_files + 1) * sizeof(*files));
	if (!files) {
		rc = -ENOMEM;
		goto fail;
	}
	in->files = files;
	in->files[in->n_files++] = f;
	free(path);
	return 1;
fail:
	jfile_free(in, f);
	free(path);
	return rc;
}

/* The names of the journals in the directory not known yet, in @p out (to
 * be freed, and each name); the known ones are marked seen, the others not.
 * @return how many names, or a negative errno: -EMFILE or -ENFILE when the
 * directory cannot be opened for want of a descriptor (said through
 * fds_short(); the known journals are then taken to be there still). */
static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct jfile *const *)a)->name, (*(struct jfile *const *)b)->name);
}

static int name_to_file(const void *name, const void *f)
{
	return strcmp(name, (*(struct jfile *const *)f)->name);
}

static ssize_t list_new(struct attrib_ingest *in, char ***out)
{
	struct jfile **known = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	DIR *d;

	*out = NULL;
	/* The known journals by name: a scan per change of the directory,
	 * over thousands of journals, must not compare every name with every
	 * other. */
	if (in->n_files && !(known = malloc(in->n_files * sizeof(*known))))
		return -ENOMEM;
	d = opendir(in->dir);
	if (!d && (errno == EMFILE || errno == ENFILE)) {
		rc = -errno;
		fds_short(in, "journal directory", in->dir, rc);
		free(known);
		return rc;
	}
	if (!d) {
		rc = -errno;
		say(in, LOG_ERR, "journal directory %s: %s", in->dir, strerror(errno));
		free(known);
		return rc;
	}
	for (size_t i = 0; i < in->n_files; i++) {
		in->files[i]->seen = false;
		known[i] = in->files[i];
	}
	if (in->n_files > 1)
		qsort(known, in->n_files, sizeof(*known), by_name);
	/* Every entry is looked at even after a failure: a known journal
	 * not marked seen would be forgotten as gone. */
	while ((de = readdir(d)) != NULL) {
		struct jfile **f;

		if (!is_journal_name(de->d_name))
			continue;
		f = in->n_files ? bsearch(de->d_name, known, in->n_files, sizeof(*known),
					  name_to_file)
				: NULL;
		if (f) {
			(*f)->seen = true;
			continue;
		}
		if (rc < 0)
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap ? 2 * cap : 16) * sizeof(*names));

			if (!more) {
				rc = -ENOMEM;
				continue;
			}
			names = more;
			cap = cap ? 2 * cap : 16;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			rc = -ENOMEM;
		else
			n++;
	}
	closedir(d);
	free(known);
	if (rc < 0) {
		while (n)
			free(names[--n]);
		free(names);
		return rc;
	}
	*out = names;
	return (ssize_t)n;
}

/* Forget files that went away; only an unfinished one is news. */
static void forget_gone(struct attrib_ingest *in)
{
	size_t keep = 0;

	for (size_t i = 0; i < in->n_files; i++) {
		struct jfile *f = in->files[i];

		if (f->seen) {
			in->files[keep++] = f;
			continue;
		}
		if (!f->done && !f->set_aside)
			say(in, LOG_WARNING, "journal %s vanished after %llu bytes were applied; "
					     "the events after them are lost", f->name,
			    (unsigned long long)f->pos);
		jfile_free(in, f);
	}
	in->n_files = keep;
}

/* A journal the scan found and has not opened. */
struct cand {
	char *name;
	struct jname nm;
	uint64_t scan; /* the scan it began to wait at (this one if it did not) */
};

/* One writer's journals in a scan. */
struct wgroup {
	size_t first, n, next; /* its cands: [first, first + n); next to try */
	size_t open;           /* its journals holding a descriptor */
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return order_cmp(x->name, &x->nm, y->name, &y->nm);
}

static int wait_cmp(const void *a, const void *b)
{
	return strcmp(((const struct jwait *)a)->name, ((const struct jwait *)b)->name);
}

static struct jwait *wait_find(struct attrib_ingest *in, const char *name)
{
	struct jwait key = { .name = (char *)name };

	return in->n_wait ? bsearch(&key, in->wait, in->n_wait, sizeof(key), wait_cmp) : NULL;
}

static void wait_clear(struct attrib_ingest *in)
{
	for (size_t i = 0; i < in->n_wait; i++)
		free(in->wait[i].name);
	free(in->wait);
	in->wait = NULL;
	in->n_wait = 0;
}

/* The writers of @p c (sorted by order_cmp), each with how many of its
 * journals hold a descriptor (in->files sorted the same way).
 * @return how many writers, in @p g. */
static size_t groups_make(struct attrib_ingest *in, const struct cand *c, size_t nc,
			  struct wgroup *g)
{
	size_t ng = 0, j = 0;

	for (size_t i = 0; i < nc; i++) {
		if (i && writer_cmp(c[i - 1].name, &c[i - 1].nm, c[i].name, &c[i].nm) == 0) {
			g[ng - 1].n++;
			continue;
		}
		g[ng] = (struct wgroup){ .first = i, .n = 1 };
		while (j < in->n_files &&
		       writer_cmp(in->files[j]->name, &in->files[j]->nm, c[i].name, &c[i].nm) < 0)
			j++;
		for (; j < in->n_files && writer_cmp(in->files[j]->name, &in->files[j]->nm,
						     c[i].name, &c[i].nm) == 0; j++)
			g[ng].open += in->files[j]->r != NULL;
		ng++;
	}
	return ng;
}

/* Take descriptors from journals opened ahead of their turn, for up to
 * @p want writers that have none: the last open journal of the writer with
 * the most open, while one has two or more.  Such a journal has not been
 * read (the one ahead of it is not done); it goes back among @p c, to wait
 * like any not opened yet.  @return how many were taken. */
static size_t extras_take(struct attrib_ingest *in, size_t want, struct cand *c, size_t *nc)
{
	size_t taken = 0;

	while (taken < want) {
		size_t most = 1, victim = SIZE_MAX;
		struct jfile *f;

		for (size_t i = 0, j; i < in->n_files; i = j) {
			size_t open = 0, last = 0;

			for (j = i; j < in->n_files && same_writer(in->files[i], in->files[j]); j++)
				if (in->files[j]->r) {
					open++;
					last = j;
				}
			if (open > most) {
				most = open;
				victim = last;
			}
		}
		if (victim == SIZE_MAX)
			break;
		f = in->files[victim];
		c[(*nc)++] = (struct cand){ .name = f->name, .nm = f->nm, .scan = in->scans };
		f->name = NULL;
		jfile_free(in, f);
		memmove(in->files + victim, in->files + victim + 1,
			(in->n_files - victim - 1) * sizeof(*in->files));
		in->n_files--;
		taken++;
	}
	return taken;
}

/* Groups by how long their first journal (in @p cands) has waited, then
 * by writer. */
static int group_by_wait(const void *a, const void *b, void *cands)
{
	const struct cand *x = (const struct cand *)cands + ((const struct wgroup *)a)->first;
	const struct cand *y = (const struct cand *)cands + ((const struct wgroup *)b)->first;

	if (x->scan != y->scan)
		return x->scan < y->scan ? -1 : 1;
	return writer_cmp(x->name, &x->nm, y->name, &y->nm);
}

/* Open what there are descriptors for, level by level: every writer with
 * none open gets its first journal, then those with one their second, and
 * so on.  The first journal that finds none free ends the openings; what
 * is left of each writer waits.  @return 0 or a negative errno. */
static int groups_open(struct attrib_ingest *in, struct cand *c, struct wgroup *g, size_t ng)
{
	size_t left = 0;
	int rc;

	for (size_t i = 0; i < ng; i++)
		left += g[i].next < g[i].n;
	for (size_t level = 0; left; level++) {
		for (size_t i = 0; i < ng; i++) {
			struct wgroup *w = &g[i];

			if (w->open != level || w->next == w->n)
				continue;
			/* Until one holds a descriptor: a journal applied
			 * before, gone again or set aside at once holds none,
			 * and the next is then the writer's first unfinished. */
			while (w->next < w->n) {
				const char *name = c[w->first + w->next].name;

				rc = file_add(in, name);
				if (rc == -EMFILE || rc == -ENFILE) {
					fds_short(in, "journal", name, rc);
					return 0;
				}
				if (rc < 0)
					return rc;
				w->next++;
				if (rc == 1 && in->files[in->n_files - 1]->r) {
					w->open++;
					break;
				}
			}
			left -= w->next == w->n;
		}
	}
	return 0;
}

/* The new waiting list: each journal of @p g from its next on, keeping
 * when it began to wait.  @return 0 or -ENOMEM (the old list then stays). */
static int wait_set(struct attrib_ingest *in, const struct cand *c, const struct wgroup *g,
		    size_t ng)
{
	struct jwait *w;
	size_t n = 0, k = 0;
	int64_t now = attrib_time_now();

	for (size_t i = 0; i < ng; i++)
		n += g[i].n - g[i].next;
	w = n ? calloc(n, sizeof(*w)) : NULL;
	if (n && !w)
		return -ENOMEM;
	for (size_t i = 0; i < ng; i++)
		for (size_t j = g[i].first + g[i].next; j < g[i].first + g[i].n; j++) {
			const struct jwait *old = wait_find(in, c[j].name);

			w[k] = (struct jwait){ .name = strdup(c[j].name),
					       .nm = c[j].nm,
					       .scan = old ? old->scan : in->scans,
					       .since = old ? old->since : now };
			if (!w[k++].name) {
				while (k)
					free(w[--k].name);
				free(w);
				return -ENOMEM;
			}
		}
	if (n > 1)
		qsort(w, n, sizeof(*w), wait_cmp);
	wait_clear(in);
	in->wait = w;
	in->n_wait = n;
	return 0;
}

/* Open what the new @p names (taken over: freed here) can have descriptors
 * for, fairly among writers, and make the rest the waiting list.
 * @return 0 or a negative errno. */
static int place_new(struct attrib_ingest *in, char **names, size_t n)
{
	struct cand *c = calloc(n + in->n_files, sizeof(*c));
	struct wgroup *g = calloc(n + in->n_files, sizeof(*g));
	rlim_t limit, kept;
	size_t nc = 0, ng, need = 0, room, max = open_max(&limit, &kept);
	int rc = -ENOMEM;

	if (!c || !g) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct jwait *old = wait_find(in, names[i]);

		c[nc].name = names[i];
		name_parse(names[i], &c[nc].nm);
		c[nc++].scan = old ? old->scan : in->scans;
	}
	qsort(c, nc, sizeof(*c), cand_cmp);
	ng = groups_make(in, c, nc, g);
	for (size_t i = 0; i < ng; i++)
		need += g[i].open == 0;
	room = max > in->n_open ? max - in->n_open : 0;
	if (need > room && extras_take(in, need - room, c, &nc)) {
		qsort(c, nc, sizeof(*c), cand_cmp);
		ng = groups_make(in, c, nc, g);
	}
	qsort_r(g, ng, sizeof(*g), group_by_wait, c);
	rc = groups_open(in, c, g, ng);
	if (rc == 0)
		rc = wait_set(in, c, g, ng);
	for (size_t i = 0; i < nc; i++)
		free(c[i].name);
out:
	free(names);
	free(c);
	free(g);
	return rc;
}

static uint64_t hash_name(uint64_t h, const char *name, uint8_t queued)
{
	/* FNV-1a, the queued flag ending each name. */
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	return (h ^ (uint8_t)(0xfe | queued)) * 1099511628211ULL;
}

/* A journal_wait row for a journal known by its name alone. */
static int wait_add_named(struct attrib_ingest *in, const char *name, const struct jname *nm,
			  int queued)
{
	sqlite3_stmt *s = stmt(in, W_ADD);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (nm->server_len) {
		sqlite3_bind_text(s, 2, name, (int)nm->server_len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, nm->started);
		sqlite3_bind_int64(s, 4, nm->pid);
		sqlite3_bind_int64(s, 5, (int64_t)nm->seq);
	}
	sqlite3_bind_int(s, 6, queued);
	return store_exec(in->st, s);
}

/* Each row journal_wait should hold (see the schema), hashed into @p h, and
 * inserted too when @p insert: the journals waiting for a descriptor, the
 * open ones behind an unfinished earlier journal of their writer, and those
 * whose header is damaged.
 * @return 0 or a negative errno. */
static int wait_rows(struct attrib_ingest *in, bool insert, uint64_t *h)
{
	bool ahead = false;
	sqlite3_stmt *s;
	int rc;

	for (size_t i = 0; i < in->n_wait; i++) {
		const struct jwait *w = &in->wait[i];

		*h = hash_name(*h, w->name, 0);
		if (insert && (rc = wait_add_named(in, w->name, &w->nm, 0)) < 0)
			return rc;
	}
	for (size_t i = 0; i < in->n_files; i++) {
		const struct jfile *f = in->files[i];

		if (i == 0 || !same_writer(in->files[i - 1], f))
			ahead = false;
		if (!f->r)
			continue;
		if (!ahead) {
			ahead = true; /* its writer's first unfinished journal, being read */
			continue;
		}
		*h = hash_name(*h, f->name, 1);
		if (!insert)
			continue;
		s = stmt(in, W_ADD);
		sqlite3_bind_text(s, 1, f->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, f->hdr.server_id, -1, SQLITE_STATIC);
		/* To the second, as a name gives it. */
		sqlite3_bind_int64(s, 3, f->hdr.started - ((f->hdr.started % ATTRIB_USEC) +
							   ATTRIB_USEC) % ATTRIB_USEC);
		sqlite3_bind_int64(s, 4, f->hdr.pid);
		sqlite3_bind_int64(s, 5, f->hdr.seq);
		sqlite3_bind_int(s, 6, 1);
		if ((rc = store_exec(in->st, s)) < 0)
			return rc;
	}
	/* Journals set aside for a damaged header have no row: their name
	 * tells lookups whose evidence they hold, while they are there. */
	for (size_t i = 0; i < in->n_files; i++) {
		const struct jfile *f = in->files[i];

		if (f->id || !f->set_aside || !f->nm.server_len)
			continue;
		*h = hash_name(*h, f->name, 2);
		if (insert && (rc = wait_add_named(in, f->name, &f->nm, 2)) < 0)
			return rc;
	}
	return 0;
}

/* journal_wait as this scan leaves things, written when that changed.
 * @return 0 or a negative errno. */
static int wait_store(struct attrib_ingest *in)
{
	uint64_t h = 14695981039346656037ULL, again = h;
	int rc;

	wait_rows(in, false, &h);
	if (in->wait_stored && h == in->wait_hash)
		return 0;
	rc = attrib_store_begin(in->st);
	if (rc == 0)
		rc = store_exec(in->st, stmt(in, W_CLEAR));
	if (rc == 0)
		rc = wait_rows(in, true, &again);
	if (rc == 0)
		rc = attrib_store_commit(in->st);
	if (rc < 0) {
		attrib_store_rollback(in->st);
		say(in, LOG_ERR, "journals waiting to be read not recorded; lookups do not know "
				 "of them until a later scan: %s", attrib_store_errmsg(in->st));
		return rc;
	}
	in->wait_hash = h;
	in->wait_stored = true;
	return 0;
}

/* A scan or a step failed: status says why, and since when, until a step
 * succeeds. */
static void note_failing(struct attrib_ingest *in, const char *why)
{
	if (!in->step_err[0])
		in->failing_since = attrib_time_now();
	snprintf(in->step_err, sizeof(in->step_err), "%s", why);
}

int attrib_ingest_scan(struct attrib_ingest *in)
{
	char **names;
	ssize_t n;
	int rc = 0;

	in->scans++;
	n = list_new(in, &names);
	forget_gone(in);
	if (n > 0)
		rc = place_new(in, names, (size_t)n);
	else if (n == 0)
		wait_clear(in); /* nothing new: nothing waits */
	else if (n != -EMFILE && n != -ENFILE)
		rc = (int)n;
	/* Not with no files: in->files is then NULL, which qsort may not get. */
	if (in->n_files > 1)
		qsort(in->files, in->n_files, sizeof(*in->files), by_order);
	/* Said by wait_store(), and tried again at the next scan; the steps
	 * go on meanwhile. */
	if (rc == 0)
		wait_store(in);
	if (rc >= 0 && in->fd_short && !in->fd_fails) {
		in->fd_short = false;
		say(in, LOG_NOTICE, "journals open again: none waits for a descriptor");
	}
	in->fd_fails = 0;
	if (rc < 0)
		note_failing(in, in->err[0] ? in->err : strerror(-rc));
	return rc < 0 ? rc : 0;
}

/* Records. */

/* A heartbeat or seal carries how many events the writer has written in
 * all.  What has not reached the store by then, over all the writer's
 * files, was lost on the way (a file removed or cut short). */
static int check_counts(struct attrib_ingest *in, struct jfile *f, uint64_t written, int64_t t)
{
	sqlite3_stmt *s;
	int64_t reached, missing;
	int rc;

	/* The writer's other files as this step has left them: one read up to
	 * its seal just before this one is still ahead of its stored row. */
	for (size_t i = 0; i < in->n_files; i++) {
		struct jfile *o = in->files[i];

		if (o != f && o->touched && o->id && (rc = file_row_write(in, o)) < 0)
			return rc;
	}
	s = stmt(in, J_WRITER_EVENTS);
	bind_writer(s, &f->hdr);
	sqlite3_bind_int64(s, 4, f->id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_error(in->st, rc);
	}
	reached = sqlite3_column_int64(s, 0) + f->events + f->missing;
	sqlite3_reset(s);
	missing = (int64_t)written - reached;
	if (missing <= 0)
		return 0;
	f->missing += missing;
	say(in, LOG_WARNING, "journal %s: writer %s (pid %u) wrote %llu events, %lld never reached "
			     "attribd (a journal file removed or cut short?); recorded as lost",
	    f->name, f->hdr.server_id, f->hdr.pid, (unsigned long long)written, (long long)missing);
	return loss_add(in, f->hdr.server_id, t, t, missing, 0, 0);
}

static int64_t event_heard_time(const struct attrib_event *ev)
{
	return ev->type >= ATTRIB_EV_ACCT_START ? ev->arrival : ev->time;
}

/* The record's time as heard spans take it, into f->heard_last. */
static int64_t note_heard(struct jfile *f, int64_t t)
{
	if (t > f->heard_last)
		f->heard_last = t;
	return t;
}

static int apply_record(struct attrib_ingest *in, struct jfile *f)
{
	const struct attrib_journal_record *rec = &in->rec;
	const char *server = f->hdr.server_id;
	char why[200];
	int64_t t;
	int rc;

	switch (rec->kind) {
	case ATTRIB_JOURNAL_REC_EVENT:
		f->events++;
		t = note_heard(f, event_heard_time(&rec->event));
		if (attrib_event_validate(&rec->event, why, sizeof(why)) < 0) {
			/* The hook wrote an event the rules cannot use: kept out,
			 * named, and counted as lost for coverage. */
			say(in, LOG_ERR, "journal %s, byte %llu: event refused: %s", f->name,
			    (unsigned long long)rec->offset, why);
			return loss_add(in, server, t, t, 1, 0, EINVAL);
		}
		rc = attrib_store_apply(in->st, in->pol, &rec->event);
		if (rc < 0)
			return rc;
		if (rc == 1)
			in->stats.events++;
		else
			in->stats.repeats++;
		return heard(in, server, t, f->interval, false, false);
	case ATTRIB_JOURNAL_REC_HEARTBEAT:
		in->stats.heartbeats++;
		if (rec->heartbeat.interval_ms)
			f->interval = rec->heartbeat.interval_ms * 1000LL;
		rc = heard(in, server, note_heard(f, rec->heartbeat.time), f->interval, false,
			   true);
		if (rc == 0)
			rc = check_counts(in, f, rec->heartbeat.counts.events, rec->heartbeat.time);
		return rc;
	case ATTRIB_JOURNAL_REC_LOSS:
		rc = loss_add(in, server, rec->loss.first, rec->loss.last, (int64_t)rec->loss.lost,
			      (int64_t)rec->loss.refused, rec->loss.error);
		return rc < 0 ? rc
			      : heard(in, server, note_heard(f, rec->loss.last), f->interval,
				      false, true);
	case ATTRIB_JOURNAL_REC_SEAL:
		rc = heard(in, server, note_heard(f, rec->seal.time), f->interval,
			   rec->seal.reason == ATTRIB_JOURNAL_CLOSED, true);
		if (rc == 0)
			rc = check_counts(in, f, rec->seal.counts.events, rec->seal.time);
		return rc;
	}
	return 0;
}

/* The writer is gone: what the file holds now is all it will hold.  When
 * that cannot be asked for want of a descriptor, the writer is taken to be
 * there still, and asked again at the next step. */
static int writer_gone(struct attrib_ingest *in, struct jfile *f)
{
	char *path = path_of(in, f->name);
	int rc;

	if (!path)
		return -ENOMEM;
	rc = attrib_journal_in_use(path);
	free(path);
	if (rc == -EMFILE || rc == -ENFILE) {
		fds_short(in, "journal", f->name, rc);
		return 0;
	}
	return rc == 0 || rc == -ENOENT;
}

/* Read and apply records of @p f until the batch is full or the file has
 * nothing more for now.  @return records applied, or a negative errno. */
static int64_t read_file(struct attrib_ingest *in, struct jfile *f, size_t room)
{
	int64_t n = 0;
	bool rechecked = false;

	while ((size_t)n < room) {
		int st = attrib_journal_next(f->r, &in->rec), rc;

		if (st < 0)
			return st;
		switch (st) {
		case ATTRIB_JOURNAL_OK:
			rc = apply_record(in, f);
			if (rc < 0)
				return rc;
			f->pos = in->rec.next;
			f->records++;
			f->touched = true;
			n++;
			break;
		case ATTRIB_JOURNAL_DONE:
			f->done = f->touched = true;
			return n;
		case ATTRIB_JOURNAL_END:
		case ATTRIB_JOURNAL_TORN:
			/* Whether its writer is gone is asked after reaching the
			 * end, then the end is read once more: a writer that
			 * appended and died between the two is not missed. */
			rc = writer_gone(in, f);
			if (rc < 0)
				return rc;
			if (!rc)
				return n;
			if (!rechecked) {
				rechecked = true;
				continue;
			}
			if (st == ATTRIB_JOURNAL_TORN) {
				struct span *sp = span_get(in, f->hdr.server_id);
				int64_t t = sp && sp->cur.live ? sp->cur.last : f->hdr.created;

				say(in, LOG_WARNING, "journal %s ends in part of a record (%s) "
						     "left by a writer that died; not applied, "
						     "counted as one event lost", f->name,
				    attrib_journal_reader_error(f->r));
				rc = loss_add(in, f->hdr.server_id, t, t, 1, 0, EPIPE);
				if (rc < 0)
					return rc;
			}
			f->done = f->touched = true;
			return n;
		case ATTRIB_JOURNAL_CORRUPT:
			set_aside(in, f, attrib_journal_reader_error(f->r));
			return n;
		}
	}
	return n;
}

static void step_rollback(struct attrib_ingest *in)
{
	attrib_store_rollback(in->st);
	in->n_spans = 0; /* reread from the store */
	for (size_t i = 0; i < in->n_files; i++) {
		struct jfile *f = in->files[i];

		if (!f->touched)
			continue;
		f->pos = f->committed_pos;
		f->records = f->committed_records;
		f->events = f->committed_events;
		f->missing = f->committed_missing;
		f->heard_last = f->committed_heard_last;
		f->done = false;
		f->touched = false;
		if (f->set_aside && !f->aside_committed) {
			free(f->set_aside);
			f->set_aside = NULL;
		}
		if (f->r && attrib_journal_seek(f->r, f->pos) < 0)
			say(in, LOG_ERR, "journal %s: cannot go back to byte %llu after a failed "
					 "step", f->name, (unsigned long long)f->pos);
	}
}

/* Up to @p room records of the writer whose files are files[from, to):
 * its first unfinished file, and once that is done the next.  A file is
 * never read while one before it is unfinished, even with its descriptor
 * open: its records would reach the store out of the order the writer
 * wrote them.  @return records applied, or a negative errno. */
static int64_t read_writer(struct attrib_ingest *in, size_t from, size_t to, size_t room)
{
	int64_t n = 0;

	for (size_t i = from; i < to && (size_t)n < room; i++) {
		struct jfile *f = in->files[i];
		int64_t got;

		if (f->done || f->set_aside)
			continue;
		if (!f->r || f->drained)
			break;
		got = read_file(in, f, room - (size_t)n);
		if (got < 0)
			return got;
		n += got;
		if (f->done || f->set_aside)
			continue;
		/* Short of its room: all it has for now. */
		f->drained = (size_t)n < room;
		break;
	}
	return n;
}

/* Fill a batch from every writer in turn, so that one with a backlog
 * neither holds up the others nor is held up by them: each writer's turn
 * is an equal share, what some leave goes round again to the others, and
 * each step begins one writer further on (a share can be one record).
 * @return records applied, or a negative errno. */
static int64_t read_turns(struct attrib_ingest *in)
{
	size_t n_runs = 0, total = 0, share, first;
	bool more = true;

	if (in->runs_cap < 2 * in->n_files) {
		size_t *p = realloc(in->runs, 2 * in->n_files * sizeof(*p));

		if (!p)
			return -ENOMEM;
		in->runs = p;
		in->runs_cap = 2 * in->n_files;
	}
	/* Writers are runs of files[], which a scan sorted by by_order();
	 * those with nothing left to read (done, set aside) take no turn. */
	for (size_t i = 0, j; i < in->n_files; i = j) {
		bool readable = false;

		for (j = i; j < in->n_files && same_writer(in->files[i], in->files[j]); j++) {
			struct jfile *f = in->files[j];

			f->drained = false;
			readable |= f->r && !f->done && !f->set_aside;
		}
		if (readable) {
			in->runs[2 * n_runs] = i;
			in->runs[2 * n_runs++ + 1] = j;
		}
	}
	if (!n_runs)
		return 0;
	share = in->batch / n_runs ? in->batch / n_runs : 1;
	first = in->turn++ % n_runs;
	while (more && total < in->batch) {
		more = false;
		for (size_t k = 0; k < n_runs && total < in->batch; k++) {
			size_t r = (first + k) % n_runs, room = in->batch - total;
			int64_t got = read_writer(in, in->runs[2 * r], in->runs[2 * r + 1],
						  room < share ? room : share);

			if (got < 0)
				return got;
			total += (size_t)got;
			more |= got > 0;
		}
	}
	return (int64_t)total;
}

int attrib_ingest_step(struct attrib_ingest *in, size_t *applied)
{
	size_t total = 0;
	bool more = false;
	int64_t rc = 0;

	*applied = 0;
	rc = attrib_store_begin(in->st);
	if (rc < 0)
		goto fail;
	rc = read_turns(in);
	if (rc < 0)
		goto fail;
	total = (size_t)rc;
	for (size_t i = 0; i < in->n_files && rc >= 0; i++)
		if (in->files[i]->touched && in->files[i]->id)
			rc = file_row_write(in, in->files[i]);
	if (rc >= 0)
		rc = spans_write(in);
	if (rc < 0)
		goto fail;
	rc = attrib_store_commit(in->st);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < in->n_files; i++) {
		struct jfile *f = in->files[i];

		if (f->touched) {
			f->committed_pos = f->pos;
			f->committed_records = f->records;
			f->committed_events = f->events;
			f->committed_missing = f->missing;
			f->committed_heard_last = f->heard_last;
			f->aside_committed = f->set_aside != NULL;
			f->touched = false;
		}
		if (f->done || f->set_aside)
			reader_close(in, f);
		if (f->done)
			finish_file(in, f);
		else if (!f->set_aside && total >= in->batch)
			more = true;
	}
	*applied = total;
	in->step_err[0] = '\0';
	return more ? 1 : 0;
fail:
	note_failing(in, rc == -ENOSPC ? "the disk is full" : attrib_store_errmsg(in->st));
	say(in, LOG_ERR, "ingest step failed, nothing of it kept: %s", in->step_err);
	step_rollback(in);
	return (int)rc;
}

int attrib_ingest_open(struct attrib_store *st, const struct attrib_policy *pol,
		       const struct attrib_ingest_config *cfg, struct attrib_ingest **out)
{
	struct attrib_ingest *in = calloc(1, sizeof(*in));
	struct stat sb;
	int rc = 0;

	*out = NULL;
	if (!in)
		return -ENOMEM;
	in->st = st;
	in->pol = pol;
	in->batch = cfg->batch_events ? cfg->batch_events : ATTRIB_INGEST_BATCH_DEFAULT;
	in->dir = strdup(cfg->journal_dir);
	in->archive = cfg->archive_dir ? strdup(cfg->archive_dir) : NULL;
	if (!in->dir || (cfg->archive_dir && !in->archive)) {
		rc = -ENOMEM;
		goto fail;
	}
	if (stat(in->dir, &sb) < 0 || (in->archive && stat(in->archive, &sb) < 0)) {
		rc = -errno;
		goto fail;
	}
	for (int i = 0; i < I__COUNT; i++) {
		int r = sqlite3_prepare_v3(st->db, ingest_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					   &in->stmt[i], NULL);

		if (r != SQLITE_OK) {
			rc = store_error(st, r);
			goto fail;
		}
	}
	*out = in;
	return 0;
fail:
	attrib_ingest_close(in);
	return rc;
}

json_t *attrib_ingest_status(struct attrib_ingest *in)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < in->n_files; i++) {
		struct jfile *f = in->files[i];
		char *path = path_of(in, f->name), started[ATTRIB_TIME_STRLEN];
		struct stat sb;
		json_int_t size = -1;
		json_t *o;

		if (path && stat(path, &sb) == 0)
			size = sb.st_size;
		free(path);
		o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b}", "file", f->name, "server-id",
			      f->hdr.server_id, "position", (json_int_t)f->pos, "size", size, "lag",
			      size >= 0 && (uint64_t)size > f->pos ? size - (json_int_t)f->pos : 0,
			      "records", (json_int_t)f->records, "done", f->done);
		if (o && f->id)
			json_object_set_new(
				o, "writer-started",
				json_string(attrib_time_format(f->hdr.started, started)));
		if (o && f->set_aside)
			json_object_set_new(o, "set-aside", json_string(f->set_aside));
		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

json_t *attrib_ingest_waiting(struct attrib_ingest *in)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < in->n_wait; i++) {
		const struct jwait *w = &in->wait[i];
		char since[ATTRIB_TIME_STRLEN], started[ATTRIB_TIME_STRLEN];
		json_t *o = json_pack("{s:s, s:s}", "file", w->name, "waiting-since",
				      attrib_time_format(w->since, since));

		if (o && w->nm.server_len) {
			json_object_set_new(o, "server-id",
					    json_stringn(w->name, w->nm.server_len));
			json_object_set_new(o, "writer-started",
					    json_string(attrib_time_format(w->nm.started,
									   started)));
		}
		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* One source's coverage as the store holds it (committed steps only). */
static json_t *source_json(struct attrib_ingest *in, sqlite3_stmt *loss, const char *server,
			   int64_t first, int64_t last, int64_t interval, int closed, int64_t spans,
			   int64_t now)
{
	char f[ATTRIB_TIME_STRLEN], l[ATTRIB_TIME_STRLEN], ll[ATTRIB_TIME_STRLEN];
	int64_t lost = 0, refused = 0, last_loss = 0;
	json_t *o;

	sqlite3_reset(loss);
	sqlite3_bind_text(loss, 1, server, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(loss) == SQLITE_ROW) {
		lost = sqlite3_column_int64(loss, 0);
		refused = sqlite3_column_int64(loss, 1);
		last_loss = sqlite3_column_int64(loss, 2);
	}
	sqlite3_reset(loss);
	(void)in;
	o = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:I, s:I, s:I}", "server-id", server,
		      "first-heard", attrib_time_format(first, f), "last-heard",
		      attrib_time_format(last, l), "interval", (json_int_t)(interval / ATTRIB_USEC),
		      "closed", closed, "silent", !closed && now > last + 2 * interval, "spans",
		      (json_int_t)spans, "lost", (json_int_t)lost, "refused", (json_int_t)refused);
	if (o)
		json_object_set_new(o, "last-loss",
				    last_loss ? json_string(attrib_time_format(last_loss, ll))
					      : json_null());
	return o;
}

json_t *attrib_ingest_coverage(struct attrib_ingest *in)
{
	static const char spans_sql[] =
		"SELECT server_id, min(first), max(last), count(*), "
		"(SELECT interval FROM heard l WHERE l.server_id = h.server_id ORDER BY first DESC "
		"LIMIT 1), (SELECT closed FROM heard l WHERE l.server_id = h.server_id ORDER BY "
		"first DESC LIMIT 1) FROM heard h GROUP BY server_id ORDER BY server_id";
	static const char loss_sql[] = "SELECT coalesce(sum(lost), 0), coalesce(sum(refused), 0), "
				       "max(last) FROM loss WHERE server_id = ?1";
	sqlite3_stmt *spans = NULL, *loss = NULL;
	json_t *list = json_array();
	int64_t now = attrib_time_now();
	int rc;

	if (!list || sqlite3_prepare_v2(in->st->db, spans_sql, -1, &spans, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(in->st->db, loss_sql, -1, &loss, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(spans)) == SQLITE_ROW) {
		json_t *o =
			source_json(in, loss, (const char *)sqlite3_column_text(spans, 0),
				    sqlite3_column_int64(spans, 1), sqlite3_column_int64(spans, 2),
				    sqlite3_column_int64(spans, 4), sqlite3_column_int(spans, 5),
				    sqlite3_column_int64(spans, 3), now);

		if (!o || json_array_append_new(list, o) < 0)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(spans);
	sqlite3_finalize(loss);
	return list;
fail:
	sqlite3_finalize(spans);
	sqlite3_finalize(loss);
	json_decref(list);
	return NULL;
}

void attrib_ingest_stats(struct attrib_ingest *in, struct attrib_ingest_stats *out)
{
	*out = in->stats;
}

const char *attrib_ingest_error(struct attrib_ingest *in)
{
	return in->err;
}

const char *attrib_ingest_failing(struct attrib_ingest *in, int64_t *since)
{
	*since = in->failing_since;
	return in->step_err[0] ? in->step_err : NULL;
}

void attrib_ingest_set_log(struct attrib_ingest *in, attrib_ingest_log_cb cb, void *arg)
{
	in->log = cb;
	in->log_arg = arg;
}

void attrib_ingest_close(struct attrib_ingest *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n_files; i++)
		jfile_free(in, in->files[i]);
	free(in->files);
	for (int i = 0; i < I__COUNT; i++)
		sqlite3_finalize(in->stmt[i]);
	wait_clear(in);
	free(in->runs);
	free(in->dir);
	free(in->archive);
	free(in);
}
