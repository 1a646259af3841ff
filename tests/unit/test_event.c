/* SPDX-License-Identifier: GPL-3.0-or-later
 * Unit tests of attrib/event.h: the JSON-lines form of events as `attrib
 * apply` reads it, refusal of what is unknown or malformed (naming it), the
 * round trip through attrib_event_to_json(), and identity normalisation. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attrib/event.h"
#include "attrib/times.h"

/* 2026-11-30T14:02:11Z in seconds since the epoch. */
#define NOV30_140211 1796047331LL

/* Copy @p line into @p buf with single quotes made double, so that JSON
 * stays readable in C strings. */
static void unquote(const char *line, char *buf, size_t len)
{
	assert_true(strlen(line) < len);
	strcpy(buf, line);
	for (char *p = buf; *p; p++) {
		if (*p == '\'')
			*p = '"';
	}
}

/* Parse @p line into @p ev; the test fails if it is refused. */
static void parsed(const char *line, struct attrib_event *ev)
{
	char buf[2048], err[256] = "";

	unquote(line, buf, sizeof(buf));
	memset(ev, 0, sizeof(*ev));
	if (attrib_event_parse(buf, strlen(buf), ev, err, sizeof(err)) != 0) {
		print_error("refused: %s\n  %s\n", err, buf);
		fail();
	}
}

/* Fail unless @p line is refused with -EINVAL and a reason that contains
 * @p named (when not NULL). */
static void refused(const char *line, const char *named)
{
	struct attrib_event ev;
	char buf[2048], err[256] = "";

	unquote(line, buf, sizeof(buf));
	if (attrib_event_parse(buf, strlen(buf), &ev, err, sizeof(err)) != -EINVAL) {
		print_error("not refused: %s\n", buf);
		fail();
	}
	if (err[0] == '\0' || (named && !strstr(err, named))) {
		print_error("reason \"%s\" does not name \"%s\"\n  %s\n", err, named ? named : "",
			    buf);
		fail();
	}
}

static void test_lease_commit_line_fills_every_field(void **state)
{
	struct attrib_event ev;
	char buf[ATTRIB_ADDR_STRLEN];

	(void)state;
	parsed("{'type':'lease-commit','source':'dhcp4','server':'kea-a',"
	       "'time':'2026-11-30T14:02:11Z','valid-lifetime':3600,'address':'192.0.2.7',"
	       "'subnet-id':12,'hwaddr':'00:00:5E:00:53:01','client-id':'01-00-00-5e-00-53-01',"
	       "'hostname':'printer','remote-id':'0x0A0B','circuit-id':'eth0/1'}",
	       &ev);
	assert_int_equal(ev.type, ATTRIB_EV_LEASE_COMMIT);
	assert_int_equal(ev.source, ATTRIB_SRC_DHCP4);
	assert_string_equal(ev.server, "kea-a");
	assert_int_equal(ev.time, NOV30_140211 * ATTRIB_USEC);
	assert_true(ev.has & ATTRIB_HAS_LIFETIME);
	assert_int_equal(ev.valid_lifetime, 3600);
	assert_true(ev.has & ATTRIB_HAS_SUBNET);
	assert_int_equal(ev.subnet_id, 12);
	assert_int_equal(ev.naddr, 1);
	assert_string_equal(attrib_prefix_format(&ev.addr[0], buf), "192.0.2.7");
	assert_int_equal(ev.lease_type, ATTRIB_LEASE_ADDR);
	assert_string_equal(ev.id.hwaddr, "00:00:5e:00:53:01");
	assert_string_equal(ev.id.client_id, "01:00:00:5e:00:53:01");
	assert_string_equal(ev.id.hostname, "printer");
	assert_string_equal(ev.id.remote_id, "0a:0b");
	assert_string_equal(ev.id.circuit_id, "eth0/1");
	assert_false(ev.has & (ATTRIB_HAS_EVENT_TS | ATTRIB_HAS_DELAY | ATTRIB_HAS_SESSION_TIME));
}

