/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for common/json.c, the allocation-free JWT JSON reader:
 * grammar, strings and UTF-8, limits, duplicate names, the accessors, and a
 * differential check against jansson (json_loadb, JSON_REJECT_DUPLICATES).
 */
#include "ac_config.h"

#include <locale.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "json.h"
#include "tap.h"

static struct atok_json_object obj;

/* Parses a NUL-terminated literal (no embedded NULs). */
static int parse(const char *s)
{
	return atok_json_parse_object(s, strlen(s), &obj);
}

static void test_valid(void)
{
	static const struct {
		const char *in;
		size_t n;
	} rows[] = {
	    {"{}", 0},
	    {" \t\r\n{ \t\r\n} \t\r\n", 0},
	    {"{\"a\":1}", 1},
	    {"{\"a\":{\"b\":{\"c\":[1,[2,[3]],{}]}}}", 1},
	    {"{\"a\":[],\"b\":[1,\"x\",true,false,null,{},[]]}", 2},
	    {"{\"t\":true,\"f\":false,\"n\":null,\"s\":\"\",\"o\":{},"
	     "\"a\":[]}",
	     6},
	    {"{\"z\":0,\"mz\":-0,\"e\":1.5e10,\"E\":1E-2,\"p\":1e+2,"
	     "\"f\":-12.25}",
	     6},
	    {"{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 "
	     "\\ud83d\\ude00\"}",
	     1},
	    {"{\"s\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	     "\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80\"}",
	     1},
	    {"{\"a\":1,\"A\":2,\"a \":3}", 3},
	    {"{\"o\":{\"a\":1,\"a\":2}}", 1}, /* nested duplicates: allowed */
	    {"{\"\":1}", 1},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		int r = parse(rows[i].in);
		T_EQ_INT(r, 0, "valid row %zu", i);
		if (r == 0)
			T_EQ_INT(obj.n, rows[i].n, "valid row %zu members", i);
	}
}

static void test_invalid(void)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		int want;
	} rows[] = {
	    {"", 0, ATOK_ERR_MALFORMED},
	    {"   ", 0, ATOK_ERR_MALFORMED},
	    {"{", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1,}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":[1,]}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":[,1]}", 0, ATOK_ERR_MALFORMED},
	    {"{,}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\" 1}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1 \"b\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":01}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":-01}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":-}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1.}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":.5}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":+1}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1e}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1e+}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":0x10}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":NaN}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":Infinity}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":tru}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":True}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":nul}", 0, ATOK_ERR_MALFORMED},
	    {"{a:1}", 0, ATOK_ERR_MALFORMED},
	    {"{'a':1}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":'x'}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"x\ty\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"x\ny\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\x1f\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"x\0y\"}", 11, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\x41\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\a\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\u12\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\u12G4\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\U0041\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\ud800\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\ud800x\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\ud800\\u0041\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\ud800\\ud800\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\udc00\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\ude00\\ud83d\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\u0000\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\\u0000\":1}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\u00", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\\ud83d\\ude0", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xc0\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xc1\xbf\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xe0\x80\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xe0\x9f\xbf\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xf0\x80\x80\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xf0\x8f\xbf\xbf\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xed\xa0\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xed\xbf\xbf\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xf4\x90\x80\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xf5\x80\x80\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xf8\x88\x80\x80\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xff\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\x80\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xc3\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xe2\x82\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xf0\x9f\x98\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xc3", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":\"\xe2\x82(\"}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\xc0\x80\":1}", 0, ATOK_ERR_MALFORMED},
	    {"{}x", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1}}", 0, ATOK_ERR_MALFORMED},
	    {"{}{}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1} {\"b\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{}\0", 3, ATOK_ERR_MALFORMED},
	    {"\xef\xbb\xbf{}", 0, ATOK_ERR_MALFORMED},
	    {"[]", 0, ATOK_ERR_MALFORMED},
	    {"[{}]", 0, ATOK_ERR_MALFORMED},
	    {"\"a\"", 0, ATOK_ERR_MALFORMED},
	    {"1", 0, ATOK_ERR_MALFORMED},
	    {"null", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1,\"a\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1,\"b\":2,\"a\":3}", 0, ATOK_ERR_MALFORMED},
	    {"{\"a\":1,\"\\u0061\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\\u0061\":1,\"a\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\\u0061\":1,\"\\u0061\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\\/\":1,\"/\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\\u00e9\":1,\"\xc3\xa9\":2}", 0, ATOK_ERR_MALFORMED},
	    {"{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 0,
	     ATOK_ERR_MALFORMED},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);
		T_EQ_INT(atok_json_parse_object(rows[i].in, len, &obj),
		         rows[i].want, "invalid row %zu", i);
	}
}

