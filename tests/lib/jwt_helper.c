/* SPDX-License-Identifier: BSD-3-Clause */
/* jwt_helper.c - test JWTs and verifiers (jwt_helper.h). */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "atok.h"
#include "b64url.h"
#include "config.h"
#include "fixture.h"
#include "jwt_helper.h"
#include "tap.h"

#ifndef JWT_FIXTURES
#define JWT_FIXTURES "tests/fixtures/jwt"
#endif

const struct jh_alg jh_algs[JH_N_ALGS] = {
    {"RS256", "rsa2048-a", "rsa-a", "SHA256", 0, 0},
    {"RS384", "rsa2048-a", "rsa-a", "SHA384", 0, 0},
    {"RS512", "rsa2048-a", "rsa-a", "SHA512", 0, 0},
    {"PS256", "rsa2048-a", "rsa-a", "SHA256", 1, 0},
    {"PS384", "rsa2048-a", "rsa-a", "SHA384", 1, 0},
    {"PS512", "rsa2048-a", "rsa-a", "SHA512", 1, 0},
    {"ES256", "ec-p256", "ec-256", "SHA256", 0, 32},
    {"ES384", "ec-p384", "ec-384", "SHA384", 0, 48},
    {"ES512", "ec-p521", "ec-521", "SHA512", 0, 66},
    {"EdDSA", "ed25519", "ed-1", NULL, 0, 0},
    {"HS256", NULL, NULL, "SHA256", 0, 0},
    {"HS384", NULL, NULL, "SHA384", 0, 0},
    {"HS512", NULL, NULL, "SHA512", 0, 0},
};

char jh_jwks_path[600], jh_secret_path[600];

void jh_bail(const char *what)
{
	printf("Bail out! %s\n", what);
	(void)fflush(stdout);
	exit(99);
}

const struct jh_alg *jh_alg(const char *alg)
{
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(jh_algs); i++)
		if (strcmp(jh_algs[i].alg, alg) == 0)
			return &jh_algs[i];
	jh_bail(alg);
}

char *jh_slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", JWT_FIXTURES, name);
	if ((f = fopen(path, "rb")) == NULL)
		jh_bail(path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		jh_bail(path);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		jh_bail(path);
	buf[n] = '\0';
	(void)fclose(f); /* read only: nothing left to write */
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

const unsigned char *jh_hmac(size_t *len)
{
	static char *s;
	static size_t n;

	if (s == NULL) {
		s = jh_slurp("hmac.secret", &n);
		if (n > 0 && s[n - 1] == '\n')
			n--;
	}
	*len = n;
	return (const unsigned char *)s;
}

EVP_PKEY *jh_key(const char *pem)
{
	static struct {
		char name[32];
		EVP_PKEY *k;
	} cache[16];
	char path[1024];
	size_t i;
	FILE *f;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(cache) && cache[i].k; i++)
		if (strcmp(cache[i].name, pem) == 0)
			return cache[i].k;
	if (i == ATOK_ARRAY_SIZE_T(cache))
		jh_bail("key cache full");
	snprintf(path, sizeof(path), "%s/%s.pem", JWT_FIXTURES, pem);
	if ((f = fopen(path, "r")) == NULL)
		jh_bail(path);
	cache[i].k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	(void)fclose(f); /* read only */
	if (cache[i].k == NULL)
		jh_bail(path);
	snprintf(cache[i].name, sizeof(cache[i].name), "%s", pem);
	return cache[i].k;
}

size_t jh_sign_bytes(const char *alg, EVP_PKEY *key, const unsigned char *hmac,
                     size_t hmac_len, const char *in, size_t len, int der,
                     unsigned char *sig)
{
	const struct jh_alg *a = jh_alg(alg);
	unsigned char buf[2048];
	size_t n = sizeof(buf);
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;

	if (alg[0] == 'H') {
		if (EVP_Q_mac(NULL, "HMAC", NULL, a->md, NULL, hmac, hmac_len,
		              (const unsigned char *)in, len, sig, 64,
		              &n) == NULL)
			jh_bail("HMAC");
		return n;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(ctx, &pctx, a->md, NULL, NULL, key, NULL) !=
	        1)
		jh_bail("DigestSignInit");
	if (a->pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) !=
	         1))
		jh_bail("PSS");
	if (EVP_DigestSign(ctx, buf, &n, (const unsigned char *)in, len) != 1)
		jh_bail("DigestSign");
	EVP_MD_CTX_free(ctx);
	if (a->ec_bytes && !der) {
		const unsigned char *p = buf;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
		const BIGNUM *r, *s;
		if (es == NULL)
			jh_bail("d2i_ECDSA_SIG");
		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, sig, a->ec_bytes);
		BN_bn2binpad(s, sig + a->ec_bytes, a->ec_bytes);
		ECDSA_SIG_free(es);
		return 2 * (size_t)a->ec_bytes;
	}
	memcpy(sig, buf, n);
	return n;
}