static void test_dhcp6_prefix_delegation_line(void **state)
{
	struct attrib_event ev;
	char buf[ATTRIB_ADDR_STRLEN];

	(void)state;
	parsed("{'type':'lease-commit','source':'dhcp6','time':'@1796047331',"
	       "'valid-lifetime':7200,'address':'2001:db8:1200::/56','lease-type':'prefix',"
	       "'duid':'00030001AABBCCDDEEFF','iaid':7}",
	       &ev);
	assert_int_equal(ev.source, ATTRIB_SRC_DHCP6);
	assert_int_equal(ev.time, NOV30_140211 * ATTRIB_USEC);
	assert_int_equal(ev.lease_type, ATTRIB_LEASE_PREFIX);
	assert_string_equal(attrib_prefix_format(&ev.addr[0], buf), "2001:db8:1200::/56");
	assert_string_equal(ev.id.duid, "00:03:00:01:aa:bb:cc:dd:ee:ff");
	assert_true(ev.id.has_iaid);
	assert_int_equal(ev.id.iaid, 7);
}

static void test_accounting_line_fills_every_field(void **state)
{
	struct attrib_event ev;
	char buf[ATTRIB_ADDR_STRLEN];

	(void)state;
	parsed("{'type':'acct-interim','arrival':'2026-11-30T15:02:11+01:00',"
	       "'event-timestamp':1796047300,'acct-delay-time':5,'acct-session-time':600,"
	       "'nas':'bras-1','session-id':'0000A1B2','unique-session-id':'u-77',"
	       "'username':'alice@isp.example','calling-station-id':'00-00-5E-00-53-01',"
	       "'addresses':['100.64.0.7','2001:db8:1200:ab::/64','2001:db8:1200::/56']}",
	       &ev);
	assert_int_equal(ev.type, ATTRIB_EV_ACCT_INTERIM);
	assert_int_equal(ev.source, ATTRIB_SRC_RADIUS); /* the default for acct-* */
	assert_int_equal(ev.arrival, NOV30_140211 * ATTRIB_USEC);
	assert_true(ev.has & ATTRIB_HAS_EVENT_TS);
	assert_int_equal(ev.event_ts, (NOV30_140211 - 31) * ATTRIB_USEC);
	assert_true(ev.has & ATTRIB_HAS_DELAY);
	assert_int_equal(ev.delay, 5);
	assert_true(ev.has & ATTRIB_HAS_SESSION_TIME);
	assert_int_equal(ev.session_time, 600);
	assert_string_equal(ev.nas, "bras-1");
	assert_string_equal(ev.session_id, "0000A1B2");
	assert_string_equal(ev.unique_session_id, "u-77");
	assert_string_equal(ev.id.username, "alice@isp.example");
	assert_int_equal(ev.naddr, 3);
	assert_string_equal(attrib_prefix_format(&ev.addr[0], buf), "100.64.0.7");
	assert_string_equal(attrib_prefix_format(&ev.addr[1], buf), "2001:db8:1200:ab::/64");
	assert_string_equal(attrib_prefix_format(&ev.addr[2], buf), "2001:db8:1200::/56");
}

static void test_accounting_on_needs_no_address(void **state)
{
	struct attrib_event ev;

	(void)state;
	parsed("{'type':'acct-on','nas':'bras-1','arrival':'2026-11-30T14:02:11Z'}", &ev);
	assert_int_equal(ev.type, ATTRIB_EV_ACCT_ON);
	assert_int_equal(ev.naddr, 0);
	assert_false(ev.has & (ATTRIB_HAS_EVENT_TS | ATTRIB_HAS_DELAY | ATTRIB_HAS_SESSION_TIME));
}

static void test_unknown_key_is_refused_by_name(void **state)
{
	(void)state;
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'192.0.2.7','hwaddr':'00:00:5e:00:53:01',"
		"'valid-lifetme':60}",
		"valid-lifetme");
}

static void test_bad_address_is_refused(void **state)
{
	(void)state;
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'192.0.2.300','hwaddr':'00:00:5e:00:53:01'}",
		"address");
	refused("{'type':'acct-start','nas':'bras-1','arrival':'2026-11-30T14:02:11Z',"
		"'username':'alice','addresses':['100.64.0.7','2001:db8::/200']}",
		"address");
}

