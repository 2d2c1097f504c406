# SPDX-License-Identifier: BSD-3-Clause
# tests/integration: end-to-end tests with a real sshd and a real sudo.
# They need root and unshare (else they print "1..0 # SKIP ...").
# stacked.sh: pam_unix and pam_apitoken at one prompt, against a recording
# introspection endpoint: no password ever reaches it.
# device.sh: the device-flow login against oidc-provider, through libpam
# (tests/pam/pam_device), sudo and sshd.
TESTS += tests/integration/sshd.sh tests/integration/sudo.sh \
	tests/integration/stacked.sh tests/integration/lifecycle.sh \
	tests/integration/device.sh
check_PROGRAMS += tests/pam/pam_device
tests_pam_pam_device_SOURCES = tests/pam/pam_device.c
tests_pam_pam_device_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
tests_pam_pam_device_LDADD = $(TESTLIB) $(PAM_LIBS)
# the PostgreSQL store through real sshd and sudo (tests/lib/pg.sh)
TESTS += tests/integration/sshd_pg.sh
EXTRA_DIST += \
	tests/integration/lib.sh \
	tests/integration/fail2ban.sh \
	tests/integration/sshd.sh \
	tests/integration/stacked.sh \
	tests/integration/sudo.sh \
	tests/integration/lifecycle.sh \
	tests/integration/sshd_pg.sh \
	tests/integration/device.sh \
	tests/integration/device_pty.py \
	tests/integration/syslog_reader.py
