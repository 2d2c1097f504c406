/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pg_fork.c - a verifier's PostgreSQL connection across fork(), as in a
 * pre-forking host that made the SASL plugin's verifier before forking:
 * the child must make its own connection and must not end the parent's.
 * Driven by tests/pg/store.sh over stdin/stdout:
 *
 *   pg_fork CONF TOKENFILE
 *     verifies (connects), prints "connected <verdict>", waits for a line;
 *     forks: the child verifies and exits 0 on ACCEPT; prints
 *     "child <status>", waits for a line; verifies again, prints
 *     "again <verdict>", waits for a line, exits.
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atok.h"
#include "config.h"
#include "util.h"

static char token[ATOK_TOKEN_MAX + 1];

static const char *verify(struct atok_verifier *v)
{
	struct atok_request req;
	struct atok_result res;

	memset(&req, 0, sizeof(req));
	req.token = token;
	req.token_len = strlen(token);
	switch (atok_verify(v, &req, &res)) {
	case ATOK_ACCEPT:
		return "accept";
	case ATOK_REJECT:
		return "reject";
	case ATOK_UNAVAILABLE:
		return "unavailable";
	default:
		return "error";
	}
}

static void step(const char *what, const char *detail)
{
	char line[16];

	printf("%s %s\n", what, detail);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		exit(3);
}

int main(int argc, char **argv)
{
	struct atok_config *cfg = NULL;
	struct atok_verifier *v = NULL;
	struct atok_error err = {0};
	char status[16];
	FILE *f;
	pid_t pid;
	int st;

	if (argc != 3 || (f = fopen(argv[2], "r")) == NULL ||
	    fgets(token, sizeof(token), f) == NULL)
		return 2;
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	if ((cfg = atok_config_new()) == NULL ||
	    atok_config_load_file(cfg, argv[1], &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0) {
		fprintf(stderr, "pg_fork: %s\n", err.msg);
		return 2;
	}
	step("connected", verify(v));
	fflush(stdout);
	if ((pid = fork()) == 0) {
		int ok = strcmp(verify(v), "accept") == 0;

		/* The child's own connection closes here; the inherited one
		 * must not say goodbye on the parent's behalf. */
		atok_verifier_free(&v);
		atok_config_free(&cfg);
		_exit(ok ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	snprintf(status, sizeof(status), "%d",
	         WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	step("child", status);
	step("again", verify(v));
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	explicit_bzero(token, sizeof(token));
	return 0;
}
