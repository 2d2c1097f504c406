/* SPDX-License-Identifier: BSD-3-Clause */
/* jws.c - JWS compact serialization: strict parsing, signature check, and
 * the signer of our client assertions. */
#include "ac_config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "digest.h"
#include "jws.h"

#define JWS_PAYLOAD_MAX ATOK_JWS_MAX

const char *atok_jws_digest_name(enum atok_jws_alg alg)
{
	switch (alg) {
	case ATOK_ALG_RS256:
	case ATOK_ALG_PS256:
	case ATOK_ALG_ES256:
	case ATOK_ALG_HS256:
		return "SHA256";
	case ATOK_ALG_RS384:
	case ATOK_ALG_PS384:
	case ATOK_ALG_ES384:
	case ATOK_ALG_HS384:
		return "SHA384";
	case ATOK_ALG_RS512:
	case ATOK_ALG_PS512:
	case ATOK_ALG_ES512:
	case ATOK_ALG_HS512:
		return "SHA512";
	default:
		return NULL;
	}
}

void atok_jws_clear(struct atok_jws *jws)
{
	if (jws == NULL)
		return;
	/* Nothing in a parsed JWS is secret or owned: forget the members. */
	jws->claims.n = 0;
	jws->sig_len = 0;
}

/* Decodes a base64url JSON object into buf and indexes its members. */
static int decode_object(const char *p, size_t len, char *buf, size_t bufsz,
                         struct atok_json_object *o, const char *what,
                         struct atok_error *err)
{
	size_t n;
	int r;

	if (atok_b64url_decode(p, len, (unsigned char *)buf, bufsz, &n) != 0)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "JWT %s is not strict base64url", what);
	if ((r = atok_json_parse_object(buf, n, o)) != 0)
		return atok_error_set(
		    err, ATOK_ERR_MALFORMED,
		    "JWT %s is not a JSON object with unique "
		    "member names%s",
		    what,
		    r == ATOK_ERR_TOO_LONG ? " (too many or too deep)" : "");
	return 0;
}

static int parse_header(const struct atok_json_object *h, struct atok_jws *out,
                        struct atok_error *err)
{
	const struct atok_json_member *alg = atok_json_get(h, "alg"),
	                              *kid = atok_json_get(h, "kid"),
	                              *typ = atok_json_get(h, "typ"),
	                              *cty = atok_json_get(h, "cty");
	char name[16], ctyv[16];
	size_t n = 0;

	if (alg == NULL || atok_json_string(alg, name, sizeof(name), &n) != 0)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "JWT header has no usable alg");
	out->alg = atok_jws_alg_from_name(name, n);
	if (out->alg == ATOK_ALG_UNKNOWN)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "JWT alg \"%.16s\" is not supported",
		                      name);
	/* We understand no extension, so any crit must fail (RFC 7515
	 * 4.1.11). */
	if (atok_json_get(h, "crit") != NULL)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "JWT header has a crit extension we do "
		                      "not implement");
	if (cty != NULL &&
	    (atok_json_string(cty, ctyv, sizeof(ctyv), NULL) != 0 ||
	     strcasecmp(ctyv, "JWT") == 0))
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "nested JWT (cty) is not accepted");
	if (kid != NULL) {
		if (atok_json_string(kid, out->kid, sizeof(out->kid), &n) !=
		        0 ||
		    n == 0)
			return atok_error_set(err, ATOK_ERR_MALFORMED,
			                      "JWT kid is not a short string");
		out->has_kid = 1;
	}
	if (typ != NULL &&
	    atok_json_string(typ, out->typ, sizeof(out->typ), NULL) != 0)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "JWT typ is not a short string");
	/* jku, x5u, jwk and x5c are never used to find a key. */
	return 0;
}

int atok_jws_parse(const char *tok, size_t len, struct atok_jws *out,
                   struct atok_error *err)
{
	char hbuf[ATOK_B64URL_DECODED_MAX(ATOK_JWS_HEADER_MAX)];
	struct atok_json_object h;
	const char *d1, *d2;
	size_t hlen, plen, slen;
	int r = ATOK_ERR_MALFORMED;

