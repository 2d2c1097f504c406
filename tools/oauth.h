/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oauth.h - `apitoken oauth ...`: named OAuth client accounts for mail
 * clients (see apitoken(1)).
 */
#ifndef ATOK_TOOLS_OAUTH_H
#define ATOK_TOOLS_OAUTH_H

#include "cli.h"

/* The oauth commands: login, token, refresh, status, logout, test. */
extern const struct cli_group cli_oauth_group;

/* Runs `apitoken oauth COMMAND ...` (argv[0] is "oauth") from
 * cli_oauth_group with the configuration file at config.  Returns the exit
 * status. */
int cli_oauth(const char *config, int argc, char **argv);

/* `apitoken check-config --postfix`: the accounts as a chrooted Postfix
 * smtp client meets them.  Returns the exit status (0 ok, 2 problems). */
int cli_oauth_check_postfix(const char *config);

#endif
