/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_probe.c - a test-only PAM module for tests/pam/test_pam.c.
 *
 * A stack only reports the code of the module that decided, and swallows
 * PAM_IGNORE; applications may not set PAM_AUTHTOK.  This module fills
 * both gaps:
 *
 *   rc=ignore|success|marker  what every entry point returns (default
 *                             marker: PAM_PROBE_MARKER, so a line after a
 *                             module that answered PAM_IGNORE reports it)
 *   authtok=TEXT              pam_sm_authenticate sets PAM_AUTHTOK first
 *
 * Never installed.
 */
#include <string.h>

#include <security/pam_modules.h>

#include "probe.h"

#define PROBE_EXPORT __attribute__((visibility("default")))

static int probe(pam_handle_t *pamh, int auth, int argc, const char **argv)
{
	int i, rc = PAM_PROBE_MARKER, r;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "rc=ignore") == 0) {
			rc = PAM_IGNORE;
		} else if (strcmp(argv[i], "rc=success") == 0) {
			rc = PAM_SUCCESS;
		} else if (strcmp(argv[i], "rc=marker") == 0) {
			rc = PAM_PROBE_MARKER;
		} else if (strncmp(argv[i], "authtok=", 8) == 0) {
			if (!auth)
				continue;
			r = pam_set_item(pamh, PAM_AUTHTOK, argv[i] + 8);
			if (r != PAM_SUCCESS)
				return r;
		} else {
			return PAM_SERVICE_ERR;
		}
	}
	return rc;
}

PROBE_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
                                     const char **argv)
{
	return probe(pamh, 1, argc, argv);
}

PROBE_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
                                const char **argv)
{
	return probe(pamh, 0, argc, argv);
}

PROBE_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
                                  const char **argv)
{
	return probe(pamh, 0, argc, argv);
}
