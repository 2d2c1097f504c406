/* SPDX-License-Identifier: BSD-3-Clause */
/* tokens.c - local API tokens for the tests (tokens.h). */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tokens.h"

int tk_store_open(const char *path, struct atok_store **sp,
                  struct atok_error *err)
{
	struct atok_config *cfg = NULL;
	int r;

	*sp = NULL;
	if ((cfg = atok_config_new()) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	if ((r = atok_config_set(cfg, "store", "path", path, err)) == 0)
		r = atok_store_open(cfg, ATOK_STORE_ADMIN, sp, err);
	atok_config_free(&cfg);
	return r;
}

struct atok_store *tk_store_admin(const char *path)
{
	struct atok_store *s = NULL;
	struct atok_error err = {0};

	if (tk_store_open(path, &s, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		exit(99);
	}
	return s;
}

void tk_issue_params(struct atok_store *s, const struct atok_issue_params *p,
                     char out[ATOK_LOCAL_TOKEN_LEN + 1])
{
	struct atok_error err = {0};

	if (atok_local_issue(s, p, out, NULL, &err) != 0) {
		printf("Bail out! issue: %s\n", err.msg);
		exit(99);
	}
}

void tk_issue(struct atok_store *s, const char *user, const char *scopes,
              int64_t expires, int64_t now, char out[ATOK_LOCAL_TOKEN_LEN + 1])
{
	struct atok_issue_params p = {
	    .user = user,
	    .scopes = scopes,
	    .name = "test",
	    .expires = expires,
	    .now = now,
	};

	tk_issue_params(s, &p, out);
}

void tk_token_id(const char *tok, char id[ATOK_LOCAL_ID_LEN + 1])
{
	memcpy(id, tok + ATOK_LOCAL_PREFIX_LEN, ATOK_LOCAL_ID_LEN);
	id[ATOK_LOCAL_ID_LEN] = '\0';
}

int tk_revoke(struct atok_store *s, const char *tok, int64_t when,
              struct atok_error *err)
{
	char id[ATOK_LOCAL_ID_LEN + 1];

	tk_token_id(tok, id);
	return atok_store_revoke(s, id, when, err);
}

void tk_forge(const char *tok, size_t at, char out[ATOK_LOCAL_TOKEN_LEN + 1])
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t body = ATOK_LOCAL_TOKEN_LEN - ATOK_LOCAL_CHECKSUM_LEN;
	uint32_t crc;
	int i;

	snprintf(out, ATOK_LOCAL_TOKEN_LEN + 1, "%s", tok);
	out[at] = out[at] == 'Q' ? 'R' : 'Q';
	crc = atok_crc32((const unsigned char *)out, body);
	for (i = ATOK_LOCAL_CHECKSUM_LEN - 1; i >= 0; i--) {
		out[body + (size_t)i] = b62[crc % 62];
		crc /= 62;
	}
}
