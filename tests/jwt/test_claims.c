/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for common/claims.c through atok_verify: HS256 and RS256 tokens
 * built here, at JH_NOW = 1800000000 with the default leeway of 60 s.
 */
#include "ac_config.h"

#include "tap.h"

#include "jwt_helper.h"

/* Claims with the good iss/aud/sub/exp; X adds members before them. */
#define ISS      "\"iss\":\"" JH_ISS "\""
#define AUD      "\"aud\":\"" JH_AUD "\""
#define SUB      "\"sub\":\"alice\""
#define EXP      "\"exp\":1800000600"
#define GOOD     ISS "," AUD "," SUB "," EXP
#define OBJ(...) "{" __VA_ARGS__ "}"

#define NOTYP "-" /* header without typ */
#define AT    "at+jwt"

struct row {
	const char *name;
	const char *payload;
	const char *typ;   /* NULL: at+jwt; NOTYP: none */
	const char *kv[3]; /* config overrides */
	const char *user;  /* req.user */
	const char *scopes[3];
	enum atok_verdict verdict;
	enum atok_why why;
	const char *want_user;   /* on ACCEPT (and user/scope refusals) */
	const char *want_scopes; /* on ACCEPT */
};

static const struct row rows[] = {
    /* exp */
    {.name = "control",
     .payload = OBJ(GOOD),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "exp missing",
     .payload = OBJ(ISS "," AUD "," SUB),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp a string",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":\"1800000600\""),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp true",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":true"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp null",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":null"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp negative",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":-1"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp 1e300",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1e300"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp huge integer",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":9223372036854775807"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "exp fractional, future",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1800000600.5"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "exp an hour ago",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1799996400"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_EXPIRED},
    {.name = "exp 30 s ago (within leeway)",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1799999970"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "exp exactly leeway ago",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1799999940"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_EXPIRED},
    {.name = "exp 30 s ago, leeway 0",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1799999970"),
     .kv = {"jwt.leeway=0"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_EXPIRED},
    {.name = "exp = now, leeway 0",
     .payload = OBJ(ISS "," AUD "," SUB ",\"exp\":1800000000"),
     .kv = {"jwt.leeway=0"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_EXPIRED},
    /* nbf, iat */
    {.name = "nbf an hour ahead",
     .payload = OBJ(GOOD ",\"nbf\":1800003600"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_NOT_YET_VALID},
    {.name = "nbf 30 s ahead (within leeway)",
     .payload = OBJ(GOOD ",\"nbf\":1800000030"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "nbf 61 s ahead",
     .payload = OBJ(GOOD ",\"nbf\":1800000061"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_NOT_YET_VALID},
    {.name = "nbf 30 s ahead, leeway 0",
     .payload = OBJ(GOOD ",\"nbf\":1800000030"),
     .kv = {"jwt.leeway=0"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_NOT_YET_VALID},
    {.name = "nbf a string",
     .payload = OBJ(GOOD ",\"nbf\":\"1799999000\""),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "nbf in the past",
     .payload = OBJ(GOOD ",\"nbf\":1799999000"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "iat an hour ahead",
     .payload = OBJ(GOOD ",\"iat\":1800003600"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_NOT_YET_VALID},
    {.name = "iat 30 s ahead (within leeway)",
     .payload = OBJ(GOOD ",\"iat\":1800000030"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "iat a string",
     .payload = OBJ(GOOD ",\"iat\":\"now\""),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    /* iss */
    {.name = "iss mismatch",
     .payload = OBJ("\"iss\":\"https://evil.test\"," AUD "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_ISSUER},
    {.name = "iss with a trailing slash",
     .payload = OBJ("\"iss\":\"" JH_ISS "/\"," AUD "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_ISSUER},
    {.name = "iss a prefix",
     .payload = OBJ("\"iss\":\"https://issuer.tes\"," AUD "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_ISSUER},
    {.name = "iss in other case",
     .payload = OBJ("\"iss\":\"HTTPS://ISSUER.TEST\"," AUD "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_ISSUER},
    {.name = "iss missing",
     .payload = OBJ(AUD "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_ISSUER},
    {.name = "iss an array",
     .payload = OBJ("\"iss\":[\"" JH_ISS "\"]," AUD "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_ISSUER},
    /* aud */
    {.name = "aud array holding it",
     .payload = OBJ(ISS ",\"aud\":[\"other\",\"" JH_AUD "\"]," SUB "," EXP),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "aud array without it",
     .payload = OBJ(ISS ",\"aud\":[\"other\",\"api://x\"]," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    {.name = "aud empty array",
     .payload = OBJ(ISS ",\"aud\":[]," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    {.name = "aud missing",
     .payload = OBJ(ISS "," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    {.name = "aud other string",
     .payload = OBJ(ISS ",\"aud\":\"api://apitoken2\"," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    {.name = "aud a prefix",
     .payload = OBJ(ISS ",\"aud\":\"api://apitoke\"," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    {.name = "aud a number",
     .payload = OBJ(ISS ",\"aud\":1," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    {.name = "aud nested array",
     .payload = OBJ(ISS ",\"aud\":[[\"" JH_AUD "\"]]," SUB "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_AUDIENCE},
    /* typ (RFC 9068) */
    {.name = "require_at_jwt, typ at+jwt",
     .payload = OBJ(GOOD),
     .typ = AT,
     .kv = {"jwt.require_at_jwt=yes"},
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "require_at_jwt, typ application/at+jwt",
     .payload = OBJ(GOOD),
     .typ = "application/at+jwt",
     .kv = {"jwt.require_at_jwt=yes"},
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "require_at_jwt, typ JWT",
     .payload = OBJ(GOOD),
     .typ = "JWT",
     .kv = {"jwt.require_at_jwt=yes"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "require_at_jwt, no typ",
     .payload = OBJ(GOOD),
     .typ = NOTYP,
     .kv = {"jwt.require_at_jwt=yes"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "require_at_jwt, typ at+jwt+evil",
     .payload = OBJ(GOOD),
     .typ = "at+jwt+evil",
     .kv = {"jwt.require_at_jwt=yes"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "no require_at_jwt, typ JWT",
     .payload = OBJ(GOOD),
     .typ = "JWT",
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "no require_at_jwt, no typ",
     .payload = OBJ(GOOD),
     .typ = NOTYP,
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    /* the user */
    {.name = "sub missing",
     .payload = OBJ(ISS "," AUD "," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "sub a number",
     .payload = OBJ(ISS "," AUD ",\"sub\":1000," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "sub an array",
     .payload = OBJ(ISS "," AUD ",\"sub\":[\"alice\"]," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "sub empty",
     .payload = OBJ(ISS "," AUD ",\"sub\":\"\"," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "sub with a space",
     .payload = OBJ(ISS "," AUD ",\"sub\":\"alice x\"," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "sub with a newline",
     .payload = OBJ(ISS "," AUD ",\"sub\":\"alice\\nroot\"," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "sub with a NUL",
     .payload = OBJ(ISS "," AUD ",\"sub\":\"root\\u0000x\"," EXP),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_MALFORMED},
    {.name = "preferred_username as the user",
     .payload = OBJ(GOOD ",\"preferred_username\":\"bob\""),
     .kv = {"jwt.username_claim=preferred_username"},
     .verdict = ATOK_ACCEPT,
     .want_user = "bob",
     .want_scopes = ""},
    {.name = "preferred_username missing (sub present)",
     .payload = OBJ(GOOD),
     .kv = {"jwt.username_claim=preferred_username"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "preferred_username a number",
     .payload = OBJ(GOOD ",\"preferred_username\":7"),
     .kv = {"jwt.username_claim=preferred_username"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "user bound: alice asks as alice",
     .payload = OBJ(GOOD),
     .user = "alice",
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = ""},
    {.name = "user bound: alice's token for bob",
     .payload = OBJ(GOOD),
     .user = "bob",
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_USER_MISMATCH,
     .want_user = "alice"},
    {.name = "user bound: case matters",
     .payload = OBJ(GOOD),
     .user = "Alice",
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_USER_MISMATCH,
     .want_user = "alice"},
    /* scopes */
    {.name = "scope string",
     .payload = OBJ(GOOD ",\"scope\":\"read  write\""),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = "read write"},
    {.name = "scp array",
     .payload = OBJ(GOOD ",\"scp\":[\"read\",\"write\"]"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = "read write"},
    {.name = "scp string (Entra ID)",
     .payload = OBJ(GOOD ",\"scp\":\"read write\""),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = "read write"},
    {.name = "scope wins over scp",
     .payload = OBJ(GOOD ",\"scope\":\"read\",\"scp\":[\"admin\"]"),
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = "read"},
    {.name = "scope a number",
     .payload = OBJ(GOOD ",\"scope\":5"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "scope an object",
     .payload = OBJ(GOOD ",\"scope\":{\"read\":true}"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "scp array holding a number",
     .payload = OBJ(GOOD ",\"scp\":[\"read\",1]"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "scp array item with a space",
     .payload = OBJ(GOOD ",\"scp\":[\"read write\"]"),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "scope with a quote",
     .payload = OBJ(GOOD ",\"scope\":\"read \\\"x\""),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "scope with a control char",
     .payload = OBJ(GOOD ",\"scope\":\"read\\u0001\""),
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_CLAIMS},
    {.name = "required scope held",
     .payload = OBJ(GOOD ",\"scope\":\"read write\""),
     .scopes = {"write", "read"},
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = "read write"},
    {.name = "required scope held (scp)",
     .payload = OBJ(GOOD ",\"scp\":[\"read\",\"ssh\"]"),
     .scopes = {"ssh"},
     .verdict = ATOK_ACCEPT,
     .want_user = "alice",
     .want_scopes = "read ssh"},
    {.name = "required scope missing",
     .payload = OBJ(GOOD ",\"scope\":\"read write\""),
     .scopes = {"admin"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_SCOPE,
     .want_user = "alice"},
    {.name = "one of two required scopes missing",
     .payload = OBJ(GOOD ",\"scope\":\"read\""),
     .scopes = {"read", "write"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_SCOPE,
     .want_user = "alice"},
    {.name = "required scope a prefix of a held one",
     .payload = OBJ(GOOD ",\"scope\":\"readonly\""),
     .scopes = {"read"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_SCOPE,
     .want_user = "alice"},
    {.name = "required scope a suffix of a held one",
     .payload = OBJ(GOOD ",\"scope\":\"admin:read\""),
     .scopes = {"read"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_SCOPE,
     .want_user = "alice"},
    {.name = "required scope in other case",
     .payload = OBJ(GOOD ",\"scope\":\"READ\""),
     .scopes = {"read"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_SCOPE,
     .want_user = "alice"},
    {.name = "required scope, token has none",
     .payload = OBJ(GOOD),
     .scopes = {"read"},
     .verdict = ATOK_REJECT,
     .why = ATOK_WHY_SCOPE,
     .want_user = "alice"},
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
	char *tok =
	    jh_token("RS256", jh_header("RS256"),
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
	tok =
	    jh_token("ES256", jh_header("ES256"),
	             OBJ("\"iss\":\"https://evil.test\"," AUD "," SUB "," EXP));
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
	               OBJ(GOOD ",\"jti\":\""
	                        "0123456789012345678901234567890"
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
		T_EQ_INT(res.verdict, ATOK_ACCEPT,
		         "cache pass %d: accepted (%s)", i, res.reason);
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
