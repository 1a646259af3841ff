/* SPDX-License-Identifier: GPL-3.0-or-later
 * Fuzzes the journal's decoder and reader with a journal file: the input's
 * bytes as they are, and again with the header's and each frame's checksums
 * made right, so that mutations reach the field decoder instead of stopping
 * at a CRC.  Every record either reports an error or re-encodes to the bytes
 * it came from (shorter only by fields this reader skips, and then decoding
 * to the same record); the reader never returns anything else, whatever the
 * file holds, and keeps its word on positions it gives out. */
#include "fuzz.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attrib/crc32c.h"
#include "attrib/journal.h"

#define MAX_STEPS 4096 /* records and resyncs read from one file */

static uint8_t enc[ATTRIB_JOURNAL_RECORD_MAX];
static struct attrib_journal_record again;

/* @p rec was decoded from the @p total bytes at @p bytes. */
static void check_record(const uint8_t *bytes, size_t total, const struct attrib_journal_record *rec)
{
	static struct attrib_journal_record want;
	int n;

	memcpy(&want, rec, sizeof(want));
	want.offset = 0;
	want.next = 0;
	FUZZ_CHECK(rec->kind >= ATTRIB_JOURNAL_REC_EVENT && rec->kind <= ATTRIB_JOURNAL_REC_SEAL);
	n = attrib_journal_encode(rec, enc, sizeof(enc));
	if (n < 0)
		fprintf(stderr, "decoded record of kind %d does not encode: %s\n", rec->kind,
			strerror(-n));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK((size_t)n <= total);
	if ((size_t)n == total)
		FUZZ_CHECK(memcmp(enc, bytes, total) == 0);
	FUZZ_CHECK(attrib_journal_decode(enc, (size_t)n, &again) == n);
	FUZZ_CHECK(memcmp(&again, &want, sizeof(want)) == 0);
}

