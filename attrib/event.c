/* SPDX-License-Identifier: GPL-3.0-or-later
 * The event record's names and its JSON form: one table of fields, read by
 * the parser and written by the printer, so the two cannot drift apart. */
#include "attrib/event.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attrib/times.h"

static const char *const type_names[ATTRIB_EV__COUNT] = {
	[ATTRIB_EV_LEASE_COMMIT] = "lease-commit",   [ATTRIB_EV_LEASE_RELEASE] = "lease-release",
	[ATTRIB_EV_LEASE_DECLINE] = "lease-decline", [ATTRIB_EV_LEASE_EXPIRE] = "lease-expire",
	[ATTRIB_EV_LEASE_DELETE] = "lease-delete",   [ATTRIB_EV_ACCT_START] = "acct-start",
	[ATTRIB_EV_ACCT_INTERIM] = "acct-interim",   [ATTRIB_EV_ACCT_STOP] = "acct-stop",
	[ATTRIB_EV_ACCT_ON] = "acct-on",             [ATTRIB_EV_ACCT_OFF] = "acct-off",
};

static const char *const source_names[ATTRIB_SRC__COUNT] = {
	[ATTRIB_SRC_DHCP4] = "dhcp4",   [ATTRIB_SRC_DHCP6] = "dhcp6",
	[ATTRIB_SRC_RADIUS] = "radius", [ATTRIB_SRC_STATIC] = "static",
	[ATTRIB_SRC_IMPORT] = "import",
};

const char *attrib_event_type_name(enum attrib_event_type t)
{
	return t > ATTRIB_EV_NONE && t < ATTRIB_EV__COUNT ? type_names[t] : NULL;
}

const char *attrib_source_name(enum attrib_source s)
{
	return s > ATTRIB_SRC_NONE && s < ATTRIB_SRC__COUNT ? source_names[s] : NULL;
}

enum attrib_event_type attrib_event_type_from(const char *name)
{
	for (int i = 1; i < ATTRIB_EV__COUNT; i++)
		if (strcmp(type_names[i], name) == 0)
			return (enum attrib_event_type)i;
	return ATTRIB_EV_NONE;
}

enum attrib_source attrib_source_from(const char *name)
{
	for (int i = 1; i < ATTRIB_SRC__COUNT; i++)
		if (strcmp(source_names[i], name) == 0)
			return (enum attrib_source)i;
	return ATTRIB_SRC_NONE;
}

/* Identity kinds that are always hex bytes, and those that may be text. */
static const char *const hex_kinds[] = { "hwaddr", "client-id", "duid" };
static const char *const text_kinds[] = { "remote-id", "circuit-id", "subscriber-id",
					  "username", "calling-station-id", "hostname" };

static bool in_list(const char *kind, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kind, list[i]) == 0)
			return true;
	return false;
}

/* Hex bytes in groups split by one of ":-.", or after "0x": written as
 * "aa:bb:..." into @p out.  A one-digit group is one byte ("0:1" is
 * "00:01"); a longer group must have an even number of digits, read in
 * pairs.  @return 0, -EINVAL when @p in is not that, -ENAMETOOLONG. */
static int hex_normalize(const char *in, bool need_sep, char *out, size_t outlen)
{
	const char *p = in;
	size_t n = 0;
	bool sep = false;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		need_sep = false;
	}
	if (!*p)
		return -EINVAL;
	while (*p) {
		size_t k = strspn(p, "0123456789abcdefABCDEF");

		if (k == 0 || (k > 2 && k % 2))
			return -EINVAL;
		for (size_t i = 0; i < k; i += k == 1 ? 1 : 2) {
			if (n + 4 > outlen)
				return -ENAMETOOLONG;
			if (n)
				out[n++] = ':';
			out[n++] = k == 1 ? '0' : (char)tolower((unsigned char)p[i]);
			out[n++] = (char)tolower((unsigned char)p[k == 1 ? i : i + 1]);
		}
		p += k;
		if (*p) {
			if (!strchr(":-.", *p) || !p[1])
				return -EINVAL;
			sep = true;
			p++;
		}
	}
	if (need_sep && !sep)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

