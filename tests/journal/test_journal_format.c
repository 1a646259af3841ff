/* SPDX-License-Identifier: GPL-3.0-or-later
 * The journal's bytes: CRC-32C against its published check value, every
 * record kind and every event field through encode and decode, what the
 * encoder refuses, and a decoder that answers garbage with an error, never
 * with a record that was not written. */
#include "jt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/crc32c.h"

static void test_crc32c_matches_the_check_value_both_ways(void **state)
{
	uint8_t buf[1100];

	(void)state;
	assert_int_equal(attrib_crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(attrib_crc32c_portable(0, "123456789", 9), 0xe3069283);
	assert_int_equal(attrib_crc32c(attrib_crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	/* Every length and start alignment, so both ends of the word loop run. */
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 1 + len / 8)
			assert_int_equal(attrib_crc32c(0, buf + off, len),
					 attrib_crc32c_portable(0, buf + off, len));
}

/* An event with every field set, strings at their longest. */
static void full_event(struct attrib_event *ev)
{
	char *strs[] = { ev->server,        ev->nas,
			 ev->session_id,    ev->unique_session_id,
			 ev->id.hwaddr,     ev->id.client_id,
			 ev->id.duid,       ev->id.remote_id,
			 ev->id.circuit_id, ev->id.subscriber_id,
			 ev->id.username,   ev->id.calling_station_id,
			 ev->id.hostname };
	static const uint8_t lens[ATTRIB_EVENT_ADDRS] = { 32, 24, 0, 128, 56, 64, 1, 127 };

	memset(ev, 0, sizeof(*ev));
	ev->type = ATTRIB_EV_ACCT_INTERIM;
	ev->source = ATTRIB_SRC_RADIUS;
	ev->has = ATTRIB_HAS_EVENT_TS | ATTRIB_HAS_DELAY | ATTRIB_HAS_SESSION_TIME |
		  ATTRIB_HAS_LIFETIME | ATTRIB_HAS_SUBNET | ATTRIB_HAS_OCTETS;
	ev->time = -1;
	ev->arrival = 1796047331123456LL;
	ev->event_ts = 1796047330000000LL;
	ev->delay = 4;
	ev->session_time = UINT32_MAX;
	ev->input_octets = UINT64_MAX;
	ev->output_octets = (5ULL << 32) + 17;
	ev->valid_lifetime = 7200;
	ev->subnet_id = 77;
	ev->lease_type = ATTRIB_LEASE_PREFIX;
	ev->id.iaid = 0xdeadbeef;
	ev->id.has_iaid = true;
	ev->naddr = ATTRIB_EVENT_ADDRS;
	for (unsigned i = 0; i < ATTRIB_EVENT_ADDRS; i++) {
		struct attrib_prefix full = { .family = lens[i] > 32 || i == 3 ? 6 : 4 };

		for (int b = 0; b < 16; b++)
			full.net[b] = (uint8_t)(0xa5 + i + b);
		attrib_prefix_mask(&full, lens[i], &ev->addr[i]);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		memset(strs[i], 'a' + (int)i, ATTRIB_STR_MAX - 1);
		strs[i][ATTRIB_STR_MAX - 1] = '\0';
	}
}

static void round_trip(const struct attrib_event *ev)
{
	static uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];
	static struct attrib_journal_record rec;
	int n = attrib_journal_encode_event(ev, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(attrib_journal_decode(buf, (size_t)n, &rec), n);
	assert_int_equal(rec.kind, ATTRIB_JOURNAL_REC_EVENT);
	assert_memory_equal(&rec.event, ev, sizeof(*ev));
}

#define EVO(f) offsetof(struct attrib_event, f)
#define IDO(f) (offsetof(struct attrib_event, id) + offsetof(struct attrib_identities, f))

/* Copy field @p i of @p full into @p one.  @return false past the last. */
static bool copy_field(struct attrib_event *one, const struct attrib_event *full, int i)
{
	static const size_t strs[] = {
		EVO(server),     EVO(nas),           EVO(session_id), EVO(unique_session_id),
		IDO(hwaddr),     IDO(client_id),     IDO(duid),       IDO(remote_id),
		IDO(circuit_id), IDO(subscriber_id), IDO(username),   IDO(calling_station_id),
		IDO(hostname)
	};

	switch (i) {
	case 0:
		one->lease_type = full->lease_type;
		return true;
	case 1:
		one->time = full->time;
		return true;
	case 2:
		one->arrival = full->arrival;
		return true;
	case 3:
		one->event_ts = full->event_ts;
		one->has = ATTRIB_HAS_EVENT_TS;
		return true;
	case 4:
		one->delay = full->delay;
		one->has = ATTRIB_HAS_DELAY;
		return true;
	case 5:
		one->session_time = full->session_time;
		one->has = ATTRIB_HAS_SESSION_TIME;
		return true;
	case 6:
		one->valid_lifetime = full->valid_lifetime;
		one->has = ATTRIB_HAS_LIFETIME;
		return true;
	case 7:
		one->subnet_id = full->subnet_id;
		one->has = ATTRIB_HAS_SUBNET;
		return true;
	case 8:
		one->id.iaid = full->id.iaid;
		one->id.has_iaid = true;
		return true;
	case 9:
		one->naddr = full->naddr;
		memcpy(one->addr, full->addr, sizeof(one->addr));
		return true;
	case 10:
		one->input_octets = full->input_octets;
		one->output_octets = full->output_octets;
		one->has = ATTRIB_HAS_OCTETS;
		return true;
	}
	i -= 11;
	if (i >= (int)(sizeof(strs) / sizeof(*strs)))
		return false;
	strcpy((char *)one + strs[i], (const char *)full + strs[i]);
	return true;
}

static void test_every_event_field_survives_encode_and_decode(void **state)
{
	static struct attrib_event full, one;
	int fields = 0;

	(void)state;
	full_event(&full);
	round_trip(&full);
	for (int i = 0;; i++) {
		memset(&one, 0, sizeof(one));
		one.type = ATTRIB_EV_LEASE_COMMIT;
		one.source = ATTRIB_SRC_DHCP6;
		if (!copy_field(&one, &full, i))
			break;
		round_trip(&one);
		fields++;
	}
	assert_int_equal(fields, 24);
	for (int t = ATTRIB_EV_NONE + 1; t < ATTRIB_EV__COUNT; t++)
		for (int s = ATTRIB_SRC_NONE + 1; s < ATTRIB_SRC__COUNT; s++) {
			one.type = t;
			one.source = s;
			round_trip(&one);
		}
}

static void test_each_optional_field_is_written_only_when_present(void **state)
{
	struct attrib_event ev;
	uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];
	int bare, n;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.type = ATTRIB_EV_ACCT_START;
	ev.source = ATTRIB_SRC_RADIUS;
	bare = attrib_journal_encode_event(&ev, buf, sizeof(buf));
	assert_int_equal(bare, ATTRIB_JOURNAL_FRAME + 1 + 3 + 3);
	ev.delay = 5; /* without its flag: not present */
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), bare);
	ev.has = ATTRIB_HAS_DELAY;
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), bare + 6);
	round_trip(&ev);
	ev.delay = 0; /* present and zero: still written */
	round_trip(&ev);
	ev.id.has_iaid = true;
	n = attrib_journal_encode_event(&ev, buf, sizeof(buf));
	assert_int_equal(n, bare + 12);
	round_trip(&ev);
}

