/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sasl.c - the built libapitoken.so through the real libsasl2:
 * sasl_server_init with SASL_CB_GETPATH at the build tree and
 * SASL_CB_GETOPT for the options, then sasl_server_start / _step for
 * every branch of OAUTHBEARER and XOAUTH2, and our client mechanisms
 * against our server mechanisms.  Every log line and error text is
 * captured and searched for the tokens, which must never appear.
 */
#include "ac_config.h"

#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <sasl/sasl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atok.h"
#include "config.h"
#include "fixture.h"
#include "local.h"
#include "oauth_parse.h"
#include "plugin.h"
#include "sasl_cb.h"
#include "store.h"
#include "tap.h"
#include "token.h"
#include "tokens.h"

#ifndef SASL_PLUGIN_DIR
#error "SASL_PLUGIN_DIR must name the directory of the built plugin"
#endif

#define NOW_SLACK 3600

/* A message literal with its length, so embedded NULs count. */
#define M_(s) s, sizeof(s) - 1

static char tok_alice[80], tok_bob[80], tok_rev[80], tok_forged[80];
static char tok_4k[4097];
static char db_path[600], db2_path[600];
/* tok_pool: alice's, revoked by test_pool_reuse; tok_db2: carol's, only
 * in the second store. */
static char tok_pool[80], tok_db2[80];

/* What the getopt callback answers. */
static const char *opt_config, *opt_scope, *opt_openid, *opt_busy,
    *opt_bad_override, *opt_store_path;
/* Whether the proxy policy callback lets alice act as bob. */
static int allow_proxy;

/* Everything libsasl2 and the plugin logged, for the secrecy check. */
static char logbuf[1 << 20];
static size_t loglen;

static void log_append(const char *s)
{
	size_t n = strlen(s);

	if (loglen + n + 2 > sizeof(logbuf))
		return;
	memcpy(logbuf + loglen, s, n);
	loglen += n;
	logbuf[loglen++] = '\n';
	logbuf[loglen] = '\0';
}

static int cb_log(void *ctx, int level, const char *message)
{
	(void)ctx;
	(void)level;
	log_append(message);
	if (getenv("TEST_SASL_VERBOSE") != NULL)
		printf("# log %d: %s\n", level, message);
	return SASL_OK;
}

/* What the getopt callback answers: the variables above. */
static const struct scb_opt opts[] = {
    {OPT_CONFIG, .var = &opt_config},
    {OPT_SCOPE, .var = &opt_scope},
    {OPT_OPENID, .var = &opt_openid},
    {"apitoken_store_busy_timeout", .var = &opt_busy},
    {"apitoken_store_update_last_used", .var = &opt_bad_override},
    {"apitoken_store_path", .var = &opt_store_path},
    {.name = NULL},
};

static int cb_proxy(sasl_conn_t *conn, void *ctx, const char *requested_user,
                    unsigned rlen, const char *auth_identity, unsigned alen,
                    const char *def_realm, unsigned urlen,
                    struct propctx *propctx)
{
	(void)ctx;
	(void)def_realm;
	(void)urlen;
	(void)propctx;
	if (rlen == alen && memcmp(requested_user, auth_identity, alen) == 0)
		return SASL_OK;
	if (allow_proxy && alen == 5 &&
	    memcmp(auth_identity, "alice", 5) == 0 && rlen == 3 &&
	    memcmp(requested_user, "bob", 3) == 0)
		return SASL_OK;
	sasl_seterror(conn, SASL_NOLOG, "not authorized");
	return SASL_NOAUTHZ;
}

