/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/token.c: classification, the local token format. */
#include "ac_config.h"

#include <string.h>

#include "atok.h"
#include "config.h"
#include "tap.h"
#include "token.h"

static void test_crc32(void)
{
	/* The CRC-32 check value of the catalogue of parametrised CRCs. */
	T_EQ_INT(atok_crc32((const unsigned char *)"123456789", 9), 0xcbf43926u,
	         "crc32 check value");
	T_EQ_INT(atok_crc32((const unsigned char *)"", 0), 0, "crc32 empty");
}

static void test_classify(void)
{
	static const struct {
		const char *tok;
		enum atok_kind want;
	} rows[] = {
	    {"apt_x", ATOK_KIND_LOCAL},
	    {"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", ATOK_KIND_JWT},
	    {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", ATOK_KIND_JWT},
	    /* three parts are a JWT only when the first is a JSON object:
	     * "my.pass.word" used to be sent for introspection as one */
	    {"a.b.c", ATOK_KIND_OPAQUE},
	    {"my.pass.word", ATOK_KIND_OPAQUE},
	    {"e30.e30.c2ln", ATOK_KIND_JWT},      /* {} */
	    {"eyAiYSI6MSB9.e30.", ATOK_KIND_JWT}, /* { "a":1 } */
	    {"eyJ9.e30.c2ln", ATOK_KIND_OPAQUE},  /* {"} */
	    {"W10.e30.c2ln", ATOK_KIND_OPAQUE},   /* [] */
	    {"e30=.e30.c2ln", ATOK_KIND_INVALID}, /* padded */
	    {"a..c", ATOK_KIND_OPAQUE},
	    {".b.c", ATOK_KIND_OPAQUE},
	    {"a.b.c.d", ATOK_KIND_OPAQUE},
	    {"a.b", ATOK_KIND_OPAQUE},
	    {"2YotnFZFEjr1zCsicMWpAA", ATOK_KIND_OPAQUE},
	    {"abc+/~==", ATOK_KIND_OPAQUE},
	    {"a+b.c.d", ATOK_KIND_OPAQUE},
	    {"", ATOK_KIND_INVALID},
	    {"has space", ATOK_KIND_INVALID},
	    {"tab\t", ATOK_KIND_INVALID},
	    {"new\nline", ATOK_KIND_INVALID},
	    {"==", ATOK_KIND_INVALID},
	    {"ab=c", ATOK_KIND_INVALID},
	    {"quote\"", ATOK_KIND_INVALID},
	    {"caf\xc3\xa9", ATOK_KIND_INVALID},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++)
		T_EQ_INT(atok_classify(rows[i].tok, strlen(rows[i].tok)),
		         rows[i].want, "classify row %zu \"%s\"", i,
		         rows[i].tok);
	T_EQ_INT(atok_classify("a\0b", 3), ATOK_KIND_INVALID, "classify NUL");
	T_EQ_INT(atok_classify(NULL, 0), ATOK_KIND_INVALID, "classify NULL");
	{
		static char big[ATOK_TOKEN_MAX + 2];
		memset(big, 'a', sizeof(big));
		T_EQ_INT(atok_classify(big, ATOK_TOKEN_MAX), ATOK_KIND_OPAQUE,
		         "classify at limit");
		T_EQ_INT(atok_classify(big, ATOK_TOKEN_MAX + 1),
		         ATOK_KIND_INVALID, "classify over limit");
	}
}

static void test_generate_parse(void)
{
	char tok[ATOK_LOCAL_TOKEN_LEN + 1], prev[ATOK_LOCAL_TOKEN_LEN + 1] = "";
	struct atok_local_token t;
	int i, ok = 1, distinct = 1;

	T_EQ_INT(ATOK_LOCAL_TOKEN_LEN, 66, "token length is 66");
	T_OK(ATOK_LOCAL_TOKEN_LEN < 100, "token under 100 characters");
	for (i = 0; i < 2000; i++) {
		if (atok_local_generate(tok) != 0 ||
		    strlen(tok) != ATOK_LOCAL_TOKEN_LEN ||
		    atok_local_parse(tok, strlen(tok), &t) != 0 ||
		    t.id != tok + 4 || t.secret != tok + 17 ||
		    atok_classify(tok, strlen(tok)) != ATOK_KIND_LOCAL)
			ok = 0;
		if (strcmp(tok, prev) == 0)
			distinct = 0;
		strcpy(prev, tok);
	}
	T_OK(ok, "2000 generated tokens parse and classify as local");
	T_OK(distinct, "generated tokens differ");
	T_OK(atok_local_id_valid(tok + 4, 12), "generated id valid");
	T_OK(!atok_local_id_valid("abc", 3), "short id invalid");
	T_OK(!atok_local_id_valid("abcdefghijk_", 12), "id with _ invalid");
}

/* Every single-character change and every truncation must be refused. */
static void test_mutations(void)
{
	char tok[ATOK_LOCAL_TOKEN_LEN + 1], m[ATOK_LOCAL_TOKEN_LEN + 2];
	static const char alphabet[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
	size_t i, j, bad_sub = 0, bad_trunc = 0, n = 0;
	int bit, bad_flip = 0;

	atok_local_generate(tok);
	for (i = 0; i < ATOK_LOCAL_TOKEN_LEN; i++) {
		for (j = 0; alphabet[j] != '\0'; j++) {
			if (alphabet[j] == tok[i])
				continue;
			memcpy(m, tok, sizeof(tok));
			m[i] = alphabet[j];
			n++;
			if (atok_local_parse(m, ATOK_LOCAL_TOKEN_LEN, NULL) ==
			    0)
				bad_sub++;
		}
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, tok, sizeof(tok));
			m[i] ^= (char)(1 << bit);
			if (atok_local_parse(m, ATOK_LOCAL_TOKEN_LEN, NULL) ==
			    0)
				bad_flip++;
		}
		if (atok_local_parse(tok, i, NULL) == 0)
			bad_trunc++;
	}
	T_OK(bad_sub == 0,
	     "all %zu single-character substitutions refused "
	     "(%zu accepted)",
	     n, bad_sub);
	T_OK(bad_flip == 0, "all single-bit flips refused (%d accepted)",
	     bad_flip);
	T_OK(bad_trunc == 0, "all truncations refused (%zu accepted)",
	     bad_trunc);
	memcpy(m, tok, sizeof(tok));
	m[ATOK_LOCAL_TOKEN_LEN] = 'x';
	T_EQ_INT(atok_local_parse(m, ATOK_LOCAL_TOKEN_LEN + 1, NULL),
	         ATOK_ERR_TOO_LONG, "one extra character: too long");
}