	/* Not a memset of the whole struct: the payload buffer is large and
	 * every field read later is set here or by the parsers. */
	out->alg = ATOK_ALG_UNKNOWN;
	out->kid[0] = out->typ[0] = '\0';
	out->has_kid = 0;
	out->signing_input = NULL;
	out->signing_input_len = out->sig_len = 0;
	out->claims.n = 0;
	if (len > ATOK_JWS_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "JWT is %zu bytes, longer than %d", len,
		                      ATOK_JWS_MAX);
	if ((d1 = memchr(tok, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)) != NULL)
		return atok_error_set(err, r, "JWT does not have three parts");
	hlen = (size_t)(d1 - tok);
	plen = (size_t)(d2 - d1 - 1);
	slen = len - (size_t)(d2 + 1 - tok);
	if (hlen == 0 || plen == 0 || slen == 0)
		return atok_error_set(err, r, "JWT has an empty part");
	if (hlen > ATOK_JWS_HEADER_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "JWT header longer than %d",
		                      ATOK_JWS_HEADER_MAX);
	if (atok_b64url_decode(d2 + 1, slen, out->sig, sizeof(out->sig),
	                       &out->sig_len) != 0)
		return atok_error_set(err, r,
		                      "JWT signature is not strict "
		                      "base64url");
	if ((r = decode_object(tok, hlen, hbuf, sizeof(hbuf), &h, "header",
	                       err)) != 0 ||
	    (r = parse_header(&h, out, err)) != 0 ||
	    (r = decode_object(d1 + 1, plen, out->payload, sizeof(out->payload),
	                       &out->claims, "payload", err)) != 0) {
		out->claims.n = 0;
		return r;
	}
	out->signing_input = tok;
	out->signing_input_len = (size_t)(d2 - tok);
	return 0;
}

/* R||S (fixed width) to the DER that OpenSSL verifies. */
static int ecdsa_raw_to_der(const unsigned char *sig, size_t len,
                            unsigned char **der, int *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int ok = 0;

	*der = NULL;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, (int)(len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by es */
	if ((*der_len = i2d_ECDSA_SIG(es, der)) <= 0)
		goto out;
	ok = 1;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ok;
}

/*
 * An ES signature is exactly R||S of the key's curve size (a DER signature
 * is not a JWS signature); OpenSSL verifies DER.  On success *sig and
 * *sig_len point at *der, which the caller frees with OPENSSL_free.
 */
static int es_signature_der(const struct atok_jwk *key,
                            const unsigned char **sig, size_t *sig_len,
                            unsigned char **der, struct atok_error *err)
{
	int der_len = 0;

	if (*sig_len != 2 * (size_t)key->curve_bytes)
		return atok_error_set(err, ATOK_ERR_SIGNATURE,
		                      "ES signature is %zu bytes, not %d",
		                      *sig_len, 2 * key->curve_bytes);
	if (!ecdsa_raw_to_der(*sig, *sig_len, der, &der_len))
		return atok_error_set(err, ATOK_ERR_CRYPTO,
		                      "ECDSA signature conversion failed");
	*sig = *der;
	*sig_len = (size_t)der_len;
	return 0;
}

struct atok_hmac_key {
	EVP_MAC_CTX *ctx[3]; /* SHA256, SHA384, SHA512, keyed */
	size_t len;
};

static const char *const hmac_mds[3] = {"SHA256", "SHA384", "SHA512"};

int atok_hmac_key_new(const unsigned char *secret, size_t len,
                      struct atok_hmac_key **out, struct atok_error *err)
{
	struct atok_hmac_key *k = NULL;
	EVP_MAC *mac = NULL;
	OSSL_PARAM params[2];
	int i, r = ATOK_ERR_CRYPTO;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	k->len = len;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto out;
	for (i = 0; i < 3; i++) {
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)hmac_mds[i], 0);
		params[1] = OSSL_PARAM_construct_end();
		if ((k->ctx[i] = EVP_MAC_CTX_new(mac)) == NULL ||
		    EVP_MAC_init(k->ctx[i], secret, len, params) != 1)
			goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	if (r != 0)
		atok_error_set(err, r, "HMAC key set-up failed");
	atok_hmac_key_free(&k);
	EVP_MAC_free(mac);
	return r;
}

void atok_hmac_key_free(struct atok_hmac_key **kp)
{
	int i;

	if (kp == NULL || *kp == NULL)
		return;
	for (i = 0; i < 3; i++)
		EVP_MAC_CTX_free((*kp)->ctx[i]); /* cleanses the key */
	free(*kp);
	*kp = NULL;
}

