/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_login.h - pam_apitoken's device-flow login (the `device` option): the
 * conversation and the waiting around common/device.c.  The token it
 * obtains goes through atok_verify() like a typed one.
 */
#ifndef PAM_APITOKEN_DEVICE_LOGIN_H
#define PAM_APITOKEN_DEVICE_LOGIN_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "atok.h"
#include "device.h"
#include "options.h"

#define PAMATOK_DEVICE_PROMPT_DEFAULT "Press Enter once you have approved: "
#define PAMATOK_DEVICE_NOTE_MAX       128 /* bytes of the log-line note */

/*
 * Runs a device flow for user on pamh: the gates (no network for a user
 * who may not have a code), the code shown in one PAM_TEXT_INFO (also
 * under PAM_SILENT: it is the prompt), the Enter prompt unless
 * prompt=none, polling.  A handle runs at most one flow: a later call on
 * it is refused without one.  PAM_SUCCESS with *tokp the access token
 * (NUL-terminated; the caller wipes and frees it) and *devp the device
 * login, for pamatok_device_after() (the caller frees it with
 * atok_device_free()), or a PAM code with res filled.  note (notesz
 * bytes) receives " flow=device outcome=... polls=N elapsed=Ns" for the
 * decision line, whatever the outcome.
 */
int pamatok_device_token(pam_handle_t *pamh, const struct pamatok_opts *o,
                         const char *user, const char *remote_addr, char **tokp,
                         struct atok_device **devp, struct atok_result *res,
                         char *note, size_t notesz);

/*
 * After the verifier accepted the token of a device login: the rules of
 * [device] on top of it (group).  Turns res into a REJECT when they fail.
 */
void pamatok_device_after(const struct atok_device *dev, const char *token,
                          struct atok_result *res);

#endif /* PAM_APITOKEN_DEVICE_LOGIN_H */
