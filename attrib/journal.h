/* SPDX-License-Identifier: GPL-3.0-or-later
 * The event journal: the append-only files the Kea and FreeRADIUS hooks write
 * and attribd tails.  Its byte format, the writer the hooks use and the
 * reader the daemon uses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/event.h"

/* File format, version 1.  Integers are little-endian; times are signed
 * microseconds since the epoch, UTC.
 *
 * Header, once at offset 0:
 *   0  8  magic 89 41 54 52 4a 4e 4c 0a ("\x89ATRJNL\n")
 *   8  2  format version (1)
 *  10  2  header length h, the CRC included (41 + n)
 *  12  4  writer's process id
 *  16  4  file sequence number within the writer, from 1
 *  20  8  time the writer started
 *  28  8  time this file was created
 *  36  1  length n of the server id, 1..ATTRIB_JOURNAL_ID_MAX
 *  37  n  server id: letters, digits, '.', '_', '-'; not starting with '.'
 *  h-4 4  CRC-32C of bytes 0..h-5
 *
 * Then records, back to back, each a frame and a body:
 *   0  1  kind (enum attrib_journal_kind)
 *   1  2  body length b, at most ATTRIB_JOURNAL_RECORD_MAX - 8
 *   3  1  CRC-8 (polynomial 0x07, initial 0xff) of bytes 0..2
 *   4  4  CRC-32C of bytes 0..3 and the body
 *   8  b  body
 * The CRC-8 lets a reader tell a damaged length from a record still being
 * written before it reads the body that length points to.
 *
 * A body is its encoding version (1), then fields in ascending tag order,
 * each a tag byte, a length byte and the value.  A reader skips a field whose
 * tag it does not know if the tag is below 0x80 and refuses the record if it
 * is 0x80 or above; so later versions add fields without breaking readers.
 * Event fields carry only what the event has (an absent string, a zero time,
 * a counter without its ATTRIB_HAS_ flag are not written): a DHCPv4 commit
 * takes about 100 bytes.  Strings are 1..ATTRIB_STR_MAX-1 bytes without NUL;
 * an address is family (4 or 6), prefix length and the prefix's leading
 * bytes, the bits past the length zero.
 *
 * A file is finished when it ends in a seal record (rotation or close) or
 * when no process holds its write lock (attrib_journal_in_use()): a writer
 * that crashed leaves a file without a seal, perhaps ending in part of a
 * record.  Files are named <server-id>.<start>.<pid>.<seq>.journal, <start>
 * being the writer's start as YYYYMMDDTHHMMSSZ and <seq> six digits or more,
 * so that one writer's files sort in order.  A file appears under that name
 * only once its header is written and locked; before, it has a name starting
 * with '.', which readers skip. */

#define ATTRIB_JOURNAL_VERSION    1
#define ATTRIB_JOURNAL_SUFFIX     ".journal"
#define ATTRIB_JOURNAL_ID_MAX     64 /* bytes of a server id */
#define ATTRIB_JOURNAL_HEADER_MAX (41 + ATTRIB_JOURNAL_ID_MAX)
#define ATTRIB_JOURNAL_FRAME      8     /* bytes before a record's body */
#define ATTRIB_JOURNAL_RECORD_MAX 65536 /* a record, frame included */
#define ATTRIB_JOURNAL_EVENT_MAX  4096  /* an event record, frame included */

enum attrib_journal_kind {
	ATTRIB_JOURNAL_REC_EVENT = 1,     /* a struct attrib_event */
	ATTRIB_JOURNAL_REC_HEARTBEAT = 2, /* the writer is alive; its counts */
	ATTRIB_JOURNAL_REC_LOSS = 3,      /* events the writer could not write */
	ATTRIB_JOURNAL_REC_SEAL = 4,      /* the last record of a file */
};

/** What a writer has done since it started, over all its files. */
struct attrib_journal_counts {
	uint64_t events;  /* event records written */
	uint64_t lost;    /* events not written, the caller carrying on (or written to a
			   * file that then failed to sync or vanished) */
	uint64_t refused; /* events not written, the caller told so (it may retry) */
};

struct attrib_journal_heartbeat {
	int64_t time;         /* the writer's clock */
	uint32_t interval_ms; /* the next heartbeat is due this long after */
	struct attrib_journal_counts counts;
};

