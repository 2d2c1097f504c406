#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: a private Postfix instance (postfix -c $T/postfix: its own
# main.cf / master.cf / queue, smtpd on 127.0.0.1:<port>, no chroot) with
# smtpd_sasl_type=cyrus, the plugin loaded through SASL_PATH (imported
# into master's scrubbed environment with import_environment) and
# $T/postfix/sasl/smtpd.conf; real clients: curl and Python's smtplib.
# Tokens: local API tokens, and (with oidc-provider started here on
# 127.0.0.1, see e2e_common.sh) JWT access tokens and opaque tokens checked
# by RFC 7662 introspection, from one configuration; a 4 KB JWT on a second
# smtpd (-o smtpd_sasl_path=smtpd4k) whose configuration has only [jwt].
# Runs inside the private namespace of tests/integration/lib.sh.  TAP.
# shellcheck source=tests/sasl/e2e_common.sh
. "$(dirname "$(readlink -f "$0")")/e2e_common.sh"
# shellcheck source=tests/lib/postfix.sh
. "$top_srcdir/tests/lib/postfix.sh"
# shellcheck source=tests/integration/fail2ban.sh
. "$IT_DIR/fail2ban.sh"
it_require /usr/sbin/postfix /usr/lib/postfix/sbin/smtpd curl logger "$IT_PY"
it_enter "$@"

E2E_SCOPE=smtp
PF=$T/postfix
trap 'e2e_cleanup postfix_stop_all' EXIT

# smtpd on SMTP_PORT with the main configuration, on SMTP4K_PORT with the
# [jwt]-only one.
smtp_setup() {
	postfix_setup "$PF" e2e-postfix smtp.example.com "$E2E_PLUGDIR" &&
		postfix_smtpd "$PF" SMTP_PORT "$E2E_CONF" "$E2E_SCOPE" &&
		postfix_smtpd "$PF" SMTP4K_PORT "$E2E_CONF4K" "$E2E_SCOPE" smtpd4k
}

curl_smtp() { # VAR MECH [curl options]
	local var=$1 mech=$2
	shift 2
	e2e_curlrc "$var" "$IT_USER"
	timeout 60 curl -sS -K "$T/secrets/curlrc" --login-options "AUTH=$mech" \
		-X NOOP "$@" "smtp://127.0.0.1:${SMTP_CUR:-$SMTP_PORT}/client.example.com" \
		>"$T/curl.out" 2>"$T/curl.err"
	E2E_RC=$?
	rm -f "$T/secrets/curlrc"
	cat "$T/curl.out" "$T/curl.err" >>"$T/client-all.log"
	return 0
}

# shellcheck disable=SC2317 # called through check
temp_without_challenge() { out_has "CODE 454" && ! out_has CHALLENGE; }

# ------------------------------------------------------------------ cases
it_test_syslog
e2e_plugin_dir
# shellcheck disable=SC2119 # oidc_start's default options
e2e_oidc_start
e2e_store postfix:postfix

smtp_setup || bail "cannot set up postfix"
postfix_start_test "private Postfix started, smtpd on 127.0.0.1:$SMTP_PORT" "$PF"

printf 'EHLO client.example.com\r\nQUIT\r\n' |
	timeout 20 "$IT_PY" -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(5)
s.sendall(sys.stdin.buffer.read()); time.sleep(1)
print(s.recv(65536).decode())' "$SMTP_PORT" >"$T/ehlo.out" 2>&1
check "EHLO advertises AUTH OAUTHBEARER XOAUTH2" \
	grep -q 'AUTH.*OAUTHBEARER' "$T/ehlo.out"

it_log_mark
py_smtp tok_good OAUTHBEARER
check "smtplib OAUTHBEARER (SASL-IR), local token: 235" out_has "CODE 235"
# (Postfix logs the plugin's SASL_LOG_NOTE lines only under smtpd -v, so
# accept lines are not in syslog here; refusals and unavailability are.)
py_smtp tok_good OAUTHBEARER --no-ir
check "smtplib OAUTHBEARER without initial response: 235" out_has "CODE 235"
py_smtp tok_good XOAUTH2
check "smtplib XOAUTH2: 235" out_has "CODE 235"

curl_smtp tok_good OAUTHBEARER --sasl-ir
check "curl OAUTHBEARER: authenticated" rc_is 0

it_log_mark
py_smtp tok_flip OAUTHBEARER
check "smtplib OAUTHBEARER, bad token: 535" out_has "CODE 535"
check "  syslog: decision=reject with the token's fingerprint" \
	it_log_has "apitoken: OAUTHBEARER decision=reject" \
	"fingerprint=$(it_fingerprint tok_flip)"
