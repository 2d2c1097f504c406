/* Unit tests for common/verifier.c and common/local.c: the one path. */
#include "ac_config.h"

#include "atok.h"
#include "config.h"
#include "fixture.h"
#include "local.h"
#include "store.h"
#include "tap.h"
#include "token.h"

#define NOW 1800000000LL

static char tok_alice[80], tok_bob[80], tok_exp[80], tok_rev[80], tok_never[80],
    tok_forged[80], tok_unknown[80];

/* Replaces the secret of tok, keeping id and a valid checksum. */
static void forge(const char *tok, char *out, char c)
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint32_t crc;
	int i;

	strcpy(out, tok);
	out[20] = out[20] == c ? (char)(c + 1) : c;
	crc = atok_crc32((unsigned char *)out, 60);
	for (i = 5; i >= 0; i--) {
		out[60 + i] = b62[crc % 62];
		crc /= 62;
	}
}

static void issue(struct atok_store *s, const char *user, const char *scopes,
                  int64_t expires, int64_t now, char *out)
{
	struct atok_issue_params p = {user, scopes, "test", expires, now};
	struct atok_error err;

	if (atok_local_issue(s, &p, out, NULL, &err) != 0) {
		printf("Bail out! issue: %s\n", err.msg);
		exit(99);
	}
}

static struct atok_config *setup(void)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_store *s = NULL;
	struct atok_error err;
	char path[600];

	fx_tmpdir();
	snprintf(path, sizeof(path), "%s/tokens.db", fx_dir);
	atok_config_set(cfg, "store", "path", path, &err);
	if (atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		exit(99);
	}
	issue(s, "alice", "ssh imap", NOW + 3600, NOW - 10, tok_alice);
	issue(s, "bob", "", NOW + 3600, NOW - 10, tok_bob);
	issue(s, "alice", "ssh", NOW - 5, NOW - 100, tok_exp);
	issue(s, "alice", "ssh", 0, NOW - 10, tok_rev);
	issue(s, "alice", "", 0, NOW - 10, tok_never);
	{
		char id[13];
		memcpy(id, tok_rev + 4, 12);
		id[12] = 0;
		atok_store_revoke(s, id, NOW - 1, &err);
	}
	forge(tok_alice, tok_forged, 'Q');
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
	    {tok_alice, 0, "alice", NULL, 0, ATOK_ACCEPT, ATOK_WHY_NONE,
	     "alice"},
	    {tok_alice, 0, NULL, NULL, 0, ATOK_ACCEPT, ATOK_WHY_NONE, "alice"},
	    {tok_alice, 0, "alice", ssh, 1, ATOK_ACCEPT, ATOK_WHY_NONE,
	     "alice"},
	    {tok_alice, 0, "alice", both, 2, ATOK_ACCEPT, ATOK_WHY_NONE,
	     "alice"},
	    {tok_alice, 0, "alice", smtp, 1, ATOK_REJECT, ATOK_WHY_SCOPE,
	     "alice"},
	    {tok_alice, 0, "bob", NULL, 0, ATOK_REJECT, ATOK_WHY_USER_MISMATCH,
	     "alice"},
	    {tok_alice, 0, "alic", NULL, 0, ATOK_REJECT, ATOK_WHY_USER_MISMATCH,
	     "alice"},
	    {tok_alice, 0, "alice ", NULL, 0, ATOK_REJECT,
	     ATOK_WHY_USER_MISMATCH, "alice"},
	    {tok_bob, 0, "bob", ssh, 1, ATOK_REJECT, ATOK_WHY_SCOPE, "bob"},
	    {tok_bob, 0, "bob", NULL, 0, ATOK_ACCEPT, ATOK_WHY_NONE, "bob"},
	    {tok_exp, 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_EXPIRED,
	     "alice"},
	    {tok_rev, 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_REVOKED,
	     "alice"},
	    {tok_never, 0, "alice", NULL, 0, ATOK_ACCEPT, ATOK_WHY_NONE,
	     "alice"},
	    {tok_forged, 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_BAD_SECRET,
	     ""},
	    {tok_unknown, 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_UNKNOWN,
	     ""},
	    {tok_alice, 65, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_MALFORMED,
	     ""},
	    {"apt_short", 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_MALFORMED,
	     ""},
	    {"", 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_EMPTY, ""},
	    {"a b", 0, "alice", NULL, 0, ATOK_REJECT, ATOK_WHY_NOT_TOKEN, ""},
	    {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", 0, "alice", NULL, 0,
	     ATOK_REJECT, ATOK_WHY_NO_VALIDATOR, ""},
	    {"2YotnFZFEjr1zCsicMWpAA", 0, "alice", NULL, 0, ATOK_REJECT,
	     ATOK_WHY_NOT_TOKEN, ""},
	    {toolong, sizeof(toolong) - 1, "alice", NULL, 0, ATOK_REJECT,
	     ATOK_WHY_TOO_LONG, ""},
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
	char id[13];

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

	memcpy(id, tok_alice + 4, 12);
	id[12] = 0;
	atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err);
	atok_store_revoke(s, id, NOW, &err);
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

int main(void)
{
	struct atok_config *cfg = setup();
	struct atok_verifier *v = NULL;
	struct atok_error err;

	T_EQ_INT(atok_verifier_new(cfg, &v, &err), 0, "verifier_new");
	test_verify(v);
	test_request_limits(v);
	test_recheck(cfg, v);
	test_new();
	atok_verifier_free(&v);
	T_OK(v == NULL, "free clears the pointer");
	atok_config_free(&cfg);
	return t_done();
}
