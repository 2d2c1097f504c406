/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_jwt - JWT verifications per second through the core (atok_verify)
 * against bare EVP_DigestVerify (or HMAC) on the same key and token, and a
 * repeated token through the verified-token cache.
 *
 *   bench_jwt                 timed run of every algorithm, prints a table
 *   bench_jwt ALG MODE N      N verifications only (for callgrind):
 *                             MODE = core | bare | cached
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "atok.h"
#include "b64url.h"
#include "config.h"
#include "fixture.h"
#include "jwt_helper.h"
#include "timing.h"

static const char *algs[] = {"RS256", "PS256", "ES256", "EdDSA", "HS256"};
#define N_ALGS 5

struct fixture {
	const char *alg;
	EVP_PKEY *pkey;
	unsigned char hmac[32];
	char token[4096];
	const char *input; /* signing input: header.payload */
	size_t input_len;
	unsigned char
	    sig[1024]; /* as the bare verifier wants it (DER for ES) */
	size_t sig_len;
	struct atok_verifier *v, *v_cached;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_jwt: %s\n", what);
	exit(1);
}

static void b64(const unsigned char *p, size_t n, char *out)
{
	atok_b64url_encode(p, n, out);
}

/* The public key as a JWK member list. */
static void jwk_of(struct fixture *f, char *out, size_t outsz)
{
	unsigned char buf[600];
	char x[800], y[800];
	BIGNUM *n = NULL, *e = NULL;
	size_t len = 0;

	if (strcmp(f->alg, "RS256") == 0 || strcmp(f->alg, "PS256") == 0) {
		EVP_PKEY_get_bn_param(f->pkey, OSSL_PKEY_PARAM_RSA_N, &n);
		EVP_PKEY_get_bn_param(f->pkey, OSSL_PKEY_PARAM_RSA_E, &e);
		b64(buf, (size_t)BN_bn2bin(n, buf), x);
		b64(buf, (size_t)BN_bn2bin(e, buf), y);
		snprintf(out, outsz,
		         "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":"
		         "\"%s\"}",
		         f->alg, x, y);
		BN_free(n);
		BN_free(e);
	} else if (strcmp(f->alg, "ES256") == 0) {
		EVP_PKEY_get_octet_string_param(
		    f->pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len);
		b64(buf + 1, 32, x);
		b64(buf + 33, 32, y);
		snprintf(out, outsz,
		         "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\","
		         "\"x\":\"%s\",\"y\":\"%s\"}",
		         f->alg, x, y);
	} else {
		len = sizeof(buf);
		EVP_PKEY_get_raw_public_key(f->pkey, buf, &len);
		b64(buf, len, x);
		snprintf(out, outsz,
		         "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"%s\","
		         "\"x\":\"%s\"}",
		         f->alg, x);
	}
}

static void make_token(struct fixture *f)
{
	char header[256], payload[1024], hb[512], pb[1500], sb[3000];
	unsigned char sig[2048];
	size_t sig_len, hl;
	long now = (long)time(NULL);

	snprintf(header, sizeof(header),
	         "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", f->alg,
	         f->alg);
	/* A realistic access token (RFC 9068 claims). */
	snprintf(payload, sizeof(payload),
	         "{\"iss\":\"https://idp.example.com/realms/corp\",\"aud\":"
	         "[\"urn:apitoken:bench\",\"account\"],\"sub\":\"f1c2a7e0-"
	         "5b1d-4d8e-9a43-0c6f2b7d9e11\",\"preferred_username\":"
	         "\"alice\",\"client_id\":\"ssh-gateway\",\"scope\":\"openid "
	         "ssh imap smtp\",\"iat\":%ld,\"nbf\":%ld,\"exp\":%ld,"
	         "\"jti\":\"4f1b2c3d-9e8f-4a5b-8c7d-6e5f4a3b2c1d\"}",
	         now, now, now + 3600);
	b64((unsigned char *)header, strlen(header), hb);
	b64((unsigned char *)payload, strlen(payload), pb);
	hl = (size_t)snprintf(f->token, sizeof(f->token), "%s.%s", hb, pb);
	/* As the bare verifier wants the signature (DER for ES) ... */
	sig_len = jh_sign_bytes(f->alg, f->pkey, f->hmac, sizeof(f->hmac),
	                        f->token, hl, 1, sig);
	if (sig_len > sizeof(f->sig))
		die("signature too long");
	memcpy(f->sig, sig, sig_len);
	f->sig_len = sig_len;
	/* ... and as the token carries it (R||S for ES): signed again. */
	sig_len = jh_sign_bytes(f->alg, f->pkey, f->hmac, sizeof(f->hmac),
	                        f->token, hl, 0, sig);
	b64(sig, sig_len, sb);
	snprintf(f->token + hl, sizeof(f->token) - hl, ".%s", sb);
	f->input = f->token;
	f->input_len = hl;
}

