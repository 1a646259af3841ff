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
 * events are written, printing "ready", until SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/event.h"
#include "attrib/journal.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: journal-write DIR SERVER-ID [--rotate N] [--sync none|interval|"
			"every] [--heartbeat-ms MS] [--hold] < events.jsonl\n");
	return 64;
}

int main(int argc, char **argv)
{
	struct attrib_journal_config cfg = { 0 };
	struct attrib_journal_writer *w;
	long rotate = 0, n = 0, lineno = 0;
	char *line = NULL, err[300];
	size_t cap = 0;
	ssize_t len;
	int hold = 0, rc;

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
		} else if (strcmp(argv[i], "--hold") == 0) {
			hold = 1;
		} else {
			return usage();
		}
	}
	rc = attrib_journal_open(&cfg, &w);
	if (rc < 0) {
		fprintf(stderr, "journal-write: %s: %s\n", cfg.dir, strerror(-rc));
		return 1;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		struct attrib_event ev;

		lineno++;
		if (len <= 1)
			continue;
		if (attrib_event_parse(line, (size_t)len, &ev, err, sizeof(err)) < 0) {
			fprintf(stderr, "journal-write: line %ld: %s\n", lineno, err);
			rc = -EINVAL;
			break;
		}
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
