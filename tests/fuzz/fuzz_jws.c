/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_jws.c - libFuzzer harness for the JWS/JWT path: atok_verify() on a
 * verifier built once with a fixed [jwt] section, the committed test JWKS
 * and HMAC secret (tests/fixtures/jwt), so parsing and signatures both run.
 * The seeds (mkcorpus.sh) verify at FUZZ_NOW; a mutation accepted with a
 * signature that no committed key made would be a forgery, so the only
 * accepted user is the one the seeds name.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atok.h"
#include "config.h"

#define FUZZ_NOW 1800000000LL

static struct atok_verifier *v;
static char dir[] = "/tmp/fuzz_jws.XXXXXX", jwks[1100], sec[1100];

/* jwks_file is re-read when it changes, so it stays until exit. */
static void cleanup(void)
{
	remove(jwks);
	remove(sec);
	remove(dir);
}

static void copy(const char *d, const char *name, char *out, size_t outsz)
{
	char src[1024], buf[65536];
	FILE *in, *o;
	size_t n;

	snprintf(src, sizeof(src), "%s/%s", FUZZ_JWT_FIXTURES, name);
	snprintf(out, outsz, "%s/%s", d, name);
	if ((in = fopen(src, "rb")) == NULL || (o = fopen(out, "wb")) == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, o);
	fclose(in);
	fclose(o);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char kv[1200];
	const char *fixed[] = {
	    "jwt.issuer=https://issuer.test", "jwt.audience=api://apitoken",
	    ("jwt.algorithms=RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 "
	     "ES512 EdDSA HS256 HS384 HS512"),
	    "jwt.cache_ttl=0", "jwt.leeway=60"};
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	size_t i;

	umask(077);
	if (cfg == NULL || mkdtemp(dir) == NULL)
		abort();
	copy(dir, "jwks.json", jwks, sizeof(jwks));
	copy(dir, "hmac.secret", sec, sizeof(sec));
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (atok_config_set_dotted(cfg, fixed[i], &err) != 0)
			abort();
	snprintf(kv, sizeof(kv), "jwt.jwks_file=%s", jwks);
	if (atok_config_set_dotted(cfg, kv, &err) != 0)
		abort();
	snprintf(kv, sizeof(kv), "jwt.hmac_secret_file=%s", sec);
	if (atok_config_set_dotted(cfg, kv, &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0) {
		fprintf(stderr, "fuzz_jws: %s\n", err.msg);
		abort();
	}
	atok_config_free(&cfg);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct atok_request req = {0};
	struct atok_result res;

	req.token = (const char *)data;
	req.token_len = size;
	req.now = FUZZ_NOW;
	if (atok_verify(v, &req, &res) == ATOK_ACCEPT &&
	    strcmp(res.user, "fuzz-user") != 0)
		abort();
	if (getenv("FUZZ_JWS_DEBUG") != NULL) /* to check the seeds */
		fprintf(stderr, "verdict %s: %s\n",
		        atok_verdict_name(res.verdict), res.reason);
	return 0;
}
