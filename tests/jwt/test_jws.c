/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for common/jws.c and common/jwk.c through the one path: strict
 * parsing, every algorithm signed at test time with the committed keys,
 * every bit flip and truncation, and the key-selection policy; and the
 * signer of client assertions, checked by the verifier.
 */
#include "ac_config.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tap.h"

#include "jws.h"
#include "jwt_helper.h"

static struct atok_verifier *v_all;

/* A token from literal header/payload JSON and a literal signature part. */
static char *raw_token(const char *header, const char *payload, const char *sig)
{
	char *t =
	    malloc(2 * (strlen(header) + strlen(payload)) + strlen(sig) + 8);
	size_t n;

	n = atok_b64url_encode((const unsigned char *)header, strlen(header),
	                       t);
	t[n++] = '.';
	n += atok_b64url_encode((const unsigned char *)payload, strlen(payload),
	                        t + n);
	t[n++] = '.';
	strcpy(t + n, sig);
	return t;
}

#define GOOD_HDR "{\"alg\":\"RS256\",\"kid\":\"rsa-a\"}"

static void test_parse_table(void)
{
	static char longkid[300], kid128[300];
	static const struct row {
		const char *name;
		const char *raw;     /* the token as is, or NULL */
		const char *header;  /* else header JSON ... */
		const char *payload; /* ... payload JSON (NULL: claims) */
		int sign; /* sign with RS256/rsa-a; else sig "AAAA" */
		int rc;   /* atok_jws_parse */
		enum atok_verdict verdict; /* through atok_verify */
	} rows[] = {
	    {.name = "two parts",
	     .raw = "eyJhbGciOiJSUzI1NiJ9.e30",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "four parts",
	     .raw = "eyJhbGciOiJSUzI1NiJ9.e30.AAAA.AAAA",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "one part",
	     .raw = "eyJhbGciOiJSUzI1NiJ9",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "only dots",
	     .raw = "..",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "empty header",
	     .raw = ".e30.AAAA",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "empty payload",
	     .raw = "eyJhbGciOiJSUzI1NiJ9..AAAA",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "empty signature (alg none style)",
	     .raw = "eyJhbGciOiJub25lIn0.e30.",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "padded header",
	     .raw = "eyJhbGciOiJSUzI1NiJ9==.e30.AAAA",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "'+' in signature",
	     .raw = "eyJhbGciOiJSUzI1NiJ9.e30.AA+A",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "'/' in signature",
	     .raw = "eyJhbGciOiJSUzI1NiJ9.e30.AA/A",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "space in payload",
	     .raw = "eyJhbGciOiJSUzI1NiJ9.e3 0.AAAA",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "signature length%4==1",
	     .raw = "eyJhbGciOiJSUzI1NiJ9.e30.AAAAA",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "header not JSON",
	     .header = "{\"alg\":",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "header an array",
	     .header = "[\"RS256\"]",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "header a string",
	     .header = "\"RS256\"",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "header null",
	     .header = "null",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "header with trailing garbage",
	     .header = GOOD_HDR "x",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "payload an array",
	     .header = GOOD_HDR,
	     .payload = "[1,2]",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "payload a string",
	     .header = GOOD_HDR,
	     .payload = "\"alice\"",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "payload a number",
	     .header = GOOD_HDR,
	     .payload = "42",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "duplicate alg in header",
	     .header =
	         "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"alg\":\"HS256\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "duplicate kid in header",
	     .header =
	         "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"kid\":\"rsa-b\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "duplicate sub in payload",
	     .header = GOOD_HDR,
	     .payload =
	         "{\"iss\":\"" JH_ISS "\",\"aud\":\"" JH_AUD "\","
	         "\"sub\":\"alice\",\"sub\":\"root\",\"exp\":1800000600}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "duplicate exp in payload",
	     .header = GOOD_HDR,
	     .payload = "{\"iss\":\"" JH_ISS "\",\"aud\":\"" JH_AUD "\","
	                "\"sub\":\"alice\",\"exp\":1,\"exp\":1800000600}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "no alg",
	     .header = "{\"kid\":\"rsa-a\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg not a string",
	     .header = "{\"alg\":256,\"kid\":\"rsa-a\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg none",
	     .header = "{\"alg\":\"none\"}",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg None",
	     .header = "{\"alg\":\"None\"}",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg NONE",
	     .header = "{\"alg\":\"NONE\"}",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg rs256 (case)",
	     .header = "{\"alg\":\"rs256\",\"kid\":\"rsa-a\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg unknown (RS1)",
	     .header = "{\"alg\":\"RS1\",\"kid\":\"rsa-a\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg ES256K",
	     .header = "{\"alg\":\"ES256K\"}",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg Ed25519 (not the JOSE name)",
	     .header = "{\"alg\":\"Ed25519\"}",
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "alg RS256 with NUL tail",
	     .header = "{\"alg\":\"RS256\\u0000\",\"kid\":\"rsa-a\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "crit present",
	     .header =
	         "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"crit\":[\"exp\"],"
	         "\"exp\":1}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "crit empty",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"crit\":[]}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "crit b64 (RFC 7797)",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"b64\":false,"
	               "\"crit\":[\"b64\"]}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "cty JWT (nested)",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"cty\":\"JWT\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "cty jwt (nested, lower case)",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"cty\":\"jwt\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "cty not a string",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"cty\":1}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "kid empty",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"\"}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "kid a number",
	     .header = "{\"alg\":\"RS256\",\"kid\":1}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "kid too long (129)",
	     .header = longkid,
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "kid of 128 parses (no such key)",
	     .header = kid128,
	     .sign = 1,
	     .verdict = ATOK_REJECT},
	    {.name = "typ not a string",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"typ\":[]}",
	     .sign = 1,
	     .rc = ATOK_ERR_MALFORMED,
	     .verdict = ATOK_REJECT},
	    {.name = "jku present, ignored",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"jku\":"
	               "\"https://evil.test/jwks\"}",
	     .sign = 1,
	     .verdict = ATOK_ACCEPT},
	    {.name = "x5u present, ignored",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"x5u\":"
	               "\"https://evil.test/cert\"}",
	     .sign = 1,
	     .verdict = ATOK_ACCEPT},
	    {.name = "x5c present, ignored",
	     .header =
	         "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"x5c\":[\"MIIB\"]}",
	     .sign = 1,
	     .verdict = ATOK_ACCEPT},
	    {.name = "jwk present, ignored",
	     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"jwk\":{\"kty\":"
	               "\"oct\","
	               "\"k\":\"AAAA\"}}",
	     .sign = 1,
	     .verdict = ATOK_ACCEPT},
	    {.name = "cty other, accepted",
	     .header =
	         "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"cty\":\"x-test\"}",
	     .sign = 1,
	     .verdict = ATOK_ACCEPT},
	    {.name = "control: good token",
	     .header = GOOD_HDR,
	     .sign = 1,
	     .verdict = ATOK_ACCEPT},
	};
	size_t i;

	snprintf(longkid, sizeof(longkid),
	         "{\"alg\":\"RS256\",\"kid\":\"%0129d\"}", 0);
	snprintf(kid128, sizeof(kid128),
	         "{\"alg\":\"RS256\",\"kid\":\"%0128d\"}", 0);
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		const struct row *r = &rows[i];
		const char *payload =
		    r->payload ? r->payload : jh_claims("alice", "read");
		char *tok = r->raw    ? strdup(r->raw)
		            : r->sign ? jh_token("RS256", r->header, payload)
		                      : raw_token(r->header, payload, "AAAA");
		struct atok_jws jws;
		struct atok_error err = {0};
		struct atok_result res;
		int rc = atok_jws_parse(tok, strlen(tok), &jws, &err);

		T_EQ_INT(rc, r->rc, "parse row %zu: %s (%s)", i, r->name,
		         err.msg);
		T_OK(rc != 0 || jws.signing_input != NULL,
		     "parse row %zu: %s: claims set on success", i, r->name);
		atok_jws_clear(&jws);
		jh_verify(v_all, tok, strlen(tok), NULL, NULL, 0, &res);
		T_EQ_INT(res.verdict, r->verdict, "verify row %zu: %s (%s)", i,
		         r->name, res.reason);
		free(tok);
	}
}

