/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_sasl.c - figures, not pass/fail: complete OAUTHBEARER exchanges
 * per second through libsasl2 with the built plugin and a local token,
 * and with an RS256 JWT signed here with the committed test key
 * (tests/fixtures/jwt/rsa2048-a.pem, kid rsa-a; [jwt] jwks_file, no
 * network) on first use (a distinct token each exchange) and repeated (the
 * same token), against PLAIN with sasldb in the same process and run; and
 * the resident memory before and after N OAUTHBEARER exchanges (should
 * stay flat).
 *
 *   tests/sasl/bench_sasl [-n N] [-s SYSTEM_PLUGIN_DIR]
 *
 * SYSTEM_PLUGIN_DIR holds libplain.so and libsasldb.so (default: Debian's
 * multiarch directory).  Not part of `make check`.
 */
#include "ac_config.h"

#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atok.h"
#include "config.h"
#include "fixture.h"
#include "jwt_helper.h"
#include "local.h"
#include "oauth_parse.h"
#include "sasl_cb.h"
#include "store.h"
#include "timing.h"
#include "tokens.h"

static char plugin_path[2048];
static char conf_path[600], sasldb_path[600];

static const struct scb_opt opts[] = {
    {"apitoken_config", .value = conf_path},
    {"apitoken_scope", .value = "imap"},
    {"sasldb_path", .value = sasldb_path},
    {"pwcheck_method", .value = "auxprop"},
    {"auxprop_plugin", .value = "sasldb"},
    {"mech_list", .value = "PLAIN OAUTHBEARER"},
    {.name = NULL},
};

static int cb_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= SASL_LOG_ERR)
		fprintf(stderr, "sasl: %s\n", msg);
	return SASL_OK;
}

static sasl_callback_t cbs[] = {
    {SASL_CB_GETPATH, SCB_FN(&scb_getpath), plugin_path},
    {SASL_CB_GETOPT, SCB_FN(&scb_getopt), (void *)opts},
    {SASL_CB_LOG, SCB_FN(&cb_log), NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

#define JWT_MAX 1400

/* An RS256 JWT for alice, scope imap, jti "bench-<serial>", signed with
 * the committed key rsa2048-a (jh_token); 0, or -1 when it does not fit. */
static int jwt_mint(long serial, char *out, size_t outsz)
{
	static const char hdr[] = "{\"alg\":\"RS256\",\"typ\":\"at+jwt\","
	                          "\"kid\":\"rsa-a\"}";
	char claims[400], *tok;
	long now = (long)time(NULL);
	size_t n;

	snprintf(claims, sizeof(claims),
	         "{\"iss\":\"https://issuer.bench.example\",\"aud\":"
	         "\"urn:apitoken:bench\",\"sub\":\"alice\",\"scope\":\"imap\","
	         "\"iat\":%ld,\"exp\":%ld,\"jti\":\"bench-%ld\"}",
	         now, now + 3600, serial);
	tok = jh_token("RS256", hdr, claims);
	n = strlen(tok);
	if (n < outsz)
		memcpy(out, tok, n + 1);
	explicit_bzero(tok, n);
	free(tok);
	return n < outsz ? 0 : -1;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One complete exchange; returns the final SASL code. */
static int exchange(const char *mech, const char *msg, unsigned len)
{
	sasl_conn_t *conn = NULL;
	const char *out;
	unsigned outlen;
	int r;

	r = sasl_server_new("imap", "bench.example.com", NULL, NULL, NULL, NULL,
	                    0, &conn);
	if (r == SASL_OK)
		r = sasl_server_start(conn, mech, msg, len, &out, &outlen);
	sasl_dispose(&conn);
	return r;
}

/* n exchanges, each with its own message (msgs[i], lens[i]). */
static double run_each(char **msgs, const unsigned *lens, long n)
{
	double t0 = timing_now();
	long i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = exchange("OAUTHBEARER", msgs[i], lens[i])) !=
		    SASL_OK) {
			fprintf(stderr, "OAUTHBEARER (JWT) exchange %ld: %s\n",
			        i, sasl_errstring(r, NULL, NULL));
			exit(1);
		}
	}
	return (double)n / (timing_now() - t0);
}

static double run(const char *mech, const char *msg, unsigned len, long n)
{
	double t0 = timing_now();
	long i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = exchange(mech, msg, len)) != SASL_OK) {
			fprintf(stderr, "%s exchange %ld: %s\n", mech, i,
			        sasl_errstring(r, NULL, NULL));
			exit(1);
		}
	}
	return (double)n / (timing_now() - t0);
}

