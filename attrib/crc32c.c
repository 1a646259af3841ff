/* SPDX-License-Identifier: GPL-3.0-or-later
 * CRC-32C in two ways: eight 256-entry tables consumed a 64-bit word at a
 * time, and the SSE 4.2 crc32 instruction, picked once per process by asking
 * the processor. */
#include "attrib/crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>
#define HAVE_SSE42_PATH 1
#endif

#define POLY 0x82f63b78u /* 0x1edc6f41 bit-reversed */

typedef uint32_t (*crc_fn)(uint32_t, const uint8_t *, size_t);

static uint32_t table[8][256];
static crc_fn crc_impl;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

/* Words are read little-endian whatever the host, so that the tables, which
 * assume the first byte is the lowest, stay right on a big-endian one. */
static uint64_t load64le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t crc_tables(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = table[0][(crc ^ *p++) & 0xff] ^ crc >> 8;
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t v = load64le(p) ^ crc;
		uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);

		crc = table[7][lo & 0xff] ^ table[6][lo >> 8 & 0xff] ^ table[5][lo >> 16 & 0xff] ^
		      table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][hi >> 8 & 0xff] ^
		      table[1][hi >> 16 & 0xff] ^ table[0][hi >> 24];
	}
	while (n--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ crc >> 8;
	return crc;
}

#ifdef HAVE_SSE42_PATH
__attribute__((target("sse4.2"))) static uint32_t crc_sse42(uint32_t crc, const uint8_t *p,
							    size_t n)
{
	uint64_t c = crc;
	uint64_t v;

	while (n && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8); /* x86 is little-endian: the instruction's own order */
		c = _mm_crc32_u64(c, v);
	}
	while (n--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

/* Table k maps a byte to its contribution k bytes further on. */
static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? c >> 1 ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = table[t - 1][i] >> 8 ^ table[0][table[t - 1][i] & 0xff];
	crc_impl = crc_tables;
#ifdef HAVE_SSE42_PATH
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse4.2"))
		crc_impl = crc_sse42;
#endif
}

uint32_t attrib_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	return ~crc_impl(~crc, buf, len);
}

uint32_t attrib_crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	return ~crc_tables(~crc, buf, len);
}