/* A token of exactly len bytes (HS256), or NULL when none was found. */
static char *token_of_length(size_t len)
{
	char payload[ATOK_JWS_MAX], header[128];
	int sp, p;

	for (sp = 0; sp < 4; sp++) {
		snprintf(header, sizeof(header),
		         "{\"alg\":\"HS256\",%*s"
		         "\"typ\":\"at+jwt\"}",
		         sp, "");
		for (p = 0; p < 13000; p++) {
			char *t;
			snprintf(payload, sizeof(payload),
			         "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":"
			         "\"alice\",\"exp\":%lld,\"pad\":\"%0*d\"}",
			         JH_ISS, JH_AUD, JH_NOW + 600, p, 0);
			t = jh_token("HS256", header, payload);
			if (strlen(t) == len)
				return t;
			free(t);
			if (strlen(payload) * 4 / 3 > len)
				break;
		}
	}
	return NULL;
}

static void test_size_limit(void)
{
	char *t = token_of_length(ATOK_JWS_MAX), *u;
	struct atok_jws jws;
	struct atok_error err = {0};
	struct atok_result res;

	T_OK(t != NULL, "built a token of exactly %d bytes", ATOK_JWS_MAX);
	if (t != NULL) {
		T_EQ_INT(atok_jws_parse(t, strlen(t), &jws, &err), 0,
		         "%d bytes parse (%s)", ATOK_JWS_MAX, err.msg);
		atok_jws_clear(&jws);
		jh_verify(v_all, t, strlen(t), "alice", NULL, 0, &res);
		T_EQ_INT(res.verdict, ATOK_ACCEPT, "%d bytes accepted (%s)",
		         ATOK_JWS_MAX, res.reason);
		free(t);
	}
	u = token_of_length(ATOK_JWS_MAX + 1);
	T_OK(u != NULL, "built a token of %d bytes", ATOK_JWS_MAX + 1);
	if (u != NULL) {
		T_EQ_INT(atok_jws_parse(u, strlen(u), &jws, &err),
		         ATOK_ERR_TOO_LONG, "%d bytes refused by the parser",
		         ATOK_JWS_MAX + 1);
		atok_jws_clear(&jws);
		jh_verify(v_all, u, strlen(u), "alice", NULL, 0, &res);
		T_OK(res.verdict == ATOK_REJECT && res.why == ATOK_WHY_TOO_LONG,
		     "%d bytes rejected as too long (%s: %s)", ATOK_JWS_MAX + 1,
		     atok_why_name(res.why), res.reason);
		free(u);
	}
}

