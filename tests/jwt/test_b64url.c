/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/b64url.c: strict base64url as JOSE uses it, and
 * the standard base64 encoder. */
#include "ac_config.h"

#include <stdint.h>

#include <openssl/evp.h>

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
	    {.name = "empty", .in = "", .out = ""},
	    {.name = "one byte", .in = "Zg", .out = "f", .outlen = 1},
	    {.name = "two bytes", .in = "Zm8", .out = "fo", .outlen = 2},
	    {.name = "three bytes", .in = "Zm9v", .out = "foo", .outlen = 3},
	    {.name = "url alphabet - _",
	     .in = "-_8",
	     .out = "\xfb\xff",
	     .outlen = 2},
	    {.name = "all zero", .in = "AAAA", .out = "\0\0\0", .outlen = 3},
	    {.name = "padding ==", .in = "Zg==", .rc = ATOK_ERR_MALFORMED},
	    {.name = "padding =", .in = "Zm8=", .rc = ATOK_ERR_MALFORMED},
	    {.name = "padding inside", .in = "Zg=a", .rc = ATOK_ERR_MALFORMED},
	    {.name = "plus", .in = "+_8", .rc = ATOK_ERR_MALFORMED},
	    {.name = "slash", .in = "-/8", .rc = ATOK_ERR_MALFORMED},
	    {.name = "space", .in = "Zm9 v", .rc = ATOK_ERR_MALFORMED},
	    {.name = "leading space", .in = " Zm9v", .rc = ATOK_ERR_MALFORMED},
	    {.name = "newline", .in = "Zm9v\nZm9v", .rc = ATOK_ERR_MALFORMED},
	    {.name = "tab", .in = "Zm\t9", .rc = ATOK_ERR_MALFORMED},
	    {.name = "CR", .in = "Zm9v\r", .rc = ATOK_ERR_MALFORMED},
	    {.name = "length%4==1", .in = "Zm9vZ", .rc = ATOK_ERR_MALFORMED},
	    {.name = "length 1", .in = "Z", .rc = ATOK_ERR_MALFORMED},
	    {.name = "trailing bits set (2 chars)",
	     .in = "Zh",
	     .rc = ATOK_ERR_MALFORMED},
	    {.name = "trailing bits set (2 chars, low)",
	     .in = "Zi",
	     .rc = ATOK_ERR_MALFORMED},
	    {.name = "trailing bits set (3 chars, Zm9 for fo)",
	     .in = "Zm9",
	     .rc = ATOK_ERR_MALFORMED},
	    {.name = "trailing bits set (3 chars, bad)",
	     .in = "Zm-",
	     .rc = ATOK_ERR_MALFORMED},
	    {.name = "trailing bits set (3 chars, bad 2)",
	     .in = "Zm_",
	     .rc = ATOK_ERR_MALFORMED},
	    {.name = "NUL byte", .in = "Zm\0v", .rc = ATOK_ERR_MALFORMED},
	    {.name = "high byte", .in = "Zm\xc3\xa9", .rc = ATOK_ERR_MALFORMED},
	    {.name = "dot", .in = "Zm.v", .rc = ATOK_ERR_MALFORMED},
	    {.name = "standard base64 of 0xfbff",
	     .in = "+/8",
	     .rc = ATOK_ERR_MALFORMED},
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

/* Standard base64 (RFC 4648 section 4): the test vectors of its section
 * 10, the '+' and '/' alphabet, and OpenSSL's EVP_EncodeBlock (which the
 * HTTP Basic header used before) on every length 0..300. */
static void test_std_encode(void)
{
	static const struct {
		const char *in, *out;
		size_t len;
	} rows[] = {
	    {"", "", 0},
	    {"f", "Zg==", 1},
	    {"fo", "Zm8=", 2},
	    {"foo", "Zm9v", 3},
	    {"foob", "Zm9vYg==", 4},
	    {"fooba", "Zm9vYmE=", 5},
	    {"foobar", "Zm9vYmFy", 6},
	    {"\xfb\xff", "+/8=", 2},
	    {"\xfb\xef\xbe", "++++", 3},
	    {"\xff\xff\xff", "////", 3},
	    {"\0", "AA==", 1},
	};
	unsigned char in[300];
	char out[ATOK_B64_ENCODED_SIZE(300)], ossl[ATOK_B64_ENCODED_SIZE(300)];
	size_t i, len, bad = 0;
	uint32_t x = 54321;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		size_t n = atok_b64_encode((const unsigned char *)rows[i].in,
		                           rows[i].len, out);
		T_EQ_STR(out, rows[i].out, "base64 row %zu (%zu bytes)", i,
		         rows[i].len);
		T_EQ_INT(n, strlen(rows[i].out), "base64 row %zu: length", i);
	}
	for (len = 0; len <= sizeof(in); len++) {
		size_t n;
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = (unsigned char)(x >> 16);
		}
		memset(out, 'x', sizeof(out));
		n = atok_b64_encode(in, len, out);
		if (n + 1 != ATOK_B64_ENCODED_SIZE(len) || strlen(out) != n ||
		    EVP_EncodeBlock((unsigned char *)ossl, in, (int)len) !=
		        (int)n ||
		    strcmp(out, ossl) != 0)
			bad++;
	}
	T_EQ_INT(bad, 0,
	         "base64 of 301 lengths: ATOK_B64_ENCODED_SIZE exactly, "
	         "as EVP_EncodeBlock writes it");
}

int main(void)
{
	test_table();
	test_outsz();
	test_roundtrip();
	test_std_encode();
	return t_done();
}
