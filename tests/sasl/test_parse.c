/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table tests for sasl_plugin/oauth_parse.c: every rule of the OAUTHBEARER
 * (RFC 7628) and XOAUTH2 parsers, every truncation and extension of a
 * valid message, and the builders the client mechanisms use.
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth_parse.h"
#include "tap.h"

/* A message literal with its length, so embedded NULs count. */
#define M(s) s, sizeof(s) - 1
/* The same as the designators of a row (struct row: msg, len). */
#define MSG(s) .msg = s, .len = sizeof(s) - 1

#define TOK "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="

struct row {
	const char *name;
	const char *msg;
	size_t len;
	int want;
	const char *authzid; /* when OAUTH_OK */
	const char *token;   /* when OAUTH_OK; NULL = empty auth= */
	const char *host;
	const char *port;
};

static const char *rc_name(int rc)
{
	return oauth_parse_strerror(rc);
}

static void check_row(const char *mech, size_t i, const struct row *r, int rc,
                      const struct oauth_msg *m)
{
	char buf[ATOK_TOKEN_MAX + 1];

	T_OK(rc == r->want, "%s row %zu (%s): %s", mech, i, r->name,
	     rc_name(r->want));
	if (rc != r->want) {
		T_DIAG("got %d (%s)", rc, rc_name(rc));
		return;
	}
	if (rc != OAUTH_OK)
		return;
	T_EQ_STR(m->authzid, r->authzid, "%s row %zu authzid", mech, i);
	T_EQ_INT(m->authzid_len, strlen(r->authzid), "%s row %zu authzid_len",
	         mech, i);
	if (r->token == NULL) {
		T_OK(m->token == NULL && m->token_len == 0,
		     "%s row %zu no token", mech, i);
	} else {
		snprintf(buf, sizeof(buf), "%.*s", (int)m->token_len,
		         m->token ? m->token : "");
		T_EQ_STR(buf, r->token, "%s row %zu token", mech, i);
	}
	if (r->host == NULL) {
		T_OK(m->host == NULL, "%s row %zu no host", mech, i);
	} else {
		snprintf(buf, sizeof(buf), "%.*s", (int)m->host_len,
		         m->host ? m->host : "");
		T_EQ_STR(buf, r->host, "%s row %zu host", mech, i);
	}
	if (r->port == NULL) {
		T_OK(m->port == NULL, "%s row %zu no port", mech, i);
	} else {
		snprintf(buf, sizeof(buf), "%.*s", (int)m->port_len,
		         m->port ? m->port : "");
		T_EQ_STR(buf, r->port, "%s row %zu port", mech, i);
	}
}