/* Every algorithm: accepted; every bit flip and truncation: refused. */
static void test_every_alg(void)
{
	size_t a;

	for (a = 0; a < ATOK_ARRAY_SIZE_T(jh_algs); a++) {
		const char *alg = jh_algs[a].alg;
		char *tok = jh_token(alg, jh_header(alg),
		                     jh_claims("alice", "read write"));
		size_t len = strlen(tok), i, flips = 0, accepted = 0,
		       unavailable = 0, trunc_acc = 0;
		struct atok_result res;
		char *m = malloc(len + 1);

		jh_verify(v_all, tok, len, "alice", NULL, 0, &res);
		T_EQ_INT(res.verdict, ATOK_ACCEPT, "%s: accepted (%s)", alg,
		         res.reason);
		T_EQ_STR(res.user, "alice", "%s: user", alg);
		T_EQ_STR(res.scopes, "read write", "%s: scopes", alg);
		T_OK(strcmp(res.alg, alg) == 0, "%s: result names the alg (%s)",
		     alg, res.alg);
		T_OK(strcmp(res.kid, jh_algs[a].kid ? jh_algs[a].kid : "") == 0,
		     "%s: result names the kid (%s)", alg, res.kid);
		T_EQ_INT(res.source, ATOK_SRC_JWT, "%s: source jwt", alg);

		for (i = 0; i < len; i++) {
			int b;
			for (b = 0; b < 8; b++) {
				memcpy(m, tok, len + 1);
				m[i] = (char)(m[i] ^ (1 << b));
				flips++;
				jh_verify(v_all, m, len, NULL, NULL, 0, &res);
				if (res.verdict == ATOK_ACCEPT) {
					accepted++;
					if (accepted < 4)
						T_DIAG("%s: flip byte %zu bit "
						       "%d accepted",
						       alg, i, b);
				} else if (res.verdict == ATOK_UNAVAILABLE)
					unavailable++;
			}
		}
		T_OK(accepted == 0,
		     "%s: %zu of %zu single-bit flips accepted (%zu "
		     "unavailable)",
		     alg, accepted, flips, unavailable);
		for (i = 0; i < len; i++) {
			jh_verify(v_all, tok, i, NULL, NULL, 0, &res);
			if (res.verdict == ATOK_ACCEPT)
				trunc_acc++;
		}
		T_OK(trunc_acc == 0, "%s: %zu of %zu truncations accepted", alg,
		     trunc_acc, len);
		free(m);
		free(tok);
	}
}

/* One policy row: token through a verifier, expected verdict and why. */
static void expect(struct atok_verifier *v, const char *tok,
                   enum atok_verdict verdict, enum atok_why why,
                   const char *name)
{
	struct atok_result res;

	jh_verify(v, tok, strlen(tok), NULL, NULL, 0, &res);
	if (verdict == ATOK_ACCEPT)
		T_EQ_INT(res.verdict, verdict, "%s (%s)", name, res.reason);
	else
		T_OK(res.verdict == verdict && res.why == why,
		     "%s: %s/%s (got %s/%s: %s)", name,
		     atok_verdict_name(verdict), atok_why_name(why),
		     atok_verdict_name(res.verdict), atok_why_name(res.why),
		     res.reason);
}