check "  after the JSON challenge invalid_token" \
	out_has 'CHALLENGE {"status":"invalid_token","scope":"smtp"}'
py_smtp tok_noscope OAUTHBEARER
check "smtplib OAUTHBEARER, token without scope smtp: 535 after insufficient_scope" \
	eval 'out_has "CODE 535" && out_has insufficient_scope'
py_smtp tok_flip XOAUTH2
check "smtplib XOAUTH2, bad token: 535 after the 401 challenge" \
	eval 'out_has "CODE 535" && out_has "\"status\":\"401\""'
py_smtp tok_4k OAUTHBEARER
check "smtplib OAUTHBEARER, 4 KB token: 535 after the challenge" \
	eval 'out_has "CODE 535" && out_has invalid_token'
curl_smtp tok_flip OAUTHBEARER --sasl-ir
check "curl OAUTHBEARER, bad token: refused (exit 67)" rc_is 67

it_log_mark
if e2e_lock_store; then
	py_smtp tok_good OAUTHBEARER
	check "store locked (validator unavailable): 454 temporary failure, no challenge" \
		temp_without_challenge
	check "  syslog: decision=unavailable" it_log_has "decision=unavailable"
	e2e_unlock_store
else
	fail "could not lock the store"
fi
py_smtp tok_good OAUTHBEARER
check "store unlocked: 235 again" out_has "CODE 235"

# Source-address limits: Postfix gives the plugin the client's
# address as ipremoteport ("127.0.0.1;port").  Issued as the store's
# owner (e2e_store gave the files to postfix).
lc_issue() { # VAR ARGS...
	local var=$1
	shift
	e2e_issue "$var" setpriv --reuid=postfix --regid=postfix --clear-groups \
		"$IT_TOOL" --config "$IT_CONF" issue --user "$IT_USER" "$@"
}
lc_issue tok_lo --scope "$E2E_SCOPE" --from 127.0.0.0/8 ||
	bail "issue failed"
lc_issue tok_far --scope "$E2E_SCOPE" --from 192.0.2.0/24 ||
	bail "issue failed"
py_smtp tok_lo OAUTHBEARER
check "smtplib OAUTHBEARER, token limited to 127.0.0.0/8 from 127.0.0.1: 235" \
	out_has "CODE 235"
it_log_mark
py_smtp tok_far OAUTHBEARER
check "smtplib OAUTHBEARER, token limited to 192.0.2.0/24 from 127.0.0.1: 535" \
	eval 'out_has "CODE 535" && out_has invalid_token'
# shellcheck disable=SC2154 # set by it_issue
check "  syslog: decision=reject naming the address" \
	it_log_has "apitoken: OAUTHBEARER decision=reject" \
	"token_id=$tok_far_id" "may not be used from 127.0.0.1"

# ------------------------------------------- JWT, introspection, 4 KB JWT
# The 4 KB JWT (RS256, committed test key) on the [jwt]-only smtpd.
SMTP_CUR=$SMTP4K_PORT
py_smtp tok_jwt4k OAUTHBEARER
# shellcheck disable=SC2154 # set by it_secret
check "smtplib OAUTHBEARER, 4 KB JWT (${#tok_jwt4k} bytes, RS256, jwks_file): 235" \
	out_has "CODE 235"
py_smtp tok_jwt4k OAUTHBEARER --no-ir
check "smtplib OAUTHBEARER without initial response, 4 KB JWT: 235" out_has "CODE 235"
py_smtp tok_jwt4k XOAUTH2
check "smtplib XOAUTH2, 4 KB JWT: 235" out_has "CODE 235"
curl_smtp tok_jwt4k OAUTHBEARER --sasl-ir
check "curl OAUTHBEARER, 4 KB JWT: authenticated" rc_is 0
SMTP_CUR=

