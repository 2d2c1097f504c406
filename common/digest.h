/*
 * digest.h - the message digests the core uses, by name.
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
