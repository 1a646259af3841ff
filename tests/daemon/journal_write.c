/* SPDX-License-Identifier: GPL-3.0-or-later
 * journal-write: the tests' stand-in for a hook.  Reads events as JSON lines
 * (attrib(1), EVENTS) and appends them to a journal in DIR through the same
 * writer the hooks use, so attribd's tests exercise real journal files.
 *
 *   journal-write DIR SERVER-ID [--rotate N] [--sync none|interval|every]
 *                 [--heartbeat-ms MS] [--hold] < events.jsonl
 *
 * --rotate N seals the file and starts a new one every N events; --hold
 * keeps the writer open (its file locked, heartbeats going) after the
 * events are written, printing "ready", until SIGTERM.
 *
 * --generate N writes N made-up DHCPv4 events instead of reading them: leases
 * of 10.0.0.0/16 committed, renewed, handed to another client and released,
 * the same N events on every run and machine (the exactly-once test and the
 * ingest benchmark); with --jsonl they go to standard output as JSON lines
 * (attrib(1), EVENTS) instead, for `attrib apply` to compare with.
 *
 *   journal-write --raw DIR SERVER-ID START < records.jsonl
 *
 * writes one journal file as a writer would have, but with every record
 * given: an event line, or {"heartbeat": TIME, "interval-ms": N,
 * "events": N}, {"loss": N, "first": TIME, "last": TIME} or
 * {"seal": TIME, "events": N}; START (a time) is the writer's start.  Only
 * the encoder of attrib/journal.h is used, so heartbeats and losses carry the
 * times the test chose; the file name is printed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/event.h"
#include "attrib/journal.h"
#include "attrib/times.h"

#include <jansson.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: journal-write DIR SERVER-ID [--rotate N] [--sync none|interval|"
			"every] [--heartbeat-ms MS] [--hold] [--generate N] < events.jsonl\n"
			"       journal-write --raw DIR SERVER-ID START < records.jsonl\n");
	return 64;
}

static int64_t time_of(json_t *o, const char *key)
{
	int64_t t = 0;
	char err[200];
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || attrib_time_parse(s, NULL, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "journal-write: %s: %s\n", key, s ? err : "a time is required");
		exit(65);
	}
	return t;
}

static int raw_record(const char *line, size_t len, struct attrib_journal_record *rec)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	char err[300];

	memset(rec, 0, sizeof(*rec));
	if (o && json_object_get(o, "heartbeat")) {
		rec->kind = ATTRIB_JOURNAL_REC_HEARTBEAT;
		rec->heartbeat.time = time_of(o, "heartbeat");
		rec->heartbeat.interval_ms =
			(uint32_t)json_integer_value(json_object_get(o, "interval-ms"));
		rec->heartbeat.counts.events =
			(uint64_t)json_integer_value(json_object_get(o, "events"));
	} else if (o && json_object_get(o, "loss")) {
		rec->kind = ATTRIB_JOURNAL_REC_LOSS;
		rec->loss.lost = (uint64_t)json_integer_value(json_object_get(o, "loss"));
		rec->loss.first = time_of(o, "first");
		rec->loss.last = time_of(o, "last");
		rec->loss.error = ENOSPC;
	} else if (o && json_object_get(o, "seal")) {
		rec->kind = ATTRIB_JOURNAL_REC_SEAL;
		rec->seal.time = time_of(o, "seal");
		rec->seal.reason = ATTRIB_JOURNAL_CLOSED;
		rec->seal.counts.events =
			(uint64_t)json_integer_value(json_object_get(o, "events"));
		rec->seal.file_events = rec->seal.counts.events;
	} else {
		rec->kind = ATTRIB_JOURNAL_REC_EVENT;
		if (attrib_event_parse(line, len, &rec->event, err, sizeof(err)) < 0) {
			fprintf(stderr, "journal-write: %s\n", err);
			json_decref(o);
			return -EINVAL;
		}
	}
	json_decref(o);
	return 0;
}

static int write_raw(const char *dir, const char *server, const char *start)
{
	static struct attrib_journal_record rec;
	static uint8_t buf[ATTRIB_JOURNAL_RECORD_MAX];
	struct attrib_journal_header hdr = { .pid = (uint32_t)getpid(), .seq = 1 };
	char err[200], path[4096], stamp[ATTRIB_TIME_STRLEN], name[32];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int n, rc = 0;

	if (attrib_time_parse(start, NULL, &hdr.started, err, sizeof(err)) < 0) {
		fprintf(stderr, "journal-write: %s: %s\n", start, err);
		return 65;
	}
	hdr.created = hdr.started;
	snprintf(hdr.server_id, sizeof(hdr.server_id), "%s", server);
	/* <server-id>.<YYYYMMDDTHHMMSSZ>.<pid>.<seq>.journal, as the writer names it. */
	attrib_time_format(hdr.started, stamp);
	snprintf(name, sizeof(name), "%.4s%.2s%.2sT%.2s%.2s%.2sZ", stamp, stamp + 5, stamp + 8,
		 stamp + 11, stamp + 14, stamp + 17);
	snprintf(path, sizeof(path), "%s/%s.%s.%u.%06u%s", dir, server, name, hdr.pid, hdr.seq,
		 ATTRIB_JOURNAL_SUFFIX);
	f = fopen(path, "wbx");
	n = f ? attrib_journal_header_encode(&hdr, buf, sizeof(buf)) : -errno;
	if (n < 0 || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "journal-write: %s: %s\n", path, strerror(n < 0 ? -n : errno));
		return 1;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (len <= 1)
			continue;
		if (raw_record(line, (size_t)len, &rec) < 0) {
			rc = 65;
			break;
		}
		n = attrib_journal_encode(&rec, buf, sizeof(buf));
		if (n < 0 || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
			fprintf(stderr, "journal-write: record: %s\n",
				strerror(n < 0 ? -n : errno));
			rc = 1;
			break;
		}
	}
	free(line);
	if (fclose(f) != 0 && rc == 0)
		rc = 1;
	if (rc == 0)
		printf("%s\n", path);
	return rc;
}

