#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: a real OpenSSH sshd (keyboard-interactive, UsePAM) on
# 127.0.0.1 authenticating with pam_apitoken.so.  See lib.sh for how the test
# keeps off the real system (mount + PID namespace, private /etc copies,
# private /dev with a syslog reader).  Prints TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
# shellcheck source=tests/integration/fail2ban.sh
. "$(dirname "$(readlink -f "$0")")/fail2ban.sh"
it_require /usr/sbin/sshd ssh ssh-keygen sshpass setpriv logger "$IT_PY"
it_enter "$@"

IT_FE=ssh
IT_SVC=apitoken-sshd # = basename(argv[0]) of the sshd we start
IT_SCOPE=ssh

it_test_syslog
it_sshd_start_test "$IT_SVC"

it_token_cases

# ssh_shell SECRETVAR — an interactive login (a terminal, no command: sshd
# shows its login messages only then) that runs "echo OK; exit".  Output in
# $T/ssh.out and $T/ssh.err.
ssh_shell() {
	printf 'echo O""K; exit\n' |
		timeout 60 sshpass -P "$IT_PROMPT_MATCH" -f "$T/secrets/$1" \
		ssh -F /dev/null -tt \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 \
		-p "$IT_SSH_PORT" "$IT_USER@127.0.0.1" >"$T/ssh.out" 2>"$T/ssh.err"
	cat "$T/ssh.out" "$T/ssh.err" >>"$T/client-all.log"
}

if [ -z "${IT_HARNESS_ONLY:-}" ]; then
	# The account phase's expiry warning, as a real ssh client shows it
	# (sshd prints account-phase PAM_TEXT_INFO messages after login, on a
	# terminal).
	it_issue tok_soon "$IT_USER" --expires 3d --name it-soon ||
		bail "issue failed"
	it_log_mark
	ssh_shell tok_soon
	check "token expiring in 3 days: logged in" grep -q OK "$T/ssh.out"
	# shellcheck disable=SC2154 # tok_soon_id is set by it_issue
	check "token expiring in 3 days: the ssh client shows the expiry warning" \
		grep -q -F "Your API token $tok_soon_id expires in 3 days (" \
		"$T/ssh.out" "$T/ssh.err"
	check "token expiring in 3 days: log has account decision=accept" \
		it_log_has "account decision=accept" "token_id=$tok_soon_id "
	ssh_shell tok_good
	check "token that never expires: logged in, no expiry warning" \
		sh -c "grep -q OK '$T/ssh.out' &&
			! grep -q -F 'Your API token' '$T/ssh.out' '$T/ssh.err'"

	# fail2ban: a refusal and a login from another address, then the
	# filter against every line this test logged.
	IT_SSH_OPTS="-b 127.0.0.2" it_expect_refused "refused from 127.0.0.2" \
		tok_flip "rhost=127.0.0.2 ruser="
	IT_SSH_OPTS="-b 127.0.0.2" it_login tok_good
	check "accepted from 127.0.0.2" it_accepted
	check "accept line carries rhost=127.0.0.2" \
		it_log_has "decision=accept" "rhost=127.0.0.2 ruser="
	it_fail2ban_check accept 127.0.0.1 127.0.0.2
fi

check "sshd still running after all cases" it_sshd_alive
finish