static void test_limits(void)
{
	char buf[4096], name[600];
	size_t i, o;

	/* The object itself is level 1: 15 nested arrays reach 16. */
	for (o = 0; o < 2; o++) {
		size_t levels = 15 + o, n = 0;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"a\":");
		for (i = 0; i < levels; i++)
			buf[n++] = '[';
		for (i = 0; i < levels; i++)
			buf[n++] = ']';
		buf[n++] = '}';
		T_EQ_INT(atok_json_parse_object(buf, n, &obj),
		         o ? ATOK_ERR_TOO_LONG : 0, "depth %zu", levels + 1);
	}
	/* The same through objects. */
	for (o = 0; o < 2; o++) {
		size_t levels = 15 + o, n = 0;
		buf[n++] = '{';
		for (i = 0; i < levels; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			                      "\"k\":{");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"k\":1");
		for (i = 0; i < levels + 1; i++)
			buf[n++] = '}';
		T_EQ_INT(atok_json_parse_object(buf, n, &obj),
		         o ? ATOK_ERR_TOO_LONG : 0, "object depth %zu",
		         levels + 1);
	}
	/* 64 members, then 65. */
	for (o = 0; o < 2; o++) {
		size_t n = 0, members = ATOK_JSON_MEMBERS_MAX + o;
		buf[n++] = '{';
		for (i = 0; i < members; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			                      "%s\"m%zu\":%zu", i ? "," : "", i,
			                      i);
		buf[n++] = '}';
		T_EQ_INT(atok_json_parse_object(buf, n, &obj),
		         o ? ATOK_ERR_TOO_LONG : 0, "%zu members", members);
		if (!o)
			T_EQ_INT(obj.n, ATOK_JSON_MEMBERS_MAX, "64 indexed");
	}
	/* Names of ATOK_JSON_NAME_MAX bytes, then one more. */
	for (o = 0; o < 2; o++) {
		memset(name, 'n', ATOK_JSON_NAME_MAX + o);
		name[ATOK_JSON_NAME_MAX + o] = '\0';
		snprintf(buf, sizeof(buf), "{\"%s\":1}", name);
		T_EQ_INT(parse(buf), o ? ATOK_ERR_TOO_LONG : 0, "name of %zu",
		         (size_t)ATOK_JSON_NAME_MAX + o);
	}
	/*
	 * json.h: ATOK_JSON_NAME_MAX counts "bytes of a decoded member name".
	 * 100 decoded bytes written as 100 \u escapes (600 bytes of input)
	 * are within the limit.
	 */
	{
		size_t n = 0;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"");
		for (i = 0; i < 100; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			                      "\\u006e");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\":1}");
		T_EQ_INT(atok_json_parse_object(buf, n, &obj), 0,
		         "name of 100 decoded bytes in 600 escaped bytes "
		         "(json.h: the limit is on decoded bytes)");
	}
	/* A nested object's names are validated, not limited. */
	memset(name, 'n', 500);
	name[500] = '\0';
	snprintf(buf, sizeof(buf), "{\"o\":{\"%s\":1}}", name);
	T_EQ_INT(parse(buf), 0, "long name in a nested object");
}

