/*
 * Tests for common/claims.c through atok_verify: HS256 and RS256 tokens
 * built here, at JH_NOW = 1800000000 with the default leeway of 60 s.
 */
#include "ac_config.h"

#include "tap.h"

#include "jwt_helper.h"

/* Claims with the good iss/aud/sub/exp; X adds members before them. */
#define ISS "\"iss\":\"" JH_ISS "\""
#define AUD "\"aud\":\"" JH_AUD "\""
#define SUB "\"sub\":\"alice\""
#define EXP "\"exp\":1800000600"
#define GOOD ISS "," AUD "," SUB "," EXP
#define OBJ(...) "{" __VA_ARGS__ "}"

#define NOTYP "-"	/* header without typ */
#define AT "at+jwt"

struct row {
	const char *name;
	const char *payload;
	const char *typ;     /* NULL: at+jwt; NOTYP: none */
	const char *kv[3];   /* config overrides */
	const char *user;    /* req.user */
	const char *scopes[3];
	enum atok_verdict verdict;
	enum atok_why why;
	const char *want_user;	 /* on ACCEPT (and user/scope refusals) */
	const char *want_scopes; /* on ACCEPT */
};

static const struct row rows[] = {
	/* exp */
	{"control", OBJ(GOOD), NULL, {NULL}, NULL, {NULL}, ATOK_ACCEPT, 0,
	 "alice", ""},
	{"exp missing", OBJ(ISS "," AUD "," SUB), NULL, {NULL}, NULL, {NULL},
	 ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp a string", OBJ(ISS "," AUD "," SUB ",\"exp\":\"1800000600\""),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp true", OBJ(ISS "," AUD "," SUB ",\"exp\":true"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp null", OBJ(ISS "," AUD "," SUB ",\"exp\":null"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp negative", OBJ(ISS "," AUD "," SUB ",\"exp\":-1"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp 1e300", OBJ(ISS "," AUD "," SUB ",\"exp\":1e300"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp huge integer",
	 OBJ(ISS "," AUD "," SUB ",\"exp\":9223372036854775807"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"exp fractional, future",
	 OBJ(ISS "," AUD "," SUB ",\"exp\":1800000600.5"), NULL, {NULL}, NULL,
	 {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"exp an hour ago", OBJ(ISS "," AUD "," SUB ",\"exp\":1799996400"),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_EXPIRED, NULL,
	 NULL},
	{"exp 30 s ago (within leeway)",
	 OBJ(ISS "," AUD "," SUB ",\"exp\":1799999970"), NULL, {NULL}, NULL,
	 {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"exp exactly leeway ago",
	 OBJ(ISS "," AUD "," SUB ",\"exp\":1799999940"), NULL, {NULL}, NULL,
	 {NULL}, ATOK_REJECT, ATOK_WHY_EXPIRED, NULL, NULL},
	{"exp 30 s ago, leeway 0",
	 OBJ(ISS "," AUD "," SUB ",\"exp\":1799999970"), NULL,
	 {"jwt.leeway=0"}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_EXPIRED, NULL,
	 NULL},
	{"exp = now, leeway 0", OBJ(ISS "," AUD "," SUB ",\"exp\":1800000000"),
	 NULL, {"jwt.leeway=0"}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_EXPIRED,
	 NULL, NULL},
	/* nbf, iat */
	{"nbf an hour ahead", OBJ(GOOD ",\"nbf\":1800003600"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID, NULL, NULL},
	{"nbf 30 s ahead (within leeway)", OBJ(GOOD ",\"nbf\":1800000030"),
	 NULL, {NULL}, NULL, {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"nbf 61 s ahead", OBJ(GOOD ",\"nbf\":1800000061"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID, NULL, NULL},
	{"nbf 30 s ahead, leeway 0", OBJ(GOOD ",\"nbf\":1800000030"), NULL,
	 {"jwt.leeway=0"}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID,
	 NULL, NULL},
	{"nbf a string", OBJ(GOOD ",\"nbf\":\"1799999000\""), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"nbf in the past", OBJ(GOOD ",\"nbf\":1799999000"), NULL, {NULL},
	 NULL, {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"iat an hour ahead", OBJ(GOOD ",\"iat\":1800003600"), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID, NULL, NULL},
	{"iat 30 s ahead (within leeway)", OBJ(GOOD ",\"iat\":1800000030"),
	 NULL, {NULL}, NULL, {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"iat a string", OBJ(GOOD ",\"iat\":\"now\""), NULL, {NULL}, NULL,
	 {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	/* iss */
	{"iss mismatch", OBJ("\"iss\":\"https://evil.test\"," AUD "," SUB
			     "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_ISSUER, NULL, NULL},
	{"iss with a trailing slash",
	 OBJ("\"iss\":\"" JH_ISS "/\"," AUD "," SUB "," EXP), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_ISSUER, NULL, NULL},
	{"iss a prefix", OBJ("\"iss\":\"https://issuer.tes\"," AUD "," SUB
			     "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_ISSUER, NULL, NULL},
	{"iss in other case",
	 OBJ("\"iss\":\"HTTPS://ISSUER.TEST\"," AUD "," SUB "," EXP), NULL,
	 {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_ISSUER, NULL, NULL},
	{"iss missing", OBJ(AUD "," SUB "," EXP), NULL, {NULL}, NULL, {NULL},
	 ATOK_REJECT, ATOK_WHY_ISSUER, NULL, NULL},
	{"iss an array", OBJ("\"iss\":[\"" JH_ISS "\"]," AUD "," SUB "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_ISSUER, NULL, NULL},
	/* aud */
	{"aud array holding it",
	 OBJ(ISS ",\"aud\":[\"other\",\"" JH_AUD "\"]," SUB "," EXP), NULL,
	 {NULL}, NULL, {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"aud array without it", OBJ(ISS ",\"aud\":[\"other\",\"api://x\"],"
				     SUB "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL,
	 NULL},
	{"aud empty array", OBJ(ISS ",\"aud\":[]," SUB "," EXP), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL, NULL},
	{"aud missing", OBJ(ISS "," SUB "," EXP), NULL, {NULL}, NULL, {NULL},
	 ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL, NULL},
	{"aud other string", OBJ(ISS ",\"aud\":\"api://apitoken2\"," SUB
				 "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL,
	 NULL},
	{"aud a prefix", OBJ(ISS ",\"aud\":\"api://apitoke\"," SUB "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL,
	 NULL},
	{"aud a number", OBJ(ISS ",\"aud\":1," SUB "," EXP), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL, NULL},
	{"aud nested array", OBJ(ISS ",\"aud\":[[\"" JH_AUD "\"]]," SUB
				 "," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_AUDIENCE, NULL,
	 NULL},
	/* typ (RFC 9068) */
	{"require_at_jwt, typ at+jwt", OBJ(GOOD), AT,
	 {"jwt.require_at_jwt=yes"}, NULL, {NULL}, ATOK_ACCEPT, 0, "alice",
	 ""},
	{"require_at_jwt, typ application/at+jwt", OBJ(GOOD),
	 "application/at+jwt", {"jwt.require_at_jwt=yes"}, NULL, {NULL},
	 ATOK_ACCEPT, 0, "alice", ""},
	{"require_at_jwt, typ JWT", OBJ(GOOD), "JWT",
	 {"jwt.require_at_jwt=yes"}, NULL, {NULL}, ATOK_REJECT,
	 ATOK_WHY_CLAIMS, NULL, NULL},
	{"require_at_jwt, no typ", OBJ(GOOD), NOTYP,
	 {"jwt.require_at_jwt=yes"}, NULL, {NULL}, ATOK_REJECT,
	 ATOK_WHY_CLAIMS, NULL, NULL},
	{"require_at_jwt, typ at+jwt+evil", OBJ(GOOD), "at+jwt+evil",
	 {"jwt.require_at_jwt=yes"}, NULL, {NULL}, ATOK_REJECT,
	 ATOK_WHY_CLAIMS, NULL, NULL},
	{"no require_at_jwt, typ JWT", OBJ(GOOD), "JWT", {NULL}, NULL, {NULL},
	 ATOK_ACCEPT, 0, "alice", ""},
	{"no require_at_jwt, no typ", OBJ(GOOD), NOTYP, {NULL}, NULL, {NULL},
	 ATOK_ACCEPT, 0, "alice", ""},
	/* the user */
	{"sub missing", OBJ(ISS "," AUD "," EXP), NULL, {NULL}, NULL, {NULL},
	 ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"sub a number", OBJ(ISS "," AUD ",\"sub\":1000," EXP), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"sub an array", OBJ(ISS "," AUD ",\"sub\":[\"alice\"]," EXP), NULL,
	 {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"sub empty", OBJ(ISS "," AUD ",\"sub\":\"\"," EXP), NULL, {NULL},
	 NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"sub with a space", OBJ(ISS "," AUD ",\"sub\":\"alice x\"," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"sub with a newline", OBJ(ISS "," AUD ",\"sub\":\"alice\\nroot\","
				   EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"sub with a NUL", OBJ(ISS "," AUD ",\"sub\":\"root\\u0000x\"," EXP),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_MALFORMED, NULL,
	 NULL},
	{"preferred_username as the user",
	 OBJ(GOOD ",\"preferred_username\":\"bob\""), NULL,
	 {"jwt.username_claim=preferred_username"}, NULL, {NULL}, ATOK_ACCEPT,
	 0, "bob", ""},
	{"preferred_username missing (sub present)", OBJ(GOOD), NULL,
	 {"jwt.username_claim=preferred_username"}, NULL, {NULL}, ATOK_REJECT,
	 ATOK_WHY_CLAIMS, NULL, NULL},
	{"preferred_username a number", OBJ(GOOD ",\"preferred_username\":7"),
	 NULL, {"jwt.username_claim=preferred_username"}, NULL, {NULL},
	 ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"user bound: alice asks as alice", OBJ(GOOD), NULL, {NULL}, "alice",
	 {NULL}, ATOK_ACCEPT, 0, "alice", ""},
	{"user bound: alice's token for bob", OBJ(GOOD), NULL, {NULL}, "bob",
	 {NULL}, ATOK_REJECT, ATOK_WHY_USER_MISMATCH, "alice", NULL},
	{"user bound: case matters", OBJ(GOOD), NULL, {NULL}, "Alice", {NULL},
	 ATOK_REJECT, ATOK_WHY_USER_MISMATCH, "alice", NULL},
	/* scopes */
	{"scope string", OBJ(GOOD ",\"scope\":\"read  write\""), NULL, {NULL},
	 NULL, {NULL}, ATOK_ACCEPT, 0, "alice", "read write"},
	{"scp array", OBJ(GOOD ",\"scp\":[\"read\",\"write\"]"), NULL, {NULL},
	 NULL, {NULL}, ATOK_ACCEPT, 0, "alice", "read write"},
	{"scp string (Entra ID)", OBJ(GOOD ",\"scp\":\"read write\""), NULL,
	 {NULL}, NULL, {NULL}, ATOK_ACCEPT, 0, "alice", "read write"},
	{"scope wins over scp",
	 OBJ(GOOD ",\"scope\":\"read\",\"scp\":[\"admin\"]"), NULL, {NULL},
	 NULL, {NULL}, ATOK_ACCEPT, 0, "alice", "read"},
	{"scope a number", OBJ(GOOD ",\"scope\":5"), NULL, {NULL}, NULL,
	 {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"scope an object", OBJ(GOOD ",\"scope\":{\"read\":true}"), NULL,
	 {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"scp array holding a number", OBJ(GOOD ",\"scp\":[\"read\",1]"),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"scp array item with a space", OBJ(GOOD ",\"scp\":[\"read write\"]"),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"scope with a quote", OBJ(GOOD ",\"scope\":\"read \\\"x\""), NULL,
	 {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"scope with a control char", OBJ(GOOD ",\"scope\":\"read\\u0001\""),
	 NULL, {NULL}, NULL, {NULL}, ATOK_REJECT, ATOK_WHY_CLAIMS, NULL, NULL},
	{"required scope held", OBJ(GOOD ",\"scope\":\"read write\""), NULL,
	 {NULL}, NULL, {"write", "read"}, ATOK_ACCEPT, 0, "alice",
	 "read write"},
	{"required scope held (scp)", OBJ(GOOD ",\"scp\":[\"read\",\"ssh\"]"),
	 NULL, {NULL}, NULL, {"ssh"}, ATOK_ACCEPT, 0, "alice", "read ssh"},
	{"required scope missing", OBJ(GOOD ",\"scope\":\"read write\""), NULL,
	 {NULL}, NULL, {"admin"}, ATOK_REJECT, ATOK_WHY_SCOPE, "alice", NULL},
	{"one of two required scopes missing", OBJ(GOOD ",\"scope\":\"read\""),
	 NULL, {NULL}, NULL, {"read", "write"}, ATOK_REJECT, ATOK_WHY_SCOPE,
	 "alice", NULL},
	{"required scope a prefix of a held one",
	 OBJ(GOOD ",\"scope\":\"readonly\""), NULL, {NULL}, NULL, {"read"},
	 ATOK_REJECT, ATOK_WHY_SCOPE, "alice", NULL},
	{"required scope a suffix of a held one",
	 OBJ(GOOD ",\"scope\":\"admin:read\""), NULL, {NULL}, NULL, {"read"},
	 ATOK_REJECT, ATOK_WHY_SCOPE, "alice", NULL},
	{"required scope in other case", OBJ(GOOD ",\"scope\":\"READ\""), NULL,
	 {NULL}, NULL, {"read"}, ATOK_REJECT, ATOK_WHY_SCOPE, "alice", NULL},
	{"required scope, token has none", OBJ(GOOD), NULL, {NULL}, NULL,
	 {"read"}, ATOK_REJECT, ATOK_WHY_SCOPE, "alice", NULL},
};

static void test_rows(void)
{
	size_t i, n;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		const struct row *r = &rows[i];
		struct atok_verifier *v = jh_verifier(r->kv);
		struct atok_result res;
		char hdr[128];
		char *tok;

		if (r->typ != NULL && strcmp(r->typ, NOTYP) == 0)
			snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\"}");
		else
			snprintf(hdr, sizeof(hdr),
				 "{\"alg\":\"HS256\",\"typ\":\"%s\"}",
				 r->typ ? r->typ : AT);
		tok = jh_token("HS256", hdr, r->payload);
		for (n = 0; n < 3 && r->scopes[n] != NULL; n++)
			;
		jh_verify(v, tok, strlen(tok), r->user, r->scopes, n, &res);
		T_OK(res.verdict == r->verdict &&
			     (r->verdict == ATOK_ACCEPT || res.why == r->why),
		     "row %zu: %s: %s/%s (got %s/%s: %s)", i, r->name,
		     atok_verdict_name(r->verdict), atok_why_name(r->why),
		     atok_verdict_name(res.verdict), atok_why_name(res.why),
		     res.reason);
		if (r->want_user != NULL)
			T_OK(strcmp(res.user, r->want_user) == 0,
			     "row %zu: %s: user \"%s\"", i, r->name, res.user);
		else
			T_OK(res.user[0] == '\0',
			     "row %zu: %s: no user reported (\"%s\")", i,
			     r->name, res.user);
		if (r->want_scopes != NULL)
			T_OK(strcmp(res.scopes, r->want_scopes) == 0,
			     "row %zu: %s: scopes \"%s\"", i, r->name,
			     res.scopes);
		free(tok);
		atok_verifier_free(&v);
	}
}

/* The result names what `apitoken verify` and the logs show. */
static void test_result_fields(void)
{
	struct atok_verifier *v = jh_verifier(NULL);
	struct atok_result res;
	const char *ssh[] = {"ssh"};
	char *tok = jh_token(
	    "RS256", jh_header("RS256"),
	    OBJ(GOOD ",\"jti\":\"4f1c-77\",\"scope\":\"ssh imap\""));

	jh_verify(v, tok, strlen(tok), "alice", ssh, 1, &res);
	T_EQ_INT(res.verdict, ATOK_ACCEPT, "RS256 accepted (%s)", res.reason);
	T_EQ_INT(res.source, ATOK_SRC_JWT, "source jwt");
	T_EQ_STR(res.alg, "RS256", "alg");
	T_EQ_STR(res.kid, "rsa-a", "kid");
	T_EQ_STR(res.issuer, JH_ISS, "issuer");
	T_EQ_INT(res.expires, 1800000600LL, "expires = exp");
	T_EQ_STR(res.token_id, "4f1c-77", "token_id = jti");
	T_EQ_STR(res.user, "alice", "user");
	T_EQ_STR(res.scopes, "ssh imap", "scopes");
	T_EQ_INT(strlen(res.fingerprint), ATOK_FINGERPRINT_LEN,
		 "fingerprint present");
	T_OK(strstr(res.reason, tok) == NULL, "reason holds no token");
	free(tok);

	/* A refused token still names alg/kid/iss for the operator. */
	tok = jh_token("ES256", jh_header("ES256"),
		       OBJ("\"iss\":\"https://evil.test\"," AUD "," SUB
			   "," EXP));
	jh_verify(v, tok, strlen(tok), NULL, NULL, 0, &res);
	T_EQ_INT(res.why, ATOK_WHY_ISSUER, "wrong issuer refused (%s)",
		 res.reason);
	T_EQ_STR(res.alg, "ES256", "refusal names the alg");
	T_EQ_STR(res.kid, "ec-256", "refusal names the kid");
	T_OK(strstr(res.reason, "evil.test") != NULL,
	     "reason names the token's issuer: %s", res.reason);
	free(tok);

	/* An over-long jti is not reported; a token without one has "". */
	tok = jh_token("HS256", "{\"alg\":\"HS256\"}",
		       OBJ(GOOD ",\"jti\":\"" "0123456789012345678901234567890"
			   "1234567890123456789012345678901234567890\""));
	jh_verify(v, tok, strlen(tok), NULL, NULL, 0, &res);
	T_EQ_INT(res.verdict, ATOK_ACCEPT, "long jti accepted (%s)",
		 res.reason);
	T_EQ_STR(res.token_id, "", "a 71-byte jti is not the token id");
	free(tok);
	tok = jh_token("HS256", "{\"alg\":\"HS256\"}", OBJ(GOOD));
	jh_verify(v, tok, strlen(tok), NULL, NULL, 0, &res);
	T_EQ_STR(res.token_id, "", "no jti, no token id");
	T_EQ_STR(res.kid, "", "no kid, kid \"\"");
	free(tok);
	atok_verifier_free(&v);
}

/* The verified-token cache of a long-lived process: a hit still binds the
 * user and checks scopes, and never outlives exp. */
static void test_cache(void)
{
	struct atok_verifier *v = jh_verifier(NULL);
	struct atok_request req = {0};
	struct atok_result res;
	const char *admin[] = {"admin"};
	char *tok = jh_token("ES256", jh_header("ES256"),
			     OBJ(GOOD ",\"scope\":\"read\""));
	int i;

	req.token = tok;
	req.token_len = strlen(tok);
	for (i = 0; i < 2; i++) {
		req.now = JH_NOW + i;
		atok_verify(v, &req, &res);
		T_EQ_INT(res.verdict, ATOK_ACCEPT, "cache pass %d: accepted (%s)",
			 i, res.reason);
		T_EQ_STR(res.user, "alice", "cache pass %d: user", i);
	}
	req.user = "bob";
	atok_verify(v, &req, &res);
	T_EQ_INT(res.why, ATOK_WHY_USER_MISMATCH,
		 "cached token for another user: user_mismatch (%s)",
		 res.reason);
	req.user = NULL;
	req.scopes = admin;
	req.n_scopes = 1;
	atok_verify(v, &req, &res);
	T_EQ_INT(res.why, ATOK_WHY_SCOPE,
		 "cached token lacking a scope: insufficient scope (%s)",
		 res.reason);
	req.scopes = NULL;
	req.n_scopes = 0;
	req.now = 1800000600LL;
	atok_verify(v, &req, &res);
	T_EQ_INT(res.verdict, ATOK_ACCEPT,
		 "at exp, within leeway: still accepted (%s)", res.reason);
	req.now = 1800000600LL + 60;
	atok_verify(v, &req, &res);
	T_OK(res.verdict == ATOK_REJECT && res.why == ATOK_WHY_EXPIRED,
	     "exp + leeway: expired, the cache does not outlive exp (%s: %s)",
	     atok_why_name(res.why), res.reason);
	req.now = 1800000600LL + 3600;
	atok_verify(v, &req, &res);
	T_OK(res.verdict == ATOK_REJECT && res.why == ATOK_WHY_EXPIRED,
	     "an hour after exp: expired (%s)", res.reason);
	free(tok);
	atok_verifier_free(&v);
}

int main(void)
{
	jh_setup();
	test_rows();
	test_result_fields();
	test_cache();
	return t_done();
}
