/* SPDX-License-Identifier: GPL-3.0-or-later
 * The one event record every source is translated into (Kea leases, RADIUS
 * accounting, imports), and its JSON-lines form as `attrib apply` reads it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attrib/addr.h"

#define ATTRIB_STR_MAX 256   /* an identity's text, NUL included */
#define ATTRIB_EVENT_ADDRS 8 /* addresses and prefixes one event may carry */

enum attrib_event_type {
	ATTRIB_EV_NONE = 0,
	ATTRIB_EV_LEASE_COMMIT,  /* lease-commit: a lease written, new or renewed */
	ATTRIB_EV_LEASE_RELEASE, /* lease-release */
	ATTRIB_EV_LEASE_DECLINE, /* lease-decline */
	ATTRIB_EV_LEASE_EXPIRE,  /* lease-expire: reclaimed after its expected end */
	ATTRIB_EV_LEASE_DELETE,  /* lease-delete: removed at an unknown time after @c time */
	ATTRIB_EV_ACCT_START,    /* acct-start */
	ATTRIB_EV_ACCT_INTERIM,  /* acct-interim */
	ATTRIB_EV_ACCT_STOP,     /* acct-stop */
	ATTRIB_EV_ACCT_ON,       /* acct-on: the NAS (re)started */
	ATTRIB_EV_ACCT_OFF,      /* acct-off: the NAS is going down */
	ATTRIB_EV__COUNT
};

enum attrib_source {
	ATTRIB_SRC_NONE = 0,
	ATTRIB_SRC_DHCP4,
	ATTRIB_SRC_DHCP6,
	ATTRIB_SRC_RADIUS,
	ATTRIB_SRC_STATIC,
	ATTRIB_SRC_IMPORT,
	ATTRIB_SRC__COUNT
};

enum attrib_lease_type { ATTRIB_LEASE_ADDR = 0, ATTRIB_LEASE_PREFIX = 1 };

/* Which optional numeric fields an event carries. */
#define ATTRIB_HAS_EVENT_TS     0x01u
#define ATTRIB_HAS_DELAY        0x02u
#define ATTRIB_HAS_SESSION_TIME 0x04u
#define ATTRIB_HAS_OCTETS       0x08u /* input_octets and output_octets */
#define ATTRIB_HAS_LIFETIME     0x10u
#define ATTRIB_HAS_SUBNET       0x20u

/** What identifies a client: the fields the subscriber map and the DHCP
 * client identity are made of.  Strings are NUL-terminated and normalised
 * (attrib_identity_normalize()); an empty string is absent. */
struct attrib_identities {
	char hwaddr[ATTRIB_STR_MAX];
	char client_id[ATTRIB_STR_MAX];
	char duid[ATTRIB_STR_MAX];
	uint32_t iaid;
	bool has_iaid;
	char remote_id[ATTRIB_STR_MAX];
	char circuit_id[ATTRIB_STR_MAX];
	char subscriber_id[ATTRIB_STR_MAX];
	char username[ATTRIB_STR_MAX];
	char calling_station_id[ATTRIB_STR_MAX];
	char hostname[ATTRIB_STR_MAX];
};

/** One event.
 *
 * Lease events carry @c time (the commit time, Kea's cltt) and, on a commit,
 * @c valid_lifetime.  Accounting events carry @c arrival and optionally
 * @c event_ts, @c delay and @c session_time; the rules work out the event
 * time from those (DESIGN.md), never from @c time.  The octet counters are
 * evidence of use kept with the event (and in exports); no rule reads them. */
