#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: the real (setuid) sudo authenticating the invoking user with
# pam_apitoken.so through a private PAM service and a private sudoers copy.
# See lib.sh for how the test keeps off the real system.  Prints TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
it_require sudo visudo setpriv logger "$IT_PY"
it_enter "$@"

IT_FE=sudo
IT_SVC=apitoken-sudo
IT_SCOPE=sudo

it_test_syslog
if it_sudo_setup "$IT_SVC"; then
	pass "private sudoers with pam_service=$IT_SVC is valid"
else
	fail "private sudoers"
	bail "cannot set up sudo"
fi

it_token_cases

finish
