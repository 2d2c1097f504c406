/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/b64url.c: strict base64url as JOSE uses it. */
#include "ac_config.h"

#include <stdint.h>

#include "b64url.h"
#include "errors.h"
#include "tap.h"

static void test_table(void)
{
	static const struct {
		const char *name, *in, *out; /* out NULL: refused */
		size_t outlen;
		int rc;
	} rows[] = {
	    {"empty", "", "", 0, 0},
	    {"one byte", "Zg", "f", 1, 0},
	    {"two bytes", "Zm8", "fo", 2, 0},
	    {"three bytes", "Zm9v", "foo", 3, 0},
	    {"url alphabet - _", "-_8", "\xfb\xff", 2, 0},
	    {"all zero", "AAAA", "\0\0\0", 3, 0},
	    {"padding ==", "Zg==", NULL, 0, ATOK_ERR_MALFORMED},
	    {"padding =", "Zm8=", NULL, 0, ATOK_ERR_MALFORMED},
	    {"padding inside", "Zg=a", NULL, 0, ATOK_ERR_MALFORMED},
	    {"plus", "+_8", NULL, 0, ATOK_ERR_MALFORMED},
	    {"slash", "-/8", NULL, 0, ATOK_ERR_MALFORMED},
	    {"space", "Zm9 v", NULL, 0, ATOK_ERR_MALFORMED},
	    {"leading space", " Zm9v", NULL, 0, ATOK_ERR_MALFORMED},
	    {"newline", "Zm9v\nZm9v", NULL, 0, ATOK_ERR_MALFORMED},
	    {"tab", "Zm\t9", NULL, 0, ATOK_ERR_MALFORMED},
	    {"CR", "Zm9v\r", NULL, 0, ATOK_ERR_MALFORMED},
	    {"length%4==1", "Zm9vZ", NULL, 0, ATOK_ERR_MALFORMED},
	    {"length 1", "Z", NULL, 0, ATOK_ERR_MALFORMED},
	    {"trailing bits set (2 chars)", "Zh", NULL, 0, ATOK_ERR_MALFORMED},
	    {"trailing bits set (2 chars, low)", "Zi", NULL, 0,
	     ATOK_ERR_MALFORMED},
	    {"trailing bits set (3 chars, Zm9 for fo)", "Zm9", NULL, 0,
	     ATOK_ERR_MALFORMED},
	    {"trailing bits set (3 chars, bad)", "Zm-", NULL, 0,
	     ATOK_ERR_MALFORMED},
	    {"trailing bits set (3 chars, bad 2)", "Zm_", NULL, 0,
	     ATOK_ERR_MALFORMED},
	    {"NUL byte", "Zm\0v", NULL, 0, ATOK_ERR_MALFORMED},
	    {"high byte", "Zm\xc3\xa9", NULL, 0, ATOK_ERR_MALFORMED},
	    {"dot", "Zm.v", NULL, 0, ATOK_ERR_MALFORMED},
	    {"standard base64 of 0xfbff", "+/8", NULL, 0, ATOK_ERR_MALFORMED},
	};
	unsigned char out[64];
	size_t i, n;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		/* Rows with a NUL inside give their length explicitly. */
		size_t len = strcmp(rows[i].name, "NUL byte") == 0
		                 ? 4
		                 : strlen(rows[i].in);
		int rc =
		    atok_b64url_decode(rows[i].in, len, out, sizeof(out), &n);
		T_EQ_INT(rc, rows[i].rc, "row %zu: %s", i, rows[i].name);
		if (rows[i].out != NULL && rc == 0)
			T_OK(n == rows[i].outlen &&
			         memcmp(out, rows[i].out, n) == 0,
			     "row %zu: %s decodes right", i, rows[i].name);
	}
}

/* The output buffer's size is honoured exactly. */
static void test_outsz(void)
{
	unsigned char out[8];
	size_t n;

	T_EQ_INT(atok_b64url_decode("Zm9v", 4, out, 3, &n), 0, "exact fit");
	T_EQ_INT(atok_b64url_decode("Zm9v", 4, out, 2, &n), ATOK_ERR_TOO_LONG,
	         "one byte short");
	T_EQ_INT(atok_b64url_decode("Zm9vYg", 6, out, 4, &n), 0,
	         "exact fit with a tail");
	T_EQ_INT(atok_b64url_decode("Zm9vYg", 6, out, 3, &n), ATOK_ERR_TOO_LONG,
	         "tail does not fit");
	T_EQ_INT(atok_b64url_decode("", 0, NULL, 0, &n), 0,
	         "empty into nothing");
}

/* Every length 0..300 of pseudo-random bytes round-trips, and every
 * canonical encoding decodes back; every one-character change of a
 * canonical encoding either fails or decodes to different bytes. */
static void test_roundtrip(void)
{
	unsigned char in[300], out[300];
	char enc[420];
	size_t len, n, bad = 0, collisions = 0, tried = 0;
	uint32_t x = 12345;

	for (len = 0; len <= sizeof(in); len++) {
		size_t el, i;
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = (unsigned char)(x >> 16);
		}
		el = atok_b64url_encode(in, len, enc);
		if (el != (len * 4 + 2) / 3 || strlen(enc) != el ||
		    strpbrk(enc, "=+/") != NULL)
			bad++;
		if (atok_b64url_decode(enc, el, out, sizeof(out), &n) != 0 ||
		    n != len || memcmp(in, out, len) != 0)
			bad++;
		/* Change the last character to every other one. */
		if (el > 0) {
			static const char alpha[] =
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
			    "yz0123456789-_";
			char save = enc[el - 1];
			for (i = 0; i < 64; i++) {
				if (alpha[i] == save)
					continue;
				enc[el - 1] = alpha[i];
				tried++;
				if (atok_b64url_decode(enc, el, out,
				                       sizeof(out), &n) == 0 &&
				    n == len && memcmp(in, out, len) == 0)
					collisions++;
			}
			enc[el - 1] = save;
		}
	}
	T_EQ_INT(bad, 0, "301 lengths encode canonically and round-trip");
	T_EQ_INT(collisions, 0,
	         "no other last character decodes to the same bytes "
	         "(%zu tried)",
	         tried);
}

int main(void)
{
	test_table();
	test_outsz();
	test_roundtrip();
	return t_done();
}