static void test_a_dhcp4_commit_takes_about_100_bytes(void **state)
{
	struct attrib_event ev;
	uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];
	int n;

	(void)state;
	jt_event(&ev, 12345);
	strcpy(ev.id.hostname, "laptop-01");
	n = attrib_journal_encode_event(&ev, buf, sizeof(buf));
	print_message("dhcp4 commit record: %d bytes\n", n);
	assert_true(n >= 80 && n <= 120);
	round_trip(&ev);
}

static void test_heartbeat_loss_and_seal_survive_encode_and_decode(void **state)
{
	static struct attrib_journal_record in, out;
	uint8_t buf[256];
	int n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.kind = ATTRIB_JOURNAL_REC_HEARTBEAT;
	in.heartbeat = (struct attrib_journal_heartbeat){
		.time = 1796047331000000LL,
		.interval_ms = 30000,
		.counts = { .events = UINT64_MAX, .lost = 3, .refused = 0 }
	};
	n = attrib_journal_encode(&in, buf, sizeof(buf));
	assert_int_equal(attrib_journal_decode(buf, (size_t)n, &out), n);
	assert_int_equal(out.kind, in.kind);
	assert_memory_equal(&out.heartbeat, &in.heartbeat, sizeof(in.heartbeat));

	in.kind = ATTRIB_JOURNAL_REC_LOSS;
	in.loss = (struct attrib_journal_loss){
		.lost = 50, .refused = 2, .first = 10, .last = 20, .error = ENOSPC
	};
	n = attrib_journal_encode(&in, buf, sizeof(buf));
	assert_int_equal(attrib_journal_decode(buf, (size_t)n, &out), n);
	assert_memory_equal(&out.loss, &in.loss, sizeof(in.loss));

	in.kind = ATTRIB_JOURNAL_REC_SEAL;
	in.seal = (struct attrib_journal_seal){
		.time = 5, .reason = ATTRIB_JOURNAL_ROTATED, .file_events = 9, .counts = { 9, 1, 2 }
	};
	n = attrib_journal_encode(&in, buf, sizeof(buf));
	assert_true(n <= 64);
	assert_int_equal(attrib_journal_decode(buf, (size_t)n, &out), n);
	assert_memory_equal(&out.seal, &in.seal, sizeof(in.seal));

	in.seal.reason = 3;
	assert_int_equal(attrib_journal_encode(&in, buf, sizeof(buf)), -EINVAL);
	in.kind = 9;
	assert_int_equal(attrib_journal_encode(&in, buf, sizeof(buf)), -EINVAL);
}

