# SPDX-License-Identifier: BSD-3-Clause
# tests/integration: end-to-end tests with a real sshd and a real sudo.
# They need root and unshare (else they print "1..0 # SKIP ...").
# stacked.sh: pam_unix and pam_apitoken at one prompt, against a recording
# introspection endpoint: no password ever reaches it.
TESTS += tests/integration/sshd.sh tests/integration/sudo.sh \
	tests/integration/stacked.sh tests/integration/lifecycle.sh
EXTRA_DIST += \
	tests/integration/lib.sh \
	tests/integration/fail2ban.sh \
	tests/integration/sshd.sh \
	tests/integration/stacked.sh \
	tests/integration/sudo.sh \
	tests/integration/lifecycle.sh \
	tests/integration/syslog_reader.py
