/* SPDX-License-Identifier: GPL-3.0-or-later
 * The journal's bytes: the header, the record frame, the field encoding of
 * each record kind (one table per kind, read by both the encoder and the
 * decoder), and the reader that tails a file and tells a record still being
 * written from damage.  The format itself is described in journal.h. */
#include "attrib/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/crc32c.h"
#include "attrib/times.h"

static const uint8_t magic[8] = { 0x89, 'A', 'T', 'R', 'J', 'N', 'L', '\n' };

#define BODY_VERSION 1
#define TIME_LIMIT   (ATTRIB_TIME_LIMIT_SEC * ATTRIB_USEC)
#define TAG_REQUIRED 0x80 /* an unknown tag from here up makes the record unreadable */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t getn(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t crc8(const uint8_t *p, size_t n)
{
	uint8_t c = 0xff;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 0x80 ? (uint8_t)(c << 1 ^ 0x07) : (uint8_t)(c << 1);
	}
	return c;
}

/* Fields.  Each record kind is a table of these in ascending tag order; the
 * encoder writes what is present in that order and the decoder demands it. */
enum ftype { F_ENUM, F_U8, F_U32, F_I32, F_U64, F_TIME, F_STR, F_ADDR };

enum fpresence {
	P_ALWAYS,  /* written always; the decoder requires it */
	P_NONZERO, /* written when not zero or empty; a written zero is refused */
	P_FLAG,    /* written when ev->has carries @c flag */
	P_IAID,    /* written when ev->id.has_iaid */
};

struct field {
	uint8_t tag;
	uint8_t type;     /* enum ftype */
	uint8_t presence; /* enum fpresence */
	uint16_t off;     /* in the record kind's struct */
	unsigned flag;    /* P_FLAG: the ATTRIB_HAS_ bit */
	uint8_t min, max; /* F_ENUM, F_U8: the range allowed */
};

/* The encoding assumes the compiler gives these enums the size of an int. */
_Static_assert(sizeof(enum attrib_event_type) == sizeof(int), "enum size");
_Static_assert(sizeof(enum attrib_source) == sizeof(int), "enum size");
_Static_assert(sizeof(enum attrib_lease_type) == sizeof(int), "enum size");
_Static_assert(ATTRIB_STR_MAX - 1 <= 255, "a string's length fits its length byte");

#define EV(f)    offsetof(struct attrib_event, f)
#define ID(f)    (offsetof(struct attrib_event, id) + offsetof(struct attrib_identities, f))
#define TAG_ADDR 0x0c

/* Each row: tag, type, presence, offset, flag, min, max. */
static const struct field event_fields[] = {
	{ 0x01, F_ENUM, P_ALWAYS, EV(type), 0, 1, ATTRIB_EV__COUNT - 1 },
	{ 0x02, F_ENUM, P_ALWAYS, EV(source), 0, 1, ATTRIB_SRC__COUNT - 1 },
	{ 0x03, F_ENUM, P_NONZERO, EV(lease_type), 0, 0, ATTRIB_LEASE_PREFIX },
	{ 0x04, F_TIME, P_NONZERO, EV(time), 0, 0, 0 },
	{ 0x05, F_TIME, P_NONZERO, EV(arrival), 0, 0, 0 },
	{ 0x06, F_TIME, P_FLAG, EV(event_ts), ATTRIB_HAS_EVENT_TS, 0, 0 },
	{ 0x07, F_U32, P_FLAG, EV(delay), ATTRIB_HAS_DELAY, 0, 0 },
	{ 0x08, F_U32, P_FLAG, EV(session_time), ATTRIB_HAS_SESSION_TIME, 0, 0 },
	{ 0x09, F_U32, P_FLAG, EV(valid_lifetime), ATTRIB_HAS_LIFETIME, 0, 0 },
	{ 0x0a, F_U32, P_FLAG, EV(subnet_id), ATTRIB_HAS_SUBNET, 0, 0 },
	{ 0x0b, F_U32, P_IAID, ID(iaid), 0, 0, 0 },
	{ TAG_ADDR, F_ADDR, P_NONZERO, EV(addr), 0, 0, 0 },
	{ 0x0d, F_U64, P_FLAG, EV(input_octets), ATTRIB_HAS_OCTETS, 0, 0 },
	{ 0x0e, F_U64, P_FLAG, EV(output_octets), ATTRIB_HAS_OCTETS, 0, 0 },
	{ 0x10, F_STR, P_NONZERO, EV(server), 0, 0, 0 },
	{ 0x11, F_STR, P_NONZERO, EV(nas), 0, 0, 0 },
	{ 0x12, F_STR, P_NONZERO, EV(session_id), 0, 0, 0 },
	{ 0x13, F_STR, P_NONZERO, EV(unique_session_id), 0, 0, 0 },
	{ 0x14, F_STR, P_NONZERO, ID(hwaddr), 0, 0, 0 },
	{ 0x15, F_STR, P_NONZERO, ID(client_id), 0, 0, 0 },
	{ 0x16, F_STR, P_NONZERO, ID(duid), 0, 0, 0 },
	{ 0x17, F_STR, P_NONZERO, ID(remote_id), 0, 0, 0 },
	{ 0x18, F_STR, P_NONZERO, ID(circuit_id), 0, 0, 0 },
	{ 0x19, F_STR, P_NONZERO, ID(subscriber_id), 0, 0, 0 },
	{ 0x1a, F_STR, P_NONZERO, ID(username), 0, 0, 0 },
	{ 0x1b, F_STR, P_NONZERO, ID(calling_station_id), 0, 0, 0 },
	{ 0x1c, F_STR, P_NONZERO, ID(hostname), 0, 0, 0 },
};

