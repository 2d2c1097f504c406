#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: passwords and tokens at one prompt.  pam_unix (the test user
# has a real password, in the private /etc/shadow only) stacked with
# pam_apitoken in every order an administrator would write, through the
# real sudo and the real sshd, with an [introspection] section whose
# endpoint (tests/introspection/fault_server.py) records every request.
#
# The rule under test: input that is not of a declared token shape -- a
# right or mistyped password -- never reaches the authorization server, and
# its log line carries no fingerprint.  The right password, a local token
# and an opaque token of the declared shape (opaque_prefix = op-) log in.
# See lib.sh for how the test keeps off the real system.  Prints TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
it_require sudo visudo setpriv logger sshpass chpasswd "$IT_PY" /usr/sbin/sshd
it_enter "$@"
# shellcheck source=tests/lib/fault_server.sh
. "$top_srcdir/tests/lib/fault_server.sh"
IT_CLEANUP=fault_server_stop

IT_SVC=apitoken-stacked
PASSWORD='Correct-Horse-9'
# Mistyped passwords of every shape, the issue's own example first.  None
# may ever reach the server; all are refused.
WRONG=(
	'Correct-Horse-8'
	'hunter2'
	'correct horse battery staple, and then some more words'
	'correcthorsebatterystaplexyzzy'
	'Q29ycmVjdC1Ib3JzZS04IGJhc2U2NA=='
	'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhx'
	'my.pass.word'
	'op'
)

it_test_syslog

# ---- the world: a password, a recording introspection endpoint ------------

if printf '%s:%s\n' "$IT_USER" "$PASSWORD" | chpasswd 2>"$T/chpasswd.err" &&
	grep -q "^$IT_USER:\\\$" /etc/shadow; then
	pass "the test user has a password (private /etc/shadow)"
else
	fail "chpasswd for the test user"
	it_mask <"$T/chpasswd.err"
	bail "no password for the test user"
fi
# the passwords' files for sudo and sshpass; not in all-tokens (a
# two-letter password would match anywhere): no_password_in checks them
pw_file() { (umask 077 && printf '%s\n' "$2" >"$T/secrets/$1"); }
pw_file pw_right "$PASSWORD"
for i in "${!WRONG[@]}"; do pw_file "pw_wrong$i" "${WRONG[$i]}"; done

mkdir -m 0700 "$T/srv" "$T/cache"
"$IT_PY" -c 'import json,sys; json.dump({"client_id": "stacked-rs", "client_secret": "s3cret-stacked"}, open(sys.argv[1], "w"))' \
	"$T/srv/state.json"
IT_DIAG_FILES="$IT_DIAG_FILES $T/srv/stderr"
if fault_server_start "$T/srv"; then
	pass "recording introspection endpoint on 127.0.0.1:$FS_PORT"
else
	fail "recording introspection endpoint"
	it_mask <"$T/srv/stderr"
	bail "no introspection endpoint"
fi
(umask 077 && printf 's3cret-stacked\n' >"$T/secrets/client.secret")
cat >>"$IT_CONF" <<EOF
[introspection]
endpoint = http://127.0.0.1:$FS_PORT/db
client_id = stacked-rs
client_secret_file = $T/secrets/client.secret
allow_http_loopback = yes
timeout = 2
cache_ttl = 0
negative_cache_ttl = 0
opaque_prefix = op-
[cache]
dir = $T/cache
EOF
it_secret tok_opaque "op-stacked-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
# shellcheck disable=SC2154 # tok_opaque is set by it_secret (printf -v)
fault_server_settok "$T/srv" "$tok_opaque" \
	"{\"active\": true, \"username\": \"$IT_USER\", \"scope\": \"ssh sudo\", \"exp\": \"now+3600\"}"
it_issue tok_local "$IT_USER" --name stacked || bail "issue failed"

# it_stack NAME — /etc/pam.d/$IT_SVC as an administrator would write it:
#   unix-first     pam_unix, then pam_apitoken use_first_pass (Debian's
#                  common-auth layout; the pam-auth-update profile)
#   unix-first-try the same with try_first_pass
#   module-first   pam_apitoken asks, then pam_unix use_first_pass
#   module-alone   pam_apitoken only
it_stack() {
	local m="$IT_MODULE config=$IT_CONF debug" first second
	case $1 in
	unix-first | unix-first-try)
		local opt=use_first_pass
		[ "$1" = unix-first-try ] && opt=try_first_pass
		IT_PROMPT_MATCH=assword
		first="pam_unix.so nodelay" second="$m $opt"
		;;
	module-first)
		IT_PROMPT_MATCH=Token
		first=$m second="pam_unix.so nodelay use_first_pass"
		;;
	module-alone)
		IT_PROMPT_MATCH=Token
		cat >"$T/etc/pam.d/$IT_SVC" <<EOF
auth     required  $m
account  required  $m
session  required  pam_permit.so
password required  pam_deny.so
EOF
		return
		;;
	esac
	# the first of the two that succeeds is enough
	cat >"$T/etc/pam.d/$IT_SVC" <<EOF