static void test_lease_of_a_prefix_where_one_address_is_leased_is_refused(void **state)
{
	(void)state;
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'192.0.2.0/24','hwaddr':'00:00:5e:00:53:01'}",
		"a DHCPv4 lease is one address");
	refused("{'type':'lease-commit','source':'dhcp6','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'2001:db8:1::/64','lease-type':'address',"
		"'duid':'00:03:00:01:00:00:5e:00:53:21','iaid':1}",
		"a DHCPv6 address lease is one address");
}

/* A DHCP lease is of its own family: an IPv4-mapped address, being IPv4,
 * is no DHCPv6 lease, and a DHCPv4 lease is never IPv6. */
static void test_lease_of_the_other_family_is_refused(void **state)
{
	(void)state;
	refused("{'type':'lease-commit','source':'dhcp6','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'::ffff:192.0.2.9',"
		"'duid':'00:03:00:01:00:00:5e:00:53:21','iaid':1}",
		"a DHCPv6 lease is an IPv6 address or prefix");
	refused("{'type':'lease-commit','source':'dhcp6','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'::ffff:192.0.2.0/120','lease-type':'prefix',"
		"'duid':'00:03:00:01:00:00:5e:00:53:21','iaid':1}",
		"a DHCPv6 lease is an IPv6 address or prefix");
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'2001:db8::5','hwaddr':'00:00:5e:00:53:01'}",
		"a DHCPv4 lease is an IPv4 address");
}

static void test_missing_required_fields_are_refused_by_name(void **state)
{
	(void)state;
	refused("{'source':'dhcp4','time':'2026-11-30T14:02:11Z','address':'192.0.2.7'}", "type");
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'address':'192.0.2.7','hwaddr':'00:00:5e:00:53:01'}",
		"valid-lifetime");
	refused("{'type':'lease-release','source':'dhcp4','address':'192.0.2.7',"
		"'hwaddr':'00:00:5e:00:53:01'}",
		"time");
	refused("{'type':'lease-release','time':'2026-11-30T14:02:11Z','address':'192.0.2.7',"
		"'hwaddr':'00:00:5e:00:53:01'}",
		"source");
	refused("{'type':'acct-start','nas':'bras-1','username':'alice','address':'100.64.0.7'}",
		"arrival");
	refused("{'type':'acct-start','arrival':'2026-11-30T14:02:11Z','username':'alice',"
		"'address':'100.64.0.7'}",
		"nas");
}

static void test_unknown_names_and_wrong_types_are_refused(void **state)
{
	(void)state;
	refused("{'type':'lease-renew','source':'dhcp4','time':'2026-11-30T14:02:11Z'}", "type");
	refused("{'type':'lease-release','source':'dhcp5','time':'2026-11-30T14:02:11Z',"
		"'address':'192.0.2.7'}",
		"source");
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':'3600','address':'192.0.2.7'}",
		"valid-lifetime");
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':-1,'address':'192.0.2.7'}",
		"valid-lifetime");
	refused("{'type':'lease-commit','source':'dhcp6','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'2001:db8::/56','lease-type':'temporary'}",
		"lease-type");
	refused("{'type':'lease-commit','source':'dhcp4','time':'2026-11-30T14:02:11Z',"
		"'valid-lifetime':3600,'address':'192.0.2.7','hwaddr':'not hex'}",
		"hwaddr");
}

static void test_time_without_zone_is_refused(void **state)
{
	(void)state;
	refused("{'type':'lease-release','source':'dhcp4','time':'2026-11-30T14:02:11',"
		"'address':'192.0.2.7','hwaddr':'00:00:5e:00:53:01'}",
		"time");
}

/* A number of seconds reaches as far as "@EPOCH" and the journal do, 1e12
 * seconds either way, written whole or with a fraction alike. */