int atok_hmac_key_sha256(const struct atok_hmac_key *k, const void *p,
                         size_t len, unsigned char out[32])
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(k->ctx[0]);
	size_t n = 0;
	int r = ATOK_ERR_CRYPTO;

	if (ctx != NULL && EVP_MAC_update(ctx, p, len) == 1 &&
	    EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32)
		r = 0;
	EVP_MAC_CTX_free(ctx);
	return r;
}

size_t atok_hmac_key_len(const struct atok_hmac_key *k)
{
	return k != NULL ? k->len : 0;
}

static int verify_hmac(const struct atok_jws *jws,
                       const struct atok_hmac_key *key, struct atok_error *err)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	EVP_MAC_CTX *ctx = NULL;
	int which = jws->alg == ATOK_ALG_HS256   ? 0
	            : jws->alg == ATOK_ALG_HS384 ? 1
	                                         : 2;
	int r = ATOK_ERR_CRYPTO;

	if (key == NULL)
		return atok_error_set(err, ATOK_ERR_SIGNATURE,
		                      "HMAC algorithm but no secret "
		                      "configured");
	if ((ctx = EVP_MAC_CTX_dup(key->ctx[which])) == NULL ||
	    EVP_MAC_update(ctx, (const unsigned char *)jws->signing_input,
	                   jws->signing_input_len) != 1 ||
	    EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) != 1) {
		atok_error_set(err, r, "HMAC failed");
		goto out;
	}
	if (mac_len != jws->sig_len ||
	    CRYPTO_memcmp(mac, jws->sig, mac_len) != 0) {
		r = atok_error_set(err, ATOK_ERR_SIGNATURE,
		                   "JWT signature does not verify");
		goto out;
	}
	r = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	return r;
}

/*
 * Why a verify call did not return 1, from OpenSSL's error queue (which
 * it empties; callers clear it before the call).  OpenSSL returns 0 for
 * a bad signature but also when it runs out of memory inside RSA, and -1
 * for a malformed signature as for its own failures, so the return value
 * cannot tell them apart: a fatal error in the queue
 * (ERR_R_MALLOC_FAILURE, ERR_R_INTERNAL_ERROR, ...) is the library's,
 * ATOK_ERR_CRYPTO; anything else refuses the signature.  Should OpenSSL
 * be unable even to record an error (its per-thread error state is
 * allocated on first use), a failure reads as a bad signature.
 */
static int verify_failure(struct atok_error *err)
{
	unsigned long e;
	int fatal = 0;

	while ((e = ERR_get_error()) != 0)
		if (ERR_FATAL_ERROR(e))
			fatal = 1;
	if (fatal)
		return atok_error_set(err, ATOK_ERR_CRYPTO,
		                      "OpenSSL failed while verifying the JWT "
		                      "signature");
	return atok_error_set(err, ATOK_ERR_SIGNATURE,
	                      "JWT signature does not verify");
}

static int verify_once(const struct atok_jws *jws, const struct atok_jwk *key,
                       const struct atok_hmac_key *hmac, struct atok_error *err)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig = jws->sig;
	size_t sig_len = jws->sig_len;
	const char *md = atok_jws_digest_name(jws->alg);
	int rc, r = ATOK_ERR_CRYPTO;

	switch (jws->alg) {
	case ATOK_ALG_HS256:
	case ATOK_ALG_HS384:
	case ATOK_ALG_HS512:
		return verify_hmac(jws, hmac, err);
	case ATOK_ALG_UNKNOWN:
	case ATOK_ALG_COUNT:
		return atok_error_set(err, ATOK_ERR_SIGNATURE, "no algorithm");
	default:
		break;
	}
	if (key == NULL || key->pkey == NULL)
		return atok_error_set(err, ATOK_ERR_SIGNATURE, "no key");
	/* Not into r: it stays ATOK_ERR_CRYPTO until the verify succeeds. */
	if (key->kty == ATOK_KTY_EC &&
	    (rc = es_signature_der(key, &sig, &sig_len, &der, err)) != 0)
		return rc;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, &pctx, atok_md(md), NULL, key->pkey) != 1)
		goto out;
	if (jws->alg == ATOK_ALG_PS256 || jws->alg == ATOK_ALG_PS384 ||
	    jws->alg == ATOK_ALG_PS512) {
		/* RFC 7518 3.5: MGF1 with the same hash, salt = hash size. */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) !=
		        1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(
		        pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
			goto out;
	} else if (key->kty == ATOK_KTY_RSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
			goto out;
	}
	/* The context is used once: EVP_DigestVerifyFinal() need not copy
	 * it, a copy whose failure OpenSSL would report as a bad
	 * signature with nothing queued. */
	EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
	ERR_clear_error();
	rc = EVP_DigestVerify(ctx, sig, sig_len,
	                      (const unsigned char *)jws->signing_input,
	                      jws->signing_input_len);
	r = rc == 1 ? 0 : verify_failure(err);
