/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built SASL plugin driven through the real libsasl2 from many threads
 * at once, as a threaded host does (slapd: one sasl_server_init, real
 * mutexes through sasl_set_mutex, then sasl_server_new / _start / _step
 * per connection on whichever thread serves it).  Every thread runs
 * OAUTHBEARER and XOAUTH2 exchanges with a local token, RS256 and ES256
 * JWTs checked against a jwks_file, and a revoked token; every outcome
 * must be the single-threaded one.
 *
 * ATOK_TEST_ROUNDS overrides the rounds per thread (tests/style/threads.sh
 * runs fewer under helgrind).
 */
#include "ac_config.h"

#include <pthread.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <time.h>

#include "tap.h"

#include "atok.h"
#include "fixture.h"
#include "jwt_helper.h"
#include "live_tokens.h"
#include "local.h"
#include "oauth_parse.h"
#include "sasl_cb.h"
#include "store.h"
#include "threads.h"

#ifndef SASL_PLUGIN_DIR
#error "SASL_PLUGIN_DIR must name the directory of the built plugin"
#endif

#define THREADS 8
#define ROUNDS  50

static const char *conf_path;
static int rounds = ROUNDS;

/* One exchange every thread runs each round, and what it must end in. */
static struct case_ {
	const char *name, *mech;
	char *tok;
	int rc1, rc2; /* rc2: after "\x01" when rc1 is SASL_CONTINUE */
	const char *user;
	char msg[OAUTH_MSG_MAX];
	size_t len;
} cases[] = {
    {.name = "OAUTHBEARER, local token",
     .mech = "OAUTHBEARER",
     .rc1 = SASL_OK,
     .user = "alice",
     .msg = ""},
    {.name = "XOAUTH2, RS256 JWT",
     .mech = "XOAUTH2",
     .rc1 = SASL_OK,
     .user = "alice",
     .msg = ""},
    {.name = "OAUTHBEARER, ES256 JWT",
     .mech = "OAUTHBEARER",
     .rc1 = SASL_OK,
     .user = "alice",
     .msg = ""},
    {.name = "OAUTHBEARER, revoked local token",
     .mech = "OAUTHBEARER",
     .rc1 = SASL_CONTINUE,
     .rc2 = SASL_BADAUTH,
     .user = "",
     .msg = ""},
};
#define NCASES ATOK_ARRAY_SIZE_T(cases)
_Static_assert(NCASES <= TT_CASES_MAX, "more cases than tt_worker holds");

/* Real mutexes for libsasl2, as threaded hosts install them. */
static void *mutex_alloc(void)
{
	pthread_mutex_t *m = malloc(sizeof(*m));

	if (m != NULL && pthread_mutex_init(m, NULL) != 0) {
		free(m);
		m = NULL;
	}
	return m;
}

static int mutex_lock(void *m)
{
	return pthread_mutex_lock(m) == 0 ? SASL_OK : SASL_FAIL;
}

static int mutex_unlock(void *m)
{
	return pthread_mutex_unlock(m) == 0 ? SASL_OK : SASL_FAIL;
}

static void mutex_free(void *m)
{
	pthread_mutex_destroy(m);
	free(m);
}

static int cb_log(void *ctx, int level, const char *message)
{
	(void)ctx;
	if (getenv("TEST_SASL_VERBOSE") != NULL)
		fprintf(stderr, "# log %d: %s\n", level, message);
	return SASL_OK;
}

static const struct scb_opt opts[] = {
    {"apitoken_config", .var = &conf_path},
    {.name = NULL},
};

static sasl_callback_t server_cbs[] = {
    {SASL_CB_LOG, SCB_FN(&cb_log), NULL},
    {SASL_CB_GETPATH, SCB_FN(&scb_getpath), (void *)SASL_PLUGIN_DIR},
    {SASL_CB_GETOPT, SCB_FN(&scb_getopt), (void *)opts},
    {SASL_CB_LIST_END, NULL, NULL},
};

