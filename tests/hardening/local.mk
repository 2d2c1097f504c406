# SPDX-License-Identifier: BSD-3-Clause
# tests/hardening: concurrency, crash safety and allocation failure.
check_PROGRAMS += tests/hardening/test_threads
TESTS += tests/hardening/test_threads tests/hardening/store_crash.sh
tests_hardening_test_threads_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_hardening_test_threads_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(JANSSON_CFLAGS) -pthread
tests_hardening_test_threads_LDADD = $(TESTLIB) libatok.la $(CRYPTO_LIBS) \
	$(SQLITE_LIBS) $(JANSSON_LIBS) -lpthread
EXTRA_DIST += tests/hardening/store_crash.sh tests/hardening/README.md

# Allocation failure: the Nth allocation fails, for every N, along whole
# verifications (tests/hardening/alloc_fail.c).
check_PROGRAMS += tests/hardening/alloc_fail
TESTS += tests/hardening/alloc_fail
tests_hardening_alloc_fail_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_hardening_alloc_fail_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
tests_hardening_alloc_fail_LDADD = $(TESTLIB) libatok.la $(CRYPTO_LIBS) \
	$(SQLITE_LIBS) $(JANSSON_LIBS)

# The SASL plugin through libsasl2 from many threads (sasl_server_new /
# _start / _step per thread, as a threaded host serves connections).
check_PROGRAMS += tests/hardening/test_sasl_threads
TESTS += tests/hardening/test_sasl_threads
tests_hardening_test_sasl_threads_SOURCES = \
	tests/hardening/test_sasl_threads.c \
	sasl_plugin/oauth_parse.c sasl_plugin/oauth_parse.h
tests_hardening_test_sasl_threads_CPPFLAGS = $(AM_CPPFLAGS) \
	$(TESTLIB_CPPFLAGS) -I$(top_srcdir)/sasl_plugin \
	-DSASL_PLUGIN_DIR='"$(SASL_PLUGIN_BUILDDIR)"'
tests_hardening_test_sasl_threads_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(JANSSON_CFLAGS) -pthread
tests_hardening_test_sasl_threads_LDADD = $(TESTLIB) libatok.la $(SASL_LIBS) \
	$(CRYPTO_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) -lpthread
# the plugin it loads by path
EXTRA_tests_hardening_test_sasl_threads_DEPENDENCIES = \
	sasl_plugin/libapitoken.la