static sasl_callback_t server_cbs[] = {
    {SASL_CB_LOG, SCB_FN(&cb_log), NULL},
    {SASL_CB_GETPATH, SCB_FN(&scb_getpath), (void *)SASL_PLUGIN_DIR},
    {SASL_CB_GETOPT, SCB_FN(&scb_getopt), (void *)opts},
    {SASL_CB_PROXY_POLICY, SCB_FN(&cb_proxy), NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

/* A local token issued 10 s ago, valid for NOW_SLACK seconds. */
static void issue(struct atok_store *s, const char *user, const char *scopes,
                  char *out)
{
	int64_t now = (int64_t)time(NULL) - 10;

	tk_issue(s, user, scopes, now + NOW_SLACK, now, out);
}

static void setup(void)
{
	struct atok_store *s = NULL;
	struct atok_error err;
	char text[700];
	size_t i;

	fx_tmpdir();
	snprintf(db_path, sizeof(db_path), "%s/tokens.db", fx_dir);
	s = tk_store_admin(db_path);
	issue(s, "alice", "imap smtp", tok_alice);
	issue(s, "bob", "", tok_bob);
	issue(s, "alice", "imap", tok_rev);
	tk_revoke(s, tok_rev, time(NULL) - 1, &err);
	tk_forge(tok_alice, 30, tok_forged);
	issue(s, "alice", "imap", tok_pool);
	atok_store_close(&s);
	snprintf(db2_path, sizeof(db2_path), "%s/tokens2.db", fx_dir);
	s = tk_store_admin(db2_path);
	issue(s, "carol", "imap", tok_db2);
	atok_store_close(&s);
	for (i = 0; i < 4096; i++)
		tok_4k[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
	tok_4k[4096] = '\0';

	snprintf(text, sizeof(text), "[store]\npath = %s\n", db_path);
	opt_config = strdup(fx_file("apitoken.conf", text, 0600));
	opt_scope = "imap";
}

/* One server exchange. */
struct exch {
	int rc1, rc2;
	char challenge[2048];
	char user[300], authid[300];
	char detail[512];
};

/* The client address the host gives (ipremoteport); NULL = none. */
static const char *test_remote = "127.0.0.1;40000";

static sasl_conn_t *server_conn(void)
{
	sasl_conn_t *conn = NULL;
	int r;

	r = sasl_server_new("imap", "mail.example.com", NULL, "127.0.0.1;143",
	                    test_remote, NULL, 0, &conn);
	if (r != SASL_OK) {
		printf("Bail out! sasl_server_new: %s\n",
		       sasl_errstring(r, NULL, NULL));
		exit(99);
	}
	return conn;
}

static void props(sasl_conn_t *conn, struct exch *e)
{
	const void *p = NULL;

	e->user[0] = e->authid[0] = '\0';
	if (sasl_getprop(conn, SASL_USERNAME, &p) == SASL_OK && p != NULL)
		snprintf(e->user, sizeof(e->user), "%s", (const char *)p);
	p = NULL;
	if (sasl_getprop(conn, SASL_AUTHUSER, &p) == SASL_OK && p != NULL)
		snprintf(e->authid, sizeof(e->authid), "%s", (const char *)p);
}

/*
 * Starts mech with msg; when the server answers with a challenge, replies
 * with reply (NULL: "\x01").  rc2 is 1 when there was no second step.
 */
static void exchange(const char *mech, const char *msg, size_t len,
                     const char *reply, size_t replylen, struct exch *e)
{
	sasl_conn_t *conn = server_conn();
	const char *out = NULL;
	unsigned outlen = 0;
	const char *d;

	memset(e, 0, sizeof(*e));
	e->rc2 = 1;
	e->rc1 =
	    sasl_server_start(conn, mech, msg, (unsigned)len, &out, &outlen);
	if (e->rc1 == SASL_CONTINUE) {
		snprintf(e->challenge, sizeof(e->challenge), "%.*s",
		         (int)outlen, out ? out : "");
		if (reply == NULL) {
			reply = "\x01";
			replylen = 1;
		}
		e->rc2 = sasl_server_step(conn, reply, (unsigned)replylen, &out,
		                          &outlen);
	}
	props(conn, e);
	d = sasl_errdetail(conn);
	snprintf(e->detail, sizeof(e->detail), "%s", d ? d : "");
	log_append(e->detail);
	sasl_dispose(&conn);
}

static size_t ob_msg(char *buf, size_t sz, const char *authzid, const char *tok)
{
	long n = oauth_build_oauthbearer(authzid, "mail.example.com", 143, tok,
	                                 strlen(tok), buf, sz);

	if (n < 0) {
		printf("Bail out! build: %s\n", oauth_parse_strerror((int)n));
		exit(99);
	}
	return (size_t)n;
}

static size_t xo_msg(char *buf, size_t sz, const char *user, const char *tok)
{
	long n = oauth_build_xoauth2(user, tok, strlen(tok), buf, sz);

	if (n < 0) {
		printf("Bail out! build: %s\n", oauth_parse_strerror((int)n));
		exit(99);
	}
	return (size_t)n;
}

static const char *rc_str(int rc)
{
	return sasl_errstring(rc, NULL, NULL);
}

#define T_RC(got, want, ...)                                                   \
	do {                                                                   \
		int g_ = (got), w_ = (want);                                   \
		if (!T_OK(g_ == w_, __VA_ARGS__))                              \
			printf("#   got %d (%s), want %d (%s)\n", g_,          \
			       rc_str(g_), w_, rc_str(w_));                    \
	} while (0)

static void test_listmech(void)
{
	sasl_conn_t *conn = server_conn();
	const char *list = NULL;
	unsigned len;
	int count;

	T_RC(sasl_listmech(conn, NULL, "", " ", "", &list, &len, &count),
	     SASL_OK, "listmech");
	T_OK(list && strstr(list, "OAUTHBEARER") != NULL,
	     "configured: OAUTHBEARER offered (%s)", list ? list : "");
	T_OK(list && strstr(list, "XOAUTH2") != NULL,
	     "configured: XOAUTH2 offered");
	sasl_dispose(&conn);
}

static void test_oauthbearer(void)
{
	char msg[OAUTH_MSG_MAX + 64];
	struct exch e;
	size_t n, mark;

	n = ob_msg(msg, sizeof(msg), NULL, tok_alice);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_OK, "OAUTHBEARER good token, no a=: %s", e.detail);
	T_EQ_STR(e.user, "alice", "good token: authorization id");
	T_EQ_STR(e.authid, "alice", "good token: authentication id");

	n = ob_msg(msg, sizeof(msg), "alice", tok_alice);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_OK, "a= equal to the token's user");
	T_EQ_STR(e.user, "alice", "a=alice: user");

	n = ob_msg(msg, sizeof(msg), "bob", tok_alice);
	allow_proxy = 0;
	mark = loglen;
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	/* the policy runs in the mechanism: the refusal is the logged
	 * decision and gets the RFC 7628 error challenge */
	T_RC(e.rc1, SASL_CONTINUE, "a=bob with alice's token: error challenge");
	T_EQ_STR(e.challenge,
	         "{\"status\":\"invalid_token\",\"scope\":\"imap\"}",
	         "proxy refusal: RFC 7628 error challenge");
	T_RC(e.rc2, SASL_NOAUTHZ, "a=bob with alice's token: proxy refused");
	T_EQ_STR(e.user, "", "proxy refusal: no identity");
	T_OK(strstr(logbuf + mark, "decision=reject") != NULL &&
	         strstr(logbuf + mark, "proxy policy refused") != NULL &&
	         strstr(logbuf + mark, "authzid=bob") != NULL,
	     "proxy refusal: logged as decision=reject, authzid=bob");
	T_OK(strstr(logbuf + mark, "decision=accept") == NULL,
	     "proxy refusal: no decision=accept logged");
	T_OK(strstr(logbuf + mark, " rhost=127.0.0.1\n") != NULL,
	     "proxy refusal: rhost= last on the line, without the port");
	n = xo_msg(msg, sizeof(msg), "bob", tok_alice);
	mark = loglen;
	exchange("XOAUTH2", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE,
	     "XOAUTH2 user=bob, alice's token: challenge");
	T_RC(e.rc2, SASL_NOAUTHZ, "XOAUTH2 user=bob: proxy refused");
	T_OK(strstr(logbuf + mark, "decision=reject") != NULL &&
	         strstr(logbuf + mark, "decision=accept") == NULL,
	     "XOAUTH2 user=bob: logged as decision=reject only");
	allow_proxy = 1;
	mark = loglen;
	exchange("OAUTHBEARER", msg, ob_msg(msg, sizeof(msg), "bob", tok_alice),
	         NULL, 0, &e);
	T_RC(e.rc1, SASL_OK, "a=bob, proxy policy allows alice as bob");
	T_EQ_STR(e.user, "bob", "proxy: authorization id is bob");
	T_EQ_STR(e.authid, "alice", "proxy: authentication id is alice");
	T_OK(strstr(logbuf + mark, "decision=accept") != NULL,
	     "proxy allowed: logged as decision=accept");
	allow_proxy = 0;

	n = ob_msg(msg, sizeof(msg), NULL, tok_forged);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE, "wrong secret: challenge");
	T_EQ_STR(e.challenge,
	         "{\"status\":\"invalid_token\",\"scope\":\"imap\"}",
	         "wrong secret: RFC 7628 error challenge");
	T_RC(e.rc2, SASL_BADAUTH, "wrong secret: failure after %%x01");
	T_EQ_STR(e.user, "", "wrong secret: no identity");

	exchange("OAUTHBEARER", msg, n, "", 0, &e);
	T_RC(e.rc2, SASL_BADAUTH, "wrong secret: failure after empty reply");
	exchange("OAUTHBEARER", msg, n, "x", 1, &e);
	T_RC(e.rc2, SASL_BADPROT, "wrong secret: other reply is BADPROT");
	exchange("OAUTHBEARER", msg, n, msg, n, &e);
	T_RC(e.rc2, SASL_BADPROT, "wrong secret: a second message is BADPROT");

	n = ob_msg(msg, sizeof(msg), NULL, tok_rev);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE, "revoked: challenge");
	T_OK(strstr(e.challenge, "\"invalid_token\"") != NULL,
	     "revoked: invalid_token");
	T_RC(e.rc2, SASL_BADAUTH, "revoked: failure");

	n = ob_msg(msg, sizeof(msg), NULL, tok_bob);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE, "missing scope: challenge");
	T_EQ_STR(e.challenge,
	         "{\"status\":\"insufficient_scope\",\"scope\":\"imap\"}",
	         "missing scope: insufficient_scope");
	T_RC(e.rc2, SASL_NOAUTHZ, "missing scope: failure after %%x01");

	opt_openid = "https://as.example.com/.well-known/openid-configuration";
	n = ob_msg(msg, sizeof(msg), NULL, tok_forged);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_EQ_STR(e.challenge,
	         "{\"status\":\"invalid_token\",\"scope\":\"imap\","
	         "\"openid-configuration\":\"https://as.example.com/"
	         ".well-known/openid-configuration\"}",
	         "openid-configuration in the challenge when configured");
	opt_openid = NULL;

	opt_scope = NULL;
	n = ob_msg(msg, sizeof(msg), NULL, tok_bob);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_OK, "no apitoken_scope: a token without scopes");
	n = ob_msg(msg, sizeof(msg), NULL, tok_forged);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_EQ_STR(e.challenge, "{\"status\":\"invalid_token\"}",
	         "no apitoken_scope: challenge without scope");
	opt_scope = "imap";

	/* discovery: empty auth= */
	exchange("OAUTHBEARER",
	         M_("n,,\x01"
	            "auth=\x01\x01"),
	         NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE, "empty auth=: challenge");
	T_EQ_STR(e.challenge,
	         "{\"status\":\"invalid_request\",\"scope\":\"imap\"}",
	         "empty auth=: invalid_request");
	T_RC(e.rc2, SASL_BADAUTH, "empty auth=: failure");

	/* a 4 KB token: parsed whole, refused by the core (no validator
	 * for opaque tokens in this build) with the challenge */
	n = ob_msg(msg, sizeof(msg), "alice", tok_4k);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE, "4 KB token: reaches the core");
	T_RC(e.rc2, SASL_BADAUTH, "4 KB token: refused");
}

