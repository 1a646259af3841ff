/* SPDX-License-Identifier: GPL-3.0-or-later
 * The migrations compiled in from schema/, in order: migration i (from 1)
 * takes the store from user_version i-1 to i. */
#pragma once

struct attrib_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct attrib_migration attrib_migrations[];
extern const int attrib_migration_count;
