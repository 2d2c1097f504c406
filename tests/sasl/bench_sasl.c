/*
 * bench_sasl.c - figures, not pass/fail: complete OAUTHBEARER exchanges
 * per second through libsasl2 with the built plugin and a local token,
 * against PLAIN with sasldb in the same process and run; and the resident
 * memory before and after N OAUTHBEARER exchanges (should stay flat).
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
#include "local.h"
#include "oauth_parse.h"
#include "store.h"

#define CB(f) ((sasl_callback_ft)(void (*)(void))(f))

static char plugin_path[2048];
static char conf_path[600], sasldb_path[600];

static int cb_getpath(void *ctx, const char **path)
{
	(void)ctx;
	*path = plugin_path;
	return SASL_OK;
}

static int cb_getopt(void *ctx, const char *plugin, const char *option,
                     const char **result, unsigned *len)
{
	const char *v = NULL;

	(void)ctx;
	(void)plugin;
	if (strcmp(option, "apitoken_config") == 0)
		v = conf_path;
	else if (strcmp(option, "apitoken_scope") == 0)
		v = "imap";
	else if (strcmp(option, "sasldb_path") == 0)
		v = sasldb_path;
	else if (strcmp(option, "pwcheck_method") == 0)
		v = "auxprop";
	else if (strcmp(option, "auxprop_plugin") == 0)
		v = "sasldb";
	else if (strcmp(option, "mech_list") == 0)
		v = "PLAIN OAUTHBEARER";
	if (v == NULL)
		return SASL_FAIL;
	*result = v;
	if (len)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}

static int cb_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= SASL_LOG_ERR)
		fprintf(stderr, "sasl: %s\n", msg);
	return SASL_OK;
}

static sasl_callback_t cbs[] = {
    {SASL_CB_GETPATH, CB(&cb_getpath), NULL},
    {SASL_CB_GETOPT, CB(&cb_getopt), NULL},
    {SASL_CB_LOG, CB(&cb_log), NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

static double run(const char *mech, const char *msg, unsigned len, long n)
{
	double t0 = now_s();
	long i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = exchange(mech, msg, len)) != SASL_OK) {
			fprintf(stderr, "%s exchange %ld: %s\n", mech, i,
			        sasl_errstring(r, NULL, NULL));
			exit(1);
		}
	}
	return (double)n / (now_s() - t0);
}

int main(int argc, char **argv)
{
	const char *sysdir = "/usr/lib/x86_64-linux-gnu/sasl2:/usr/lib/sasl2";
	struct atok_config *cfg = atok_config_new();
	struct atok_issue_params p = {"alice", "imap", "bench", 0, 0};
	struct atok_store *s = NULL;
	struct atok_error err;
	sasl_conn_t *conn = NULL;
	char tok[ATOK_LOCAL_TOKEN_LEN + 1], msg[512], text[700];
	static const char plain[] = "\0alice\0secret";
	long n = 100000, rss0, rss1, i;
	double ob, pl;
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
	atok_config_set(cfg, "store", "path", text, &err);
	if (atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0 ||
	    atok_local_issue(s, &p, tok, NULL, &err) != 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	atok_store_close(&s);
	atok_config_free(&cfg);
	snprintf(text, sizeof(text),
	         "[store]\npath = %s/tokens.db\n"
	         "update_last_used = no\n",
	         fx_dir);
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
