/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verifier.c - the one path every authentication takes: classify the token,
 * hand it to its validator, then bind the user and check scopes.
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atok.h"
#include "config.h"
#include "digest.h"
#include "introspect.h"
#include "token.h"
#include "jwt.h"
#include "local.h"
#include "scope.h"
#include "store.h"
#include "util.h"
#include "result.h"

struct atok_verifier {
	struct atok_store *store;      /* NULL when [store] is not configured */
	struct atok_jwt *jwt;          /* NULL when [jwt] is not configured */
	struct atok_introspect *intro; /* NULL without [introspection] */
	struct atok_opaque_shape opaque; /* what may be introspected */
	long long touch;                 /* last_used_interval, or -1: never */
};

int atok_verifier_new(const struct atok_config *cfg, struct atok_verifier **vp,
                      struct atok_error *err)
{
	struct atok_verifier *v = NULL;
	int r;

	*vp = NULL;
	if (cfg == NULL)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "no configuration");
	if (!atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE) &&
	    !atok_config_has_section(cfg, ATOK_CFG_SECTION_JWT) &&
	    !atok_config_has_section(cfg, ATOK_CFG_SECTION_INTROSPECTION))
		return atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "no validator is configured: add a "
		    "[store], [jwt] or [introspection] section");
	if ((r = atok_crypto_init(err)) != 0)
		return r;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	v->touch = atok_config_bool(cfg, ATOK_CFG_STORE_UPDATE_LAST_USED)
	               ? atok_config_int(cfg, ATOK_CFG_STORE_LAST_USED_INTERVAL)
	               : -1;
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE) &&
	    (r = atok_store_open(cfg, ATOK_STORE_READ, &v->store, err)) != 0)
		goto fail;
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_JWT) &&
	    (r = atok_jwt_new(cfg, &v->jwt, err)) != 0)
		goto fail;
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_INTROSPECTION) &&
	    ((r = atok_opaque_shape_load(cfg, &v->opaque, err)) != 0 ||
	     (r = atok_introspect_new(cfg, &v->intro, err)) != 0))
		goto fail;
	*vp = v;
	return 0;
fail:
	atok_verifier_free(&v);
	return r;
}

void atok_verifier_free(struct atok_verifier **vp)
{
	if (vp == NULL || *vp == NULL)
		return;
	atok_store_close(&(*vp)->store);
	atok_jwt_free(&(*vp)->jwt);
	atok_introspect_free(&(*vp)->intro);
	free(*vp);
	*vp = NULL;
}

static int request_valid(const struct atok_request *req,
                         struct atok_result *res)
{
	size_t i;

	if (req->n_scopes > ATOK_REQ_SCOPES_MAX ||
	    (req->n_scopes > 0 && req->scopes == NULL)) {
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG,
		                "too many required scopes");
		return 0;
	}
	for (i = 0; i < req->n_scopes; i++) {
		if (req->scopes[i] == NULL ||
		    !atok_scope_valid(req->scopes[i], strlen(req->scopes[i]))) {
			atok_result_set(
			    res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG,
			    "required scope %zu is not a valid scope", i);
			return 0;
		}
	}
	return 1;
}

/* The checks every token kind shares, after its validator accepted. */
static void bind_and_scope(const struct atok_request *req,
                           struct atok_result *res)
{
	const char *missing;

	if (res->verdict != ATOK_ACCEPT)
		return;
	if (req->user != NULL && strcmp(req->user, res->user) != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_USER_MISMATCH,
		                "token belongs to user \"%s\", not \"%.64s\"",
		                res->user, req->user);
		return;
	}
	missing = atok_scope_missing(res->scopes, req->scopes, req->n_scopes);
	if (missing != NULL) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_SCOPE,
		                "token lacks required scope \"%s\"", missing);
		return;
	}
	snprintf(res->reason, sizeof(res->reason), "token %s accepted",
	         res->token_id[0] ? res->token_id : res->fingerprint);
}

enum atok_verdict atok_verify(struct atok_verifier *v,
                              const struct atok_request *req,
                              struct atok_result *res)
{
	unsigned char digest[32], input_digest[32];
	enum atok_kind kind;
	const char *dot;
	int64_t now;
	int r;