/* splitmix64: the same sequence everywhere. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define GEN_ADDRS   65536
#define GEN_CLIENTS 40000
#define GEN_START   1767225600000000LL /* 2026-01-01T00:00:00Z */

/* Event @p i of the made-up stream; @p owner: each address's client. */
static void generate(uint64_t *rng, long i, uint32_t *owner, struct attrib_event *ev)
{
	uint64_t r = next_rand(rng);
	uint32_t a = (uint32_t)(r % GEN_ADDRS), roll = (uint32_t)(r >> 32) % 100;

	memset(ev, 0, sizeof(*ev));
	ev->source = ATTRIB_SRC_DHCP4;
	ev->time = GEN_START + (int64_t)i * 20000; /* 50 events a second */
	ev->naddr = 1;
	ev->addr[0] = (struct attrib_prefix){ .family = 4, .len = 32,
					      .net = { 10, 0, (uint8_t)(a >> 8), (uint8_t)a } };
	snprintf(ev->server, sizeof(ev->server), "kea-gen");
	if (!owner[a] || roll < 5)
		owner[a] = 1 + (uint32_t)(next_rand(rng) % GEN_CLIENTS);
	if (roll >= 92) {
		ev->type = ATTRIB_EV_LEASE_RELEASE;
	} else {
		ev->type = ATTRIB_EV_LEASE_COMMIT;
		ev->has = ATTRIB_HAS_LIFETIME | ATTRIB_HAS_SUBNET;
		ev->valid_lifetime = 1800;
		ev->subnet_id = 1 + a / 4096;
	}
	snprintf(ev->id.hwaddr, sizeof(ev->id.hwaddr), "02:00:00:%02x:%02x:%02x",
		 owner[a] >> 16 & 0xff, owner[a] >> 8 & 0xff, owner[a] & 0xff);
}

