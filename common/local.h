/* SPDX-License-Identifier: BSD-3-Clause */
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
	/* CIDR allow-list as typed (atok_cidr_list_parse()); NULL or "" =
	 * anywhere.  Stored in canonical form. */
	const char *allowed_from;
};

struct atok_rotate_params {
	int64_t
	    expires;   /* absolute, 0 = never, -1 = the old lifetime from now */
	int64_t grace; /* seconds the old token keeps working; 0 = none */
	const char *allowed_from; /* NULL = the old token's, "" = anywhere */
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
 * Replaces old_id by a new token with the same user, name, scopes and
 * source-address limits (p->allowed_from, when not NULL, replaces them) and
 * the same lifetime counted from now (or p->expires when not -1).  In the
 * same transaction the old one is revoked (p->grace 0) or kept working
 * until the earlier of its expiry and now + p->grace, and names its
 * successor.  Refuses a revoked or already rotated token.  old_out (may be
 * NULL) receives the old record as it was.
 */
int atok_local_rotate(struct atok_store *s, const char *old_id,
                      const struct atok_rotate_params *p,
                      char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                      struct atok_token_record *rec_out,
                      struct atok_token_record *old_out,
                      struct atok_error *err);

/*
 * Checks a local token's secret and state against the store, filling res
 * (verdict, why, reason, user, scopes, id, expiry).  User and scope checks
 * are the verifier's.  remote: the client's address (NULL = unknown).
 * touch_interval: record a use, and from where, when the stored one is at
 * least that many seconds old ([store] last_used_interval), or -1 never.
 * A store that cannot be asked makes res UNAVAILABLE, one that is
 * misconfigured (privileges, schema version) CONFIG_ERROR.
 */
void atok_local_verify(struct atok_store *s, const char *token, size_t len,
                       int64_t now, const char *remote,
                       long long touch_interval, struct atok_result *res);

/*
 * The state checks shared with recheck: revoked, rotated past its grace
 * period (naming the successor), expired, and the source-address limits
 * against remote (NULL or "" = unknown, refused by a limited token).
 */
void atok_local_check_state(const struct atok_token_record *rec, int64_t now,
                            const char *remote, struct atok_result *res);

#endif /* ATOK_LOCAL_H */