auth     [success=2 default=ignore]  $first
auth     [success=1 default=ignore]  $second
auth     requisite                   pam_deny.so
auth     required                    pam_permit.so
account  required                    pam_unix.so
account  required                    $m
session  required                    pam_permit.so
password required                    pam_deny.so
EOF
}

sent_count() { fault_server_tokens "$T/srv" | wc -l; }

# it_try STACK DESC SECRETVAR accept|refuse [log strings...]
it_try() {
	local stack=$1 desc="$IT_FE $1: $2" var=$3 want=$4 before
	shift 4
	before=$(sent_count)
	it_login "$var"
	if [ "$want" = accept ]; then
		check "$desc: logs in" it_accepted
	else
		check "$desc: refused" it_refused
	fi
	check "$desc: $IT_FE did not crash" it_no_crash
	if [ $# -gt 0 ]; then
		check "$desc: log line$(it_label "$@")" it_log_has "$@"
	fi
	case $var in
	tok_opaque)
		check "$desc: the recording endpoint is still up" \
			fault_server_alive
		check "$desc: introspected once" [ "$(sent_count)" -eq $((before + 1)) ] ;;
	*)
		check "$desc: nothing sent to the authorization server" \
			[ "$(sent_count)" -eq "$before" ] ;;
	esac
}

# it_stack_cases STACK
# shellcheck disable=SC2154 # tok_local_id is set by it_issue (printf -v)
it_stack_cases() {
	local s=$1 i pw_logs_in=accept
	it_stack "$s"
	[ "$s" = module-alone ] && pw_logs_in=refuse
	if [ "$s" = module-alone ]; then
		it_try "$s" "the right password, no pam_unix" pw_right refuse \
			"decision=reject" "fingerprint=- " 'reason="not a token'
	else
		it_try "$s" "the right password" pw_right "$pw_logs_in"
	fi
	it_try "$s" "a local token" tok_local accept \
		"decision=accept" "token_id=$tok_local_id" source=local
	it_try "$s" "an opaque token of the declared shape" tok_opaque accept \
		"decision=accept" source=introspection
	for i in "${!WRONG[@]}"; do
		it_try "$s" "mistyped password #$i (${#WRONG[$i]} chars)" \
			"pw_wrong$i" refuse
		# sshd and sudo keep what they cannot pass (none of these): the
		# module saw it, and refused it as no token, unfingerprinted
		check "$IT_FE $s: mistyped password #$i: logged as not a token, no fingerprint" \
			it_log_has "decision=reject" "fingerprint=- " 'reason="not a token'
	done
}

# ---- sudo: every stack -------------------------------------------------------

IT_FE=sudo
if it_sudo_setup "$IT_SVC"; then
	pass "private sudoers with pam_service=$IT_SVC"
else
	bail "cannot set up sudo"
fi
for stack in unix-first unix-first-try module-first module-alone; do
	it_stack_cases "$stack"
done

# ---- sshd: the profile's stack and the module asking first -----------------

IT_FE=ssh
# Sanitizer build only: sshd runs PAM in a child it forks, and there,
# under the preloaded ASan runtime, the first dlopen() of libcurl hangs
# for good in GnuTLS's constructor on glibc's locale lock (_nl_state_lock,
# left held across the fork; the lock lib.sh's it_stop mentions).  Loaded
# at sshd's start instead, it is already there when the module asks.
if [ ${#IT_HOST[@]} -gt 0 ]; then
	IT_HOST=(env "LD_PRELOAD=$ATOK_SAN_PRELOAD:libcurl.so.4" "ASAN_OPTIONS=$ATOK_HOST_ASAN")
fi
if it_sshd_start "$IT_SVC"; then
	pass "sshd on 127.0.0.1:$IT_SSH_PORT"
	for stack in unix-first module-first; do
		it_stack_cases "$stack"
	done
else
	fail "sshd did not start"
fi

# ---- what the authorization server and the logs hold ------------------------

check "the server's record holds only tokens of the declared shape (op-...)" \
	[ -z "$(fault_server_tokens "$T/srv" | grep -v '^op-')" ]
check "the server's record holds the opaque token (it was asked)" \
	grep -q -F "$tok_opaque" "$T/srv/requests.jsonl"
# every password of 7 characters or more ("op" is in many words)
# shellcheck disable=SC2317 # called through check
no_password_in() {
	local p enc
	for p in "$PASSWORD" "${WRONG[@]}"; do
		[ "${#p}" -ge 7 ] || continue
		enc=$("$IT_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$p")
		grep -q -F -e "$p" -e "$enc" "$@" && { note "found a password in $*"; return 1; }
	done
	return 0
}
check "no password, right or wrong, in the server's record (raw or form-encoded)" \
	no_password_in "$T/srv/requests.jsonl"
check "no password in syslog, the sshd log or the clients' output" \
	no_password_in "$IT_SYSLOG" "${IT_SSHD_LOG:-/dev/null}" "$T/client-all.log"
check "no token in syslog, the sshd log or the clients' output" \
	it_no_token_in "$IT_SYSLOG" "${IT_SSHD_LOG:-/dev/null}" "$T/client-all.log"
check "every decision= line carries reason=\"…\"" it_every_decision_has_reason

finish