/* Replaces a token's signature part by sig[0..n). */
static char *resign(const char *tok, const unsigned char *sig, size_t n)
{
	const char *d = strrchr(tok, '.');
	char *t = malloc((size_t)(d - tok) + 2 + n * 2);

	memcpy(t, tok, (size_t)(d - tok) + 1);
	atok_b64url_encode(sig, n, t + (d - tok) + 1);
	return t;
}

static char *ec_with_sig_len(size_t want)
{
	char *tok = jh_token("ES256", jh_header("ES256"),
	                     jh_claims("alice", "read")),
	     *t;
	unsigned char sig[200];
	size_t n = 0;
	const char *d = strrchr(tok, '.');

	atok_b64url_decode(d + 1, strlen(d + 1), sig, sizeof(sig), &n);
	if (want > n)
		memset(sig + n, 0, want - n);
	t = resign(tok, sig, want);
	free(tok);
	return t;
}

/* The public key's JWK members, for an attacker's `jwk` header. */
static void rsa_jwk_members(EVP_PKEY *k, char *out, size_t outsz)
{
	BIGNUM *n = NULL, *e = NULL;
	unsigned char nb[600], eb[8];
	char ns[900], es[16];
	int nl, el;

	EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
	EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
	nl = BN_bn2bin(n, nb);
	el = BN_bn2bin(e, eb);
	atok_b64url_encode(nb, (size_t)nl, ns);
	atok_b64url_encode(eb, (size_t)el, es);
	snprintf(out, outsz, "\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"", ns,
	         es);
	BN_free(n);
	BN_free(e);
}

