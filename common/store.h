/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store.h - the local token store behind a small interface.
 *
 * SQLite (store_sqlite.c, the only file that talks SQL) is the default
 * backend; a networked one can follow by filling struct atok_store_ops.
 * Records hold a hash of the secret, never the token.
 */
#ifndef ATOK_STORE_H
#define ATOK_STORE_H

#include <stdint.h>

#include "atok.h"
#include "errors.h"

#define ATOK_HASH_LEN 32 /* SHA-256 */

struct atok_token_record {
	char id[ATOK_TOKEN_ID_MAX + 1];
	char user[ATOK_USER_MAX + 1];
	char name[ATOK_NAME_MAX + 1];
	char scopes[ATOK_SCOPES_MAX + 1]; /* space-separated, validated */
	unsigned char hash[ATOK_HASH_LEN];
	int64_t created;
	int64_t expires;   /* 0 = never */
	int64_t revoked;   /* 0 = not revoked, else when */
	int64_t last_used; /* 0 = never used */
	char rotated_from[ATOK_TOKEN_ID_MAX + 1]; /* "" unless rotated */
	/* Schema 2 (source-address limits, rotation with a grace period).
	 * A backend stores each as written here and gives "" for rows older
	 * than the column. */
	/* Networks it may be used from, in the canonical form of
	 * atok_cidr_list_format() ("10.0.0.0/8,2001:db8::/32"); "" =
	 * anywhere.  Checked at every use, so a row that no longer parses
	 * refuses the token. */
	char allowed_from[ATOK_FROM_MAX + 1];
	/* The remote address of the last recorded use (written by touch with
	 * last_used, under the same throttle); "" = unknown or never. */
	char last_used_from[ATOK_ADDR_MAX + 1];
	/* The successor's id once rotated, else "".  A token rotated with a
	 * grace period keeps revoked = 0 and has expires cut to the end of
	 * the grace period; past it the token is refused naming this id. */
	char rotated_to[ATOK_TOKEN_ID_MAX + 1];
};

enum atok_store_mode {
	ATOK_STORE_READ = 0,  /* verify: read-write if permitted, else read */
	ATOK_STORE_ADMIN = 1, /* admin: create if missing, migrate schema */
};

struct atok_config;
struct atok_store;

/* Called once per record by atok_store_list(); non-zero stops the walk and
 * is returned by atok_store_list(). */
typedef int (*atok_store_list_cb)(void *arg,
                                  const struct atok_token_record *rec);

/*
 * Opens the store named by cfg ([store] path).  Refuses unsafe permissions
 * (ATOK_ERR_PERM).  ADMIN mode creates the file (mode 0600) and its
 * directory (0700) when missing and migrates the schema; READ mode never
 * creates or migrates, and fails with ATOK_ERR_SCHEMA on a version mismatch.
 */
int atok_store_open(const struct atok_config *cfg, enum atok_store_mode mode,
                    struct atok_store **sp, struct atok_error *err);

/* Closes *sp (NULL fine) and sets it to NULL. */
void atok_store_close(struct atok_store **sp);

/* Fills *rec for id; ATOK_ERR_NOT_FOUND when there is none. */
int atok_store_lookup(struct atok_store *s, const char *id,
                      struct atok_token_record *rec, struct atok_error *err);

/* Inserts rec; ATOK_ERR_EXISTS when the id is taken. */
int atok_store_insert(struct atok_store *s, const struct atok_token_record *rec,
                      struct atok_error *err);

/* Walks records (of user, or all when user is NULL), oldest first. */
int atok_store_list(struct atok_store *s, const char *user,
                    atok_store_list_cb cb, void *arg, struct atok_error *err);

/* Marks id revoked at now; ATOK_ERR_NOT_FOUND when there is none.  Revoking
 * a revoked token keeps the first time and succeeds. */
int atok_store_revoke(struct atok_store *s, const char *id, int64_t now,
                      struct atok_error *err);

/*
 * Rotation, in one transaction: inserts new_rec and sets old_id's
 * rotated_to to new_rec->id; then, when until is 0, revokes old_id at now
 * (no grace); else sets old_id's expires to until (the caller passes the
 * earlier of its expiry and the end of the grace period; a backend never
 * lengthens a lifetime: until later than a non-zero expires keeps expires).
 * Refuses (ATOK_ERR_INVALID) an old token that is revoked or already
 * rotated; ATOK_ERR_NOT_FOUND when there is none.
 */
int atok_store_replace(struct atok_store *s, const char *old_id,
                       const struct atok_token_record *new_rec, int64_t now,
                       int64_t until, struct atok_error *err);

/*
 * Records a use of id at now from the remote address `from` (NULL or ""
 * stores ""): last_used and last_used_from together.  Best effort: a
 * read-only store is fine.  The caller throttles (atok_local_verify).
 */
int atok_store_touch(struct atok_store *s, const char *id, int64_t now,
                     const char *from, struct atok_error *err);

/* Whether this store was opened writable. */
int atok_store_writable(const struct atok_store *s);

/* The schema version the store has, and how many tokens it holds. */
int atok_store_info(struct atok_store *s, int *schema_version,
                    long long *n_tokens, struct atok_error *err);

/*
 * Whether this (admin) open migrated the schema: 1 with *from and *to set,
 * for the audit line; 0 when it did not (or the backend cannot tell).
 */
int atok_store_migrated(const struct atok_store *s, int *from, int *to);

/* The interface a backend fills in. */
struct atok_store_ops {
	const char *name;
	int (*lookup)(struct atok_store *, const char *,
	              struct atok_token_record *, struct atok_error *);
	int (*insert)(struct atok_store *, const struct atok_token_record *,
	              struct atok_error *);
	int (*list)(struct atok_store *, const char *, atok_store_list_cb,
	            void *, struct atok_error *);
	int (*revoke)(struct atok_store *, const char *, int64_t,
	              struct atok_error *);
	int (*replace)(struct atok_store *, const char *,
	               const struct atok_token_record *, int64_t, int64_t,
	               struct atok_error *);
	int (*touch)(struct atok_store *, const char *, int64_t, const char *,
	             struct atok_error *);
	int (*info)(struct atok_store *, int *, long long *,
	            struct atok_error *);
	int (*writable)(const struct atok_store *);
	void (*close)(struct atok_store *);
	/* optional (NULL: never migrated) */
	int (*migrated)(const struct atok_store *, int *, int *);
};

/* Each backend's constructor. */
int atok_store_sqlite_open(const char *path, enum atok_store_mode mode,
                           int busy_timeout_ms, struct atok_store **sp,
                           struct atok_error *err);

#endif /* ATOK_STORE_H */
