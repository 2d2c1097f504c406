/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/verifier.c and common/local.c: the one path. */
#include "ac_config.h"

#include "atok.h"
#include "config.h"
#include "fixture.h"
#include "local.h"
#include "store.h"
#include "tap.h"
#include "token.h"
#include "tokens.h"

#define NOW 1800000000LL

static char tok_alice[80], tok_bob[80], tok_exp[80], tok_rev[80], tok_never[80],
    tok_forged[80], tok_unknown[80];

static struct atok_config *setup(void)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_store *s = NULL;
	struct atok_error err;
	char path[600];

	fx_tmpdir();
	snprintf(path, sizeof(path), "%s/tokens.db", fx_dir);
	atok_config_set(cfg, "store", "path", path, &err);
	s = tk_store_admin(path);
	tk_issue(s, "alice", "ssh imap", NOW + 3600, NOW - 10, tok_alice);
	tk_issue(s, "bob", "", NOW + 3600, NOW - 10, tok_bob);
	tk_issue(s, "alice", "ssh", NOW - 5, NOW - 100, tok_exp);
	tk_issue(s, "alice", "ssh", 0, NOW - 10, tok_rev);
	tk_issue(s, "alice", "", 0, NOW - 10, tok_never);
	tk_revoke(s, tok_rev, NOW - 1, &err);
	tk_forge(tok_alice, 20, tok_forged);
	atok_local_generate(tok_unknown);
	atok_store_close(&s);
	return cfg;
}

static void test_verify(struct atok_verifier *v)
{
	static char toolong[ATOK_TOKEN_MAX + 11]; /* NUL-terminated */
	const char *ssh[] = {"ssh"}, *both[] = {"ssh", "imap"},
	           *smtp[] = {"smtp"};
	struct {
		const char *tok;
		size_t len; /* 0 = strlen */
		const char *user;
		const char *const *scopes;
		size_t n;
		enum atok_verdict want;
		enum atok_why why;
		const char *want_user;
	} rows[] = {
	    {.tok = tok_alice,
	     .user = "alice",
	     .want = ATOK_ACCEPT,
	     .why = ATOK_WHY_NONE,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .want = ATOK_ACCEPT,
	     .why = ATOK_WHY_NONE,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .user = "alice",
	     .scopes = ssh,
	     .n = 1,
	     .want = ATOK_ACCEPT,
	     .why = ATOK_WHY_NONE,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .user = "alice",
	     .scopes = both,
	     .n = 2,
	     .want = ATOK_ACCEPT,
	     .why = ATOK_WHY_NONE,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .user = "alice",
	     .scopes = smtp,
	     .n = 1,
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_SCOPE,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .user = "bob",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_USER_MISMATCH,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .user = "alic",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_USER_MISMATCH,
	     .want_user = "alice"},
	    {.tok = tok_alice,
	     .user = "alice ",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_USER_MISMATCH,
	     .want_user = "alice"},
	    {.tok = tok_bob,
	     .user = "bob",
	     .scopes = ssh,
	     .n = 1,
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_SCOPE,
	     .want_user = "bob"},
	    {.tok = tok_bob,
	     .user = "bob",
	     .want = ATOK_ACCEPT,
	     .why = ATOK_WHY_NONE,
	     .want_user = "bob"},
	    {.tok = tok_exp,
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_EXPIRED,
	     .want_user = "alice"},
	    {.tok = tok_rev,
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_REVOKED,
	     .want_user = "alice"},
	    {.tok = tok_never,
	     .user = "alice",
	     .want = ATOK_ACCEPT,
	     .why = ATOK_WHY_NONE,
	     .want_user = "alice"},
	    {.tok = tok_forged,
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_BAD_SECRET,
	     .want_user = ""},
	    {.tok = tok_unknown,
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_UNKNOWN,
	     .want_user = ""},
	    {.tok = tok_alice,
	     .len = 65,
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_MALFORMED,
	     .want_user = ""},
	    {.tok = "apt_short",
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_MALFORMED,
	     .want_user = ""},
	    {.tok = "",
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_EMPTY,
	     .want_user = ""},
	    {.tok = "a b",
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_NOT_TOKEN,
	     .want_user = ""},
	    {.tok = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.",
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_NO_VALIDATOR,
	     .want_user = ""},
	    {.tok = "2YotnFZFEjr1zCsicMWpAA",
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_NOT_TOKEN,
	     .want_user = ""},
	    {.tok = toolong,
	     .len = sizeof(toolong) - 1,
	     .user = "alice",
	     .want = ATOK_REJECT,
	     .why = ATOK_WHY_TOO_LONG,
	     .want_user = ""},
	};
	size_t i;

	memset(toolong, 'a', sizeof(toolong) - 1);
	memcpy(toolong, "apt_", 4);
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_request req = {0};
		struct atok_result res;

		req.token = rows[i].tok;
		req.token_len = rows[i].len ? rows[i].len : strlen(rows[i].tok);
		req.user = rows[i].user;
		req.scopes = rows[i].scopes;
		req.n_scopes = rows[i].n;
		req.now = NOW;
		T_EQ_INT(atok_verify(v, &req, &res), rows[i].want,
		         "verify row %zu verdict (%s)", i, res.reason);
		T_EQ_INT(res.verdict, rows[i].want, "verify row %zu result", i);
		T_EQ_STR(atok_why_name(res.why), atok_why_name(rows[i].why),
		         "verify row %zu why", i);
		T_EQ_STR(res.user, rows[i].want_user, "verify row %zu user", i);
		T_OK(res.reason[0] != '\0', "verify row %zu has a reason", i);
		/* not a token (maybe a password): no fingerprint either */
		T_OK(req.token_len == 0 ||
		         strlen(res.fingerprint) ==
		             (rows[i].why == ATOK_WHY_NOT_TOKEN ? 0 : 16),
		     "verify row %zu fingerprint", i);
		T_OK(strstr(res.reason, tok_alice + 17) == NULL &&
		         (req.token_len < 20 ||
		          strstr(res.reason, rows[i].tok + 17) == NULL),
		     "verify row %zu reason never holds the secret", i);
	}
}

