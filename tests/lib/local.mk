# SPDX-License-Identifier: BSD-3-Clause
# tests/lib: the C helpers the test programs share (TAP lines, temp
# fixtures, test JWTs, local tokens, the libsasl2 and PAM callbacks, the
# threaded tests' reports, a clock), one libtool convenience library:
# static, never installed.  A program that uses it adds $(TESTLIB_CPPFLAGS)
# to its _CPPFLAGS and $(TESTLIB) first in its _LDADD, before libatok.la
# (the helpers call the core).
TESTLIB = tests/lib/libatoktest.la
TESTLIB_CPPFLAGS = -I$(top_srcdir)/tests/lib
noinst_LTLIBRARIES += tests/lib/libatoktest.la
tests_lib_libatoktest_la_SOURCES = \
	tests/lib/tap.c tests/lib/tap.h \
	tests/lib/fixture.c tests/lib/fixture.h \
	tests/lib/jwt_helper.c tests/lib/jwt_helper.h \
	tests/lib/live_tokens.c tests/lib/live_tokens.h \
	tests/lib/tokens.c tests/lib/tokens.h \
	tests/lib/sasl_cb.c tests/lib/sasl_cb.h \
	tests/lib/pam_conv.c tests/lib/pam_conv.h \
	tests/lib/threads.c tests/lib/threads.h \
	tests/lib/timing.c tests/lib/timing.h
tests_lib_libatoktest_la_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS) \
	-DJWT_FIXTURES='"$(abs_top_srcdir)/tests/fixtures/jwt"'
tests_lib_libatoktest_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) -pthread \
	$(SQLITE_CFLAGS) $(JANSSON_CFLAGS)

# The shell suites' library (doc/HACKING.md, "A test"): the TAP vocabulary,
# the set-up the suites share, and one starter per server.
EXTRA_DIST += \
	tests/lib/tap.sh tests/lib/suite.sh \
	tests/lib/cli.sh tests/lib/jwt.sh tests/lib/exports.sh tests/lib/verify.sh \
	tests/lib/oidc.sh tests/lib/pg.sh tests/lib/postfix.sh tests/lib/cyrus.sh \
	tests/lib/fault_server.sh
