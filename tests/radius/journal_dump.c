/* SPDX-License-Identifier: GPL-3.0-or-later
 * journal-dump: the records of journal files as JSON lines, for the RADIUS
 * tests to compare what rlm_attrib wrote with what went in.  An event is
 * printed as attrib_event_to_json() gives it, a loss as {"loss": N,
 * "refused": N}; heartbeats and seals are left out.  Exits 1 on a file that
 * does not read to its end cleanly (damage, or a record cut short).
 *
 *   journal-dump FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "attrib/event.h"
#include "attrib/journal.h"

static int dump(const char *path)
{
	static struct attrib_journal_record rec;
	struct attrib_journal_reader *r;
	int rc = attrib_journal_reader_open(path, &r);

	if (rc < 0) {
		fprintf(stderr, "journal-dump: %s: %s\n", path, strerror(-rc));
		return 1;
	}
	while ((rc = attrib_journal_next(r, &rec)) == ATTRIB_JOURNAL_OK) {
		json_t *o = NULL;

		if (rec.kind == ATTRIB_JOURNAL_REC_EVENT)
			o = attrib_event_to_json(&rec.event);
		else if (rec.kind == ATTRIB_JOURNAL_REC_LOSS)
			o = json_pack("{s:I, s:I}", "loss", (json_int_t)rec.loss.lost, "refused",
				      (json_int_t)rec.loss.refused);
		if (o) {
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		}
	}
	if (rc != ATTRIB_JOURNAL_DONE && rc != ATTRIB_JOURNAL_END) {
		fprintf(stderr, "journal-dump: %s: %s\n", path,
			rc < 0 ? strerror(-rc) : attrib_journal_reader_error(r));
		attrib_journal_reader_close(r);
		return 1;
	}
	attrib_journal_reader_close(r);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: journal-dump FILE...\n");
		return 64;
	}
	for (int i = 1; i < argc; i++)
		bad |= dump(argv[i]);
	return bad;
}