static void test_recheck(struct atok_config *cfg, struct atok_verifier *v)
{
	struct atok_request req = {0};
	struct atok_result first, again;
	struct atok_store *s = NULL;
	struct atok_error err;
	const char *ssh[] = {"ssh"}, *smtp[] = {"smtp"};

	req.token = tok_alice;
	req.token_len = strlen(tok_alice);
	req.user = "alice";
	req.now = NOW;
	T_EQ_INT(atok_verify(v, &req, &first), ATOK_ACCEPT,
	         "verify for "
	         "recheck");
	req.token = NULL;
	req.token_len = 0;
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_ACCEPT,
	         "recheck accepts (%s)", again.reason);
	req.scopes = ssh;
	req.n_scopes = 1;
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_ACCEPT,
	         "recheck with held scope");
	req.scopes = smtp;
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_REJECT,
	         "recheck with missing scope");
	T_EQ_INT(again.why, ATOK_WHY_SCOPE, "recheck why scope");
	req.scopes = NULL;
	req.n_scopes = 0;
	req.user = "bob";
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_REJECT,
	         "recheck with another user");
	T_EQ_INT(again.why, ATOK_WHY_USER_MISMATCH, "recheck why user");
	req.user = "alice";
	req.now = NOW + 7200;
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_REJECT,
	         "recheck after expiry");
	T_EQ_INT(again.why, ATOK_WHY_EXPIRED, "recheck why expired");
	req.now = NOW;

	atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err);
	tk_revoke(s, tok_alice, NOW, &err);
	atok_store_close(&s);
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_REJECT,
	         "recheck after revocation");
	T_EQ_INT(again.why, ATOK_WHY_REVOKED, "recheck why revoked");
	first.verdict = ATOK_REJECT;
	T_EQ_INT(atok_recheck(v, &first, &req, &again), ATOK_REJECT,
	         "recheck of a refused token");
	{
		struct atok_result jwt;
		memset(&jwt, 0, sizeof(jwt));
		jwt.verdict = ATOK_ACCEPT;
		jwt.source = ATOK_SRC_JWT;
		strcpy(jwt.user, "alice");
		jwt.expires = NOW + 10;
		T_EQ_INT(atok_recheck(v, &jwt, &req, &again), ATOK_ACCEPT,
		         "recheck non-local before exp");
		jwt.expires = NOW;
		T_EQ_INT(atok_recheck(v, &jwt, &req, &again), ATOK_REJECT,
		         "recheck non-local at exp");
	}
	T_EQ_INT(atok_recheck(NULL, &first, &req, &again), ATOK_CONFIG_ERROR,
	         "recheck without verifier");
}

