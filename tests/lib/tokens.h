/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tokens.h - local API tokens for the tests: an admin store at a path,
 * tokens issued into it, revoked by token, and forged (an issued id with
 * another secret).  In tests/lib/libatoktest.la.  The functions that say
 * they bail out print "Bail out! MESSAGE" and exit 99.
 */
#ifndef ATOK_TEST_TOKENS_H
#define ATOK_TEST_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "local.h"
#include "store.h"
#include "token.h"

/* Opens the SQLite store at path for administration (created when
 * missing) into *sp, which the caller closes.  Returns 0, or the error of
 * the configuration or of atok_store_open with err set and *sp NULL. */
int tk_store_open(const char *path, struct atok_store **sp,
                  struct atok_error *err);

/* tk_store_open that bails out on an error; the caller closes the store. */
struct atok_store *tk_store_admin(const char *path);

/* Issues a local token into s as p says and writes it to out; bails out
 * ("Bail out! issue: MESSAGE") on an error. */
void tk_issue_params(struct atok_store *s, const struct atok_issue_params *p,
                     char out[ATOK_LOCAL_TOKEN_LEN + 1]);

/* tk_issue_params for user with scopes (space-separated, may be ""), named
 * "test", issued at now, expiring at expires (0: never). */
void tk_issue(struct atok_store *s, const char *user, const char *scopes,
              int64_t expires, int64_t now, char out[ATOK_LOCAL_TOKEN_LEN + 1]);

/* The id of the local token tok (the ATOK_LOCAL_ID_LEN characters after
 * its prefix), NUL-terminated, into id. */
void tk_token_id(const char *tok, char id[ATOK_LOCAL_ID_LEN + 1]);

/* Revokes the local token tok in s at time when: atok_store_revoke's
 * result, err set on an error. */
int tk_revoke(struct atok_store *s, const char *tok, int64_t when,
              struct atok_error *err);

/*
 * Writes to out the local token tok with its character at (which must lie
 * in the secret) changed to 'Q', or to 'R' when it is 'Q', and the checksum
 * made to match: a well-formed token with an issued id and another secret.
 */
void tk_forge(const char *tok, size_t at, char out[ATOK_LOCAL_TOKEN_LEN + 1]);

#endif
