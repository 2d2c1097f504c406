/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_pg.h - the PostgreSQL token store ([store] backend = postgresql).
 *
 * store_pg.c is the only file that includes libpq's header; it loads
 * libpq.so.5 with dlopen() the first time this backend is opened, so a
 * process that never opens it never loads libpq.  store_pg_sql.c holds the
 * schema as text.
 */
#ifndef ATOK_STORE_PG_H
#define ATOK_STORE_PG_H

#include <stddef.h>

#include "errors.h"
#include "store.h"

#define ATOK_PG_CONNINFO_MAX 2048 /* bytes of a conninfo string */
#define ATOK_PG_HOSTS_MAX    8    /* hosts in one multi-host conninfo */

/* The roles a DBA creates once (printed by `apitoken store init`). */
extern const char atok_pg_roles_sql[];

/* The schema version this code reads and writes. */
int atok_pg_schema_version(void);

/* The DDL that brings the schema from version `from` to from + 1; NULL
 * when from is out of range. */
const char *atok_pg_migration_sql(int from);

/*
 * Opens the PostgreSQL store: validates [store] conninfo (READ mode) or
 * admin_conninfo (ADMIN mode) with libpq's own parser and this file's
 * rules (no password=, TLS verify-full for TCP hosts, ...).  Connects
 * lazily, at the first query.  ATOK_ERR_CONFIG for a bad conninfo,
 * ATOK_ERR_PERM for an unsafe passfile or sslkey, ATOK_ERR_UNAVAILABLE
 * when libpq cannot be loaded.
 */
int atok_store_pg_open(const struct atok_config *cfg, enum atok_store_mode mode,
                       struct atok_store **sp, struct atok_error *err);

/*
 * Applies the missing schema migrations as the owner role: connects with
 * [store] owner_conninfo (default admin_conninfo), SET ROLE
 * apitoken_owner, one transaction.  *from and *to receive the versions
 * before and after.  A schema newer than this code is ATOK_ERR_SCHEMA.
 */
int atok_store_pg_migrate(const struct atok_config *cfg, int *from, int *to,
                          struct atok_error *err);

/*
 * Describes an open PostgreSQL store for check-config: the server it
 * reached, its version, the role, and what that role may do.  Connects if
 * needed.  buf receives one line.
 */
int atok_store_pg_describe(struct atok_store *base, char *buf, size_t n,
                           struct atok_error *err);

/*
 * After a revoke or rotate: non-zero (the seconds waited) when the commit
 * is done on the primary but a synchronous standby had not confirmed it
 * within [store] timeout; where_ receives the configured hosts.
 */
int atok_store_pg_sync_pending(const struct atok_store *base, char *where_,
                               size_t n);

/* Whether s is a PostgreSQL store. */
int atok_store_is_pg(const struct atok_store *s);

#endif /* ATOK_STORE_PG_H */
