/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_conv.h - the frame of a PAM conversation function for the tests and
 * their small PAM applications: the checks on the message count, the
 * response array libpam expects, and the clean-up when an answer fails.
 * Each program says only how it answers one message:
 *
 *   struct tpc_answerer a = {my_answer, &my_state};
 *   struct pam_conv pc = {tpc_conv, &a};
 *
 * In tests/lib/libatoktest.la.
 */
#ifndef ATOK_TEST_PAM_CONV_H
#define ATOK_TEST_PAM_CONV_H

#include <security/pam_appl.h>

/*
 * Answers one message m: sets *resp to a malloc'd answer (which libpam
 * frees) or leaves it NULL for none, and returns 0; or returns -1 to fail
 * the conversation.  ctx is the caller's.
 */
typedef int tpc_answer_fn(const struct pam_message *m, char **resp, void *ctx);

/* A program's answers: the function and its context.  It must live as
 * long as the PAM handle it was given to. */
struct tpc_answerer {
	tpc_answer_fn *answer;
	void *ctx;
};

/*
 * A PAM conversation function (struct pam_conv's conv), appdata a struct
 * tpc_answerer: calls its answer for each of the n messages and hands back
 * in *resp a real response array (one entry per message, calloc'd, which
 * libpam frees), returning PAM_SUCCESS.  PAM_CONV_ERR when n is out of
 * range or an answer fails (the answers given so far are wiped and freed,
 * *resp is NULL); PAM_BUF_ERR when the array cannot be allocated.
 */
int tpc_conv(int n, const struct pam_message **msg, struct pam_response **resp,
             void *appdata);

#endif
