/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_pg_reuse.c - verifications through one verifier, so one reused
 * PostgreSQL connection: the SASL plugin's case (a pooled verifier per
 * host process).
 *
 * Figures, not pass/fail; run by tests/bench/bench_pg.sh:
 *
 *   bench_pg_reuse CONF TOKENFILE N
 *
 * Verifies the token in TOKENFILE (never argv) N times after one warm-up
 * verification (which connects) and prints the median, 99th percentile and
 * mean milliseconds per verification.  Exits 1 unless every verification is
 * accepted.
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atok.h"
#include "config.h"
#include "util.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct atok_config *cfg = NULL;
	struct atok_verifier *v = NULL;
	struct atok_error err = {0};
	struct atok_request req;
	struct atok_result res;
	char token[ATOK_TOKEN_MAX + 1];
	double *ms = NULL, t0, sum = 0;
	FILE *f = NULL;
	long i, n;
	int r = 1;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0 || n > 1000000) {
		fprintf(stderr, "usage: bench_pg_reuse CONF TOKENFILE N\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r")) == NULL ||
	    fgets(token, sizeof(token), f) == NULL) {
		fprintf(stderr, "bench_pg_reuse: cannot read %s\n", argv[2]);
		goto out;
	}
	token[strcspn(token, "\n")] = '\0';
	if ((cfg = atok_config_new()) == NULL ||
	    atok_config_load_file(cfg, argv[1], &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0) {
		fprintf(stderr, "bench_pg_reuse: %s\n", err.msg);
		goto out;
	}
	if ((ms = calloc((size_t)n, sizeof(*ms))) == NULL)
		goto out;
	memset(&req, 0, sizeof(req));
	req.token = token;
	req.token_len = strlen(token);
	for (i = -1; i < n; i++) {
		t0 = now_ms();
		if (atok_verify(v, &req, &res) != ATOK_ACCEPT) {
			fprintf(stderr, "bench_pg_reuse: not accepted: %s\n",
			        res.reason);
			goto out;
		}
		if (i >= 0) {
			ms[i] = now_ms() - t0;
			sum += ms[i];
		}
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("reused connection: %ld verifications, median %.3f ms, p99 "
	       "%.3f ms, mean %.3f ms\n",
	       n, ms[n / 2], ms[n * 99 / 100], sum / (double)n);
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	explicit_bzero(token, sizeof(token));
	free(ms);
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	return r;
}
