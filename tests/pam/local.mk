# SPDX-License-Identifier: BSD-3-Clause
# tests/pam: pam_apitoken.so through the real libpam (pam_start_confdir on
# generated service files), and its exported symbols.
PAM_APITOKEN_SO = $(abs_top_builddir)/.libs/pam_apitoken.so
PAM_PROBE_SO = $(abs_top_builddir)/tests/pam/.libs/pam_probe.so

# A test-only module: reports PAM_IGNORE and presets PAM_AUTHTOK.
check_LTLIBRARIES = tests/pam/pam_probe.la
tests_pam_pam_probe_la_SOURCES = tests/pam/pam_probe.c tests/pam/probe.h
tests_pam_pam_probe_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath $(abs_top_builddir)/tests/pam -no-undefined
tests_pam_pam_probe_la_LIBADD = $(PAM_LIBS)

check_PROGRAMS += tests/pam/test_pam
tests_pam_test_pam_SOURCES = tests/pam/test_pam.c tests/pam/probe.h
tests_pam_test_pam_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS) \
	-DPAM_APITOKEN_SO='"$(PAM_APITOKEN_SO)"' \
	-DPAM_PROBE_SO='"$(PAM_PROBE_SO)"'
tests_pam_test_pam_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
# -export-dynamic: libpam's syslog() calls land in the test's capture
tests_pam_test_pam_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_pam_test_pam_LDADD = $(TESTLIB) libatok.la $(PAM_LIBS) $(CRYPTO_LIBS) \
	$(SQLITE_LIBS)
# the modules it loads by path
EXTRA_tests_pam_test_pam_DEPENDENCIES = pam_apitoken.la \
	tests/pam/pam_probe.la

TESTS += tests/pam/test_pam tests/pam/exports.sh
EXTRA_DIST += tests/pam/exports.sh
