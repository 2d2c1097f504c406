/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_conv.c - the frame of a PAM conversation (pam_conv.h). */
#include "ac_config.h"

#include <stdlib.h>
#include <string.h>

#include "pam_conv.h"

int tpc_conv(int n, const struct pam_message **msg, struct pam_response **resp,
             void *appdata)
{
	const struct tpc_answerer *a = appdata;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (a->answer(msg[i], &r[i].resp, a->ctx) != 0)
			goto fail;
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}