static void test_malformed(void)
{
	static char big[OAUTH_MSG_MAX + 100];
	static char longtok[ATOK_TOKEN_MAX + 2];
	static const struct {
		const char *name, *msg;
		size_t len;
	} rows[] = {
	    {"no final kvsep", M_("n,,\x01"
	                          "auth=Bearer abc\x01")},
	    {"channel binding", M_("p=tls-unique,,\x01"
	                           "auth=Bearer abc\x01\x01")},
	    {"lone kvsep first", M_("\x01")},
	    {"Basic scheme", M_("n,,\x01"
	                        "auth=Basic YTpi\x01\x01")},
	    {"NUL", M_("n,,\x01"
	               "auth=Bearer a\0b\x01\x01")},
	    {"empty message", M_("")},
	    {"two auth", M_("n,,\x01"
	                    "auth=Bearer a\x01"
	                    "auth=Bearer b\x01\x01")},
	    {"bad escape", M_("n,a=x=2c,\x01"
	                      "auth=Bearer abc\x01\x01")},
	};
	struct exch e;
	size_t i, n;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		exchange("OAUTHBEARER", rows[i].msg, rows[i].len, NULL, 0, &e);
		T_RC(e.rc1, SASL_BADPROT, "malformed %s: BADPROT",
		     rows[i].name);
		T_OK(e.challenge[0] == '\0', "malformed %s: no challenge",
		     rows[i].name);
	}
	exchange("XOAUTH2",
	         M_("n,,\x01"
	            "auth=Bearer abc\x01\x01"),
	         NULL, 0, &e);
	T_RC(e.rc1, SASL_BADPROT, "XOAUTH2 given an OAUTHBEARER message");

	n = ob_msg(big, sizeof(big), NULL, "abc");
	memmove(big + 4 + OAUTH_MSG_MAX, big + 4, n - 4);
	memcpy(big + 4, "x=", 2);
	memset(big + 6, 'v', OAUTH_MSG_MAX - 3);
	big[4 + OAUTH_MSG_MAX - 1] = '\x01';
	exchange("OAUTHBEARER", big, n + OAUTH_MSG_MAX, NULL, 0, &e);
	T_RC(e.rc1, SASL_BADPROT, "oversized message (%zu bytes): BADPROT",
	     n + OAUTH_MSG_MAX);

	memset(longtok, 'a', ATOK_TOKEN_MAX + 1);
	longtok[ATOK_TOKEN_MAX + 1] = '\0';
	n = oauth_build_oauthbearer(NULL, NULL, 0, longtok, ATOK_TOKEN_MAX, big,
	                            sizeof(big));
	/* widen the token by one byte past the builder's limit */
	memmove(big + n - 2 + 1, big + n - 2, 2);
	big[n - 2] = 'a';
	exchange("OAUTHBEARER", big, n + 1, NULL, 0, &e);
	T_RC(e.rc1, SASL_BADPROT, "token over ATOK_TOKEN_MAX: BADPROT");
}

