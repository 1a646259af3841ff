/* SPDX-License-Identifier: GPL-3.0-or-later
 * The control channel's commands: requests in Kea's shape, the roles each
 * command needs, the answers, and the audit row each request leaves. */
#pragma once

#include <stddef.h>

#include "attrib/daemon/attribd.h"
#include "attrib/daemon/server.h"

/* Kea's result codes. */
enum control_result {
	CONTROL_SUCCESS = 0,
	CONTROL_ERROR = 1,
	CONTROL_UNSUPPORTED = 2,
	CONTROL_EMPTY = 3,
};

/** The server_ops that route the socket's lines to the commands, with the
 * struct attribd as their argument. */
extern const struct server_ops control_ops;
