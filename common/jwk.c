/* SPDX-License-Identifier: BSD-3-Clause */
/* jwk.c - JSON Web Keys and key sets, parsed once into EVP_PKEYs. */
#include "ac_config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "b64url.h"
#include "jwk.h"
#include "util.h"

#define JWK_FIELD_MAX 1024 /* decoded bytes of n (8192-bit RSA) */

static const char *const alg_names[ATOK_ALG_COUNT] = {
    [ATOK_ALG_UNKNOWN] = "unknown", [ATOK_ALG_RS256] = "RS256",
    [ATOK_ALG_RS384] = "RS384",     [ATOK_ALG_RS512] = "RS512",
    [ATOK_ALG_PS256] = "PS256",     [ATOK_ALG_PS384] = "PS384",
    [ATOK_ALG_PS512] = "PS512",     [ATOK_ALG_ES256] = "ES256",
    [ATOK_ALG_ES384] = "ES384",     [ATOK_ALG_ES512] = "ES512",
    [ATOK_ALG_EDDSA] = "EdDSA",     [ATOK_ALG_HS256] = "HS256",
    [ATOK_ALG_HS384] = "HS384",     [ATOK_ALG_HS512] = "HS512",
};

const char *atok_jws_alg_name(enum atok_jws_alg alg)
{
	return (unsigned)alg < ATOK_ALG_COUNT ? alg_names[alg] : "unknown";
}

enum atok_jws_alg atok_jws_alg_from_name(const char *s, size_t len)
{
	int i;

	for (i = 1; i < ATOK_ALG_COUNT; i++)
		if (strlen(alg_names[i]) == len &&
		    memcmp(alg_names[i], s, len) == 0)
			return (enum atok_jws_alg)i;
	return ATOK_ALG_UNKNOWN;
}

/* Decodes a base64url member of o into a fresh buffer. */
static int member_b64(json_t *o, const char *name, unsigned char *buf,
                      size_t bufsz, size_t *len)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v))
		return ATOK_ERR_MALFORMED;
	return atok_b64url_decode(json_string_value(v), json_string_length(v),
	                          buf, bufsz, len);
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static int parse_rsa(json_t *o, struct atok_jwk *k, struct atok_error *err)
{
	unsigned char n[JWK_FIELD_MAX], e[16];
	size_t nlen, elen;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r = ATOK_ERR_MALFORMED;

	if (member_b64(o, "n", n, sizeof(n), &nlen) != 0 || nlen == 0 ||
	    n[0] == 0 || member_b64(o, "e", e, sizeof(e), &elen) != 0 ||
	    elen == 0 || e[0] == 0) {
		atok_error_set(err, r, "RSA key %s: bad n or e", k->kid);
		goto out;
	}
	if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    (k->pkey = pkey_fromdata("RSA", bld)) == NULL) {
		atok_error_set(err, ATOK_ERR_CRYPTO,
		               "RSA key %s: rejected by "
		               "OpenSSL",
		               k->kid);
		r = ATOK_ERR_CRYPTO;
		goto out;
	}
	/* 0 when OpenSSL could not work it out (out of memory): not a
	 * short key. */
	if ((k->bits = EVP_PKEY_get_bits(k->pkey)) <= 0) {
		EVP_PKEY_free(k->pkey);
		k->pkey = NULL;
		r = atok_error_set(
		    err, ATOK_ERR_CRYPTO,
		    "RSA key %s: OpenSSL could not tell its size", k->kid);
		goto out;
	}
	r = 0;
out:
	BN_free(bn_n);
	BN_free(bn_e);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int parse_ec(json_t *o, struct atok_jwk *k, struct atok_error *err)
{
	static const struct {
		const char *crv, *group;
		int bytes;
	} curves[] = {
	    {"P-256", "prime256v1", 32},
	    {"P-384", "secp384r1", 48},
	    {"P-521", "secp521r1", 66},
	};
	unsigned char x[66], y[66], pt[1 + 2 * 66];
	size_t xlen, ylen, i;
	const char *crv = json_string_value(json_object_get(o, "crv"));
	OSSL_PARAM_BLD *bld = NULL;
	int r = ATOK_ERR_MALFORMED;

	for (i = 0; crv != NULL && i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(crv, curves[i].crv) == 0)
			break;
	if (crv == NULL || i == sizeof(curves) / sizeof(curves[0])) {
		k->usable = 0; /* a curve we do not use */
		return 0;
	}
	k->curve_bytes = curves[i].bytes;
	if (member_b64(o, "x", x, sizeof(x), &xlen) != 0 ||
	    member_b64(o, "y", y, sizeof(y), &ylen) != 0 ||
	    xlen != (size_t)k->curve_bytes || ylen != (size_t)k->curve_bytes) {
		atok_error_set(err, r, "EC key %s: bad x or y", k->kid);
		goto out;
	}
	pt[0] = 0x04;
	memcpy(pt + 1, x, xlen);
	memcpy(pt + 1 + xlen, y, ylen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                     curves[i].group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	                                      1 + 2 * xlen) ||
	    (k->pkey = pkey_fromdata("EC", bld)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_CRYPTO,
		                   "EC key %s: point rejected by OpenSSL",
		                   k->kid);
		goto out;
	}
	k->bits = EVP_PKEY_get_bits(k->pkey);
	r = 0;
