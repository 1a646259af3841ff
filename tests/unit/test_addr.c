/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of attrib/addr.h: parsing and formatting addresses and prefixes
 * of both families, masking, containment, what may bind, and refusal of
 * text that names no address. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "attrib/addr.h"

static struct attrib_prefix parsed(const char *s)
{
	struct attrib_prefix p;
	char err[128] = "";

	memset(&p, 0xa5, sizeof(p));
	if (attrib_prefix_parse(s, &p, err, sizeof(err)) != 0) {
		print_error("attrib_prefix_parse(\"%s\"): %s\n", s, err);
		fail();
	}
	return p;
}

/* Fail unless @p s is refused by attrib_prefix_parse() with -EINVAL and a
 * reason. */
static void refused(const char *s)
{
	struct attrib_prefix p;
	char err[128] = "";

	if (attrib_prefix_parse(s, &p, err, sizeof(err)) != -EINVAL) {
		print_error("\"%s\" was not refused\n", s);
		fail();
	}
	assert_true(err[0] != '\0');
}

static void test_ipv4_address_parses_as_a_32(void **state)
{
	struct attrib_prefix p = parsed("192.0.2.7");
	const uint8_t net[16] = { 192, 0, 2, 7 };

	(void)state;
	assert_int_equal(p.family, 4);
	assert_int_equal(p.len, 32);
	assert_memory_equal(p.net, net, 16);
	assert_int_equal(attrib_prefix_bytes(&p), 4);
}

static void test_ipv6_address_parses_as_a_128(void **state)
{
	struct attrib_prefix p = parsed("2001:db8:1200:ab::5");
	const uint8_t net[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x00, 0x00, 0xab,
				  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05 };

	(void)state;
	assert_int_equal(p.family, 6);
	assert_int_equal(p.len, 128);
	assert_memory_equal(p.net, net, 16);
	assert_int_equal(attrib_prefix_bytes(&p), 16);
}

static void test_prefix_parses_with_its_length_and_zero_tail(void **state)
{
	struct attrib_prefix p = parsed("2001:db8:1200::/56");
	struct attrib_prefix q = parsed("198.51.100.0/24");
	const uint8_t net6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x00 };
	const uint8_t net4[16] = { 198, 51, 100 };

	(void)state;
	assert_int_equal(p.family, 6);
	assert_int_equal(p.len, 56);
	assert_memory_equal(p.net, net6, 16);
	assert_int_equal(q.family, 4);
	assert_int_equal(q.len, 24);
	assert_memory_equal(q.net, net4, 16);
}

static void test_prefix_with_host_bits_set_is_refused(void **state)
{
	(void)state;
	refused("192.0.2.7/24");
	refused("2001:db8:1200:ab::/56");
}

static void test_malformed_addresses_are_refused(void **state)
{
	static const char *const bad[] = { "",
					   "abc",
					   "192.0.2",
					   "192.0.2.256",
					   "192.0.2.7.1",
					   "192.0.2.0/33",
					   "192.0.2.0/",
					   "192.0.2.0/-1",
					   "192.0.2.0/24x",
					   "2001:db8::/129",
					   "2001:db8:::1",
					   "2001:db8::g",
					   " 192.0.2.7",
					   "192.0.2.7 " };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
}

