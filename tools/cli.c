/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.c - the command line of apitoken against its command tables (see
 * cli.h): the one option parser, the usage texts and the usage exit status.
 */
#include "ac_config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define OPTS_MAX 24 /* options of one command, --help included */
#define WIDTH    79 /* usage lines are at most this long */
#define INDENT   8  /* where a wrapped usage line goes on */
#define SHOWN    32 /* longest word an error message repeats */

const struct cli_opt cli_opt_json = {"json", no_argument, 'j'};

/* Every command takes --help and -h. */
static const struct cli_opt opt_help = {"help", no_argument, 'h'};

/* 1 when s[0..n-1] is a word an error message may repeat: lower-case
 * letters, digits and '-', as every command and option name is.  Anything
 * else may be a secret typed in the wrong place. */
static int plain_word(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SHOWN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* How many bytes of text make the next piece of a usage line: up to a
 * space outside brackets that comes before '[', '-', '<' or '|'. */
static size_t piece_len(const char *text)
{
	size_t i = text[0] == ' ' ? 1 : 0;
	int depth = 0;

	for (; text[i] != '\0'; i++) {
		if (text[i] == '[')
			depth++;
		else if (text[i] == ']')
			depth--;
		else if (text[i] == ' ' && depth == 0 && text[i + 1] != '\0' &&
		         strchr("[-<|", text[i + 1]) != NULL)
			break;
	}
	return i;
}

/* Prints text, which starts at column col, and a newline; lines that would
 * pass WIDTH are broken between pieces and go on at INDENT. */
static void print_wrapped(FILE *f, size_t col, const char *text)
{
	size_t n;

	while (*text != '\0') {
		n = piece_len(text);
		if (col > INDENT && col + n > WIDTH && text[0] == ' ') {
			fprintf(f, "\n%*s", INDENT, "");
			col = INDENT;
			text++;
			n--;
		}
		fprintf(f, "%.*s", (int)n, text);
		col += n;
		text += n;
	}
	fprintf(f, "\n");
}

/* "NAME SYNOPSIS" from column col on. */
static void print_synopsis(FILE *f, size_t col, const struct cli_cmd *c)
{
	const char *sp = c->synopsis[0] != '\0' ? " " : "";

	fprintf(f, "%s%s", c->name, sp);
	print_wrapped(f, col + strlen(c->name) + strlen(sp), c->synopsis);
}

void cli_usage(FILE *f, const struct cli_cmd *c)
{
	static const char prefix[] = "usage: apitoken [--config FILE] ";

	fprintf(f, "%s", prefix);
	print_synopsis(f, sizeof(prefix) - 1, c);
	fprintf(f, "%s\n", c->summary);
}

/* g's title and its commands, but for those with a sub group. */
static void print_commands(FILE *f, const struct cli_group *g)
{
	size_t i;

	fprintf(f, "\n%s:\n", g->title);
	for (i = 0; i < g->n_cmds; i++) {
		if (g->cmds[i].sub != NULL)
			continue;
		fprintf(f, "  ");
		print_synopsis(f, 2, &g->cmds[i]);
		fprintf(f, "    %s\n", g->cmds[i].summary);
	}
}

void cli_group_usage(FILE *f, const struct cli_group *g)
{
	const char *sp = g->name[0] != '\0' ? " " : "";
	size_t i;

	fprintf(f,
	        "usage: apitoken [--config FILE] %s%sCOMMAND [OPTIONS]\n"
	        "       apitoken [--config FILE] %s%sCOMMAND --help\n",
	        g->name, sp, g->name, sp);
	if (g->more_usage != NULL)
		fprintf(f, "%s", g->more_usage);
	print_commands(f, g);
	for (i = 0; i < g->n_cmds; i++)
		if (g->cmds[i].sub != NULL)
			print_commands(f, g->cmds[i].sub);
	if (g->footer != NULL)
		fprintf(f, "\n%s", g->footer);
}

int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "apitoken %s: ", c->name);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap); /* nowhere to report a failure */
	va_end(ap);
	fprintf(stderr, "\n");
	cli_usage(stderr, c);
	return EXIT_USAGE;
}

static const struct cli_cmd *find_cmd(const struct cli_group *g,
                                      const char *word)
{
	const char *last;
	size_t i;

	for (i = 0; i < g->n_cmds; i++) {
		last = strrchr(g->cmds[i].name, ' ');
		last = last != NULL ? last + 1 : g->cmds[i].name;
		if (strcmp(last, word) == 0)
			return &g->cmds[i];
	}
	return NULL;
}