/** Events lost since the previous loss record, written before the next
 * record that could be written. */
struct attrib_journal_loss {
	uint64_t lost;
	uint64_t refused;
	int64_t first; /* the writer's clock at the first and the last of them */
	int64_t last;
	int32_t error; /* errno of the last failure */
};

enum attrib_journal_seal_reason { ATTRIB_JOURNAL_ROTATED = 1, ATTRIB_JOURNAL_CLOSED = 2 };

struct attrib_journal_seal {
	int64_t time;
	uint8_t reason;       /* enum attrib_journal_seal_reason */
	uint64_t file_events; /* event records in this file */
	struct attrib_journal_counts counts;
};

/** One decoded record.  @c offset and @c next are set by the reader only. */
struct attrib_journal_record {
	enum attrib_journal_kind kind;
	uint64_t offset; /* where it starts in its file */
	uint64_t next;   /* where the next starts: the position to keep once applied */
	const char *why; /* on a decoding failure, what is wrong (static text) */
	union {
		struct attrib_event event;
		struct attrib_journal_heartbeat heartbeat;
		struct attrib_journal_loss loss;
		struct attrib_journal_seal seal;
	};
};

/** A file's header. */
struct attrib_journal_header {
	uint16_t version;
	uint16_t length; /* bytes; the first record starts here */
	uint32_t pid;
	uint32_t seq;
	int64_t started;
	int64_t created;
	char server_id[ATTRIB_JOURNAL_ID_MAX + 1];
};

/* Encoding and decoding.  Pure functions of their arguments: any thread. */

/** Encode @p ev as a framed event record into @p buf.
 * @return the record's length (at most ATTRIB_JOURNAL_EVENT_MAX); -EINVAL
 * when @p ev cannot be written as it is (type or source out of range, more
 * than ATTRIB_EVENT_ADDRS addresses, an address of another family, length or
 * with bits set past its length, a string not terminated within
 * ATTRIB_STR_MAX); -ENOBUFS when @p cap is too small. */
int attrib_journal_encode_event(const struct attrib_event *ev, uint8_t *buf, size_t cap);

/** Encode any record (@c kind and the matching member of @p rec) as above.
 * @return the length, -EINVAL (also for an unknown kind), -ENOBUFS. */
int attrib_journal_encode(const struct attrib_journal_record *rec, uint8_t *buf, size_t cap);

/** Write the frame (kind, length, both checksums) around a body of
 * @p body_len bytes already at @p buf + ATTRIB_JOURNAL_FRAME: for tests and
 * fuzzers that build bodies by hand.  @return the record's length, or
 * -EINVAL for an unknown kind or a body of 0 or more than
 * ATTRIB_JOURNAL_RECORD_MAX - ATTRIB_JOURNAL_FRAME bytes. */
int attrib_journal_frame(uint8_t *buf, enum attrib_journal_kind kind, size_t body_len);

/** Decode the record at the start of @p buf, whose @p len bytes may be
 * anything: every length is checked before it is used.
 * @return the record's length, @p out filled (@c offset and @c next 0);
 * -EAGAIN when @p buf ends before the record does and what there is of it
 * looks right; -EBADMSG when it is malformed, or its checksums do not match;
 * -EPROTONOSUPPORT when it needs a newer reader.  On failure @c out->why
 * says what is wrong and the rest of @p out is unspecified. */
int attrib_journal_decode(const uint8_t *buf, size_t len, struct attrib_journal_record *out);

/** Encode a header.  @p hdr->length and @p hdr->version are ignored.
 * @return its length, -EINVAL (a server id not as the format says), -ENOBUFS. */
int attrib_journal_header_encode(const struct attrib_journal_header *hdr, uint8_t *buf, size_t cap);

/** Decode a header from @p len bytes at @p buf.
 * @return its length; -EAGAIN when @p buf is shorter than the header;
 * -EBADMSG (bad magic, length, id or checksum); -EPROTONOSUPPORT (a newer
 * format version). */
int attrib_journal_header_decode(const uint8_t *buf, size_t len, struct attrib_journal_header *out);

/* The writer, for the hooks.  One per process and journal directory. */