static void test_numeric_time_stops_at_the_time_limit(void **state)
{
	struct attrib_event ev;

	(void)state;
	parsed("{'type':'acct-on','nas':'bras-1','arrival':1000000000000}", &ev);
	assert_int_equal(ev.arrival, ATTRIB_TIME_LIMIT_SEC * ATTRIB_USEC);
	parsed("{'type':'acct-on','nas':'bras-1','arrival':1000000000000.0}", &ev);
	assert_int_equal(ev.arrival, ATTRIB_TIME_LIMIT_SEC * ATTRIB_USEC);
	parsed("{'type':'acct-on','nas':'bras-1','arrival':-1e12}", &ev);
	assert_int_equal(ev.arrival, -ATTRIB_TIME_LIMIT_SEC * ATTRIB_USEC);
	refused("{'type':'acct-on','nas':'bras-1','arrival':1000000000001}", "out of range");
	refused("{'type':'acct-on','nas':'bras-1','arrival':1000000000000.5}", "out of range");
}

/* Seconds with a fraction are read to the microsecond written, and refused
 * where a double cannot hold that microsecond (past 4e9 s, in 2096). */
static void test_numeric_time_with_a_fraction_keeps_its_microseconds(void **state)
{
	struct attrib_event ev;

	(void)state;
	parsed("{'type':'acct-on','nas':'bras-1','arrival':1796079047.000001}", &ev);
	assert_int_equal(ev.arrival, 1796079047000001LL);
	parsed("{'type':'acct-on','nas':'bras-1','arrival':3999999999.999999}", &ev);
	assert_int_equal(ev.arrival, 3999999999999999LL);
	parsed("{'type':'acct-on','nas':'bras-1','arrival':-1796079047.999999}", &ev);
	assert_int_equal(ev.arrival, -1796079047999999LL);
	parsed("{'type':'acct-on','nas':'bras-1','arrival':999999999999.0}", &ev);
	assert_int_equal(ev.arrival, 999999999999000000LL);
	refused("{'type':'acct-on','nas':'bras-1','arrival':999999999999.9999}", "as text");
	refused("{'type':'acct-on','nas':'bras-1','arrival':4000000000.5}", "as text");
}

static void test_text_that_is_not_one_json_object_is_refused(void **state)
{
	(void)state;
	refused("", NULL);
	refused("[]", NULL);
	refused("{'type':'acct-on','nas':'bras-1'", NULL);
	refused("{'type':'acct-on','nas':'bras-1','arrival':1796047331} {}", NULL);
}

static void test_more_addresses_than_an_event_holds_are_refused(void **state)
{
	(void)state;
	refused("{'type':'acct-start','nas':'bras-1','arrival':1796047331,'username':'alice',"
		"'addresses':['100.64.0.1','100.64.0.2','100.64.0.3','100.64.0.4','100.64.0.5',"
		"'100.64.0.6','100.64.0.7','100.64.0.8','100.64.0.9']}",
		"addresses");
}

static void same_identities(const struct attrib_identities *a, const struct attrib_identities *b)
{
	assert_string_equal(b->hwaddr, a->hwaddr);
	assert_string_equal(b->client_id, a->client_id);
	assert_string_equal(b->duid, a->duid);
	assert_int_equal(b->has_iaid, a->has_iaid);
	assert_int_equal(b->iaid, a->iaid);
	assert_string_equal(b->remote_id, a->remote_id);
	assert_string_equal(b->circuit_id, a->circuit_id);
	assert_string_equal(b->subscriber_id, a->subscriber_id);
	assert_string_equal(b->username, a->username);
	assert_string_equal(b->calling_station_id, a->calling_station_id);
	assert_string_equal(b->hostname, a->hostname);
}

/* Parse @p line, write it back with attrib_event_to_json(), parse that
 * text again: both events must be the same, field for field. */
