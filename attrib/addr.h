/* SPDX-License-Identifier: GPL-3.0-or-later
 * Addresses and prefixes of both families: parsing, formatting, masking and
 * containment, in the fixed 16-byte form the store indexes on. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTRIB_ADDR_STRLEN 50 /* "ffff:...:ffff/128" plus NUL, with room */

/** An IPv4 or IPv6 network.  IPv4 uses the first 4 bytes of @c net; bytes
 * past the prefix length are always zero. */
struct attrib_prefix {
	uint8_t family; /**< 4 or 6 */
	uint8_t len;    /**< prefix length, 0..32 or 0..128 */
	uint8_t net[16];
};

/** Parse "192.0.2.7", "2001:db8::/56" or "192.0.2.0/24".
 * An address without a length is a /32 or /128.  Host bits set below the
 * length are refused (a prefix must name a network).  An IPv4-mapped IPv6
 * address or prefix (::ffff:192.0.2.7, ::ffff:192.0.2.0/120) is taken as
 * the IPv4 one it maps.
 * @return 0, or -EINVAL with a reason in @p err (if not NULL). */
int attrib_prefix_parse(const char *s, struct attrib_prefix *out, char *err, size_t errlen);

/** Parse an address only: a length is refused. */
int attrib_addr_parse(const char *s, struct attrib_prefix *out, char *err, size_t errlen);

/** Format as text; a full-length prefix is written without "/len".
 * @p buf holds at least ATTRIB_ADDR_STRLEN bytes.  @return @p buf. */
char *attrib_prefix_format(const struct attrib_prefix *p, char *buf);

/** Number of address bytes of the family: 4 or 16. */
size_t attrib_prefix_bytes(const struct attrib_prefix *p);

/** Copy @p addr truncated to @p len bits into @p out. */
void attrib_prefix_mask(const struct attrib_prefix *addr, unsigned len, struct attrib_prefix *out);

/** True when @p p contains every address of @p q (same family, shorter or
 * equal length, same leading bits). */
bool attrib_prefix_contains(const struct attrib_prefix *p, const struct attrib_prefix *q);

#define ATTRIB_BIND_MIN4 8  /* the shortest IPv4 prefix a subscriber can hold */
#define ATTRIB_BIND_MIN6 16 /* and IPv6 */

/** True for what can be a subscriber's address or prefix: at least /8
 * (IPv4) or /16 (IPv6) long, and overlapping neither 0.0.0.0/8, multicast,
 * 240.0.0.0/4 (reserved, limited broadcast) nor ::.  Other addresses are
 * kept as evidence only. */
bool attrib_prefix_bindable(const struct attrib_prefix *p);
