#!/bin/bash
# End-to-end: a real OpenSSH sshd (keyboard-interactive, UsePAM) on
# 127.0.0.1 authenticating with pam_apitoken.so.  See lib.sh for how the test
# keeps off the real system (mount + PID namespace, private /etc copies,
# private /dev with a syslog reader).  Prints TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
it_require /usr/sbin/sshd ssh ssh-keygen sshpass setpriv logger "$IT_PY"
it_enter "$@"

# shellcheck disable=SC2034 # used by lib.sh
IT_FE=ssh
IT_SVC=apitoken-sshd # = basename(argv[0]) of the sshd we start
IT_SCOPE=ssh

it_test_syslog
if it_sshd_start "$IT_SVC"; then
	it_ok "sshd started on 127.0.0.1:$IT_SSH_PORT (PAM service $IT_SVC)"
else
	it_not_ok "sshd started"
	it_bail "sshd did not start"
fi

it_token_cases

it_check "sshd still running after all cases" it_sshd_alive
it_plan_and_exit
