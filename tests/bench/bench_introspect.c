/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_introspect - introspection through the core against a bare
 * libcurl POST to the same loopback server, and in-process cache hits.
 *
 *   bench_introspect URL MODE N
 *     MODE = core  (cache off: every verify asks the server)
 *          | bare  (libcurl POST with a kept handle, as a minimal client)
 *          | cached (the in-process cache answers)
 *   prints "MODE N seconds per-second"
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "atok.h"
#include "config.h"
#include "fixture.h"
#include "timing.h"

static const char *token = "2YotnFZFEjr1zCsicMWpAA-bench-opaque-token";

static size_t sink(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static void die(const char *m)
{
	fprintf(stderr, "bench_introspect: %s\n", m);
	exit(1);
}

/* A verifier for the server at url, with its secret and result cache in
 * dir (fx_dir). */
static struct atok_verifier *verifier(const char *url, const char *dir,
                                      int cache)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_error err = {0};
	char path[512];

	snprintf(path, sizeof(path), "%s",
	         fx_file("secret", "bench-secret", 0600));
	if (atok_config_set(cfg, "introspection", "endpoint", url, &err) ||
	    atok_config_set(cfg, "introspection", "client_id", "rs", &err) ||
	    atok_config_set(cfg, "introspection", "opaque_min_length", "22",
	                    &err) ||
	    atok_config_set(cfg, "introspection", "client_secret_file", path,
	                    &err) ||
	    atok_config_set(cfg, "introspection", "allow_http_loopback", "yes",
	                    &err) ||
	    atok_config_set(cfg, "introspection", "cache_ttl",
	                    cache ? "600" : "0", &err) ||
	    atok_config_set(cfg, "introspection", "negative_cache_ttl", "0",
	                    &err) ||
	    atok_config_set(cfg, "cache", "dir", dir, &err) ||
	    atok_verifier_new(cfg, &v, &err) != 0)
		die(err.msg);
	atok_config_free(&cfg);
	return v;
}

__attribute__((noinline)) static int core(struct atok_verifier *v)
{
	struct atok_request req = {0};
	struct atok_result res;

	req.token = token;
	req.token_len = strlen(token);
	req.user = "alice";
	return atok_verify(v, &req, &res) == ATOK_ACCEPT;
}

/* One POST as a minimal client would send it, on a kept handle. */
__attribute__((noinline)) static int bare(CURL *c, const char *url,
                                          const char *body)
{
	long status = 0;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_USERPWD, "rs:bench-secret");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	if (curl_easy_perform(c) != CURLE_OK)
		return 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status == 200;
}

int main(int argc, char **argv)
{
	char body[256];
	struct atok_verifier *v = NULL;
	const char *mode;
	long n, i;
	double t0, t;
	CURL *c = NULL;

	if (argc != 4)
		die("usage: bench_introspect URL core|bare|cached N");
	mode = argv[2];
	n = atol(argv[3]);
	fx_tmpdir(); /* removed at exit */
	if (strcmp(mode, "bare") == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		c = curl_easy_init();
		snprintf(body, sizeof(body),
		         "token=%s&token_type_hint=access_token", token);
	} else {
		v = verifier(argv[1], fx_dir, strcmp(mode, "cached") == 0);
		if (!core(v))
			die("the first verification failed");
	}
	t0 = timing_now();
	for (i = 0; i < n; i++) {
		if (c != NULL) {
			if (!bare(c, argv[1], body))
				die("bare POST failed");
		} else if (!core(v)) {
			die("a verification failed");
		}
	}
	t = timing_now() - t0;
	printf("%s %ld %.6f %.0f\n", mode, n, t, (double)n / t);
	atok_verifier_free(&v);
	if (c != NULL)
		curl_easy_cleanup(c);
	return 0;
}