static void test_the_encoder_refuses_what_cannot_be_read_back(void **state)
{
	struct attrib_event ev;
	uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];

	(void)state;
	jt_event(&ev, 1);
	ev.type = ATTRIB_EV__COUNT;
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.source = ATTRIB_SRC_NONE;
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.naddr = ATTRIB_EVENT_ADDRS + 1;
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.addr[0].len = 24; /* 10.0.0.1/24: host bits set */
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.addr[0].len = 33;
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.addr[0].net[5] = 1; /* an IPv4 address with bytes past its fourth */
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.addr[0].family = 5;
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	memset(ev.nas, 'x', sizeof(ev.nas)); /* no terminating NUL */
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	ev.time = 2000000000000LL * 1000000; /* past what JSON input accepts */
	assert_int_equal(attrib_journal_encode_event(&ev, buf, sizeof(buf)), -EINVAL);
	jt_event(&ev, 1);
	assert_int_equal(attrib_journal_encode_event(&ev, buf, 20), -ENOBUFS);
	assert_int_equal(attrib_journal_encode_event(&ev, buf, 0), -ENOBUFS);
}

/* Frame @p body (given as hex pairs) as a record of @p kind with good
 * checksums, so that only what is inside can be wrong. */
static size_t framed(uint8_t *buf, uint8_t kind, const char *hex)
{
	size_t n = 0;

	for (const char *p = hex; p[0] && p[1]; p += 2) {
		unsigned v;

		while (*p == ' ')
			p++;
		sscanf(p, "%2x", &v);
		buf[ATTRIB_JOURNAL_FRAME + n++] = (uint8_t)v;
	}
	return (size_t)attrib_journal_frame(buf, kind, n);
}

static int decode_hex(uint8_t kind, const char *hex, struct attrib_journal_record *rec)
{
	uint8_t buf[512];
	size_t n = framed(buf, kind, hex);

	return attrib_journal_decode(buf, n, rec);
}

/* Bodies with good checksums: what each is, its hex, and what decode says.
 * "01 0101 01 0201 01" is version 1, type lease-commit, source dhcp4. */