static void test_xoauth2(void)
{
	char msg[1024];
	struct exch e;
	size_t n;

	n = xo_msg(msg, sizeof(msg), "alice", tok_alice);
	exchange("XOAUTH2", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_OK, "XOAUTH2 good token: %s", e.detail);
	T_EQ_STR(e.user, "alice", "XOAUTH2: user");

	n = xo_msg(msg, sizeof(msg), "bob", tok_alice);
	exchange("XOAUTH2", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_CONTINUE,
	     "XOAUTH2 user=bob with alice's token: "
	     "challenge");
	T_EQ_STR(e.challenge,
	         "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":"
	         "\"imap\"}",
	         "XOAUTH2 user=bob: 401 challenge");
	T_RC(e.rc2, SASL_NOAUTHZ, "XOAUTH2 user=bob with alice's token");
	T_EQ_STR(e.user, "", "XOAUTH2 user=bob: no identity");

	n = xo_msg(msg, sizeof(msg), "alice", tok_forged);
	exchange("XOAUTH2", msg, n, "", 0, &e);
	T_RC(e.rc1, SASL_CONTINUE, "XOAUTH2 wrong secret: challenge");
	T_EQ_STR(e.challenge,
	         "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":"
	         "\"imap\"}",
	         "XOAUTH2 wrong secret: 401 challenge");
	T_RC(e.rc2, SASL_BADAUTH, "XOAUTH2 wrong secret: failure after \"\"");

	n = xo_msg(msg, sizeof(msg), "bob", tok_bob);
	exchange("XOAUTH2", msg, n, NULL, 0, &e);
	T_OK(strstr(e.challenge, "\"403\"") != NULL,
	     "XOAUTH2 missing scope: 403 (%s)", e.challenge);
	T_RC(e.rc2, SASL_NOAUTHZ, "XOAUTH2 missing scope: failure");

	exchange("XOAUTH2",
	         M_("user=alice\x01"
	            "auth=Bearer abc\x01"),
	         NULL, 0, &e);
	T_RC(e.rc1, SASL_BADPROT, "XOAUTH2 truncated: BADPROT");
}

/* No initial response: libsasl2 asks with an empty challenge first. */
static void test_no_initial_response(void)
{
	sasl_conn_t *conn = server_conn();
	const char *out = NULL;
	unsigned outlen = 0;
	char msg[512];
	size_t n;
	int r;

	r = sasl_server_start(conn, "OAUTHBEARER", NULL, 0, &out, &outlen);
	T_RC(r, SASL_CONTINUE, "no SASL-IR: empty challenge first");
	T_EQ_INT(outlen, 0, "no SASL-IR: challenge is empty");
	n = ob_msg(msg, sizeof(msg), "alice", tok_alice);
	r = sasl_server_step(conn, msg, (unsigned)n, &out, &outlen);
	T_RC(r, SASL_OK, "no SASL-IR: then the message");
	sasl_dispose(&conn);
}

/*
 * Descriptors this process holds open on path.  A verifier holds one on
 * its store while it lives; one freed after its exchange holds none.  So
 * this counts the pooled verifiers of a store, timing-free.
 */
