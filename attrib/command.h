/* SPDX-License-Identifier: GPL-3.0-or-later
 * The control channel's commands, in one place for attribd's socket and for
 * the attrib command working on a store file: requests in Kea's shape
 * ({"command", "arguments"} answered by {"result", "text", "arguments"}),
 * the roles each command needs, what each role may see, and the audit row
 * every request leaves.  One context is used by one thread at a time. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attrib/addr.h"
#include "attrib/audit.h"
#include "attrib/store.h"

/* Kea's result codes. */
enum attrib_result {
	ATTRIB_RESULT_SUCCESS = 0,
	ATTRIB_RESULT_ERROR = 1,
	ATTRIB_RESULT_UNSUPPORTED = 2,
	ATTRIB_RESULT_EMPTY = 3, /* success, but nothing found */
};

/* The roles a peer can hold; a peer may hold several. */
enum attrib_role {
	ATTRIB_ROLE_SUPPORT = 1 << 0, /* status and accounts, never identities */
	ATTRIB_ROLE_ABUSE = 1 << 1,   /* lookups and history with identities */
	ATTRIB_ROLE_LEGAL = 1 << 2,   /* everything, exports under a case */
	ATTRIB_ROLE_ADMIN = 1 << 3,   /* the daemon: reload, shutdown, purge */
};

#define ATTRIB_ROLE_ALL                                                                            \
	(ATTRIB_ROLE_SUPPORT | ATTRIB_ROLE_ABUSE | ATTRIB_ROLE_LEGAL | ATTRIB_ROLE_ADMIN)
#define ATTRIB_ROLE_READERS (ATTRIB_ROLE_SUPPORT | ATTRIB_ROLE_ABUSE | ATTRIB_ROLE_LEGAL)

/** A role's name ("support", "abuse", "legal", "admin") for one bit, "?" else. */
const char *attrib_role_name(unsigned role);

/** The role named @p name, or 0. */
unsigned attrib_role_from(const char *name);

/** The names of the roles in @p mask, comma-separated, into @p buf. */
char *attrib_roles_format(unsigned mask, char *buf, size_t len);

#define ATTRIB_TEXT_MAX 300

struct attrib_request;

/** One command: its name, the roles that may run it, what it does, and
 * whether it takes no arguments (any given are refused before it runs). */
struct attrib_command {
	const char *name;
	unsigned roles;
	void (*run)(struct attrib_request *r);
	bool no_args;
};

/** Who asked: from SO_PEERCRED on the socket, or the CLI's own process.
 * -1 where unknown. */
struct attrib_peer {
	int64_t uid, gid, pid;
};

/** What commands run against.  The caller fills it and keeps it. */
struct attrib_cmd_ctx {
	struct attrib_store *st;
	const struct attrib_policy *pol;
	struct attrib_audit *audit;
	unsigned max_lookups;    /* lookups in one batch */
	unsigned retention_days; /* what purge keeps when not told; 0: everything */
	/* Commands of the caller (attribd's status, reload...), tried before
	 * the common table; may be NULL. */
	const struct attrib_command *extra;
	size_t n_extra;
	void *arg;     /* for the extra commands: attrib_request_arg() */
	bool in_audit; /* an audit transaction is open */
	uint64_t audit_failures;
	uint64_t lookups, histories;
	uint64_t results[4]; /* answers by result code */
};

/** One request being served.  Command functions read their arguments with
 * the attrib_arg_*() helpers and end with attrib_request_result(). */
struct attrib_request {
	struct attrib_cmd_ctx *ctx;
	struct attrib_peer peer;
	unsigned roles;      /* every role the peer holds */
	unsigned role;       /* the one this request is served under */
	const char *command; /* NULL when the request could not be read */
	json_t *args;        /* the "arguments" object, or NULL */
	int result;          /* enum attrib_result */
	char text[ATTRIB_TEXT_MAX];
	json_t *answer_args;          /* the answer's "arguments"; owned by the request */
	char status[ATTRIB_TEXT_MAX]; /* for the audit row: what came of it */
	const char *error;            /* on an error: ATTRIB_ERROR_* (NULL: ATTRIB_ERROR_REQUEST) */
};

/* What kind of error an ERROR answer reports, in its arguments as
 * {"error": KIND}, so that callers tell their exit codes apart. */
#define ATTRIB_ERROR_REQUEST    "request"    /* the request is wrong: fix it */
#define ATTRIB_ERROR_PERMISSION "permission" /* the peer lacks the role */
#define ATTRIB_ERROR_STORE      "store"      /* the store or audit failed */

/** Serve one request line: parse it, choose the role, run the command and
 * append the audit row (opening an audit transaction if none is open; the
 * caller commits with attrib_command_flush() before it sends the answer).
 * @p roles: what the peer holds (0: none, refused).
 * @return the answer object (a new reference), or NULL on ENOMEM.  When the
 * audit row cannot be written the answer is an error, never the data. */
json_t *attrib_command_serve(struct attrib_cmd_ctx *ctx, const struct attrib_peer *peer,
			     unsigned roles, const char *line, size_t len);

/** Record a request that could not even be read whole (over the size
 * limit): an audit row with result ERROR and @p why as its status. */
void attrib_command_refused(struct attrib_cmd_ctx *ctx, const struct attrib_peer *peer,
			    unsigned roles, const char *why);

/** Commit the audit rows appended since the last flush.
 * @return 0, or a negative errno: the answers that depend on them must be
 * withheld. */
int attrib_command_flush(struct attrib_cmd_ctx *ctx);

/** The commands a peer with @p roles may run, in name order, as a new
 * JSON array (list-commands).  NULL on ENOMEM. */
json_t *attrib_command_list(const struct attrib_cmd_ctx *ctx, unsigned roles);

/* For command functions. */

/** Set the outcome: result code and the answer's text (printf-style); the
 * audit status too, unless the command set one. */
void attrib_request_result(struct attrib_request *r, int result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** The caller's argument (attribd's struct, for its own commands). */
void *attrib_request_arg(const struct attrib_request *r);

/** Refuse keys of @p obj other than @p keys (NULL-terminated), naming
 * @p where.  @return 0 or -EINVAL with the result set. */
int attrib_arg_keys(struct attrib_request *r, json_t *obj, const char *where,
		    const char *const *keys);

/** A required string, address, prefix or time (RFC 3339 with a zone, or
 * @epoch) from @p obj[@p key].  @return 0 or -EINVAL with the result set. */
int attrib_arg_string(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		      const char **out);
int attrib_arg_prefix(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		      struct attrib_prefix *out);
int attrib_arg_time(struct attrib_request *r, json_t *obj, const char *where, const char *key,
		    int64_t *out);

/** The answer JSON of a lookup or history as the request's role may see it
 * (support: no identities, server or session id).  NULL on ENOMEM. */
struct attrib_answer;
json_t *attrib_request_answer_json(const struct attrib_request *r, const struct attrib_answer *a);
