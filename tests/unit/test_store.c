/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/store.c and common/store_sqlite.c. */
#include "ac_config.h"

#include <sqlite3.h>

#include "config.h"
#include "fixture.h"
#include "local.h"
#include "store.h"
#include "tap.h"

static struct atok_config *cfg_for(const char *path)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_error err;

	atok_config_set(cfg, "store", "path", path, &err);
	return cfg;
}

static struct atok_token_record rec_make(const char *id, const char *user,
                                         int64_t created)
{
	struct atok_token_record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.id, id);
	strcpy(r.user, user);
	strcpy(r.scopes, "ssh");
	memset(r.hash, 0x42, sizeof(r.hash));
	r.created = created;
	r.expires = created + 100;
	return r;
}

static int count_cb(void *arg, const struct atok_token_record *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int stop_cb(void *arg, const struct atok_token_record *r)
{
	(void)arg;
	(void)r;
	return 7;
}

static void set_user_version(const char *path, int v)
{
	sqlite3 *db;
	char sql[64];

	sqlite3_open(path, &db);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

/* Schema 2: allow-lists round trip, rotation with a grace period. */
static void test_lifecycle(struct atok_store *s)
{
	struct atok_token_record f = rec_make("FFFFFFFFFFFF", "frank", 5000);
	struct atok_token_record g = rec_make("GGGGGGGGGGGG", "frank", 5100);
	struct atok_token_record h = rec_make("HHHHHHHHHHHH", "frank", 5200);
	struct atok_token_record got;
	struct atok_error err = {0};

	strcpy(f.allowed_from, "127.0.0.0/8,2001:db8::/32");
	f.expires = 9000;
	T_EQ_INT(atok_store_insert(s, &f, &err), 0, "insert a limited token");
	T_EQ_INT(atok_store_lookup(s, "FFFFFFFFFFFF", &got, &err), 0,
	         "lookup it");
	T_EQ_STR(got.allowed_from, "127.0.0.0/8,2001:db8::/32",
	         "allow-list kept");
	T_EQ_STR(got.last_used_from, "", "never used from anywhere");
	T_EQ_STR(got.rotated_to, "", "not rotated");

	/* Grace: the old one stays unrevoked, expiring at until. */
	strcpy(g.rotated_from, "FFFFFFFFFFFF");
	T_EQ_INT(
	    atok_store_replace(s, "FFFFFFFFFFFF", &g, 5100, 5100 + 600, &err),
	    0, "replace with a grace period (%s)", err.msg);
	atok_store_lookup(s, "FFFFFFFFFFFF", &got, &err);
	T_EQ_INT(got.revoked, 0, "grace: old token not revoked");
	T_EQ_INT(got.expires, 5700, "grace: old token expires at its end");
	T_EQ_STR(got.rotated_to, "GGGGGGGGGGGG", "grace: names its successor");
	T_EQ_INT(atok_store_replace(s, "FFFFFFFFFFFF", &h, 5200, 0, &err),
	         ATOK_ERR_INVALID, "a rotated token is not rotated again");
	T_EQ_INT(atok_store_lookup(s, "HHHHHHHHHHHH", &got, &err),
	         ATOK_ERR_NOT_FOUND, "and nothing was inserted");
	/* until never lengthens a lifetime. */
	strcpy(h.rotated_from, "GGGGGGGGGGGG");
	T_EQ_INT(atok_store_replace(s, "GGGGGGGGGGGG", &h, 5200, 99999, &err),
	         0, "replace with a grace past the expiry");
	atok_store_lookup(s, "GGGGGGGGGGGG", &got, &err);
	T_EQ_INT(got.expires, 5200, "expiry kept: never lengthened");
	T_EQ_INT(atok_store_replace(s, "ZZZZZZZZZZZZ", &h, 5200, 0, &err),
	         ATOK_ERR_NOT_FOUND, "replace of an unknown token");
}

/* A store written by schema 1 (before source-address limits and
 * rotation with a grace period) keeps its tokens, and a
 * token rotated then learns its successor. */
static void test_migrate_v1(const char *dir)
{
	struct atok_config *cfg;
	struct atok_store *s = NULL;
	struct atok_token_record got;
	struct atok_error err = {0};
	char path[600];
	sqlite3 *db;
	int v = 0;
	long long n = 0;

	snprintf(path, sizeof(path), "%s/db/v1.db", dir);
	sqlite3_open(path, &db);
	sqlite3_exec(
	    db,
	    "CREATE TABLE tokens (id TEXT PRIMARY KEY NOT NULL, user TEXT NOT "
	    "NULL, name TEXT NOT NULL DEFAULT '', scopes TEXT NOT NULL "
	    "DEFAULT '', hash BLOB NOT NULL CHECK (length(hash) = 32), "
	    "created INTEGER NOT NULL, expires INTEGER NOT NULL DEFAULT 0, "
	    "revoked INTEGER NOT NULL DEFAULT 0, last_used INTEGER NOT NULL "
	    "DEFAULT 0, rotated_from TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
	    "CREATE INDEX tokens_user ON tokens (user, created);"
	    "INSERT INTO tokens VALUES ('OLDOLDOLDOLD', 'alice', 'n', 'ssh', "
	    "zeroblob(32), 100, 0, 200, 150, '');"
	    "INSERT INTO tokens VALUES ('NEWNEWNEWNEW', 'alice', 'n', 'ssh', "
	    "zeroblob(32), 200, 0, 0, 0, 'OLDOLDOLDOLD');"
	    "PRAGMA user_version = 1;",
	    NULL, NULL, NULL);
	sqlite3_close(db);
	chmod(path, 0600);
	cfg = cfg_for(path);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &s, &err),
	         ATOK_ERR_SCHEMA, "schema 1 refused for verify (%s)", err.msg);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err), 0,
	         "admin open migrates 1 -> 2 (%s)", err.msg);
	atok_store_info(s, &v, &n, &err);
	T_OK(v == 2 && n == 2, "schema 2, both tokens kept (%d, %lld)", v, n);
	T_EQ_INT(atok_store_lookup(s, "OLDOLDOLDOLD", &got, &err), 0,
	         "old token readable");
	T_OK(got.revoked == 200 && got.last_used == 150 &&
	         strcmp(got.user, "alice") == 0,
	     "old fields kept");
	T_EQ_STR(got.rotated_to, "NEWNEWNEWNEW",
	         "a token rotated under schema 1 learns its successor");
	T_EQ_STR(got.allowed_from, "", "no limits on migrated tokens");
	T_EQ_STR(got.last_used_from, "", "no last address");
	atok_store_lookup(s, "NEWNEWNEWNEW", &got, &err);
	T_EQ_STR(got.rotated_to, "", "its successor is not rotated");
	T_EQ_STR(got.rotated_from, "OLDOLDOLDOLD", "rotated_from kept");
	atok_store_close(&s);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &s, &err), 0,
	         "verify open after the migration (%s)", err.msg);
	atok_store_close(&s);
	atok_config_free(&cfg);
}