static int fds_on(const char *path)
{
	char real[PATH_MAX], link[PATH_MAX], fdp[300];
	struct dirent *d;
	DIR *dir;
	ssize_t n;
	int count = 0;

	if (realpath(path, real) == NULL ||
	    (dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%s", d->d_name);
		n = readlink(fdp, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, real) == 0)
			count++;
	}
	closedir(dir);
	return count;
}

/* sasl_done and init again: libsasl2 calls mech_free, which empties the
 * plugin's verifier pool. */
static void sasl_restart(void)
{
	int r;

	sasl_done();
	if ((r = sasl_server_init(server_cbs, "test_sasl")) != SASL_OK ||
	    (r = sasl_client_init(server_cbs)) != SASL_OK) {
		printf("Bail out! sasl init again: %s\n", rc_str(r));
		exit(99);
	}
}

/* Whether an OAUTHBEARER exchange with tok ended with SASL_OK. */
static int accepted(const char *tok)
{
	char msg[512];
	struct exch e;
	size_t n = ob_msg(msg, sizeof(msg), NULL, tok);

	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	return e.rc1 == SASL_OK;
}

/* Whether an OAUTHBEARER exchange with tok got the invalid_token
 * challenge and then SASL_BADAUTH. */
static int refused(const char *tok)
{
	char msg[512];
	struct exch e;
	size_t n = ob_msg(msg, sizeof(msg), NULL, tok);

	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	return e.rc1 == SASL_CONTINUE && e.rc2 == SASL_BADAUTH &&
	       strstr(e.challenge, "invalid_token") != NULL;
}

/* Tokens limited to networks, against the host's ipremoteport
 * ("address;port"). */
static void test_source(void)
{
	struct atok_store *s = tk_store_admin(db_path);
	struct atok_issue_params p = {"alice", "imap", "src", 0, 0, NULL};
	char lo[80], far[80];
	size_t mark;

	p.now = time(NULL) - 10;
	p.expires = p.now + NOW_SLACK;
	p.allowed_from = "127.0.0.0/8";
	tk_issue_params(s, &p, lo);
	p.allowed_from = "192.0.2.0/24";
	tk_issue_params(s, &p, far);
	atok_store_close(&s);
	T_OK(accepted(lo), "source: limited to 127.0.0.0/8, from 127.0.0.1");
	mark = loglen;
	T_OK(refused(far),
	     "source: limited to 192.0.2.0/24, from 127.0.0.1: invalid_token");
	T_OK(strstr(logbuf + mark, "may not be used from 127.0.0.1 ") != NULL,
	     "source: the log line names the address");
	test_remote = "::ffff:127.0.0.9;40000";
	T_OK(accepted(lo), "source: from ::ffff:127.0.0.9 (IPv4-mapped)");
	test_remote = "2001:db8::1;40000";
	T_OK(refused(lo), "source: from 2001:db8::1: refused");
	test_remote = NULL;
	mark = loglen;
	T_OK(refused(lo), "source: no ipremoteport: refused");
	T_OK(strstr(logbuf + mark, "remote address is unknown") != NULL,
	     "source: the log line says the address is unknown");
	test_remote = "127.0.0.1;40000";
}

/* A second exchange reuses the first one's verifier, and still reads the
 * store: a revocation in between is seen at once. */
static void test_pool_reuse(void)
{
	struct atok_store *s;
	struct atok_error err;
	int i, ok = 1, n1;

	T_OK(fds_on(db_path) == 0, "pool: empty before the first exchange");
	T_OK(accepted(tok_pool), "pool: first exchange accepted");
	n1 = fds_on(db_path);
	T_OK(n1 == 1,
	     "pool: its verifier outlives the exchange (%d store "
	     "descriptors, want 1)",
	     n1);
	for (i = 0; i < 5; i++)
		ok &= accepted(tok_pool);
	T_OK(ok, "pool: five more exchanges accepted");
	T_OK(fds_on(db_path) == n1,
	     "pool: they reused the verifier (no second store connection)");

	s = tk_store_admin(db_path);
	T_OK(tk_revoke(s, tok_pool, time(NULL) - 1, &err) == 0,
	     "pool: token revoked between two exchanges");
	atok_store_close(&s);
	/* SQLite may keep the admin connection's descriptor for reuse while
	 * another connection in the process holds a lock on the file. */
	n1 = fds_on(db_path);
	T_OK(refused(tok_pool),
	     "pool: the next exchange refuses it (the store is read again)");
	T_OK(fds_on(db_path) == n1, "pool: refused by the pooled verifier");
}

/* A changed configuration file or option takes effect on the next
 * exchange. */
static void test_pool_config_change(void)
{
	char text[700];

	snprintf(text, sizeof(text), "[store]\npath = %s\n", db2_path);
	fx_file("apitoken.conf", text, 0600);
	T_OK(accepted(tok_db2),
	     "config file switched to another store: its token accepted");
	T_OK(refused(tok_alice), "  and the first store's token refused");
	T_OK(fds_on(db_path) == 0 && fds_on(db2_path) == 1,
	     "  the old file's verifier was evicted (%d, %d descriptors)",
	     fds_on(db_path), fds_on(db2_path));
	snprintf(text, sizeof(text), "[store]\npath = %s\n", db_path);
	fx_file("apitoken.conf", text, 0600);
	T_OK(accepted(tok_alice), "config file switched back: accepted again");
	T_OK(refused(tok_db2), "  and the second store's token refused");

	opt_store_path = db2_path;
	T_OK(accepted(tok_db2),
	     "apitoken_store_path set: takes effect at once");
	opt_store_path = NULL;
	T_OK(refused(tok_db2),
	     "apitoken_store_path unset: takes effect at once");
	opt_scope = "pop";
	T_OK(!accepted(tok_alice),
	     "apitoken_scope changed: takes effect at once");
	opt_scope = "imap";
	T_OK(accepted(tok_alice), "apitoken_scope restored: accepted again");
}