static void test_policy(void)
{
	const char *claims = jh_claims("alice", "read");
	struct atok_verifier *v;
	char *t, hdr[2048], jwk[1200];
	size_t len;
	char *pem, *der;

	/* alg not in [jwt] algorithms */
	{
		const char *kv[] = {"jwt.algorithms=RS256",
		                    "-jwt.hmac_secret_file", NULL};
		v = jh_verifier(kv);
		t = jh_token("ES256", jh_header("ES256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "ES256 while algorithms = RS256");
		free(t);
		t = jh_token("HS256", jh_header("HS256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "HS256 while algorithms = RS256");
		free(t);
		t = jh_token("PS256", jh_header("PS256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "PS256 (same key type) while algorithms = RS256");
		free(t);
		t = jh_token("RS256", jh_header("RS256"), claims);
		expect(v, t, ATOK_ACCEPT, 0, "control: RS256 accepted");
		free(t);
		atok_verifier_free(&v);
	}

	/* HS256 keyed with the RSA public key (the confusion attack). */
	pem = jh_slurp("rsa2048-a.pub.pem", &len);
	t = jh_token_ex("HS256", NULL, (unsigned char *)pem, len,
	                "{\"alg\":\"HS256\",\"kid\":\"rsa-a\"}", claims, 0);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "HS256 keyed with rsa-a's public PEM, HS256 allowed");
	{
		const char *kv[] = {"jwt.algorithms=RS256",
		                    "-jwt.hmac_secret_file", NULL};
		v = jh_verifier(kv);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "HS256 keyed with rsa-a's public PEM, only RS256");
		atok_verifier_free(&v);
	}
	free(t);
	free(pem);
	der = jh_slurp("rsa2048-a.pub.der", &len);
	t = jh_token_ex("HS256", NULL, (unsigned char *)der, len,
	                "{\"alg\":\"HS256\",\"kid\":\"rsa-a\"}", claims, 0);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "HS256 keyed with rsa-a's public DER");
	free(t);
	free(der);
	pem = jh_slurp("jwks.json", &len);
	t = jh_token_ex("HS256", NULL, (unsigned char *)pem, len,
	                "{\"alg\":\"HS256\"}", claims, 0);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "HS256 keyed with the JWKS text");
	free(t);
	free(pem);

	/* Key type must match the alg. */
	t = jh_token("RS256", "{\"alg\":\"RS256\",\"kid\":\"ec-256\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "RS256 token whose kid is an EC key");
	free(t);
	t = jh_token("ES256", "{\"alg\":\"ES256\",\"kid\":\"rsa-a\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "ES256 token whose kid is an RSA key");
	free(t);
	t = jh_token("ES256", "{\"alg\":\"ES256\",\"kid\":\"ec-384\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "ES256 token whose kid is a P-384 key");
	free(t);
	t = jh_token("ES384", "{\"alg\":\"ES384\",\"kid\":\"ec-256\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "ES384 token whose kid is a P-256 key");
	free(t);
	t = jh_token("EdDSA", "{\"alg\":\"EdDSA\",\"kid\":\"ec-256\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "EdDSA token whose kid is an EC key");
	free(t);
	t = jh_token("HS256", "{\"alg\":\"HS256\",\"kid\":\"rsa-a\"}", claims);
	expect(v_all, t, ATOK_ACCEPT, 0,
	       "HS256 with the configured secret: kid plays no part");
	free(t);

	/* RSA keys under 2048 bits. */
	t = jh_token_ex("RS256", jh_key("rsa1024"), NULL, 0,
	                "{\"alg\":\"RS256\",\"kid\":\"rsa-short\"}", claims, 0);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "RS256 with a 1024-bit RSA key");
	free(t);
	t = jh_token_ex("PS256", jh_key("rsa1024"), NULL, 0,
	                "{\"alg\":\"PS256\",\"kid\":\"rsa-short\"}", claims, 0);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "PS256 with a 1024-bit RSA key");
	free(t);
	{
		const char *kv[] = {"jwt.jwks_file=", NULL};
		char arg[700];
		snprintf(arg, sizeof(arg), "jwt.jwks_file=%s",
		         jh_copy("rsa1024.jwks.json", "short.json", 0600));
		kv[0] = arg;
		v = NULL;
		{
			struct atok_error err = {0};
			int r = jh_verifier_try(kv, &v, &err);
			T_OK(r != 0 || v != NULL,
			     "a set holding only a 1024-bit key: %s",
			     r ? err.msg : "loads");
		}
		if (v != NULL) {
			t = jh_token_ex("RS256", jh_key("rsa1024"), NULL, 0,
			                "{\"alg\":\"RS256\"}", claims, 0);
			expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
			       "RS256, no kid, the one key is 1024 bits");
			free(t);
			atok_verifier_free(&v);
		}
	}

	/* ES signatures: R||S of the curve's size, nothing else. */
	t = jh_token_ex("ES256", NULL, NULL, 0, jh_header("ES256"), claims, 1);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "ES256 with a DER signature");
	free(t);
	t = ec_with_sig_len(63);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "ES256 signature of 63 bytes");
	free(t);
	t = ec_with_sig_len(65);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "ES256 signature of 65 bytes");
	free(t);
	t = ec_with_sig_len(96);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "ES256 signature of 96 bytes (P-384 size)");
	free(t);
	t = ec_with_sig_len(1);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "ES256 signature of 1 byte");
	free(t);
	{
		unsigned char zero[64] = {0};
		char *g = jh_token("ES256", jh_header("ES256"), claims);
		t = resign(g, zero, 64);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
		       "ES256 signature r = s = 0");
		free(t);
		memset(zero, 0xff, sizeof(zero));
		t = resign(g, zero, 64);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
		       "ES256 signature r = s = 2^256-1 (over the order)");
		free(t);
		free(g);
	}

	/* kid resolution */
	t = jh_token("RS256", "{\"alg\":\"RS256\",\"kid\":\"no-such-kid\"}",
	             claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_NO_KEY, "unknown kid");
	free(t);
	t = jh_token("RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-b\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
	       "signed by rsa-a, kid names rsa-b");
	free(t);
	t = jh_token("ES256", "{\"alg\":\"ES256\"}", claims);
	expect(v_all, t, ATOK_ACCEPT, 0,
	       "ES256, no kid, exactly one P-256 key in the set");
	free(t);
	t = jh_token("EdDSA", "{\"alg\":\"EdDSA\"}", claims);
	expect(v_all, t, ATOK_ACCEPT, 0,
	       "EdDSA, no kid, exactly one Ed25519 key in the set");
	free(t);
	t = jh_token("RS256", "{\"alg\":\"RS256\"}", claims);
	expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
	       "RS256, no kid, two RSA keys fit");
	free(t);
	{
		char arg[700];
		const char *kv[] = {arg, NULL};
		snprintf(arg, sizeof(arg), "jwt.jwks_file=%s",
		         jh_copy("rsa2048-a.jwks.json", "one-rsa.json", 0600));
		v = jh_verifier(kv);
		t = jh_token("RS256", "{\"alg\":\"RS256\"}", claims);
		expect(v, t, ATOK_ACCEPT, 0,
		       "RS256, no kid, a set of exactly one RSA key");
		free(t);
		t = jh_token("ES256", "{\"alg\":\"ES256\"}", claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "ES256, no kid, the one key is RSA");
		free(t);
		atok_verifier_free(&v);
	}
	{
		char arg[700];
		const char *kv[] = {arg, NULL};
		snprintf(arg, sizeof(arg), "jwt.jwks_file=%s",
		         jh_jwks_variant("dupkid.json", "rsa-b", "kid",
		                         "\"rsa-a\""));
		v = jh_verifier(kv);
		t = jh_token("RS256", jh_header("RS256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "two keys in the set share the token's kid");
		free(t);
		atok_verifier_free(&v);
	}

	/* The JWK's own alg and use. */
	{
		char arg[700];
		const char *kv[] = {arg, NULL};
		snprintf(arg, sizeof(arg), "jwt.jwks_file=%s",
		         jh_jwks_variant("alg512.json", "rsa-a", "alg",
		                         "\"RS512\""));
		v = jh_verifier(kv);
		t = jh_token("RS256", jh_header("RS256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "JWK alg RS512, token RS256");
		free(t);
		t = jh_token("PS512", jh_header("PS512"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "JWK alg RS512, token PS512");
		free(t);
		t = jh_token("RS512", jh_header("RS512"), claims);
		expect(v, t, ATOK_ACCEPT, 0, "JWK alg RS512, token RS512");
		free(t);
		atok_verifier_free(&v);
		snprintf(
		    arg, sizeof(arg), "jwt.jwks_file=%s",
		    jh_jwks_variant("enc.json", "rsa-a", "use", "\"enc\""));
		v = jh_verifier(kv);
		t = jh_token("RS256", jh_header("RS256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "JWK use enc, token RS256 names it");
		free(t);
		atok_verifier_free(&v);
		snprintf(arg, sizeof(arg), "jwt.jwks_file=%s",
		         jh_jwks_variant("oaep.json", "rsa-a", "alg",
		                         "\"RSA-OAEP\""));
		v = jh_verifier(kv);
		t = jh_token("RS256", jh_header("RS256"), claims);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "JWK alg RSA-OAEP (an encryption key)");
		free(t);
		atok_verifier_free(&v);
	}

	/* The attacker's own key in the header is never used. */
	{
		EVP_PKEY *evil = EVP_RSA_gen(2048);
		char arg[700];
		const char *kv[] = {arg, NULL};

		rsa_jwk_members(evil, jwk, sizeof(jwk));
		snprintf(hdr, sizeof(hdr),
		         "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"jwk\":{%s}}",
		         jwk);
		t = jh_token_ex("RS256", evil, NULL, 0, hdr, claims, 0);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
		       "jwk header with the attacker's key, kid rsa-a");
		free(t);
		snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"jwk\":{%s}}",
		         jwk);
		t = jh_token_ex("RS256", evil, NULL, 0, hdr, claims, 0);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_ALG,
		       "jwk header with the attacker's key, no kid");
		snprintf(arg, sizeof(arg), "jwt.jwks_file=%s",
		         jh_copy("rsa2048-a.jwks.json", "one-rsa2.json", 0600));
		v = jh_verifier(kv);
		expect(v, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
		       "jwk header with the attacker's key, no kid, one-key "
		       "set");
		free(t);
		snprintf(hdr, sizeof(hdr),
		         "{\"alg\":\"RS256\",\"kid\":\"evil\",\"jwk\":{\"kid\":"
		         "\"evil\",%s}}",
		         jwk);
		t = jh_token_ex("RS256", evil, NULL, 0, hdr, claims, 0);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_NO_KEY,
		       "jwk header with the attacker's key and its kid");
		free(t);
		t = jh_token_ex("RS256", evil, NULL, 0,
		                "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"jku\":"
		                "\"https://evil.test/jwks.json\"}",
		                claims, 0);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
		       "jku to the attacker's set, signed by the attacker");
		free(t);
		t = jh_token_ex(
		    "RS256", evil, NULL, 0,
		    "{\"alg\":\"RS256\",\"kid\":\"rsa-a\",\"x5u\":"
		    "\"https://evil.test/c.pem\",\"x5c\":[\"MIIB\"]}",
		    claims, 0);
		expect(v_all, t, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE,
		       "x5u/x5c from the attacker, signed by the attacker");
		free(t);
		atok_verifier_free(&v);
		EVP_PKEY_free(evil);
	}

	/* Stripping the signature or switching to none never helps. */
	{
		char *g = jh_token("RS256", jh_header("RS256"), claims), *d;
		d = strrchr(g, '.');
		d[1] = '\0';
		expect(v_all, g, ATOK_REJECT, ATOK_WHY_MALFORMED,
		       "signature part stripped");
		free(g);
		g = raw_token("{\"alg\":\"none\"}", claims, "");
		expect(v_all, g, ATOK_REJECT, ATOK_WHY_MALFORMED,
		       "alg none, empty signature");
		free(g);
	}
}