/* The largest event record: frame, version, three enums, three times, five
 * 32-bit and two 64-bit counters, every address at full length and every
 * string at full length.  Tags 0x0d and 0x0e came after version 1's first
 * readers, which skip them (below 0x80). */
_Static_assert(ATTRIB_JOURNAL_FRAME + 1 + 3 * 3 + 3 * 10 + 5 * 6 + 2 * 10 +
			       ATTRIB_EVENT_ADDRS * 20 +
			       13 * (2 + ATTRIB_STR_MAX - 1) <=
		       ATTRIB_JOURNAL_EVENT_MAX,
	       "ATTRIB_JOURNAL_EVENT_MAX holds any event");

#define HB(f) offsetof(struct attrib_journal_heartbeat, f)
static const struct field heartbeat_fields[] = {
	{ 0x01, F_TIME, P_ALWAYS, HB(time), 0, 0, 0 },
	{ 0x02, F_U32, P_ALWAYS, HB(interval_ms), 0, 0, 0 },
	{ 0x03, F_U64, P_ALWAYS, HB(counts.events), 0, 0, 0 },
	{ 0x04, F_U64, P_ALWAYS, HB(counts.lost), 0, 0, 0 },
	{ 0x05, F_U64, P_ALWAYS, HB(counts.refused), 0, 0, 0 },
};

#define LO(f) offsetof(struct attrib_journal_loss, f)
static const struct field loss_fields[] = {
	{ 0x01, F_U64, P_ALWAYS, LO(lost), 0, 0, 0 },
	{ 0x02, F_U64, P_ALWAYS, LO(refused), 0, 0, 0 },
	{ 0x03, F_TIME, P_ALWAYS, LO(first), 0, 0, 0 },
	{ 0x04, F_TIME, P_ALWAYS, LO(last), 0, 0, 0 },
	{ 0x05, F_I32, P_ALWAYS, LO(error), 0, 0, 0 },
};

#define SE(f) offsetof(struct attrib_journal_seal, f)
static const struct field seal_fields[] = {
	{ 0x01, F_TIME, P_ALWAYS, SE(time), 0, 0, 0 },
	{ 0x02, F_U8, P_ALWAYS, SE(reason), 0, ATTRIB_JOURNAL_ROTATED, ATTRIB_JOURNAL_CLOSED },
	{ 0x03, F_U64, P_ALWAYS, SE(file_events), 0, 0, 0 },
	{ 0x04, F_U64, P_ALWAYS, SE(counts.events), 0, 0, 0 },
	{ 0x05, F_U64, P_ALWAYS, SE(counts.lost), 0, 0, 0 },
	{ 0x06, F_U64, P_ALWAYS, SE(counts.refused), 0, 0, 0 },
};

struct kind_desc {
	const struct field *fields;
	size_t n;
};