static void test_get(void)
{
	char longname[400];

	T_EQ_INT(parse("{\"\\u0073ub\":\"x\",\"a\\/b\":1,\"plain\":2,"
	               "\"\\u00e9\":3}"),
	         0, "escaped names parse");
	T_OK(atok_json_get(&obj, "sub") == &obj.m[0], "get escaped sub");
	T_OK(atok_json_get(&obj, "a/b") == &obj.m[1], "get escaped a/b");
	T_OK(atok_json_get(&obj, "plain") == &obj.m[2], "get plain");
	T_OK(atok_json_get(&obj, "\xc3\xa9") == &obj.m[3], "get \\u00e9");
	T_OK(atok_json_get(&obj, "su") == NULL, "get prefix is absent");
	T_OK(atok_json_get(&obj, "subx") == NULL, "get longer is absent");
	T_OK(atok_json_get(&obj, "SUB") == NULL, "get is case-sensitive");
	T_OK(atok_json_get(&obj, "") == NULL, "get empty name");
	/* A name longer than any member cannot match an escaped one. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	T_OK(atok_json_get(&obj, longname) == NULL,
	     "get with a %zu-byte name finds nothing", strlen(longname));
}

static void test_string(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
	    {"{\"s\":\"plain\"}", "plain"},
	    {"{\"s\":\"\"}", ""},
	    {"{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t"},
	    {"{\"s\":\"\\u0041\\u00e9\\u20ac\"}", "A\xc3\xa9\xe2\x82\xac"},
	    {"{\"s\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80"},
	    {"{\"s\":\"\\uD834\\uDD1E\"}", "\xf0\x9d\x84\x9e"},
	    {"{\"s\":\"\\udbff\\udfff\"}", "\xf4\x8f\xbf\xbf"},
	    {"{\"s\":\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"}",
	     "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"},
	    {"{\"s\":\"a\\u0062c\"}", "abc"},
	};
	const struct atok_json_member *m;
	char out[64];
	size_t i, n;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		out[0] = '\0';
		n = 999;
		T_EQ_INT(parse(rows[i].in), 0, "string row %zu parses", i);
		m = atok_json_get(&obj, "s");
		T_EQ_INT(atok_json_string(m, out, sizeof(out), &n), 0,
		         "string row %zu decodes", i);
		T_EQ_STR(out, rows[i].want, "string row %zu value", i);
		T_EQ_INT(n, strlen(rows[i].want), "string row %zu length", i);
		T_OK(atok_json_string_eq(m, rows[i].want), "string_eq row %zu",
		     i);
	}
	/* Output buffer sizes around the decoded length (3 + NUL). */
	parse("{\"s\":\"abc\",\"e\":\"\\u0061bc\",\"p\":\"\\ud83d\\ude00\","
	      "\"n\":1}");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "s"), out, 4, NULL), 0,
	         "plain fits in 4");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "s"), out, 3, NULL),
	         ATOK_ERR_TOO_LONG, "plain does not fit in 3");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "e"), out, 4, NULL), 0,
	         "escaped fits in 4");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "e"), out, 3, NULL),
	         ATOK_ERR_TOO_LONG, "escaped does not fit in 3");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "p"), out, 5, NULL), 0,
	         "pair fits in 5");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "p"), out, 4, NULL),
	         ATOK_ERR_TOO_LONG, "pair does not fit in 4");
	T_EQ_INT(atok_json_string(atok_json_get(&obj, "s"), out, 0, NULL),
	         ATOK_ERR_MALFORMED, "outsz 0");
	T_EQ_INT(
	    atok_json_string(atok_json_get(&obj, "n"), out, sizeof(out), NULL),
	    ATOK_ERR_MALFORMED, "number is not a string");
	T_EQ_INT(atok_json_string(NULL, out, sizeof(out), NULL),
	         ATOK_ERR_MALFORMED, "NULL member");
	T_OK(!atok_json_string_eq(atok_json_get(&obj, "s"), "ab"),
	     "string_eq shorter");
	T_OK(!atok_json_string_eq(atok_json_get(&obj, "s"), "abcd"),
	     "string_eq longer");
	T_OK(!atok_json_string_eq(atok_json_get(&obj, "e"), "abd"),
	     "string_eq escaped differs");
	T_OK(!atok_json_string_eq(atok_json_get(&obj, "n"), "1"),
	     "string_eq on a number");
	T_OK(!atok_json_string_eq(NULL, "x"), "string_eq NULL");
}