/*
 * BUG (lead: common/jws.c atok_jws_parse): the decode buffer is sized for
 * the payload, but the header is decoded into it too; a header longer
 * than the payload overflows the heap (up to ~1.5 KiB of attacker bytes,
 * before any signature check).  Run first so a crash is named here.
 */
static void test_header_longer_than_payload(void)
{
	char hdr[1700];
	struct atok_jws jws;
	struct atok_error err = {0};
	struct atok_result res;
	char *t;

	snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"x\":\"%01500d\"}", 0);
	T_DIAG("a 1.5 KiB header with the payload {}: if this program dies "
	       "here, atok_jws_parse overflowed its buffer");
	t = jh_token("HS256", hdr, "{}");
	T_EQ_INT(atok_jws_parse(t, strlen(t), &jws, &err), 0,
	         "long header, payload {}: parses (%s)", err.msg);
	atok_jws_clear(&jws);
	jh_verify(v_all, t, strlen(t), NULL, NULL, 0, &res);
	T_OK(res.verdict == ATOK_REJECT && res.why == ATOK_WHY_CLAIMS,
	     "long header, payload {}: rejected for its claims (%s)",
	     res.reason);
	free(t);
	t = raw_token("{\"alg\":\"RS256\",\"kid\":\"rsa-a\"}", "{}", "AAAA");
	T_EQ_INT(atok_jws_parse(t, strlen(t), &jws, &err), 0,
	         "header 20 chars, payload 3 chars: parses (%s)", err.msg);
	atok_jws_clear(&jws);
	free(t);
}