out:
	if (r == ATOK_ERR_CRYPTO)
		atok_error_set(err, r, "OpenSSL could not verify the JWT");
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return r;
}

/*
 * Whether SHA-512 can be computed right now, as Ed25519 verification does
 * inside OpenSSL: a fetch, a fresh context, init, update, final.
 */
static int sha512_works(const struct atok_jws *jws)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	size_t n = 0;

	return EVP_Q_digest(NULL, "SHA512", NULL, jws->signing_input,
	                    jws->signing_input_len, out, &n) == 1 &&
	       n == 64;
}

int atok_jws_verify(const struct atok_jws *jws, const struct atok_jwk *key,
                    const struct atok_hmac_key *hmac, struct atok_error *err)
{
	int r = verify_once(jws, key, hmac, err);

	/*
	 * OpenSSL 3.0's ossl_ed25519_verify() answers "bad signature", with
	 * nothing queued, when it cannot allocate its own SHA-512 context,
	 * or when a failed allocation cost OpenSSL that name for good while
	 * it registered its algorithms: a good EdDSA token would read as
	 * forged.  So a bad EdDSA signature is verified once more, and if
	 * SHA-512 cannot be computed just after, the failure was OpenSSL's:
	 * an error.  A forged EdDSA token costs two verifications; a good one
	 * nothing more.
	 */
	if (r == ATOK_ERR_SIGNATURE && jws->alg == ATOK_ALG_EDDSA) {
		atok_error_clear(err);
		r = verify_once(jws, key, hmac, err);
		if (r == ATOK_ERR_SIGNATURE && !sha512_works(jws))
			r = atok_error_set(err, ATOK_ERR_CRYPTO,
			                   "OpenSSL could not verify the JWT "
			                   "(SHA-512 unavailable)");
	}
	return r;
}

/* A verify context for (key, alg), made once and kept by the key. */
static EVP_PKEY_CTX *verify_ctx(struct atok_jwk *k, enum atok_jws_alg alg)
{
	int which = alg == ATOK_ALG_RS256   ? ATOK_VCTX_RS256
	            : alg == ATOK_ALG_PS256 ? ATOK_VCTX_PS256
	                                    : ATOK_VCTX_ES256;
	EVP_PKEY_CTX *c;

	if (k->vctx[which] != NULL)
		return k->vctx[which];
	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1)
		goto fail;
	if (alg == ATOK_ALG_RS256 &&
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1)
		goto fail;
	/* RFC 7518 3.5: MGF1 with the same hash, salt = hash size. */
	if (alg == ATOK_ALG_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) != 1))
		goto fail;
	k->vctx[which] = c;
	return c;
fail:
	EVP_PKEY_CTX_free(c);
	return NULL;
}

int atok_jws_verify_prehashed(const struct atok_jws *jws,
                              const struct atok_jwk *key,
                              const unsigned char digest[32],
                              struct atok_error *err)
{
	/* The contexts are a cache inside the key; see jwk.h. */
	struct atok_jwk *k = (struct atok_jwk *)key;
	unsigned char *der = NULL;
	const unsigned char *sig = jws->sig;
	size_t sig_len = jws->sig_len;
	EVP_PKEY_CTX *c;
	int rc, r;

	if (jws->alg != ATOK_ALG_RS256 && jws->alg != ATOK_ALG_PS256 &&
	    jws->alg != ATOK_ALG_ES256)
		return ATOK_ERR_INVALID;
	if (k == NULL || k->pkey == NULL)
		return atok_error_set(err, ATOK_ERR_SIGNATURE, "no key");
	if (k->kty == ATOK_KTY_EC &&
	    (r = es_signature_der(k, &sig, &sig_len, &der, err)) != 0)
		return r;
	if ((c = verify_ctx(k, jws->alg)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_CRYPTO,
		                   "OpenSSL could not set up verification");
		goto out;
	}
	ERR_clear_error();
	rc = EVP_PKEY_verify(c, sig, sig_len, digest, 32);
	r = rc == 1 ? 0 : verify_failure(err);
out:
	OPENSSL_free(der);
	return r;
}