static void round_trip(const char *line)
{
	struct attrib_event a, b;
	char err[256] = "";
	json_t *obj;
	char *text;

	parsed(line, &a);
	obj = attrib_event_to_json(&a);
	assert_non_null(obj);
	text = json_dumps(obj, JSON_COMPACT);
	assert_non_null(text);
	memset(&b, 0, sizeof(b));
	if (attrib_event_parse(text, strlen(text), &b, err, sizeof(err)) != 0) {
		print_error("own JSON refused: %s\n  %s\n", err, text);
		fail();
	}
	assert_int_equal(b.type, a.type);
	assert_int_equal(b.source, a.source);
	assert_int_equal(b.has, a.has);
	assert_int_equal(b.time, a.time);
	assert_int_equal(b.arrival, a.arrival);
	assert_int_equal(b.event_ts, a.event_ts);
	assert_int_equal(b.delay, a.delay);
	assert_int_equal(b.session_time, a.session_time);
	assert_int_equal(b.input_octets, a.input_octets);
	assert_int_equal(b.output_octets, a.output_octets);
	assert_int_equal(b.valid_lifetime, a.valid_lifetime);
	assert_int_equal(b.subnet_id, a.subnet_id);
	assert_int_equal(b.lease_type, a.lease_type);
	assert_int_equal(b.naddr, a.naddr);
	assert_memory_equal(b.addr, a.addr, sizeof(a.addr[0]) * a.naddr);
	assert_string_equal(b.server, a.server);
	assert_string_equal(b.nas, a.nas);
	assert_string_equal(b.session_id, a.session_id);
	assert_string_equal(b.unique_session_id, a.unique_session_id);
	same_identities(&a.id, &b.id);
	free(text);
	json_decref(obj);
}

static void test_lease_event_round_trips_through_json(void **state)
{
	(void)state;
	round_trip("{'type':'lease-commit','source':'dhcp6','server':'kea-b',"
		   "'time':'2026-11-30T14:02:11.5Z','valid-lifetime':7200,"
		   "'address':'2001:db8:1200::/56','lease-type':'prefix','subnet-id':3,"
		   "'duid':'00:03:00:01:aa:bb:cc:dd:ee:ff','iaid':7,'remote-id':'0a:0b',"
		   "'subscriber-id':'sub-17','hwaddr':'00:00:5e:00:53:01'}");
}

static void test_accounting_event_round_trips_through_json(void **state)
{
	(void)state;
	round_trip("{'type':'acct-stop','source':'radius','arrival':'2026-11-30T14:02:11Z',"
		   "'event-timestamp':'2026-11-30T14:02:01Z','acct-delay-time':10,"
		   "'acct-session-time':3600,'nas':'bras-1','session-id':'S1',"
		   "'unique-session-id':'u-1','username':'alice','calling-station-id':'cs-1',"
		   "'acct-input-octets':21474836480,'acct-output-octets':0,"
		   "'addresses':['100.64.0.7','2001:db8:1200::/56']}");
}

static void test_octet_counters_are_64_bit_and_optional(void **state)
{
	struct attrib_event ev;

	(void)state;
	parsed("{'type':'acct-interim','arrival':'@1796047331','nas':'bras-1','session-id':'S1',"
	       "'acct-output-octets':21474836485}",
	       &ev);
	assert_true(ev.has & ATTRIB_HAS_OCTETS);
	assert_int_equal(ev.output_octets, 5 * 4294967296ULL + 5);
	assert_int_equal(ev.input_octets, 0);
	parsed("{'type':'acct-interim','arrival':'@1796047331','nas':'bras-1','session-id':'S1'}",
	       &ev);
	assert_false(ev.has & ATTRIB_HAS_OCTETS);
	refused("{'type':'acct-interim','arrival':'@1796047331','nas':'bras-1','session-id':'S1',"
		"'acct-input-octets':-1}",
		"acct-input-octets");
}

static void test_type_and_source_names_match_the_json_form(void **state)
{
	static const char *const types[] = { "lease-commit", "lease-release", "lease-decline",
					     "lease-expire", "lease-delete",  "acct-start",
					     "acct-interim", "acct-stop",     "acct-on",
					     "acct-off" };
	static const char *const sources[] = { "dhcp4", "dhcp6", "radius", "static", "import" };

	(void)state;
	for (int t = ATTRIB_EV_LEASE_COMMIT; t < ATTRIB_EV__COUNT; t++) {
		assert_string_equal(attrib_event_type_name(t), types[t - ATTRIB_EV_LEASE_COMMIT]);
		assert_int_equal(attrib_event_type_from(types[t - ATTRIB_EV_LEASE_COMMIT]), t);
	}
	for (int s = ATTRIB_SRC_DHCP4; s < ATTRIB_SRC__COUNT; s++) {
		assert_string_equal(attrib_source_name(s), sources[s - ATTRIB_SRC_DHCP4]);
		assert_int_equal(attrib_source_from(sources[s - ATTRIB_SRC_DHCP4]), s);
	}
	assert_int_equal(attrib_event_type_from("lease-renew"), ATTRIB_EV_NONE);
	assert_int_equal(attrib_source_from("dhcp5"), ATTRIB_SRC_NONE);
	assert_null(attrib_event_type_name(ATTRIB_EV__COUNT));
	assert_null(attrib_source_name(ATTRIB_SRC__COUNT));
}