/*
 * After fork the child builds its own verifier: the parent's stays open
 * (never used nor freed in the child), the child's is reused by its next
 * exchange; the parent's keeps working.  (Whether the child's mech_free
 * closed only its own cannot be seen in descriptors: SQLite defers the
 * close while the inherited connection holds a lock on the file.)
 */
static void test_pool_fork(void)
{
	static const char *const what[] = {
	    "child: exchange accepted",
	    "child: built its own verifier, left the parent's open",
	    "child: second exchange accepted",
	    "child: second exchange reused the child's verifier",
	    "child: after sasl_done (mech_free) and init, accepted",
	};
	int np, status = 0, bits = -1, i, fds[2];
	pid_t pid;

	T_OK(accepted(tok_alice), "fork: parent's exchange accepted");
	np = fds_on(db_path);
	T_OK(np >= 1, "fork: parent holds a pooled verifier (%d)", np);
	if (pipe(fds) != 0) {
		printf("Bail out! pipe\n");
		exit(99);
	}
	fflush(stdout);
	/* The child's findings go through the pipe: under valgrind the
	 * child's exit status is valgrind's (its dropped copies of the
	 * parent's verifiers are lost once sasl_done unloads the plugin). */
	if ((pid = fork()) == 0) {
		bits = 0;
		if (!accepted(tok_alice))
			bits |= 1;
		if (fds_on(db_path) != np + 1)
			bits |= 2;
		if (!accepted(tok_alice))
			bits |= 4;
		if (fds_on(db_path) != np + 1)
			bits |= 8;
		sasl_restart();
		if (!accepted(tok_alice))
			bits |= 16;
		if (write(fds[1], &bits, sizeof(bits)) != sizeof(bits))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &bits, sizeof(bits)) != sizeof(bits))
		bits = -1;
	close(fds[0]);
	T_OK(pid > 0 && waitpid(pid, &status, 0) == pid && bits >= 0,
	     "fork: child ran and reported");
	for (i = 0; i < 5; i++)
		T_OK(bits >= 0 && !(bits & (1 << i)), "fork: %s", what[i]);
	T_OK(accepted(tok_alice) && fds_on(db_path) == np,
	     "fork: parent's pooled verifier still works after the child");
}

static void test_unavailable(void)
{
	sqlite3 *db = NULL;
	char msg[512];
	struct exch e;
	size_t n;
	int ok;

	/* A pooled verifier holds its store connection open, and in WAL mode
	 * an open connection keeps the exclusive lock below from being
	 * taken; empty the pool first (as a restarted host would be). */
	sasl_restart();
	ok = sqlite3_open(db_path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL,
	                  NULL) == SQLITE_OK &&
	     sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) ==
	         SQLITE_OK &&
	     sqlite3_exec(db, "PRAGMA user_version = user_version", NULL, NULL,
	                  NULL) == SQLITE_OK;
	T_OK(ok, "store locked by another process");
	opt_busy = "0";
	n = ob_msg(msg, sizeof(msg), NULL, tok_alice);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_UNAVAIL, "store locked: SASL_UNAVAIL (%s)", e.detail);
	T_OK(e.challenge[0] == '\0', "store locked: no challenge");
	n = xo_msg(msg, sizeof(msg), "alice", tok_alice);
	exchange("XOAUTH2", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_UNAVAIL, "XOAUTH2 store locked: SASL_UNAVAIL");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	opt_busy = NULL;
	n = ob_msg(msg, sizeof(msg), NULL, tok_alice);
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_OK, "store unlocked: accepted again");
}

/* A loopback port with nothing listening on it. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/*
 * The stacked-setup rule through SASL: with [introspection] pointing at a
 * closed port, what is not of the declared shape (a password given as the
 * token) is refused on the host (an error challenge, then SASL_BADAUTH),
 * while a token of the shape is sent (SASL_UNAVAIL: nobody answers).
 */
