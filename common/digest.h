/*
 * digest.h - message digests fetched once per process.  In OpenSSL 3 the
 * legacy EVP_sha256() makes every Init fetch the algorithm again; a fetched
 * EVP_MD skips that on every token.
 */
#ifndef ATOK_DIGEST_H
#define ATOK_DIGEST_H

#include <stddef.h>

struct evp_md_st;

/* "SHA256", "SHA384", "SHA512": the fetched digest, or NULL. */
const struct evp_md_st *atok_md(const char *name);

/* SHA-256 of p[0..len) into out; 0 or ATOK_ERR_CRYPTO. */
int atok_sha256(const void *p, size_t len, unsigned char out[32]);

#endif