out:
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int parse_okp(json_t *o, struct atok_jwk *k, struct atok_error *err)
{
	unsigned char x[64];
	size_t xlen;
	const char *crv = json_string_value(json_object_get(o, "crv"));

	if (crv == NULL || strcmp(crv, "Ed25519") != 0) {
		k->usable = 0; /* X25519, Ed448: not for us */
		return 0;
	}
	if (member_b64(o, "x", x, sizeof(x), &xlen) != 0 || xlen != 32)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "Ed25519 key %s: bad x", k->kid);
	k->curve_bytes = 32;
	k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xlen);
	if (k->pkey == NULL)
		return atok_error_set(err, ATOK_ERR_CRYPTO,
		                      "Ed25519 key %s: rejected by OpenSSL",
		                      k->kid);
	k->bits = 256;
	return 0;
}

static int parse_key(json_t *o, size_t idx, struct atok_jwk *k,
                     struct atok_error *err)
{
	json_t *kid = json_object_get(o, "kid"),
	       *use = json_object_get(o, "use"),
	       *alg = json_object_get(o, "alg");
	const char *kty = json_string_value(json_object_get(o, "kty"));

	memset(k, 0, sizeof(*k));
	k->usable = 1;
	if (!json_is_object(o))
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "key %zu is not an object", idx);
	if (kid != NULL) {
		if (!json_is_string(kid) || json_string_length(kid) == 0 ||
		    json_string_length(kid) > ATOK_KID_MAX)
			return atok_error_set(err, ATOK_ERR_MALFORMED,
			                      "key %zu: bad kid", idx);
		memcpy(k->kid, json_string_value(kid), json_string_length(kid));
		k->has_kid = 1;
	} else {
		snprintf(k->kid, sizeof(k->kid), "#%zu", idx);
	}
	if (use != NULL && (!json_is_string(use) ||
	                    strcmp(json_string_value(use), "sig") != 0))
		k->usable = 0;
	if (alg != NULL) {
		if (!json_is_string(alg))
			return atok_error_set(err, ATOK_ERR_MALFORMED,
			                      "key %s: bad alg", k->kid);
		k->alg = atok_jws_alg_from_name(json_string_value(alg),
		                                json_string_length(alg));
		if (k->alg == ATOK_ALG_UNKNOWN)
			k->usable = 0; /* e.g. RSA-OAEP: an encryption key */
	}
	if (kty == NULL)
		return atok_error_set(err, ATOK_ERR_MALFORMED, "key %s: no kty",
		                      k->kid);
	if (!k->usable)
		return 0;
	if (strcmp(kty, "RSA") == 0) {
		k->kty = ATOK_KTY_RSA;
		return parse_rsa(o, k, err);
	}
	if (strcmp(kty, "EC") == 0) {
		k->kty = ATOK_KTY_EC;
		return parse_ec(o, k, err);
	}
	if (strcmp(kty, "OKP") == 0) {
		k->kty = ATOK_KTY_OKP;
		return parse_okp(o, k, err);
	}
	k->usable = 0; /* "oct" in a published set, or unknown */
	return 0;
}

int atok_jwks_parse(const char *json, size_t len, struct atok_jwks **out,
                    struct atok_error *err)
{
	struct atok_jwks *ks = NULL;
	json_t *root = NULL, *keys;
	json_error_t jerr;
	size_t i, n, usable = 0;
	int r;

