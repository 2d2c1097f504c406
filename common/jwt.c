/* SPDX-License-Identifier: BSD-3-Clause */
/* jwt.c - the JWT access token validator. */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "claims.h"
#include "config.h"
#include "json.h"
#include "jwk.h"
#include "jws.h"
#include "jwt.h"
#include "keys.h"
#include "util.h"
#include "result.h"

struct atok_jwt {
	struct atok_claims_policy policy;
	char *issuer, *audience, *username_claim;
	unsigned alg_allowed; /* bit per enum atok_jws_alg */
	struct atok_keysource *keys;
	struct atok_hmac_key *hmac;
	/* Verified tokens by SHA-256, for long-lived processes; allocated on
	 * first use.  An entry never outlives the token's exp nor cache_ttl. */
	struct cache_entry *cache;
	int64_t cache_ttl;
};

#define CACHE_SLOTS 256 /* direct-mapped by the digest's first bytes */

struct cache_entry {
	unsigned char digest[32];
	int64_t valid_until; /* 0: empty */
	struct atok_result res;
};

static int parse_algorithms(const char *list, unsigned *mask,
                            struct atok_error *err)
{
	const char *p = list;

	*mask = 0;
	while (p != NULL && *p != '\0') {
		size_t n;
		enum atok_jws_alg a;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if ((a = atok_jws_alg_from_name(p, n)) == ATOK_ALG_UNKNOWN)
			return atok_error_set(err, ATOK_ERR_CONFIG,
			                      "[jwt] algorithms: unknown "
			                      "\"%.*s\"",
			                      (int)n, p);
		*mask |= 1u << a;
		p += n;
	}
	if (*mask == 0)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[jwt] algorithms is empty");
	return 0;
}

static int is_hmac(enum atok_jws_alg a)
{
	return a == ATOK_ALG_HS256 || a == ATOK_ALG_HS384 ||
	       a == ATOK_ALG_HS512;
}

int atok_jwt_new(const struct atok_config *cfg, struct atok_jwt **out,
                 struct atok_error *err)
{
	struct atok_jwt *j = NULL;
	const char *issuer = atok_config_str(cfg, ATOK_CFG_JWT_ISSUER);
	const char *audience = atok_config_str(cfg, ATOK_CFG_JWT_AUDIENCE);
	const char *secret =
	    atok_config_str(cfg, ATOK_CFG_JWT_HMAC_SECRET_FILE);
	unsigned mask = 0, pub_mask;
	int r = 0;

	*out = NULL;
	if (issuer == NULL || audience == NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[jwt] needs issuer and audience: a "
		                      "token is only good for the service it "
		                      "was issued to");
	if (strlen(atok_config_str(cfg, ATOK_CFG_JWT_USERNAME_CLAIM)) >
	    ATOK_JSON_NAME_MAX)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[jwt] username_claim is longer than any "
		                      "claim name may be (%d bytes)",
		                      ATOK_JSON_NAME_MAX);
	if ((r = parse_algorithms(atok_config_str(cfg, ATOK_CFG_JWT_ALGORITHMS),
	                          &mask, err)) != 0)
		return r;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	j->alg_allowed = mask;
	if ((r = atok_strdup(&j->issuer, issuer, err)) != 0 ||
	    (r = atok_strdup(&j->audience, audience, err)) != 0 ||
	    (r = atok_strdup(&j->username_claim,
	                     atok_config_str(cfg, ATOK_CFG_JWT_USERNAME_CLAIM),
	                     err)) != 0)
		goto fail;
	j->policy.issuer = j->issuer;
	j->policy.audience = j->audience;
	j->policy.username_claim = j->username_claim;
	j->policy.leeway = atok_config_int(cfg, ATOK_CFG_JWT_LEEWAY);
	j->policy.require_at_jwt =
	    atok_config_bool(cfg, ATOK_CFG_JWT_REQUIRE_AT_JWT);
	j->cache_ttl = atok_config_int(cfg, ATOK_CFG_JWT_CACHE_TTL);

	pub_mask = mask & ~((1u << ATOK_ALG_HS256) | (1u << ATOK_ALG_HS384) |
	                    (1u << ATOK_ALG_HS512));
	if (mask != pub_mask) {
		if (secret == NULL) {
			r = atok_error_set(err, ATOK_ERR_CONFIG,
			                   "[jwt] algorithms has HS*, which "
			                   "needs hmac_secret_file");
			goto fail;
		}
		char *bytes = NULL;
		size_t len = 0;
		if ((r = atok_read_private_file(secret, "HMAC secret file",
		                                ATOK_HMAC_SECRET_MAX, &bytes,
		                                &len, err)) != 0)
			goto fail;
		if (len < 32)
			r = atok_error_set(
			    err, ATOK_ERR_CONFIG,
			    "HMAC secret in %s is shorter than 32 "
			    "bytes",
			    secret);
		else
			r = atok_hmac_key_new((unsigned char *)bytes, len,
			                      &j->hmac, err);
		atok_freezero(bytes, ATOK_HMAC_SECRET_MAX + 1);
		if (r != 0)
			goto fail;
	} else if (secret != NULL) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[jwt] hmac_secret_file is set but no HS* "
		                   "algorithm is allowed");
		goto fail;
	}
	if (pub_mask != 0 && (r = atok_keysource_new(cfg, &j->keys, err)) != 0)
		goto fail;
	*out = j;
	return 0;
fail:
	atok_jwt_free(&j);
	return r;
}

void atok_jwt_free(struct atok_jwt **jp)
{
	struct atok_jwt *j;

	if (jp == NULL || (j = *jp) == NULL)
		return;
	atok_keysource_free(&j->keys);
	atok_hmac_key_free(&j->hmac);
	if (j->cache != NULL)
		atok_freezero(j->cache, CACHE_SLOTS * sizeof(*j->cache));
	free(j->issuer);
	free(j->audience);
	free(j->username_claim);
	free(j);
	*jp = NULL;
}