static const struct body_case {
	const char *what;
	uint8_t kind;
	const char *hex;
	int rc;
} body_cases[] = {
	{ "the smallest event", 1, "01 0101 01 0201 01", 15 },
	{ "fields out of order", 1, "01 0201 01 0101 01", -EBADMSG },
	{ "a field twice", 1, "01 0101 01 0101 01 0201 01", -EBADMSG },
	{ "no type", 1, "01 0201 01", -EBADMSG },
	{ "type 11", 1, "01 0101 0b 0201 01", -EBADMSG },
	{ "a zero written", 1, "01 0101 01 0201 01 0301 00", -EBADMSG },
	{ "a time of two bytes", 1, "01 0101 01 0201 01 0402 0101", -EBADMSG },
	{ "an empty string", 1, "01 0101 01 0201 01 1000", -EBADMSG },
	{ "a NUL in a string", 1, "01 0101 01 0201 01 1003 610062", -EBADMSG },
	{ "a field past the end", 1, "01 0101 01 0201 01 1005 61", -EBADMSG },
	{ "a field cut short", 1, "01 0101 01 0201 01 10", -EBADMSG },
	{ "10.0.0.0/8", 1, "01 0101 01 0201 01 0c03 04080a", 20 },
	{ "a /8 in two bytes", 1, "01 0101 01 0201 01 0c04 04080a00", -EBADMSG },
	{ "bits past /7", 1, "01 0101 01 0201 01 0c03 04070b", -EBADMSG },
	{ "family 5", 1, "01 0101 01 0201 01 0c03 05080a", -EBADMSG },
	{ "an IPv4 /33", 1, "01 0101 01 0201 01 0c07 04210a00000000", -EBADMSG },
	{ "nine addresses", 1,
	  "01 0101 01 0201 01 0c02 0400 0c02 0400 0c02 0400 0c02 0400 0c02 0400 0c02 0400"
	  " 0c02 0400 0c02 0400 0c02 0400",
	  -EBADMSG },
	{ "a later optional field, skipped", 1, "01 0101 01 0201 01 7f02 abcd", 19 },
	{ "a later required field", 1, "01 0101 01 0201 01 8002 abcd", -EPROTONOSUPPORT },
	{ "a later encoding", 1, "02 0101 01 0201 01", -EPROTONOSUPPORT },
	{ "a loss of nothing", 3,
	  "01 0108 0000000000000000 0208 0000000000000000 0308 0000000000000000"
	  " 0408 0000000000000000 0504 00000000",
	  -EBADMSG },
	{ "a loss with its times reversed", 3,
	  "01 0108 0100000000000000 0208 0000000000000000 0308 0200000000000000"
	  " 0408 0100000000000000 0504 00000000",
	  -EBADMSG },
};

static void test_the_decoder_refuses_bodies_that_are_well_framed_but_wrong(void **state)
{
	static struct attrib_journal_record rec;

	(void)state;
	for (size_t i = 0; i < sizeof(body_cases) / sizeof(*body_cases); i++) {
		const struct body_case *c = &body_cases[i];
		int rc = decode_hex(c->kind, c->hex, &rec);

		if (rc != c->rc)
			fail_msg("%s: decode gave %d, not %d (%s)", c->what, rc, c->rc,
				 rc < 0 ? rec.why : "a record");
	}
	decode_hex(1, "01 0101 01 0201 01 0c03 04080a", &rec);
	assert_int_equal(rec.event.naddr, 1);
	assert_int_equal(rec.event.addr[0].len, 8);
	assert_int_equal(rec.event.addr[0].net[0], 10);
}

static void test_a_record_cut_short_asks_for_more_and_a_bit_flip_is_refused(void **state)
{
	static struct attrib_journal_record rec;
	struct attrib_event ev;
	uint8_t buf[ATTRIB_JOURNAL_EVENT_MAX];
	int n;

	(void)state;
	jt_event(&ev, 3);
	n = attrib_journal_encode_event(&ev, buf, sizeof(buf));
	for (int len = 0; len < n; len++)
		assert_int_equal(attrib_journal_decode(buf, (size_t)len, &rec), -EAGAIN);
	for (int bit = 0; bit < 8 * n; bit++) {
		int rc;

		buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
		rc = attrib_journal_decode(buf, (size_t)n, &rec);
		/* a longer length may just ask for more; a shorter one fails its CRC */
		assert_true(rc == -EBADMSG || rc == -EAGAIN);
		buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
	}
	assert_int_equal(attrib_journal_decode(buf, (size_t)n, &rec), n);
}

/* The fuzzer's property, on a budget: whatever the bytes, decode returns an
 * error or a record that encodes back to exactly those bytes. */