struct attrib_event {
	enum attrib_event_type type;
	enum attrib_source source;
	unsigned has;            /* ATTRIB_HAS_* */
	int64_t time;            /* usec; lease events */
	int64_t arrival;         /* usec; accounting events */
	int64_t event_ts;        /* usec; Event-Timestamp */
	uint32_t delay;          /* s; Acct-Delay-Time */
	uint32_t session_time;   /* s; Acct-Session-Time */
	uint64_t input_octets;   /* Acct-Input-Octets + 2^32 Acct-Input-Gigawords */
	uint64_t output_octets;  /* Acct-Output-Octets + 2^32 Acct-Output-Gigawords */
	uint32_t valid_lifetime; /* s */
	uint32_t subnet_id;
	enum attrib_lease_type lease_type;
	unsigned naddr;
	struct attrib_prefix addr[ATTRIB_EVENT_ADDRS];
	char server[ATTRIB_STR_MAX];            /* the DHCP or RADIUS server that saw it */
	char nas[ATTRIB_STR_MAX];               /* NAS-IP(v6)-Address or NAS-Identifier */
	char session_id[ATTRIB_STR_MAX];        /* Acct-Session-Id */
	char unique_session_id[ATTRIB_STR_MAX]; /* Acct-Unique-Session-Id */
	struct attrib_identities id;
};

/** Names as they appear in JSON and in the store: "lease-commit", "dhcp4"...
 * @return the name, or NULL for an out-of-range value. */
const char *attrib_event_type_name(enum attrib_event_type t);
const char *attrib_source_name(enum attrib_source s);
enum attrib_event_type attrib_event_type_from(const char *name); /* NONE if unknown */
enum attrib_source attrib_source_from(const char *name);         /* NONE if unknown */

/** Fill @p ev from one JSON object (see attrib(1), "EVENTS").  Unknown keys
 * are refused, so a misspelt field never passes silently.
 * @return 0, or -EINVAL with the offending field named in @p err. */
int attrib_event_from_json(const json_t *obj, struct attrib_event *ev, char *err, size_t errlen);

/** Check that @p ev carries what its type needs before the rules apply it:
 * a lease event one address (and a commit its valid lifetime), an
 * accounting event its NAS (and, but for On/Off, a session id).
 * @return 0, or -EINVAL with the missing field named in @p err. */
int attrib_event_validate(const struct attrib_event *ev, char *err, size_t errlen);

/** Parse one line of JSON text; as attrib_event_from_json(). */
int attrib_event_parse(const char *line, size_t len, struct attrib_event *ev, char *err,
		       size_t errlen);

/** The event as a JSON object in the form attrib_event_from_json() reads
 * back to the same event.  @return a new reference, or NULL on ENOMEM. */
json_t *attrib_event_to_json(const struct attrib_event *ev);

/** The kinds of identity a subscriber map names, in this order, and where
 * each one's text is in struct attrib_identities. */
#define ATTRIB_MAP_KINDS 7
struct attrib_map_kind {
	const char *kind;
	size_t off;
};
extern const struct attrib_map_kind attrib_map_kinds[ATTRIB_MAP_KINDS];

/** The text of identity attrib_map_kinds[@p i] in @p id ("" when absent). */
static inline const char *attrib_map_value(const struct attrib_identities *id, size_t i)
{
	return (const char *)id + attrib_map_kinds[i].off;
}

/** Bring an identity of @p kind (a subscriber-map kind: "hwaddr",
 * "client-id", "duid", "remote-id", "circuit-id", "subscriber-id",
 * "username") to the one form the store compares.  hwaddr, client-id and
 * duid are hex: lowercase, a colon between bytes ("0A0B", "0a-0b" and
 * "0a.0b" all become "0a:0b").  The relay ids are normalised so when written
 * as separated hex or "0x..."; otherwise, like usernames, kept as given.
 * @return 0; -EINVAL for a hex kind that is not hex or an unknown kind;
 * -ENAMETOOLONG when the result does not fit @p outlen. */
int attrib_identity_normalize(const char *kind, const char *in, char *out, size_t outlen);

/** An identity a server holds as raw bytes (a hardware address, a DUID, a
 * relay agent's sub-option) in the form attrib_identity_normalize() gives.
 * hwaddr, client-id and duid are always hex bytes; the relay ids are text
 * when every byte is printable ASCII, as relays configured with names
 * ("olt-3.ams:1/1/4") send them and customer systems list them, else hex.
 * @return 0; -EINVAL for no bytes or an unknown kind; -ENAMETOOLONG when the
 * result does not fit @p outlen.  On failure @p out is "". */
int attrib_identity_from_bytes(const char *kind, const uint8_t *data, size_t len, char *out,
			       size_t outlen);
