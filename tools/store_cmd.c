/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_cmd.c - `apitoken store init --print-sql | migrate | copy --from
 * FILE.db`: the PostgreSQL store's schema and the move of a SQLite store
 * into it, and the store line of check-config.
 */
#include "ac_config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "store.h"
#include "store_cmd.h"
#ifdef HAVE_LIBPQ
#include "store_pg.h"
#endif

#define EXIT_UNAVAIL 2

#ifdef HAVE_LIBPQ
static struct atok_config *load(const char *path)
{
	struct atok_error err = {0};
	struct atok_config *cfg = atok_config_new();
	const char *backend;

	if (cfg == NULL) {
		fprintf(stderr, "apitoken: out of memory\n");
		return NULL;
	}
	if (atok_config_load_file(cfg, path, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		atok_config_free(&cfg);
		return NULL;
	}
	backend = atok_config_str(cfg, ATOK_CFG_STORE_BACKEND);
	if (!atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE) ||
	    backend == NULL || strcmp(backend, "postgresql") != 0) {
		fprintf(stderr,
		        "apitoken: %s: `store` needs [store] backend = "
		        "postgresql\n",
		        path);
		atok_config_free(&cfg);
		return NULL;
	}
	return cfg;
}

static int print_sql(void)
{
	int v;

	printf("%s\n", atok_pg_roles_sql);
	printf("-- Schema version %d, in its own schema, owned by "
	       "apitoken_owner:\n"
	       "-- what `apitoken store migrate` applies.\n"
	       "BEGIN;\nSET LOCAL ROLE apitoken_owner;\n",
	       atok_pg_schema_version());
	for (v = 0; v < atok_pg_schema_version(); v++)
		printf("%s", atok_pg_migration_sql(v));
	printf("COMMIT;\n");
	return 0;
}

static int migrate(const char *path)
{
	struct atok_config *cfg = load(path);
	struct atok_error err = {0};
	int from = 0, to = 0, r;

	if (cfg == NULL)
		return EXIT_UNAVAIL;
	r = atok_store_pg_migrate(cfg, &from, &to, &err);
	atok_config_free(&cfg);
	if (r != 0) {
		fprintf(stderr, "apitoken: store migrate: %s\n", err.msg);
		return EXIT_UNAVAIL;
	}
	if (from == to)
		printf("schema version %d: up to date\n", to);
	else
		printf("schema version %d -> %d\n", from, to);
	return 0;
}

struct copy_state {
	struct atok_store *dst;
	long long copied, present, revoked, conflicts;
	struct atok_error err;
};

/* One record of the SQLite store into PostgreSQL: inserted when new; when
 * present with the same hash, its revocation carried over; a different
 * token under the same id is a conflict, left alone. */
static int copy_one(void *arg, const struct atok_token_record *rec)
{
	struct copy_state *c = arg;
	struct atok_token_record have;
	int r;

	r = atok_store_insert(c->dst, rec, &c->err);
	if (r == 0) {
		c->copied++;
		return 0;
	}
	if (r != ATOK_ERR_EXISTS)
		return r;
	if ((r = atok_store_lookup(c->dst, rec->id, &have, &c->err)) != 0)
		return r;
	if (memcmp(have.hash, rec->hash, ATOK_HASH_LEN) != 0 ||
	    strcmp(have.user, rec->user) != 0) {
		fprintf(stderr,
		        "apitoken: token %s: a different token with this id "
		        "is already in PostgreSQL; left alone\n",
		        rec->id);
		c->conflicts++;
		return 0;
	}
	if (rec->revoked != 0 && have.revoked == 0) {
		if ((r = atok_store_revoke(c->dst, rec->id, rec->revoked,
		                           &c->err)) != 0)
			return r;
		c->revoked++;
		return 0;
	}
	c->present++;
	return 0;
}

static int copy(const char *path, const char *from)
{
	struct atok_config *cfg = load(path);
	struct atok_store *src = NULL;
	struct copy_state c = {0};
	struct atok_error err = {0};
	int r = EXIT_UNAVAIL;

	if (cfg == NULL)
		return EXIT_UNAVAIL;
	if (atok_store_sqlite_open(
	        from, ATOK_STORE_READ,
	        (int)atok_config_int(cfg, ATOK_CFG_STORE_BUSY_TIMEOUT), &src,
	        &err) != 0 ||
	    atok_store_open(cfg, ATOK_STORE_ADMIN, &c.dst, &err) != 0) {
		fprintf(stderr, "apitoken: store copy: %s\n", err.msg);
		goto out;
	}
	if (atok_store_list(src, NULL, copy_one, &c, &err) != 0) {
		fprintf(stderr, "apitoken: store copy: %s\n",
		        c.err.msg[0] != '\0' ? c.err.msg : err.msg);
		goto out;
	}
	printf("copied %lld, already present %lld, revocations carried "
	       "over %lld, conflicts %lld\n",
	       c.copied, c.present, c.revoked, c.conflicts);
	r = c.conflicts != 0 ? EXIT_UNAVAIL : 0;
out:
	atok_store_close(&c.dst);
	atok_store_close(&src);
	atok_config_free(&cfg);
	return r;
}
#endif /* HAVE_LIBPQ */

