/* SPDX-License-Identifier: GPL-3.0-or-later
 * attribd's configuration: the JSON file in Kea's style, read and checked
 * whole (an unknown key is refused with its path), and the roles it grants
 * to the peers of the control socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "attrib/command.h"
#include "attrib/store.h"

/* One grant: a uid or a gid (with is_group) holds @c roles. */
struct config_grant {
	bool is_group;
	unsigned id;
	unsigned roles;
};

struct config_limits {
	unsigned max_connections;  /* beyond this, a new connection is closed at once */
	size_t max_request_bytes;  /* a longer request line is refused and its connection closed */
	size_t max_queued_bytes;   /* answers waiting for a client that does not read */
	unsigned idle_timeout;     /* seconds without a request or a byte read by the client */
	unsigned max_lookups;      /* lookups in one batch request */
	unsigned batch_events;     /* events per ingest transaction */
};

struct config {
	char *file; /* where it was read from */
	char *database;
	char *journal_dir;
	char *archive_dir; /* NULL: applied journals are removed */
	char *socket_name;
	unsigned socket_mode;
	long socket_group; /* -1: leave the group alone */
	struct attrib_policy policy;
	unsigned retention_days; /* 0: keep and answer for everything */
	struct config_grant *grants;
	size_t n_grants;
	struct config_limits limits;
};

/** Read and check the file at @p path.  On failure @p err says what is wrong
 * and where ("attribd.roles[1].users[0]: no user \"bob\"").
 * @return 0 and a new config in @p out, -EINVAL (a bad config: the reason in
 * @p err), -ENOMEM, or the negative errno of reading the file. */
int config_load(const char *path, struct config **out, char *err, size_t errlen);

void config_free(struct config *cfg);

/** The roles @p cfg grants a peer with @p uid, primary @p gid and the
 * supplementary groups @p gids (n of them).  0: none. */
unsigned config_roles(const struct config *cfg, uid_t uid, gid_t gid, const gid_t *gids,
		      size_t n);
