/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copying text into the fixed-size fields of events, bindings and answers. */
#pragma once

#include <string.h>

/** Copy @p src into @p dst of @p n bytes (n > 0), cut to fit, always ended
 * by a NUL: what snprintf(dst, n, "%s", src) does, at the cost of a memcpy
 * (a lookup copies some twenty fields). */
static inline void attrib_text_copy(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}
