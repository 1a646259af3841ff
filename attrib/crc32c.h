/* SPDX-License-Identifier: GPL-3.0-or-later
 * CRC-32C (Castagnoli, polynomial 0x1edc6f41 reflected), the checksum that
 * guards journal headers and records.  Any thread may call these. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** Extend @p crc, the CRC-32C of the bytes before, by @p len bytes at @p buf.
 * Start with 0; the usual inversions happen inside, so
 * attrib_crc32c(attrib_crc32c(0, a, n), b, m) is the CRC of a then b, and
 * attrib_crc32c(0, "123456789", 9) is 0xe3069283.  Uses the SSE 4.2
 * instruction when the processor has it. */
uint32_t attrib_crc32c(uint32_t crc, const void *buf, size_t len);

/** The same sum from tables only, whatever the processor: for tests that
 * hold the two ways to one answer. */
uint32_t attrib_crc32c_portable(uint32_t crc, const void *buf, size_t len);
