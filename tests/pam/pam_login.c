/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_login CONFDIR SERVICE USER  <  token
 *
 * A tiny PAM application for end-to-end tests with tokens longer than
 * pamtester can pass (Linux-PAM's misc_conv cuts answers at
 * PAM_MAX_RESP_SIZE, 512 bytes; a JWT access token is often longer).
 * Reads the token from stdin (up to 16 KiB, one trailing newline dropped),
 * runs pam_start_confdir(SERVICE, USER, conv, CONFDIR), pam_authenticate()
 * and pam_acct_mgmt(), prints "auth=<pam_strerror>" and "acct=<...>", and
 * exits 0 only if both returned PAM_SUCCESS, 1 otherwise (2 on usage or
 * set-up errors).  The conversation answers every PAM_PROMPT_ECHO_OFF with
 * a copy of the token, and always hands back a real response array.
 */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_conv.h"

#define TOKEN_MAX (16 * 1024)

static char token[TOKEN_MAX + 1];

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

/* A copy of the token for every hidden prompt, "" for an echoed one (none
 * is expected); messages go to stderr. */
static int conv_answer(const struct pam_message *m, char **resp, void *ctx)
{
	(void)ctx;
	switch (m->msg_style) {
	case PAM_PROMPT_ECHO_OFF:
		return (*resp = strdup(token)) != NULL ? 0 : -1;
	case PAM_PROMPT_ECHO_ON:
		/* no echoed prompts expected; answer with nothing */
		return (*resp = strdup("")) != NULL ? 0 : -1;
	case PAM_ERROR_MSG:
	case PAM_TEXT_INFO:
		fprintf(stderr, "pam_login: %s: %s\n",
		        m->msg_style == PAM_ERROR_MSG ? "error" : "info",
		        m->msg ? m->msg : "");
		return 0;
	default:
		return -1;
	}
}

int main(int argc, char **argv)
{
	struct tpc_answerer answerer = {conv_answer, NULL};
	struct pam_conv pc = {tpc_conv, &answerer};
	pam_handle_t *pamh = NULL;
	size_t len = 0;
	ssize_t got;
	int ra, rm, r;

	if (argc != 4) {
		fprintf(stderr,
		        "usage: pam_login CONFDIR SERVICE USER < token\n");
		return 2;
	}
	while (len < TOKEN_MAX &&
	       (got = read(STDIN_FILENO, token + len, TOKEN_MAX - len)) != 0) {
		if (got < 0) {
			perror("pam_login: read");
			return 2;
		}
		len += (size_t)got;
	}
	if (len == TOKEN_MAX) {
		char c;

		if (read(STDIN_FILENO, &c, 1) > 0) {
			fprintf(stderr, "pam_login: token over %d bytes\n",
			        TOKEN_MAX);
			wipe(token, sizeof(token));
			return 2;
		}
	}
	if (len > TOKEN_MAX) /* cannot happen; keeps the compiler sure */
		len = TOKEN_MAX;
	token[len] = '\0';
	if (len > 0 && token[len - 1] == '\n')
		token[--len] = '\0';
	if (len > 0 && token[len - 1] == '\r')
		token[--len] = '\0';

	r = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pam_login: pam_start_confdir: %d\n", r);
		wipe(token, sizeof(token));
		return 2;
	}
	ra = pam_authenticate(pamh, 0);
	printf("auth=%s\n", pam_strerror(pamh, ra));
	rm = pam_acct_mgmt(pamh, 0);
	printf("acct=%s\n", pam_strerror(pamh, rm));
	pam_end(pamh, ra != PAM_SUCCESS ? ra : rm);
	wipe(token, sizeof(token));
	fflush(stdout);
	return ra == PAM_SUCCESS && rm == PAM_SUCCESS ? 0 : 1;
}
