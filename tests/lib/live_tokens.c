/* SPDX-License-Identifier: BSD-3-Clause */
/* live_tokens.c - tokens valid at the real time (live_tokens.h). */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "jwt_helper.h"
#include "live_tokens.h"
#include "local.h"
#include "store.h"
#include "tokens.h"

char *live_local_token(struct atok_store *s, const char *scope)
{
	struct atok_issue_params p = {
	    .user = "alice",
	    .scopes = scope,
	    .name = "t",
	};
	char *tok = calloc(1, ATOK_LOCAL_TOKEN_LEN + 1);

	if (tok == NULL)
		jh_bail("out of memory");
	tk_issue_params(s, &p, tok);
	return tok;
}

void live_local_pair(const char *conf_path, const char *scope, char **good,
                     char **revoked)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_store *s = NULL;
	struct atok_error err;

	if (cfg == NULL || atok_config_load_file(cfg, conf_path, &err) != 0 ||
	    atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0)
		jh_bail(err.msg);
	*good = live_local_token(s, scope);
	*revoked = live_local_token(s, scope);
	if (tk_revoke(s, *revoked, time(NULL), &err) != 0)
		jh_bail(err.msg);
	atok_store_close(&s);
	atok_config_free(&cfg);
}

char *live_jwt(const char *alg, const char *aud, const char *scope)
{
	char claims[512];
	long long now = (long long)time(NULL);

	snprintf(claims, sizeof(claims),
	         "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"alice\","
	         "\"scope\":\"%s\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
	         JH_ISS, aud, scope, now - 10, now - 10, now + 3600);
	return jh_token(alg, jh_header(alg), claims);
}