static void test_new(void)
{
	static const struct {
		const char *dotted[3];
		int want;
		const char *msg;
	} rows[] = {
	    {{NULL}, ATOK_ERR_CONFIG, "no validator"},
	    {{"store.path=/nonexistent/t.db", NULL},
	     ATOK_ERR_NOT_FOUND,
	     "does not exist"},
	    {{"jwt.issuer=x", NULL},
	     ATOK_ERR_CONFIG,
	     "[jwt] needs issuer and audience"},
	    {{"introspection.client_id=x", NULL},
	     ATOK_ERR_CONFIG,
	     "[introspection]"},
	};
	size_t i, k;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_config *cfg = atok_config_new();
		struct atok_verifier *v = NULL;
		struct atok_error err = {0};
		for (k = 0; rows[i].dotted[k] != NULL; k++)
			atok_config_set_dotted(cfg, rows[i].dotted[k], &err);
		T_EQ_INT(atok_verifier_new(cfg, &v, &err), rows[i].want,
		         "new row %zu (%s)", i, err.msg);
		T_OK(strstr(err.msg, rows[i].msg) != NULL,
		     "new row %zu message has \"%s\"", i, rows[i].msg);
		T_OK(v == NULL, "new row %zu no verifier", i);
		atok_config_free(&cfg);
	}
	atok_verifier_free(NULL);
}

static void test_request_limits(struct atok_verifier *v)
{
	const char *many[ATOK_REQ_SCOPES_MAX + 1];
	const char *bad[] = {"has space"};
	struct atok_request req = {0};
	struct atok_result res;
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(many); i++)
		many[i] = "ssh";
	req.token = tok_bob;
	req.token_len = strlen(tok_bob);
	req.now = NOW;
	req.scopes = many;
	req.n_scopes = ATOK_ARRAY_SIZE_T(many);
	T_EQ_INT(atok_verify(v, &req, &res), ATOK_CONFIG_ERROR,
	         "too many required scopes");
	req.scopes = bad;
	req.n_scopes = 1;
	T_EQ_INT(atok_verify(v, &req, &res), ATOK_CONFIG_ERROR,
	         "invalid required scope");
	T_EQ_INT(atok_verify(NULL, &req, &res), ATOK_CONFIG_ERROR,
	         "no verifier");
	T_EQ_STR(atok_verdict_name(ATOK_UNAVAILABLE), "unavailable", "names");
	T_EQ_STR(atok_source_name(ATOK_SRC_LOCAL), "local", "names");
	T_EQ_STR(atok_why_name((enum atok_why)99), "unknown", "names");
}

/* Verifies tok (NUL-terminated) for alice from remote at now. */
static enum atok_verdict verify_from(struct atok_verifier *v, const char *tok,
                                     const char *remote, int64_t now,
                                     struct atok_result *res)
{
	struct atok_request req = {0};

	req.token = tok;
	req.token_len = strlen(tok);
	req.user = "alice";
	req.now = now;
	req.remote_addr = remote;
	return atok_verify(v, &req, res);
}

/* Source-address limits, last use from where, rotation with a
 * grace period, through the verifier as PAM and SASL call it. */
