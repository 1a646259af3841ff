/* SPDX-License-Identifier: GPL-3.0-or-later
 * Audit rows and their hash chain.  A row's chain value is SHA-256 over the
 * previous row's chain value (32 zero bytes before the first row) and the
 * row's fields in column order: the id and the time as 8 bytes little-endian;
 * uid, gid and pid as a byte 0 (NULL) or 1 followed by 8 bytes; the strings
 * as a byte 0 (NULL) or 1 followed by a 4-byte length and the bytes; the
 * result as 8 bytes.  A verifier needs nothing else. */
#include "attrib/audit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attrib/require.h"
#include "attrib/store_int.h"

enum { A_LAST, A_ADD, A_COUNT };

static const char *const audit_sql[A_COUNT] = {
	[A_LAST] = "SELECT id, chain FROM audit ORDER BY id DESC LIMIT 1",
	[A_ADD] = "INSERT INTO audit (id, time, uid, gid, pid, role, command, arguments, result, "
		  "status, chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
};

#define VERIFY_SQL                                                                                 \
	"SELECT id, time, uid, gid, pid, role, command, arguments, result, status, chain FROM "     \
	"audit ORDER BY id"

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

static void chain_of(const uint8_t prev[ATTRIB_SHA256_LEN], int64_t id,
		     const struct attrib_audit_entry *e, uint8_t out[ATTRIB_SHA256_LEN])
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	int ok = h && EVP_DigestInit_ex(h, EVP_sha256(), NULL);

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

int attrib_audit_verify(struct attrib_store *st, int64_t *bad_id)
{
	uint8_t chain[ATTRIB_SHA256_LEN] = { 0 };
	sqlite3_stmt *s;
	int rc;

	*bad_id = 0;
	rc = sqlite3_prepare_v2(st->db, VERIFY_SQL, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_error(st, rc);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct attrib_audit_entry e = {
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
		int64_t id = sqlite3_column_int64(s, 0);
		const void *stored = sqlite3_column_blob(s, 10);

		chain_of(chain, id, &e, chain);
		if (!stored || sqlite3_column_bytes(s, 10) != ATTRIB_SHA256_LEN ||
		    memcmp(stored, chain, ATTRIB_SHA256_LEN) != 0) {
			*bad_id = id;
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_error(st, rc);
	return *bad_id ? -EBADMSG : 0;
}

void attrib_audit_close(struct attrib_audit *a)
{
	if (!a)
		return;
	for (int i = 0; i < A_COUNT; i++)
		sqlite3_finalize(a->stmt[i]);
	free(a);
}