if [ -n "$E2E_OIDC" ]; then
	e2e_oidc_tokens imap

	py_smtp tok_jwt OAUTHBEARER
	# shellcheck disable=SC2154 # set by it_secret
	check "smtplib OAUTHBEARER, JWT from oidc-provider (${#tok_jwt} bytes): 235" \
		out_has "CODE 235"
	py_smtp tok_jwt OAUTHBEARER --no-ir
	check "smtplib OAUTHBEARER without initial response, JWT: 235" out_has "CODE 235"
	py_smtp tok_jwt XOAUTH2
	check "smtplib XOAUTH2, JWT: 235" out_has "CODE 235"
	curl_smtp tok_jwt OAUTHBEARER --sasl-ir
	check "curl OAUTHBEARER, JWT: authenticated" rc_is 0

	it_log_mark
	py_smtp tok_jwt_other OAUTHBEARER
	check "smtplib OAUTHBEARER, JWT for $IT_OTHER presented as $IT_USER: 535" \
		out_has "CODE 535"
	note "  the token's user is the authentication id, a= the authorization" \
		"id, refused by the proxy policy inside the mechanism (error challenge);" \
		"client: $(printf '%s' "$E2E_OUT" | tr '\n' ' ')"
	py_smtp tok_jwt_other XOAUTH2
	check "smtplib XOAUTH2, JWT for $IT_OTHER presented as $IT_USER: 535" \
		out_has "CODE 535"
	check "  syslog: the logged decision is the outcome: reject, proxy policy" \
		it_log_has "decision=reject" "user=$IT_OTHER authzid=$IT_USER " \
		"proxy policy refused"
	curl_smtp tok_jwt_other OAUTHBEARER --sasl-ir
	check "curl OAUTHBEARER, JWT for $IT_OTHER: refused (exit 67)" rc_is 67
	py_smtp tok_jwt_noscope OAUTHBEARER
	check "smtplib OAUTHBEARER, JWT without scope smtp: 535 after insufficient_scope" \
		eval 'out_has "CODE 535" && out_has "CHALLENGE {\"status\":\"insufficient_scope\",\"scope\":\"smtp\"}"'

	it_log_mark
	py_smtp tok_opq OAUTHBEARER
	check "smtplib OAUTHBEARER, opaque token (introspection): 235" out_has "CODE 235"
	py_smtp tok_opq XOAUTH2
	check "smtplib XOAUTH2, opaque token: 235" out_has "CODE 235"
	curl_smtp tok_opq OAUTHBEARER --sasl-ir
	check "curl OAUTHBEARER, opaque token: authenticated" rc_is 0

	# revoked at the server (RFC 7009): refused once cache_ttl (2 s) passed
	py_smtp tok_opq_rev OAUTHBEARER
	check "smtplib OAUTHBEARER, opaque token before revocation: 235" out_has "CODE 235"
	check "  revoked at oidc-provider (RFC 7009)" e2e_oidc_revoke tok_opq_rev cli-opaque
	sleep 3
	it_log_mark
	py_smtp tok_opq_rev OAUTHBEARER
	check "smtplib OAUTHBEARER, revoked opaque token after cache_ttl: 535 after invalid_token" \
		eval 'out_has "CODE 535" && out_has "CHALLENGE {\"status\":\"invalid_token\",\"scope\":\"smtp\"}"'
	check "  syslog: decision=reject source=introspection" \
		it_log_has "apitoken: OAUTHBEARER decision=reject" \
		"fingerprint=$(it_fingerprint tok_opq_rev)" "source=introspection"
	py_smtp tok_opq_rev XOAUTH2
	check "smtplib XOAUTH2, revoked opaque token: 535 after the 401 challenge" \
		eval 'out_has "CODE 535" && out_has "\"status\":\"401\""'
	curl_smtp tok_opq_rev OAUTHBEARER --sasl-ir
	check "curl OAUTHBEARER, revoked opaque token: refused (exit 67)" rc_is 67

	# the authorization server down
	oidc_stop
	it_log_mark
	py_smtp tok_opq_down OAUTHBEARER
	check "server down: opaque token not in the cache: 454 temporary failure, no challenge" \
		temp_without_challenge
	check "  syslog: decision=unavailable" it_log_has "decision=unavailable" \
		"fingerprint=$(it_fingerprint tok_opq_down)"
	py_smtp tok_opq_down XOAUTH2
	check "server down: XOAUTH2, opaque token: 454, no challenge" temp_without_challenge
	py_smtp tok_jwt OAUTHBEARER
	check "server down: JWT whose keys are cached: 235" out_has "CODE 235"
	curl_smtp tok_jwt OAUTHBEARER --sasl-ir
	check "server down: curl OAUTHBEARER, JWT: authenticated" rc_is 0
	py_smtp tok_good OAUTHBEARER
	check "server down: local token: 235" out_has "CODE 235"
else
	skip "JWT and introspection cases" "oidc test server unavailable"
fi

# fail2ban's own tool on the lines Postfix logged: refusals match, with
# the client's address; the store and server outages above do not.
it_fail2ban_check unavailable 127.0.0.1

check "no token (or slice of one) in syslog or client output" \
	it_no_token_in "$IT_SYSLOG" "$T/client-all.log"

finish