int attrib_identity_normalize(const char *kind, const char *in, char *out, size_t outlen)
{
	size_t len = strlen(in);

	if (in_list(kind, hex_kinds, sizeof(hex_kinds) / sizeof(*hex_kinds)))
		return hex_normalize(in, false, out, outlen);
	if (!in_list(kind, text_kinds, sizeof(text_kinds) / sizeof(*text_kinds)))
		return -EINVAL;
	if (strcmp(kind, "username") != 0 && strcmp(kind, "hostname") != 0 &&
	    strcmp(kind, "calling-station-id") != 0 && hex_normalize(in, true, out, outlen) == 0)
		return 0;
	if (len + 1 > outlen)
		return -ENAMETOOLONG;
	memcpy(out, in, len + 1);
	return 0;
}

int attrib_identity_from_bytes(const char *kind, const uint8_t *data, size_t len, char *out,
			       size_t outlen)
{
	char text[ATTRIB_STR_MAX];
	bool printable = !in_list(kind, hex_kinds, sizeof(hex_kinds) / sizeof(*hex_kinds));
	int rc;

	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < len; i++)
		printable &= data[i] >= 0x20 && data[i] < 0x7f;
	if (len == 0)
		return -EINVAL;
	if ((printable ? len + 1 : 2 * len + 3) > sizeof(text))
		return -ENAMETOOLONG;
	if (printable) {
		memcpy(text, data, len);
		text[len] = '\0';
	} else {
		strcpy(text, "0x");
		for (size_t i = 0; i < len; i++)
			snprintf(text + 2 + 2 * i, 3, "%02x", data[i]);
	}
	rc = attrib_identity_normalize(kind, text, out, outlen);
	if (rc < 0 && outlen)
		out[0] = '\0';
	return rc;
}

#define IDS(f) offsetof(struct attrib_identities, f)
const struct attrib_map_kind attrib_map_kinds[ATTRIB_MAP_KINDS] = {
	{ "username", IDS(username) },   { "hwaddr", IDS(hwaddr) },
	{ "client-id", IDS(client_id) }, { "duid", IDS(duid) },
	{ "remote-id", IDS(remote_id) }, { "circuit-id", IDS(circuit_id) },
	{ "subscriber-id", IDS(subscriber_id) },
};

/* The text fields of an event, by JSON name. */
struct str_field {
	const char *name;
	size_t off;
	bool identity; /* normalised as an identity of that kind */
};

#define EV(f)  offsetof(struct attrib_event, f)
#define ID(f)  (offsetof(struct attrib_event, id) + offsetof(struct attrib_identities, f))
static const struct str_field str_fields[] = {
	{ "server", EV(server), false },
	{ "nas", EV(nas), false },
	{ "session-id", EV(session_id), false },
	{ "unique-session-id", EV(unique_session_id), false },
	{ "hwaddr", ID(hwaddr), true },
	{ "client-id", ID(client_id), true },
	{ "duid", ID(duid), true },
	{ "remote-id", ID(remote_id), true },
	{ "circuit-id", ID(circuit_id), true },
	{ "subscriber-id", ID(subscriber_id), true },
	{ "username", ID(username), true },
	{ "calling-station-id", ID(calling_station_id), true },
	{ "hostname", ID(hostname), true },
};
#define NSTR (sizeof(str_fields) / sizeof(*str_fields))

/* Whole-second counters, by JSON name, with the flag that says they are present. */
struct num_field {
	const char *name;
	size_t off;
	unsigned flag;
};

static const struct num_field num_fields[] = {
	{ "valid-lifetime", EV(valid_lifetime), ATTRIB_HAS_LIFETIME },
	{ "acct-delay-time", EV(delay), ATTRIB_HAS_DELAY },
	{ "acct-session-time", EV(session_time), ATTRIB_HAS_SESSION_TIME },
	{ "subnet-id", EV(subnet_id), ATTRIB_HAS_SUBNET },
	{ "iaid", ID(iaid), 0 },
};
#define NNUM (sizeof(num_fields) / sizeof(*num_fields))

/* The 64-bit octet counters (gigawords folded in); either sets the flag. */
static const struct num_field octet_fields[] = {
	{ "acct-input-octets", EV(input_octets), ATTRIB_HAS_OCTETS },
	{ "acct-output-octets", EV(output_octets), ATTRIB_HAS_OCTETS },
};
#define NOCTET (sizeof(octet_fields) / sizeof(*octet_fields))

/* Seconds below this, with six decimals, come back from a double to the
 * microsecond (2^53 us is 9.007e9 s; half of it leaves room for rounding). */
#define REAL_EXACT_SEC 4.0e9

static int bad(char *err, size_t errlen, const char *field, const char *why)
{
	if (err)
		snprintf(err, errlen, "\"%s\": %s", field, why);
	return -EINVAL;
}