	*out = NULL;
	if (len > ATOK_JWKS_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "JWKS larger than %d bytes",
		                      ATOK_JWKS_MAX);
	atok_jansson_init();
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		r = atok_error_set(err, ATOK_ERR_MALFORMED,
		                   "JWKS is not a JSON object: %.100s",
		                   root ? "" : jerr.text);
		goto out;
	}
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys) || (n = json_array_size(keys)) == 0 ||
	    n > ATOK_JWKS_KEYS_MAX) {
		r = atok_error_set(err, ATOK_ERR_MALFORMED,
		                   "JWKS needs a \"keys\" array of 1 to %d "
		                   "keys",
		                   ATOK_JWKS_KEYS_MAX);
		goto out;
	}
	if ((ks = calloc(1, sizeof(*ks) + n * sizeof(ks->keys[0]))) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = parse_key(json_array_get(keys, i), i, &ks->keys[i],
		                   err)) != 0)
			goto out;
		ks->n++;
		if (ks->keys[i].usable && ks->keys[i].pkey != NULL)
			usable++;
		else
			ks->keys[i].usable = 0;
	}
	if (usable == 0) {
		r = atok_error_set(err, ATOK_ERR_MALFORMED,
		                   "JWKS holds no usable signature key");
		goto out;
	}
	*out = ks;
	ks = NULL;
	r = 0;
out:
	atok_jwks_free(&ks);
	json_decref(root);
	return r;
}

void atok_jwks_free(struct atok_jwks **ksp)
{
	size_t i;

	if (ksp == NULL || *ksp == NULL)
		return;
	for (i = 0; i < (*ksp)->n; i++) {
		int k;
		for (k = 0; k < ATOK_VCTX_N; k++)
			EVP_PKEY_CTX_free((*ksp)->keys[i].vctx[k]);
		EVP_PKEY_free((*ksp)->keys[i].pkey);
	}
	free(*ksp);
	*ksp = NULL;
}

int atok_jwk_fits(const struct atok_jwk *k, enum atok_jws_alg alg,
                  const char **why)
{
	*why = NULL;
	if (!k->usable || k->pkey == NULL)
		*why = "key is not a usable signature key";
	else if (k->alg != ATOK_ALG_UNKNOWN && k->alg != alg)
		*why = "key's own alg differs from the token's";
	else {
		switch (alg) {
		case ATOK_ALG_RS256:
		case ATOK_ALG_RS384:
		case ATOK_ALG_RS512:
		case ATOK_ALG_PS256:
		case ATOK_ALG_PS384:
		case ATOK_ALG_PS512:
			if (k->kty != ATOK_KTY_RSA)
				*why = "alg needs an RSA key";
			else if (k->bits < ATOK_RSA_MIN_BITS)
				*why = "RSA key shorter than 2048 bits";
			break;
		case ATOK_ALG_ES256:
		case ATOK_ALG_ES384:
		case ATOK_ALG_ES512:
			if (k->kty != ATOK_KTY_EC ||
			    k->curve_bytes != (alg == ATOK_ALG_ES256   ? 32
			                       : alg == ATOK_ALG_ES384 ? 48
			                                               : 66))
				*why = "alg needs an EC key on its curve";
			break;
		case ATOK_ALG_EDDSA:
			if (k->kty != ATOK_KTY_OKP)
				*why = "EdDSA needs an Ed25519 key";
			break;
		default:
			*why = "alg cannot use a public key";
			break;
		}
	}
	return *why == NULL;
}

const struct atok_jwk *atok_jwks_select(const struct atok_jwks *ks,
                                        const char *kid, enum atok_jws_alg alg,
                                        struct atok_key_miss *miss)
{
	const struct atok_jwk *found = NULL;
	size_t i, matches = 0;

	miss->code = ATOK_ERR_INVALID;
	miss->why = NULL;
	if (ks == NULL) {
		miss->why = "no key set";
		return NULL;
	}
	for (i = 0; i < ks->n; i++) {
		const struct atok_jwk *k = &ks->keys[i];
		const char *w;
		if (kid != NULL) {
			if (!k->has_kid || strcmp(k->kid, kid) != 0)
				continue;
			matches++;
			found = k;
		} else if (atok_jwk_fits(k, alg, &w)) {
			matches++;
			found = k;
		}
	}
	if (matches == 0 && kid != NULL) {
		miss->code = ATOK_ERR_NOT_FOUND;
		miss->why = "no key with the token's kid";
		return NULL;
	}
	if (matches == 0) {
		miss->why = "no key fits the token's alg";
		return NULL;
	}
	if (matches > 1) {
		miss->why = kid != NULL
		                ? "two keys share the token's kid"
		                : "token has no kid and several keys fit";
		return NULL;
	}
	if (!atok_jwk_fits(found, alg, &miss->why))
		return NULL;
	miss->code = 0;
	return found;
}
