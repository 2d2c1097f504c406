/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - the command tables of the apitoken command: each command's name,
 * usage, one-line summary, options and handler, and the one parser that
 * reads a command line against them.  A command takes the options of its
 * own list and no other: anything else is a usage error, said on standard
 * error with the command's usage, exit status EXIT_USAGE.
 */
#ifndef ATOK_TOOLS_CLI_H
#define ATOK_TOOLS_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* The exit status of a usage error, for every command (apitoken(1)). */
#define EXIT_USAGE 64

/* Keys from here on are options without a short letter; a key below is the
 * option's short letter too (-u for --user). */
#define CLI_LONG_ONLY 256

/* One option: --name, has_arg no_argument or required_argument (getopt's),
 * and the key the parser hands to the group's option function. */
struct cli_opt {
	const char *name;
	int has_arg;
	int key;
};

/* --json, -j: declared once, listed by every command that prints JSON. */
extern const struct cli_opt cli_opt_json;

struct cli_cmd;

/*
 * Records one option of command c in ctx: key, and its argument (NULL for
 * none).  Returns 0, or the exit status to stop with, having said why on
 * standard error.
 */
typedef int cli_option_fn(const struct cli_cmd *c, void *ctx, int key,
                          const char *arg);

/*
 * Runs command c with the options recorded in ctx, on its operands
 * argv[0..argc-1] (their number checked against the table); for a command
 * with a sub group, argv[0] is the command's own word and nothing is parsed.
 * Returns the exit status.
 */
typedef int cli_run_fn(const struct cli_cmd *c, void *ctx, int argc,
                       char **argv);

struct cli_group;

/*
 * One row of a command table.  A row with a sub group ("oauth") stands for
 * that group's commands: its run function hands argv on, unparsed, and its
 * synopsis, summary and options are NULL (the usage lists the group's
 * commands under its title).  One level only: a sub group has no sub group.
 */
struct cli_cmd {
	const char *name;     /* the words after "apitoken": "oauth login" */
	const char *synopsis; /* its operands and options, one line ("" none) */
	const char *summary;  /* what it does: one sentence */
	const struct cli_opt *const *opts; /* its options, NULL-terminated;
	                                      NULL: none (--help is implied) */
	int min_args, max_args;            /* how many operands it takes */
	cli_run_fn *run;
	const struct cli_group *sub;
};

/* A table: the commands after "apitoken" (name "") or after a command word
 * ("oauth"). */
struct cli_group {
	const char *name;
	const char *title; /* heading of its commands in the usage */
	const struct cli_cmd *cmds;
	size_t n_cmds;
	cli_option_fn *option;
	const char *more_usage; /* further usage lines, or NULL */
	const char *footer;     /* printed last in its usage, or NULL */
};

/*
 * Runs the command named by argv[0] (argc may be 0) from group g: parses
 * its options into ctx (g->option, in the order given; GNU getopt, so
 * operands and options mix), checks its number of operands, and calls its
 * run function.  "--help" or "-h" as the command prints the group's usage,
 * after the command the command's usage, on standard output: exit status 0.
 * No command, an unknown one, an option not in the command's list, a
 * missing option argument or a wrong number of operands is said on
 * standard error with the usage: EXIT_USAGE.  An operand or an option that
 * could be a secret is never echoed.  Returns the exit status.
 */
int cli_dispatch(const struct cli_group *g, void *ctx, int argc, char **argv);

/* Prints the usage of every command of g, sub groups included, each with
 * its summary, on f. */
void cli_group_usage(FILE *f, const struct cli_group *g);

/* Prints the usage line(s) and the summary of command c on f. */
void cli_usage(FILE *f, const struct cli_cmd *c);

/* Says "apitoken NAME: " and the message on standard error, then the
 * command's usage.  Returns EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* ATOK_TOOLS_CLI_H */
