/*
 * live_tokens.h - tokens for the threaded tests, valid at the real time
 * (the verifiers there run at time(NULL), not at a fixed test clock).
 * Header-only: each test program includes it once.
 */
#ifndef ATOK_TEST_LIVE_TOKENS_H
#define ATOK_TEST_LIVE_TOKENS_H

#include <stdlib.h>
#include <time.h>

#include "jwt/jwt_helper.h"
#include "local.h"
#include "store.h"

/* A local token for alice with SCOPE, issued into S; bails out on error. */
static char *live_local_token(struct atok_store *s, const char *scope)
{
	struct atok_issue_params p = {"alice", scope, "t", 0, 0};
	struct atok_error err;
	char *tok = calloc(1, ATOK_LOCAL_TOKEN_LEN + 1);

	if (tok == NULL || atok_local_issue(s, &p, tok, NULL, &err) != 0)
		jh_bail(err.msg);
	return tok;
}

/* A JWT for alice with SCOPE and audience AUD, valid for an hour. */
static char *live_jwt(const char *alg, const char *aud, const char *scope)
{
	char claims[512];
	long long now = (long long)time(NULL);

	snprintf(claims, sizeof(claims),
	         "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"alice\","
	         "\"scope\":\"%s\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
	         JH_ISS, aud, scope, now - 10, now - 10, now + 3600);
	return jh_token(alg, jh_header(alg), claims);
}

#endif