static void test_address_parse_refuses_a_length(void **state)
{
	struct attrib_prefix p;
	char err[128] = "";

	(void)state;
	assert_int_equal(attrib_addr_parse("192.0.2.0/24", &p, err, sizeof(err)), -EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(attrib_addr_parse("2001:db8::1", &p, err, sizeof(err)), 0);
	assert_int_equal(p.len, 128);
}

static void test_format_writes_full_length_without_slash(void **state)
{
	char buf[ATTRIB_ADDR_STRLEN];
	struct attrib_prefix p;

	(void)state;
	p = parsed("192.0.2.7");
	assert_string_equal(attrib_prefix_format(&p, buf), "192.0.2.7");
	p = parsed("2001:DB8:1200:AB:0:0:0:5");
	assert_string_equal(attrib_prefix_format(&p, buf), "2001:db8:1200:ab::5");
	p = parsed("2001:db8:1200::/56");
	assert_string_equal(attrib_prefix_format(&p, buf), "2001:db8:1200::/56");
	p = parsed("198.51.100.0/24");
	assert_string_equal(attrib_prefix_format(&p, buf), "198.51.100.0/24");
	p = parsed("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(attrib_prefix_format(&p, buf),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_mask_truncates_to_the_length(void **state)
{
	struct attrib_prefix a = parsed("2001:db8:1200:ab::5");
	struct attrib_prefix want = parsed("2001:db8:1200::/56");
	struct attrib_prefix got, a4 = parsed("192.0.2.7"), want4 = parsed("192.0.2.0/25");

	(void)state;
	attrib_prefix_mask(&a, 56, &got);
	assert_int_equal(got.family, 6);
	assert_int_equal(got.len, 56);
	assert_memory_equal(got.net, want.net, 16);
	attrib_prefix_mask(&a4, 25, &got);
	assert_int_equal(got.family, 4);
	assert_int_equal(got.len, 25);
	assert_memory_equal(got.net, want4.net, 16);
}

static void test_prefix_contains_the_addresses_and_prefixes_inside_it(void **state)
{
	struct attrib_prefix p56 = parsed("2001:db8:1200::/56");
	struct attrib_prefix p64 = parsed("2001:db8:1200:ab::/64");
	struct attrib_prefix a = parsed("2001:db8:1200:ab::5");
	struct attrib_prefix out = parsed("2001:db8:1201::5");
	struct attrib_prefix v4 = parsed("192.0.2.0/24"), v4a = parsed("192.0.2.7");

	(void)state;
	assert_true(attrib_prefix_contains(&p56, &p64));
	assert_true(attrib_prefix_contains(&p56, &a));
	assert_true(attrib_prefix_contains(&p64, &a));
	assert_true(attrib_prefix_contains(&a, &a));
	assert_false(attrib_prefix_contains(&p64, &p56));
	assert_false(attrib_prefix_contains(&a, &p64));
	assert_false(attrib_prefix_contains(&p56, &out));
	assert_true(attrib_prefix_contains(&v4, &v4a));
	assert_false(attrib_prefix_contains(&v4, &a));
	assert_false(attrib_prefix_contains(&p56, &v4a));
}

/* ::ffff:192.0.2.7 (RFC 4291 2.5.5.2) is how dual-stack logs write the IPv4
 * client 192.0.2.7: the same address, so the same answer. */
static void test_ipv4_mapped_ipv6_is_the_ipv4_address(void **state)
{
	struct attrib_prefix v4 = parsed("192.0.2.7"), mapped = parsed("::ffff:192.0.2.7");
	struct attrib_prefix net = parsed("::ffff:c000:200/120");
	struct attrib_prefix wide = parsed("::/80");
	struct attrib_prefix compat = parsed("::192.0.2.7");

	(void)state;
	assert_memory_equal(&mapped, &v4, sizeof(v4));
	assert_int_equal(net.family, 4);
	assert_int_equal(net.len, 24);
	assert_true(attrib_prefix_contains(&net, &v4));
	/* Shorter than the mapped range, or not mapped: IPv6 as written. */
	assert_int_equal(wide.family, 6);
	assert_int_equal(wide.len, 80);
	assert_int_equal(compat.family, 6);
}

static void test_ipv4_prefix_never_contains_an_ipv6_address_with_the_same_bytes(void **state)
{
	/* 192.0.2.0/24 and c000:207::1 share their three leading bytes; family
	 * alone tells them apart. */
	struct attrib_prefix v4 = parsed("192.0.2.0/24");
	struct attrib_prefix v6 = parsed("c000:207::1");

	(void)state;
	assert_false(attrib_prefix_contains(&v4, &v6));
}

static void test_unspecified_multicast_and_broadcast_are_not_bindable(void **state)
{
	static const char *const no[] = { "0.0.0.0",   "255.255.255.255",
					  "224.0.0.1", "239.255.255.250",
					  "::",        "ff02::1",
					  "ff05::1:3" };
	static const char *const yes[] = { "192.0.2.7", "100.64.0.7", "198.51.100.0/24",
					   "2001:db8:1200:ab::5", "2001:db8:1200::/56" };
	struct attrib_prefix p;

	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		p = parsed(no[i]);
		if (attrib_prefix_bindable(&p)) {
			print_error("%s is bindable\n", no[i]);
			fail();
		}
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		p = parsed(yes[i]);
		if (!attrib_prefix_bindable(&p)) {
			print_error("%s is not bindable\n", yes[i]);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_address_parses_as_a_32),
		cmocka_unit_test(test_ipv6_address_parses_as_a_128),
		cmocka_unit_test(test_prefix_parses_with_its_length_and_zero_tail),
		cmocka_unit_test(test_prefix_with_host_bits_set_is_refused),
		cmocka_unit_test(test_malformed_addresses_are_refused),
		cmocka_unit_test(test_address_parse_refuses_a_length),
		cmocka_unit_test(test_format_writes_full_length_without_slash),
		cmocka_unit_test(test_mask_truncates_to_the_length),
		cmocka_unit_test(test_prefix_contains_the_addresses_and_prefixes_inside_it),
		cmocka_unit_test(
			test_ipv4_prefix_never_contains_an_ipv6_address_with_the_same_bytes),
		cmocka_unit_test(test_unspecified_multicast_and_broadcast_are_not_bindable),
		cmocka_unit_test(test_ipv4_mapped_ipv6_is_the_ipv4_address),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