static void test_garbage_decodes_to_an_error_or_to_its_own_encoding(void **state)
{
	static struct attrib_journal_record rec;
	static struct attrib_event full;
	uint8_t seed[ATTRIB_JOURNAL_EVENT_MAX], buf[ATTRIB_JOURNAL_EVENT_MAX], again[65536];
	int n, ok = 0;

	(void)state;
	full_event(&full);
	full.naddr = 3;
	n = attrib_journal_encode_event(&full, seed, sizeof(seed));
	srand(11);
	for (int round = 0; round < 200000; round++) {
		size_t len = (size_t)n;
		int rc;

		memcpy(buf, seed, (size_t)n);
		if (round % 2) {
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rand();
			len = (size_t)rand() % (size_t)n;
		} else {
			for (int k = 1 + rand() % 4; k; k--)
				buf[rand() % n] = (uint8_t)rand();
		}
		/* fix the checksums half the time so the body decoder is reached */
		if (round % 4 < 2 && len > ATTRIB_JOURNAL_FRAME)
			attrib_journal_frame(buf, 1 + rand() % 4, len - ATTRIB_JOURNAL_FRAME);
		rc = attrib_journal_decode(buf, len, &rec);
		if (rc > 0) {
			bool skips = false;

			ok++;
			/* unknown optional fields are skipped, so only then may the
			 * encoding be shorter */
			for (size_t i = 9; i + 1 < (size_t)rc; i += 2 + buf[i + 1])
				skips |= buf[i] >= 0x1d && buf[i] < 0x80;
			assert_int_equal(attrib_journal_encode(&rec, again, sizeof(again)) == rc ||
						 skips,
					 true);
			if (!skips)
				assert_memory_equal(again, buf, (size_t)rc);
		} else {
			assert_true(rc == -EBADMSG || rc == -EAGAIN || rc == -EPROTONOSUPPORT);
			assert_non_null(rec.why);
		}
	}
	print_message("garbage: %d of 200000 decoded to a record\n", ok);
}

static void test_headers_round_trip_and_bad_ones_are_refused(void **state)
{
	struct attrib_journal_header in = { .pid = 4242, .seq = 7, .started = 11, .created = 12 },
				     out;
	uint8_t buf[ATTRIB_JOURNAL_HEADER_MAX];
	int n;

	(void)state;
	strcpy(in.server_id, "kea-dhcp4_a.example");
	n = attrib_journal_header_encode(&in, buf, sizeof(buf));
	assert_int_equal(n, 41 + (int)strlen(in.server_id));
	assert_int_equal(attrib_journal_header_decode(buf, (size_t)n, &out), n);
	assert_int_equal(out.pid, 4242);
	assert_int_equal(out.seq, 7);
	assert_int_equal(out.started, 11);
	assert_int_equal(out.created, 12);
	assert_int_equal(out.length, n);
	assert_string_equal(out.server_id, in.server_id);
	for (int len = 0; len < n; len++)
		assert_int_equal(attrib_journal_header_decode(buf, (size_t)len, &out), -EAGAIN);
	for (int bit = 0; bit < 8 * n; bit++) {
		int rc;

		buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
		rc = attrib_journal_header_decode(buf, (size_t)n, &out);
		assert_true(rc == -EBADMSG || rc == -EAGAIN || rc == -EPROTONOSUPPORT);
		buf[bit / 8] ^= (uint8_t)(1 << bit % 8);
	}
	buf[8] = 2; /* a newer format */
	assert_int_equal(attrib_journal_header_decode(buf, (size_t)n, &out), -EPROTONOSUPPORT);
	strcpy(in.server_id, "a/b");
	assert_int_equal(attrib_journal_header_encode(&in, buf, sizeof(buf)), -EINVAL);
	strcpy(in.server_id, ".hidden");
	assert_int_equal(attrib_journal_header_encode(&in, buf, sizeof(buf)), -EINVAL);
	in.server_id[0] = '\0';
	assert_int_equal(attrib_journal_header_encode(&in, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_matches_the_check_value_both_ways),
		cmocka_unit_test(test_every_event_field_survives_encode_and_decode),
		cmocka_unit_test(test_each_optional_field_is_written_only_when_present),
		cmocka_unit_test(test_a_dhcp4_commit_takes_about_100_bytes),
		cmocka_unit_test(test_heartbeat_loss_and_seal_survive_encode_and_decode),
		cmocka_unit_test(test_the_encoder_refuses_what_cannot_be_read_back),
		cmocka_unit_test(test_the_decoder_refuses_bodies_that_are_well_framed_but_wrong),
		cmocka_unit_test(test_a_record_cut_short_asks_for_more_and_a_bit_flip_is_refused),
		cmocka_unit_test(test_garbage_decodes_to_an_error_or_to_its_own_encoding),
		cmocka_unit_test(test_headers_round_trip_and_bad_ones_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
