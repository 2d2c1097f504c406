/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_pg_sql.c - the PostgreSQL store's schema, as text: the roles a DBA
 * creates once, and the numbered schema migrations `apitoken store migrate`
 * applies as the owner role.  No libpq here: `apitoken store init
 * --print-sql` prints it without connecting anywhere.
 *
 * Least privilege: the owner (no login) owns everything; the admin role
 * issues, lists, revokes and rotates (no DELETE, UPDATE only of revoked and
 * last_used); the verifier role hosts log in as can only execute two
 * SECURITY DEFINER functions with a fixed search_path.
 */
#include "ac_config.h"

#include <stddef.h>

#include "store_pg.h"

const char atok_pg_roles_sql[] =
    "-- apitoken PostgreSQL store: roles (run once as a superuser or a\n"
    "-- role with CREATEROLE, in the token database).\n"
    "CREATE ROLE apitoken_owner NOLOGIN;\n"
    "CREATE ROLE apitoken_admin LOGIN;\n"
    "CREATE ROLE apitoken_verifier LOGIN CONNECTION LIMIT 200;\n"
    "ALTER ROLE apitoken_verifier SET statement_timeout = '2s';\n"
    "ALTER ROLE apitoken_verifier SET idle_session_timeout = '10min';\n"
    "-- last_used is bookkeeping: never wait for a synchronous standby.\n"
    "ALTER ROLE apitoken_verifier SET synchronous_commit = local;\n"
    "ALTER ROLE apitoken_admin SET statement_timeout = '30s';\n"
    "-- the schema is created by `apitoken store migrate` as the owner:\n"
    "-- the migrating login must be a member of apitoken_owner.\n"
    "DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO "
    "apitoken_owner', current_database()); END $$;\n";

/* migrations[i] brings the schema from version i to i + 1; each runs in
 * one transaction after SET ROLE apitoken_owner. */
static const char *const migrations[] = {
    "CREATE SCHEMA apitoken AUTHORIZATION apitoken_owner;\n"
    "REVOKE ALL ON SCHEMA apitoken FROM PUBLIC;\n"
    "CREATE TABLE apitoken.meta (\n"
    "  one boolean PRIMARY KEY DEFAULT true CHECK (one),\n"
    "  version integer NOT NULL\n"
    ");\n"
    "INSERT INTO apitoken.meta (version) VALUES (1);\n"
    "CREATE TABLE apitoken.tokens (\n"
    "  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),\n"
    "  user_name text NOT NULL CHECK (length(user_name) BETWEEN 1 AND "
    "256),\n"
    "  name text NOT NULL DEFAULT '' CHECK (length(name) <= 256),\n"
    "  scopes text NOT NULL DEFAULT '' CHECK (length(scopes) <= 1024),\n"
    "  hash bytea NOT NULL CHECK (length(hash) = 32),\n"
    "  created bigint NOT NULL,\n"
    "  expires bigint NOT NULL DEFAULT 0,\n"
    "  revoked bigint NOT NULL DEFAULT 0,\n"
    "  last_used bigint NOT NULL DEFAULT 0,\n"
    "  rotated_from text NOT NULL DEFAULT '',\n"
    "  allowed_from text NOT NULL DEFAULT '' CHECK (length(allowed_from) "
    "<= 1024),\n"
    "  last_used_from text NOT NULL DEFAULT '' CHECK "
    "(length(last_used_from) <= 64),\n"
    "  rotated_to text NOT NULL DEFAULT '' CHECK (length(rotated_to) <= "
    "64)\n"
    ");\n"
    "CREATE INDEX tokens_user ON apitoken.tokens (user_name, created);\n"
    "-- One row always: the schema version, and the token's columns (NULL\n"
    "-- when there is no such token).\n"
    "CREATE FUNCTION apitoken.lookup_token(p_id text)\n"
    "  RETURNS TABLE (schema_version integer, id text, user_name text,\n"
    "                 name text, scopes text, hash text, created bigint,\n"
    "                 expires bigint, revoked bigint, last_used bigint,\n"
    "                 rotated_from text, allowed_from text,\n"
    "                 last_used_from text, rotated_to text)\n"
    "  LANGUAGE sql STABLE SECURITY DEFINER\n"
    "  SET search_path = pg_catalog, pg_temp\n"
    "  AS $$ SELECT m.version, t.id, t.user_name, t.name, t.scopes,\n"
    "          encode(t.hash, 'hex'), t.created, t.expires, t.revoked,\n"
    "          t.last_used, t.rotated_from, t.allowed_from,\n"
    "          t.last_used_from, t.rotated_to\n"
    "        FROM apitoken.meta m\n"
    "        LEFT JOIN apitoken.tokens t ON t.id = p_id $$;\n"
    "-- Records a use at the server's time, and the client's address, at\n"
    "-- most once per p_interval seconds: all a stolen host credential can\n"
    "-- write.\n"
    "CREATE FUNCTION apitoken.record_use(p_id text, p_interval bigint,\n"
    "                                    p_from text)\n"
    "  RETURNS void\n"
    "  LANGUAGE sql VOLATILE SECURITY DEFINER\n"
    "  SET search_path = pg_catalog, pg_temp\n"
    "  AS $$ UPDATE apitoken.tokens\n"
    "          SET last_used = extract(epoch FROM now())::bigint,\n"
    "              last_used_from = left(coalesce(p_from, ''), 64)\n"
    "        WHERE id = p_id AND revoked = 0\n"
    "          AND last_used <= extract(epoch FROM now())::bigint\n"
    "                           - greatest(p_interval, 0) $$;\n"
    "REVOKE ALL ON FUNCTION apitoken.lookup_token(text) FROM PUBLIC;\n"
    "REVOKE ALL ON FUNCTION apitoken.record_use(text, bigint, text) FROM "
    "PUBLIC;\n"
    "GRANT USAGE ON SCHEMA apitoken TO apitoken_verifier, apitoken_admin;\n"
    "GRANT EXECUTE ON FUNCTION apitoken.lookup_token(text),\n"
    "  apitoken.record_use(text, bigint, text) TO apitoken_verifier;\n"
    "GRANT EXECUTE ON FUNCTION apitoken.lookup_token(text) TO "
    "apitoken_admin;\n"
    "GRANT SELECT ON apitoken.meta TO apitoken_admin;\n"
    "GRANT SELECT, INSERT ON apitoken.tokens TO apitoken_admin;\n"
    "GRANT UPDATE (revoked, last_used, last_used_from, expires, rotated_to)"
    " ON apitoken.tokens TO apitoken_admin;\n",
};

int atok_pg_schema_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *atok_pg_migration_sql(int from)
{
	if (from < 0 || from >= atok_pg_schema_version())
		return NULL;
	return migrations[from];
}