int main(int argc, char **argv)
{
	const char *sysdir = "/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/sasl2";
	struct atok_issue_params p = {"alice", "imap", "bench", 0, 0, NULL};
	struct atok_store *s = NULL;
	sasl_conn_t *conn = NULL;
	char tok[ATOK_LOCAL_TOKEN_LEN + 1], msg[512], text[4096];
	static const char plain[] = "\0alice\0secret";
	long n = 100000, rss0, rss1, i, nf;
	double ob, pl, jfirst, jrep;
	char jwt[JWT_MAX], jmsg[JWT_MAX + 100], **jmsgs;
	unsigned *jlens, jlen;
	int c, r;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 's')
			sysdir = optarg;
		else
			return 2;
	}
	fx_tmpdir();
	snprintf(plugin_path, sizeof(plugin_path), "%s:%s", SASL_PLUGIN_DIR,
	         sysdir);
	snprintf(sasldb_path, sizeof(sasldb_path), "%s/sasldb2", fx_dir);
	snprintf(text, sizeof(text), "%s/tokens.db", fx_dir);
	s = tk_store_admin(text);
	tk_issue_params(s, &p, tok);
	atok_store_close(&s);
	/* the committed test key set, copied (permission checks) */
	jh_copy("jwks.json", "jwks.json", 0644);
	snprintf(text, sizeof(text),
	         "[store]\npath = %s/tokens.db\n"
	         "update_last_used = no\n"
	         "[jwt]\nissuer = https://issuer.bench.example\n"
	         "audience = urn:apitoken:bench\n"
	         "jwks_file = %s/jwks.json\n"
	         "algorithms = RS256\n",
	         fx_dir, fx_dir);
	snprintf(conf_path, sizeof(conf_path), "%s",
	         fx_file("apitoken.conf", text, 0600));

	if ((r = sasl_server_init(cbs, "bench_sasl")) != SASL_OK) {
		fprintf(stderr, "sasl_server_init: %s\n",
		        sasl_errstring(r, NULL, NULL));
		return 1;
	}
	sasl_server_new("imap", "bench.example.com", NULL, NULL, NULL, NULL, 0,
	                &conn);
	r = sasl_setpass(conn, "alice", "secret", 6, NULL, 0, SASL_SET_CREATE);
	sasl_dispose(&conn);
	if (r != SASL_OK) {
		fprintf(stderr, "sasl_setpass (sasldb): %s\n",
		        sasl_errstring(r, NULL, NULL));
		return 1;
	}
	r = (int)oauth_build_oauthbearer("alice", "bench.example.com", 143, tok,
	                                 strlen(tok), msg, sizeof(msg));

	/* warm up, then the figures */
	run("OAUTHBEARER", msg, (unsigned)r, 1000);
	run("PLAIN", plain, sizeof(plain) - 1, 1000);
	ob = run("OAUTHBEARER", msg, (unsigned)r, n / 10);
	pl = run("PLAIN", plain, sizeof(plain) - 1, n / 10);
	printf("| exchanges/s (%ld each, one process) | %.0f OAUTHBEARER "
	       "(local token) | %.0f PLAIN (sasldb) | ratio %.2f |\n",
	       n / 10, ob, pl, ob / pl);

	/* JWT: nf distinct tokens (first use), then one token repeated */
	nf = n / 10 < 2000 ? n / 10 : 2000;
	if (nf < 1)
		nf = 1;
	jmsgs = calloc((size_t)nf, sizeof(*jmsgs));
	jlens = calloc((size_t)nf, sizeof(*jlens));
	if (jmsgs == NULL || jlens == NULL)
		return 1;
	for (i = 0; i < nf; i++) {
		long m;

		if (jwt_mint(i + 1, jwt, sizeof(jwt)) != 0 ||
		    (m = oauth_build_oauthbearer("alice", "bench.example.com",
		                                 143, jwt, strlen(jwt), jmsg,
		                                 sizeof(jmsg))) < 0 ||
		    (jmsgs[i] = malloc((size_t)m)) == NULL) {
			fprintf(stderr, "cannot mint JWT %ld\n", i);
			return 1;
		}
		memcpy(jmsgs[i], jmsg, (size_t)m);
		jlens[i] = (unsigned)m;
	}
	if (jwt_mint(0, jwt, sizeof(jwt)) != 0)
		return 1;
	jlen = (unsigned)oauth_build_oauthbearer("alice", "bench.example.com",
	                                         143, jwt, strlen(jwt), jmsg,
	                                         sizeof(jmsg));
	run("OAUTHBEARER", jmsg, jlen, 1000); /* warm up; keys loaded */
	jfirst = run_each(jmsgs, jlens, nf);
	jrep = run("OAUTHBEARER", jmsg, jlen, n / 10);
	printf(
	    "| exchanges/s, JWT RS256 (%zu bytes, jwks_file) | %.0f first use "
	    "(%ld distinct tokens) | %.0f repeated (%ld, one token) | "
	    "vs local %.2f / %.2f |\n",
	    strlen(jwt), jfirst, nf, jrep, n / 10, jfirst / ob, jrep / ob);
	for (i = 0; i < nf; i++) {
		explicit_bzero(jmsgs[i], jlens[i]);
		free(jmsgs[i]);
	}
	free(jmsgs);
	free(jlens);
	explicit_bzero(jwt, sizeof(jwt));
	explicit_bzero(jmsg, sizeof(jmsg));

	rss0 = rss_kb();
	for (i = 0; i < n; i++)
		if (exchange("OAUTHBEARER", msg, (unsigned)r) != SASL_OK)
			return 1;
	rss1 = rss_kb();
	printf("| RSS over %ld OAUTHBEARER exchanges | %ld kB -> %ld kB | "
	       "growth %ld kB (%s 1 MB) |\n",
	       n, rss0, rss1, rss1 - rss0,
	       rss1 - rss0 <= 1024 ? "within" : "OVER");
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(msg, sizeof(msg));
	sasl_done();
	return rss1 - rss0 <= 1024 ? 0 : 1;
}
