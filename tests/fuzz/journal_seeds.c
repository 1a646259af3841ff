/* SPDX-License-Identifier: GPL-3.0-or-later
 * Writes the journal fuzzer's seed files: two files from the real writer (a
 * rotation between them, each sealed), and from the first of them the damage
 * the reader must tell apart: a tail cut inside a record, zeros after a
 * crash, a flipped byte with records after it, data after the seal, a header
 * alone, records without a header, and a loss record.  Run by `ninja fuzz-journal-seeds`; the files
 * change with every run (times, pid), so commit a new set only on purpose. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/event.h"
#include "attrib/journal.h"

/* Events of every kind of source, as `attrib apply` would read them. */
static const char *const events[] = {
	"{\"type\":\"lease-commit\",\"source\":\"dhcp4\",\"server\":\"kea-1\","
	"\"time\":\"2026-11-30T08:00:00Z\",\"valid-lifetime\":7200,\"subnet-id\":1,"
	"\"address\":\"192.0.2.10\",\"hwaddr\":\"00:00:5e:00:53:01\","
	"\"remote-id\":\"olt-3.ams:1/1/4\",\"circuit-id\":\"1/1/4\",\"hostname\":\"home\"}",
	"{\"type\":\"lease-commit\",\"source\":\"dhcp6\",\"server\":\"kea6-1\","
	"\"time\":\"2026-11-30T08:00:00.25Z\",\"valid-lifetime\":86400,\"iaid\":7,"
	"\"address\":\"2001:db8:100::/56\",\"duid\":\"00:03:00:01:00:00:5e:00:53:02\"}",
	"{\"type\":\"acct-start\",\"nas\":\"198.51.100.2\",\"arrival\":\"2026-11-30T06:00:01Z\","
	"\"event-timestamp\":\"2026-11-30T06:00:00Z\",\"acct-delay-time\":1,"
	"\"session-id\":\"4d2a0011\",\"username\":\"carol@example.net\","
	"\"addresses\":[\"203.0.113.23\",\"2001:db8:200::/64\"]}",
	"{\"type\":\"acct-stop\",\"nas\":\"198.51.100.2\",\"arrival\":\"@1796018401.5\","
	"\"acct-session-time\":7200,\"session-id\":\"4d2a0011\","
	"\"unique-session-id\":\"8f3e\",\"addresses\":[\"203.0.113.23\"]}",
	"{\"type\":\"lease-release\",\"source\":\"dhcp4\",\"time\":\"2026-11-30T09:00:00Z\","
	"\"address\":\"192.0.2.10\",\"client-id\":\"01:00:00:5e:00:53:01\"}",
};
#define NEVENTS (sizeof(events) / sizeof(*events))

static void die(const char *what, int err)
{
	fprintf(stderr, "journal_seeds: %s: %s\n", what, strerror(err));
	exit(1);
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		die(path, errno);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void put(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		die(path, errno);
}

/* The writer's files in @p dir, in name order; @return how many (at most 4). */
static int written(const char *dir, char paths[][4096])
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), k = 0;

	if (n < 0)
		die(dir, errno);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && k < 4)
			snprintf(paths[k++], 4096, "%s/%s", dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return k;
}

int main(int argc, char **argv)
{
	static uint8_t a[8192], b[8192];
	char tmp[] = "/tmp/attrib-seeds-XXXXXX", paths[4][4096], err[256];
	struct attrib_journal_config cfg = { .dir = tmp, .server_id = "kea-dhcp4-a",
					     .sync = ATTRIB_JOURNAL_SYNC_NONE };
	struct attrib_journal_writer *w;
	struct attrib_journal_record loss = { .kind = ATTRIB_JOURNAL_REC_LOSS };
	struct attrib_event ev;
	size_t na, hlen;
	int rc, n;

	if (argc != 2) {
		fprintf(stderr, "usage: journal_seeds OUTDIR\n");
		return 2;
	}
	if (!mkdtemp(tmp))
		die(tmp, errno);
	rc = attrib_journal_open(&cfg, &w);
	if (rc < 0)
		die("attrib_journal_open", -rc);
	for (size_t i = 0; i < NEVENTS; i++) {
		if (attrib_event_parse(events[i], strlen(events[i]), &ev, err, sizeof(err)) < 0) {
			fprintf(stderr, "journal_seeds: event %zu: %s\n", i, err);
			return 1;
		}
		rc = attrib_journal_append(w, &ev);
		if (rc < 0)
			die("attrib_journal_append", -rc);
		if (i == 2 && (rc = attrib_journal_rotate(w)) < 0)
			die("attrib_journal_rotate", -rc);
	}
	rc = attrib_journal_close(&w);
	if (rc < 0)
		die("attrib_journal_close", -rc);
	if (written(tmp, paths) != 2)
		die("expected two journal files", EPROTO);

	na = slurp(paths[0], a, sizeof(a));
	put(argv[1], "writer-1", a, na);
	n = (int)slurp(paths[1], b, sizeof(b));
	put(argv[1], "writer-2", b, (size_t)n);
	hlen = (size_t)attrib_journal_header_decode(a, na, &(struct attrib_journal_header){ 0 });

	put(argv[1], "header-only", a, hlen);
	put(argv[1], "records-only", a + hlen, na - hlen);
	put(argv[1], "torn", a, na - 30);
	memcpy(b, a, na);
	memset(b + na - 30, 0, 30);
	put(argv[1], "torn-zeros", b, na);
	memcpy(b, a, na);
	b[hlen + 60] ^= 0x04;
	put(argv[1], "corrupt", b, na);
	memcpy(b, a, na);
	memcpy(b + na, a + hlen, na - hlen);
	put(argv[1], "after-seal", b, na + (na - hlen));

	loss.loss = (struct attrib_journal_loss){ .lost = 3, .refused = 1, .first = 1796018401000000,
						  .last = 1796018402000000, .error = ENOSPC };
	memcpy(b, a, hlen);
	n = attrib_journal_encode(&loss, b + hlen, sizeof(b) - hlen);
	if (n < 0)
		die("attrib_journal_encode", -n);
	put(argv[1], "loss", b, hlen + (size_t)n);

	for (int i = 0; i < 2; i++)
		unlink(paths[i]);
	rmdir(tmp);
	return 0;
}
