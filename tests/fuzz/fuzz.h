/* SPDX-License-Identifier: GPL-3.0-or-later
 * What the fuzz harnesses share: the libFuzzer entry point they define, a
 * check that aborts (so libFuzzer, the sanitizers and the regression runner
 * all see a broken property as a crash), and the input as a C string. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unlike assert(), never compiled out: a harness's checks are its point. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* Copy @p size bytes of input into @p buf (@p cap bytes) as a string: cut
 * at the first NUL and at @p cap - 1 bytes.  @return its length. */
static inline size_t fuzz_str(const uint8_t *data, size_t size, char *buf, size_t cap)
{
	size_t n = strnlen((const char *)data, size < cap - 1 ? size : cap - 1);

	memcpy(buf, data, n);
	buf[n] = '\0';
	return n;
}