static void setup(void)
{
	char text[2000];
	size_t c;
	long n;

	jh_setup();
	snprintf(text, sizeof(text),
	         "[store]\npath = %s/tokens.db\n"
	         "[jwt]\nissuer = %s\naudience = %s\n"
	         "algorithms = RS256 ES256\njwks_file = %s\n",
	         fx_dir, JH_ISS, JH_AUD, jh_jwks_path);
	conf_path = strdup(fx_file("apitoken.conf", text, 0600));
	if (conf_path == NULL)
		jh_bail("out of memory");
	live_local_pair(conf_path, "imap", &cases[0].tok, &cases[3].tok);
	cases[1].tok = live_jwt("RS256", JH_AUD, "imap");
	cases[2].tok = live_jwt("ES256", JH_AUD, "imap");
	for (c = 0; c < NCASES; c++) {
		if (strcmp(cases[c].mech, "XOAUTH2") == 0)
			n = oauth_build_xoauth2(
			    "alice", cases[c].tok, strlen(cases[c].tok),
			    cases[c].msg, sizeof(cases[c].msg));
		else
			n = oauth_build_oauthbearer(
			    NULL, "mail.example.com", 143, cases[c].tok,
			    strlen(cases[c].tok), cases[c].msg,
			    sizeof(cases[c].msg));
		if (n < 0)
			jh_bail(oauth_parse_strerror((int)n));
		cases[c].len = (size_t)n;
	}
}

/* One server exchange; "" when it ended as the case says, else what
 * happened. */
static void exchange(const struct case_ *c, char *why, size_t whysz)
{
	sasl_conn_t *conn = NULL;
	const char *out = NULL;
	const void *user = NULL;
	unsigned outlen = 0;
	int rc1, rc2 = 0, r;

	why[0] = '\0';
	r = sasl_server_new("imap", "mail.example.com", NULL, "127.0.0.1;143",
	                    "127.0.0.1;40000", NULL, 0, &conn);
	if (r != SASL_OK) {
		snprintf(why, whysz, "sasl_server_new: %d", r);
		return;
	}
	rc1 = sasl_server_start(conn, c->mech, c->msg, (unsigned)c->len, &out,
	                        &outlen);
	if (rc1 == SASL_CONTINUE)
		rc2 = sasl_server_step(conn, "\x01", 1, &out, &outlen);
	if (rc1 != SASL_OK ||
	    sasl_getprop(conn, SASL_USERNAME, &user) != SASL_OK || user == NULL)
		user = "";
	if (rc1 != c->rc1 || rc2 != c->rc2 ||
	    strcmp((const char *)user, c->user) != 0)
		snprintf(why, whysz, "rc %d/%d user \"%.40s\": %.80s", rc1, rc2,
		         (const char *)user, sasl_errdetail(conn));
	sasl_dispose(&conn);
}

static void *run(void *arg)
{
	struct tt_worker *w = arg;
	char why[160];
	size_t c;
	int i;

	for (i = 0; i < rounds; i++) {
		for (c = 0; c < NCASES; c++) {
			exchange(&cases[c], why, sizeof(why));
			if (why[0] != '\0')
				tt_wrong(w, c, "%s", why);
			w->done++;
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	struct tt_worker w[THREADS];
	const char *env = getenv("ATOK_TEST_ROUNDS");
	int r, done = 0, started = 0;
	size_t c;

	if (env != NULL && atoi(env) > 0)
		rounds = atoi(env);
	setup();
	sasl_set_mutex(mutex_alloc, mutex_lock, mutex_unlock, mutex_free);
	if ((r = sasl_server_init(server_cbs, "test_sasl_threads")) !=
	    SASL_OK) {
		printf("Bail out! sasl_server_init: %s\n",
		       sasl_errstring(r, NULL, NULL));
		return 99;
	}
	started = tt_start(t, w, THREADS, run);
	T_EQ_INT(started, THREADS, "%d threads started", THREADS);
	done = tt_join(t, w, started, NULL);
	T_EQ_INT(done, started * rounds * (int)NCASES,
	         "every exchange ran (%d threads x %d rounds x %zu "
	         "exchanges)",
	         started, rounds, NCASES);
	for (c = 0; c < NCASES; c++) {
		const char *last;
		int wrong = tt_tally(w, started, c, &last);

		if (!T_OK(wrong == 0,
		          "%s: same outcome from every thread, "
		          "every round",
		          cases[c].name))
			printf("#   %d wrong outcomes, e.g. %s\n", wrong, last);
	}
	sasl_done();
	for (c = 0; c < NCASES; c++)
		free(cases[c].tok);
	free((void *)conf_path);
	return t_done();
}