int main(int argc, char **argv)
{
	struct attrib_journal_config cfg = { 0 };
	struct attrib_journal_writer *w;
	long rotate = 0, n = 0, lineno = 0, count = -1;
	uint32_t *owner = NULL;
	uint64_t rng = 2026;
	char *line = NULL, err[300];
	size_t cap = 0;
	ssize_t len;
	int hold = 0, jsonl = 0, rc;

	if (argc == 5 && strcmp(argv[1], "--raw") == 0)
		return write_raw(argv[2], argv[3], argv[4]);
	if (argc < 3)
		return usage();
	cfg.dir = argv[1];
	cfg.server_id = argv[2];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--rotate") == 0 && i + 1 < argc) {
			rotate = atol(argv[++i]);
		} else if (strcmp(argv[i], "--heartbeat-ms") == 0 && i + 1 < argc) {
			cfg.heartbeat_ms = (uint32_t)atol(argv[++i]);
		} else if (strcmp(argv[i], "--sync") == 0 && i + 1 < argc) {
			const char *s = argv[++i];

			if (strcmp(s, "none") == 0)
				cfg.sync = ATTRIB_JOURNAL_SYNC_NONE;
			else if (strcmp(s, "every") == 0)
				cfg.sync = ATTRIB_JOURNAL_SYNC_EVERY;
			else if (strcmp(s, "interval") != 0)
				return usage();
		} else if (strcmp(argv[i], "--generate") == 0 && i + 1 < argc) {
			count = atol(argv[++i]);
			owner = calloc(GEN_ADDRS, sizeof(*owner));
			if (!owner || count < 0)
				return usage();
		} else if (strcmp(argv[i], "--jsonl") == 0) {
			jsonl = 1;
		} else if (strcmp(argv[i], "--hold") == 0) {
			hold = 1;
		} else {
			return usage();
		}
	}
	if (jsonl && count >= 0) {
		for (long i = 0; i < count; i++) {
			struct attrib_event ev;
			json_t *o;

			generate(&rng, i, owner, &ev);
			o = attrib_event_to_json(&ev);
			if (!o || json_dumpf(o, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF)
				return 1;
			json_decref(o);
		}
		free(owner);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	rc = attrib_journal_open(&cfg, &w);
	if (rc < 0) {
		fprintf(stderr, "journal-write: %s: %s\n", cfg.dir, strerror(-rc));
		return 1;
	}
	while (count >= 0 ? lineno < count : (len = getline(&line, &cap, stdin)) >= 0) {
		struct attrib_event ev;

		if (count >= 0) {
			generate(&rng, lineno++, owner, &ev);
			goto append;
		}
		lineno++;
		if (len <= 1)
			continue;
		if (attrib_event_parse(line, (size_t)len, &ev, err, sizeof(err)) < 0) {
			fprintf(stderr, "journal-write: line %ld: %s\n", lineno, err);
			rc = -EINVAL;
			break;
		}
append:
		rc = attrib_journal_append(w, &ev);
		if (rc < 0) {
			fprintf(stderr, "journal-write: line %ld: append: %s\n", lineno,
				strerror(-rc));
			break;
		}
		if (rotate && ++n % rotate == 0 && (rc = attrib_journal_rotate(w)) < 0) {
			fprintf(stderr, "journal-write: rotate: %s\n", strerror(-rc));
			break;
		}
	}
	free(line);
	free(owner);
	if (rc == 0)
		rc = attrib_journal_sync(w);
	if (hold && rc == 0) {
		signal(SIGTERM, on_term);
		signal(SIGINT, on_term);
		printf("ready\n");
		fflush(stdout);
		while (!stop)
			pause();
	}
	if (attrib_journal_close(&w) < 0 && rc == 0)
		rc = -EIO;
	return rc < 0 ? 1 : 0;
}
