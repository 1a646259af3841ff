/* SPDX-License-Identifier: GPL-3.0-or-later
 * Audit rows and their hash chain.  A row's chain value is SHA-256 over the
 * previous row's chain value (32 zero bytes before the first row) and the
 * row's fields in column order: the id and the time as 8 bytes little-endian;
 * uid, gid and pid as a byte 0 (NULL) or 1 followed by 8 bytes; the strings
 * as a byte 0 (NULL) or 1 followed by a 4-byte length and the bytes; the
 * result as 8 bytes.  A verifier needs nothing else. */
#include "attrib/audit.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attrib/require.h"
#include "attrib/store_int.h"
#include "attrib/times.h"

enum { A_LAST, A_ADD, A_COUNT };

static const char *const audit_sql[A_COUNT] = {
	[A_LAST] = "SELECT id, chain FROM audit ORDER BY id DESC LIMIT 1",
	[A_ADD] = "INSERT INTO audit (id, time, uid, gid, pid, role, command, arguments, result, "
		  "status, chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
};

#define AUDIT_COLUMNS "id, time, uid, gid, pid, role, command, arguments, result, status, chain"
#define VERIFY_SQL    "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY id"
#define VERIFY_SQL_AFTER "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > ?1 ORDER BY id"

/* Newest first so that a limit keeps the latest; the caller reverses.  A
 * case is the request's "case" argument; arguments an edit left unreadable
 * belong to no case rather than failing the listing. */
#define LIST_SQL                                                                                   \
	"SELECT " AUDIT_COLUMNS " FROM audit WHERE time >= ?2 AND time < ?3 AND (?1 IS NULL OR "   \
	"(json_valid(arguments) AND json_extract(arguments, '$.case') = ?1)) ORDER BY id DESC "    \
	"LIMIT ?4"

struct attrib_audit {
	struct attrib_store *st;
	sqlite3_stmt *stmt[A_COUNT];
	int64_t last_id;
	uint8_t chain[ATTRIB_SHA256_LEN];
};

static void put_int(EVP_MD_CTX *h, int64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (8 * i));
	EVP_DigestUpdate(h, b, sizeof(b));
}

static void put_opt_int(EVP_MD_CTX *h, int64_t v, int present)
{
	uint8_t tag = present ? 1 : 0;

	EVP_DigestUpdate(h, &tag, 1);
	if (present)
		put_int(h, v);
}

static void put_text(EVP_MD_CTX *h, const char *s, size_t len)
{
	uint8_t tag = s ? 1 : 0, n[4];

	EVP_DigestUpdate(h, &tag, 1);
	if (!s)
		return;
	for (int i = 0; i < 4; i++)
		n[i] = (uint8_t)(len >> (8 * i));
	EVP_DigestUpdate(h, n, sizeof(n));
	EVP_DigestUpdate(h, s, len);
}

static size_t len_of(const char *s)
{
	return s ? strlen(s) : 0;
}

/* SHA-256 fetched from its provider once, not for each row: the fetch
 * cost more than the digest of a lookup's row. */
static EVP_MD *sha256;

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void chain_of(const uint8_t prev[ATTRIB_SHA256_LEN], int64_t id,
		     const struct attrib_audit_entry *e, uint8_t out[ATTRIB_SHA256_LEN])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	EVP_MD_CTX *h;
	int ok;

	pthread_once(&once, fetch_sha256);
	h = EVP_MD_CTX_new();
	ok = sha256 && h && EVP_DigestInit_ex(h, sha256, NULL);

	/* Only allocation can fail here; a chain that cannot be computed must
	 * never look valid, so a failure stops the process. */
	ATTRIB_REQUIRE(ok);
	EVP_DigestUpdate(h, prev, ATTRIB_SHA256_LEN);
	put_int(h, id);
	put_int(h, e->time);
	put_opt_int(h, e->uid, e->uid >= 0);
	put_opt_int(h, e->gid, e->gid >= 0);
	put_opt_int(h, e->pid, e->pid >= 0);
	put_text(h, e->role, len_of(e->role));
	put_text(h, e->command, len_of(e->command));
	put_text(h, e->arguments, len_of(e->arguments));
	put_int(h, e->result);
	put_text(h, e->status, len_of(e->status));
	ATTRIB_REQUIRE(EVP_DigestFinal_ex(h, out, NULL));
	EVP_MD_CTX_free(h);
}

