/* SPDX-License-Identifier: BSD-3-Clause */
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
#include "errors.h"

struct atok_config;

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

/*
 * What an opaque token looks like, as the operator declared it in
 * [introspection] (opaque_prefix, opaque_min_length, opaque_max_length,
 * opaque_charset).  Only input of this shape may be sent to an
 * authorization server: with pam_unix before or after pam_apitoken the
 * module sees passwords, and a password must never leave the host.  With
 * nothing declared, no opaque token is introspected (JWTs still are when
 * there is no [jwt]: a JWT cannot be mistaken for a password).
 */
#define ATOK_OPAQUE_PREFIXES_MAX 16 /* prefixes one shape may list */
#define ATOK_OPAQUE_PREFIX_MAX   32 /* bytes of one prefix */
#define ATOK_OPAQUE_BARE_MIN     20 /* least opaque_min_length with no prefix */

enum atok_charset {
	ATOK_CHARSET_B64TOKEN = 0, /* RFC 6750: ALPHA DIGIT - . _ ~ + / *= */
	ATOK_CHARSET_BASE64URL,    /* ALPHA DIGIT - _ */
	ATOK_CHARSET_ALNUM,        /* ALPHA DIGIT */
	ATOK_CHARSET_HEX,          /* 0-9 a-f A-F */
};

struct atok_opaque_shape {
	int declared; /* 0: no input is an opaque token */
	size_t n_prefixes;
	char prefix[ATOK_OPAQUE_PREFIXES_MAX][ATOK_OPAQUE_PREFIX_MAX + 1];
	size_t min_len, max_len;   /* of the whole token, prefix included */
	enum atok_charset charset; /* of what follows the prefix */
};

/*
 * Reads the declared shape from cfg's [introspection] section into *out
 * (declared = 0 when the section or the opaque_* keys are absent).
 * Returns 0, or ATOK_ERR_CONFIG with err naming the key: a prefix that is
 * too long, of bytes no token may hold, or too many of them; a minimum
 * over the maximum; no prefix and a minimum under ATOK_OPAQUE_BARE_MIN.
 */
int atok_opaque_shape_load(const struct atok_config *cfg,
                           struct atok_opaque_shape *out,
                           struct atok_error *err);

/*
 * The kind these bytes are for a verifier whose declared opaque shape is
 * shape (NULL: none declared): atok_classify(), except that an opaque
 * token that does not match the shape is ATOK_KIND_INVALID (not a token).
 */
enum atok_kind atok_classify_declared(const struct atok_opaque_shape *shape,
                                      const char *token, size_t len);

/* CRC-32 (IEEE 802.3, as zlib), written here to avoid linking zlib for 60
 * bytes. */
uint32_t atok_crc32(const unsigned char *p, size_t len);

#endif /* ATOK_TOKEN_H */
