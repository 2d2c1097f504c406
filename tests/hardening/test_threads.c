/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core verified from many threads at once, as a threaded libsasl2 host
 * would: each thread has its own verifier (a verifier is used by one
 * thread at a time); they share the store (and its WAL, written by every
 * thread's last_used update), the HMAC secret and JWKS files and OpenSSL.
 * Every verdict must be the single-threaded one.
 *
 * ATOK_TEST_ROUNDS overrides the rounds per thread (tests/style/threads.sh
 * runs fewer under helgrind).
 */
#include "ac_config.h"

#include <pthread.h>
#include <time.h>

#include "tap.h"

#include "atok.h"
#include "fixture.h"
#include "jwt_helper.h"
#include "live_tokens.h"
#include "local.h"
#include "store.h"
#include "threads.h"

#define THREADS 8
#define ROUNDS  300

static const char *const need[] = {"ssh"};

/* What every thread verifies each round, and the verdict and reason it
 * must get (an accepted token proves alice). */
static struct case_ {
	const char *name;
	char *tok;
	enum atok_verdict want;
	enum atok_why why;
} cases[] = {
    {"local token", NULL, ATOK_ACCEPT, ATOK_WHY_NONE},
    {"revoked local token", NULL, ATOK_REJECT, ATOK_WHY_REVOKED},
    {"HS256 JWT", NULL, ATOK_ACCEPT, ATOK_WHY_NONE},
    {"RS256 JWT (jwks_file)", NULL, ATOK_ACCEPT, ATOK_WHY_NONE},
    {"ES256 JWT (jwks_file)", NULL, ATOK_ACCEPT, ATOK_WHY_NONE},
    {"RS256 JWT, bad signature", NULL, ATOK_REJECT, ATOK_WHY_BAD_SIGNATURE},
    {"ES256 JWT, other audience", NULL, ATOK_REJECT, ATOK_WHY_AUDIENCE},
};
#define NCASES ATOK_ARRAY_SIZE_T(cases)
_Static_assert(NCASES <= TT_CASES_MAX, "more cases than tt_worker holds");

static char conf_path[600];
static int rounds = ROUNDS;

static void setup(void)
{
	char text[2000];
	char *bad;

	jh_setup();
	snprintf(text, sizeof(text),
	         "[store]\npath = %s/tokens.db\n"
	         "[jwt]\nissuer = %s\naudience = %s\n"
	         "algorithms = HS256 RS256 ES256\njwks_file = %s\n"
	         "hmac_secret_file = %s\ncache_ttl = 0\n",
	         fx_dir, JH_ISS, JH_AUD, jh_jwks_path, jh_secret_path);
	snprintf(conf_path, sizeof(conf_path), "%s",
	         fx_file("c.conf", text, 0600));
	live_local_pair(conf_path, "ssh", &cases[0].tok, &cases[1].tok);
	cases[2].tok = live_jwt("HS256", JH_AUD, "ssh");
	cases[3].tok = live_jwt("RS256", JH_AUD, "ssh");
	cases[4].tok = live_jwt("ES256", JH_AUD, "ssh");
	/* The RS256 token with the first signature byte changed. */
	bad = strdup(cases[3].tok);
	if (bad == NULL)
		jh_bail("strdup");
	{
		char *sig = strrchr(bad, '.') + 1;
		*sig = *sig == 'A' ? 'B' : 'A';
	}
	cases[5].tok = bad;
	cases[6].tok = live_jwt("ES256", "api://other", "ssh");
}

static void *run(void *arg)
{
	struct tt_worker *w = arg; /* ready: verifier built */
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_request req;
	struct atok_result res;
	struct atok_error err;
	enum atok_verdict got;
	size_t c;
	int i;

	if (cfg == NULL || atok_config_load_file(cfg, conf_path, &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0) {
		printf("# verifier: %s\n", err.msg);
		atok_config_free(&cfg);
		return NULL;
	}
	w->ready = 1;
	for (i = 0; i < rounds; i++) {
		for (c = 0; c < NCASES; c++) {
			memset(&req, 0, sizeof(req));
			req.token = cases[c].tok;
			req.token_len = strlen(cases[c].tok);
			req.user = "alice";
			req.scopes = need;
			req.n_scopes = 1;
			got = atok_verify(v, &req, &res);
			if (got != cases[c].want || res.why != cases[c].why ||
			    (got == ATOK_ACCEPT &&
			     strcmp(res.user, "alice") != 0))
				tt_wrong(w, c, "%s (%s)",
				         atok_verdict_name(got), res.reason);
			w->done++;
		}
	}
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	struct tt_worker w[THREADS];
	const char *env = getenv("ATOK_TEST_ROUNDS");
	int ready = 0, done = 0, started = 0;
	size_t c;

	if (env != NULL && atoi(env) > 0)
		rounds = atoi(env);
	setup();
	started = tt_start(t, w, THREADS, run);
	T_EQ_INT(started, THREADS, "%d threads started", THREADS);
	done = tt_join(t, w, started, &ready);
	T_EQ_INT(ready, started, "every thread built its own verifier");
	T_EQ_INT(done, started * rounds * (int)NCASES,
	         "every verification ran (%d threads x %d rounds x %zu "
	         "tokens)",
	         started, rounds, NCASES);
	for (c = 0; c < NCASES; c++) {
		const char *last;
		int wrong = tt_tally(w, started, c, &last);

		if (!T_OK(wrong == 0, "%s: %s from every thread, every round",
		          cases[c].name, atok_verdict_name(cases[c].want)))
			printf("#   %d wrong results, e.g. %s\n", wrong, last);
	}
	for (c = 0; c < NCASES; c++)
		free(cases[c].tok);
	return t_done();
}
