# SPDX-License-Identifier: BSD-3-Clause
# tests/pg: the PostgreSQL store against a real PostgreSQL 15 that
# tests/lib/pg.sh starts in a temp dir (root; skipped without libpq).
TESTS += tests/pg/store.sh
EXTRA_DIST += tests/pg/store.sh
# a streaming standby: synchronous revocation, failover by promotion
TESTS += tests/pg/failover.sh
EXTRA_DIST += tests/pg/failover.sh
# allocation failure along the PostgreSQL verify path (tests/hardening/alloc_fail)
TESTS += tests/pg/alloc_fail.sh
EXTRA_DIST += tests/pg/alloc_fail.sh
# a verifier's connection across fork() (driven by tests/pg/store.sh)
if HAVE_LIBPQ
check_PROGRAMS += tests/pg/pg_fork
tests_pg_pg_fork_SOURCES = tests/pg/pg_fork.c
tests_pg_pg_fork_LDADD = libatok.la
endif