static void test_numeric_date(void)
{
	static const struct {
		const char *v;
		int ok;
		int64_t want;
	} rows[] = {
	    {"0", 1, 0},
	    {"1800000000", 1, 1800000000},
	    {"1800000000.9", 1, 1800000000},
	    {"1800000000.0001", 1, 1800000000},
	    {"0.5", 1, 0},
	    {"1.8e9", 1, 1800000000},
	    {"18E8", 1, 1800000000},
	    {"1e+3", 1, 1000},
	    {"12345e-1", 1, 1234},
	    {"253402300799", 1, 253402300799LL},
	    {"253402300799.5", 0, 0}, /* the range is checked untruncated */
	    {"253402300800", 0, 0},
	    {"2.534023008e11", 0, 0},
	    {"1e400", 0, 0},
	    {"99999999999999999999", 0, 0},
	    {"-1", 0, 0},
	    {"-0", 0, 0},
	    {"-0.5", 0, 0},
	    {"\"1800000000\"", 0, 0},
	    {"true", 0, 0},
	    {"null", 0, 0},
	    {"[1800000000]", 0, 0},
	    {"1800000000.0000000000000000000000000000000", 0, 0},
	    {"0.5e1", 1, 5},
	    {"2534023007990e-1", 1, 253402300799LL},
	    {"1e12", 0, 0},
	    {"0e13", 1, 0},
	    {"1e-400", 1, 0},
	    /* 0.01: leading zeros of the fraction count against the
	     * exponent (json.c, point > 12 branch). */
	    {"0.000000000000001e13", 1, 0},
	    {"0.0000000000001e22", 1, 1000000000},
	};
	char buf[128];
	int64_t t;
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		snprintf(buf, sizeof(buf), "{\"d\":%s}", rows[i].v);
		if (parse(buf) != 0) {
			T_OK(0, "date row %zu parses: %s", i, buf);
			continue;
		}
		t = -7;
		T_EQ_INT(atok_json_numeric_date(&obj.m[0], &t) == 0, rows[i].ok,
		         "date row %zu %s", i, rows[i].v);
		if (rows[i].ok)
			T_EQ_INT(t, rows[i].want, "date row %zu value", i);
	}
	T_EQ_INT(atok_json_numeric_date(NULL, &t), ATOK_ERR_MALFORMED,
	         "date NULL");
}

/*
 * A host (sshd's PAM stack, a SASL server) may call setlocale(); RFC 8259
 * numbers use '.' whatever the locale.  Skipped when no comma-decimal
 * locale is installed.
 */
static const char *locale_dir; /* a compiled locale to remove */

static void test_numeric_date_locale(void)
{
	static const char *const locs[] = {"de_DE.UTF-8", "de_DE.utf8",
	                                   "fr_FR.UTF-8", "fr_FR.utf8",
	                                   "nl_NL.UTF-8", "ru_RU.UTF-8"};
	const char *got = NULL;
	int64_t t = -7;
	size_t i;

	for (i = 0; got == NULL && i < ATOK_ARRAY_SIZE_T(locs); i++)
		got = setlocale(LC_NUMERIC, locs[i]);
	if (got == NULL) {
		/* None installed: compile de_DE into a temp dir (the locales
		 * package's sources) and point LOCPATH at it. */
		static char dir[] = "/tmp/atok-locale.XXXXXX";
		char cmd[256];
		if (mkdtemp(dir) != NULL) {
			snprintf(cmd, sizeof(cmd),
			         "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 "
			         ">/dev/null 2>&1",
			         dir);
			if (system(cmd) == 0 && setenv("LOCPATH", dir, 1) == 0)
				got = setlocale(LC_NUMERIC, "de_DE.UTF-8");
			snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
			if (got == NULL && system(cmd) != 0)
				got = NULL;
			locale_dir = dir;
		}
	}
	if (got == NULL || strcmp(localeconv()->decimal_point, ",") != 0) {
		setlocale(LC_NUMERIC, "C");
		printf("ok %d - # SKIP no comma-decimal locale installed\n",
		       ++t_n);
		return;
	}
	parse("{\"d\":1800000000.5,\"e\":1.8e9}");
	T_EQ_INT(atok_json_numeric_date(&obj.m[0], &t), 0,
	         "fraction under LC_NUMERIC=%s", got);
	T_EQ_INT(t, 1800000000, "fraction value under %s", got);
	t = -7;
	T_EQ_INT(atok_json_numeric_date(&obj.m[1], &t), 0,
	         "exponent with '.' under LC_NUMERIC=%s", got);
	T_EQ_INT(t, 1800000000, "exponent value under %s", got);
	setlocale(LC_NUMERIC, "C");
	if (locale_dir != NULL) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", locale_dir);
		if (system(cmd) != 0)
			T_DIAG("could not remove %s", locale_dir);
	}
}

