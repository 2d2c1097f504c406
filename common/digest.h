/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * digest.h - the message digests the core uses, by name.
 */
#ifndef ATOK_DIGEST_H
#define ATOK_DIGEST_H

#include <stddef.h>

struct evp_md_st;
struct atok_error;

/*
 * Initialises OpenSSL and checks that it worked: 0, or ATOK_ERR_CRYPTO
 * with err filled.  Call before the first other OpenSSL call of a
 * verifier; cheap after the first time.
 */
int atok_crypto_init(struct atok_error *err);

/* "SHA256", "SHA384", "SHA512": the fetched digest, or NULL. */
const struct evp_md_st *atok_md(const char *name);

/* SHA-256 of p[0..len) into out; 0 or ATOK_ERR_CRYPTO. */
int atok_sha256(const void *p, size_t len, unsigned char out[32]);

/* A piece of a message hashed by atok_sha256_parts(). */
struct atok_span {
	const void *p;
	size_t len;
};

/* SHA-256 of the n spans one after another; 0 or ATOK_ERR_CRYPTO. */
int atok_sha256_parts(const struct atok_span *parts, size_t n,
                      unsigned char out[32]);

/*
 * One SHA-256 pass giving two digests: of p[0..split) (prefix) and of
 * p[0..len) (whole), e.g. a JWS signing input and the whole token.
 * 0 or ATOK_ERR_CRYPTO.
 */
int atok_sha256_split(const void *p, size_t len, size_t split,
                      unsigned char whole[32], unsigned char prefix[32]);

#endif