/* Adds o to getopt_long's tables: -1 when they are full. */
static int add_opt(const struct cli_opt *o, struct option *lo, size_t *n,
                   char *shorts, size_t *s)
{
	if (*n >= OPTS_MAX)
		return -1;
	lo[*n].name = o->name;
	lo[*n].has_arg = o->has_arg;
	lo[*n].flag = NULL;
	lo[*n].val = o->key;
	(*n)++;
	if (o->key < CLI_LONG_ONLY) {
		shorts[(*s)++] = (char)o->key;
		if (o->has_arg == required_argument)
			shorts[(*s)++] = ':';
	}
	return 0;
}

/* getopt_long's tables for c (lo: OPTS_MAX + 1 entries, shorts: 2 *
 * OPTS_MAX + 2 bytes): -1 when c has too many options. */
static int build_opts(const struct cli_cmd *c, struct option *lo, char *shorts)
{
	size_t n = 0, s = 0, i;

	shorts[s++] = ':'; /* a missing argument returns ':' */
	for (i = 0; c->opts != NULL && c->opts[i] != NULL; i++)
		if (add_opt(c->opts[i], lo, &n, shorts, &s) != 0)
			return -1;
	if (add_opt(&opt_help, lo, &n, shorts, &s) != 0)
		return -1;
	memset(&lo[n], 0, sizeof(lo[n]));
	shorts[s] = '\0';
	return 0;
}

static const struct option *opt_by_key(const struct option *lo, int key)
{
	for (; lo->name != NULL; lo++)
		if (lo->val == key)
			return lo;
	return NULL;
}

/* What getopt_long refused ('?' or ':'), said with the usage. */
static int option_error(const struct cli_cmd *c, const struct option *lo,
                        int ret, const char *arg)
{
	const struct option *o = opt_by_key(lo, optopt);
	const char *name;
	size_t len, matches = 0;

	if (ret == ':' && o != NULL)
		return cli_usage_error(c, "option '--%s' requires an argument",
		                       o->name);
	if (o != NULL) /* --json=x */
		return cli_usage_error(c, "option '--%s' allows no argument",
		                       o->name);
	if (optopt != 0) /* one byte of a secret says nothing */
		return optopt > 0 && optopt < 128 && isalnum(optopt)
		           ? cli_usage_error(c, "unrecognized option '-%c'",
		                             optopt)
		           : cli_usage_error(c, "unrecognized option");
	/* A long option getopt did not take: arg is "--name[=value]". */
	name = arg != NULL && strncmp(arg, "--", 2) == 0 ? arg + 2 : "";
	len = strcspn(name, "=");
	for (o = lo; o->name != NULL; o++)
		if (len > 0 && strncmp(o->name, name, len) == 0)
			matches++;
	if (!plain_word(name, len))
		return cli_usage_error(c, "unrecognized option (not shown)");
	return cli_usage_error(c,
	                       matches > 1 ? "option '--%.*s' is ambiguous"
	                                   : "unrecognized option '--%.*s'",
	                       (int)len, name);
}

int cli_dispatch(const struct cli_group *g, void *ctx, int argc, char **argv)
{
	struct option lo[OPTS_MAX + 1];
	char shorts[2 * OPTS_MAX + 2];
	const struct cli_cmd *c;
	int key, r;

	if (argc < 1) {
		cli_group_usage(stderr, g);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		cli_group_usage(stdout, g);
		return 0;
	}
	if ((c = find_cmd(g, argv[0])) == NULL) {
		if (plain_word(argv[0], strlen(argv[0])))
			fprintf(
			    stderr, "apitoken%s%s: unknown command \"%s\"\n",
			    g->name[0] != '\0' ? " " : "", g->name, argv[0]);
		else
			fprintf(stderr, "apitoken%s%s: unknown command\n",
			        g->name[0] != '\0' ? " " : "", g->name);
		cli_group_usage(stderr, g);
		return EXIT_USAGE;
	}
	if (c->sub != NULL)
		return c->run(c, ctx, argc, argv);
	if (build_opts(c, lo, shorts) != 0) {
		fprintf(stderr, "apitoken %s: too many options\n", c->name);
		return EXIT_USAGE;
	}
	/* A fresh getopt state (optind = 0 re-initialises GNU getopt); the
	 * errors are said here, with the command's name and usage. */
	optind = 0;
	opterr = 0;
	while ((key = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (key == '?' || key == ':')
			return option_error(c, lo, key,
			                    optind > 0 && optind <= argc
			                        ? argv[optind - 1]
			                        : NULL);
		if (key == 'h') {
			cli_usage(stdout, c);
			return 0;
		}
		if ((r = g->option(c, ctx, key, optarg)) != 0)
			return r;
	}
	argc -= optind;
	argv += optind;
	if (argc < c->min_args)
		return cli_usage_error(c, "missing argument");
	/* Never echoed: it may be a token typed in the wrong place. */
	if (argc > c->max_args)
		return cli_usage_error(c, "unexpected argument (not shown: a "
		                          "token is never given on the command "
		                          "line)");
	return c->run(c, ctx, argc, argv);
}