static int get_time(const json_t *v, const char *field, int64_t *out, char *err, size_t errlen)
{
	char why[160];

	if (json_is_integer(v)) {
		json_int_t s = json_integer_value(v);

		if (s < -ATTRIB_TIME_LIMIT_SEC || s > ATTRIB_TIME_LIMIT_SEC)
			return bad(err, errlen, field, "epoch seconds out of range");
		*out = (int64_t)s * ATTRIB_USEC;
		return 0;
	}
	if (json_is_real(v)) {
		double s = json_real_value(v);

		/* Both ends kept, as for a whole number; NaN fails both. */
		if (!(s >= (double)-ATTRIB_TIME_LIMIT_SEC && s <= (double)ATTRIB_TIME_LIMIT_SEC))
			return bad(err, errlen, field, "epoch seconds out of range");
		/* A double holds 53 bits: whole seconds are exact, but past
		 * REAL_EXACT_SEC seconds the nearest microsecond of a fraction may
		 * not be the one written, and would be read as another time. */
		if (s == trunc(s)) {
			*out = (int64_t)s * ATTRIB_USEC;
			return 0;
		}
		if (fabs(s) > REAL_EXACT_SEC)
			return bad(err, errlen, field,
				   "seconds with a fraction this far from 1970 cannot be read "
				   "to the microsecond; give the time as text (RFC 3339)");
		*out = (int64_t)llround(s * 1e6);
		return 0;
	}
	if (!json_is_string(v))
		return bad(err, errlen, field,
			   "a time is a string (RFC 3339 or @EPOCH) or a number");
	if (attrib_time_parse(json_string_value(v), NULL, out, why, sizeof(why)) < 0)
		return bad(err, errlen, field, why);
	return 0;
}

static int get_addr(const json_t *v, struct attrib_event *ev, char *err, size_t errlen)
{
	char why[160];

	if (!json_is_string(v))
		return bad(err, errlen, "address", "an address is a string");
	if (ev->naddr == ATTRIB_EVENT_ADDRS)
		return bad(err, errlen, "addresses", "too many addresses in one event");
	if (attrib_prefix_parse(json_string_value(v), &ev->addr[ev->naddr], why, sizeof(why)) < 0)
		return bad(err, errlen, "address", why);
	ev->naddr++;
	return 0;
}