	atok_result_init(res);
	if (v == NULL || req == NULL) {
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG,
		                "no verifier");
		return res->verdict;
	}
	if (!request_valid(req, res))
		return res->verdict;
	if (req->token == NULL || req->token_len == 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_EMPTY,
		                "empty token");
		return res->verdict;
	}
	/* The fingerprint first, so even a refused over-long token can be
	 * told apart in the logs.  For a JWT the same pass yields the
	 * SHA-256 of its signing input, which RS256/PS256/ES256 verify. */
	kind = atok_classify_declared(v->intro != NULL ? &v->opaque : NULL,
	                              req->token, req->token_len);
	if (kind == ATOK_KIND_INVALID && req->token_len <= ATOK_TOKEN_MAX) {
		/* Most likely a password (pam_unix stacked beside us): refused
		 * here, never sent anywhere, and not even fingerprinted, as a
		 * short unsalted hash of a password in the logs would let
		 * anyone who reads them guess it offline. */
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_NOT_TOKEN,
		                "not a token%s",
		                v->intro != NULL && !v->opaque.declared
		                    ? " (no opaque token shape is declared in "
		                      "[introspection])"
		                    : "");
		return res->verdict;
	}
	dot = kind == ATOK_KIND_JWT ? memrchr(req->token, '.', req->token_len)
	                            : NULL;
	if ((r = dot != NULL
	             ? atok_sha256_split(req->token, req->token_len,
	                                 (size_t)(dot - req->token), digest,
	                                 input_digest)
	             : atok_sha256(req->token, req->token_len, digest)) != 0) {
		atok_result_from_err(res, r, ATOK_WHY_INTERNAL,
		                     "SHA-256 failed");
		return res->verdict;
	}
	atok_fingerprint_of(digest, res->fingerprint);
	if (req->token_len > ATOK_TOKEN_MAX) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_TOO_LONG,
		                "token is %zu bytes, longer than %d",
		                req->token_len, ATOK_TOKEN_MAX);
		return res->verdict;
	}
	now = atok_now(req->now);

	switch (kind) {
	case ATOK_KIND_LOCAL:
		if (v->store == NULL) {
			atok_result_set(
			    res, ATOK_REJECT, ATOK_WHY_NO_VALIDATOR,
			    "local token, but no [store] is configured");
			break;
		}
		atok_local_verify(v->store, req->token, req->token_len, now,
		                  req->remote_addr, v->touch, res);
		bind_and_scope(req, res);
		break;
	case ATOK_KIND_JWT:
		if (v->jwt != NULL) {
			atok_jwt_verify(
			    v->jwt, req->token, req->token_len, digest,
			    dot != NULL ? input_digest : NULL, now, res);
			bind_and_scope(req, res);
			break;
		}
		/* Without [jwt], a JWT-shaped token is asked about like any
		 * other: many servers introspect their JWTs too. */
		if (v->intro == NULL) {
			res->source = ATOK_SRC_JWT;
			atok_result_set(
			    res, ATOK_REJECT, ATOK_WHY_NO_VALIDATOR,
			    "JWT, but neither [jwt] nor [introspection] is "
			    "configured");
			break;
		}
		/* fall through */
	case ATOK_KIND_OPAQUE: /* of the declared shape: v->intro is set */
		atok_introspect_verify(v->intro, req->token, req->token_len,
		                       now, res);
		bind_and_scope(req, res);
		break;
	case ATOK_KIND_INVALID: /* refused above, or too long */
	default:
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_NOT_TOKEN,
		                "not a token");
		break;
	}
	/* Never report an identity for a token that was not accepted and
	 * never report one the token did not prove. */
	if (res->verdict != ATOK_ACCEPT && res->why != ATOK_WHY_USER_MISMATCH &&
	    res->why != ATOK_WHY_SCOPE && res->why != ATOK_WHY_EXPIRED &&
	    res->why != ATOK_WHY_REVOKED && res->why != ATOK_WHY_SOURCE &&
	    res->why != ATOK_WHY_ROTATED)
		res->user[0] = '\0';
	return res->verdict;
}

enum atok_verdict atok_recheck(struct atok_verifier *v,
                               const struct atok_result *prev,
                               const struct atok_request *req,
                               struct atok_result *res)
{
	struct atok_token_record rec;
	struct atok_error err;
	int64_t now;
	int r;

