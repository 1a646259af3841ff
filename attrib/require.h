/* SPDX-License-Identifier: GPL-3.0-or-later
 * ATTRIB_REQUIRE(): a check that stays in release builds, for the places
 * where carrying on after a breach could write a wrong record (a broken
 * audit chain, a corrupt binding).  Unlike assert(), NDEBUG does not remove
 * it; the process stops with the condition, file and line on stderr. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#define ATTRIB_REQUIRE(cond)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "attrib: requirement failed: %s (%s:%d)\n", #cond,         \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