static void test_parse_rows(void)
{
	char tok[ATOK_LOCAL_TOKEN_LEN + 1];
	static const struct {
		size_t at;
		char c;
		int want;
	} rows[] = {
	    {0, 'b', ATOK_ERR_MALFORMED},  /* prefix */
	    {3, '-', ATOK_ERR_MALFORMED},  /* prefix separator */
	    {16, 'x', ATOK_ERR_MALFORMED}, /* id/secret separator */
	    {5, '-', ATOK_ERR_MALFORMED},  /* id alphabet */
	    {30, '.', ATOK_ERR_MALFORMED}, /* secret alphabet */
	    {65, '+', ATOK_ERR_MALFORMED}, /* checksum alphabet */
	};
	size_t i;

	atok_local_generate(tok);
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		char m[ATOK_LOCAL_TOKEN_LEN + 1];
		memcpy(m, tok, sizeof(m));
		m[rows[i].at] = rows[i].c;
		T_EQ_INT(atok_local_parse(m, ATOK_LOCAL_TOKEN_LEN, NULL),
		         rows[i].want, "parse row %zu (pos %zu)", i,
		         rows[i].at);
	}
	/* A valid shape with a wrong checksum. */
	memcpy(tok + 60, "000000", 6);
	if (atok_local_parse(tok, ATOK_LOCAL_TOKEN_LEN, NULL) != 0)
		T_EQ_INT(atok_local_parse(tok, ATOK_LOCAL_TOKEN_LEN, NULL),
		         ATOK_ERR_CHECKSUM, "wrong checksum");
	else
		T_OK(1, "wrong checksum (collided with 000000, skipped)");
}

