/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jwk.h - JSON Web Keys (RFC 7517/7518/8037) and key sets, parsed once into
 * EVP_PKEYs.  Which algorithm a key may serve is decided here, from the
 * key's type, curve, size and its own `alg`/`use` members.
 */
#ifndef ATOK_JWK_H
#define ATOK_JWK_H

#include <stddef.h>

#include "atok.h"
#include "errors.h"

#define ATOK_JWKS_MAX      (256 * 1024) /* bytes of a JWKS document */
#define ATOK_JWKS_KEYS_MAX 64           /* keys in one set */
#define ATOK_RSA_MIN_BITS  2048

enum atok_jws_alg {
	ATOK_ALG_UNKNOWN = 0,
	ATOK_ALG_RS256,
	ATOK_ALG_RS384,
	ATOK_ALG_RS512,
	ATOK_ALG_PS256,
	ATOK_ALG_PS384,
	ATOK_ALG_PS512,
	ATOK_ALG_ES256,
	ATOK_ALG_ES384,
	ATOK_ALG_ES512,
	ATOK_ALG_EDDSA,
	ATOK_ALG_HS256,
	ATOK_ALG_HS384,
	ATOK_ALG_HS512,
	ATOK_ALG_COUNT
};

enum atok_kty {
	ATOK_KTY_NONE = 0,
	ATOK_KTY_RSA,
	ATOK_KTY_EC,
	ATOK_KTY_OKP,
	ATOK_KTY_OCT,
};

struct evp_pkey_st;
struct evp_pkey_ctx_st;

/* Indexes of the verify contexts a key caches for prehashed algs. */
enum { ATOK_VCTX_RS256, ATOK_VCTX_PS256, ATOK_VCTX_ES256, ATOK_VCTX_N };

struct atok_jwk {
	char kid[ATOK_KID_MAX + 1];
	int has_kid;
	enum atok_kty kty;
	int curve_bytes;       /* EC: 32, 48 or 66; OKP Ed25519: 32 */
	enum atok_jws_alg alg; /* the JWK's own "alg", or UNKNOWN */
	int usable;            /* 0: "use" is not "sig", or parse failed */
	int bits;
	struct evp_pkey_st *pkey;
	/* Verify contexts set up once for RS256/PS256/ES256 (jws.c); a
	 * cache, like the set itself used by one thread at a time. */
	struct evp_pkey_ctx_st *vctx[ATOK_VCTX_N];
};

struct atok_jwks {
	size_t n;
	struct atok_jwk keys[];
};

/* Name <-> enum; atok_jws_alg_from_name returns ATOK_ALG_UNKNOWN for "none"
 * and anything else unknown. */
const char *atok_jws_alg_name(enum atok_jws_alg alg);
enum atok_jws_alg atok_jws_alg_from_name(const char *s, size_t len);

/*
 * Parses a JWKS document.  Keys of unknown type, or with "use" other than
 * "sig", are kept but marked unusable; a malformed key (bad base64url, point
 * off the curve) is an error, so a broken identity provider is noticed.
 * A set without one usable key is an error.
 */
int atok_jwks_parse(const char *json, size_t len, struct atok_jwks **out,
                    struct atok_error *err);

void atok_jwks_free(struct atok_jwks **ksp);

/* Why no key was selected: a distinct code for each decision the caller
 * makes, and a static reason for the log. */
struct atok_key_miss {
	int code; /* ATOK_ERR_NOT_FOUND: no key has the token's kid (the
	             keys may have rotated); ATOK_ERR_INVALID: no key set, two
	             keys share the kid, no key or several fit, or the key
	             cannot serve the alg */
	const char *why;
};

/*
 * Picks the key for (kid, alg): by kid when the token names one (a kid held
 * by two keys is refused); else the one key of the set able to serve alg.
 * Returns NULL and fills *miss when there is none.
 */
const struct atok_jwk *atok_jwks_select(const struct atok_jwks *ks,
                                        const char *kid, enum atok_jws_alg alg,
                                        struct atok_key_miss *miss);

/* Whether key k may verify alg (type, curve, size, its alg and use). */
int atok_jwk_fits(const struct atok_jwk *k, enum atok_jws_alg alg,
                  const char **why);

#endif
