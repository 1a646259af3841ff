/* SPDX-License-Identifier: GPL-3.0-or-later
 * Fuzzes the control channel's request reader and every command behind it
 * (attrib_command_serve()), on a small store made at the first call (in a
 * directory of its own under $TMPDIR, removed at exit): a few
 * bindings to find, an audit log to append to.  The input's first byte gives
 * the peer's roles (its low four bits: 'O' all, '@' none, 'A' support,
 * 'B' abuse, 'D' legal, 'H' admin); the rest is the request line.  Whatever
 * comes in, the answer must be an object in Kea's shape with a result from
 * 0 to 3 and a text, an error must say which kind, a peer without a role
 * must be refused, and the audit row must commit. */
#include "fuzz.h"

#include <unistd.h>

#include <jansson.h>

#include "attrib/audit.h"
#include "attrib/command.h"
#include "attrib/event.h"
#include "attrib/store.h"

static struct attrib_store *st;
static struct attrib_audit *audit;
static struct attrib_policy pol;

static const char *const seed_events[] = {
	"{\"type\":\"lease-commit\",\"source\":\"dhcp4\",\"server\":\"kea-a\","
	"\"address\":\"192.0.2.10\",\"time\":\"2026-01-10T08:00:00Z\",\"valid-lifetime\":3600,"
	"\"hwaddr\":\"00:00:5e:00:53:01\"}",
	"{\"type\":\"lease-commit\",\"source\":\"dhcp4\",\"server\":\"kea-a\","
	"\"address\":\"192.0.2.10\",\"time\":\"2026-01-10T10:00:00Z\",\"valid-lifetime\":3600,"
	"\"hwaddr\":\"00:00:5e:00:53:02\"}",
	"{\"type\":\"acct-start\",\"source\":\"radius\",\"nas\":\"192.0.2.1\","
	"\"arrival\":\"2026-01-10T09:00:00Z\",\"session-id\":\"s1\",\"username\":\"u1\","
	"\"address\":\"2001:db8:1::/56\"}",
};

static char dir[64], path[96];

/* The store file and its WAL go with the process. */
static void cleanup(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[112];

	attrib_audit_close(audit);
	attrib_store_close(st);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* A store of its own in a new directory under $TMPDIR: the store opens a
 * file (":memory:" would be made a file in the current directory). */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[256];

	snprintf(dir, sizeof(dir), "%s/attrib-fuzz-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (attrib_store_open(path, ATTRIB_STORE_CREATE, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_request: store: %s\n", err);
		abort();
	}
	FUZZ_CHECK(attrib_audit_open(st, &audit) == 0);
	atexit(cleanup);
	pol = attrib_policy_default();
	for (size_t i = 0; i < sizeof(seed_events) / sizeof(*seed_events); i++) {
		struct attrib_event ev;

		FUZZ_CHECK(attrib_event_parse(seed_events[i], strlen(seed_events[i]), &ev, err,
					      sizeof(err)) == 0);
		FUZZ_CHECK(attrib_store_apply(st, &pol, &ev) >= 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attrib_cmd_ctx ctx = { 0 };
	struct attrib_peer peer = { 1000, 1000, 4242 };
	unsigned roles;
	json_t *answer, *result, *text, *args;
	json_int_t res;

	if (size == 0 || size > 1 << 16)
		return 0;
	if (!st)
		setup();
	roles = data[0] & ATTRIB_ROLE_ALL;
	ctx = (struct attrib_cmd_ctx){ .st = st, .pol = &pol, .audit = audit, .max_lookups = 50,
				       .retention_days = 0 };
	answer = attrib_command_serve(&ctx, &peer, roles, (const char *)data + 1, size - 1);
	FUZZ_CHECK(answer != NULL && json_is_object(answer));
	result = json_object_get(answer, "result");
	text = json_object_get(answer, "text");
	args = json_object_get(answer, "arguments");
	FUZZ_CHECK(json_is_integer(result) && json_is_string(text));
	res = json_integer_value(result);
	FUZZ_CHECK(res >= ATTRIB_RESULT_SUCCESS && res <= ATTRIB_RESULT_EMPTY);
	FUZZ_CHECK(json_string_length(text) > 0);
	FUZZ_CHECK(!args || json_is_object(args) || json_is_array(args));
	if (res == ATTRIB_RESULT_ERROR) {
		const char *kind = json_string_value(json_object_get(args, "error"));

		FUZZ_CHECK(kind && (strcmp(kind, ATTRIB_ERROR_REQUEST) == 0 ||
				    strcmp(kind, ATTRIB_ERROR_PERMISSION) == 0 ||
				    strcmp(kind, ATTRIB_ERROR_STORE) == 0));
		FUZZ_CHECK(strcmp(kind, ATTRIB_ERROR_STORE) != 0);
	}
	/* A request that parses and names a command is refused without a role. */
	if (!roles)
		FUZZ_CHECK(res != ATTRIB_RESULT_SUCCESS && res != ATTRIB_RESULT_EMPTY);
	FUZZ_CHECK(attrib_command_flush(&ctx) == 0);
	json_decref(answer);
	return 0;
}