#define NFIELDS(t) (sizeof(t) / sizeof(*(t)))
static const struct kind_desc kinds[] = {
	[ATTRIB_JOURNAL_REC_EVENT] = { event_fields, NFIELDS(event_fields) },
	[ATTRIB_JOURNAL_REC_HEARTBEAT] = { heartbeat_fields, NFIELDS(heartbeat_fields) },
	[ATTRIB_JOURNAL_REC_LOSS] = { loss_fields, NFIELDS(loss_fields) },
	[ATTRIB_JOURNAL_REC_SEAL] = { seal_fields, NFIELDS(seal_fields) },
};
#define KIND_MAX ATTRIB_JOURNAL_REC_SEAL

/* What a record kind's struct is, within the record. */
static void *kind_base(struct attrib_journal_record *rec)
{
	switch (rec->kind) {
	case ATTRIB_JOURNAL_REC_EVENT:
		return &rec->event;
	case ATTRIB_JOURNAL_REC_HEARTBEAT:
		return &rec->heartbeat;
	case ATTRIB_JOURNAL_REC_LOSS:
		return &rec->loss;
	case ATTRIB_JOURNAL_REC_SEAL:
		return &rec->seal;
	}
	return NULL;
}

/* An encoder's output; @c n grows past @c cap on overflow, so that one
 * check at the end finds it. */
struct out {
	uint8_t *p;
	size_t cap;
	size_t n;
};

static void emit(struct out *o, uint8_t tag, const void *v, size_t len)
{
	if (o->n + 2 + len <= o->cap) {
		o->p[o->n] = tag;
		o->p[o->n + 1] = (uint8_t)len;
		memcpy(o->p + o->n + 2, v, len);
	}
	o->n += 2 + len;
}

static void emit_num(struct out *o, uint8_t tag, uint64_t v, unsigned width)
{
	uint8_t b[8];

	put64(b, v);
	emit(o, tag, b, width);
}

/* An address is valid to write when it is of one family, its length fits
 * that family and no bit past the length is set. */
static bool prefix_ok(const struct attrib_prefix *a)
{
	unsigned max = a->family == 4 ? 32 : 128;

	if ((a->family != 4 && a->family != 6) || a->len > max)
		return false;
	for (unsigned bit = a->len; bit < 128; bit++)
		if (a->net[bit / 8] & 0x80 >> bit % 8)
			return false;
	return true;
}

static int emit_addrs(struct out *o, const struct attrib_event *ev)
{
	if (ev->naddr > ATTRIB_EVENT_ADDRS)
		return -EINVAL;
	for (unsigned i = 0; i < ev->naddr; i++) {
		const struct attrib_prefix *a = &ev->addr[i];
		uint8_t b[18];
		size_t nb = (a->len + 7u) / 8;

		if (!prefix_ok(a))
			return -EINVAL;
		b[0] = a->family;
		b[1] = a->len;
		memcpy(b + 2, a->net, nb);
		emit(o, TAG_ADDR, b, 2 + nb);
	}
	return 0;
}

static int emit_field(struct out *o, const struct field *f, const void *base)
{
	const uint8_t *v = (const uint8_t *)base + f->off;
	const struct attrib_event *ev = base;
	uint64_t num = 0;
	unsigned width = 0;

	switch (f->type) {
	case F_ENUM: {
		int e;

		memcpy(&e, v, sizeof(e));
		if (e < f->min || e > f->max)
			return -EINVAL;
		num = (uint64_t)e;
		width = 1;
		break;
	}
	case F_U8:
		num = *v;
		if (num < f->min || num > f->max)
			return -EINVAL;
		width = 1;
		break;
	case F_U32:
	case F_I32: {
		uint32_t u;

		memcpy(&u, v, sizeof(u));
		num = u;
		width = 4;
		break;
	}
	case F_U64:
	case F_TIME:
		memcpy(&num, v, sizeof(num));
		if (f->type == F_TIME && ((int64_t)num < -TIME_LIMIT || (int64_t)num > TIME_LIMIT))
			return -EINVAL;
		width = 8;
		break;
	case F_STR: {
		size_t len = strnlen((const char *)v, ATTRIB_STR_MAX);

		if (len == ATTRIB_STR_MAX)
			return -EINVAL;
		if (len)
			emit(o, f->tag, v, len);
		return 0;
	}
	case F_ADDR:
		return emit_addrs(o, ev);
	}
	if ((f->presence == P_NONZERO && num == 0) ||
	    (f->presence == P_FLAG && !(ev->has & f->flag)) ||
	    (f->presence == P_IAID && !ev->id.has_iaid))
		return 0;
	emit_num(o, f->tag, num, width);
	return 0;
}

