# SPDX-License-Identifier: BSD-3-Clause
# tests/bench: performance figures, not pass/fail; never part of `make
# check`.  `make bench` builds what it needs and runs both benchmarks:
#   bench_verify  verifies/s through atok_verify with 1k and 1M stored
#                 tokens (+ callgrind instructions per verify)
#   bench_pam.sh  ms per whole PAM login in a fresh pamtester process:
#                 pam_apitoken vs pam_permit vs pam_unix (root; runs in a
#                 private mount namespace, never touches /etc)
# Pass options with BENCH_VERIFY_FLAGS="--iters 50000 --no-callgrind" and
# BENCH_PAM_FLAGS="-n 50 --no-callgrind".
noinst_PROGRAMS += tests/bench/bench_verify
tests_bench_bench_verify_SOURCES = tests/bench/bench_verify.c
tests_bench_bench_verify_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_bench_bench_verify_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_bench_bench_verify_LDADD = $(TESTLIB) libatok.la $(SQLITE_LIBS)
EXTRA_DIST += tests/bench/bench_pam.sh tests/bench/bench_jwt.sh

# bench_introspect: introspection through the core vs bare libcurl.
noinst_PROGRAMS += tests/bench/bench_introspect
tests_bench_bench_introspect_SOURCES = tests/bench/bench_introspect.c
tests_bench_bench_introspect_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_bench_bench_introspect_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
tests_bench_bench_introspect_LDADD = $(TESTLIB) libatok.la $(CURL_LIBS)
EXTRA_DIST += tests/bench/bench_introspect.sh tests/bench/introspect_server.py

# bench_jwt: JWT verify through the core vs bare EVP_DigestVerify.
noinst_PROGRAMS += tests/bench/bench_jwt
tests_bench_bench_jwt_SOURCES = tests/bench/bench_jwt.c
tests_bench_bench_jwt_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_bench_bench_jwt_LDADD = $(TESTLIB) libatok.la $(CRYPTO_LIBS)

# bench_pg.sh: the PostgreSQL store against SQLite (root; starts its own
# PostgreSQL 15 with tests/lib/pg.sh).  Not run by `make bench`, which
# must not need a database server: run it directly.
if HAVE_LIBPQ
noinst_PROGRAMS += tests/bench/bench_pg_reuse
tests_bench_bench_pg_reuse_SOURCES = tests/bench/bench_pg_reuse.c
tests_bench_bench_pg_reuse_LDADD = libatok.la
endif
EXTRA_DIST += tests/bench/bench_pg.sh

BENCH_VERIFY_FLAGS =
BENCH_PAM_FLAGS =

bench: tests/bench/bench_verify$(EXEEXT) tests/bench/bench_jwt$(EXEEXT) \
		tests/bench/bench_introspect$(EXEEXT) \
		pam_apitoken.la tools/apitoken$(EXEEXT)
	@tmp=`mktemp -d "$${TMPDIR:-/tmp}/bench.XXXXXX"` || exit 2; \
	trap 'rm -rf "$$tmp"' 0; trap 'exit 130' 1 2 15; \
	echo "== bench_verify"; \
	$(top_builddir)/tests/bench/bench_verify $(BENCH_VERIFY_FLAGS) \
		>"$$tmp/verify" || { cat "$$tmp/verify"; exit 1; }; \
	cat "$$tmp/verify"; echo; \
	echo "== bench_pam.sh"; \
	top_builddir='$(abs_top_builddir)' bash \
		$(abs_top_srcdir)/tests/bench/bench_pam.sh $(BENCH_PAM_FLAGS) \
		>"$$tmp/pam" || { cat "$$tmp/pam"; exit 1; }; \
	cat "$$tmp/pam"; echo; \
	echo "== bench_introspect.sh"; \
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
		bash $(abs_top_srcdir)/tests/bench/bench_introspect.sh \
		>"$$tmp/intro" || { cat "$$tmp/intro"; exit 1; }; \
	cat "$$tmp/intro"; echo; \
	echo "== bench_jwt.sh"; \
	bash $(abs_top_srcdir)/tests/bench/bench_jwt.sh \
		$(abs_top_builddir)/tests/bench/bench_jwt >"$$tmp/jwt" || \
		{ cat "$$tmp/jwt"; exit 1; }; \
	cat "$$tmp/jwt"; echo; \
	echo "================================ bench summary"; \
	grep -hE '^(\||cost ratio|instruction ratio|apitoken - pam_permit)' \
		"$$tmp/verify" "$$tmp/pam"; \
	sed -n '/instructions per verification/,$$p' "$$tmp/jwt"
.PHONY: bench
