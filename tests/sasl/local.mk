# SPDX-License-Identifier: BSD-3-Clause
# tests/sasl: the OAUTHBEARER / XOAUTH2 parsers (table tests), the built
# plugin through the real libsasl2 (in process), its exported symbols, and
# end-to-end logins against a real Cyrus IMAP and a real Postfix smtpd.
SASL_PLUGIN_BUILDDIR = $(abs_top_builddir)/sasl_plugin/.libs

check_PROGRAMS += tests/sasl/test_parse tests/sasl/test_sasl
TESTS += tests/sasl/test_parse tests/sasl/test_sasl

tests_sasl_test_parse_SOURCES = tests/sasl/test_parse.c \
	sasl_plugin/oauth_parse.c sasl_plugin/oauth_parse.h
tests_sasl_test_parse_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS) \
	-I$(top_srcdir)/sasl_plugin
tests_sasl_test_parse_LDADD = $(TESTLIB)

tests_sasl_test_sasl_SOURCES = tests/sasl/test_sasl.c \
	sasl_plugin/oauth_parse.c sasl_plugin/oauth_parse.h \
	sasl_plugin/overrides.c
tests_sasl_test_sasl_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS) \
	-I$(top_srcdir)/sasl_plugin \
	-DSASL_PLUGIN_DIR='"$(SASL_PLUGIN_BUILDDIR)"'
tests_sasl_test_sasl_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_sasl_test_sasl_LDADD = $(TESTLIB) libatok.la $(SASL_LIBS) \
	$(CRYPTO_LIBS) $(SQLITE_LIBS)
# the plugin it loads by path
EXTRA_tests_sasl_test_sasl_DEPENDENCIES = sasl_plugin/libapitoken.la

TESTS += tests/sasl/exports.sh
EXTRA_DIST += tests/sasl/exports.sh

# End to end (root, unshare; else they print "1..0 # SKIP ..."): a real
# Cyrus IMAP (tests/lib/cyrus.sh) and real Postfix instances
# (tests/lib/postfix.sh); e2e_common.sh is what they share.
TESTS += tests/sasl/e2e_imap.sh
EXTRA_DIST += tests/sasl/e2e_imap.sh tests/sasl/e2e_common.sh \
	tests/sasl/e2e_client.py
TESTS += tests/sasl/e2e_smtp.sh
EXTRA_DIST += tests/sasl/e2e_smtp.sh
TESTS += tests/sasl/e2e_relay.sh
EXTRA_DIST += tests/sasl/e2e_relay.sh
# Postfix with the PostgreSQL store (tests/lib/pg.sh)
TESTS += tests/sasl/e2e_smtp_pg.sh
EXTRA_DIST += tests/sasl/e2e_smtp_pg.sh

# Figures, not pass/fail; not in TESTS.  Run: tests/sasl/bench_sasl [-n N]
noinst_PROGRAMS += tests/sasl/bench_sasl
tests_sasl_bench_sasl_SOURCES = tests/sasl/bench_sasl.c \
	sasl_plugin/oauth_parse.c sasl_plugin/oauth_parse.h
tests_sasl_bench_sasl_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS) \
	-I$(top_srcdir)/sasl_plugin \
	-DSASL_PLUGIN_DIR='"$(SASL_PLUGIN_BUILDDIR)"'
tests_sasl_bench_sasl_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
tests_sasl_bench_sasl_LDADD = $(TESTLIB) libatok.la $(SASL_LIBS) \
	$(CRYPTO_LIBS) $(SQLITE_LIBS)

# libFuzzer harness for the parsers: not built by default (see its header).
EXTRA_DIST += tests/fuzz/fuzz_oauth_parse.c