static const struct row ob_rows[] = {
    /* valid */
    {.name = "minimal",
     MSG("n,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "authzid",
     MSG("n,a=alice,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "alice",
     .token = "abc"},
    {.name = "y flag",
     MSG("y,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "RFC 7628 example",
     MSG("n,a=user@example.com,\x01"
         "host=server.example.com\x01"
         "port=143\x01"
         "auth=Bearer " TOK "\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "user@example.com",
     .token = TOK,
     .host = "server.example.com",
     .port = "143"},
    {.name = "auth before host",
     MSG("n,,\x01"
         "auth=Bearer abc\x01"
         "host=h\x01"
         "port=1\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc",
     .host = "h",
     .port = "1"},
    {.name = "scheme lower",
     MSG("n,,\x01"
         "auth=bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "scheme upper",
     MSG("n,,\x01"
         "auth=BEARER abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "scheme mixed",
     MSG("n,,\x01"
         "auth=BeArEr abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "several SP",
     MSG("n,,\x01"
         "auth=Bearer   abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "escapes",
     MSG("n,a=a=2Cb=3Dc,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "a,b=c",
     .token = "abc"},
    {.name = "only escapes",
     MSG("n,a==2C,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = ",",
     .token = "abc"},
    {.name = "UTF-8 authzid",
     MSG("n,a=j\xc3\xb6rg,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "j\xc3\xb6rg",
     .token = "abc"},
    {.name = "4-byte UTF-8",
     MSG("n,a=\xf0\x9f\x94\x91,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "\xf0\x9f\x94\x91",
     .token = "abc"},
    {.name = "unknown key ignored",
     MSG("n,,\x01"
         "mfa=x y\tz\r\n\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "Auth is another key",
     MSG("n,,\x01"
         "Auth=x\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "empty unknown value",
     MSG("n,,\x01"
         "x=\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "abc"},
    {.name = "b64token alphabet",
     MSG("n,,\x01"
         "auth=Bearer aZ09-._~+/==\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "aZ09-._~+/=="},
    {.name = "local token",
     MSG("n,,\x01"
         "auth=Bearer apt_0123456789ab_xyz\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "apt_0123456789ab_xyz"},
    {.name = "JWT",
     MSG("n,,\x01"
         "auth=Bearer eyJh.eyJz.c2ln\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "eyJh.eyJz.c2ln"},
    {.name = "discovery: empty auth",
     MSG("n,,\x01"
         "auth=\x01\x01"),
     .want = OAUTH_OK,
     .authzid = ""},
    {.name = "IPv6 host",
     MSG("n,,\x01"
         "host=[::1]\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "a",
     .host = "[::1]"},
    {.name = "port 65535",
     MSG("n,,\x01"
         "port=65535\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "",
     .token = "a",
     .port = "65535"},
    {.name = "error reply", MSG("\x01"), .want = OAUTH_ERROR_REPLY},

    /* GS2 header */
    {.name = "empty", MSG(""), .want = OAUTH_E_TRUNCATED},
    {.name = "two kvsep", MSG("\x01\x01"), .want = OAUTH_E_GS2},
    {.name = "channel binding",
     MSG("p=tls-unique,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_CBIND},
    {.name = "channel binding bare p",
     MSG("p,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_CBIND},
    {.name = "bad flag",
     MSG("x,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "upper flag",
     MSG("N,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "no comma",
     MSG("n\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "one comma",
     MSG("n,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "gs2-nonstd-flag F",
     MSG("F,n,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "b= not a=",
     MSG("n,b=alice,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "no kvsep after header (KAFKA-7182)",
     MSG("n,,auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},
    {.name = "comma in authzid",
     MSG("n,a=al,ice,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_GS2},

    /* authzid */
    {.name = "empty a=",
     MSG("n,a=,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "lower-case escape",
     MSG("n,a=a=2c,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "other escape",
     MSG("n,a=a=41,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "bare =",
     MSG("n,a=a=b,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "= at end",
     MSG("n,a=a=,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "=2 at end",
     MSG("n,a=a=2,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "control in authzid",
     MSG("n,a=a\x02z,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "kvsep in authzid",
     MSG("n,a=a\x01z,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "DEL in authzid",
     MSG("n,a=a\x7fz,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "space in authzid",
     MSG("n,a=a z,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "invalid UTF-8",
     MSG("n,a=\xff,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "overlong UTF-8",
     MSG("n,a=\xc0\xaf,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "truncated UTF-8",
     MSG("n,a=\xc3,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "UTF-16 surrogate",
     MSG("n,a=\xed\xa0\x80,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},

    /* key/value pairs */
    {.name = "no pairs", MSG("n,,\x01\x01"), .want = OAUTH_E_NO_AUTH},
    {.name = "host only",
     MSG("n,,\x01"
         "host=h\x01\x01"),
     .want = OAUTH_E_NO_AUTH},
    {.name = "two auth",
     MSG("n,,\x01"
         "auth=Bearer a\x01"
         "auth=Bearer b\x01\x01"),
     .want = OAUTH_E_DUPLICATE},
    {.name = "two host",
     MSG("n,,\x01"
         "host=a\x01"
         "host=b\x01"
         "auth=Bearer b\x01\x01"),
     .want = OAUTH_E_DUPLICATE},
    {.name = "two port",
     MSG("n,,\x01"
         "port=1\x01"
         "port=2\x01"
         "auth=Bearer b\x01\x01"),
     .want = OAUTH_E_DUPLICATE},
    {.name = "space in key",
     MSG("n,,\x01"
         "au th=x\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "digit in key",
     MSG("n,,\x01"
         "auth1=x\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "empty key",
     MSG("n,,\x01"
         "=x\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "no =",
     MSG("n,,\x01"
         "auth\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "DEL in value",
     MSG("n,,\x01"
         "x=\x7f\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "control in value",
     MSG("n,,\x01"
         "x=\x02\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "8-bit in value",
     MSG("n,,\x01"
         "x=\xc3\xa9\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_KVPAIR},

    /* auth value */
    {.name = "Basic scheme",
     MSG("n,,\x01"
         "auth=Basic YTpi\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "no SP",
     MSG("n,,\x01"
         "auth=Bearerabc\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "scheme only",
     MSG("n,,\x01"
         "auth=Bearer\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "HTAB after scheme",
     MSG("n,,\x01"
         "auth=Bearer\tabc\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "leading SP",
     MSG("n,,\x01"
         "auth= Bearer abc\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "scheme prefix",
     MSG("n,,\x01"
         "auth=Bear abc\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "empty token",
     MSG("n,,\x01"
         "auth=Bearer \x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "SP in token",
     MSG("n,,\x01"
         "auth=Bearer a b\x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "trailing SP",
     MSG("n,,\x01"
         "auth=Bearer abc \x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "= inside token",
     MSG("n,,\x01"
         "auth=Bearer a=b\x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "only =",
     MSG("n,,\x01"
         "auth=Bearer ==\x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "quote in token",
     MSG("n,,\x01"
         "auth=Bearer a\"b\x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "comma in token",
     MSG("n,,\x01"
         "auth=Bearer a,b\x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "CR in token",
     MSG("n,,\x01"
         "auth=Bearer a\rb\x01\x01"),
     .want = OAUTH_E_TOKEN},

    /* host and port */
    {.name = "empty host",
     MSG("n,,\x01"
         "host=\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_HOST},
    {.name = "SP in host",
     MSG("n,,\x01"
         "host=a b\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_HOST},
    {.name = "empty port",
     MSG("n,,\x01"
         "port=\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_HOST},
    {.name = "port letters",
     MSG("n,,\x01"
         "port=imap\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_HOST},
    {.name = "port 6 digits",
     MSG("n,,\x01"
         "port=100000\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_HOST},
    {.name = "port negative",
     MSG("n,,\x01"
         "port=-1\x01"
         "auth=Bearer a\x01\x01"),
     .want = OAUTH_E_HOST},

    /* framing */
    {.name = "one final kvsep",
     MSG("n,,\x01"
         "auth=Bearer abc\x01"),
     .want = OAUTH_E_TRUNCATED},
    {.name = "no final kvsep",
     MSG("n,,\x01"
         "auth=Bearer abc"),
     .want = OAUTH_E_TRUNCATED},
    {.name = "header only", MSG("n,,\x01"), .want = OAUTH_E_TRUNCATED},
    {.name = "header without kvsep", MSG("n,,"), .want = OAUTH_E_TRUNCATED},
    {.name = "byte after end",
     MSG("n,,\x01"
         "auth=Bearer abc\x01\x01x"),
     .want = OAUTH_E_TRAILING},
    {.name = "kvsep after end",
     MSG("n,,\x01"
         "auth=Bearer abc\x01\x01\x01"),
     .want = OAUTH_E_TRAILING},
    {.name = "NUL after end",
     MSG("n,,\x01"
         "auth=Bearer abc\x01\x01\0"),
     .want = OAUTH_E_NUL},
    {.name = "NUL in token",
     MSG("n,,\x01"
         "auth=Bearer a\0bc\x01\x01"),
     .want = OAUTH_E_NUL},
    {.name = "NUL in authzid",
     MSG("n,a=al\0ice,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_NUL},
    {.name = "NUL first", MSG("\0"), .want = OAUTH_E_NUL},
    {.name = "kvsep then NUL", MSG("\x01\0"), .want = OAUTH_E_NUL},
    {.name = "error reply plus byte", MSG("\x01x"), .want = OAUTH_E_GS2},
};

static const struct row xo_rows[] = {
    {.name = "minimal",
     MSG("user=alice\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "alice",
     .token = "abc"},
    {.name = "Google example",
     MSG("user=someuser@example.com\x01"
         "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEu"
         "Y29tCg\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "someuser@example.com",
     .token = "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg"},
    {.name = "scheme lower",
     MSG("user=alice\x01"
         "auth=bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "alice",
     .token = "abc"},
    {.name = "several SP",
     MSG("user=alice\x01"
         "auth=Bearer  abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "alice",
     .token = "abc"},
    {.name = "comma and = in user",
     MSG("user=a,b=c\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "a,b=c",
     .token = "abc"},
    {.name = "UTF-8 user",
     MSG("user=j\xc3\xb6rg\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_OK,
     .authzid = "j\xc3\xb6rg",
     .token = "abc"},
    {.name = "error reply", MSG("\x01"), .want = OAUTH_ERROR_REPLY},

    {.name = "empty", MSG(""), .want = OAUTH_E_TRUNCATED},
    {.name = "empty user",
     MSG("user=\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "control in user",
     MSG("user=a\x02"
         "b\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "space in user",
     MSG("user=a b\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "bad UTF-8 user",
     MSG("user=\xfe\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_AUTHZID},
    {.name = "auth first",
     MSG("auth=Bearer abc\x01"
         "user=alice\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "User capitalised",
     MSG("User=alice\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "extra key",
     MSG("user=alice\x01"
         "host=h\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "GS2 header",
     MSG("n,,\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_KVPAIR},
    {.name = "no auth", MSG("user=alice\x01\x01"), .want = OAUTH_E_KVPAIR},
    {.name = "Basic",
     MSG("user=alice\x01"
         "auth=Basic abc\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "empty auth",
     MSG("user=alice\x01"
         "auth=\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "no SP",
     MSG("user=alice\x01"
         "auth=Bearerabc\x01\x01"),
     .want = OAUTH_E_SCHEME},
    {.name = "empty token",
     MSG("user=alice\x01"
         "auth=Bearer \x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "SP in token",
     MSG("user=alice\x01"
         "auth=Bearer a b\x01\x01"),
     .want = OAUTH_E_TOKEN},
    {.name = "one final kvsep",
     MSG("user=alice\x01"
         "auth=Bearer abc\x01"),
     .want = OAUTH_E_TRUNCATED},
    {.name = "no final kvsep",
     MSG("user=alice\x01"
         "auth=Bearer abc"),
     .want = OAUTH_E_TRUNCATED},
    {.name = "user only", MSG("user=alice"), .want = OAUTH_E_TRUNCATED},
    {.name = "trailing",
     MSG("user=alice\x01"
         "auth=Bearer abc\x01\x01x"),
     .want = OAUTH_E_TRAILING},
    {.name = "NUL in user",
     MSG("user=al\0ice\x01"
         "auth=Bearer abc\x01\x01"),
     .want = OAUTH_E_NUL},
    {.name = "NUL in token",
     MSG("user=alice\x01"
         "auth=Bearer a\0b\x01\x01"),
     .want = OAUTH_E_NUL},
};

static void test_tables(void)
{
	struct oauth_msg m;
	size_t i;
	int rc;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(ob_rows); i++) {
		rc =
		    oauth_parse_oauthbearer(ob_rows[i].msg, ob_rows[i].len, &m);
		check_row("oauthbearer", i, &ob_rows[i], rc, &m);
	}
	for (i = 0; i < ATOK_ARRAY_SIZE_T(xo_rows); i++) {
		rc = oauth_parse_xoauth2(xo_rows[i].msg, xo_rows[i].len, &m);
		check_row("xoauth2", i, &xo_rows[i], rc, &m);
	}
	T_EQ_INT(oauth_parse_oauthbearer(NULL, 0, &m), OAUTH_E_INVALID,
	         "oauthbearer NULL buffer");
	T_EQ_INT(oauth_parse_oauthbearer("\x01", 1, NULL), OAUTH_E_INVALID,
	         "oauthbearer NULL out");
	T_EQ_INT(oauth_parse_xoauth2(NULL, 0, &m), OAUTH_E_INVALID,
	         "xoauth2 NULL buffer");
}

/* A failed parse leaves nothing behind that a careless caller could use. */
static void test_zeroed_on_failure(void)
{
	struct oauth_msg m;

	memset(&m, 0x55, sizeof(m));
	oauth_parse_oauthbearer(M("n,a=alice,\x01"
	                          "auth=Bearer abc\x01"),
	                        &m);
	T_OK(m.token == NULL && m.authzid[0] == '\0' && m.host == NULL,
	     "oauthbearer: out zeroed on failure");
	memset(&m, 0x55, sizeof(m));
	oauth_parse_xoauth2(M("user=alice\x01"
	                      "auth=Bearer abc\x01"),
	                    &m);
	T_OK(m.token == NULL && m.authzid[0] == '\0',
	     "xoauth2: out zeroed on failure");
}

/* Every proper prefix of a valid message fails; so does every extension
 * by one byte.  Each message is copied into an exact-size heap buffer, so
 * ASan catches a read past len. */
static void test_truncations(void)
{
	static const struct {
		const char *msg;
		size_t len;
		int xoauth2;
	} valid[] = {
	    {M("n,a=user@example.com,\x01"
	       "host=server.example.com\x01"
	       "port=143\x01"
	       "auth=Bearer " TOK "\x01\x01"),
	     0},
	    {M("y,a=a=2Cb=3D,\x01"
	       "auth=bearer  abc~==\x01"
	       "x=y\x01\x01"),
	     0},
	    {M("n,,\x01"
	       "auth=\x01\x01"),
	     0},
	    {M("user=someuser@example.com\x01"
	       "auth=Bearer " TOK "\x01\x01"),
	     1},
	};
	static const char extra[] = {'a', '=', '\x01', ',', ' ', '\0'};
	size_t i, n, k, bad;
	struct oauth_msg m;
	char *buf;
	int rc;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(valid); i++) {
		bad = 0;
		for (n = 0; n < valid[i].len; n++) {
			buf = malloc(n ? n : 1);
			memcpy(buf, valid[i].msg, n);
			rc = valid[i].xoauth2
			         ? oauth_parse_xoauth2(buf, n, &m)
			         : oauth_parse_oauthbearer(buf, n, &m);
			if (rc == OAUTH_OK || (rc == OAUTH_ERROR_REPLY)) {
				T_DIAG("message %zu prefix %zu accepted (%d)",
				       i, n, rc);
				bad++;
			}
			free(buf);
		}
		T_EQ_INT(bad, 0, "message %zu: all %zu truncations rejected", i,
		         valid[i].len);
		bad = 0;
		for (k = 0; k < sizeof(extra); k++) {
			buf = malloc(valid[i].len + 1);
			memcpy(buf, valid[i].msg, valid[i].len);
			buf[valid[i].len] = extra[k];
			rc =
			    valid[i].xoauth2
			        ? oauth_parse_xoauth2(buf, valid[i].len + 1, &m)
			        : oauth_parse_oauthbearer(buf, valid[i].len + 1,
			                                  &m);
			if (rc >= 0)
				bad++;
			free(buf);
		}
		T_EQ_INT(bad, 0, "message %zu: every extension rejected", i);
		buf = malloc(valid[i].len);
		memcpy(buf, valid[i].msg, valid[i].len);
		rc = valid[i].xoauth2
		         ? oauth_parse_xoauth2(buf, valid[i].len, &m)
		         : oauth_parse_oauthbearer(buf, valid[i].len, &m);
		T_EQ_INT(rc, OAUTH_OK, "message %zu: whole message accepted",
		         i);
		free(buf);
	}
}

/* Builds "n,,\x01auth=Bearer <tok of n bytes>\x01\x01" (+ pad pairs). */
static char *big_message(size_t toklen, size_t pad, size_t *lenp)
{
	size_t len = 3 + 1 + 12 + toklen + 2 + pad, o = 0;
	char *b = malloc(len);

	memcpy(b + o, "n,,\x01", 4);
	o += 4;
	if (pad > 0) {
		/* one long unknown pair */
		memcpy(b + o, "x=", 2);
		memset(b + o + 2, 'v', pad - 3);
		b[o + pad - 1] = '\x01';
		o += pad;
	}
	memcpy(b + o, "auth=Bearer ", 12);
	o += 12;
	memset(b + o, 'A', toklen);
	o += toklen;
	b[o++] = '\x01';
	b[o++] = '\x01';
	*lenp = o;
	return b;
}

static void test_limits(void)
{
	struct oauth_msg m;
	size_t len, i;
	char *b;
	char authz[OAUTH_AUTHZID_MAX + 40];
	char msg[OAUTH_AUTHZID_MAX + 80];
	int n;

	b = big_message(4096, 0, &len);
	T_EQ_INT(oauth_parse_oauthbearer(b, len, &m), OAUTH_OK,
	         "4 KB token accepted");
	T_EQ_INT(m.token_len, 4096, "4 KB token length");
	free(b);
	b = big_message(ATOK_TOKEN_MAX, 0, &len);
	T_EQ_INT(oauth_parse_oauthbearer(b, len, &m), OAUTH_OK,
	         "token of ATOK_TOKEN_MAX accepted");
	free(b);
	b = big_message(ATOK_TOKEN_MAX + 1, 0, &len);
	T_EQ_INT(oauth_parse_oauthbearer(b, len, &m), OAUTH_E_TOKEN_TOO_LONG,
	         "token of ATOK_TOKEN_MAX + 1 refused");
	free(b);
	b = big_message(16, OAUTH_MSG_MAX - (3 + 1 + 12 + 16 + 2), &len);
	T_EQ_INT(len, OAUTH_MSG_MAX, "message of OAUTH_MSG_MAX built");
	T_EQ_INT(oauth_parse_oauthbearer(b, len, &m), OAUTH_OK,
	         "message of OAUTH_MSG_MAX accepted");
	free(b);
	b = big_message(16, OAUTH_MSG_MAX - (3 + 1 + 12 + 16 + 2) + 1, &len);
	T_EQ_INT(oauth_parse_oauthbearer(b, len, &m), OAUTH_E_TOO_LONG,
	         "message of OAUTH_MSG_MAX + 1 refused");
	T_EQ_INT(oauth_parse_xoauth2(b, len, &m), OAUTH_E_TOO_LONG,
	         "xoauth2 message of OAUTH_MSG_MAX + 1 refused");
	free(b);

	/* authzid at and over its limit, counted after decoding */
	memset(authz, 'u', OAUTH_AUTHZID_MAX);
	authz[OAUTH_AUTHZID_MAX] = '\0';
	n = snprintf(msg, sizeof(msg),
	             "n,a=%s,\x01"
	             "auth=Bearer a\x01\x01",
	             authz);
	T_EQ_INT(oauth_parse_oauthbearer(msg, (size_t)n, &m), OAUTH_OK,
	         "authzid of OAUTH_AUTHZID_MAX accepted");
	memcpy(authz + OAUTH_AUTHZID_MAX - 1, "=2C", 4);
	n = snprintf(msg, sizeof(msg),
	             "n,a=%s,\x01"
	             "auth=Bearer a\x01\x01",
	             authz);
	T_EQ_INT(oauth_parse_oauthbearer(msg, (size_t)n, &m), OAUTH_OK,
	         "escaped authzid of OAUTH_AUTHZID_MAX accepted");
	T_EQ_INT(m.authzid_len, OAUTH_AUTHZID_MAX, "escaped authzid length");
	memset(authz, 'u', OAUTH_AUTHZID_MAX + 1);
	authz[OAUTH_AUTHZID_MAX + 1] = '\0';
	n = snprintf(msg, sizeof(msg),
	             "n,a=%s,\x01"
	             "auth=Bearer a\x01\x01",
	             authz);
	T_EQ_INT(oauth_parse_oauthbearer(msg, (size_t)n, &m), OAUTH_E_AUTHZID,
	         "authzid of OAUTH_AUTHZID_MAX + 1 refused");
	n = snprintf(msg, sizeof(msg),
	             "user=%s\x01"
	             "auth=Bearer a\x01\x01",
	             authz);
	T_EQ_INT(oauth_parse_xoauth2(msg, (size_t)n, &m), OAUTH_E_AUTHZID,
	         "xoauth2 user of OAUTH_AUTHZID_MAX + 1 refused");

	/* OAUTH_KV_MAX pairs in all, and one more */
	{
		char kv[OAUTH_KV_MAX * 4 + 64];
		size_t o = 0;

		memcpy(kv, "n,,\x01", 4);
		o = 4;
		for (i = 0; i + 1 < OAUTH_KV_MAX; i++) {
			memcpy(kv + o, "x=y\x01", 4);
			o += 4;
		}
		memcpy(kv + o, "auth=Bearer a\x01\x01", 15);
		T_EQ_INT(oauth_parse_oauthbearer(kv, o + 15, &m), OAUTH_OK,
		         "OAUTH_KV_MAX pairs accepted");
		memmove(kv + o + 4, kv + o, 15);
		memcpy(kv + o, "x=y\x01", 4);
		T_EQ_INT(oauth_parse_oauthbearer(kv, o + 19, &m),
		         OAUTH_E_TOO_MANY, "OAUTH_KV_MAX + 1 pairs refused");
	}
}

static void test_build(void)
{
	char buf[ATOK_TOKEN_MAX + 512];
	struct oauth_msg m;
	long n;
	char port[8];

	n = oauth_build_oauthbearer("a,b=c", "mail.example.com", 993, M(TOK),
	                            buf, sizeof(buf));
	T_OK(n > 0, "build oauthbearer");
	T_EQ_STR(buf,
	         "n,a=a=2Cb=3Dc,\x01host=mail.example.com\x01port=993\x01"
	         "auth=Bearer " TOK "\x01\x01",
	         "build oauthbearer bytes");
	T_EQ_INT(oauth_parse_oauthbearer(buf, (size_t)n, &m), OAUTH_OK,
	         "built oauthbearer parses");
	T_EQ_STR(m.authzid, "a,b=c", "built oauthbearer authzid round trip");
	snprintf(port, sizeof(port), "%.*s", (int)m.port_len, m.port);
	T_EQ_STR(port, "993", "built oauthbearer port");

	n = oauth_build_oauthbearer(NULL, NULL, 0, M("abc"), buf, sizeof(buf));
	T_EQ_STR(buf,
	         "n,,\x01"
	         "auth=Bearer abc\x01\x01",
	         "build oauthbearer, no authzid/host/port");
	T_EQ_INT(n, 21, "build oauthbearer length");
	n = oauth_build_oauthbearer("", NULL, 0, M("abc"), buf, sizeof(buf));
	T_EQ_INT(n, 21, "build oauthbearer, empty authzid is none");

	T_EQ_INT(
	    oauth_build_oauthbearer(NULL, NULL, 0, M("a b"), buf, sizeof(buf)),
	    OAUTH_E_TOKEN, "build refuses a token the parser refuses");
	T_EQ_INT(
	    oauth_build_oauthbearer(NULL, NULL, 0, M(""), buf, sizeof(buf)),
	    OAUTH_E_TOKEN, "build refuses an empty token");
	T_EQ_INT(oauth_build_oauthbearer("a\x01", NULL, 0, M("abc"), buf,
	                                 sizeof(buf)),
	         OAUTH_E_AUTHZID, "build refuses a control in authzid");
	T_EQ_INT(
	    oauth_build_oauthbearer(NULL, "a b", 0, M("abc"), buf, sizeof(buf)),
	    OAUTH_E_HOST, "build refuses a bad host");
	T_EQ_INT(oauth_build_oauthbearer(NULL, NULL, 70000, M("abc"), buf,
	                                 sizeof(buf)),
	         OAUTH_E_HOST, "build refuses a port over 65535");
	T_EQ_INT(oauth_build_oauthbearer("alice", NULL, 0, M("abc"), buf, 20),
	         OAUTH_E_TOO_LONG, "build refuses a short buffer");

	n = oauth_build_xoauth2("alice", M("abc"), buf, sizeof(buf));
	T_EQ_STR(buf,
	         "user=alice\x01"
	         "auth=Bearer abc\x01\x01",
	         "build xoauth2 bytes");
	T_EQ_INT(oauth_parse_xoauth2(buf, (size_t)n, &m), OAUTH_OK,
	         "built xoauth2 parses");
	T_EQ_INT(oauth_build_xoauth2("", M("abc"), buf, sizeof(buf)),
	         OAUTH_E_AUTHZID, "build xoauth2 refuses an empty user");
	T_EQ_INT(oauth_build_xoauth2(NULL, M("abc"), buf, sizeof(buf)),
	         OAUTH_E_AUTHZID, "build xoauth2 refuses no user");
	T_EQ_INT(oauth_build_xoauth2("alice", M("abc"), buf, 10),
	         OAUTH_E_TOO_LONG, "build xoauth2 refuses a short buffer");
}

static void test_json(void)
{
	char out[64];
	long n;

	n = oauth_json_string(M("imap smtp"), out, sizeof(out));
	T_EQ_STR(out, "\"imap smtp\"", "json plain");
	T_EQ_INT(n, 11, "json plain length");
	oauth_json_string(M("a\"b\\c\x01\n"), out, sizeof(out));
	T_EQ_STR(out, "\"a\\\"b\\\\c\\u0001\\u000a\"", "json escapes");
	T_EQ_INT(oauth_json_string(M("abcdef"), out, 8), -1,
	         "json refuses a short buffer");
	T_EQ_INT(oauth_json_string(M("abcdef"), out, 9), 8,
	         "json fits exactly");
}

static void test_strerror(void)
{
	int rc;

	for (rc = OAUTH_E_INVALID; rc <= OAUTH_ERROR_REPLY; rc++)
		T_OK(strcmp(oauth_parse_strerror(rc), "unknown") != 0,
		     "strerror %d named: %s", rc, oauth_parse_strerror(rc));
	T_EQ_STR(oauth_parse_strerror(-99), "unknown", "strerror unknown");
}

int main(void)
{
	test_tables();
	test_zeroed_on_failure();
	test_truncations();
	test_limits();
	test_build();
	test_json();
	test_strerror();
	return t_done();
}