int attrib_audit_open(struct attrib_store *st, struct attrib_audit **out)
{
	struct attrib_audit *a = calloc(1, sizeof(*a));
	int rc = 0;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->st = st;
	for (int i = 0; i < A_COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, audit_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&a->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			rc = store_error(st, rc);
			attrib_audit_close(a);
			return rc;
		}
	}
	*out = a;
	return 0;
}

int attrib_audit_begin(struct attrib_audit *a)
{
	sqlite3_stmt *s = a->stmt[A_LAST];
	int rc = attrib_store_begin(a->st);

	if (rc < 0)
		return rc;
	a->last_id = 0;
	memset(a->chain, 0, sizeof(a->chain));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *c = sqlite3_column_blob(s, 1);

		a->last_id = sqlite3_column_int64(s, 0);
		if (c && sqlite3_column_bytes(s, 1) == ATTRIB_SHA256_LEN)
			memcpy(a->chain, c, ATTRIB_SHA256_LEN);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		rc = store_error(a->st, rc);
		attrib_store_rollback(a->st);
		return rc;
	}
	return 0;
}

static void bind_opt_int(sqlite3_stmt *s, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int64_t attrib_audit_append(struct attrib_audit *a, const struct attrib_audit_entry *e)
{
	sqlite3_stmt *s = a->stmt[A_ADD];
	uint8_t chain[ATTRIB_SHA256_LEN];
	int64_t id = a->last_id + 1;
	int rc;

	chain_of(a->chain, id, e, chain);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, e->time);
	bind_opt_int(s, 3, e->uid);
	bind_opt_int(s, 4, e->gid);
	bind_opt_int(s, 5, e->pid);
	bind_opt_text(s, 6, e->role);
	bind_opt_text(s, 7, e->command);
	bind_opt_text(s, 8, e->arguments);
	sqlite3_bind_int(s, 9, e->result);
	bind_opt_text(s, 10, e->status);
	sqlite3_bind_blob(s, 11, chain, sizeof(chain), SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_error(a->st, rc);
	a->last_id = id;
	memcpy(a->chain, chain, sizeof(chain));
	return id;
}

int attrib_audit_commit(struct attrib_audit *a)
{
	return attrib_store_commit(a->st);
}

void attrib_audit_rollback(struct attrib_audit *a)
{
	attrib_store_rollback(a->st);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static int64_t col_opt_int(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

/* The fields of a row of VERIFY_SQL (or of LIST_SQL: the same columns). */
static void row_entry(sqlite3_stmt *s, struct attrib_audit_entry *e)
{
	*e = (struct attrib_audit_entry){
		.time = sqlite3_column_int64(s, 1),
		.uid = col_opt_int(s, 2),
		.gid = col_opt_int(s, 3),
		.pid = col_opt_int(s, 4),
		.role = col_text(s, 5),
		.command = col_text(s, 6),
		.arguments = col_text(s, 7),
		.result = sqlite3_column_int(s, 8),
		.status = col_text(s, 9),
	};
}

/* Whether column @p i holds the chain value @p chain. */
static bool chain_is(sqlite3_stmt *s, int i, const uint8_t chain[ATTRIB_SHA256_LEN])
{
	const void *stored = sqlite3_column_blob(s, i);

	return stored && sqlite3_column_bytes(s, i) == ATTRIB_SHA256_LEN &&
	       memcmp(stored, chain, ATTRIB_SHA256_LEN) == 0;
}

static const char *const finding_names[] = {
	[ATTRIB_AUDIT_INTACT] = "intact",
	[ATTRIB_AUDIT_ALTERED] = "altered",
	[ATTRIB_AUDIT_REORDERED] = "reordered",
	[ATTRIB_AUDIT_DELETED] = "deleted",
	[ATTRIB_AUDIT_TRUNCATED] = "truncated",
	[ATTRIB_AUDIT_ANCHOR] = "anchor",
	[ATTRIB_AUDIT_EXTERNAL] = "external",
};

const char *attrib_audit_finding_name(enum attrib_audit_finding f)
{
	return f <= ATTRIB_AUDIT_EXTERNAL ? finding_names[f] : "?";
}

static void found(struct attrib_audit_report *out, enum attrib_audit_finding f, int64_t bad,
		  int64_t other, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void found(struct attrib_audit_report *out, enum attrib_audit_finding f, int64_t bad,
		  int64_t other, const char *fmt, ...)
{
	va_list ap;

	out->finding = f;
	out->bad_id = bad;
	out->other_id = other;
	va_start(ap, fmt);
	vsnprintf(out->text, sizeof(out->text), fmt, ap);
	va_end(ap);
}

/* Entry @p id broke the chain that held up to @p prev.  A reordering leaves
 * what belongs at @p id intact somewhere later: find it, else the entry was
 * altered.  @return 0 or a negative errno. */
static int explain_break(struct attrib_store *st, const uint8_t prev[ATTRIB_SHA256_LEN],
			 int64_t id, struct attrib_audit_report *out)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, VERIFY_SQL_AFTER, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct attrib_audit_entry e;
		uint8_t chain[ATTRIB_SHA256_LEN];

		row_entry(s, &e);
		chain_of(prev, id, &e, chain);
		if (chain_is(s, 10, chain)) {
			int64_t at = sqlite3_column_int64(s, 0);

			found(out, ATTRIB_AUDIT_REORDERED, id, at,
			      "entries reordered: what was entry %lld is now at %lld",
			      (long long)id, (long long)at);
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(st, rc);
	if (rc == SQLITE_DONE)
		found(out, ATTRIB_AUDIT_ALTERED, id, 0,
		      "entry %lld was altered: its chain value does not follow from it and the "
		      "entry before", (long long)id);
	return 0;
}

/* Walk the chain from entry 1; stop at the first break. */
static int check_chain(struct attrib_store *st, const struct attrib_audit_anchor *kept,
		       struct attrib_audit_report *out, bool *kept_seen)
{
	uint8_t chain[ATTRIB_SHA256_LEN] = { 0 };
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, VERIFY_SQL, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct attrib_audit_entry e;
		int64_t id = sqlite3_column_int64(s, 0);
		uint8_t next[ATTRIB_SHA256_LEN];

		if (id != out->head.id + 1) {
			found(out, ATTRIB_AUDIT_DELETED, out->head.id + 1, id - 1,
			      id - 1 > out->head.id + 1 ? "entries %lld to %lld were deleted"
							: "entry %lld was deleted",
			      (long long)(out->head.id + 1), (long long)(id - 1));
			break;
		}
		row_entry(s, &e);
		chain_of(chain, id, &e, next);
		if (!chain_is(s, 10, next)) {
			rc = explain_break(st, chain, id, out);
			break;
		}
		memcpy(chain, next, sizeof(chain));
		out->entries++;
		out->head.id = id;
		memcpy(out->head.chain, chain, sizeof(chain));
		if (kept && id == kept->id) {
			*kept_seen = true;
			if (memcmp(chain, kept->chain, sizeof(chain)) != 0) {
				found(out, ATTRIB_AUDIT_EXTERNAL, id, 0,
				      "entry %lld differs from the anchor kept outside the store: "
				      "the chain up to it was rewritten", (long long)id);
				break;
			}
		}
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = store_error(st, rc);
	sqlite3_finalize(s);
	return rc;
}

/* Compare the end of an intact chain with the store's anchor. */
static int check_anchor(struct attrib_store *st, struct attrib_audit_report *out)
{
	int64_t last = out->head.id;
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "SELECT entries, last_id, chain FROM audit_anchor "
					"WHERE id = 1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		found(out, ATTRIB_AUDIT_ANCHOR, last + 1, 0, "the audit anchor is missing: entries "
			    "may have been deleted from the end");
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		int64_t entries = sqlite3_column_int64(s, 0), alast = sqlite3_column_int64(s, 1);
		bool same = last == 0 ? sqlite3_column_type(s, 2) == SQLITE_NULL
				      : chain_is(s, 2, out->head.chain);

		if (alast > last)
			found(out, ATTRIB_AUDIT_TRUNCATED, last + 1, alast,
			      alast > last + 1 ? "entries %lld to %lld were deleted from the end"
					       : "entry %lld was deleted from the end",
			      (long long)(last + 1), (long long)alast);
		else if (alast < last)
			found(out, ATTRIB_AUDIT_ANCHOR, alast + 1, last,
			      "entries after %lld are not in the audit anchor: added around it",
			      (long long)alast);
		else if (entries > last)
			found(out, ATTRIB_AUDIT_ANCHOR, last, 0,
			      "the audit anchor counts %lld entries, the chain %lld: entries were "
			      "deleted from the end before entry %lld was added",
			      (long long)entries, (long long)last, (long long)last);
		else if (!same || entries != last)
			found(out, ATTRIB_AUDIT_ANCHOR, last, 0,
			      "entry %lld or the audit anchor was changed: they disagree",
			      (long long)last);
		rc = 0;
	} else {
		rc = store_error(st, rc);
	}
	sqlite3_finalize(s);
	return rc;
}

int attrib_audit_check(struct attrib_store *st, const struct attrib_audit_anchor *kept,
		       struct attrib_audit_report *out)
{
	bool kept_seen = false;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_chain(st, kept, out, &kept_seen);
	if (rc == 0 && out->finding == ATTRIB_AUDIT_INTACT)
		rc = check_anchor(st, out);
	if (rc == 0 && out->finding == ATTRIB_AUDIT_INTACT && kept && !kept_seen)
		found(out, ATTRIB_AUDIT_TRUNCATED, out->head.id + 1, kept->id,
		      "entries from %lld were deleted: the anchor kept outside the store names "
		      "entry %lld", (long long)(out->head.id + 1), (long long)kept->id);
	if (rc < 0)
		return rc;
	if (out->finding == ATTRIB_AUDIT_INTACT) {
		snprintf(out->text, sizeof(out->text), "the audit holds: %lld entries",
			 (long long)out->entries);
		return 0;
	}
	return -EBADMSG;
}

int attrib_audit_verify(struct attrib_store *st, int64_t *bad_id)
{
	struct attrib_audit_report r;
	int rc = attrib_audit_check(st, NULL, &r);

	*bad_id = rc == -EBADMSG ? r.bad_id : 0;
	return rc;
}

char *attrib_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int attrib_unhex(const char *text, uint8_t *out, size_t len)
{
	if (strlen(text) != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static json_t *opt_int_json(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null()
							 : json_integer(sqlite3_column_int64(s, i));
}

static json_t *opt_text_json(sqlite3_stmt *s, int i)
{
	const char *t = col_text(s, i);

	return t ? json_string(t) : json_null();
}

/* The arguments as the JSON they were written as; as text if an edit left
 * them unreadable (the chain shows that edit; the listing still shows it). */
static json_t *arguments_json(sqlite3_stmt *s, int i)
{
	const char *t = col_text(s, i);
	json_t *o;

	if (!t)
		return json_null();
	o = json_loads(t, 0, NULL);
	return o ? o : json_string(t);
}

static json_t *entry_json(sqlite3_stmt *s)
{
	char tbuf[ATTRIB_TIME_STRLEN], hex[2 * ATTRIB_SHA256_LEN + 1] = "";
	const void *chain = sqlite3_column_blob(s, 10);

	if (chain && sqlite3_column_bytes(s, 10) == ATTRIB_SHA256_LEN)
		attrib_hex(chain, ATTRIB_SHA256_LEN, hex);
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:s}",
			 "id", (json_int_t)sqlite3_column_int64(s, 0),
			 "time", attrib_time_format(sqlite3_column_int64(s, 1), tbuf),
			 "uid", opt_int_json(s, 2), "gid", opt_int_json(s, 3),
			 "pid", opt_int_json(s, 4), "role", opt_text_json(s, 5),
			 "command", opt_text_json(s, 6), "arguments", arguments_json(s, 7),
			 "result", sqlite3_column_int(s, 8), "status", opt_text_json(s, 9),
			 "chain", hex);
}

int attrib_audit_list(struct attrib_store *st, const struct attrib_audit_filter *f,
		      json_t **out)
{
	json_t *list = json_array();
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	if (!list)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(st->db, LIST_SQL, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		json_decref(list);
		return store_error(st, rc);
	}
	if (f->case_ref)
		sqlite3_bind_text(s, 1, f->case_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, f->from);
	sqlite3_bind_int64(s, 3, f->to);
	sqlite3_bind_int64(s, 4, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *e = entry_json(s);

		if (!e || json_array_insert_new(list, 0, e) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return rc == SQLITE_NOMEM ? -ENOMEM : store_error(st, rc);
	}
	*out = list;
	return 0;
}

void attrib_audit_close(struct attrib_audit *a)
{
	if (!a)
		return;
	for (int i = 0; i < A_COUNT; i++)
		sqlite3_finalize(a->stmt[i]);
	free(a);
}