/* The options of the store commands, and what they set. */
enum { OPT_PRINT_SQL = CLI_LONG_ONLY, OPT_FROM };

struct store_opts {
	const char *config;
	const char *from; /* copy --from FILE.db */
	int print_sql;    /* init --print-sql */
};

static const struct cli_opt opt_print_sql = {"print-sql", no_argument,
                                             OPT_PRINT_SQL};
static const struct cli_opt opt_from = {"from", required_argument, OPT_FROM};

static const struct cli_opt *const init_opts[] = {&opt_print_sql, NULL};
static const struct cli_opt *const copy_opts[] = {&opt_from, NULL};

/* One option of command c into struct store_opts (cli_option_fn). */
static int set_option(const struct cli_cmd *c, void *ctx, int key,
                      const char *arg)
{
	struct store_opts *o = ctx;

	switch (key) {
	case OPT_PRINT_SQL:
		o->print_sql = 1;
		break;
	case OPT_FROM:
		o->from = arg;
		break;
	default: /* an option of the table this switch does not know */
		return cli_usage_error(c, "option not handled");
	}
	return 0;
}

#ifndef HAVE_LIBPQ
static int no_libpq(void)
{
	fprintf(stderr, "apitoken: built without the PostgreSQL store "
	                "(configure --with-libpq)\n");
	return EXIT_UNAVAIL;
}
#endif

static int run_init(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const struct store_opts *o = ctx;

	if (!o->print_sql)
		return cli_usage_error(c, "needs --print-sql");
#ifdef HAVE_LIBPQ
	return print_sql();
#else
	return no_libpq();
#endif
}

static int run_migrate(const struct cli_cmd *c, void *ctx, int argc,
                       char **argv)
{
	const struct store_opts *o = ctx;

#ifdef HAVE_LIBPQ
	return migrate(o->config);
#else
	(void)o;
	return no_libpq();
#endif
}

static int run_copy(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const struct store_opts *o = ctx;

	if (o->from == NULL)
		return cli_usage_error(c, "needs --from FILE.db");
#ifdef HAVE_LIBPQ
	return copy(o->config, o->from);
#else
	return no_libpq();
#endif
}

/* `apitoken store COMMAND` (tools/cli.h). */
static const struct cli_cmd store_commands[] = {
    {"store init", "--print-sql",
     "Prints the SQL a DBA runs once: the roles and the schema.", init_opts, 0,
     0, run_init, NULL},
    {"store migrate", "",
     "Applies the schema versions the PostgreSQL store lacks.", NULL, 0, 0,
     run_migrate, NULL},
    {"store copy", "--from FILE.db",
     "Copies every token of a SQLite store into PostgreSQL.", copy_opts, 0, 0,
     run_copy, NULL},
};

const struct cli_group store_cmd_group = {"store",
                                          "The PostgreSQL store",
                                          store_commands,
                                          sizeof(store_commands) /
                                              sizeof(store_commands[0]),
                                          set_option,
                                          NULL,
                                          NULL};

int store_cmd_main(const char *config, int argc, char **argv)
{
	struct store_opts o = {0};

	o.config = config;
	return cli_dispatch(&store_cmd_group, &o, argc - 1, argv + 1);
}

int store_cmd_describe(struct atok_store *s)
{
#ifdef HAVE_LIBPQ
	struct atok_error err = {0};
	char line[512];

	if (!atok_store_is_pg(s))
		return 0;
	if (atok_store_pg_describe(s, line, sizeof(line), &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return -1;
	}
	printf("store %s\n", line);
	return 1;
#else
	(void)s;
	return 0;
#endif
}

void store_cmd_note(const struct atok_store *s)
{
#ifdef HAVE_LIBPQ
	char hosts[256];
	int waited = atok_store_pg_sync_pending(s, hosts, sizeof(hosts));

	if (waited > 0)
		fprintf(stderr,
		        "apitoken: committed on the primary (%s), but the "
		        "synchronous standby had not confirmed it after %d s: "
		        "confirmation is still pending (see "
		        "pg_stat_replication)\n",
		        hosts, waited);
#else
	(void)s;
#endif
}
