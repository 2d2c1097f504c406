/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * account.h - named OAuth client accounts ([account:NAME]): their state
 * files and the refresh that many processes share.
 *
 * The state of an account (access token, expiry, refresh token,
 * generation, last error, next attempt) is one JSON file, NAME.state, in
 * [client] store: a private directory (no group or world bits) owned by
 * the consuming user; the file is 0600, never a symlink, another owner's
 * or over ATOK_ACCOUNT_STATE_MAX bytes.  Client secrets are never in it.
 *
 * A cached access token is used without a lock until refresh_margin
 * before its expiry.  A refresh takes an exclusive lock on NAME.lock,
 * re-reads the state (a peer may have refreshed), asks the token
 * endpoint, then writes the new state to a temporary file, fsyncs it,
 * renames it over the old one and fsyncs the directory before the new
 * token is handed out: a rotated refresh token is never lost.
 */
#ifndef ATOK_ACCOUNT_H
#define ATOK_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "atok.h"
#include "errors.h"
#include "oauth_client.h"

#define ATOK_ACCOUNT_STATE_MAX       (48 * 1024) /* bytes of a state file */
#define ATOK_ACCOUNT_LOG_INTERVAL    900  /* s between re-authorization lines */
#define ATOK_ACCOUNT_BACKOFF_MIN     30   /* s after the first failure */
#define ATOK_ACCOUNT_BACKOFF_MAX     900  /* s, the longest back-off */
#define ATOK_ACCOUNT_RETRY_AFTER_MAX 3600 /* s of Retry-After we honour */

struct atok_config;
struct atok_account;

enum atok_account_health {
	ATOK_ACCOUNT_HEALTHY = 0,
	ATOK_ACCOUNT_REAUTH = 1,  /* log in again: apitoken oauth login NAME */
	ATOK_ACCOUNT_TROUBLE = 2, /* temporary: backing off, or no state */
};

/* The state file's contents.  Tokens are wiped by ..._clear(). */
struct atok_account_state {
	char *access_token; /* NULL: none */
	size_t access_len;
	int64_t expires_at, refreshed_at;
	char *refresh_token; /* NULL: none */
	size_t refresh_len;
	uint64_t generation;
	int reauth;
	char error[ATOK_REASON_MAX];               /* last failure, or "" */
	char error_code[ATOK_OAUTH_ERROR_MAX + 1]; /* the server's, or "" */
	int64_t error_at, next_attempt, logged_at;
	unsigned failures;
};

void atok_account_state_clear(struct atok_account_state *st);

/* What one call did, for the front end's one log line. */
struct atok_account_event {
	const char *event; /* "cached", "refreshed", "peer-refreshed",
	                      "reauth-required", "backoff", "refresh-failed",
	                      "stale", "saved", "revoked" */
	enum atok_account_health health;
	int log; /* 0: nothing worth a line (rate-limited) */
	char error[ATOK_OAUTH_ERROR_MAX + 1]; /* the server's code, or "" */
	char detail[ATOK_REASON_MAX];         /* never a token */
	uint64_t generation;
};

/*
 * Opens account name of cfg: checks its keys (provider presets filled
 * in), reads the client secret or key and the CA bundle (so it works
 * after a chroot), notes the [client] chroot.  No network, no state file
 * read.  Returns 0 with *out, or ATOK_ERR_CONFIG / ATOK_ERR_PERM /
 * ATOK_ERR_NOMEM with err.
 */
int atok_account_open(const struct atok_config *cfg, const char *name,
                      struct atok_account **out, struct atok_error *err);

void atok_account_free(struct atok_account **ap);

const char *atok_account_name(const struct atok_account *a);
/* The mail user name ([account:NAME] user), or NULL. */
const char *atok_account_user(const struct atok_account *a);
const char *atok_account_scope(const struct atok_account *a);
const char *atok_account_resource(const struct atok_account *a);
int atok_account_is_client_credentials(const struct atok_account *a);
struct atok_oauth_client *atok_account_client(struct atok_account *a);
/* What the provider wants added to an authorization request (Google:
 * "&access_type=offline&prompt=consent" for a refresh token), or NULL. */
const char *atok_account_authorize_extra(const struct atok_account *a);

/* Flags of atok_account_token(). */
#define ATOK_ACCOUNT_FORCE                                                     \
	1 /* refresh even when the token is fresh and                          \
	     ignore the back-off */

/*
 * A fresh access token: the cached one, or a new one after a refresh
 * (see above).  0 with *token (NUL-terminated, *len bytes; the caller
 * wipes and frees it with atok_freezero(*token, *len + 1)) and ev; else
 * ATOK_ERR_UNAVAILABLE (re-authorization needed, backing off, the server
 * failed: ev says which), ATOK_ERR_NOT_FOUND (no state: never logged in),
 * ATOK_ERR_PERM, ATOK_ERR_MALFORMED (a corrupt state file) or
 * ATOK_ERR_IO with err.  Every one of them is a temporary failure for
 * the host.
 */
int atok_account_token(struct atok_account *a, int64_t now, int flags,
                       char **token, size_t *len, struct atok_account_event *ev,
                       struct atok_error *err);

/*
 * The server refused token (len bytes): when it is still the cached one,
 * it is marked expired so that the next atok_account_token() refreshes.
 * 0 or an error as above.
 */
int atok_account_token_refused(struct atok_account *a, const char *token,
                               size_t len, int64_t now,
                               struct atok_account_event *ev,
                               struct atok_error *err);

/* Reads the state (no lock: the file is replaced atomically). */
int atok_account_read(struct atok_account *a, struct atok_account_state *st,
                      struct atok_error *err);

/* The health the state means at now. */
enum atok_account_health
atok_account_health_of(const struct atok_account *a,
                       const struct atok_account_state *st, int64_t now);

/*
 * Stores the tokens of a login (under the lock, a new generation, any
 * re-authorization state cleared).  The store directory is created
 * (0700) when missing.  0 or an error as above.
 */
int atok_account_save(struct atok_account *a, const struct atok_oauth_tokens *t,
                      int64_t now, struct atok_account_event *ev,
                      struct atok_error *err);

/*
 * Revokes the refresh token (else the access token) at the server when
 * it has a revocation endpoint, then deletes the state.  A failed
 * revocation still deletes the state when force.  0 or an error.
 */
int atok_account_logout(struct atok_account *a, int64_t now, int force,
                        struct atok_account_event *ev, struct atok_error *err);

/* Gives the store directory, the state and the lock file to uid:gid
 * (apitoken oauth login --owner).  0 or ATOK_ERR_IO / ATOK_ERR_PERM. */
int atok_account_chown(struct atok_account *a, uid_t uid, gid_t gid,
                       struct atok_error *err);

/* The state file's path as used now (inside a chroot, without its
 * prefix), into buf of n bytes.  0 or ATOK_ERR_TOO_LONG. */
int atok_account_state_path(const struct atok_account *a, char *buf, size_t n);

/*
 * Parses a state file's text (len bytes) into st: 0, or
 * ATOK_ERR_MALFORMED (not the format, a member of the wrong type, a
 * token over its limit or with bad characters).  Separate for tests and
 * the fuzzer.
 */
int atok_account_parse_state(const char *text, size_t len,
                             struct atok_account_state *st);

#endif
