/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_device [-s] [-n TRIES] [-r RHOST] CONFDIR SERVICE USER
 *
 * A small PAM application for the device-flow login tests, driven as sudo
 * drives libpam: pam_start_confdir(SERVICE, USER, conv, CONFDIR), PAM_RHOST
 * from -r, then up to TRIES (default 1) pam_authenticate() calls on the
 * same handle, with PAM_SILENT under -s, stopping at PAM_SUCCESS or
 * PAM_MAXTRIES; then pam_acct_mgmt() after a success.  The conversation
 * prints every PAM_TEXT_INFO / PAM_ERROR_MSG as "info: ..." / "error: ..."
 * and every prompt as "prompt: ..." on stdout (flushed), and answers a
 * prompt with the next line of stdin (EOF: PAM_CONV_ERR).  Prints
 * "auth=N <pam_strerror>" per attempt and "acct=N <...>"; exits 0 only
 * when both succeeded, 1 otherwise, 2 on usage or set-up errors.
 */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_conv.h"

#define LINE_MAX_BYTES 1024

/* Prints the message; answers a prompt with the next line of stdin. */
static int conv_answer(const struct pam_message *m, char **resp, void *ctx)
{
	const char *text = m->msg != NULL ? m->msg : "";
	char line[LINE_MAX_BYTES];

	(void)ctx;
	switch (m->msg_style) {
	case PAM_PROMPT_ECHO_OFF:
	case PAM_PROMPT_ECHO_ON:
		printf("prompt: %s\n", text);
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			return -1;
		line[strcspn(line, "\r\n")] = '\0';
		return (*resp = strdup(line)) != NULL ? 0 : -1;
	case PAM_ERROR_MSG:
	case PAM_TEXT_INFO:
		printf("%s: %s\n",
		       m->msg_style == PAM_ERROR_MSG ? "error" : "info", text);
		fflush(stdout);
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
	const char *rhost = NULL;
	int tries = 1, flags = 0, ra = PAM_AUTH_ERR, rm = PAM_AUTH_ERR, c, i;

	while ((c = getopt(argc, argv, "sn:r:")) != -1) {
		switch (c) {
		case 's':
			flags = PAM_SILENT;
			break;
		case 'n':
			tries = atoi(optarg);
			break;
		case 'r':
			rhost = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 3 || tries < 1 || tries > 10) {
		fprintf(stderr, "usage: pam_device [-s] [-n TRIES] [-r RHOST] "
		                "CONFDIR SERVICE USER\n");
		return 2;
	}
	if (pam_start_confdir(argv[optind + 1], argv[optind + 2], &pc,
	                      argv[optind], &pamh) != PAM_SUCCESS) {
		fprintf(stderr, "pam_device: pam_start_confdir failed\n");
		return 2;
	}
	if (rhost != NULL &&
	    pam_set_item(pamh, PAM_RHOST, rhost) != PAM_SUCCESS)
		return 2;
	for (i = 0; i < tries; i++) {
		ra = pam_authenticate(pamh, flags);
		printf("auth=%d %s\n", ra, pam_strerror(pamh, ra));
		fflush(stdout);
		if (ra == PAM_SUCCESS || ra == PAM_MAXTRIES)
			break;
	}
	if (ra == PAM_SUCCESS) {
		rm = pam_acct_mgmt(pamh, flags);
		printf("acct=%d %s\n", rm, pam_strerror(pamh, rm));
	}
	fflush(stdout);
	pam_end(pamh, ra != PAM_SUCCESS ? ra : rm);
	return ra == PAM_SUCCESS && rm == PAM_SUCCESS ? 0 : 1;
}