static void test_lifecycle(struct atok_config *cfg, struct atok_verifier *v)
{
	static const struct {
		const char *remote;
		enum atok_verdict want;
		enum atok_why why;
		const char *in_reason;
	} rows[] = {
	    {"127.0.0.1", ATOK_ACCEPT, ATOK_WHY_NONE, "accepted"},
	    {"127.255.0.9", ATOK_ACCEPT, ATOK_WHY_NONE, "accepted"},
	    {"::ffff:127.0.0.1", ATOK_ACCEPT, ATOK_WHY_NONE, "accepted"},
	    {"2001:db8::5", ATOK_ACCEPT, ATOK_WHY_NONE, "accepted"},
	    {"192.0.2.1", ATOK_REJECT, ATOK_WHY_SOURCE, "from 192.0.2.1"},
	    {"::1", ATOK_REJECT, ATOK_WHY_SOURCE, "from ::1"},
	    {"2001:db9::1", ATOK_REJECT, ATOK_WHY_SOURCE, "2001:db9::1"},
	    {NULL, ATOK_REJECT, ATOK_WHY_SOURCE, "unknown"},
	    {"", ATOK_REJECT, ATOK_WHY_SOURCE, "unknown"},
	    {"host.example", ATOK_REJECT, ATOK_WHY_SOURCE, "not numeric"},
	    {"127.0.0.1;22", ATOK_REJECT, ATOK_WHY_SOURCE, "not numeric"},
	};
	struct atok_issue_params p = {"alice",  "ssh",
	                              "lc",     NOW + 86400,
	                              NOW - 10, "127.0.0.0/8, 2001:db8::/32"};
	struct atok_rotate_params rp = {0};
	struct atok_token_record rec, old;
	struct atok_result res, again;
	struct atok_request req = {0};
	struct atok_store *s = NULL;
	struct atok_error err = {0};
	char lim[80], rot[80], rot2[80], rot3[80], id[13], id2[13];
	size_t i;

	if (atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		exit(99);
	}
	T_EQ_INT(atok_local_issue(s, &p, lim, &rec, &err), 0,
	         "issue a limited token (%s)", err.msg);
	T_EQ_STR(rec.allowed_from, "127.0.0.0/8,2001:db8::/32",
	         "the store keeps the canonical list");
	p.allowed_from = "0.0.0.0/0";
	T_EQ_INT(atok_local_issue(s, &p, rot, NULL, &err), ATOK_ERR_MALFORMED,
	         "issue refuses 0.0.0.0/0 (%s)", err.msg);
	p.allowed_from = "example.com";
	T_EQ_INT(atok_local_issue(s, &p, rot, NULL, &err), ATOK_ERR_MALFORMED,
	         "issue refuses a host name (%s)", err.msg);
	p.allowed_from = "";
	tk_issue(s, "alice", "ssh", NOW + 86400, NOW - 10, rot);

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		T_EQ_INT(verify_from(v, lim, rows[i].remote, NOW, &res),
		         rows[i].want, "source row %zu (%s) verdict: %s", i,
		         rows[i].remote ? rows[i].remote : "NULL", res.reason);
		T_EQ_STR(atok_why_name(res.why), atok_why_name(rows[i].why),
		         "source row %zu why", i);
		T_OK(strstr(res.reason, rows[i].in_reason) != NULL,
		     "source row %zu reason has \"%s\"", i, rows[i].in_reason);
		T_EQ_STR(res.user, "alice", "source row %zu names the owner",
		         i);
	}
	T_EQ_INT(verify_from(v, rot, NULL, NOW, &res), ATOK_ACCEPT,
	         "an unlimited token needs no remote address");

	/* Account phase: the address is checked again. */
	T_EQ_INT(verify_from(v, lim, "127.0.0.1", NOW, &res), ATOK_ACCEPT,
	         "limited token accepted for recheck");
	req.user = "alice";
	req.now = NOW;
	req.remote_addr = "192.0.2.1";
	T_EQ_INT(atok_recheck(v, &res, &req, &again), ATOK_REJECT,
	         "recheck from another network");
	T_EQ_INT(again.why, ATOK_WHY_SOURCE, "recheck why source");
	req.remote_addr = "127.0.0.2";
	T_EQ_INT(atok_recheck(v, &res, &req, &again), ATOK_ACCEPT,
	         "recheck from the allowed network");

	/* Last use, from where, under the same throttle as last_used. */
	tk_token_id(lim, id);
	atok_store_lookup(s, id, &rec, &err);
	T_EQ_STR(rec.last_used_from, "127.0.0.1", "last used from recorded");
	T_EQ_INT(rec.last_used, NOW, "last used at now");
	T_EQ_INT(verify_from(v, lim, "2001:db8::5", NOW + 30, &res),
	         ATOK_ACCEPT, "used again within the throttle");
	atok_store_lookup(s, id, &rec, &err);
	T_EQ_STR(rec.last_used_from, "127.0.0.1", "not written within 60 s");
	T_EQ_INT(verify_from(v, lim, "::ffff:127.0.0.9", NOW + 61, &res),
	         ATOK_ACCEPT, "used again after the throttle");
	atok_store_lookup(s, id, &rec, &err);
	T_EQ_STR(rec.last_used_from, "127.0.0.9",
	         "written in its numeric IPv4 form");
	T_EQ_INT(verify_from(v, lim, "192.0.2.1", NOW + 200, &res), ATOK_REJECT,
	         "a refused use");
	atok_store_lookup(s, id, &rec, &err);
	T_OK(rec.last_used == NOW + 61 &&
	         strcmp(rec.last_used_from, "127.0.0.9") == 0,
	     "a refused use is not recorded as a use");

	/* Rotation with a grace period. */
	tk_token_id(rot, id);
	rp.expires = -1;
	rp.grace = 3600;
	rp.allowed_from = NULL;
	rp.now = NOW;
	T_EQ_INT(atok_local_rotate(s, id, &rp, rot2, &rec, &old, &err), 0,
	         "rotate with a one-hour grace (%s)", err.msg);
	tk_token_id(rot2, id2);
	T_EQ_STR(rec.rotated_from, id, "successor names the old one");
	T_EQ_INT(verify_from(v, rot, NULL, NOW + 3599, &res), ATOK_ACCEPT,
	         "old token works within the grace period (%s)", res.reason);
	T_EQ_INT(verify_from(v, rot2, NULL, NOW + 3599, &res), ATOK_ACCEPT,
	         "new token works");
	T_EQ_INT(verify_from(v, rot, NULL, NOW + 3600, &res), ATOK_REJECT,
	         "old token refused when the grace period ends");
	T_EQ_INT(res.why, ATOK_WHY_ROTATED, "why rotated");
	T_OK(strstr(res.reason, id2) != NULL,
	     "the reason names the successor (%s)", res.reason);
	T_EQ_INT(atok_local_rotate(s, id, &rp, rot3, NULL, NULL, &err),
	         ATOK_ERR_INVALID, "a rotated token is not rotated twice (%s)",
	         err.msg);
	/* No grace: today's behaviour, revoked at once, naming the
	 * successor. */
	rp.grace = 0;
	T_EQ_INT(atok_local_rotate(s, id2, &rp, rot3, &rec, NULL, &err), 0,
	         "rotate with no grace");
	T_EQ_INT(verify_from(v, rot2, NULL, NOW + 1, &res), ATOK_REJECT,
	         "no grace: old token refused at once");
	T_EQ_INT(res.why, ATOK_WHY_REVOKED, "no grace: why revoked");
	T_OK(strstr(res.reason, rec.id) != NULL,
	     "no grace: the reason names the successor (%s)", res.reason);
	/* The grace never outlives the token. */
	tk_issue(s, "alice", "ssh", NOW + 100, NOW - 10, rot);
	tk_token_id(rot, id);
	rp.grace = 86400;
	T_EQ_INT(atok_local_rotate(s, id, &rp, rot2, &rec, NULL, &err), 0,
	         "rotate a token about to expire, with a long grace");
	T_EQ_INT(verify_from(v, rot, NULL, NOW + 100, &res), ATOK_REJECT,
	         "the old one ends at its own expiry");
	T_EQ_INT(rec.expires, NOW + 110, "the new one has the same lifetime");
	/* Limits follow the rotation unless replaced. */
	tk_token_id(lim, id);
	rp.grace = 0;
	T_EQ_INT(atok_local_rotate(s, id, &rp, rot2, &rec, NULL, &err), 0,
	         "rotate the limited token");
	T_EQ_STR(rec.allowed_from, "127.0.0.0/8,2001:db8::/32",
	         "limits kept by rotation");
	T_EQ_INT(verify_from(v, rot2, "192.0.2.1", NOW, &res), ATOK_REJECT,
	         "the successor is limited too");
	tk_token_id(rot2, id);
	rp.allowed_from = "";
	T_EQ_INT(atok_local_rotate(s, id, &rp, rot3, &rec, NULL, &err), 0,
	         "rotate with the limits removed");
	T_EQ_INT(verify_from(v, rot3, "192.0.2.1", NOW, &res), ATOK_ACCEPT,
	         "the successor is unlimited");
	tk_token_id(rot3, id);
	rp.allowed_from = "10.0.0.1/8";
	T_EQ_INT(atok_local_rotate(s, id, &rp, rot2, &rec, NULL, &err),
	         ATOK_ERR_MALFORMED, "rotate refuses a malformed list (%s)",
	         err.msg);
	T_EQ_INT(verify_from(v, rot3, NULL, NOW, &res), ATOK_ACCEPT,
	         "and leaves the token alone");
	atok_store_close(&s);
}

int main(void)
{
	struct atok_config *cfg = setup();
	struct atok_verifier *v = NULL;
	struct atok_error err;

	T_EQ_INT(atok_verifier_new(cfg, &v, &err), 0, "verifier_new");
	test_verify(v);
	test_request_limits(v);
	test_recheck(cfg, v);
	test_lifecycle(cfg, v);
	test_new();
	atok_verifier_free(&v);
	T_OK(v == NULL, "free clears the pointer");
	atok_config_free(&cfg);
	return t_done();
}
