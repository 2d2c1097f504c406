/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_sqlite.c - the SQLite token store (the only file that talks SQL).
 *
 * WAL journal with a persistent -wal/-shm pair whose owner and mode follow
 * the database file, so a service user given read access (group apitoken,
 * mode 0640) can verify without write access.  Schema changes are numbered
 * migrations applied by admin opens only; a verify open refuses a schema it
 * does not know.
 */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

#define SCHEMA_VERSION 2

/* migrations[i] brings the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE tokens ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  user TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  scopes TEXT NOT NULL DEFAULT '',"
    "  hash BLOB NOT NULL CHECK (length(hash) = 32),"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  last_used INTEGER NOT NULL DEFAULT 0,"
    "  rotated_from TEXT NOT NULL DEFAULT ''"
    ") WITHOUT ROWID;"
    "CREATE INDEX tokens_user ON tokens (user, created);",
    /* 2: source-address limits, last use from where, rotation pairs;
     * tokens rotated under version 1 learn their successor. */
    "ALTER TABLE tokens ADD COLUMN allowed_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE tokens ADD COLUMN last_used_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE tokens ADD COLUMN rotated_to TEXT NOT NULL DEFAULT '';"
    "UPDATE tokens SET rotated_to = (SELECT n.id FROM tokens AS n WHERE "
    "  n.rotated_from = tokens.id ORDER BY n.created LIMIT 1) "
    "WHERE EXISTS (SELECT 1 FROM tokens AS n WHERE "
    "  n.rotated_from = tokens.id);",
};

#define COLUMNS                                                                \
	"id, user, name, scopes, hash, created, expires, revoked, last_used, " \
	"rotated_from, allowed_from, last_used_from, rotated_to"

struct sqlite_store {
	const struct atok_store_ops *ops; /* first: see store.c */
	sqlite3 *db;
	sqlite3_stmt *lookup;
	int writable;
	int busy_timeout_ms;
	int migrated_from, migrated_to; /* equal unless this open migrated */
	char path[PATH_MAX];
};

