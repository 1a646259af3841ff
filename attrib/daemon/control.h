/* SPDX-License-Identifier: GPL-3.0-or-later
 * attribd's control channel: the socket's callbacks, the daemon's own
 * commands, and the command context (attrib/command.h) they run in. */
#pragma once

#include "attrib/daemon/attribd.h"
#include "attrib/daemon/server.h"

/** Fill d->cmd from the open store, audit and configuration. */
void control_init(struct attribd *d);

/** The server_ops that route the socket's lines to the commands, with the
 * struct attribd as their argument. */
extern const struct server_ops control_ops;