/* Signs with the committed private key pem, then parses the token and
 * verifies it with the public key of jwks (and fails with other_jwks). */
static void sign_and_verify(const char *pem_name, const char *jwks_name,
                            const char *other_jwks, enum atok_jws_alg alg)
{
	static struct atok_jws jws;
	static const char claims[] =
	    "{\"iss\":\"c1\",\"sub\":\"c1\",\"aud\":\"https://as.test/token\"}";
	struct atok_jws_signer *s = NULL;
	struct atok_jwks *ks = NULL, *other = NULL;
	struct atok_error err = {0};
	size_t len;
	char *pem = jh_slurp(pem_name, &len), *json, *tok = NULL;

	T_EQ_INT(atok_jws_signer_new(pem, len, &s, &err), 0, "signer from %s",
	         pem_name);
	free(pem);
	if (s == NULL)
		return;
	T_EQ_INT(atok_jws_signer_alg(s), alg, "%s signs %s", pem_name,
	         atok_jws_alg_name(alg));
	T_EQ_INT(atok_jws_sign(s, claims, strlen(claims), &tok, &err), 0,
	         "%s: signed", pem_name);
	T_EQ_INT(atok_jws_parse(tok, strlen(tok), &jws, &err), 0,
	         "%s: the token parses", pem_name);
	T_OK(jws.alg == alg && strcmp(jws.typ, "JWT") == 0 && !jws.has_kid,
	     "%s: header {\"alg\":\"%s\",\"typ\":\"JWT\"}", pem_name,
	     atok_jws_alg_name(alg));
	T_OK(jws.claims.n == 3 && atok_json_get(&jws.claims, "aud") != NULL,
	     "%s: the payload as given", pem_name);
	if (alg == ATOK_ALG_ES256)
		T_EQ_INT(jws.sig_len, 64, "%s: R||S, 64 bytes", pem_name);
	json = jh_slurp(jwks_name, &len);
	T_EQ_INT(atok_jwks_parse(json, len, &ks, &err), 0, "%s parses",
	         jwks_name);
	free(json);
	json = jh_slurp(other_jwks, &len);
	T_EQ_INT(atok_jwks_parse(json, len, &other, &err), 0, "%s parses",
	         other_jwks);
	free(json);
	if (ks != NULL && other != NULL) {
		T_EQ_INT(atok_jws_verify(&jws, &ks->keys[0], NULL, &err), 0,
		         "%s: verified with %s", pem_name, jwks_name);
		T_EQ_INT(atok_jws_verify(&jws, &other->keys[0], NULL, &err),
		         ATOK_ERR_SIGNATURE, "%s: refused with %s", pem_name,
		         other_jwks);
	}
	atok_jws_clear(&jws);
	atok_jwks_free(&ks);
	atok_jwks_free(&other);
	free(tok);
	atok_jws_signer_free(&s);
	T_OK(s == NULL, "%s: signer freed", pem_name);
}

/*
 * Keys made here, refused: a 256-bit EC key on another curve than P-256
 * (secp256k1 would be signed as "ES256" and refused by every server), and
 * the P-256 fixture encrypted with a passphrase, refused without asking
 * for one (OpenSSL's default would prompt on the terminal).
 */