/* Walks m's elements into a "|"-joined description: types and spans. */
static void walk(const struct atok_json_member *m, char *out, size_t outsz)
{
	struct atok_json_member e;
	size_t pos = 0, n = 0;
	char s[64];

	out[0] = '\0';
	while (atok_json_array_next(m, &pos, &e) && n < outsz - 80) {
		if (e.type == ATOK_JSON_STRING &&
		    atok_json_string(&e, s, sizeof(s), NULL) == 0)
			n += (size_t)snprintf(out + n, outsz - n, "%sS:%s",
			                      n ? "|" : "", s);
		else
			n += (size_t)snprintf(out + n, outsz - n, "%s%d:%.*s",
			                      n ? "|" : "", (int)e.type,
			                      (int)e.value_len, e.value);
	}
}

static void test_array_next(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
	    {"{\"a\":[]}", ""},
	    {"{\"a\":[ ]}", ""},
	    {"{\"a\":[\"x\"]}", "S:x"},
	    {"{\"a\":[ \"x\" , \"y\" ]}", "S:x|S:y"},
	    {"{\"a\":[\"a,b\",\"[c]\",\"{d}\",\"e\\\"],\"]}",
	     "S:a,b|S:[c]|S:{d}|S:e\"],"},
	    {"{\"a\":[[1,[2,\"]\"]],{\"k\":[\",\"]},\"z\"]}",
	     "4:[1,[2,\"]\"]]|3:{\"k\":[\",\"]}|S:z"},
	    {"{\"a\":[1,-2.5e3,true,false,null]}",
	     "2:1|2:-2.5e3|5:true|6:false|7:null"},
	    {"{\"a\":[\"\\u0061\\ud83d\\ude00\"]}", "S:a\xf0\x9f\x98\x80"},
	    {"{\"a\":[[],{}]}", "4:[]|3:{}"},
	};
	struct atok_json_member e;
	char out[512];
	size_t i, pos;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		T_EQ_INT(parse(rows[i].in), 0, "array row %zu parses", i);
		walk(atok_json_get(&obj, "a"), out, sizeof(out));
		T_EQ_STR(out, rows[i].want, "array row %zu walk", i);
	}
	parse("{\"s\":\"x\",\"o\":{\"a\":[1]}}");
	pos = 0;
	T_EQ_INT(atok_json_array_next(atok_json_get(&obj, "s"), &pos, &e), 0,
	         "array_next on a string");
	pos = 0;
	T_EQ_INT(atok_json_array_next(atok_json_get(&obj, "o"), &pos, &e), 0,
	         "array_next on an object");
	pos = 0;
	T_EQ_INT(atok_json_array_next(NULL, &pos, &e), 0, "array_next NULL");
	/* After the end, it stays at the end. */
	parse("{\"a\":[\"x\"]}");
	pos = 0;
	T_EQ_INT(atok_json_array_next(&obj.m[0], &pos, &e), 1, "one element");
	T_EQ_INT(atok_json_array_next(&obj.m[0], &pos, &e), 0, "then end");
	T_EQ_INT(atok_json_array_next(&obj.m[0], &pos, &e), 0, "still end");
}

/* ---- differential check against jansson ---------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const seeds[] = {
    "{}",
    "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"at+jwt\"}",
    "{\"iss\":\"https://issuer.test\",\"aud\":[\"a\",\"b\"],\"exp\":1.8e9,"
    "\"sub\":\"caf\\u00e9 \\ud83d\\ude00\",\"x\":null,\"t\":true,"
    "\"f\":false,\"o\":{\"a\":[1,{\"b\":[]}]},\"n\":-0.5E-3}",
    "{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"b\":0}",
    "{\"a\":{\"b\":1,\"c\":2},\"d\":[1,2,3]}",
    "{\"\\u0061\":1,\"b\":\"\\\\\\\"\\/\\b\\f\\n\\r\\t\"}",
    "{\"o\":{\"a\":1,\"b\":2},\"p\":[{\"x\":1,\"y\":2}]}",
    "{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}",
};

/* Bytes a mutation inserts: JSON's own, escapes, UTF-8 lead/tail bytes. */
static const char alphabet[] = "{}[]\":,\\/0123456789-+.eEuUabdftnrlsx \t\n"
                               "\x01\x1f\x7f\x80\xbf\xc0\xc3\xe0\xed\xf0\xf4"
                               "\xf5\xff";