	atok_result_init(res);
	if (v == NULL || prev == NULL || req == NULL) {
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG,
		                "no verifier");
		return res->verdict;
	}
	if (!request_valid(req, res))
		return res->verdict;
	if (prev->verdict != ATOK_ACCEPT) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_INTERNAL,
		                "token was not accepted");
		return res->verdict;
	}
	now = atok_now(req->now);
	res->source = prev->source;
	ATOK_STRCPY_ARRAY(res->token_id, prev->token_id);
	ATOK_STRCPY_ARRAY(res->fingerprint, prev->fingerprint);
	ATOK_STRCPY_ARRAY(res->user, prev->user);
	ATOK_STRCPY_ARRAY(res->scopes, prev->scopes);
	res->expires = prev->expires;

	if (prev->source == ATOK_SRC_LOCAL) {
		if (v->store == NULL) {
			atok_result_set(
			    res, ATOK_REJECT, ATOK_WHY_NO_VALIDATOR,
			    "local token, but no [store] is configured");
			return res->verdict;
		}
		r = atok_store_lookup(v->store, prev->token_id, &rec, &err);
		if (r == ATOK_ERR_NOT_FOUND) {
			atok_result_from_err(res, r, ATOK_WHY_REVOKED,
			                     "token %s no longer exists",
			                     prev->token_id);
			return res->verdict;
		}
		/* Any other store error is UNAVAILABLE in the account phase,
		 * whatever its code (atok_local_verify() reads CONFIG, PERM
		 * and SCHEMA as CONFIG_ERROR, by atok_result_from_err()). */
		if (r != 0) {
			atok_result_set(res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
			                "%.200s", err.msg);
			return res->verdict;
		}
		if (strcmp(rec.user, prev->user) != 0) {
			atok_result_set(
			    res, ATOK_REJECT, ATOK_WHY_USER_MISMATCH,
			    "token %s changed owner", prev->token_id);
			return res->verdict;
		}
		ATOK_STRCPY_ARRAY(res->scopes, rec.scopes);
		res->expires = rec.expires;
		atok_local_check_state(&rec, now, req->remote_addr, res);
	} else if (prev->expires != 0 && now >= prev->expires) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_EXPIRED,
		                "token expired (exp=%lld <= now=%lld)",
		                (long long)prev->expires, (long long)now);
	} else {
		atok_result_accept(res);
	}
	bind_and_scope(req, res);
	return res->verdict;
}

const char *atok_verdict_name(enum atok_verdict v)
{
	switch (v) {
	case ATOK_ACCEPT:
		return "accept";
	case ATOK_REJECT:
		return "reject";
	case ATOK_UNAVAILABLE:
		return "unavailable";
	case ATOK_CONFIG_ERROR:
		return "config_error";
	}
	return "unknown";
}

const char *atok_source_name(enum atok_source s)
{
	switch (s) {
	case ATOK_SRC_NONE:
		return "none";
	case ATOK_SRC_LOCAL:
		return "local";
	case ATOK_SRC_JWT:
		return "jwt";
	case ATOK_SRC_INTROSPECTION:
		return "introspection";
	}
	return "unknown";
}

const char *atok_why_name(enum atok_why w)
{
	static const char *const names[] = {
	    [ATOK_WHY_NONE] = "none",
	    [ATOK_WHY_EMPTY] = "empty",
	    [ATOK_WHY_TOO_LONG] = "too_long",
	    [ATOK_WHY_MALFORMED] = "malformed",
	    [ATOK_WHY_CHECKSUM] = "checksum",
	    [ATOK_WHY_UNKNOWN] = "unknown_token",
	    [ATOK_WHY_BAD_SECRET] = "bad_secret",
	    [ATOK_WHY_EXPIRED] = "expired",
	    [ATOK_WHY_REVOKED] = "revoked",
	    [ATOK_WHY_NOT_YET_VALID] = "not_yet_valid",
	    [ATOK_WHY_USER_MISMATCH] = "user_mismatch",
	    [ATOK_WHY_SCOPE] = "insufficient_scope",
	    [ATOK_WHY_NO_VALIDATOR] = "no_validator",
	    [ATOK_WHY_BACKEND] = "backend",
	    [ATOK_WHY_CONFIG] = "config",
	    [ATOK_WHY_INTERNAL] = "internal",
	    [ATOK_WHY_BAD_SIGNATURE] = "bad_signature",
	    [ATOK_WHY_BAD_ALG] = "bad_alg",
	    [ATOK_WHY_NO_KEY] = "no_key",
	    [ATOK_WHY_ISSUER] = "issuer",
	    [ATOK_WHY_AUDIENCE] = "audience",
	    [ATOK_WHY_CLAIMS] = "claims",
	    [ATOK_WHY_INACTIVE] = "inactive",
	    [ATOK_WHY_NOT_TOKEN] = "not_a_token",
	    [ATOK_WHY_SOURCE] = "source_address",
	    [ATOK_WHY_ROTATED] = "rotated",
	};

	if ((size_t)w < ATOK_ARRAY_SIZE(names) && names[w] != NULL)
		return names[w];
	return "unknown";
}