static void test_not_a_token(void)
{
	static const char *const pw[] = {
	    "Correct-Horse-8", "hunter2", "correcthorsebatterystaplexyzzy",
	    "Q29ycmVjdC1Ib3JzZS04IGJhc2U2NA==", "my.pass.word"};
	const char *saved = opt_config;
	char text[1200], msg[1024], cache[300];
	struct exch e;
	size_t i, n, mark;
	int port;

	port = closed_port();
	snprintf(cache, sizeof(cache), "%s/icache", fx_dir);
	(void)mkdir(cache, 0700);
	snprintf(text, sizeof(text),
	         "[store]\npath = %s\n[cache]\ndir = %s\n[introspection]\n"
	         "endpoint = http://127.0.0.1:%d/introspect\nclient_id = rs\n"
	         "client_secret_file = %s\nallow_http_loopback = yes\n"
	         "timeout = 1\nopaque_prefix = op-\n",
	         db_path, cache, port,
	         fx_file("client.secret", "secret\n", 0600));
	opt_config = fx_file("stacked.conf", text, 0600);
	for (i = 0; i < ATOK_ARRAY_SIZE_T(pw); i++) {
		mark = loglen;
		n = xo_msg(msg, sizeof(msg), "alice", pw[i]);
		exchange("XOAUTH2", msg, n, "", 0, &e);
		T_RC(e.rc1, SASL_CONTINUE,
		     "XOAUTH2 password \"%s\": refused here (challenge)",
		     pw[i]);
		T_RC(e.rc2, SASL_BADAUTH, "XOAUTH2 password \"%s\": failure",
		     pw[i]);
		T_OK(strstr(logbuf + mark, "not a token") != NULL &&
		         strstr(logbuf + mark, "fingerprint=-") != NULL,
		     "XOAUTH2 password \"%s\": logged as not a token, no "
		     "fingerprint",
		     pw[i]);
		n = ob_msg(msg, sizeof(msg), "alice", pw[i]);
		exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
		T_RC(e.rc2, SASL_BADAUTH,
		     "OAUTHBEARER password \"%s\": failure", pw[i]);
	}
	n = xo_msg(msg, sizeof(msg), "alice", "op-abcdefghijklmnopqrstuvwxyz");
	exchange("XOAUTH2", msg, n, "", 0, &e);
	T_RC(e.rc1, SASL_UNAVAIL,
	     "XOAUTH2 token of the declared shape: sent (nobody answers)");
	T_OK(refused("Correct-Horse-8") && accepted(tok_alice),
	     "a local token still logs in beside [introspection]");
	opt_config = saved;
}

static void test_config_errors(void)
{
	const char *saved = opt_config;
	char msg[512];
	struct exch e;
	size_t n;

	n = ob_msg(msg, sizeof(msg), NULL, tok_alice);
	opt_config = "/nonexistent/apitoken.conf";
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_FAIL, "missing config file: SASL_FAIL");
	opt_config = saved;
	opt_bad_override = "perhaps";
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_FAIL, "bad apitoken_store_update_last_used: FAIL");
	opt_bad_override = NULL;
	opt_scope = "two scopes";
	exchange("OAUTHBEARER", msg, n, NULL, 0, &e);
	T_RC(e.rc1, SASL_FAIL, "apitoken_scope with a space: SASL_FAIL");
	opt_scope = "imap";
}

static void test_unconfigured(void)
{
	const char *saved = opt_config;
	sasl_conn_t *conn;
	const char *list = NULL, *out;
	unsigned len, outlen;
	struct stat st;
	int count;

	if (stat(ATOK_CONFIG_DEFAULT_PATH, &st) == 0) {
		printf("ok %d - # SKIP %s exists\n", ++t_n,
		       ATOK_CONFIG_DEFAULT_PATH);
		printf("ok %d - # SKIP %s exists\n", ++t_n,
		       ATOK_CONFIG_DEFAULT_PATH);
		return;
	}
	opt_config = NULL;
	conn = server_conn();
	sasl_listmech(conn, NULL, "", " ", "", &list, &len, &count);
	T_OK(list != NULL && strstr(list, "OAUTHBEARER") == NULL &&
	         strstr(list, "XOAUTH2") == NULL,
	     "unconfigured: mechanisms not offered (\"%s\")", list ? list : "");
	T_RC(sasl_server_start(conn, "OAUTHBEARER", "x", 1, &out, &outlen),
	     SASL_NOMECH, "unconfigured: OAUTHBEARER cannot be started");
	sasl_dispose(&conn);
	opt_config = saved;
}

/* The client side: callbacks for the token and the name. */
static const char *cli_user, *cli_token;
static sasl_secret_t *cli_secret;

static int cb_simple(void *ctx, int id, const char **result, unsigned *len)
{
	(void)ctx;
	if (id != SASL_CB_AUTHNAME || cli_user == NULL)
		return SASL_FAIL;
	*result = cli_user;
	if (len)
		*len = (unsigned)strlen(cli_user);
	return SASL_OK;
}

static int cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **ps)
{
	size_t n = strlen(cli_token);

	(void)conn;
	(void)ctx;
	(void)id;
	free(cli_secret);
	cli_secret = malloc(sizeof(sasl_secret_t) + n);
	cli_secret->len = n;
	memcpy(cli_secret->data, cli_token, n + 1);
	*ps = cli_secret;
	return SASL_OK;
}