enum attrib_journal_sync {
	ATTRIB_JOURNAL_SYNC_INTERVAL = 0, /* fdatasync from the writer's thread every sync_ms */
	ATTRIB_JOURNAL_SYNC_NONE,         /* leave it to the kernel */
	ATTRIB_JOURNAL_SYNC_EVERY,        /* append returns once its record is on disk;
					   * concurrent appends share one fdatasync */
};

/** What a failed append counts as; append returns the error either way. */
enum attrib_journal_on_failure {
	ATTRIB_JOURNAL_CARRY_ON = 0, /* lost: the caller serves on (Kea) */
	ATTRIB_JOURNAL_REFUSE,       /* refused: the caller fails the request, the peer
				      * retransmits (FreeRADIUS accounting) */
};

/** Told of trouble and of recovery: @p err a positive errno and @p msg what
 * failed, or @p err 0 when records are written again.  Called on a change of
 * state, not per event, from whichever thread saw it, with the writer locked:
 * it must not call back into the writer. */
typedef void (*attrib_journal_notify_cb)(void *arg, int err, const char *msg);

/** Zero means the default for every number. */
struct attrib_journal_config {
	const char *dir;       /* an existing directory */
	const char *server_id; /* as the header requires; names the files */
	enum attrib_journal_sync sync;
	enum attrib_journal_on_failure on_failure;
	uint32_t sync_ms;      /* 1000: sync period, and how often the file is checked to be
				* still where it was created */
	uint32_t heartbeat_ms; /* 30000 */
	uint32_t retry_ms;     /* 1000: after failing to create a file, appends fail at once
				* for this long before the next attempt */
	uint64_t max_bytes;    /* 64 MiB: rotate before a file grows past this */
	uint32_t max_age_s;    /* 3600: rotate a file this old */
	unsigned file_mode;    /* 0640 */
	attrib_journal_notify_cb notify; /* may be NULL */
	void *notify_arg;
};

struct attrib_journal_writer;

/** What a writer has done, for logs and tests. */
struct attrib_journal_stats {
	struct attrib_journal_counts counts;
	uint64_t files;      /* files created */
	uint64_t file_bytes; /* size of the current file; 0 when there is none */
	int last_error;      /* positive errno of the last failure, 0 if none */
};

/** Start a writer: validate @p cfg, create the first file (header and a
 * heartbeat) and start the thread that syncs, beats and rotates by age.
 * @return 0 and the writer in @p out; -EINVAL (bad configuration), or the
 * negative errno of creating the first file, so that a wrong directory is
 * reported at start where the operator sees it.  Call from the thread that
 * owns the hook's life (Kea's load(), FreeRADIUS's instantiate).
 * The writer belongs to the process that opened it: a forked child must not
 * use it (its thread does not exist there, its lock may be held) and should
 * open its own; the descriptors are close-on-exec.  Neither host forks after
 * that point: FreeRADIUS 3.2 daemonizes before it instantiates modules
 * (src/main/radiusd.c), and Kea's hooks that run scripts fork and exec. */
int attrib_journal_open(const struct attrib_journal_config *cfg,
			struct attrib_journal_writer **out);

/** Append one event.  Never waits for attribd; waits for the disk only with
 * ATTRIB_JOURNAL_SYNC_EVERY.  Any thread, concurrently.
 * @return 0 once the record is written (and, with SYNC_EVERY, synced); else a
 * negative errno (-EINVAL for an event that cannot be encoded, that of the
 * failed create, write or sync otherwise), the event counted as lost or
 * refused per the configuration.  The first record written after failures
 * is a loss record with their count. */
int attrib_journal_append(struct attrib_journal_writer *w, const struct attrib_event *ev);

/** Sync everything appended so far now and check that the current file is
 * still where it was created (a file deleted or moved away loses what was
 * written to it since the last check: those events are counted as lost).
 * Any thread.  @return 0 or the first negative errno met. */
int attrib_journal_sync(struct attrib_journal_writer *w);

/** Seal the current file and continue in a new one (an operator's rotate,
 * a test).  If the new file cannot be created the current one is kept.
 * Any thread.  @return 0 or a negative errno. */
int attrib_journal_rotate(struct attrib_journal_writer *w);

/** Copy the writer's counters to @p out.  Any thread. */
void attrib_journal_stats(struct attrib_journal_writer *w, struct attrib_journal_stats *out);