char *jh_token_ex(const char *alg, EVP_PKEY *key, const unsigned char *hmac,
                  size_t hmac_len, const char *header, const char *payload,
                  int der)
{
	size_t hl = strlen(header), pl = strlen(payload), n;
	char *tok = malloc(2 * (hl + pl) + 3000);
	unsigned char sig[2048];

	if (tok == NULL)
		jh_bail("malloc");
	n = atok_b64url_encode((const unsigned char *)header, hl, tok);
	tok[n++] = '.';
	n += atok_b64url_encode((const unsigned char *)payload, pl, tok + n);
	if (key == NULL && alg[0] != 'H')
		key = jh_key(jh_alg(alg)->pem);
	if (hmac == NULL && alg[0] == 'H')
		hmac = jh_hmac(&hmac_len);
	{
		size_t sl =
		    jh_sign_bytes(alg, key, hmac, hmac_len, tok, n, der, sig);
		tok[n++] = '.';
		atok_b64url_encode(sig, sl, tok + n);
	}
	return tok;
}

char *jh_token(const char *alg, const char *header, const char *payload)
{
	return jh_token_ex(alg, NULL, NULL, 0, header, payload, 0);
}

const char *jh_header(const char *alg)
{
	static char h[256];
	const struct jh_alg *a = jh_alg(alg);

	if (a->kid != NULL)
		snprintf(h, sizeof(h),
		         "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"at+jwt\"}",
		         alg, a->kid);
	else
		snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"at+jwt\"}",
		         alg);
	return h;
}

const char *jh_claims(const char *user, const char *scope)
{
	static char p[1024];

	snprintf(p, sizeof(p),
	         "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\","
	         "\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,\"jti\":\"j-1\","
	         "\"scope\":\"%s\"}",
	         JH_ISS, JH_AUD, user, JH_NOW + 600, JH_NOW - 10, JH_NOW - 10,
	         scope);
	return p;
}

const char *jh_copy(const char *name, const char *as, mode_t mode)
{
	char *text = jh_slurp(name, NULL);
	const char *p = fx_file(as, text, mode);

	free(text);
	return p;
}

void jh_setup(void)
{
	fx_tmpdir();
	snprintf(jh_jwks_path, sizeof(jh_jwks_path), "%s",
	         jh_copy("jwks.json", "jwks.json", 0600));
	snprintf(jh_secret_path, sizeof(jh_secret_path), "%s",
	         jh_copy("hmac.secret", "hmac.secret", 0600));
}

int jh_verifier_try(const char *const *kv, struct atok_verifier **v,
                    struct atok_error *err)
{
	const char *defaults[][2] = {
	    {"jwt.issuer", JH_ISS},
	    {"jwt.audience", JH_AUD},
	    {"jwt.jwks_file", jh_jwks_path},
	    {"jwt.algorithms", JH_ALL_ALGS},
	    {"jwt.hmac_secret_file", jh_secret_path},
	};
	struct atok_config *cfg = atok_config_new();
	char arg[1200];
	size_t i, j, n;
	int r = 0;

	*v = NULL;
	for (i = 0; r == 0 && i < ATOK_ARRAY_SIZE_T(defaults); i++) {
		int skip = 0;
		n = strlen(defaults[i][0]);
		for (j = 0; kv != NULL && kv[j] != NULL; j++) {
			const char *k = kv[j][0] == '-' ? kv[j] + 1 : kv[j];
			if (strncmp(k, defaults[i][0], n) == 0 &&
			    (k[n] == '=' || k[n] == '\0'))
				skip = 1;
		}
		if (skip)
			continue;
		snprintf(arg, sizeof(arg), "%s=%s", defaults[i][0],
		         defaults[i][1]);
		r = atok_config_set_dotted(cfg, arg, err);
	}
	for (j = 0; r == 0 && kv != NULL && kv[j] != NULL; j++)
		if (kv[j][0] != '-')
			r = atok_config_set_dotted(cfg, kv[j], err);
	if (r == 0)
		r = atok_verifier_new(cfg, v, err);
	atok_config_free(&cfg);
	return r;
}

struct atok_verifier *jh_verifier(const char *const *kv)
{
	struct atok_verifier *v;
	struct atok_error err = {0};

	if (jh_verifier_try(kv, &v, &err) != 0) {
		printf("# verifier: %s\n", err.msg);
		jh_bail("cannot build the verifier");
	}
	return v;
}

enum atok_verdict jh_verify(struct atok_verifier *v, const char *tok,
                            size_t len, const char *user,
                            const char *const *scopes, size_t n_scopes,
                            struct atok_result *res)
{
	struct atok_request req = {0};

	req.token = tok;
	req.token_len = len;
	req.user = user;
	req.scopes = scopes;
	req.n_scopes = n_scopes;
	req.now = JH_NOW;
	return atok_verify(v, &req, res);
}

const char *jh_jwks_variant(const char *as, const char *kid, const char *member,
                            const char *value)
{
	json_error_t jerr;
	json_t *root, *keys, *k;
	size_t i;
	char *text;
	const char *p;

	root = json_load_file(jh_jwks_path, 0, &jerr);
	keys = json_object_get(root, "keys");
	json_array_foreach(keys, i, k)
	{
		if (strcmp(json_string_value(json_object_get(k, "kid")), kid) !=
		    0)
			continue;
		if (value == NULL)
			json_object_del(k, member);
		else
			json_object_set_new(
			    k, member,
			    json_loads(value, JSON_DECODE_ANY, &jerr));
	}
	text = json_dumps(root, 0);
	p = fx_file(as, text, 0600);
	free(text);
	json_decref(root);
	return p;
}
