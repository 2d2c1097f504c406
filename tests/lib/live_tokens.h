/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * live_tokens.h - tokens for the threaded tests, valid at the real time
 * (the verifiers there run at time(NULL), not at a fixed test clock).
 * In tests/lib/libatoktest.la; set-up errors bail out (jh_bail).
 */
#ifndef ATOK_TEST_LIVE_TOKENS_H
#define ATOK_TEST_LIVE_TOKENS_H

#include "store.h"

/* A local token for alice with SCOPE, issued into S; malloc'd, the caller
 * frees it.  Bails out on error. */
char *live_local_token(struct atok_store *s, const char *scope);

/*
 * Into *good and *revoked: two local tokens for alice with SCOPE, issued
 * into the store the configuration at CONF_PATH names; the second is
 * revoked.  Both malloc'd, the caller frees them.  Bails out on error.
 */
void live_local_pair(const char *conf_path, const char *scope, char **good,
                     char **revoked);

/* A JWT for alice with SCOPE and audience AUD, valid for an hour, signed
 * with alg's committed key (jh_token); malloc'd, the caller frees it. */
char *live_jwt(const char *alg, const char *aud, const char *scope);

#endif
