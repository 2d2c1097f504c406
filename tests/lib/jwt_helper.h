/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jwt_helper.h - JWTs signed at test time with the committed TEST-ONLY keys
 * in tests/fixtures/jwt (regenerate with mktestdata.sh), and verifiers
 * built from atok_config_set() over a private temp directory
 * (tests/lib/libatoktest.la, which is built with JWT_FIXTURES naming that
 * directory).  Set-up errors bail out: "Bail out! WHAT", exit 99.
 */
#ifndef ATOK_TEST_JWT_HELPER_H
#define ATOK_TEST_JWT_HELPER_H

#include <stddef.h>
#include <sys/types.h>

/* What the header-only jwt_helper.h included, which the tests that
 * include this one use. */
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "atok.h"
#include "b64url.h"
#include "config.h"
#include "fixture.h"

#define JH_NOW 1800000000LL
#define JH_ISS "https://issuer.test"
#define JH_AUD "api://apitoken"
#define JH_ALL_ALGS                                                            \
	"RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 "   \
	"HS384 HS512"

/* Which committed key signs each alg, and its kid in jwks.json. */
struct jh_alg {
	const char *alg, *pem, *kid, *md;
	int pss, ec_bytes;
};

/* Every algorithm of JH_ALL_ALGS, in that order. */
#define JH_N_ALGS 13
extern const struct jh_alg jh_algs[JH_N_ALGS];

/* After jh_setup(): the copies of jwks.json and hmac.secret in fx_dir. */
extern char jh_jwks_path[600], jh_secret_path[600];

/* Prints "Bail out! what" and exits 99. */
__attribute__((noreturn)) void jh_bail(const char *what);

/* The row of jh_algs for alg; bails out on an unknown alg. */
const struct jh_alg *jh_alg(const char *alg);

/* Reads a fixture (or any absolute path) into a malloc'd NUL-terminated
 * buffer, which the caller frees; its length into *len unless len is
 * NULL.  Bails out when it cannot. */
char *jh_slurp(const char *name, size_t *len);

/* The committed HMAC secret, without its trailing newline: read once,
 * kept for the life of the process. */
const unsigned char *jh_hmac(size_t *len);

/* The committed private key tests/fixtures/jwt/PEM.pem: read once, kept
 * for the life of the process (the caller does not free it). */
EVP_PKEY *jh_key(const char *pem);

/*
 * Signs in[0..len) with key (or, for HS*, with hmac) as alg says; writes the
 * JWS signature (ES: fixed-width R||S unless der) to sig, which holds 2048
 * bytes.  Returns its length; bails out when OpenSSL fails.
 */
size_t jh_sign_bytes(const char *alg, EVP_PKEY *key, const unsigned char *hmac,
                     size_t hmac_len, const char *in, size_t len, int der,
                     unsigned char *sig);

/* header and payload (JSON texts, used byte for byte) signed by alg with
 * key (NULL: the alg's committed key) or hmac (NULL: the committed HMAC
 * secret).  Returns a malloc'd token, which the caller frees. */
char *jh_token_ex(const char *alg, EVP_PKEY *key, const unsigned char *hmac,
                  size_t hmac_len, const char *header, const char *payload,
                  int der);

/* jh_token_ex with the committed key or secret, fixed-width signatures. */
char *jh_token(const char *alg, const char *header, const char *payload);

/* A standard header: alg, the alg's committed kid (unless HS*), typ.  In a
 * static buffer, overwritten by the next call. */
const char *jh_header(const char *alg);

/* Good claims for user at JH_NOW.  In a static buffer, overwritten by the
 * next call. */
const char *jh_claims(const char *user, const char *scope);

/* Copies a fixture into the temp dir as `as` with mode (git keeps no
 * modes); returns the path as fx_file() does. */
const char *jh_copy(const char *name, const char *as, mode_t mode);

/* Makes the temp dir (fx_tmpdir) and copies jwks.json and hmac.secret into
 * it, at jh_jwks_path and jh_secret_path. */
void jh_setup(void);

/*
 * A verifier for JH_ISS / JH_AUD, every algorithm, jwks_file = dir/jwks.json
 * and hmac_secret_file = dir/hmac.secret (both copied by jh_setup), then
 * the "section.key=value" overrides in kv (NULL-terminated; may be NULL).
 * A key named in kv replaces its default; "-section.key" drops a default.
 * Returns 0 with the verifier in *v (the caller frees it), or the error of
 * the configuration or of atok_verifier_new, with err set.
 */
int jh_verifier_try(const char *const *kv, struct atok_verifier **v,
                    struct atok_error *err);

/* jh_verifier_try that bails out on an error. */
struct atok_verifier *jh_verifier(const char *const *kv);

/* atok_verify at JH_NOW with an optional user and scopes. */
enum atok_verdict jh_verify(struct atok_verifier *v, const char *tok,
                            size_t len, const char *user,
                            const char *const *scopes, size_t n_scopes,
                            struct atok_result *res);

/* Writes a modified copy of jwks.json: member set to value (a JSON text;
 * NULL deletes it) in the key whose kid is kid.  Returns the path as
 * fx_file() does. */
const char *jh_jwks_variant(const char *as, const char *kid, const char *member,
                            const char *value);

#endif
