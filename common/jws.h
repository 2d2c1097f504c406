/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jws.h - JWS compact serialization (RFC 7515): strict parsing, signature
 * verification, and the signer of our own client assertions (RFC 7523).
 * The only file that calls OpenSSL's verify and sign APIs.
 */
#ifndef ATOK_JWS_H
#define ATOK_JWS_H

#include <stddef.h>

#include "b64url.h"
#include "errors.h"
#include "json.h"
#include "jwk.h"

#define ATOK_JWS_MAX        16384 /* bytes of a whole token */
#define ATOK_JWS_HEADER_MAX 2048  /* bytes of the encoded header */
#define ATOK_JWS_SIG_MAX    1024  /* decoded signature bytes (8192-bit RSA) */
#define ATOK_JWS_TYP_MAX    64

struct atok_jws {
	enum atok_jws_alg alg;
	char kid[ATOK_KID_MAX + 1];
	int has_kid;
	char typ[ATOK_JWS_TYP_MAX + 1];
	const char *signing_input; /* header.payload, inside the token */
	size_t signing_input_len;
	unsigned char sig[ATOK_JWS_SIG_MAX];
	size_t sig_len;
	/* The decoded payload and its members (spans into payload). */
	char payload[ATOK_B64URL_DECODED_MAX(ATOK_JWS_MAX)];
	struct atok_json_object claims;
};

/*
 * Parses tok: exactly three strict base64url parts, a JSON object header
 * (no duplicate members; `alg` a known name, never "none"; no `crit`; no
 * nested `cty: JWT`; `jku`/`x5u`/`jwk`/`x5c` ignored), and a JSON object
 * payload.  Returns 0 or ATOK_ERR_MALFORMED / ATOK_ERR_TOO_LONG with a
 * reason in err.  Call atok_jws_clear() after either.
 */
int atok_jws_parse(const char *tok, size_t len, struct atok_jws *out,
                   struct atok_error *err);

void atok_jws_clear(struct atok_jws *jws);

struct atok_hmac_key;

/*
 * Prepares an HS* secret once: an HMAC context per digest, keyed, which
 * each verify duplicates.  The caller wipes its copy of the secret.
 */
int atok_hmac_key_new(const unsigned char *secret, size_t len,
                      struct atok_hmac_key **out, struct atok_error *err);

void atok_hmac_key_free(struct atok_hmac_key **kp);

/* HMAC-SHA256 of p[0..len) with a prepared key into out.  0 or
 * ATOK_ERR_CRYPTO. */
int atok_hmac_key_sha256(const struct atok_hmac_key *k, const void *p,
                         size_t len, unsigned char out[32]);

/* The secret's length in bytes (an HS* alg needs at least its hash size). */
size_t atok_hmac_key_len(const struct atok_hmac_key *k);

/*
 * Verifies the signature with key (public-key algs) or hmac (HS*).  The
 * caller has checked that the key fits the alg.  Returns 0 when valid,
 * ATOK_ERR_SIGNATURE when not, ATOK_ERR_CRYPTO on a library failure.
 */
int atok_jws_verify(const struct atok_jws *jws, const struct atok_jwk *key,
                    const struct atok_hmac_key *hmac, struct atok_error *err);

/*
 * The same for RS256, PS256 and ES256 given the SHA-256 of the signing
 * input (computed with the token's own digest in one pass), through a
 * verify context the key keeps: no second hash, no per-token set-up.
 * Other algs return ATOK_ERR_INVALID: use atok_jws_verify().
 */
int atok_jws_verify_prehashed(const struct atok_jws *jws,
                              const struct atok_jwk *key,
                              const unsigned char digest[32],
                              struct atok_error *err);

/* The digest an alg signs with (NULL for EdDSA). */
const char *atok_jws_digest_name(enum atok_jws_alg alg);

struct atok_jws_signer;

/*
 * A signer from a PEM private key text pem[0..len): RS256 for an RSA key
 * of 2048 bits or more, ES256 for a 256-bit EC key.  Returns 0 with *out,
 * ATOK_ERR_INVALID when the text is no such key, or ATOK_ERR_NOMEM, with
 * err.  The caller wipes its copy of the PEM.
 */
int atok_jws_signer_new(const char *pem, size_t len,
                        struct atok_jws_signer **out, struct atok_error *err);

/* Frees *sp (NULL fine), its key cleansed, and sets it to NULL. */
void atok_jws_signer_free(struct atok_jws_signer **sp);

/* The alg the signer signs with: ATOK_ALG_RS256 or ATOK_ALG_ES256. */
enum atok_jws_alg atok_jws_signer_alg(const struct atok_jws_signer *s);

/*
 * Signs payload[0..len) (a JSON text, used byte for byte) under the
 * header {"alg":ALG,"typ":"JWT"}: the compact JWS, an ES signature as
 * fixed-width R||S, in a malloc'd string *out that the caller frees.
 * Returns 0, or ATOK_ERR_TOO_LONG (len over ATOK_JWS_MAX), ATOK_ERR_NOMEM
 * or ATOK_ERR_CRYPTO with err.
 */
int atok_jws_sign(const struct atok_jws_signer *s, const char *payload,
                  size_t len, char **out, struct atok_error *err);

#endif
