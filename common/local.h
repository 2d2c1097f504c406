/*
 * local.h - local API tokens: issue, rotate and verify against the store.
 */
#ifndef ATOK_LOCAL_H
#define ATOK_LOCAL_H

#include <stdint.h>

#include "atok.h"
#include "store.h"
#include "token.h"

struct atok_issue_params {
	const char *user;   /* required */
	const char *scopes; /* space-separated, may be "" */
	const char *name;   /* may be NULL */
	int64_t expires;    /* absolute, 0 = never */
	int64_t now;
};

/*
 * Mints a token for p, stores its hash, and writes the token (NUL-terminated)
 * to token_out, which the caller wipes.  rec_out (may be NULL) receives the
 * stored record.  Retries on an id collision.
 */
int atok_local_issue(struct atok_store *s, const struct atok_issue_params *p,
                     char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                     struct atok_token_record *rec_out, struct atok_error *err);

/*
 * Replaces old_id by a new token with the same user, name and scopes and
 * the same lifetime counted from now (or `expires` when not -1), revoking
 * the old one in the same transaction.  Refuses a revoked token.
 */
int atok_local_rotate(struct atok_store *s, const char *old_id, int64_t expires,
                      int64_t now, char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                      struct atok_token_record *rec_out,
                      struct atok_error *err);

/*
 * Checks a local token's secret and state against the store, filling res
 * (verdict, why, reason, user, scopes, id, expiry).  User and scope checks
 * are the verifier's.  touch_interval: record a use when the stored one
 * is at least that many seconds old ([store] last_used_interval), or -1
 * never.  A store that cannot be asked makes res UNAVAILABLE, one that is
 * misconfigured (privileges, schema version) CONFIG_ERROR.
 */
void atok_local_verify(struct atok_store *s, const char *token, size_t len,
                       int64_t now, long long touch_interval,
                       struct atok_result *res);

/* The state checks shared with recheck: revoked, expired. */
void atok_local_check_state(const struct atok_token_record *rec, int64_t now,
                            struct atok_result *res);

#endif /* ATOK_LOCAL_H */