static void mutate(char *b, size_t *len, size_t cap)
{
	unsigned k, steps = 1 + rnd(3);
	const char *piece[] = {"\\u0000",
	                       "\\ud800",
	                       "\\udc00",
	                       "\\u0061",
	                       "\\ud83d\\ude00",
	                       "1e400",
	                       "01",
	                       "[[[[",
	                       "]]",
	                       "\"a\":1",
	                       ",\"a\":2",
	                       "\xc0\x80",
	                       "\xed\xa0\x80",
	                       "99999999999999999999999"};

	for (k = 0; k < steps; k++) {
		size_t at = *len ? rnd((unsigned)*len + 1) : 0, pl;
		const char *p;
		char one[2];

		switch (rnd(4)) {
		case 0: /* delete a byte */
			if (*len && at < *len) {
				memmove(b + at, b + at + 1, *len - at - 1);
				(*len)--;
			}
			break;
		case 1: /* replace a byte */
			if (at < *len)
				b[at] = alphabet[rnd(sizeof(alphabet) - 1)];
			break;
		default: /* insert a byte or a piece */
			if (rnd(2)) {
				one[0] = alphabet[rnd(sizeof(alphabet) - 1)];
				p = one;
				pl = 1;
			} else {
				p = piece[rnd(ATOK_ARRAY_SIZE_T(piece))];
				pl = strlen(p);
			}
			if (*len + pl <= cap) {
				memmove(b + at + pl, b + at, *len - at);
				memcpy(b + at, p, pl);
				*len += pl;
			}
			break;
		}
	}
}

/* Appends a random value; containers go up to depth 19 (ours stops at
 * 16), names repeat ("a" and "\u0061") at every depth. */
static void gen_value(char *b, size_t *n, size_t cap, int depth, int chain)
{
	static const char *const scalar[] = {
	    "1",    "-0",    "1.5e3",       "0.25",         "true",    "false",
	    "null", "\"x\"", "\"\\u00e9\"", "\"\xc3\xa9\"", "\"a,]}\""};
	static const char *const name[] = {"a", "b", "\\u0061", "c\\n"};
	unsigned k, members, kind = chain ? 1 + rnd(2) : rnd(4);

	if (*n + 80 > cap || depth >= 19 || kind == 0 || kind == 3) {
		*n += (size_t)snprintf(b + *n, cap - *n, "%s",
		                       scalar[rnd(ATOK_ARRAY_SIZE_T(scalar))]);
		return;
	}
	b[(*n)++] = kind == 1 ? '[' : '{';
	members = chain ? 1 : rnd(4);
	for (k = 0; k < members && *n + 80 <= cap; k++) {
		if (k)
			b[(*n)++] = ',';
		if (kind == 2)
			*n += (size_t)snprintf(
			    b + *n, cap - *n,
			    "\"%s\":", name[rnd(ATOK_ARRAY_SIZE_T(name))]);
		gen_value(b, n, cap, depth + 1, chain);
	}
	b[(*n)++] = kind == 1 ? ']' : '}';
}

static size_t gen_object(char *b, size_t cap)
{
	size_t n = 0;
	unsigned k, members = rnd(10) == 0 ? 62 + rnd(5) : rnd(5);
	int chain = rnd(6) == 0;

	b[n++] = '{';
	for (k = 0; k < members && n + 100 <= cap; k++) {
		if (k)
			b[n++] = ',';
		if (members > 8)
			n += (size_t)snprintf(b + n, cap - n, "\"m%u\":", k);
		else
			n += (size_t)snprintf(b + n, cap - n, "\"%s\":",
			                      rnd(3) ? "a" : "\\u0061");
		gen_value(b, &n, cap - 2, chain ? 2 + (int)rnd(5) : 2, chain);
	}
	b[n++] = '}';
	return n;
}

