/*
 * The core verified from many threads at once, as a threaded libsasl2 host
 * would: each thread has its own verifier (a verifier is used by one
 * thread at a time); they share the store, the HMAC secret file and
 * OpenSSL.  Every verdict must be the single-threaded one.
 */
#include "ac_config.h"

#include <pthread.h>

#include <openssl/evp.h>

#include "atok.h"
#include "b64url.h"
#include "config.h"
#include "fixture.h"
#include "local.h"
#include "store.h"
#include "tap.h"

#define THREADS 8
#define ROUNDS  300

static char tok_local[80], tok_revoked[80], tok_jwt[1024];
static char conf_path[600];

struct worker {
	int wrong, done;
};

static void mint_jwt(const unsigned char *key, size_t keylen)
{
	const char *h = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char p[256], hb[128], pb[400], sb[64];
	unsigned char mac[32];
	size_t maclen = 0, n;

	snprintf(p, sizeof(p),
	         "{\"iss\":\"https://idp.test\",\"aud\":\"svc\",\"sub\":"
	         "\"alice\",\"scope\":\"ssh\",\"exp\":%lld}",
	         (long long)time(NULL) + 3600);
	atok_b64url_encode((const unsigned char *)h, strlen(h), hb);
	atok_b64url_encode((const unsigned char *)p, strlen(p), pb);
	n = (size_t)snprintf(tok_jwt, sizeof(tok_jwt), "%s.%s", hb, pb);
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	          (unsigned char *)tok_jwt, n, mac, sizeof(mac), &maclen);
	atok_b64url_encode(mac, maclen, sb);
	snprintf(tok_jwt + n, sizeof(tok_jwt) - n, ".%s", sb);
}

static void setup(void)
{
	static const unsigned char key[] = "0123456789abcdef0123456789abcdef!";
	struct atok_config *cfg = atok_config_new();
	struct atok_store *s = NULL;
	struct atok_error err;
	struct atok_issue_params p = {"alice", "ssh", "t", 0, 0};
	char text[1400];
	const char *secret;

	fx_tmpdir();
	secret = fx_file("hmac", (const char *)key, 0600);
	snprintf(text, sizeof(text),
	         "[store]\npath = %s/tokens.db\n"
	         "[jwt]\nissuer = https://idp.test\naudience = svc\n"
	         "algorithms = HS256\nhmac_secret_file = %s\n"
	         "cache_ttl = 0\n",
	         fx_dir, secret);
	snprintf(conf_path, sizeof(conf_path), "%s",
	         fx_file("c.conf", text, 0600));
	if (atok_config_load_file(cfg, conf_path, &err) != 0 ||
	    atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0 ||
	    atok_local_issue(s, &p, tok_local, NULL, &err) != 0 ||
	    atok_local_issue(s, &p, tok_revoked, NULL, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		exit(99);
	}
	{
		char id[13];
		memcpy(id, tok_revoked + 4, 12);
		id[12] = '\0';
		atok_store_revoke(s, id, time(NULL), &err);
	}
	atok_store_close(&s);
	atok_config_free(&cfg);
	mint_jwt(key, sizeof(key) - 1);
}

static enum atok_verdict check(struct atok_verifier *v, const char *tok)
{
	static const char *const need[] = {"ssh"};
	struct atok_request req = {0};
	struct atok_result res;

	req.token = tok;
	req.token_len = strlen(tok);
	req.user = "alice";
	req.scopes = need;
	req.n_scopes = 1;
	return atok_verify(v, &req, &res);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_error err;
	int i;

	if (cfg == NULL || atok_config_load_file(cfg, conf_path, &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0) {
		w->wrong = -1;
		atok_config_free(&cfg);
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		w->wrong += check(v, tok_local) != ATOK_ACCEPT;
		w->wrong += check(v, tok_jwt) != ATOK_ACCEPT;
		w->wrong += check(v, tok_revoked) != ATOK_REJECT;
		w->done += 3;
	}
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	struct worker w[THREADS];
	int i, wrong = 0, done = 0, started = 0;

	setup();
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++)
		started += pthread_create(&t[i], NULL, run, &w[i]) == 0;
	T_EQ_INT(started, THREADS, "%d threads started", THREADS);
	for (i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		T_OK(w[i].wrong >= 0, "thread %d built its verifier", i);
		if (w[i].wrong > 0)
			wrong += w[i].wrong;
		done += w[i].done;
	}
	T_EQ_INT(done, THREADS * ROUNDS * 3, "every verification ran");
	T_EQ_INT(wrong, 0,
	         "%d verifications from %d threads at once: every verdict "
	         "as single-threaded",
	         done, THREADS);
	return t_done();
}
