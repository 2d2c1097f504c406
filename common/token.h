/*
 * token.h - token shapes: classification, the local token format, hashing.
 *
 * Local tokens:  apt_<id>_<secret><checksum>
 *   id        12 base62 characters (random, the store's key, not secret)
 *   secret    43 base62 characters from OpenSSL's RNG (256.03 bits)
 *   checksum   6 base62 characters of CRC-32 over everything before it,
 *              so typos and secret scanners are caught before any lookup
 * 66 characters in all: it survives sudo's 255, PAM's 512, OpenSSH's 1024.
 */
#ifndef ATOK_TOKEN_H
#define ATOK_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "atok.h"

#define ATOK_LOCAL_PREFIX       "apt_"
#define ATOK_LOCAL_PREFIX_LEN   4
#define ATOK_LOCAL_ID_LEN       12
#define ATOK_LOCAL_SECRET_LEN   43
#define ATOK_LOCAL_CHECKSUM_LEN 6
#define ATOK_LOCAL_TOKEN_LEN                                                   \
	(ATOK_LOCAL_PREFIX_LEN + ATOK_LOCAL_ID_LEN + 1 +                       \
	 ATOK_LOCAL_SECRET_LEN + ATOK_LOCAL_CHECKSUM_LEN)

/* A parsed local token: pointers into the caller's buffer. */
struct atok_local_token {
	const char *id;     /* ATOK_LOCAL_ID_LEN bytes */
	const char *secret; /* ATOK_LOCAL_SECRET_LEN bytes */
};

/*
 * Parses a local token.  Returns 0, ATOK_ERR_TOO_LONG, ATOK_ERR_MALFORMED
 * (wrong length, prefix, separator or alphabet) or ATOK_ERR_CHECKSUM.
 */
int atok_local_parse(const char *token, size_t len,
                     struct atok_local_token *out);

/*
 * Mints a fresh token: id and secret from RAND_bytes, checksum appended.
 * Writes ATOK_LOCAL_TOKEN_LEN characters and a NUL.  0 or ATOK_ERR_CRYPTO.
 */
int atok_local_generate(char out[ATOK_LOCAL_TOKEN_LEN + 1]);

/* Whether s (len bytes) is a syntactically valid local token id. */
int atok_local_id_valid(const char *s, size_t len);

/*
 * The at-rest hash: SHA-256("apitoken/v1" NUL id NUL secret).  0 or
 * ATOK_ERR_CRYPTO.
 */
int atok_local_hash(const struct atok_local_token *t, unsigned char out[32]);

/* The fingerprint (first hex digits) of a token's SHA-256 digest. */
void atok_fingerprint_of(const unsigned char digest[32],
                         char out[ATOK_FINGERPRINT_LEN + 1]);

/* CRC-32 (IEEE 802.3, as zlib), written here to avoid linking zlib for 60
 * bytes. */
uint32_t atok_crc32(const unsigned char *p, size_t len);

#endif /* ATOK_TOKEN_H */