/* Decode records back to back from @p p until one fails. */
static void decode_run(const uint8_t *p, size_t len)
{
	static struct attrib_journal_record rec;

	while (len) {
		int rc = attrib_journal_decode(p, len, &rec);

		if (rc < 0) {
			FUZZ_CHECK(rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
			FUZZ_CHECK(rec.why != NULL);
			return;
		}
		FUZZ_CHECK((size_t)rc <= len && rc > ATTRIB_JOURNAL_FRAME);
		check_record(p, (size_t)rc, &rec);
		p += rc;
		len -= (size_t)rc;
	}
}

/* Decode the header at @p p; @return its length, or 0 if there is none.  A
 * header that decodes encodes to the same bytes. */
static size_t decode_header(const uint8_t *p, size_t len)
{
	struct attrib_journal_header h;
	uint8_t buf[ATTRIB_JOURNAL_HEADER_MAX];
	int rc = attrib_journal_header_decode(p, len, &h);

	if (rc < 0) {
		FUZZ_CHECK(rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
		return 0;
	}
	FUZZ_CHECK((size_t)rc <= len && rc == h.length);
	FUZZ_CHECK(attrib_journal_header_encode(&h, buf, sizeof(buf)) == rc);
	FUZZ_CHECK(memcmp(buf, p, (size_t)rc) == 0);
	return (size_t)rc;
}

/* Make the header's CRC and every frame's checksums right, as far as the
 * lengths they give let the frames be found. */
static void fix_checksums(uint8_t *p, size_t len)
{
	size_t pos, n;
	uint32_t crc;

	if (len < 37 || p[0] != 0x89)
		return;
	n = p[36];
	if (n == 0 || n > ATTRIB_JOURNAL_ID_MAX || len < 41 + n)
		return;
	pos = 41 + n;
	p[10] = (uint8_t)pos;
	p[11] = 0;
	crc = attrib_crc32c(0, p, pos - 4);
	for (int i = 0; i < 4; i++)
		p[pos - 4 + i] = (uint8_t)(crc >> 8 * i);
	while (len - pos >= ATTRIB_JOURNAL_FRAME) {
		size_t body = p[pos + 1] | (size_t)p[pos + 2] << 8;

		if (body > len - pos - ATTRIB_JOURNAL_FRAME)
			return;
		if (attrib_journal_frame(p + pos, p[pos], body) < 0)
			return;
		pos += ATTRIB_JOURNAL_FRAME + body;
	}
}

/* The reader over a file holding the @p len bytes at @p p. */
static void read_file(const uint8_t *p, size_t len)
{
	static struct attrib_journal_record rec, first;
	struct attrib_journal_reader *r = NULL;
	uint64_t first_off = 0, pos;
	bool have_first = false;
	char path[64];
	int fd, rc;

	fd = memfd_create("fuzz-journal", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(len == 0 || write(fd, p, len) == (ssize_t)len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = attrib_journal_reader_open(path, &r);
	if (rc < 0) {
		FUZZ_CHECK(rc == -ENODATA || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
		FUZZ_CHECK(r == NULL);
		close(fd);
		return;
	}
	pos = attrib_journal_tell(r);
	FUZZ_CHECK(pos == attrib_journal_reader_header(r)->length && pos <= len);

	for (int step = 0; step < MAX_STEPS; step++) {
		int st = attrib_journal_next(r, &rec);
		int64_t skipped;

		FUZZ_CHECK(st >= 0);
		if (st == ATTRIB_JOURNAL_OK) {
			FUZZ_CHECK(rec.offset == pos && rec.next > pos && rec.next <= len);
			FUZZ_CHECK(attrib_journal_tell(r) == rec.next);
			check_record(p + rec.offset, (size_t)(rec.next - rec.offset), &rec);
			if (!have_first) {
				memcpy(&first, &rec, sizeof(first));
				first_off = rec.offset;
				have_first = true;
			}
			pos = rec.next;
			continue;
		}
		FUZZ_CHECK(attrib_journal_tell(r) == pos);
		FUZZ_CHECK(strnlen(attrib_journal_reader_error(r), 160) < 160);
		if (st != ATTRIB_JOURNAL_CORRUPT)
			break;
		/* It stays corrupt until told to skip; the skip lands on a record. */
		FUZZ_CHECK(attrib_journal_next(r, &rec) == ATTRIB_JOURNAL_CORRUPT);
		skipped = attrib_journal_resync(r);
		if (skipped < 0) {
			FUZZ_CHECK(skipped == -ENOENT);
			FUZZ_CHECK(attrib_journal_tell(r) == pos);
			break;
		}
		FUZZ_CHECK(skipped > 0 && attrib_journal_tell(r) == pos + (uint64_t)skipped);
		pos += (uint64_t)skipped;
	}

	/* A record the reader returned starts a position it can return to. */
	if (have_first) {
		FUZZ_CHECK(attrib_journal_seek(r, first_off) == 0);
		FUZZ_CHECK(attrib_journal_next(r, &rec) == ATTRIB_JOURNAL_OK);
		FUZZ_CHECK(memcmp(&rec, &first, sizeof(rec)) == 0);
	}
	/* Any other position is taken or refused, never half taken. */
	if (len) {
		pos = attrib_journal_reader_header(r)->length + p[len - 1] * 3u;
		rc = attrib_journal_seek(r, pos);
		FUZZ_CHECK(rc == 0 || rc == -EINVAL);
		if (rc == 0) {
			FUZZ_CHECK(attrib_journal_tell(r) == pos);
			FUZZ_CHECK(attrib_journal_next(r, &rec) >= 0);
		}
	}
	attrib_journal_reader_close(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = malloc(size ? size : 1);
	size_t h;

	FUZZ_CHECK(fixed != NULL);
	decode_run(data, size);
	h = decode_header(data, size);
	if (h)
		decode_run(data + h, size - h);
	read_file(data, size);

	memcpy(fixed, data, size);
	fix_checksums(fixed, size);
	if (memcmp(fixed, data, size) != 0) {
		h = decode_header(fixed, size);
		if (h)
			decode_run(fixed + h, size - h);
		read_file(fixed, size);
	}
	free(fixed);
	return 0;
}