static void expect_normal(const char *kind, const char *in, const char *out)
{
	char buf[ATTRIB_STR_MAX];

	assert_int_equal(attrib_identity_normalize(kind, in, buf, sizeof(buf)), 0);
	assert_string_equal(buf, out);
}

static void test_hex_identities_are_normalised_to_lowercase_colon_form(void **state)
{
	(void)state;
	expect_normal("hwaddr", "0A0B", "0a:0b");
	expect_normal("hwaddr", "0a-0b", "0a:0b");
	expect_normal("hwaddr", "0a.0b", "0a:0b");
	expect_normal("hwaddr", "00:00:5E:00:53:01", "00:00:5e:00:53:01");
	expect_normal("client-id", "01-00-00-5E-00-53-01", "01:00:00:5e:00:53:01");
	expect_normal("duid", "00030001AABBCCDDEEFF", "00:03:00:01:aa:bb:cc:dd:ee:ff");
}

static void test_relay_ids_are_normalised_only_when_hex(void **state)
{
	(void)state;
	expect_normal("remote-id", "0x0A0B", "0a:0b");
	expect_normal("remote-id", "0A:0B", "0a:0b");
	expect_normal("circuit-id", "eth0/1/2:100", "eth0/1/2:100");
	expect_normal("subscriber-id", "Sub-17", "Sub-17");
	expect_normal("username", "Alice@ISP.example", "Alice@ISP.example");
}

static void test_bad_identities_are_refused(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(attrib_identity_normalize("hwaddr", "zz:00", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attrib_identity_normalize("duid", "0a:0g", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attrib_identity_normalize("shoe-size", "42", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attrib_identity_normalize("hwaddr", "00:00:5e:00:53:01", buf, sizeof(buf)),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lease_commit_line_fills_every_field),
		cmocka_unit_test(test_dhcp6_prefix_delegation_line),
		cmocka_unit_test(test_accounting_line_fills_every_field),
		cmocka_unit_test(test_octet_counters_are_64_bit_and_optional),
		cmocka_unit_test(test_accounting_on_needs_no_address),
		cmocka_unit_test(test_unknown_key_is_refused_by_name),
		cmocka_unit_test(test_bad_address_is_refused),
		cmocka_unit_test(test_lease_of_a_prefix_where_one_address_is_leased_is_refused),
		cmocka_unit_test(test_lease_of_the_other_family_is_refused),
		cmocka_unit_test(test_missing_required_fields_are_refused_by_name),
		cmocka_unit_test(test_unknown_names_and_wrong_types_are_refused),
		cmocka_unit_test(test_time_without_zone_is_refused),
		cmocka_unit_test(test_numeric_time_stops_at_the_time_limit),
		cmocka_unit_test(test_numeric_time_with_a_fraction_keeps_its_microseconds),
		cmocka_unit_test(test_text_that_is_not_one_json_object_is_refused),
		cmocka_unit_test(test_more_addresses_than_an_event_holds_are_refused),
		cmocka_unit_test(test_lease_event_round_trips_through_json),
		cmocka_unit_test(test_accounting_event_round_trips_through_json),
		cmocka_unit_test(test_type_and_source_names_match_the_json_form),
		cmocka_unit_test(test_hex_identities_are_normalised_to_lowercase_colon_form),
		cmocka_unit_test(test_relay_ids_are_normalised_only_when_hex),
		cmocka_unit_test(test_bad_identities_are_refused),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