static int get_field(const char *key, const json_t *v, struct attrib_event *ev, char *err,
		     size_t errlen)
{
	for (size_t i = 0; i < NSTR; i++) {
		const struct str_field *f = &str_fields[i];
		char *dst = (char *)ev + f->off;
		int rc;

		if (strcmp(key, f->name) != 0)
			continue;
		if (!json_is_string(v))
			return bad(err, errlen, key, "expected a string");
		if (f->identity)
			rc = attrib_identity_normalize(key, json_string_value(v), dst,
						       ATTRIB_STR_MAX);
		else
			rc = json_string_length(v) < ATTRIB_STR_MAX ? 0 : -ENAMETOOLONG;
		if (rc == -ENAMETOOLONG)
			return bad(err, errlen, key, "too long");
		if (rc < 0)
			return bad(err, errlen, key, "not hex bytes such as 00:00:5e:00:53:01");
		if (!f->identity)
			memcpy(dst, json_string_value(v), json_string_length(v) + 1);
		return 0;
	}
	for (size_t i = 0; i < NNUM; i++) {
		const struct num_field *f = &num_fields[i];

		if (strcmp(key, f->name) != 0)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX)
			return bad(err, errlen, key,
				   "expected a whole number from 0 to 4294967295");
		*(uint32_t *)((char *)ev + f->off) = (uint32_t)json_integer_value(v);
		ev->has |= f->flag;
		if (f->off == ID(iaid))
			ev->id.has_iaid = true;
		return 0;
	}
	for (size_t i = 0; i < NOCTET; i++) {
		if (strcmp(key, octet_fields[i].name) != 0)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(err, errlen, key, "expected a whole number from 0");
		*(uint64_t *)((char *)ev + octet_fields[i].off) = (uint64_t)json_integer_value(v);
		ev->has |= ATTRIB_HAS_OCTETS;
		return 0;
	}
	if (strcmp(key, "time") == 0)
		return get_time(v, key, &ev->time, err, errlen);
	if (strcmp(key, "arrival") == 0)
		return get_time(v, key, &ev->arrival, err, errlen);
	if (strcmp(key, "event-timestamp") == 0) {
		ev->has |= ATTRIB_HAS_EVENT_TS;
		return get_time(v, key, &ev->event_ts, err, errlen);
	}
	if (strcmp(key, "address") == 0)
		return get_addr(v, ev, err, errlen);
	if (strcmp(key, "addresses") == 0) {
		size_t i;
		json_t *a;

		if (!json_is_array(v))
			return bad(err, errlen, key, "expected an array of addresses");
		json_array_foreach(v, i, a) {
			int rc = get_addr(a, ev, err, errlen);

			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if (strcmp(key, "lease-type") == 0) {
		const char *s = json_string_value(v);

		if (s && strcmp(s, "address") == 0)
			ev->lease_type = ATTRIB_LEASE_ADDR;
		else if (s && strcmp(s, "prefix") == 0)
			ev->lease_type = ATTRIB_LEASE_PREFIX;
		else
			return bad(err, errlen, key, "expected \"address\" or \"prefix\"");
		return 0;
	}
	return bad(err, errlen, key, "unknown field");
}

int attrib_event_validate(const struct attrib_event *ev, char *err, size_t errlen)
{
	if (!attrib_event_type_name(ev->type))
		return bad(err, errlen, "type", "missing or unknown");
	if (!attrib_source_name(ev->source) || ev->source == ATTRIB_SRC_STATIC)
		return bad(err, errlen, "source", "dhcp4, dhcp6, radius or import");
	if (ev->naddr > ATTRIB_EVENT_ADDRS)
		return bad(err, errlen, "addresses", "too many addresses in one event");
	if (ev->type <= ATTRIB_EV_LEASE_DELETE) {
		if (ev->naddr != 1)
			return bad(err, errlen, "address",
				   "a lease event carries exactly one address");
		if (ev->source == ATTRIB_SRC_DHCP4 && ev->addr[0].family != 4)
			return bad(err, errlen, "address", "a DHCPv4 lease is an IPv4 address");
		if (ev->source == ATTRIB_SRC_DHCP6 && ev->addr[0].family != 6)
			return bad(err, errlen, "address",
				   "a DHCPv6 lease is an IPv6 address or prefix (an IPv4-mapped "
				   "one is IPv4)");
		if (ev->addr[0].family == 4 && ev->addr[0].len != 32)
			return bad(err, errlen, "address",
				   "a DHCPv4 lease is one address, not a prefix");
		if (ev->addr[0].family == 6 && ev->lease_type == ATTRIB_LEASE_ADDR &&
		    ev->addr[0].len != 128)
			return bad(err, errlen, "address",
				   "a DHCPv6 address lease is one address; a prefix needs "
				   "\"lease-type\": \"prefix\"");
		if (ev->type == ATTRIB_EV_LEASE_COMMIT && !(ev->has & ATTRIB_HAS_LIFETIME))
			return bad(err, errlen, "valid-lifetime", "missing: a commit needs it");
		return 0;
	}
	if (!ev->nas[0])
		return bad(err, errlen, "nas", "missing: accounting events need the NAS");
	if (ev->type != ATTRIB_EV_ACCT_ON && ev->type != ATTRIB_EV_ACCT_OFF &&
	    !ev->session_id[0] && !ev->unique_session_id[0])
		return bad(err, errlen, "session-id", "missing: accounting needs a session id");
	return 0;
}

/* Defaults and what only the JSON form can lack, then the common check. */
static int check(struct attrib_event *ev, bool has_time, bool has_arrival, bool has_lease_type,
		 char *err, size_t errlen)
{
	bool lease = ev->type <= ATTRIB_EV_LEASE_DELETE;

	if (ev->source == ATTRIB_SRC_NONE) {
		if (lease)
			return bad(err, errlen, "source", "missing: dhcp4, dhcp6 or import");
		ev->source = ATTRIB_SRC_RADIUS;
	}
	if (ev->source == ATTRIB_SRC_STATIC)
		return bad(err, errlen, "source", "static assignments are imported, not applied");
	if (lease && !has_time)
		return bad(err, errlen, "time", "missing: lease events need the commit time");
	if (!lease && !has_arrival)
		return bad(err, errlen, "arrival", "missing: accounting events need it");
	if (lease && ev->naddr == 1 && !has_lease_type && ev->addr[0].family == 6 &&
	    ev->addr[0].len < 128)
		ev->lease_type = ATTRIB_LEASE_PREFIX;
	return attrib_event_validate(ev, err, errlen);
}

int attrib_event_from_json(const json_t *obj, struct attrib_event *ev, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	bool has_time = false, has_arrival = false, has_lease_type = false;

	memset(ev, 0, sizeof(*ev));
	if (!json_is_object(obj))
		return bad(err, errlen, "event", "expected a JSON object");
	json_object_foreach((json_t *)obj, key, v) {
		int rc;

		if (strcmp(key, "type") == 0) {
			ev->type = json_is_string(v) ? attrib_event_type_from(json_string_value(v))
						     : ATTRIB_EV_NONE;
			if (ev->type == ATTRIB_EV_NONE)
				return bad(err, errlen, key, "unknown event type");
			continue;
		}
		if (strcmp(key, "source") == 0) {
			ev->source = json_is_string(v) ? attrib_source_from(json_string_value(v))
						       : ATTRIB_SRC_NONE;
			if (ev->source == ATTRIB_SRC_NONE)
				return bad(err, errlen, key, "unknown source");
			continue;
		}
		rc = get_field(key, v, ev, err, errlen);
		if (rc < 0)
			return rc;
		has_time |= strcmp(key, "time") == 0;
		has_arrival |= strcmp(key, "arrival") == 0;
		has_lease_type |= strcmp(key, "lease-type") == 0;
	}
	if (ev->type == ATTRIB_EV_NONE)
		return bad(err, errlen, "type", "missing");
	return check(ev, has_time, has_arrival, has_lease_type, err, errlen);
}

int attrib_event_parse(const char *line, size_t len, struct attrib_event *ev, char *err,
		       size_t errlen)
{
	json_error_t jerr;
	json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!obj) {
		if (err)
			snprintf(err, errlen, "malformed JSON at column %d: %s", jerr.column,
				 jerr.text);
		memset(ev, 0, sizeof(*ev));
		return -EINVAL;
	}
	rc = attrib_event_from_json(obj, ev, err, errlen);
	json_decref(obj);
	return rc;
}