static sasl_callback_t client_cbs[] = {
    {SASL_CB_AUTHNAME, SCB_FN(&cb_simple), NULL},
    {SASL_CB_PASS, SCB_FN(&cb_pass), NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

/* NULL procs: the application answers by interaction (prompts). */
static sasl_callback_t client_cbs_interact[] = {
    {SASL_CB_AUTHNAME, NULL, NULL},
    {SASL_CB_PASS, NULL, NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

/* Our client mechanism against our server mechanism. */
static int client_vs_server(const char *mech, const char *user,
                            const char *token, sasl_callback_t *cbs,
                            char *firstmsg, size_t firstsz, int *srv_rc1)
{
	sasl_conn_t *cc = NULL, *sc = server_conn();
	sasl_interact_t *prompts = NULL;
	const char *cout = NULL, *sout = NULL, *chosen = NULL;
	unsigned coutlen = 0, soutlen = 0;
	int r, i;

	cli_user = user;
	cli_token = token;
	r = sasl_client_new("imap", "mail.example.com", "127.0.0.1;40000",
	                    "127.0.0.1;143", cbs, 0, &cc);
	if (r != SASL_OK)
		goto out;
	for (i = 0; i < 3; i++) {
		r = sasl_client_start(cc, mech, &prompts, &cout, &coutlen,
		                      &chosen);
		if (r != SASL_INTERACT)
			break;
		/* answer the prompts as an interactive client would */
		for (sasl_interact_t *p = prompts; p->id != SASL_CB_LIST_END;
		     p++) {
			p->result = p->id == SASL_CB_PASS ? token : user;
			p->len = (unsigned)strlen(p->result);
		}
	}
	if (r != SASL_OK && r != SASL_CONTINUE)
		goto out;
	if (firstmsg != NULL)
		snprintf(firstmsg, firstsz, "%.*s", (int)coutlen, cout);
	r = sasl_server_start(sc, mech, cout, coutlen, &sout, &soutlen);
	*srv_rc1 = r;
	while (r == SASL_CONTINUE) {
		r = sasl_client_step(cc, sout, soutlen, &prompts, &cout,
		                     &coutlen);
		if (r != SASL_OK && r != SASL_CONTINUE)
			goto out;
		r = sasl_server_step(sc, cout, coutlen, &sout, &soutlen);
	}
out:
	sasl_dispose(&cc);
	sasl_dispose(&sc);
	return r;
}

static void test_client(void)
{
	char first[1024];
	int r1 = 0;

	T_RC(client_vs_server("OAUTHBEARER", "alice", tok_alice, client_cbs,
	                      first, sizeof(first), &r1),
	     SASL_OK, "client OAUTHBEARER -> server: accepted");
	T_OK(strstr(first, "host=mail.example.com\x01"
	                   "port=143\x01") != NULL &&
	         strncmp(first, "n,a=alice,\x01", 11) == 0,
	     "client OAUTHBEARER sends a=, host and port");
	T_RC(client_vs_server("XOAUTH2", "alice", tok_alice, client_cbs, first,
	                      sizeof(first), &r1),
	     SASL_OK, "client XOAUTH2 -> server: accepted");
	T_RC(client_vs_server("OAUTHBEARER", "alice", tok_forged, client_cbs,
	                      NULL, 0, &r1),
	     SASL_BADAUTH,
	     "client OAUTHBEARER, bad token: BADAUTH after "
	     "the challenge");
	T_RC(r1, SASL_CONTINUE, "client OAUTHBEARER, bad token: challenged");
	T_RC(client_vs_server("XOAUTH2", "alice", tok_forged, client_cbs, NULL,
	                      0, &r1),
	     SASL_BADAUTH, "client XOAUTH2, bad token: BADAUTH");
	T_RC(client_vs_server("OAUTHBEARER", "bob", tok_bob, client_cbs, NULL,
	                      0, &r1),
	     SASL_NOAUTHZ, "client OAUTHBEARER, missing scope: NOAUTHZ");
	T_RC(client_vs_server("OAUTHBEARER", "alice", tok_alice,
	                      client_cbs_interact, NULL, 0, &r1),
	     SASL_OK, "client with interaction: prompts, then accepted");
}

/* The overrides the plugin knows are all keys of the core. */
static void test_override_names(void)
{
	const char *section, *key;
	struct atok_config *cfg = atok_config_new();
	struct atok_error err;
	size_t i, bad = 0;

	for (i = 0; atok_sasl_override_name(i, &section, &key) != NULL; i++) {
		atok_error_clear(&err);
		atok_config_set(cfg, section, key, "", &err);
		if (strncmp(err.msg, "unknown", 7) == 0) {
			T_DIAG("apitoken_%s_%s: %s", section, key, err.msg);
			bad++;
		}
	}
	T_OK(i > 20 && bad == 0, "all %zu override names are core keys", i);
	atok_config_free(&cfg);
}

static void test_secrecy(void)
{
	const char *toks[] = {tok_alice, tok_bob, tok_rev, tok_forged};
	size_t i;

	T_OK(loglen > 0 && strstr(logbuf, "fingerprint=") != NULL,
	     "decisions were logged with a fingerprint (%zu bytes)", loglen);
	T_OK(strstr(logbuf, "decision=accept") != NULL &&
	         strstr(logbuf, "decision=reject") != NULL &&
	         strstr(logbuf, "decision=unavailable") != NULL &&
	         strstr(logbuf, "decision=malformed") != NULL,
	     "every kind of decision was logged");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(toks); i++)
		T_OK(strstr(logbuf, toks[i]) == NULL &&
		         strstr(logbuf, toks[i] + 17) == NULL,
		     "token %zu (or its secret) is in no log line or error", i);
	T_OK(strstr(logbuf, "abcdefghijklmnopqrstuvwxyz0123456789abcd") == NULL,
	     "the 4 KB token is in no log line or error");
}

int main(void)
{
	int r;

	setup();
	if ((r = sasl_server_init(server_cbs, "test_sasl")) != SASL_OK) {
		printf("Bail out! sasl_server_init: %s\n", rc_str(r));
		return 99;
	}
	if ((r = sasl_client_init(server_cbs)) != SASL_OK) {
		printf("Bail out! sasl_client_init: %s\n", rc_str(r));
		return 99;
	}
	test_listmech();
	test_pool_reuse();
	test_pool_config_change();
	test_pool_fork();
	test_oauthbearer();
	test_malformed();
	test_xoauth2();
	test_no_initial_response();
	test_source();
	test_unavailable();
	test_not_a_token();
	test_config_errors();
	test_unconfigured();
	test_client();
	test_override_names();
	test_secrecy();
	free(cli_secret);
	sasl_done();
	return t_done();
}
