# tests/hardening: concurrency and crash safety (issue 6).
check_PROGRAMS += tests/hardening/test_threads
TESTS += tests/hardening/test_threads tests/hardening/store_crash.sh
tests_hardening_test_threads_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests \
	-DJWT_FIXTURES='"$(abs_top_srcdir)/tests/fixtures/jwt"'
tests_hardening_test_threads_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(JANSSON_CFLAGS) -pthread
tests_hardening_test_threads_LDADD = libatok.la $(CRYPTO_LIBS) $(SQLITE_LIBS) \
	$(JANSSON_LIBS) -lpthread
EXTRA_DIST += tests/hardening/store_crash.sh

