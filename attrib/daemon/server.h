/* SPDX-License-Identifier: GPL-3.0-or-later
 * The control socket: a Unix stream socket carrying one JSON request per
 * line and one answer per line.  This file owns the connections and their
 * limits (how many, how long a line, how much unread output, how long idle)
 * and hands each complete line to its owner; it knows nothing of commands.
 * Everything runs on the loop's thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <uv.h>

#include "attrib/daemon/config.h"

#define SERVER_GROUPS_MAX 64

/* Who is at the other end, from the kernel (SO_PEERCRED, SO_PEERGROUPS):
 * what the connecting process was when it called connect(). */
struct server_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	size_t n_groups;
	gid_t groups[SERVER_GROUPS_MAX];
};

struct server;
struct server_conn;

/* What the owner does with the connections' traffic. */
struct server_ops {
	/* A complete request line (without its newline; not NUL-terminated,
	 * though line[len] may be written).  Answer with server_send*(). */
	void (*request)(void *arg, struct server_conn *c, char *line, size_t len);
	/* A request longer than the limit: @p len bytes so far.  The server
	 * answers and closes the connection after this returns. */
	void (*cut)(void *arg, struct server_conn *c, size_t len);
	/* Called once per loop turn that produced answers, before they are
	 * written: the owner commits what they depend on (the audit).  A
	 * negative errno withholds them: each is replaced by an error. */
	int (*flush)(void *arg);
};

struct server_stats {
	uint64_t accepted;  /* connections served */
	uint64_t refused;   /* closed at once: over max-connections */
	uint64_t too_long;  /* closed for a request over max-request-bytes */
	uint64_t not_read;  /* closed with more than max-queued-bytes unread */
	uint64_t idle;      /* closed after idle-timeout */
	uint64_t requests;  /* lines handed to the owner */
	uint64_t withheld;  /* answers replaced because flush failed */
	unsigned open;      /* connections open now */
};

/** Listen on cfg->socket_name with its mode and group; limits from
 * cfg->limits.  A socket file left by a dead attribd is replaced; one a live
 * process answers on is not (-EADDRINUSE).  @return 0 or a negative errno,
 * the reason in @p err. */
int server_open(uv_loop_t *loop, const struct config *cfg, const struct server_ops *ops,
		void *arg, struct server **out, char *err, size_t errlen);

/** New limits for connections from now on (after a config reload). */
void server_set_limits(struct server *s, const struct config_limits *lim);

/** Queue @p len bytes of one answer and a newline, to be written after the
 * owner's flush.  A client with more than max-queued-bytes unread is closed
 * instead.  @return 0, or -EPIPE when the connection is closed or closing. */
int server_send(struct server_conn *c, const char *text, size_t len);

/** The same for a JSON value, written compact. */
int server_send_json(struct server_conn *c, const json_t *answer);

/** Close the connection once what is queued for it has been written. */
void server_close_after_answers(struct server_conn *c);

const struct server_peer *server_peer(const struct server_conn *c);

void server_stats(const struct server *s, struct server_stats *out);

/** Stop listening, remove the socket file and close every connection; the
 * server frees itself once its handles are closed (uv_run then returns). */
void server_close(struct server *s);