/** Stop the thread, write what loss is pending and a seal, sync (unless
 * SYNC_NONE), close the file, free the writer and set *@p pw to NULL.  Safe
 * to call again or on a NULL writer (Kea's unload may run more than once).
 * No append may run concurrently or after.
 * @return 0, or the negative errno of the final write or sync (the writer is
 * freed all the same). */
int attrib_journal_close(struct attrib_journal_writer **pw);

/* The reader, for attribd.  One reader is used by one thread at a time. */

/** What attrib_journal_next() found. */
enum attrib_journal_next_status {
	ATTRIB_JOURNAL_OK = 0,  /* a record, in *rec; attrib_journal_tell() is rec->next */
	ATTRIB_JOURNAL_END,     /* no more data so far; the file may grow */
	ATTRIB_JOURNAL_TORN,    /* the file ends inside a record: a write in progress, or what
				 * a crash left; call again later, the record may complete */
	ATTRIB_JOURNAL_CORRUPT, /* bad data at attrib_journal_tell(), followed by more data
				 * (attrib_journal_reader_error() says what); it stays so */
	ATTRIB_JOURNAL_DONE,    /* the seal was read: the file is finished */
};

struct attrib_journal_reader;

/** Open a journal file and check its header.
 * @return 0 and the reader in @p out, positioned at the first record; -errno
 * from open/read; -EINVAL when @p path is not a regular file (a FIFO);
 * -ENODATA when the file is shorter than its header (what a crash can
 * leave); -EBADMSG or -EPROTONOSUPPORT as for attrib_journal_header_decode();
 * -ENOMEM. */
int attrib_journal_reader_open(const char *path, struct attrib_journal_reader **out);

const struct attrib_journal_header *
attrib_journal_reader_header(const struct attrib_journal_reader *r);

/** Read the record at the current position.  Never returns a record whose
 * checksums fail or that decodes badly.  A bad record is TORN when nothing
 * but zeros follows it or when it ends exactly at the end of the file (a
 * record being written, or the last one a crash cut short), and CORRUPT when
 * more data follows; a bad checksum is read twice before it is believed,
 * since a reader may race with the writer.
 * @return an enum attrib_journal_next_status, or a negative errno of reading
 * (the position is then unchanged). */
int attrib_journal_next(struct attrib_journal_reader *r, struct attrib_journal_record *rec);

/** The position: where the next record starts, or where the bad data is. */
uint64_t attrib_journal_tell(const struct attrib_journal_reader *r);

/** Continue from @p pos, a position this reader (or another over the same
 * file) gave out.  Checked: it must lie within the file, after the header,
 * and either be the end of the file or start a record whose checksums hold
 * (or a record still being written at the end).  Key stored positions on the
 * file's header (server id, start, pid, seq), not on its name alone.  After a
 * seek past the seal the reader answers END, not DONE: a file no process has
 * in use (attrib_journal_in_use()) is finished.
 * @return 0; -EINVAL (the position is unchanged); a negative errno. */
int attrib_journal_seek(struct attrib_journal_reader *r, uint64_t pos);

/** After CORRUPT, move to the next offset where a complete record with good
 * checksums starts, and return how many bytes were skipped: the caller
 * records them as lost.  The reader never does this on its own.  Suggested
 * policy: stop at the corrupt file, raise an error naming file and offset,
 * and let an operator call for the skip (keep ingesting other files).  A byte
 * scan after damage can land inside a string that a client chose (a username
 * holding a well-formed record) and accept a forged event; stopping never
 * answers with a wrong customer, and the damaged bytes will not heal by
 * waiting either way.
 * @return the bytes skipped (> 0); -ENOENT when no good record follows yet
 * (nothing changes); -EINVAL when not at CORRUPT; a negative errno. */
int64_t attrib_journal_resync(struct attrib_journal_reader *r);

/** What is wrong at the position after CORRUPT (or TORN), as text:
 * "offset 1234: bad CRC-32C".  Valid until the next call on @p r. */
const char *attrib_journal_reader_error(const struct attrib_journal_reader *r);

void attrib_journal_reader_close(struct attrib_journal_reader *r);

/** Whether a writer still holds the journal file at @p path: 1 yes, 0 no
 * (it was closed, or its process died: the file will not grow), or a negative
 * errno.  A forked child that inherited the writer's descriptor counts as a
 * holder until it exits. */
int attrib_journal_in_use(const char *path);