static void test_hash(void)
{
	struct atok_local_token a = {
	    "AAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"};
	struct atok_local_token b = {
	    "AAAAAAAAAAAB", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"};
	unsigned char ha[32], ha2[32], hb[32];
	char fp[ATOK_FINGERPRINT_LEN + 1];

	T_EQ_INT(atok_local_hash(&a, ha), 0, "hash a");
	atok_local_hash(&a, ha2);
	atok_local_hash(&b, hb);
	T_OK(memcmp(ha, ha2, 32) == 0, "hash is deterministic");
	T_OK(memcmp(ha, hb, 32) != 0, "hash binds the id");
	/* sha256("abc") = ba7816bf8f01cfea... */
	T_EQ_INT(atok_fingerprint("abc", 3, fp), 0, "fingerprint");
	T_EQ_STR(fp, "ba7816bf8f01cfea", "fingerprint is sha256 prefix");
}

/* A shape from [introspection] overrides ("key=value;key=value"). */
static int shape_from(const char *spec, struct atok_opaque_shape *shape,
                      struct atok_error *err)
{
	struct atok_config *cfg = atok_config_new();
	char buf[512], *save = NULL, *kv;
	int r = 0;

	if (cfg == NULL)
		return ATOK_ERR_NOMEM;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (kv = strtok_r(buf, ";", &save); kv != NULL && r == 0;
	     kv = strtok_r(NULL, ";", &save)) {
		char dotted[600];
		snprintf(dotted, sizeof(dotted), "introspection.%s", kv);
		r = atok_config_set_dotted(cfg, dotted, err);
	}
	if (r == 0)
		r = atok_opaque_shape_load(cfg, shape, err);
	atok_config_free(&cfg);
	return r;
}

/* The rule of the stacked setups: only input of the declared shape is an
 * opaque token; everything else (a password) is not a token at all. */
static void test_declared(void)
{
	static const char b43[] = "Y2xlYXJseS1hLXJhbmRvbS10b2tlbi1mb3ItdGVzdHM";
	static const struct {
		const char *shape; /* NULL: no [introspection] */
		const char *in;
		enum atok_kind want;
	} rows[] = {
	    /* no shape: no opaque token at all */
	    {NULL, "2YotnFZFEjr1zCsicMWpAA", ATOK_KIND_INVALID},
	    {"endpoint=https://as/i", "2YotnFZFEjr1zCsicMWpAA",
	     ATOK_KIND_INVALID},
	    {NULL, "apt_x", ATOK_KIND_LOCAL},
	    {NULL, "e30.e30.c2ln", ATOK_KIND_JWT},
	    {NULL, "a b", ATOK_KIND_INVALID},
	    /* a prefix */
	    {"opaque_prefix=ory_at_ gho_", "ory_at_abcdefghijklmnop0123456789",
	     ATOK_KIND_OPAQUE},
	    {"opaque_prefix=ory_at_ gho_", "gho_16C7e42F292c6912E7710c838347Ae",
	     ATOK_KIND_OPAQUE},
	    {"opaque_prefix=ory_at_ gho_", "ory_at_", ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_ gho_", "ory_rt_abcdefghijklmnop0123456789",
	     ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_ gho_", "Correct-Horse-8",
	     ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_ gho_", "hunter2", ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_ gho_", "correcthorsebatterystaple",
	     ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_ gho_", "dGhpcyBpcyBhIHBhc3N3b3Jk",
	     ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_ gho_", "apt_x", ATOK_KIND_LOCAL},
	    {"opaque_prefix=ory_at_ gho_", "e30.e30.c2ln", ATOK_KIND_JWT},
	    {"opaque_prefix=ory_at_;opaque_min_length=40",
	     "ory_at_abcdefghijklmnop0123456789", ATOK_KIND_INVALID},
	    {"opaque_prefix=ory_at_;opaque_charset=alnum",
	     "ory_at_abcdefghijklmnop0123456789", ATOK_KIND_OPAQUE},
	    {"opaque_prefix=ory_at_;opaque_charset=alnum",
	     "ory_at_abcdefghijklmnop01234567-9", ATOK_KIND_INVALID},
	    /* no prefix: an exact length and a narrow alphabet */
	    {"opaque_min_length=43;opaque_max_length=43;opaque_charset="
	     "base64url",
	     b43, ATOK_KIND_OPAQUE},
	    {"opaque_min_length=43;opaque_max_length=43;opaque_charset="
	     "base64url",
	     "Y2xlYXJseS1hLXJhbmRvbS10b2tlbi1mb3ItdGVzdH", ATOK_KIND_INVALID},
	    {"opaque_min_length=43;opaque_max_length=43;opaque_charset="
	     "base64url",
	     "Y2xlYXJseS1hLXJhbmRvbS10b2tlbi1mb3ItdGVzdHMx", ATOK_KIND_INVALID},
	    {"opaque_min_length=43;opaque_max_length=43;opaque_charset="
	     "base64url",
	     "Y2xlYXJseS1hLXJhbmRvbS10b2tlbi1mb3ItdGVzd+Mx", ATOK_KIND_INVALID},
	    {"opaque_min_length=43;opaque_max_length=43;opaque_charset="
	     "base64url",
	     "Y2xlYXJseS1hLXJhbmRvbS10b2tlbi1mb3ItdGVzd.Mx", ATOK_KIND_INVALID},
	    {"opaque_min_length=32;opaque_max_length=64;opaque_charset=hex",
	     "0123456789abcdef0123456789ABCDEF", ATOK_KIND_OPAQUE},
	    {"opaque_min_length=32;opaque_max_length=64;opaque_charset=hex",
	     "0123456789abcdef0123456789abcdeg", ATOK_KIND_INVALID},
	    {"opaque_min_length=20", "Correct-Horse-Battery-9",
	     ATOK_KIND_OPAQUE}, /* why a prefix is better: see the docs */
	    {"opaque_min_length=20", "Correct-Horse-8", ATOK_KIND_INVALID},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_opaque_shape shape;
		struct atok_error err;
		int r = 0;

		atok_error_clear(&err);
		if (rows[i].shape != NULL)
			r = shape_from(rows[i].shape, &shape, &err);
		T_EQ_INT(r, 0, "declared row %zu: shape loads (%s)", i,
		         err.msg);
		T_EQ_INT(atok_classify_declared(rows[i].shape ? &shape : NULL,
		                                rows[i].in, strlen(rows[i].in)),
		         rows[i].want, "declared row %zu \"%s\"", i,
		         rows[i].in);
	}
}

/* A shape that would let passwords through, or that cannot be read, is a
 * configuration error. */
static void test_declared_errors(void)
{
	static const struct {
		const char *shape;
		const char *msg;
	} rows[] = {
	    {"opaque_min_length=19", "at least 20"},
	    {"opaque_max_length=64", ""}, /* declares nothing: fine */
	    {"opaque_min_length=40;opaque_max_length=39", "over"},
	    {"opaque_prefix=a,b", "no token may hold"},
	    {"opaque_prefix=abcdefghijklmnopqrstuvwxyz0123456",
	     "longer than 32"},
	    {"opaque_prefix=a b c d e f g h i j k l m n o p q", "more than 16"},
	    {"opaque_charset=latin1", "unknown value"},
	    {"opaque_min_length=0", "from 1"},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_opaque_shape shape;
		struct atok_error err;
		int r;

		atok_error_clear(&err);
		r = shape_from(rows[i].shape, &shape, &err);
		if (rows[i].msg[0] == '\0') {
			T_OK(r == 0 && !shape.declared,
			     "shape row %zu declares nothing (%s)", i, err.msg);
			continue;
		}
		T_OK(r != 0, "shape row %zu \"%s\" is an error", i,
		     rows[i].shape);
		T_OK(strstr(err.msg, rows[i].msg) != NULL,
		     "shape row %zu says \"%s\" (%s)", i, rows[i].msg, err.msg);
	}
}

int main(void)
{
	test_declared();
	test_declared_errors();
	test_crc32();
	test_classify();
	test_generate_parse();
	test_mutations();
	test_parse_rows();
	test_hash();
	return t_done();
}
