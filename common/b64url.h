/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * b64url.h - strict base64url (RFC 4648 section 5) as JOSE uses it: no
 * padding, no '+' or '/', no whitespace, no non-zero trailing bits; and
 * the encoder of standard base64 (RFC 4648 section 4) for HTTP Basic.
 */
#ifndef ATOK_B64URL_H
#define ATOK_B64URL_H

#include <stddef.h>

/* Bytes needed to decode n characters. */
#define ATOK_B64URL_DECODED_MAX(n) (((n) / 4) * 3 + 2)

/* Bytes that hold the encoding of n bytes, either alphabet, with its NUL. */
#define ATOK_B64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/*
 * Decodes in[0..len) into out (outsz bytes); *outlen gets the length.
 * Returns 0, ATOK_ERR_MALFORMED (bad character, impossible length, padding,
 * non-canonical trailing bits) or ATOK_ERR_TOO_LONG (out too small).
 */
int atok_b64url_decode(const char *in, size_t len, unsigned char *out,
                       size_t outsz, size_t *outlen);

/* Encodes p[0..len) without padding into out (4*len/3+2 bytes with NUL);
 * returns the number of characters written. */
size_t atok_b64url_encode(const unsigned char *p, size_t len, char *out);

/* Encodes p[0..len) as standard base64 ('+', '/', '=' padding) into out
 * (ATOK_B64_ENCODED_SIZE(len) bytes with NUL); returns the number of
 * characters written. */
size_t atok_b64_encode(const unsigned char *p, size_t len, char *out);

#endif