/* 1: a JSON_REJECT_DUPLICATES parse accepted an object; 0: refused.  *n
 * gets its member count; *why jansson's error text. */
static int jansson_object(const char *b, size_t len, int flags, size_t *n,
                          char *why, size_t whysz)
{
	json_error_t jerr;
	json_t *j = json_loadb(b, len, flags, &jerr);
	int ok = j != NULL && json_is_object(j);

	*n = ok ? json_object_size(j) : 0;
	snprintf(why, whysz, "%s", j == NULL ? jerr.text : "not an object");
	json_decref(j);
	return ok;
}

static void test_differential(void)
{
	char b[8192], why[200], why2[200];
	size_t len, i, n_ours, jn, jn2, total = 0, agree = 0, accepted = 0,
	                                excused = 0, shown = 0, why_dup = 0,
	                                why_num = 0, why_lim = 0;

	for (i = 0; i < 3000; i++) {
		int ours, theirs, excuse = 0;
		const char *s = seeds[i % ATOK_ARRAY_SIZE_T(seeds)];

		len = strlen(s);
		memcpy(b, s, len);
		if (i % 2 && i >= ATOK_ARRAY_SIZE_T(seeds))
			len = gen_object(b, sizeof(b));
		else if (i >= ATOK_ARRAY_SIZE_T(seeds))
			mutate(b, &len, sizeof(b));
		total++;
		ours = atok_json_parse_object(b, len, &obj);
		n_ours = obj.n;
		theirs = jansson_object(b, len, JSON_REJECT_DUPLICATES, &jn,
		                        why, sizeof(why));
		if ((ours == 0) == theirs) {
			if (ours == 0 && n_ours != jn) {
				T_OK(0,
				     "differential %zu: %zu members, jansson "
				     "%zu",
				     i, n_ours, jn);
				continue;
			}
			agree++;
			accepted += ours == 0;
			continue;
		}
		/*
		 * Known, intended differences:
		 * - jansson refuses duplicate names at every depth, we only at
		 *   the top: fine when the top-level member counts agree;
		 * - jansson refuses numbers it cannot represent (1e400, huge
		 *   integers), we only check the grammar;
		 * - we refuse what is over our limits (depth 16, 64 members,
		 *   names over ATOK_JSON_NAME_MAX) as ATOK_ERR_TOO_LONG.
		 * (\u0000 is refused by both: jansson without JSON_ALLOW_NUL.)
		 */
		if (ours == 0) {
			if (jansson_object(b, len, 0, &jn2, why2,
			                   sizeof(why2)) &&
			    jn2 == n_ours && strstr(why, "duplicate") != NULL)
				excuse = ++why_dup;
			else if (strstr(why, "too big") != NULL ||
			         strstr(why, "overflow") != NULL)
				excuse = ++why_num;
		} else if (ours == ATOK_ERR_TOO_LONG) {
			excuse = ++why_lim;
		}
		if (excuse) {
			excused++;
			continue;
		}
		if (shown++ < 10) {
			size_t k;
			printf("# differential %zu: ours %d, jansson %s (%s): ",
			       i, ours, theirs ? "accepts" : "refuses", why);
			for (k = 0; k < len; k++)
				printf((unsigned char)b[k] >= 0x20 &&
				               (unsigned char)b[k] < 0x7f
				           ? "%c"
				           : "\\x%02x",
				       (unsigned char)b[k]);
			printf("\n");
		}
	}
	T_DIAG("differential: %zu inputs, %zu agree (%zu accepted by both), "
	       "%zu known differences (%zu nested duplicates, %zu numbers "
	       "jansson cannot hold, %zu over our limits)",
	       total, agree, accepted, excused, why_dup, why_num, why_lim);
	T_EQ_INT(total - agree - excused, 0,
	         "differential: no unexplained disagreement with jansson");
	T_OK(accepted >= 100, "differential: enough accepted inputs (%zu)",
	     accepted);
}

int main(void)
{
	test_valid();
	test_invalid();
	test_limits();
	test_get();
	test_string();
	test_numeric_date();
	test_numeric_date_locale();
	test_array_next();
	test_differential();
	return t_done();
}
