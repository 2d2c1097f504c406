/* SPDX-License-Identifier: BSD-3-Clause */
/* b64url.c - strict base64url; written here because OpenSSL's EVP_Decode*
 * accepts padding, whitespace and the '+/' alphabet, which JOSE forbids.
 * Also the standard base64 encoder, so that no other file needs OpenSSL's. */
#include "ac_config.h"

#include <stdint.h>

#include "b64url.h"
#include "errors.h"

static const char enc_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char enc_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63, or 0xff for a character outside the alphabet. */
static const uint8_t dec[256] = {
#define X   0xff
#define R16 X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
    R16,
    R16,
    /* 0x20 */ X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    62,
    X,
    X,
    /* 0x30 */ 52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    60,
    61,
    X,
    X,
    X,
    X,
    X,
    X,
    /* 0x40 */ X,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    /* 0x50 */ 15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    X,
    X,
    X,
    X,
    63,
    /* 0x60 */ X,
    26,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    38,
    39,
    40,
    /* 0x70 */ 41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    50,
    51,
    X,
    X,
    X,
    X,
    X,
    R16,
    R16,
    R16,
    R16,
    R16,
    R16,
    R16,
    R16,
#undef R16
#undef X
};

int atok_b64url_decode(const char *in, size_t len, unsigned char *out,
                       size_t outsz, size_t *outlen)
{
	size_t i, o = 0, rem = len % 4;
	uint32_t acc;

	*outlen = 0;
	if (rem == 1)
		return ATOK_ERR_MALFORMED;
	if ((len / 4) * 3 + (rem ? rem - 1 : 0) > outsz)
		return ATOK_ERR_TOO_LONG;
	for (i = 0; i + 4 <= len; i += 4) {
		uint8_t a = dec[(unsigned char)in[i]],
		        b = dec[(unsigned char)in[i + 1]],
		        c = dec[(unsigned char)in[i + 2]],
		        d = dec[(unsigned char)in[i + 3]];
		if ((a | b | c | d) & 0xc0)
			return ATOK_ERR_MALFORMED;
		acc = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		      d;
		out[o++] = (unsigned char)(acc >> 16);
		out[o++] = (unsigned char)(acc >> 8);
		out[o++] = (unsigned char)acc;
	}
	if (rem != 0) {
		uint8_t a = dec[(unsigned char)in[i]],
		        b = dec[(unsigned char)in[i + 1]],
		        c = rem == 3 ? dec[(unsigned char)in[i + 2]] : 0;
		if ((a | b | c) & 0xc0)
			return ATOK_ERR_MALFORMED;
		/* Unused low bits must be zero: one encoding per value. */
		if ((rem == 2 && (b & 0x0f)) || (rem == 3 && (c & 0x03)))
			return ATOK_ERR_MALFORMED;
		acc = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
		out[o++] = (unsigned char)(acc >> 16);
		if (rem == 3)
			out[o++] = (unsigned char)(acc >> 8);
	}
	*outlen = o;
	return 0;
}

/* p[0..len) in the alphabet enc, '=' padded when pad; NUL-terminated. */
static size_t encode(const unsigned char *p, size_t len, char *out,
                     const char *enc, int pad)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v =
		    (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = enc[v >> 18];
		out[o++] = enc[(v >> 12) & 63];
		out[o++] = enc[(v >> 6) & 63];
		out[o++] = enc[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = enc[v >> 18];
		out[o++] = enc[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = enc[v >> 18];
		out[o++] = enc[(v >> 12) & 63];
		out[o++] = enc[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t atok_b64url_encode(const unsigned char *p, size_t len, char *out)
{
	return encode(p, len, out, enc_url, 0);
}

size_t atok_b64_encode(const unsigned char *p, size_t len, char *out)
{
	return encode(p, len, out, enc_std, 1);
}
