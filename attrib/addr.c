/* SPDX-License-Identifier: GPL-3.0-or-later
 * Addresses and prefixes: the text forms operators type and the masked,
 * fixed-width form the store keys bindings on. */
#include "attrib/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, const char *s)
{
	if (err)
		snprintf(err, errlen, fmt, s);
	return -EINVAL;
}

size_t attrib_prefix_bytes(const struct attrib_prefix *p)
{
	return p->family == 4 ? 4 : 16;
}

void attrib_prefix_mask(const struct attrib_prefix *addr, unsigned len, struct attrib_prefix *out)
{
	struct attrib_prefix m = { .family = addr->family, .len = (uint8_t)len };
	unsigned full = len / 8, rest = len % 8;

	memcpy(m.net, addr->net, full);
	if (rest)
		m.net[full] = addr->net[full] & (uint8_t)(0xff << (8 - rest));
	*out = m;
}

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int parse(const char *s, bool allow_len, struct attrib_prefix *out, char *err, size_t errlen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct attrib_prefix p = { 0 };
	struct attrib_prefix masked;
	unsigned max;

	if (alen == 0 || alen >= sizeof(buf))
		return fail(err, errlen, "not an IP address: \"%.60s\"", s);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, p.net) == 1) {
		p.family = 4;
	} else if (inet_pton(AF_INET6, buf, p.net) == 1) {
		p.family = 6;
	} else {
		return fail(err, errlen, "not an IP address: \"%.60s\"", s);
	}
	max = p.family == 4 ? 32 : 128;
	p.len = (uint8_t)max;
	if (slash) {
		char *end;
		unsigned long len;

		if (!allow_len)
			return fail(err, errlen, "an address is wanted, not a prefix: \"%.60s\"",
				    s);
		if (slash[1] < '0' || slash[1] > '9')
			return fail(err, errlen, "bad prefix length in \"%.60s\"", s);
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > max)
			return fail(err, errlen, "bad prefix length in \"%.60s\"", s);
		p.len = (uint8_t)len;
	}
	attrib_prefix_mask(&p, p.len, &masked);
	if (memcmp(masked.net, p.net, sizeof(p.net)) != 0)
		return fail(err, errlen, "host bits set below the prefix length in \"%.60s\"", s);
	/* An IPv4-mapped IPv6 address (::ffff:192.0.2.7, RFC 4291 2.5.5.2),
	 * as dual-stack logs write IPv4 clients, is the IPv4 address. */
	if (p.family == 6 && p.len >= 96 && memcmp(p.net, v4_mapped, sizeof(v4_mapped)) == 0) {
		struct attrib_prefix v4 = { .family = 4, .len = (uint8_t)(p.len - 96) };

		memcpy(v4.net, p.net + sizeof(v4_mapped), 4);
		p = v4;
	}
	*out = p;
	return 0;
}

int attrib_prefix_parse(const char *s, struct attrib_prefix *out, char *err, size_t errlen)
{
	return parse(s, true, out, err, errlen);
}

int attrib_addr_parse(const char *s, struct attrib_prefix *out, char *err, size_t errlen)
{
	return parse(s, false, out, err, errlen);
}

char *attrib_prefix_format(const struct attrib_prefix *p, char *buf)
{
	unsigned max = p->family == 4 ? 32 : 128;
	size_t n;

	if (!inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->net, buf, ATTRIB_ADDR_STRLEN)) {
		strcpy(buf, "?");
		return buf;
	}
	n = strlen(buf);
	if (p->len != max)
		snprintf(buf + n, ATTRIB_ADDR_STRLEN - n, "/%u", p->len);
	return buf;
}

bool attrib_prefix_contains(const struct attrib_prefix *p, const struct attrib_prefix *q)
{
	struct attrib_prefix m;

	if (p->family != q->family || p->len > q->len)
		return false;
	attrib_prefix_mask(q, p->len, &m);
	return memcmp(m.net, p->net, attrib_prefix_bytes(p)) == 0;
}

/* What no subscriber can hold; a prefix overlapping one of these binds
 * nothing, so that no malformed event (a /0, a block reaching into
 * multicast) can name a customer for addresses it does not have. */
static const struct attrib_prefix unbindable[] = {
	{ .family = 4, .len = 8, .net = { 0 } },    /* 0.0.0.0/8, "this network" */
	{ .family = 4, .len = 4, .net = { 224 } },  /* multicast */
	{ .family = 4, .len = 4, .net = { 240 } },  /* reserved, limited broadcast */
	{ .family = 6, .len = 128, .net = { 0 } },  /* :: */
	{ .family = 6, .len = 8, .net = { 0xff } }, /* multicast */
};

bool attrib_prefix_bindable(const struct attrib_prefix *p)
{
	if (p->len < (p->family == 4 ? ATTRIB_BIND_MIN4 : ATTRIB_BIND_MIN6))
		return false;
	for (size_t i = 0; i < sizeof(unbindable) / sizeof(*unbindable); i++) {
		const struct attrib_prefix *u = &unbindable[i];

		if (u->family == p->family &&
		    (attrib_prefix_contains(u, p) || attrib_prefix_contains(p, u)))
			return false;
	}
	return true;
}