static void test_signer_refuses_generated(void)
{
	struct atok_jws_signer *s = NULL;
	struct atok_error err = {0};
	EVP_PKEY *k256k1, *p256;
	BIO *in, *b1 = BIO_new(BIO_s_mem()), *b2 = BIO_new(BIO_s_mem());
	char *pem, *data;
	size_t len;
	long n;

	k256k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	T_OK(k256k1 != NULL && b1 != NULL && b2 != NULL &&
	         PEM_write_bio_PrivateKey(b1, k256k1, NULL, NULL, 0, NULL,
	                                  NULL) == 1,
	     "a secp256k1 key in PEM");
	n = BIO_get_mem_data(b1, &data);
	T_EQ_INT(atok_jws_signer_new(data, (size_t)n, &s, &err),
	         ATOK_ERR_INVALID, "no signer from a secp256k1 key: %s",
	         err.msg);
	T_OK(s == NULL, "secp256k1: nothing returned");

	pem = jh_slurp("ec-p256.pem", &len);
	in = BIO_new_mem_buf(pem, (int)len);
	p256 = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;
	T_OK(p256 != NULL &&
	         PEM_write_bio_PrivateKey(b2, p256, EVP_aes_128_cbc(),
	                                  (const unsigned char *)"secret", 6,
	                                  NULL, NULL) == 1,
	     "the P-256 key encrypted in PEM");
	n = BIO_get_mem_data(b2, &data);
	T_EQ_INT(atok_jws_signer_new(data, (size_t)n, &s, &err),
	         ATOK_ERR_INVALID,
	         "no signer from an encrypted key, no passphrase asked: %s",
	         err.msg);
	T_OK(s == NULL, "encrypted: nothing returned");
	free(pem);
	BIO_free(in);
	BIO_free(b1);
	BIO_free(b2);
	EVP_PKEY_free(k256k1);
	EVP_PKEY_free(p256);
}

static void test_signer(void)
{
	static const char *const refused[] = {
	    "rsa1024.pem",       /* RSA under 2048 bits */
	    "ec-p384.pem",       /* ES256 needs P-256 */
	    "ec-p521.pem",       /* idem */
	    "ed25519.pem",       /* no EdDSA assertion */
	    "ec-p256.pub.pem",   /* a public key */
	    "rsa2048-a.pub.pem", /* idem */
	    "jwks.json",         /* no PEM at all */
	};
	struct atok_jws_signer *s = NULL;
	struct atok_error err = {0};
	size_t i, len;
	char *pem, *big, *tok = NULL;

	sign_and_verify("rsa2048-a.pem", "rsa2048-a.jwks.json",
	                "rsa2048-b.jwks.json", ATOK_ALG_RS256);
	sign_and_verify("ec-p256.pem", "ec-p256.jwks.json",
	                "rsa2048-a.jwks.json", ATOK_ALG_ES256);
	for (i = 0; i < ATOK_ARRAY_SIZE_T(refused); i++) {
		pem = jh_slurp(refused[i], &len);
		T_EQ_INT(atok_jws_signer_new(pem, len, &s, &err),
		         ATOK_ERR_INVALID, "no signer from %s: %s", refused[i],
		         err.msg);
		T_OK(s == NULL, "%s: nothing returned", refused[i]);
		free(pem);
	}
	test_signer_refuses_generated();
	pem = jh_slurp("ec-p256.pem", &len);
	T_EQ_INT(atok_jws_signer_new(pem, len / 2, &s, &err), ATOK_ERR_INVALID,
	         "no signer from half a PEM: %s", err.msg);
	T_EQ_INT(atok_jws_signer_new(pem, len, &s, &err), 0, "ES256 signer");
	free(pem);
	big = malloc(ATOK_JWS_MAX + 2);
	memset(big, ' ', ATOK_JWS_MAX + 1);
	big[ATOK_JWS_MAX + 1] = '\0';
	T_EQ_INT(atok_jws_sign(s, big, ATOK_JWS_MAX + 1, &tok, &err),
	         ATOK_ERR_TOO_LONG, "a payload over ATOK_JWS_MAX: %s", err.msg);
	T_OK(tok == NULL, "no token then");
	free(big);
	atok_jws_signer_free(&s);
	atok_jws_signer_free(&s);
	T_OK(s == NULL, "freeing twice is harmless");
}

int main(void)
{
	jh_setup();
	v_all = jh_verifier(NULL);
	test_header_longer_than_payload();
	test_parse_table();
	test_size_limit();
	test_policy();
	test_every_alg();
	test_signer();
	atok_verifier_free(&v_all);
	return t_done();
}