/* ---- signing ------------------------------------------------------------ */

struct atok_jws_signer {
	EVP_PKEY *pkey;
	enum atok_jws_alg alg; /* RS256 or ES256 */
};

/*
 * The passphrase callback for PEM_read_bio_PrivateKey: there is none.  With
 * NULL, OpenSSL's default callback would prompt on the controlling terminal,
 * which inside sudo or login is the user's: an encrypted key fails instead.
 */
/* NOLINTNEXTLINE(readability-non-const-parameter): pem_password_cb's type */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* 1 if k is an EC key on P-256 (a 256-bit key on another curve is not). */
static int is_p256(EVP_PKEY *k)
{
	char name[32];
	size_t n = 0;

	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_group_name(k, name, sizeof(name), &n) == 1 &&
	       strcmp(name, SN_X9_62_prime256v1) == 0;
}

int atok_jws_signer_new(const char *pem, size_t len,
                        struct atok_jws_signer **out, struct atok_error *err)
{
	struct atok_jws_signer *s;
	EVP_PKEY *k = NULL;
	enum atok_jws_alg alg = ATOK_ALG_UNKNOWN;
	BIO *b;

	*out = NULL;
	if (len <= INT_MAX) {
		b = BIO_new_mem_buf(pem, (int)len);
		k = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL)
		      : NULL;
		BIO_free(b);
	}
	if (k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bits(k) >= 2048)
		alg = ATOK_ALG_RS256;
	else if (k != NULL && is_p256(k))
		alg = ATOK_ALG_ES256;
	if (alg == ATOK_ALG_UNKNOWN) {
		EVP_PKEY_free(k);
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "not an RSA (2048 bits or more) or P-256 "
		                      "private key in PEM");
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		EVP_PKEY_free(k);
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	}
	s->pkey = k;
	s->alg = alg;
	*out = s;
	return 0;
}

void atok_jws_signer_free(struct atok_jws_signer **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	EVP_PKEY_free((*sp)->pkey); /* cleanses the private key */
	free(*sp);
	*sp = NULL;
}

enum atok_jws_alg atok_jws_signer_alg(const struct atok_jws_signer *s)
{
	return s->alg;
}

/* OpenSSL's DER ECDSA signature to the fixed-width R||S of JWS (half bytes
 * each); the inverse of ecdsa_raw_to_der. */
static int ecdsa_der_to_raw(const unsigned char *der, size_t len, int half,
                            unsigned char *raw)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int ok;

	if (es == NULL)
		return 0;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, raw, half) == half &&
	     BN_bn2binpad(s, raw + half, half) == half;
	ECDSA_SIG_free(es);
	return ok;
}

int atok_jws_sign(const struct atok_jws_signer *s, const char *payload,
                  size_t len, char **out, struct atok_error *err)
{
	char header[40], *t = NULL;
	unsigned char sig[ATOK_JWS_SIG_MAX], raw[64];
	size_t sig_len = sizeof(sig), n;
	EVP_MD_CTX *ctx = NULL;
	int r = ATOK_ERR_CRYPTO;

	*out = NULL;
	if (len > ATOK_JWS_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "JWS payload longer than %d",
		                      ATOK_JWS_MAX);
	n = (size_t)snprintf(header, sizeof(header),
	                     "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
	                     atok_jws_alg_name(s->alg));
	if ((t = malloc(ATOK_B64_ENCODED_SIZE(n) + ATOK_B64_ENCODED_SIZE(len) +
	                ATOK_B64_ENCODED_SIZE(sizeof(sig)))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	n = atok_b64url_encode((const unsigned char *)header, n, t);
	t[n++] = '.';
	n += atok_b64url_encode((const unsigned char *)payload, len, t + n);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, atok_md("SHA256"), NULL, s->pkey) !=
	        1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)t, n) !=
	        1)
		goto out;
	if (s->alg == ATOK_ALG_ES256) {
		if (!ecdsa_der_to_raw(sig, sig_len, 32, raw))
			goto out;
		memcpy(sig, raw, 64);
		sig_len = 64;
	}
	t[n] = '.';
	atok_b64url_encode(sig, sig_len, t + n + 1);
	*out = t;
	t = NULL;
	r = 0;
out:
	if (r != 0)
		atok_error_set(err, r, "OpenSSL could not sign the JWS");
	EVP_MD_CTX_free(ctx);
	free(t);
	return r;
}
