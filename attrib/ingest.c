/* SPDX-License-Identifier: GPL-3.0-or-later
 * Ingest: the journal files in one directory, applied to the store exactly
 * once.  Every step is one transaction holding the events it applied, the
 * new read position of each file it read, and what the writers said of
 * themselves (heard spans, losses), so a crash before the commit leaves the
 * store as it was and a crash after it leaves nothing to repeat.
 *
 * Files are known by the identity their header carries, not by name; they
 * are read in name order, which for one writer is the order it wrote them,
 * and a file is removed (or archived) only after the commit that applied
 * its last record, and only once no writer holds it.  A writer's heartbeat
 * carries how many events it has written in all; when that is more than
 * reached us (a file deleted or cut short behind our back), the difference
 * is recorded as a loss, so coverage says so.
 *
 * Only a journal that may still be read holds a descriptor: one set aside
 * or done gives its back once the step that decided so is committed.  A
 * journal that finds no descriptor free waits, with those named after it,
 * for a later scan; it has no row yet, so nothing of it is lost or read
 * twice by waiting. */
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
	I__COUNT
};

static const char *const ingest_sql[I__COUNT] = {
	[J_FIND] = "SELECT id, position, records, events, missing, done, set_aside FROM journal "
		   "WHERE server_id = ?1 AND writer_start = ?2 AND pid = ?3 AND seq = ?4",
	[J_ADD] = "INSERT INTO journal (server_id, writer_start, pid, seq, name, position) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[J_SET] = "UPDATE journal SET position = ?2, records = ?3, events = ?4, missing = ?5, "
		  "done = ?6, set_aside = ?7, name = ?8 WHERE id = ?1",
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
};

/* One journal file.  The committed_* fields are what the store holds; the
 * others run ahead of them inside a step and fall back on rollback. */
struct jfile {
	char *name;
	int64_t id; /* its journal row; 0 when it has none (an unreadable header) */
	struct attrib_journal_reader *r;
	struct attrib_journal_header hdr;
	uint64_t pos, committed_pos;
	int64_t records, events, missing;
	int64_t committed_records, committed_events, committed_missing;
	int64_t interval;  /* us: the writer's heartbeat interval */
	bool done;         /* fully applied: sealed, or its writer gone and all read */
	bool touched;      /* changed in this step */
	bool seen;         /* found by the last scan */
	char *set_aside;   /* why it is not read any more; NULL while it is */
	bool aside_committed; /* the store has set_aside too */
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
	attrib_ingest_log_cb log;
	void *log_arg;
	char err[512];
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
		sqlite3_reset(s);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		s = stmt(in, J_ADD);
		bind_writer(s, &f->hdr);
		sqlite3_bind_int64(s, 4, f->hdr.seq);
		sqlite3_bind_text(s, 5, f->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, f->hdr.length);
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

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct jfile *const *)a)->name, (*(struct jfile *const *)b)->name);
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
	f->seen = true;
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

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the journals in the directory not known yet, in name order,
 * in @p out (to be freed, and each name); the known ones are marked seen,
 * the others not.  A directory that cannot be opened for want of a
 * descriptor reads as holding the known journals and nothing new.
 * @return how many names, or a negative errno. */
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
		fds_short(in, "journal directory", in->dir, -errno);
		free(known);
		return 0;
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
	if (n > 1)
		qsort(names, n, sizeof(*names), by_string);
	*out = names;
	return (ssize_t)n;
}

int attrib_ingest_scan(struct attrib_ingest *in)
{
	char **names;
	size_t keep = 0;
	ssize_t n;
	int rc = 0;

	n = list_new(in, &names);
	if (n < 0)
		rc = (int)n;
	/* In name order, which for one writer is the order it wrote them in:
	 * when one must wait for a descriptor, those after it wait too, so no
	 * writer's later file is read before its earlier one. */
	for (ssize_t i = 0; i < n && rc >= 0; i++) {
		rc = file_add(in, names[i]);
		if (rc == -EMFILE || rc == -ENFILE) {
			fds_short(in, "journal", names[i], rc);
			rc = 0;
			break;
		}
	}
	for (ssize_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	/* Forget files that went away; only an unfinished one is news. */
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
	/* Not with no files: in->files is then NULL, which qsort may not get. */
	if (in->n_files > 1)
		qsort(in->files, in->n_files, sizeof(*in->files), by_name);
	if (rc >= 0 && in->fd_short && !in->fd_fails) {
		in->fd_short = false;
		say(in, LOG_NOTICE, "journals open again: none waits for a descriptor");
	}
	in->fd_fails = 0;
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
		t = event_heard_time(&rec->event);
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
		rc = heard(in, server, rec->heartbeat.time, f->interval, false, true);
		if (rc == 0)
			rc = check_counts(in, f, rec->heartbeat.counts.events, rec->heartbeat.time);
		return rc;
	case ATTRIB_JOURNAL_REC_LOSS:
		rc = loss_add(in, server, rec->loss.first, rec->loss.last, (int64_t)rec->loss.lost,
			      (int64_t)rec->loss.refused, rec->loss.error);
		return rc < 0 ? rc : heard(in, server, rec->loss.last, f->interval, false, true);
	case ATTRIB_JOURNAL_REC_SEAL:
		rc = heard(in, server, rec->seal.time, f->interval,
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

int attrib_ingest_step(struct attrib_ingest *in, size_t *applied)
{
	size_t total = 0;
	bool more = false;
	int64_t rc = 0;

	*applied = 0;
	rc = attrib_store_begin(in->st);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < in->n_files && total < in->batch; i++) {
		struct jfile *f = in->files[i];

		if (f->done || f->set_aside || !f->r)
			continue;
		rc = read_file(in, f, in->batch - total);
		if (rc < 0)
			goto fail;
		total += (size_t)rc;
	}
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
	return more ? 1 : 0;
fail:
	say(in, LOG_ERR, "ingest step failed, nothing of it kept: %s",
	    rc == -ENOSPC ? "the disk is full" : attrib_store_errmsg(in->st));
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
	free(in->dir);
	free(in->archive);
	free(in);
}
