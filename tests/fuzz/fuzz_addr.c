/* SPDX-License-Identifier: GPL-3.0-or-later
 * Fuzzes the address and prefix parsers.  A prefix that parses must format to
 * text that parses back to the same bytes, name a network (no host bits), and
 * agree with the masking and containment helpers; an address must parse the
 * same way as a prefix of full length. */
#include "fuzz.h"

#include <errno.h>
#include <string.h>

#include "attrib/addr.h"

/* @p p came from the parser: check the round trip and the helpers on it. */
static void check_prefix(const struct attrib_prefix *p)
{
	struct attrib_prefix back, m;
	char buf[ATTRIB_ADDR_STRLEN], err[256];
	unsigned max = p->family == 4 ? 32 : 128;

	FUZZ_CHECK(p->family == 4 || p->family == 6);
	FUZZ_CHECK(p->len <= max);
	FUZZ_CHECK(attrib_prefix_bytes(p) == (p->family == 4 ? 4u : 16u));
	attrib_prefix_format(p, buf);
	FUZZ_CHECK(strnlen(buf, sizeof(buf)) < sizeof(buf));
	FUZZ_CHECK(attrib_prefix_parse(buf, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(memcmp(&back, p, sizeof(back)) == 0);
	FUZZ_CHECK(attrib_prefix_contains(p, p));
	attrib_prefix_mask(p, p->len, &m);
	FUZZ_CHECK(memcmp(&m, p, sizeof(m)) == 0);
	(void)attrib_prefix_bindable(p);

	/* Every shorter mask is a network that contains p, and formats and
	 * parses like any other prefix. */
	for (unsigned len = 0; len < p->len; len++) {
		attrib_prefix_mask(p, len, &m);
		FUZZ_CHECK(attrib_prefix_contains(&m, p));
		FUZZ_CHECK(!attrib_prefix_contains(p, &m));
		attrib_prefix_format(&m, buf);
		FUZZ_CHECK(attrib_prefix_parse(buf, &back, err, sizeof(err)) == 0);
		FUZZ_CHECK(memcmp(&back, &m, sizeof(back)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], err[256];
	struct attrib_prefix p, a;
	int rp, ra;

	fuzz_str(data, size, s, sizeof(s));
	memset(&p, 0, sizeof(p));
	memset(&a, 0, sizeof(a));
	rp = attrib_prefix_parse(s, &p, err, sizeof(err));
	FUZZ_CHECK(rp == 0 || rp == -EINVAL);
	ra = attrib_addr_parse(s, &a, NULL, 0);
	FUZZ_CHECK(ra == 0 || ra == -EINVAL);
	if (ra == 0) {
		/* An address is a prefix too, of its family's full length. */
		FUZZ_CHECK(rp == 0);
		FUZZ_CHECK(memcmp(&a, &p, sizeof(a)) == 0);
		FUZZ_CHECK(a.len == (a.family == 4 ? 32 : 128));
	}
	if (rp == 0)
		check_prefix(&p);
	return 0;
}