static int db_error(struct sqlite_store *s, struct atok_error *err,
                    const char *what)
{
	int code = sqlite3_errcode(s->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return atok_error_set(err, ATOK_ERR_BUSY,
		                      "token store %s: %s: locked longer than "
		                      "%d ms",
		                      s->path, what, s->busy_timeout_ms);
	return atok_error_set(err, ATOK_ERR_STORE, "token store %s: %s: %s",
	                      s->path, what, sqlite3_errmsg(s->db));
}

static int exec(struct sqlite_store *s, const char *sql, struct atok_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(s, err, "exec");
	return 0;
}

static int user_version(struct sqlite_store *s, int *v, struct atok_error *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		r = db_error(s, err, "reading schema version");
		goto out;
	}
	*v = sqlite3_column_int(st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

static int migrate(struct sqlite_store *s, struct atok_error *err)
{
	char sql[64];
	int v = 0, r;

	if ((r = exec(s, "BEGIN IMMEDIATE", err)) != 0)
		return r;
	if ((r = user_version(s, &v, err)) != 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		r = atok_error_set(
		    err, ATOK_ERR_SCHEMA,
		    "token store %s has schema version %d, newer "
		    "than this apitoken (%d)",
		    s->path, v, SCHEMA_VERSION);
		goto fail;
	}
	s->migrated_from = s->migrated_to = v;
	for (; v < SCHEMA_VERSION; v++) {
		if ((r = exec(s, migrations[v], err)) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((r = exec(s, sql, err)) != 0)
			goto fail;
	}
	if ((r = exec(s, "COMMIT", err)) != 0)
		return r;
	s->migrated_to = v;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* The -wal and -shm files follow the database's owner, group and mode, and
 * must be no more writable than it is. */
static int sync_sidecars(struct sqlite_store *s, int fix,
                         struct atok_error *err)
{
	static const char *const sfx[] = {"-wal", "-shm"};
	struct stat db, st;
	char p[PATH_MAX + 8];
	size_t i;

	if (stat(s->path, &db) != 0)
		return atok_error_set(err, ATOK_ERR_IO, "%s: %s", s->path,
		                      strerror(errno));
	for (i = 0; i < ATOK_ARRAY_SIZE(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", s->path, sfx[i]);
		if (lstat(p, &st) != 0)
			continue;
		if (!S_ISREG(st.st_mode))
			return atok_error_set(err, ATOK_ERR_PERM,
			                      "%s is not a regular file", p);
		if (fix) {
			if ((st.st_uid != db.st_uid ||
			     st.st_gid != db.st_gid) &&
			    chown(p, db.st_uid, db.st_gid) != 0)
				return atok_error_set(err, ATOK_ERR_IO,
				                      "chown %s: %s", p,
				                      strerror(errno));
			if ((st.st_mode & 07777) != (db.st_mode & 0660) &&
			    chmod(p, db.st_mode & 0660) != 0)
				return atok_error_set(err, ATOK_ERR_IO,
				                      "chmod %s: %s", p,
				                      strerror(errno));
			continue;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) ||
		    (st.st_uid != 0 && st.st_uid != geteuid()))
			return atok_error_set(err, ATOK_ERR_PERM,
			                      "%s is writable by others or "
			                      "owned by uid %u (mode %04o)",
			                      p, (unsigned)st.st_uid,
			                      (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

static int create_missing(const char *path, struct atok_error *err)
{
	char dirbuf[PATH_MAX];
	const char *dir;
	int fd;

	if (atok_strlcpy(dirbuf, path, strlen(path), sizeof(dirbuf)) != 0)
		return atok_error_set(err, ATOK_ERR_TOO_LONG, "path too long");
	dir = dirname(dirbuf);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return atok_error_set(err, ATOK_ERR_IO,
		                      "cannot create directory %s: %s", dir,
		                      strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0 && errno != EEXIST)
		return atok_error_set(err, ATOK_ERR_IO, "cannot create %s: %s",
		                      path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}

static void sq_close(struct atok_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	sqlite3_finalize(s->lookup);
	sqlite3_close_v2(s->db);
	free(s);
}

static int copy_text(sqlite3_stmt *st, int col, char *dst, size_t dstsz)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (t == NULL) {
		dst[0] = '\0';
		return 0;
	}
	return atok_strlcpy(dst, (const char *)t, (size_t)n, dstsz);
}

static int row_to_record(struct sqlite_store *s, sqlite3_stmt *st,
                         struct atok_token_record *rec, struct atok_error *err)
{
	const void *h;

	memset(rec, 0, sizeof(*rec));
	if (copy_text(st, 0, rec->id, sizeof(rec->id)) ||
	    copy_text(st, 1, rec->user, sizeof(rec->user)) ||
	    copy_text(st, 2, rec->name, sizeof(rec->name)) ||
	    copy_text(st, 3, rec->scopes, sizeof(rec->scopes)) ||
	    copy_text(st, 9, rec->rotated_from, sizeof(rec->rotated_from)) ||
	    copy_text(st, 10, rec->allowed_from, sizeof(rec->allowed_from)) ||
	    copy_text(st, 11, rec->last_used_from,
	              sizeof(rec->last_used_from)) ||
	    copy_text(st, 12, rec->rotated_to, sizeof(rec->rotated_to)))
		return atok_error_set(err, ATOK_ERR_STORE,
		                      "token store %s: oversized field",
		                      s->path);
	h = sqlite3_column_blob(st, 4);
	if (h == NULL || sqlite3_column_bytes(st, 4) != ATOK_HASH_LEN)
		return atok_error_set(err, ATOK_ERR_STORE,
		                      "token store %s: bad hash for %s",
		                      s->path, rec->id);
	memcpy(rec->hash, h, ATOK_HASH_LEN);
	rec->created = sqlite3_column_int64(st, 5);
	rec->expires = sqlite3_column_int64(st, 6);
	rec->revoked = sqlite3_column_int64(st, 7);
	rec->last_used = sqlite3_column_int64(st, 8);
	return 0;
}

static int sq_lookup(struct atok_store *base, const char *id,
                     struct atok_token_record *rec, struct atok_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int rc, r;

	if (s->lookup == NULL &&
	    sqlite3_prepare_v3(
	        s->db, "SELECT " COLUMNS " FROM tokens WHERE id = ?1", -1,
	        SQLITE_PREPARE_PERSISTENT, &s->lookup, NULL) != SQLITE_OK)
		return db_error(s, err, "prepare lookup");
	if (sqlite3_bind_text(s->lookup, 1, id, -1, SQLITE_STATIC) !=
	    SQLITE_OK) {
		r = db_error(s, err, "bind");
		goto out;
	}
	rc = sqlite3_step(s->lookup);
	if (rc == SQLITE_DONE)
		r = atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s", id);
	else if (rc == SQLITE_ROW)
		r = row_to_record(s, s->lookup, rec, err);
	else
		r = db_error(s, err, "lookup");
out:
	sqlite3_reset(s->lookup);
	sqlite3_clear_bindings(s->lookup);
	return r;
}

static int insert_stmt(struct sqlite_store *s,
                       const struct atok_token_record *rec,
                       struct atok_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if (sqlite3_prepare_v2(s->db,
	                       "INSERT INTO tokens (" COLUMNS
	                       ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
	                       "?11,?12,?13)",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_error(s, err, "prepare insert");
	sqlite3_bind_text(st, 1, rec->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rec->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rec->scopes, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, rec->hash, ATOK_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, rec->created);
	sqlite3_bind_int64(st, 7, rec->expires);
	sqlite3_bind_int64(st, 8, rec->revoked);
	sqlite3_bind_int64(st, 9, rec->last_used);
	sqlite3_bind_text(st, 10, rec->rotated_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, rec->allowed_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, rec->last_used_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, rec->rotated_to, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_CONSTRAINT)
		r = atok_error_set(err, ATOK_ERR_EXISTS,
		                   "token id %s already exists", rec->id);
	else
		r = db_error(s, err, "insert");
	sqlite3_finalize(st);
	return r;
}

static int sq_insert(struct atok_store *base,
                     const struct atok_token_record *rec,
                     struct atok_error *err)
{
	return insert_stmt((struct sqlite_store *)base, rec, err);
}

static int sq_list(struct atok_store *base, const char *user,
                   atok_store_list_cb cb, void *arg, struct atok_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct atok_token_record rec;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if (sqlite3_prepare_v2(s->db,
	                       user != NULL ? "SELECT " COLUMNS
	                                      " FROM tokens WHERE "
	                                      "user = ?1 ORDER BY created, id"
	                                    : "SELECT " COLUMNS " FROM tokens "
	                                      "ORDER BY created, id",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_error(s, err, "prepare list");
	if (user != NULL)
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = row_to_record(s, st, &rec, err)) != 0)
			goto out;
		if ((r = cb(arg, &rec)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = db_error(s, err, "list");
out:
	sqlite3_finalize(st);
	return r;
}

/* Revokes id inside the caller's transaction. */
static int revoke_stmt(struct sqlite_store *s, const char *id, int64_t now,
                       struct atok_error *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(s->db,
	                       "UPDATE tokens SET revoked = ?2 WHERE id = ?1 "
	                       "AND revoked = 0",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_error(s, err, "prepare revoke");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, err, "revoke");
	sqlite3_finalize(st);
	return r;
}

static int sq_revoke(struct atok_store *base, const char *id, int64_t now,
                     struct atok_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct atok_token_record rec;
	int r;

	if ((r = exec(s, "BEGIN IMMEDIATE", err)) != 0)
		return r;
	if ((r = sq_lookup(base, id, &rec, err)) != 0 ||
	    (r = revoke_stmt(s, id, now, err)) != 0)
		goto fail;
	return exec(s, "COMMIT", err);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Marks old_id rotated to new_id inside the caller's transaction: revoked
 * at now when until is 0, else expiring at until (never later). */
static int rotate_stmt(struct sqlite_store *s, const char *old_id,
                       const char *new_id, int64_t now, int64_t until,
                       struct atok_error *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(
	        s->db,
	        until == 0
	            ? "UPDATE tokens SET rotated_to = ?2, revoked = ?3 "
	              "WHERE id = ?1"
	            : "UPDATE tokens SET rotated_to = ?2, expires = CASE "
	              "WHEN expires = 0 OR expires > ?3 THEN ?3 ELSE expires "
	              "END WHERE id = ?1",
	        -1, &st, NULL) != SQLITE_OK)
		return db_error(s, err, "prepare rotate");
	sqlite3_bind_text(st, 1, old_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, new_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, until == 0 ? now : until);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, err, "rotate");
	sqlite3_finalize(st);
	return r;
}

static int sq_replace(struct atok_store *base, const char *old_id,
                      const struct atok_token_record *new_rec, int64_t now,
                      int64_t until, struct atok_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct atok_token_record old = {0};
	int r;

	if ((r = exec(s, "BEGIN IMMEDIATE", err)) != 0)
		return r;
	if ((r = sq_lookup(base, old_id, &old, err)) != 0)
		goto fail;
	if (old.revoked != 0) {
		r = atok_error_set(err, ATOK_ERR_INVALID,
		                   "token %s is revoked; issue a new one",
		                   old_id);
		goto fail;
	}
	if (old.rotated_to[0] != '\0') {
		r = atok_error_set(err, ATOK_ERR_INVALID,
		                   "token %s was already rotated to %s; rotate "
		                   "that one",
		                   old_id, old.rotated_to);
		goto fail;
	}
	if ((r = insert_stmt(s, new_rec, err)) != 0 ||
	    (r = rotate_stmt(s, old_id, new_rec->id, now, until, err)) != 0)
		goto fail;
	return exec(s, "COMMIT", err);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int sq_touch(struct atok_store *base, const char *id, int64_t now,
                    const char *from, struct atok_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	int r;

	if (!s->writable)
		return 0;
	/* Never make a login wait on a writer for bookkeeping. */
	sqlite3_busy_timeout(s->db, 0);
	if (sqlite3_prepare_v2(s->db,
	                       "UPDATE tokens SET last_used = ?2, "
	                       "last_used_from = ?3 WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK) {
		r = db_error(s, err, "prepare touch");
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, from != NULL ? from : "", -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(s, err, "touch");
out:
	sqlite3_finalize(st);
	sqlite3_busy_timeout(s->db, s->busy_timeout_ms);
	return r;
}

static int sq_writable(const struct atok_store *base)
{
	return ((const struct sqlite_store *)base)->writable;
}

static int sq_info(struct atok_store *base, int *version, long long *n,
                   struct atok_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = user_version(s, version, err)) != 0)
		return r;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM tokens", -1, &st,
	                       NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		r = db_error(s, err, "count");
		goto out;
	}
	*n = sqlite3_column_int64(st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

static int sq_migrated(const struct atok_store *base, int *from, int *to)
{
	const struct sqlite_store *s = (const struct sqlite_store *)base;

	if (s->migrated_from == s->migrated_to)
		return 0;
	*from = s->migrated_from;
	*to = s->migrated_to;
	return 1;
}

static const struct atok_store_ops sqlite_ops = {
    .name = "sqlite",
    .lookup = sq_lookup,
    .insert = sq_insert,
    .list = sq_list,
    .revoke = sq_revoke,
    .replace = sq_replace,
    .touch = sq_touch,
    .info = sq_info,
    .writable = sq_writable,
    .close = sq_close,
    .migrated = sq_migrated,
};

int atok_store_sqlite_open(const char *path, enum atok_store_mode mode,
                           int busy_timeout_ms, struct atok_store **sp,
                           struct atok_error *err)
{
	struct sqlite_store *s = NULL;
	/* NOMUTEX: a store, like the verifier that owns it, is used by one
	 * thread at a time, so the connection needs no mutex of its own;
	 * SQLite's core mutexes (a THREADSAFE build) still guard what
	 * connections share in the process. */
	int flags = SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;
	int one = 1, v = 0, r;

	*sp = NULL;
	if (path == NULL || strlen(path) >= PATH_MAX)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] path is missing or too long");
	/* create_missing() gives explicit private modes (0700, 0600); no
	 * umask() here: it is process-wide, and other threads create files. */
	if (mode == ATOK_STORE_ADMIN && access(path, F_OK) != 0 &&
	    (r = create_missing(path, err)) != 0)
		return r;
	if ((r = atok_check_path_safe(path, "token store", err)) != 0)
		return r;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	s->ops = &sqlite_ops;
	s->busy_timeout_ms = busy_timeout_ms;
	memcpy(s->path, path, strlen(path) + 1); /* fits: checked above */
	if ((r = sync_sidecars(s, 0, err)) != 0)
		goto fail;

	s->writable = mode == ATOK_STORE_ADMIN || access(path, W_OK) == 0;
	flags |= s->writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		r = atok_error_set(
		    err, ATOK_ERR_STORE, "cannot open token store %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	sqlite3_extended_result_codes(s->db, 0);
	if (s->writable)
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL,
		                     &one);
	if (mode == ATOK_STORE_ADMIN) {
		if ((r = exec(s, "PRAGMA journal_mode = WAL", err)) != 0 ||
		    (r = exec(s, "PRAGMA synchronous = FULL", err)) != 0 ||
		    (r = migrate(s, err)) != 0 ||
		    (r = sync_sidecars(s, 1, err)) != 0)
			goto fail;
	} else {
		/* A verify connection only ever writes last_used: it leaves
		 * checkpoints to admin connections (no fsync of the whole WAL
		 * when each sshd child exits) and need not fsync its own
		 * bookkeeping.  Revocations are written with synchronous=FULL
		 * by admin connections. */
		if (s->writable) {
			sqlite3_db_config(
			    s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
			(void)exec(s, "PRAGMA synchronous = NORMAL", err);
		}
		if ((r = user_version(s, &v, err)) != 0)
			goto fail;
		if (v != SCHEMA_VERSION) {
			r = atok_error_set(
			    err, ATOK_ERR_SCHEMA,
			    "token store %s has schema version %d, this "
			    "apitoken needs %d: run `apitoken list` as the "
			    "store's owner to migrate",
			    path, v, SCHEMA_VERSION);
			goto fail;
		}
	}
	*sp = (struct atok_store *)s;
	return 0;
fail:
	sq_close((struct atok_store *)s);
	return r;
}