int attrib_journal_frame(uint8_t *buf, enum attrib_journal_kind kind, size_t body)
{
	if (kind < ATTRIB_JOURNAL_REC_EVENT || kind > KIND_MAX || body == 0 ||
	    body > ATTRIB_JOURNAL_RECORD_MAX - ATTRIB_JOURNAL_FRAME)
		return -EINVAL;
	buf[0] = (uint8_t)kind;
	put16(buf + 1, (uint16_t)body);
	buf[3] = crc8(buf, 3);
	put32(buf + 4, attrib_crc32c(attrib_crc32c(0, buf, 4), buf + ATTRIB_JOURNAL_FRAME, body));
	return (int)(ATTRIB_JOURNAL_FRAME + body);
}

static int encode_kind(enum attrib_journal_kind kind, const void *base, uint8_t *buf, size_t cap)
{
	const struct kind_desc *k = &kinds[kind];
	struct out o = { .p = buf, .cap = cap, .n = ATTRIB_JOURNAL_FRAME + 1 };

	if (cap > ATTRIB_JOURNAL_FRAME)
		buf[ATTRIB_JOURNAL_FRAME] = BODY_VERSION;
	for (size_t i = 0; i < k->n; i++) {
		int rc = emit_field(&o, &k->fields[i], base);

		if (rc < 0)
			return rc;
	}
	if (o.n > cap)
		return -ENOBUFS;
	return attrib_journal_frame(buf, kind, o.n - ATTRIB_JOURNAL_FRAME);
}

int attrib_journal_encode_event(const struct attrib_event *ev, uint8_t *buf, size_t cap)
{
	return encode_kind(ATTRIB_JOURNAL_REC_EVENT, ev, buf, cap);
}

int attrib_journal_encode(const struct attrib_journal_record *rec, uint8_t *buf, size_t cap)
{
	struct attrib_journal_record *r = (struct attrib_journal_record *)rec;

	if (rec->kind < ATTRIB_JOURNAL_REC_EVENT || rec->kind > KIND_MAX)
		return -EINVAL;
	return encode_kind(rec->kind, kind_base(r), buf, cap);
}

static int bad(struct attrib_journal_record *out, int rc, const char *why)
{
	out->why = why;
	return rc;
}

/* Check the frame at @p buf (@p len bytes, perhaps fewer than a frame).
 * @return the record's total length once the frame is whole, -EAGAIN when it
 * is cut short but what there is fits, -EBADMSG when it cannot be a frame. */
static int frame_check(const uint8_t *buf, size_t len, const char **why)
{
	size_t body;

	if (len == 0)
		return -EAGAIN;
	if (buf[0] < ATTRIB_JOURNAL_REC_EVENT || buf[0] > KIND_MAX) {
		*why = "unknown record kind";
		return -EBADMSG;
	}
	if (len < 4)
		return -EAGAIN;
	if (crc8(buf, 3) != buf[3]) {
		*why = "bad frame check (CRC-8)";
		return -EBADMSG;
	}
	body = get16(buf + 1);
	if (body == 0 || body > ATTRIB_JOURNAL_RECORD_MAX - ATTRIB_JOURNAL_FRAME) {
		*why = "record length out of range";
		return -EBADMSG;
	}
	return (int)(ATTRIB_JOURNAL_FRAME + body);
}

static bool crc_ok(const uint8_t *buf, size_t total)
{
	uint32_t c = attrib_crc32c(0, buf, 4);

	c = attrib_crc32c(c, buf + ATTRIB_JOURNAL_FRAME, total - ATTRIB_JOURNAL_FRAME);
	return c == (uint32_t)getn(buf + 4, 4);
}

static int decode_addr(struct attrib_event *ev, const uint8_t *v, size_t len,
		       struct attrib_journal_record *out)
{
	struct attrib_prefix a = { 0 };

