/* SPDX-License-Identifier: GPL-3.0-or-later
 * Fuzzes attrib_event_parse() with a line of JSON.  An event it accepts must
 * pass validation, print with attrib_event_to_json() as an object that parses
 * back to the same event and prints the same again, keep its identities in
 * their normalised form, and be writable to the journal and read back from
 * it unchanged: the hooks' path and `attrib apply` must agree on what an
 * event is. */
#include "fuzz.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "attrib/event.h"
#include "attrib/journal.h"

/* Zero what follows each string's NUL: the parser may leave bytes of a
 * normalisation it gave up on there, which no reader of the event sees. */
static void clear_tails(struct attrib_event *ev)
{
	char *strs[] = { ev->server, ev->nas, ev->session_id, ev->unique_session_id,
			 ev->id.hwaddr, ev->id.client_id, ev->id.duid, ev->id.remote_id,
			 ev->id.circuit_id, ev->id.subscriber_id, ev->id.username,
			 ev->id.calling_station_id, ev->id.hostname };

	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		size_t n = strnlen(strs[i], ATTRIB_STR_MAX);

		FUZZ_CHECK(n < ATTRIB_STR_MAX);
		memset(strs[i] + n, 0, ATTRIB_STR_MAX - n);
	}
}

/* What attrib_event_to_json() writes of @p ev: the time a lease event does
 * not use, and the lease type of what is not a lease, are left out.  Copied
 * with memcpy, so that the padding stays as the parser's memset left it. */
static void printed_part(const struct attrib_event *ev, struct attrib_event *out)
{
	bool lease = ev->type <= ATTRIB_EV_LEASE_DELETE;

	memcpy(out, ev, sizeof(*out));
	clear_tails(out);
	if (lease)
		out->arrival = 0;
	else
		out->time = 0;
	if (!lease)
		out->lease_type = ATTRIB_LEASE_ADDR;
}

/* An identity field already normalised normalises to itself. */
static void check_identities(const struct attrib_identities *id)
{
	char again[ATTRIB_STR_MAX];

	for (size_t i = 0; i < ATTRIB_MAP_KINDS; i++) {
		const char *s = attrib_map_value(id, i);

		if (!*s)
			continue;
		FUZZ_CHECK(attrib_identity_normalize(attrib_map_kinds[i].kind, s, again,
						     sizeof(again)) == 0);
		FUZZ_CHECK(strcmp(again, s) == 0);
	}
}

/* The event as the journal writes and reads it: nothing lost, nothing added. */
static void check_journal(const struct attrib_event *ev)
{
	static uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];
	static struct attrib_journal_record rec;
	static struct attrib_event want;
	int n;

	n = attrib_journal_encode_event(ev, buf, sizeof(buf));
	if (n < 0)
		fprintf(stderr, "accepted event not written to the journal: %s\n", strerror(-n));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(attrib_journal_decode(buf, (size_t)n, &rec) == n);
	FUZZ_CHECK(rec.kind == ATTRIB_JOURNAL_REC_EVENT);
	memcpy(&want, ev, sizeof(want));
	clear_tails(&want);
	FUZZ_CHECK(memcmp(&rec.event, &want, sizeof(want)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attrib_event ev, ev2, a, b;
	char err[256] = "", err2[256];
	json_t *j1, *j2;
	char *s1, *s2;
	int rc;

	rc = attrib_event_parse((const char *)data, size, &ev, err, sizeof(err));
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL);
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(attrib_event_validate(&ev, err, sizeof(err)) == 0);
	check_identities(&ev.id);
	check_journal(&ev);

	j1 = attrib_event_to_json(&ev);
	FUZZ_CHECK(j1 != NULL);
	s1 = json_dumps(j1, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(s1 != NULL);
	rc = attrib_event_parse(s1, strlen(s1), &ev2, err2, sizeof(err2));
	if (rc < 0)
		fprintf(stderr, "printed as %s, which is refused: %s\n", s1, err2);
	FUZZ_CHECK(rc == 0);
	j2 = attrib_event_to_json(&ev2);
	FUZZ_CHECK(j2 != NULL);
	s2 = json_dumps(j2, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(s2 != NULL);
	if (strcmp(s1, s2) != 0)
		fprintf(stderr, "printed as %s\nthen as   %s\n", s1, s2);
	FUZZ_CHECK(strcmp(s1, s2) == 0);

	printed_part(&ev, &a);
	printed_part(&ev2, &b);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fprintf(stderr, "%s parses to another event than the one printed\n", s1);
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);

	free(s1);
	free(s2);
	json_decref(j1);
	json_decref(j2);
	return 0;
}