int main(void)
{
	char path[600], sub[700];
	struct atok_config *cfg;
	struct atok_store *s = NULL, *ro = NULL;
	struct atok_error err = {0};
	struct atok_token_record a = rec_make("AAAAAAAAAAAA", "alice", 1000);
	struct atok_token_record b = rec_make("BBBBBBBBBBBB", "bob", 1001);
	struct atok_token_record c = rec_make("CCCCCCCCCCCC", "alice", 1002);
	struct atok_token_record got;
	struct stat st = {0};
	long long n = 0;
	int v = 0, cnt;

	fx_tmpdir();
	snprintf(path, sizeof(path), "%s/db/tokens.db", fx_dir);
	cfg = cfg_for(path);

	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &s, &err),
	         ATOK_ERR_NOT_FOUND, "read open of a missing store (%s)",
	         err.msg);
	T_OK(s == NULL, "no store on failure");
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err), 0,
	         "admin open creates (%s)", err.msg);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	     "store file is 0600 (%04o)", (unsigned)(st.st_mode & 0777));
	snprintf(sub, sizeof(sub), "%s/db", fx_dir);
	T_OK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700,
	     "store dir is 0700 (%04o)", (unsigned)(st.st_mode & 0777));
	T_OK(atok_store_writable(s), "admin store writable");
	T_EQ_INT(atok_store_info(s, &v, &n, &err), 0, "info");
	T_EQ_INT(v, 2, "schema version 2");
	T_EQ_INT(n, 0, "empty store");

	T_EQ_INT(atok_store_insert(s, &a, &err), 0, "insert a");
	T_EQ_INT(atok_store_insert(s, &b, &err), 0, "insert b");
	T_EQ_INT(atok_store_insert(s, &c, &err), 0, "insert c");
	T_EQ_INT(atok_store_insert(s, &a, &err), ATOK_ERR_EXISTS,
	         "duplicate id refused");
	T_EQ_INT(atok_store_lookup(s, "AAAAAAAAAAAA", &got, &err), 0, "lookup");
	T_EQ_STR(got.user, "alice", "lookup user");
	T_EQ_STR(got.scopes, "ssh", "lookup scopes");
	T_EQ_INT(got.expires, 1100, "lookup expires");
	T_OK(memcmp(got.hash, a.hash, 32) == 0, "lookup hash");
	T_EQ_INT(atok_store_lookup(s, "ZZZZZZZZZZZZ", &got, &err),
	         ATOK_ERR_NOT_FOUND, "lookup unknown");
	cnt = 0;
	T_EQ_INT(atok_store_list(s, NULL, count_cb, &cnt, &err), 0, "list all");
	T_EQ_INT(cnt, 3, "three tokens");
	cnt = 0;
	atok_store_list(s, "alice", count_cb, &cnt, &err);
	T_EQ_INT(cnt, 2, "two of alice");
	T_EQ_INT(atok_store_list(s, NULL, stop_cb, NULL, &err), 7,
	         "callback stops the walk");

	T_EQ_INT(atok_store_revoke(s, "BBBBBBBBBBBB", 2000, &err), 0, "revoke");
	T_EQ_INT(atok_store_revoke(s, "BBBBBBBBBBBB", 3000, &err), 0,
	         "revoke again");
	atok_store_lookup(s, "BBBBBBBBBBBB", &got, &err);
	T_EQ_INT(got.revoked, 2000, "first revocation time kept");
	T_EQ_INT(atok_store_revoke(s, "ZZZZZZZZZZZZ", 1, &err),
	         ATOK_ERR_NOT_FOUND, "revoke unknown");

	{
		struct atok_token_record d =
		    rec_make("DDDDDDDDDDDD", "alice", 1500);
		T_EQ_INT(
		    atok_store_replace(s, "AAAAAAAAAAAA", &d, 1500, 0, &err), 0,
		    "replace");
		atok_store_lookup(s, "AAAAAAAAAAAA", &got, &err);
		T_EQ_INT(got.revoked, 1500, "replaced token revoked");
		T_EQ_STR(got.rotated_to, "DDDDDDDDDDDD",
		         "replaced token names its successor");
		T_EQ_INT(atok_store_lookup(s, "DDDDDDDDDDDD", &got, &err), 0,
		         "new token present");
		d = rec_make("EEEEEEEEEEEE", "bob", 1600);
		T_OK(atok_store_replace(s, "BBBBBBBBBBBB", &d, 1600, 0, &err) !=
		         0,
		     "replacing a revoked token refused");
		T_EQ_INT(atok_store_lookup(s, "EEEEEEEEEEEE", &got, &err),
		         ATOK_ERR_NOT_FOUND,
		         "failed replace rolled back the insert");
		d = rec_make("CCCCCCCCCCCC", "bob", 1600);
		T_EQ_INT(
		    atok_store_replace(s, "DDDDDDDDDDDD", &d, 1600, 0, &err),
		    ATOK_ERR_EXISTS, "replace with a taken id");
		atok_store_lookup(s, "DDDDDDDDDDDD", &got, &err);
		T_EQ_INT(got.revoked, 0,
		         "failed replace left the old token active");
	}
	T_EQ_INT(atok_store_touch(s, "CCCCCCCCCCCC", 4242, "192.0.2.7", &err),
	         0, "touch");
	atok_store_lookup(s, "CCCCCCCCCCCC", &got, &err);
	T_EQ_INT(got.last_used, 4242, "touch recorded");
	T_EQ_STR(got.last_used_from, "192.0.2.7", "touch recorded from where");
	T_EQ_INT(atok_store_touch(s, "CCCCCCCCCCCC", 4300, NULL, &err), 0,
	         "touch from nowhere known");
	atok_store_lookup(s, "CCCCCCCCCCCC", &got, &err);
	T_EQ_STR(got.last_used_from, "", "an unknown address clears it");

	test_lifecycle(s);

	/* The secret never reaches the store: only the hash. */
	T_OK(stat(path, &st) == 0, "store exists");
	atok_store_close(&s);
	T_OK(s == NULL, "close clears the pointer");
	atok_store_close(NULL);

	/* Verify-mode open: read-only when not writable. */
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &ro, &err), 0,
	         "read open (%s)", err.msg);
	T_EQ_INT(atok_store_lookup(ro, "CCCCCCCCCCCC", &got, &err), 0,
	         "read lookup");
	atok_store_close(&ro);

	/* Unsafe permissions are refused. */
	chmod(path, 0660);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &ro, &err),
	         ATOK_ERR_PERM, "group-writable store refused (%s)", err.msg);
	chmod(path, 0600);
	snprintf(sub, sizeof(sub), "%s-wal", path);
	if (stat(sub, &st) == 0) {
		chmod(sub, 0666);
		T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &ro, &err),
		         ATOK_ERR_PERM, "world-writable -wal refused (%s)",
		         err.msg);
		chmod(sub, 0600);
	} else {
		T_OK(0, "persistent -wal file exists");
	}
	snprintf(sub, sizeof(sub), "%s/db", fx_dir);
	chmod(sub, 0770);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &ro, &err),
	         ATOK_ERR_PERM, "group-writable store dir refused (%s)",
	         err.msg);
	chmod(sub, 0700);

	/* Schema versions: a verify open refuses what it does not know; an
	 * admin open refuses a newer schema. */
	set_user_version(path, 3);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &ro, &err),
	         ATOK_ERR_SCHEMA, "newer schema refused for verify (%s)",
	         err.msg);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_ADMIN, &ro, &err),
	         ATOK_ERR_SCHEMA, "newer schema refused for admin (%s)",
	         err.msg);
	atok_config_free(&cfg);

	/* An old (version 0) database is migrated by an admin open only. */
	snprintf(path, sizeof(path), "%s/db/old.db", fx_dir);
	{
		sqlite3 *db;
		sqlite3_open(path, &db);
		sqlite3_exec(db, "CREATE TABLE unrelated(x)", NULL, NULL, NULL);
		sqlite3_close(db);
		chmod(path, 0600);
	}
	cfg = cfg_for(path);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_READ, &ro, &err),
	         ATOK_ERR_SCHEMA, "version 0 refused for verify (%s)", err.msg);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err), 0,
	         "admin open migrates (%s)", err.msg);
	atok_store_info(s, &v, &n, &err);
	T_EQ_INT(v, 2, "migrated to version 2");
	{
		int from = -1, to = -1;
		T_OK(atok_store_migrated(s, &from, &to) == 1 && from == 0 &&
		         to == 2,
		     "the open says it migrated 0 -> 2 (%d -> %d)", from, to);
	}
	atok_store_close(&s);
	T_EQ_INT(atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err), 0,
	         "admin open again");
	T_EQ_INT(atok_store_migrated(s, &v, &v), 0, "no migration this time");
	atok_store_close(&s);
	atok_config_free(&cfg);

	test_migrate_v1(fx_dir);

	/* Unknown backend. */
	cfg = atok_config_new();
	T_OK(atok_config_set(cfg, "store", "backend", "ldap", &err) != 0,
	     "unknown backend refused by the config");
	atok_config_free(&cfg);
	return t_done();
}