	if (ev->naddr == ATTRIB_EVENT_ADDRS)
		return bad(out, -EBADMSG, "more addresses than an event holds");
	if (len < 2)
		return bad(out, -EBADMSG, "address cut short");
	a.family = v[0];
	a.len = v[1];
	if ((a.family != 4 && a.family != 6) || a.len > (a.family == 4 ? 32 : 128))
		return bad(out, -EBADMSG, "address of no family, or too long a prefix");
	if (len != 2 + (a.len + 7u) / 8)
		return bad(out, -EBADMSG, "address length does not match its prefix length");
	memcpy(a.net, v + 2, len - 2);
	if (!prefix_ok(&a))
		return bad(out, -EBADMSG, "address has bits set past its prefix length");
	ev->addr[ev->naddr++] = a;
	return 0;
}

static int decode_field(const struct field *f, const uint8_t *v, size_t len, void *base,
			struct attrib_journal_record *out)
{
	uint8_t *dst = (uint8_t *)base + f->off;
	struct attrib_event *ev = base;
	static const uint8_t widths[] = {
		[F_ENUM] = 1, [F_U8] = 1, [F_U32] = 4, [F_I32] = 4, [F_U64] = 8, [F_TIME] = 8
	};
	uint64_t num;

	if (f->type == F_ADDR)
		return decode_addr(ev, v, len, out);
	if (f->type == F_STR) {
		if (len == 0 || memchr(v, 0, len))
			return bad(out, -EBADMSG, "empty string, or a NUL inside one");
		memcpy(dst, v, len);
		dst[len] = '\0';
		return 0;
	}
	if (len != widths[f->type])
		return bad(out, -EBADMSG, "number of the wrong width");
	num = getn(v, widths[f->type]);
	if (f->presence == P_NONZERO && num == 0)
		return bad(out, -EBADMSG, "zero written for a field only written when set");
	switch (f->type) {
	case F_ENUM: {
		int e = (int)num;

		if (num < f->min || num > f->max)
			return bad(out, -EBADMSG, "type, source or lease type out of range");
		memcpy(dst, &e, sizeof(e));
		break;
	}
	case F_U8:
		if (num < f->min || num > f->max)
			return bad(out, -EBADMSG, "value out of range");
		*dst = (uint8_t)num;
		break;
	case F_U32:
	case F_I32: {
		uint32_t u = (uint32_t)num;

		memcpy(dst, &u, sizeof(u));
		break;
	}
	case F_TIME:
		if ((int64_t)num < -TIME_LIMIT || (int64_t)num > TIME_LIMIT)
			return bad(out, -EBADMSG, "time out of range");
		/* fall through */
	default:
		memcpy(dst, &num, sizeof(num));
		break;
	}
	if (f->presence == P_FLAG)
		ev->has |= f->flag;
	else if (f->presence == P_IAID)
		ev->id.has_iaid = true;
	return 0;
}

/* What no table can say: relations between fields. */
static int decode_check(struct attrib_journal_record *out)
{
	if (out->kind == ATTRIB_JOURNAL_REC_LOSS) {
		if (out->loss.first > out->loss.last || out->loss.error < 0)
			return bad(out, -EBADMSG,
				   "loss record with its times reversed or a bad errno");
		if (out->loss.lost == 0 && out->loss.refused == 0)
			return bad(out, -EBADMSG, "loss record of no events");
	}
	return 0;
}

static int decode_body(const uint8_t *p, size_t n, struct attrib_journal_record *out)
{
	const struct kind_desc *k = &kinds[out->kind];
	void *base = kind_base(out);
	uint64_t seen = 0, want = 0;
	unsigned last = 0;
	size_t i = 1, fi = 0;

	if (p[0] != BODY_VERSION)
		return bad(out, -EPROTONOSUPPORT, "record encoding of an unknown version");
	while (i < n) {
		unsigned tag, len;
		int rc;

		if (n - i < 2)
			return bad(out, -EBADMSG, "field cut short");
		tag = p[i];
		len = p[i + 1];
		i += 2;
		if (len > n - i)
			return bad(out, -EBADMSG, "field runs past the record");
		if (tag < last || (tag == last && tag != TAG_ADDR))
			return bad(out, -EBADMSG, "fields out of order, or repeated");
		last = tag;
		while (fi < k->n && k->fields[fi].tag < tag)
			fi++;
		if (fi < k->n && k->fields[fi].tag == tag) {
			rc = decode_field(&k->fields[fi], p + i, len, base, out);
			if (rc < 0)
				return rc;
			seen |= 1ull << fi;
		} else if (tag >= TAG_REQUIRED) {
			return bad(out, -EPROTONOSUPPORT, "a field this reader does not know");
		}
		i += len;
	}
	for (size_t j = 0; j < k->n; j++)
		if (k->fields[j].presence == P_ALWAYS)
			want |= 1ull << j;
	if ((seen & want) != want)
		return bad(out, -EBADMSG, "a required field is missing");
	return decode_check(out);
}

