/* SPDX-License-Identifier: GPL-3.0-or-later
 * Inside the store: the handle, its prepared statements, and the small
 * helpers the rules and lookups share.  Not installed; not for tools. */
#pragma once

#include <stdint.h>

#include <sqlite3.h>

#include "attrib/journal.h"
#include "attrib/store.h"

/* Every statement the core runs, prepared once per handle on first use. */
enum stmt_id {
	Q_BEGIN,
	Q_BEGIN_READ,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_META_GET,
	Q_META_SET,
	Q_DATA_VERSION,
	Q_PLEN_ALL,
	Q_PLEN_ADD,
	Q_KINDS,
	Q_OTHER_IDS_ANY,
	Q_OTHER_ID_ADD,
	Q_OTHER_IDS,
	Q_EVENT_ADD,
	Q_EVIDENCE_ADD,
	Q_BINDING_ADD,
	Q_LEASE_BEFORE,
	Q_LEASE_EXTEND,
	Q_BINDING_FILL,
	Q_BINDING_END,
	Q_BINDING_CONFIRMED,
	Q_BINDING_REOPEN,
	Q_LEASE_LATEST,
	Q_LEASE_AFFECTED,
	Q_LEASE_UNDO_EVIDENCE,
	Q_LEASE_UNDO,
	Q_LEASE_EVENTS,
	Q_LEASE_EVENT,
	Q_SESSION_BEFORE,
	Q_SESSION_AFTER,
	Q_SESSION_ADD,
	Q_SESSION_UPDATE,
	Q_SESSION_BINDINGS,
	Q_SESSION_END_BINDINGS,
	Q_SESSION_SEEN_BINDINGS,
	Q_SESSION_RESTART_BINDINGS,
	Q_NAS_OPEN,
	Q_NAS_RESTART_AFTER,
	Q_SUBSCRIBER_ADD,
	Q_SUBSCRIBER_MAP,
	Q_PROBE,
	Q_HEARD_SOURCES,
	Q_HEARD_SPANS,
	Q_LOSS_NEAR,
	Q_WAITING,
	Q_CASE_ADD,
	Q_CASE_WARN,
	Q_CASE_SUMMARY,
	Q_CASE_REPORTS,
	Q_CASE_WARNINGS,
	Q__COUNT
};

/* A binding row as the rules and lookups read it.  Open ends are INT64_MAX. */
struct brow {
	int64_t id;
	struct attrib_prefix prefix;
	int64_t start, until, end_time, expected_end, last_seen, confirmed_until;
	bool start_inferred;
	enum attrib_source source;
	int64_t session_id; /* 0: not a session's */
	int lease_type;
	char end_reason[24];
	char account[128];
	char server[ATTRIB_STR_MAX];
	char acct_session_id[ATTRIB_STR_MAX];
	struct attrib_identities ident;
};

/* The columns brow_read() expects, in order, for SELECTs on binding. */
#define BROW_COLUMNS                                                                               \
	"id, family, plen, net, start, until, end_time, expected_end, last_seen, "                 \
	"confirmed_until, start_inferred, source, session_id, lease_type, end_reason, account, "   \
	"server, acct_session_id, hwaddr, client_id, duid, iaid, remote_id, circuit_id, "          \
	"subscriber_id, username, calling_station_id, hostname"

/* Why journals of a server are not read: Q_WAITING's third column. */
enum store_wait_kind { WAIT_DESCRIPTOR, WAIT_BEHIND, WAIT_ASIDE };

/* The journals of one server attribd has not read yet (journal_wait), or
 * will not read (set aside). */
struct store_wait {
	char server[ATTRIB_JOURNAL_ID_MAX + 1]; /* "" for names that tell no server */
	bool since_known, until_known;
	int64_t since;      /* what they may hold was heard from here on */
	int64_t until;      /* set aside: up to here (exclusive), when known */
	enum store_wait_kind kind; /* WAIT_DESCRIPTOR: some wait for one */
};

struct attrib_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[Q__COUNT];
	int in_txn;                 /* attrib_store_begin() depth */
	int in_read;                /* attrib_store_read_begin() depth */
	int64_t data_version;       /* PRAGMA data_version the caches below were read at */
	bool plen[2][129];          /* [family 4, 6][length]: bindings exist */
	unsigned kinds;             /* KIND_BIT()s of the kinds the subscriber map has */
	bool other_ids;             /* binding_identity has rows */
	int64_t horizon;
	char (*servers)[ATTRIB_JOURNAL_ID_MAX + 1]; /* the journal writers heard from */
	size_t nservers;
	struct store_wait *waits; /* journal_wait, by server: see store_waits() */
	size_t nwaits;
	bool waits_loaded;
	char err[256];
};

/* Which subscriber-map kinds are present: bit i for attrib_map_kinds[i]. */
#define KIND_BIT(i) (1u << (i))

/* Fill st->waits from journal_wait, unless done since the store last
 * changed.  Only lookups need them, and attribd's own transactions, many a
 * second, change the store: so read on first use, not with the other
 * caches.  @return 0 or a negative errno. */
int store_waits(struct attrib_store *st);

/* The statement, reset and with its bindings cleared; NULL on failure. */
sqlite3_stmt *store_stmt(struct attrib_store *st, enum stmt_id id);

/* The SQL text of a statement, for tests that check its query plan. */
const char *store_sql(enum stmt_id id);

/* Map an SQLite result code to a negative errno, noting the message. */
int store_error(struct attrib_store *st, int rc);

/* Step a statement that returns no rows.  @return 0 or a negative errno. */
int store_exec(struct attrib_store *st, sqlite3_stmt *s);

/* Read the current row of a SELECT of BROW_COLUMNS into @p b. */
void brow_read(sqlite3_stmt *s, struct brow *b);

/* Insert a binding (b->id is set); records its prefix length for lookups. */
int store_binding_add(struct attrib_store *st, struct brow *b);

/* Refresh the caches if another connection changed the store. */
int store_refresh(struct attrib_store *st);

/* Bind a prefix's family, length and network to parameters i, i+1, i+2. */
void store_bind_prefix(sqlite3_stmt *s, int i, const struct attrib_prefix *p);

/* Bind a string, or NULL when it is NULL or empty; the string must outlive
 * the statement's step. */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);

/* Bind an int64 that may be open (INT64_MAX) as NULL. */
void store_bind_time(sqlite3_stmt *s, int i, int64_t t);

/* Apply one event's rules; defined in rules.c.  @p event_id is its row. */
int rules_apply(struct attrib_store *st, const struct attrib_policy *pol,
		const struct attrib_event *ev, int64_t t, int64_t event_id);

/* The event time the rules use: for accounting, Event-Timestamp when it is
 * within clock-skew of arrival - Acct-Delay-Time, else the latter; sets
 * @p untrusted when the timestamp was set aside.  Defined in rules.c. */
int64_t rules_event_time(const struct attrib_policy *pol, const struct attrib_event *ev,
			 bool *untrusted);
