/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_pg.c - the PostgreSQL token store: rows, the store operations,
 * open, migrate, describe.  The connection (libpq, the environment, the
 * conninfo rules, the budget) is store_pg_conn.c's.
 *
 * A verification is one round trip on an open connection: SELECT
 * apitoken.lookup_token($1), a SECURITY DEFINER function that returns the
 * schema version with the row, so no extra query checks the version.  No
 * row is ever cached.
 */
#include "ac_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "store_pg_int.h"
#include "util.h"

/* Parses a bigint column. */
static int get_i64(const PGresult *res, int row, int col, int64_t *out)
{
	const char *v = atok_pq.getvalue(res, row, col);
	char *end = NULL;
	long long n;

	if (atok_pq.getisnull(res, row, col) || v == NULL || *v == '\0')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)n;
	return 0;
}

static int get_text(const PGresult *res, int row, int col, char *dst,
                    size_t dstsz)
{
	const char *v = atok_pq.getvalue(res, row, col);

	if (atok_pq.getisnull(res, row, col) || v == NULL)
		return -1;
	return atok_strlcpy(dst, v, strlen(v), dstsz);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Columns: schema_version, id, user, name, scopes, hex(hash), created,
 * expires, revoked, last_used, rotated_from, allowed_from, last_used_from,
 * rotated_to. */
#define PG_COLUMNS 14
static int row_to_record(const PGresult *res, int row,
                         struct atok_token_record *rec, struct atok_error *err)
{
	const char *h;
	int i, hi, lo;

	memset(rec, 0, sizeof(*rec));
	if (get_text(res, row, 1, rec->id, sizeof(rec->id)) ||
	    get_text(res, row, 2, rec->user, sizeof(rec->user)) ||
	    get_text(res, row, 3, rec->name, sizeof(rec->name)) ||
	    get_text(res, row, 4, rec->scopes, sizeof(rec->scopes)) ||
	    get_text(res, row, 10, rec->rotated_from,
	             sizeof(rec->rotated_from)) ||
	    get_text(res, row, 11, rec->allowed_from,
	             sizeof(rec->allowed_from)) ||
	    get_text(res, row, 12, rec->last_used_from,
	             sizeof(rec->last_used_from)) ||
	    get_text(res, row, 13, rec->rotated_to, sizeof(rec->rotated_to)) ||
	    get_i64(res, row, 6, &rec->created) ||
	    get_i64(res, row, 7, &rec->expires) ||
	    get_i64(res, row, 8, &rec->revoked) ||
	    get_i64(res, row, 9, &rec->last_used))
		return atok_error_set(err, ATOK_ERR_STORE,
		                      "PostgreSQL token store: bad row");
	h = atok_pq.getvalue(res, row, 5);
	if (atok_pq.getisnull(res, row, 5) || strlen(h) != 2 * ATOK_HASH_LEN)
		return atok_error_set(err, ATOK_ERR_STORE,
		                      "PostgreSQL token store: bad hash for %s",
		                      rec->id);
	for (i = 0; i < ATOK_HASH_LEN; i++) {
		if ((hi = hexval(h[2 * i])) < 0 ||
		    (lo = hexval(h[2 * i + 1])) < 0)
			return atok_error_set(err, ATOK_ERR_STORE,
			                      "PostgreSQL token store: bad "
			                      "hash for %s",
			                      rec->id);
		rec->hash[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int check_version(struct pg_store *s, const PGresult *res,
                         struct atok_error *err)
{
	int64_t v = 0;
	char at[160];

	if (atok_pq.ntuples(res) != 1 || atok_pq.nfields(res) != PG_COLUMNS ||
	    get_i64(res, 0, 0, &v) != 0)
		return atok_error_set(err, ATOK_ERR_SCHEMA,
		                      "PostgreSQL token store: "
		                      "lookup_token() answers in an unknown "
		                      "shape");
	if (v != atok_pg_schema_version()) {
		atok_pg_where(s, at, sizeof(at));
		return atok_error_set(
		    err, ATOK_ERR_SCHEMA,
		    "PostgreSQL token store %s has schema version %lld, this "
		    "apitoken needs %d: run `apitoken store migrate`",
		    at, (long long)v, atok_pg_schema_version());
	}
	return 0;
}

static int schema_error(struct atok_error *err)
{
	if (err != NULL && err->code == ATOK_ERR_SCHEMA)
		return atok_error_set(err, ATOK_ERR_SCHEMA,
		                      "%.300s: the database has no apitoken "
		                      "schema (version 0), this apitoken "
		                      "needs %d: run `apitoken store migrate`",
		                      err->msg, atok_pg_schema_version());
	return err != NULL ? err->code : ATOK_ERR_STORE;
}

static int pg_lookup(struct atok_store *base, const char *id,
                     struct atok_token_record *rec, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const char *params[1] = {id};
	PGresult *res = NULL;
	int r;

	if ((r = atok_pg_exec(s, "SELECT * FROM apitoken.lookup_token($1)", 1,
	                      params, &res, err)) != 0)
		return r == ATOK_ERR_SCHEMA ? schema_error(err) : r;
	if ((r = check_version(s, res, err)) != 0)
		goto out;
	if (atok_pq.getisnull(res, 0, 1)) {
		r = atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s", id);
		goto out;
	}
	r = row_to_record(res, 0, rec, err);
out:
	atok_pq.clear(res);
	return r;
}

static void fmt_i64(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
}

static int insert_row(struct pg_store *s, const struct atok_token_record *rec,
                      struct atok_error *err)
{
	char hash[2 * ATOK_HASH_LEN + 1], c[24], e[24], rv[24], lu[24];
	const char *params[13] = {rec->id,
	                          rec->user,
	                          rec->name,
	                          rec->scopes,
	                          hash,
	                          c,
	                          e,
	                          rv,
	                          lu,
	                          rec->rotated_from,
	                          rec->allowed_from,
	                          rec->last_used_from,
	                          rec->rotated_to};
	PGresult *res = NULL;
	int r;

	atok_hex(rec->hash, ATOK_HASH_LEN, hash);
	fmt_i64(c, sizeof(c), rec->created);
	fmt_i64(e, sizeof(e), rec->expires);
	fmt_i64(rv, sizeof(rv), rec->revoked);
	fmt_i64(lu, sizeof(lu), rec->last_used);
	r = atok_pg_exec(
	    s,
	    "INSERT INTO apitoken.tokens (id, user_name, name, scopes, "
	    "hash, created, expires, revoked, last_used, rotated_from, "
	    "allowed_from, last_used_from, rotated_to) "
	    "VALUES ($1, $2, $3, $4, decode($5, 'hex'), $6, $7, $8, "
	    "$9, $10, $11, $12, $13)",
	    13, params, &res, err);
	atok_pq.clear(res);
	if (r == ATOK_ERR_EXISTS)
		return atok_error_set(err, ATOK_ERR_EXISTS,
		                      "token id %s already exists", rec->id);
	return r;
}

static int pg_insert(struct atok_store *base,
                     const struct atok_token_record *rec,
                     struct atok_error *err)
{
	return insert_row((struct pg_store *)base, rec, err);
}

static int pg_list(struct atok_store *base, const char *user,
                   atok_store_list_cb cb, void *arg, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct atok_token_record rec;
	const char *params[1] = {user};
	PGresult *res = NULL;
	int i, n, r;

	r = atok_pg_exec(
	    s,
	    "SELECT 1, id, user_name, name, scopes, encode(hash, "
	    "'hex'), created, expires, revoked, last_used, "
	    "rotated_from, allowed_from, last_used_from, rotated_to "
	    "FROM apitoken.tokens WHERE $1::text IS NULL "
	    "OR user_name = $1 ORDER BY created, id",
	    1, params, &res, err);
	if (r != 0)
		return r;
	n = atok_pq.ntuples(res);
	for (i = 0; i < n; i++) {
		if ((r = row_to_record(res, i, &rec, err)) != 0 ||
		    (r = cb(arg, &rec)) != 0)
			break;
	}
	atok_pq.clear(res);
	return r;
}

/* Simple statements of a transaction, no parameters. */
static int pg_simple(struct pg_store *s, const char *sql,
                     struct atok_error *err)
{
	PGresult *res = NULL;
	int r = atok_pg_exec(s, sql, 0, NULL, &res, err);

	atok_pq.clear(res);
	return r;
}

static void pg_rollback(struct pg_store *s)
{
	struct atok_error ignored;

	/* A failed statement already dropped the connection (and with it
	 * the transaction); otherwise roll back, or drop on failure. */
	if (s->conn != NULL && pg_simple(s, "ROLLBACK", &ignored) != 0)
		atok_pg_drop(s);
	s->txn = 0;
}

/*
 * BEGIN, with the commit waiting for a synchronous standby to apply it
 * when the operator runs one (remote_apply is local commit without one).
 */
static int pg_begin(struct pg_store *s, struct atok_error *err)
{
	int r;

	if ((r = pg_simple(s, "BEGIN", err)) != 0)
		return r;
	s->txn = 1;
	if ((r = pg_simple(s, "SET LOCAL synchronous_commit = remote_apply",
	                   err)) != 0)
		pg_rollback(s);
	return r;
}

/* COMMIT of a revocation: waits for a synchronous standby within the
 * budget, then stops waiting and says so (sync_pending). */
static int pg_commit_revocation(struct pg_store *s, struct atok_error *err)
{
	int r;

	s->sync_commit = 1;
	r = pg_simple(s, "COMMIT", err);
	s->sync_commit = 0;
	if (r == 0)
		s->txn = 0;
	return r;
}

static int revoke_row(struct pg_store *s, const char *id, int64_t now,
                      struct atok_error *err)
{
	char when[24];
	const char *params[2] = {id, when};
	PGresult *res = NULL;
	const char *v;
	int r;

	fmt_i64(when, sizeof(when), now);
	r = atok_pg_exec(
	    s,
	    "WITH u AS (UPDATE apitoken.tokens SET revoked = $2 "
	    "WHERE id = $1 AND revoked = 0 RETURNING 1) "
	    "SELECT EXISTS (SELECT 1 FROM apitoken.tokens WHERE id = "
	    "$1), (SELECT count(*) FROM u)",
	    2, params, &res, err);
	if (r != 0)
		return r;
	v = atok_pq.ntuples(res) == 1 ? atok_pq.getvalue(res, 0, 0) : NULL;
	r = v != NULL && strcmp(v, "t") == 0
	        ? 0
	        : atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s", id);
	atok_pq.clear(res);
	return r;
}

static int pg_revoke(struct atok_store *base, const char *id, int64_t now,
                     struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	int r;

	if ((r = pg_begin(s, err)) != 0)
		return r;
	if ((r = revoke_row(s, id, now, err)) != 0 ||
	    (r = pg_commit_revocation(s, err)) != 0)
		pg_rollback(s);
	return r;
}

/* Marks old_id rotated to new_id inside the transaction: revoked at now
 * when until is 0, else expiring at until (never later than it was). */
static int rotate_row(struct pg_store *s, const char *old_id,
                      const char *new_id, int64_t now, int64_t until,
                      struct atok_error *err)
{
	char when[24];
	const char *params[3] = {old_id, new_id, when};
	PGresult *res = NULL;
	int r;

	fmt_i64(when, sizeof(when), until == 0 ? now : until);
	r = atok_pg_exec(
	    s,
	    until == 0 ? "UPDATE apitoken.tokens SET rotated_to = $2, "
	                 "revoked = $3 WHERE id = $1"
	               : "UPDATE apitoken.tokens SET rotated_to = $2, "
	                 "expires = CASE WHEN expires = 0 OR expires > $3 "
	                 "THEN $3::bigint ELSE expires END WHERE id = $1",
	    3, params, &res, err);
	atok_pq.clear(res);
	return r;
}

static int pg_replace(struct atok_store *base, const char *old_id,
                      const struct atok_token_record *new_rec, int64_t now,
                      int64_t until, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const char *params[1] = {old_id};
	PGresult *res = NULL;
	int64_t revoked = 0;
	int r;

	if ((r = pg_begin(s, err)) != 0)
		return r;
	if ((r = atok_pg_exec(s,
	                      "SELECT revoked, rotated_to FROM apitoken.tokens "
	                      "WHERE id = $1 FOR UPDATE",
	                      1, params, &res, err)) != 0)
		goto fail;
	if (atok_pq.ntuples(res) != 1) {
		r = atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s",
		                   old_id);
		goto fail;
	}
	if (get_i64(res, 0, 0, &revoked) != 0 || revoked != 0) {
		r = atok_error_set(err, ATOK_ERR_INVALID,
		                   "token %s is revoked; issue a new one",
		                   old_id);
		goto fail;
	}
	if (!atok_pq.getisnull(res, 0, 1) &&
	    atok_pq.getvalue(res, 0, 1)[0] != '\0') {
		r = atok_error_set(err, ATOK_ERR_INVALID,
		                   "token %s was already rotated to %.64s; "
		                   "rotate that one",
		                   old_id, atok_pq.getvalue(res, 0, 1));
		goto fail;
	}
	if ((r = insert_row(s, new_rec, err)) != 0 ||
	    (r = rotate_row(s, old_id, new_rec->id, now, until, err)) != 0 ||
	    (r = pg_commit_revocation(s, err)) != 0)
		goto fail;
	atok_pq.clear(res);
	return 0;
fail:
	atok_pq.clear(res);
	pg_rollback(s);
	return r;
}

static int pg_touch(struct atok_store *base, const char *id, int64_t now,
                    const char *from, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	char interval[24];
	const char *params[3] = {id, interval, from != NULL ? from : ""};
	PGresult *res = NULL;
	int r;

	(void)now; /* the server's clock decides */
	fmt_i64(interval, sizeof(interval), s->touch_interval);
	r = atok_pg_exec(s, "SELECT apitoken.record_use($1, $2, $3)", 3, params,
	                 &res, err);
	atok_pq.clear(res);
	return r;
}

static int pg_writable(const struct atok_store *base)
{
	(void)base;
	return 1;
}

static int pg_info(struct atok_store *base, int *version, long long *n,
                   struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const char *params[1] = {""};
	PGresult *res = NULL;
	int64_t v = 0, count = -1;
	int r;

	if (s->mode == ATOK_STORE_ADMIN) {
		r = atok_pg_exec(s,
		                 "SELECT (SELECT version FROM apitoken.meta), "
		                 "count(*) FROM apitoken.tokens",
		                 0, NULL, &res, err);
		if (r == 0 &&
		    (get_i64(res, 0, 0, &v) || get_i64(res, 0, 1, &count)))
			r = atok_error_set(err, ATOK_ERR_STORE,
			                   "PostgreSQL token store: bad row");
	} else {
		/* The verifier may not count: the version comes with a
		 * lookup of no token. */
		r = atok_pg_exec(s, "SELECT * FROM apitoken.lookup_token($1)",
		                 1, params, &res, err);
		if (r == 0 && check_version(s, res, err) != 0)
			r = err->code;
		v = atok_pg_schema_version();
	}
	atok_pq.clear(res);
	if (r != 0)
		return r == ATOK_ERR_SCHEMA ? schema_error(err) : r;
	*version = (int)v;
	*n = count;
	return 0;
}

static void pg_close(struct atok_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	if (s == NULL)
		return;
	atok_pg_drop(s);
	if (s->parsed != NULL)
		atok_pq.conninfoFree(s->parsed);
	free(s);
}

static const struct atok_store_ops pg_ops = {
    .name = "postgresql",
    .lookup = pg_lookup,
    .insert = pg_insert,
    .list = pg_list,
    .revoke = pg_revoke,
    .replace = pg_replace,
    .touch = pg_touch,
    .info = pg_info,
    .writable = pg_writable,
    .close = pg_close,
};

int atok_store_pg_sync_pending(const struct atok_store *base, char *where_,
                               size_t n)
{
	const struct pg_store *s = (const struct pg_store *)base;

	if (!atok_store_is_pg(base) || !s->sync_pending)
		return 0;
	snprintf(where_, n, "%s", s->hosts);
	return s->timeout_ms / 1000;
}

int atok_store_is_pg(const struct atok_store *s)
{
	return s != NULL && *(const struct atok_store_ops *const *)s == &pg_ops;
}

static int pg_new(const struct atok_config *cfg, enum atok_store_mode mode,
                  enum atok_cfg_key key, struct pg_store **sp,
                  struct atok_error *err)
{
	struct pg_store *s = NULL;
	const char *conninfo = atok_config_str(cfg, key);
	int r;

	*sp = NULL;
	if ((r = atok_pg_load(err)) != 0)
		return r;
	if (conninfo == NULL && key != ATOK_CFG_STORE_CONNINFO)
		conninfo = atok_config_str(cfg, ATOK_CFG_STORE_CONNINFO);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	s->ops = &pg_ops;
	s->mode = mode;
	s->timeout_ms =
	    (int)atok_config_int(cfg, ATOK_CFG_STORE_TIMEOUT) * 1000;
	s->touch_interval =
	    atok_config_int(cfg, ATOK_CFG_STORE_LAST_USED_INTERVAL);
	snprintf(s->appname, sizeof(s->appname), "apitoken-%s-%.40s",
	         atok_pg_front_end(), program_invocation_short_name);
	if ((r = atok_pg_validate(
	         s, atok_config_key_name(key), conninfo,
	         atok_config_bool(cfg, ATOK_CFG_STORE_ALLOW_INSECURE_TRANSPORT),
	         err)) != 0) {
		pg_close((struct atok_store *)s);
		return r;
	}
	*sp = s;
	return 0;
}

int atok_store_pg_open(const struct atok_config *cfg, enum atok_store_mode mode,
                       struct atok_store **sp, struct atok_error *err)
{
	struct pg_store *s = NULL;
	PGresult *res = NULL;
	int64_t v = 0;
	int r;

	*sp = NULL;
	if ((r = pg_new(cfg, mode,
	                mode == ATOK_STORE_ADMIN ? ATOK_CFG_STORE_ADMIN_CONNINFO
	                                         : ATOK_CFG_STORE_CONNINFO,
	                &s, err)) != 0)
		return r;
	/* An admin open checks the schema now (it never runs DDL: that is
	 * `apitoken store migrate`); a verify open connects at the first
	 * lookup, which checks it with every row. */
	if (mode == ATOK_STORE_ADMIN) {
		r = atok_pg_exec(s, "SELECT version FROM apitoken.meta", 0,
		                 NULL, &res, err);
		if (r == ATOK_ERR_SCHEMA)
			r = schema_error(err);
		else if (r == 0 && (atok_pq.ntuples(res) != 1 ||
		                    get_i64(res, 0, 0, &v) != 0))
			r = atok_error_set(err, ATOK_ERR_SCHEMA,
			                   "PostgreSQL token store: no schema "
			                   "version in apitoken.meta");
		else if (r == 0 && v != atok_pg_schema_version())
			r = atok_error_set(
			    err, ATOK_ERR_SCHEMA,
			    "PostgreSQL token store has schema version %lld, "
			    "this apitoken needs %d: run `apitoken store "
			    "migrate`",
			    (long long)v, atok_pg_schema_version());
		atok_pq.clear(res);
		if (r != 0) {
			pg_close((struct atok_store *)s);
			return r;
		}
	}
	*sp = (struct atok_store *)s;
	return 0;
}

int atok_store_pg_migrate(const struct atok_config *cfg, int *from, int *to,
                          struct atok_error *err)
{
	struct pg_store *s = NULL;
	PGresult *res = NULL;
	enum atok_cfg_key key =
	    atok_config_str(cfg, ATOK_CFG_STORE_OWNER_CONNINFO) != NULL
	        ? ATOK_CFG_STORE_OWNER_CONNINFO
	        : ATOK_CFG_STORE_ADMIN_CONNINFO;
	int64_t v = 0;
	int r, exists;

	*from = *to = 0;
	if ((r = pg_new(cfg, ATOK_STORE_ADMIN, key, &s, err)) != 0 || s == NULL)
		return r != 0 ? r : ATOK_ERR_NOMEM;
	s->timeout_ms *= 10; /* DDL takes locks: a longer budget */
	if ((r = pg_simple(s, "BEGIN", err)) != 0)
		goto out;
	s->txn = 1;
	if ((r = pg_simple(s, "SET LOCAL ROLE apitoken_owner", err)) != 0 ||
	    (r = pg_simple(s, "SET LOCAL lock_timeout = '10s'", err)) != 0 ||
	    (r = atok_pg_exec(s,
	                      "SELECT to_regclass('apitoken.meta') IS NOT NULL",
	                      0, NULL, &res, err)) != 0)
		goto out;
	exists = strcmp(atok_pq.getvalue(res, 0, 0), "t") == 0;
	atok_pq.clear(res);
	res = NULL;
	if (exists) {
		if ((r = atok_pg_exec(
		         s, "SELECT version FROM apitoken.meta FOR UPDATE", 0,
		         NULL, &res, err)) != 0)
			goto out;
		if (atok_pq.ntuples(res) != 1 || get_i64(res, 0, 0, &v) != 0) {
			r = atok_error_set(err, ATOK_ERR_SCHEMA,
			                   "apitoken.meta holds no version");
			goto out;
		}
	}
	*from = *to = (int)v;
	if (v > atok_pg_schema_version()) {
		r = atok_error_set(err, ATOK_ERR_SCHEMA,
		                   "PostgreSQL token store has schema version "
		                   "%lld, newer than this apitoken (%d)",
		                   (long long)v, atok_pg_schema_version());
		goto out;
	}
	for (; v < atok_pg_schema_version(); v++) {
		if ((r = pg_simple(s, atok_pg_migration_sql((int)v), err)) != 0)
			goto out;
		if (v > 0) {
			char sql[64];

			snprintf(sql, sizeof(sql),
			         "UPDATE apitoken.meta SET version = %d",
			         (int)v + 1);
			if ((r = pg_simple(s, sql, err)) != 0)
				goto out;
		}
	}
	if ((r = pg_simple(s, "COMMIT", err)) != 0)
		goto out;
	s->txn = 0;
	*to = (int)v;
out:
	atok_pq.clear(res);
	if (r != 0)
		pg_rollback(s);
	pg_close((struct atok_store *)s);
	return r;
}

int atok_store_pg_describe(struct atok_store *base, char *buf, size_t n,
                           struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	PGresult *res = NULL;
	char at[160];
	int r, ver;

	if (!atok_store_is_pg(base))
		return atok_error_set(err, ATOK_ERR_INVALID, "not PostgreSQL");
	r = atok_pg_exec(
	    s,
	    "SELECT current_user, "
	    "split_part(current_setting('server_version'), ' ', 1), "
	    "pg_is_in_recovery(), "
	    "(SELECT schema_version FROM apitoken.lookup_token('')), "
	    "has_function_privilege("
	    "'apitoken.record_use(text,bigint,text)', 'EXECUTE'), "
	    "has_table_privilege('apitoken.tokens', 'SELECT'), "
	    "has_table_privilege('apitoken.tokens', 'INSERT'), "
	    "has_column_privilege('apitoken.tokens', 'revoked', "
	    "'UPDATE'), "
	    "has_table_privilege('apitoken.tokens', 'DELETE')",
	    0, NULL, &res, err);
	if (r != 0)
		return r == ATOK_ERR_SCHEMA ? schema_error(err) : r;
	atok_pg_where(s, at, sizeof(at));
	ver = (int)strtol(atok_pq.getvalue(res, 0, 3), NULL, 10);
#define YES(c) (strcmp(atok_pq.getvalue(res, 0, (c)), "t") == 0)
	snprintf(buf, n,
	         "postgresql %s (server %s%s), role %s, schema %d%s, may: "
	         "lookup%s%s%s%s%s",
	         at, atok_pq.getvalue(res, 0, 1), YES(2) ? ", STANDBY" : "",
	         atok_pq.getvalue(res, 0, 0), ver,
	         ver == atok_pg_schema_version() ? "" : " (MISMATCH)",
	         YES(4) ? " record-use" : "", YES(5) ? " select" : "",
	         YES(6) ? " insert" : "", YES(7) ? " revoke" : "",
	         YES(8) ? " DELETE" : "");
#undef YES
	atok_pq.clear(res);
	return 0;
}