static struct cache_entry *cache_slot(struct atok_jwt *j,
                                      const unsigned char digest[32])
{
	return &j->cache[(digest[0] | (unsigned)digest[1] << 8) % CACHE_SLOTS];
}

/* A hit copies the validator's verdict of an earlier, identical token. */
static int cache_lookup(struct atok_jwt *j, const unsigned char digest[32],
                        int64_t now, struct atok_result *res)
{
	struct cache_entry *e;

	if (j->cache == NULL)
		return 0;
	e = cache_slot(j, digest);
	if (e->valid_until == 0 || now >= e->valid_until ||
	    CRYPTO_memcmp(e->digest, digest, 32) != 0)
		return 0;
	memcpy(res->user, e->res.user, sizeof(res->user));
	memcpy(res->scopes, e->res.scopes, sizeof(res->scopes));
	memcpy(res->token_id, e->res.token_id, sizeof(res->token_id));
	memcpy(res->alg, e->res.alg, sizeof(res->alg));
	memcpy(res->kid, e->res.kid, sizeof(res->kid));
	memcpy(res->issuer, e->res.issuer, sizeof(res->issuer));
	res->expires = e->res.expires;
	atok_result_accept(res);
	return 1;
}

static void cache_store(struct atok_jwt *j, const unsigned char digest[32],
                        int64_t now, const struct atok_result *res)
{
	struct cache_entry *e;

	if (j->cache_ttl <= 0 || res->verdict != ATOK_ACCEPT)
		return;
	if (j->cache == NULL &&
	    (j->cache = calloc(CACHE_SLOTS, sizeof(*j->cache))) == NULL)
		return;
	e = cache_slot(j, digest);
	memcpy(e->digest, digest, 32);
	e->res = *res;
	/* Never past exp (without the leeway), never past cache_ttl. */
	e->valid_until = now + j->cache_ttl;
	if (res->expires < e->valid_until)
		e->valid_until = res->expires;
	if (e->valid_until <= now)
		e->valid_until = 0;
}

void atok_jwt_verify(struct atok_jwt *j, const char *tok, size_t len,
                     const unsigned char digest[32],
                     const unsigned char input_digest[32], int64_t now,
                     struct atok_result *res)
{
	struct atok_jws jws;
	struct atok_error err = {0};
	const struct atok_jwk *key = NULL;
	struct atok_key_miss miss = {ATOK_ERR_INVALID, NULL};
	int r;

	res->source = ATOK_SRC_JWT;
	if (cache_lookup(j, digest, now, res))
		return;
	if ((r = atok_jws_parse(tok, len, &jws, &err)) != 0) {
		atok_result_from_err(res, r,
		                     r == ATOK_ERR_TOO_LONG
		                         ? ATOK_WHY_TOO_LONG
		                         : ATOK_WHY_MALFORMED,
		                     "%.200s", err.msg);
		goto out;
	}
	snprintf(res->alg, sizeof(res->alg), "%s", atok_jws_alg_name(jws.alg));
	memcpy(res->kid, jws.kid, sizeof(res->kid));
	if (atok_json_string(atok_json_get(&jws.claims, "iss"), res->issuer,
	                     sizeof(res->issuer), NULL) != 0)
		res->issuer[0] = '\0';
	/* The algorithm comes from configuration and the key, never from
	 * the token alone. */
	if (!(j->alg_allowed & (1u << jws.alg))) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		                "JWT alg %s is not in [jwt] algorithms",
		                res->alg);
		goto out;
	}
	if (is_hmac(jws.alg)) {
		/* RFC 7518 3.2: a key at least as long as the hash. */
		size_t need = jws.alg == ATOK_ALG_HS256   ? 32
		              : jws.alg == ATOK_ALG_HS384 ? 48
		                                          : 64;
		if (atok_hmac_key_len(j->hmac) < need) {
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_BAD_ALG,
			                "HMAC secret is shorter than %s needs",
			                res->alg);
			goto out;
		}
	} else {
		r = atok_keysource_select(j->keys, jws.has_kid ? jws.kid : NULL,
		                          jws.alg, now, &key, &miss, &err);
		if (r != 0) {
			atok_result_from_err(res, r, ATOK_WHY_BACKEND, "%.200s",
			                     err.msg);
			goto out;
		}
		if (key == NULL) {
			atok_result_set(res, ATOK_REJECT,
			                miss.code == ATOK_ERR_NOT_FOUND
			                    ? ATOK_WHY_NO_KEY
			                    : ATOK_WHY_BAD_ALG,
			                "JWT %s kid \"%.64s\": %s", res->alg,
			                jws.has_kid ? jws.kid : "",
			                miss.why ? miss.why : "no key");
			goto out;
		}
	}
	/* With the SHA-256 of the signing input at hand (RS256, PS256,
	 * ES256), skip hashing it a second time. */
	r = input_digest != NULL
	        ? atok_jws_verify_prehashed(&jws, key, input_digest, &err)
	        : ATOK_ERR_INVALID;
	if (r == ATOK_ERR_INVALID)
		r = atok_jws_verify(&jws, key, j->hmac, &err);
	if (r != 0) {
		atok_result_from_err(res, r,
		                     r == ATOK_ERR_SIGNATURE
		                         ? ATOK_WHY_BAD_SIGNATURE
		                         : ATOK_WHY_INTERNAL,
		                     "%.200s", err.msg);
		goto out;
	}
	atok_claims_check(&jws.claims, jws.typ, &j->policy, now, res);
	cache_store(j, digest, now, res);
out:
	atok_jws_clear(&jws);
}