static int set_time(json_t *o, const char *key, int64_t usec)
{
	char buf[ATTRIB_TIME_STRLEN];

	return json_object_set_new(o, key, json_string(attrib_time_format(usec, buf)));
}

json_t *attrib_event_to_json(const struct attrib_event *ev)
{
	json_t *o = json_object();
	bool lease = ev->type <= ATTRIB_EV_LEASE_DELETE;
	int rc = 0;

	if (!o)
		return NULL;
	rc |= json_object_set_new(o, "type", json_string(attrib_event_type_name(ev->type)));
	rc |= json_object_set_new(o, "source", json_string(attrib_source_name(ev->source)));
	if (lease)
		rc |= set_time(o, "time", ev->time);
	else
		rc |= set_time(o, "arrival", ev->arrival);
	if (ev->has & ATTRIB_HAS_EVENT_TS)
		rc |= set_time(o, "event-timestamp", ev->event_ts);
	for (size_t i = 0; i < NNUM; i++) {
		const struct num_field *f = &num_fields[i];
		bool present = f->flag ? (ev->has & f->flag) : ev->id.has_iaid;

		if (present)
			rc |= json_object_set_new(
				o, f->name,
				json_integer(*(const uint32_t *)((const char *)ev + f->off)));
	}
	for (size_t i = 0; i < NOCTET && (ev->has & ATTRIB_HAS_OCTETS); i++)
		rc |= json_object_set_new(
			o, octet_fields[i].name,
			json_integer((json_int_t)*(const uint64_t *)((const char *)ev +
								  octet_fields[i].off)));
	if (ev->naddr) {
		json_t *a = json_array();
		char buf[ATTRIB_ADDR_STRLEN];

		for (unsigned i = 0; i < ev->naddr; i++)
			rc |= json_array_append_new(
				a, json_string(attrib_prefix_format(&ev->addr[i], buf)));
		rc |= json_object_set_new(o, "addresses", a);
	}
	if (lease && ev->source == ATTRIB_SRC_DHCP6)
		rc |= json_object_set_new(
			o, "lease-type",
			json_string(ev->lease_type == ATTRIB_LEASE_PREFIX ? "prefix" : "address"));
	for (size_t i = 0; i < NSTR; i++) {
		const char *s = (const char *)ev + str_fields[i].off;

		if (*s)
			rc |= json_object_set_new(o, str_fields[i].name, json_string(s));
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
