/* SPDX-License-Identifier: GPL-3.0-or-later
 * Inside the legal parts (holds, retention, exports): the SQL they share to
 * say which records a subject covers, and the functions it calls.  Not
 * installed; not for tools. */
#pragma once

#include "attrib/hold.h"
#include "attrib/store_int.h"

/* Register attrib_overlaps(family, plen, net, family, plen, net), true when
 * one prefix holds the other, and attrib_addrs_overlap(addresses, family,
 * plen, net), true when one of an event's addresses (space-separated text,
 * as the event table keeps them) overlaps the prefix, on the store's
 * connection.  @return 0 or a negative errno. */
int legal_sql_functions(struct attrib_store *st);

#define LEGAL_OPEN_SQL "9223372036854775807"

/* True when the identity columns of row T (binding or event) mapped to
 * account ACCT at some time in [LO, HI): the kinds and columns lookups map
 * with (lookup.c, map_accounts). */
#define LEGAL_IDENTITY_MAPS(T, ACCT, LO, HI)                                                       \
	"EXISTS (SELECT 1 FROM subscriber s WHERE s.account = " ACCT " AND s.valid_from < " HI     \
	" AND (s.valid_to IS NULL OR s.valid_to > " LO ") AND ("                                   \
	"(s.kind = 'username' AND s.value = " T ".username) OR "                                   \
	"(s.kind = 'hwaddr' AND s.value = " T ".hwaddr) OR "                                       \
	"(s.kind = 'client-id' AND s.value = " T ".client_id) OR "                                 \
	"(s.kind = 'duid' AND s.value = " T ".duid) OR "                                           \
	"(s.kind = 'remote-id' AND s.value = " T ".remote_id) OR "                                 \
	"(s.kind = 'circuit-id' AND s.value = " T ".circuit_id) OR "                               \
	"(s.kind = 'subscriber-id' AND s.value = " T ".subscriber_id)))"

/* True when an identity binding b's client showed besides those it keeps
 * (binding_identity) maps to account ACCT at some time in [LO, HI). */
#define LEGAL_OTHER_IDS_MAP(ACCT, LO, HI)                                                          \
	"EXISTS (SELECT 1 FROM binding_identity x JOIN subscriber s ON s.kind = x.kind AND "       \
	"s.value = x.value WHERE x.binding_id = b.id AND s.account = " ACCT " AND "                \
	"s.valid_from < " HI " AND (s.valid_to IS NULL OR s.valid_to > " LO "))"

/* True when an identity of binding b, kept on it or beside it, maps to
 * account ACCT at some time in [LO, HI). */
#define LEGAL_BINDING_MAPS(ACCT, LO, HI)                                                           \
	"(" LEGAL_IDENTITY_MAPS("b", ACCT, LO, HI) " OR " LEGAL_OTHER_IDS_MAP(ACCT, LO, HI) ")"

/* True when binding b overlaps the range of hold h and is of its subject. */
#define LEGAL_HOLD_COVERS_BINDING                                                                  \
	"b.start < h.to_time AND (b.until IS NULL OR b.until > h.from_time) AND CASE WHEN "        \
	"h.account IS NULL THEN "                                                                  \
	"attrib_overlaps(b.family, b.plen, b.net, h.family, h.plen, h.net) "                       \
	"ELSE (b.source = 4 AND b.account = h.account) OR " LEGAL_BINDING_MAPS(                    \
		"h.account", "max(b.start, h.from_time)",                                          \
		"min(coalesce(b.until, " LEGAL_OPEN_SQL "), h.to_time)") " END"

/* True when event e happened in the range of hold h and is of its subject. */
#define LEGAL_HOLD_COVERS_EVENT                                                                    \
	"e.time >= h.from_time AND e.time < h.to_time AND CASE WHEN h.account IS NULL THEN "       \
	"attrib_addrs_overlap(e.addresses, h.family, h.plen, h.net) ELSE "                         \
	LEGAL_IDENTITY_MAPS("e", "h.account", "e.time", "e.time + 1") " END"

/* A hold in force at parameter ?1 (now). */
#define LEGAL_HOLD_IN_FORCE "h.released IS NULL AND (h.until IS NULL OR h.until > ?1)"