static struct atok_verifier *verifier_for(struct fixture *f, int cache)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_error err = {0};
	char path[512], name[64], jwk[2048], jwks[2100];
	FILE *fp;

	if (f->pkey != NULL) {
		jwk_of(f, jwk, sizeof(jwk));
		snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", jwk);
		snprintf(name, sizeof(name), "jwks-%s.json", f->alg);
		snprintf(path, sizeof(path), "%s", fx_file(name, jwks, 0600));
	}
	if (atok_config_set(cfg, "jwt", "issuer",
	                    "https://idp.example.com/realms/corp", &err) ||
	    atok_config_set(cfg, "jwt", "audience", "urn:apitoken:bench",
	                    &err) ||
	    atok_config_set(cfg, "jwt", "algorithms", f->alg, &err) ||
	    atok_config_set(cfg, "jwt", "username_claim", "preferred_username",
	                    &err) ||
	    atok_config_set(cfg, "jwt", "cache_ttl", cache ? "60" : "0", &err))
		die(err.msg);
	if (strcmp(f->alg, "HS256") == 0) {
		snprintf(path, sizeof(path), "%s/hmac", fx_dir);
		fp = fopen(path, "w");
		fwrite(f->hmac, 1, 32, fp);
		fclose(fp);
		chmod(path, 0600);
		atok_config_set(cfg, "jwt", "hmac_secret_file", path, &err);
	} else {
		atok_config_set(cfg, "jwt", "jwks_file", path, &err);
	}
	if (atok_verifier_new(cfg, &v, &err) != 0)
		die(err.msg);
	atok_config_free(&cfg);
	return v;
}

static void setup(struct fixture *f, const char *alg)
{
	memset(f, 0, sizeof(*f));
	f->alg = alg;
	if (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0)
		f->pkey = EVP_RSA_gen(2048);
	else if (strcmp(alg, "ES256") == 0)
		f->pkey = EVP_EC_gen("P-256");
	else if (strcmp(alg, "EdDSA") == 0)
		f->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		RAND_bytes(f->hmac, 32);
	if (f->pkey == NULL && strcmp(alg, "HS256") != 0)
		die("keygen");
	make_token(f);
	f->v = verifier_for(f, 0);
	f->v_cached = verifier_for(f, 1);
}

/* One bare verification: what a program calling OpenSSL directly does. */
__attribute__((noinline)) static int bare(struct fixture *f)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char mac[32];
	size_t mac_len = 0;
	int ok;

	if (f->pkey == NULL) {
		EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, f->hmac, 32,
		          (const unsigned char *)f->input, f->input_len, mac,
		          sizeof(mac), &mac_len);
		return CRYPTO_memcmp(mac, f->sig, 32) == 0;
	}
	ctx = EVP_MD_CTX_new();
	EVP_DigestVerifyInit(ctx, &pctx,
	                     strcmp(f->alg, "EdDSA") == 0 ? NULL : EVP_sha256(),
	                     NULL, f->pkey);
	if (strcmp(f->alg, "PS256") == 0) {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
	}
	ok = EVP_DigestVerify(ctx, f->sig, f->sig_len,
	                      (const unsigned char *)f->input,
	                      f->input_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

__attribute__((noinline)) static int core(struct fixture *f,
                                          struct atok_verifier *v)
{
	struct atok_request req = {0};
	struct atok_result res;
	static const char *const need[] = {"ssh"};

	req.token = f->token;
	req.token_len = strlen(f->token);
	req.user = "alice";
	req.scopes = need;
	req.n_scopes = 1;
	return atok_verify(v, &req, &res) == ATOK_ACCEPT;
}

/* Runs fn n times; returns verifications per second. */
static double rate(struct fixture *f, int mode, long n)
{
	double t0 = timing_now();
	long i;

	for (i = 0; i < n; i++) {
		int ok = mode == 0   ? bare(f)
		         : mode == 1 ? core(f, f->v)
		                     : core(f, f->v_cached);
		if (!ok)
			die("a verification failed");
	}
	return (double)n / (timing_now() - t0);
}

int main(int argc, char **argv)
{
	struct fixture f;
	int i;

	fx_tmpdir(); /* removed at exit */
	if (argc == 4) {
		long n = atol(argv[3]), k;
		int mode = strcmp(argv[2], "bare") == 0   ? 0
		           : strcmp(argv[2], "core") == 0 ? 1
		                                          : 2;
		setup(&f, argv[1]);
		for (k = 0; k < n; k++)
			if (!(mode == 0   ? bare(&f)
			      : mode == 1 ? core(&f, f.v)
			                  : core(&f, f.v_cached)))
				die("a verification failed");
		return 0;
	}
	printf("%-6s %6s %12s %12s %7s %14s\n", "alg", "bytes", "bare/s",
	       "core/s", "ratio", "repeated/s");
	for (i = 0; i < N_ALGS; i++) {
		double b, c, r;
		long n = strcmp(algs[i], "HS256") == 0 ? 200000 : 4000;
		setup(&f, algs[i]);
		rate(&f, 0, n / 10); /* warm up */
		rate(&f, 1, n / 10);
		b = rate(&f, 0, n);
		c = rate(&f, 1, n);
		r = rate(&f, 2, 300000);
		printf("%-6s %6zu %12.0f %12.0f %6.2fx %14.0f\n", algs[i],
		       strlen(f.token), b, c, b / c, r);
		fflush(stdout);
		atok_verifier_free(&f.v);
		atok_verifier_free(&f.v_cached);
		EVP_PKEY_free(f.pkey);
	}
	return 0;
}
