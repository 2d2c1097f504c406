# SPDX-License-Identifier: BSD-3-Clause
# tests/oidc: a real OAuth 2.0 authorization server (oidc-provider) for
# end-to-end tests, its self-test, and the JWT end-to-end test through the
# PAM module (tests/pam/pam_login, a driver that passes long tokens) and the
# apitoken command.
check_PROGRAMS += tests/pam/pam_login
tests_pam_pam_login_SOURCES = tests/pam/pam_login.c
tests_pam_pam_login_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_pam_pam_login_LDADD = $(TESTLIB) $(PAM_LIBS)

TESTS += tests/oidc/selftest.sh tests/oidc/jwt_e2e.sh tests/oidc/oauth_client.sh
EXTRA_DIST += tests/oidc/package.json tests/oidc/package-lock.json \
	tests/oidc/server.mjs tests/oidc/selftest.sh \
	tests/oidc/README.md tests/oidc/jwt_e2e.sh tests/oidc/oauth_client.sh
