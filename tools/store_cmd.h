/* SPDX-License-Identifier: BSD-3-Clause */
/* store_cmd.h - `apitoken store ...` and check-config's store line. */
#ifndef ATOK_STORE_CMD_H
#define ATOK_STORE_CMD_H

#include "cli.h"

struct atok_store;

/* The store commands: init, migrate, copy. */
extern const struct cli_group store_cmd_group;

/* Runs `store SUBCOMMAND [OPTIONS]` (argv[0] is "store") from
 * store_cmd_group with the configuration file at config; returns the exit
 * status. */
int store_cmd_main(const char *config, int argc, char **argv);

/* Prints check-config's line for a PostgreSQL store (server, version,
 * role, privileges): 1 printed, 0 not PostgreSQL, -1 failed (said on
 * stderr). */
int store_cmd_describe(struct atok_store *s);

/* After a revoke or rotate: says on stderr when a synchronous standby
 * has not yet confirmed it. */
void store_cmd_note(const struct atok_store *s);

#endif /* ATOK_STORE_CMD_H */