int attrib_journal_decode(const uint8_t *buf, size_t len, struct attrib_journal_record *out)
{
	const char *why = "record cut short";
	int total = frame_check(buf, len, &why);
	int rc;

	memset(out, 0, sizeof(*out));
	if (total < 0)
		return bad(out, total, why);
	if ((size_t)total > len)
		return bad(out, -EAGAIN, "record cut short");
	if (!crc_ok(buf, (size_t)total))
		return bad(out, -EBADMSG, "bad CRC-32C");
	out->kind = buf[0];
	rc = decode_body(buf + ATTRIB_JOURNAL_FRAME, (size_t)total - ATTRIB_JOURNAL_FRAME, out);
	return rc < 0 ? rc : total;
}

/* Server ids become file names: keep them to a plain set of characters. */
static bool id_ok(const char *id, size_t n)
{
	if (n == 0 || n > ATTRIB_JOURNAL_ID_MAX || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int attrib_journal_header_encode(const struct attrib_journal_header *hdr, uint8_t *buf, size_t cap)
{
	size_t n = strnlen(hdr->server_id, sizeof(hdr->server_id));
	size_t len = 41 + n;

	if (!id_ok(hdr->server_id, n))
		return -EINVAL;
	if (cap < len)
		return -ENOBUFS;
	memcpy(buf, magic, sizeof(magic));
	put16(buf + 8, ATTRIB_JOURNAL_VERSION);
	put16(buf + 10, (uint16_t)len);
	put32(buf + 12, hdr->pid);
	put32(buf + 16, hdr->seq);
	put64(buf + 20, (uint64_t)hdr->started);
	put64(buf + 28, (uint64_t)hdr->created);
	buf[36] = (uint8_t)n;
	memcpy(buf + 37, hdr->server_id, n);
	put32(buf + 37 + n, attrib_crc32c(0, buf, 37 + n));
	return (int)len;
}

int attrib_journal_header_decode(const uint8_t *buf, size_t len, struct attrib_journal_header *out)
{
	size_t n, hlen;

	memset(out, 0, sizeof(*out));
	if (len < 37) {
		size_t m = len < sizeof(magic) ? len : sizeof(magic);

		return memcmp(buf, magic, m) == 0 ? -EAGAIN : -EBADMSG;
	}
	if (memcmp(buf, magic, sizeof(magic)) != 0)
		return -EBADMSG;
	if (get16(buf + 8) != ATTRIB_JOURNAL_VERSION)
		return get16(buf + 8) > ATTRIB_JOURNAL_VERSION ? -EPROTONOSUPPORT : -EBADMSG;
	n = buf[36];
	hlen = get16(buf + 10);
	if (hlen != 41 + n || n == 0 || n > ATTRIB_JOURNAL_ID_MAX)
		return -EBADMSG;
	if (len < hlen)
		return -EAGAIN;
	if (attrib_crc32c(0, buf, hlen - 4) != (uint32_t)getn(buf + hlen - 4, 4))
		return -EBADMSG;
	if (!id_ok((const char *)buf + 37, n))
		return -EBADMSG;
	out->version = ATTRIB_JOURNAL_VERSION;
	out->length = (uint16_t)hlen;
	out->pid = (uint32_t)getn(buf + 12, 4);
	out->seq = (uint32_t)getn(buf + 16, 4);
	out->started = (int64_t)getn(buf + 20, 8);
	out->created = (int64_t)getn(buf + 28, 8);
	memcpy(out->server_id, buf + 37, n);
	return (int)hlen;
}

/* The reader keeps a window of the file in @c buf.  Bytes a reader has seen
 * below the file's size are final, except that the writer may cut a failed
 * write back off and write again there; so whenever the reader stops short
 * (END, TORN) it drops the window and reads the record afresh next time. */
#define WINDOW (2 * ATTRIB_JOURNAL_RECORD_MAX)

struct attrib_journal_reader {
	int fd;
	struct attrib_journal_header hdr;
	uint64_t pos;
	uint8_t *buf;
	uint64_t wstart; /* file offset of buf[0] */
	size_t wlen;
	bool sealed;
	bool corrupt;
	char err[160];
};

static ssize_t pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Make the window hold [off, off + need) if the file has it.  @return the
 * bytes there are from @p off, up to the window's end, or a negative errno. */
static ssize_t window(struct attrib_journal_reader *r, uint64_t off, size_t need)
{
	ssize_t n;

	if (off >= r->wstart && off + need <= r->wstart + r->wlen)
		return (ssize_t)(r->wstart + r->wlen - off);
	n = pread_full(r->fd, r->buf, WINDOW, off);
	if (n < 0)
		return n;
	r->wstart = off;
	r->wlen = (size_t)n;
	return n;
}

static const uint8_t *at(const struct attrib_journal_reader *r, uint64_t off)
{
	return r->buf + (off - r->wstart);
}

static int file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Whether every byte from @p off to the end of the file is zero: what some
 * file systems show after a crash where the size was made durable before the
 * data. */
static int zeros_to_end(struct attrib_journal_reader *r, uint64_t off)
{
	for (;;) {
		ssize_t n = window(r, off, WINDOW);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return 1;
		for (ssize_t i = 0; i < n; i++)
			if (at(r, off)[i])
				return 0;
		off += (uint64_t)n;
	}
}

static int stop(struct attrib_journal_reader *r, int status, const char *why)
{
	snprintf(r->err, sizeof(r->err), "offset %llu: %s", (unsigned long long)r->pos, why);
	r->corrupt = status == ATTRIB_JOURNAL_CORRUPT;
	r->wlen = 0;
	return status;
}

/* A bad record: torn if only zeros follow, corrupt otherwise. */
static int damaged(struct attrib_journal_reader *r, const char *why)
{
	int z = zeros_to_end(r, r->pos);

	if (z < 0)
		return z;
	return stop(r, z ? ATTRIB_JOURNAL_TORN : ATTRIB_JOURNAL_CORRUPT, why);
}

/* Read and check the record at r->pos without moving.  @return its length,
 * or a status to pass on (END, TORN, CORRUPT), or a negative errno. */
static int peek(struct attrib_journal_reader *r, struct attrib_journal_record *rec)
{
	const char *why = "record cut short";
	uint64_t size;
	ssize_t n;
	int total, rc;

	n = window(r, r->pos, ATTRIB_JOURNAL_FRAME);
	if (n < 0)
		return (int)n;
	if (n == 0) {
		r->wlen = 0;
		return -ENODATA;
	}
	total = frame_check(at(r, r->pos), (size_t)n, &why);
	if (total == -EBADMSG)
		return damaged(r, why);
	if (total < 0)
		return stop(r, ATTRIB_JOURNAL_TORN, why);
	n = window(r, r->pos, (size_t)total);
	if (n < 0)
		return (int)n;
	if (n < total)
		return stop(r, ATTRIB_JOURNAL_TORN, "record cut short");
	if (!crc_ok(at(r, r->pos), (size_t)total)) {
		rc = file_size(r->fd, &size);
		if (rc < 0)
			return rc;
		if (r->pos + (uint64_t)total >= size)
			return stop(r, ATTRIB_JOURNAL_TORN, "bad CRC-32C in the last record");
		/* More follows, so this write had finished; but the window may
		 * have been read while it was under way.  Believe it on a
		 * second reading only. */
		r->wlen = 0;
		n = window(r, r->pos, (size_t)total);
		if (n < 0)
			return (int)n;
		if (n < total || !crc_ok(at(r, r->pos), (size_t)total))
			return damaged(r, "bad CRC-32C");
	}
	rc = attrib_journal_decode(at(r, r->pos), (size_t)total, rec);
	if (rc < 0)
		return stop(r, ATTRIB_JOURNAL_CORRUPT, rec->why);
	return total;
}

int attrib_journal_reader_open(const char *path, struct attrib_journal_reader **out)
{
	struct attrib_journal_reader *r = calloc(1, sizeof(*r));
	uint8_t h[ATTRIB_JOURNAL_HEADER_MAX];
	struct stat sb;
	ssize_t n;
	int rc = -ENOMEM;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->buf = malloc(WINDOW);
	if (!r->buf)
		goto fail;
	/* Only a regular file is a journal: a FIFO or a device put in the
	 * journal directory must not block the reader. */
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (fstat(r->fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = -EINVAL;
		goto fail;
	}
	n = pread_full(r->fd, h, sizeof(h), 0);
	if (n < 0) {
		rc = (int)n;
		goto fail;
	}
	rc = attrib_journal_header_decode(h, (size_t)n, &r->hdr);
	if (rc == -EAGAIN)
		rc = -ENODATA;
	if (rc < 0)
		goto fail;
	r->pos = r->hdr.length;
	*out = r;
	return 0;
fail:
	attrib_journal_reader_close(r);
	return rc;
}

const struct attrib_journal_header *
attrib_journal_reader_header(const struct attrib_journal_reader *r)
{
	return &r->hdr;
}

int attrib_journal_next(struct attrib_journal_reader *r, struct attrib_journal_record *rec)
{
	int total;

	if (r->corrupt)
		return ATTRIB_JOURNAL_CORRUPT;
	total = peek(r, rec);
	if (total == -ENODATA)
		return r->sealed ? ATTRIB_JOURNAL_DONE : ATTRIB_JOURNAL_END;
	if (total < 0 || total == ATTRIB_JOURNAL_TORN || total == ATTRIB_JOURNAL_CORRUPT)
		return total;
	if (r->sealed)
		return stop(r, ATTRIB_JOURNAL_CORRUPT, "data after the seal");
	rec->offset = r->pos;
	rec->next = r->pos + (uint64_t)total;
	r->pos = rec->next;
	r->sealed = rec->kind == ATTRIB_JOURNAL_REC_SEAL;
	return ATTRIB_JOURNAL_OK;
}

uint64_t attrib_journal_tell(const struct attrib_journal_reader *r)
{
	return r->pos;
}

int attrib_journal_seek(struct attrib_journal_reader *r, uint64_t pos)
{
	struct attrib_journal_reader keep = *r;
	struct attrib_journal_record *rec;
	uint64_t size = 0;
	int rc;

	rc = file_size(r->fd, &size);
	if (rc < 0)
		return rc;
	if (pos < r->hdr.length || pos > size)
		return -EINVAL;
	rec = malloc(sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	r->pos = pos;
	r->sealed = false;
	r->corrupt = false;
	r->wlen = 0;
	rc = pos == size ? -ENODATA : peek(r, rec);
	free(rec);
	if (rc == ATTRIB_JOURNAL_CORRUPT) {
		rc = -EINVAL;
	} else if (rc >= 0 || rc == -ENODATA) {
		r->corrupt = false;
		r->wlen = 0;
		return 0;
	}
	keep.wlen = 0;
	*r = keep;
	return rc;
}

int64_t attrib_journal_resync(struct attrib_journal_reader *r)
{
	struct attrib_journal_record *rec;
	uint64_t start = r->pos;
	int64_t rc = -ENOENT;

	if (!r->corrupt)
		return -EINVAL;
	rec = malloc(sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	for (uint64_t off = start + 1;; off++) {
		const char *why;
		ssize_t n = window(r, off, ATTRIB_JOURNAL_FRAME);
		int total;

		if (n <= 0) {
			rc = n < 0 ? n : -ENOENT;
			break;
		}
		/* Cheap tests first: most offsets fail on the kind or CRC-8. */
		total = frame_check(at(r, off), (size_t)n, &why);
		if (total < 0)
			continue;
		n = window(r, off, (size_t)total);
		if (n < 0) {
			rc = n;
			break;
		}
		if (n < total || attrib_journal_decode(at(r, off), (size_t)total, rec) < 0)
			continue;
		r->pos = off;
		r->corrupt = false;
		rc = (int64_t)(off - start);
		break;
	}
	free(rec);
	if (rc < 0)
		r->pos = start;
	r->wlen = 0;
	return rc;
}

const char *attrib_journal_reader_error(const struct attrib_journal_reader *r)
{
	return r->err;
}

void attrib_journal_reader_close(struct attrib_journal_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r);
}

int attrib_journal_in_use(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	/* The writer holds an exclusive lock for the file's whole life; a
	 * shared one is refused until it lets go or its process ends. */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		rc = errno == EWOULDBLOCK ? 1 : -errno;
	close(fd);
	return rc;
}
