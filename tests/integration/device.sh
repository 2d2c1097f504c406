#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The device-flow login of pam_apitoken against a real
# authorization server (oidc-provider, tests/oidc/server.mjs) through real
# libpam (tests/pam/pam_device, driven as sudo drives PAM), the real sudo
# (PAM_SILENT) and a real sshd with a pty client that reads the code from
# the screen.  Codes are approved or denied headlessly by the server's
# /test/device/approve route; /test/stats counts every request the server
# received, so "no request" is measured, not assumed.  TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
it_require curl jq setpriv "$IT_PY"
# shellcheck source=tests/lib/oidc.sh
. "$top_srcdir/tests/lib/oidc.sh"
if ! oidc_available >/dev/null 2>&1; then
	skip_all "oidc test server not available (node/npm packages)"
fi
DRIVER=$top_builddir/tests/pam/pam_device
[ -x "$DRIVER" ] || skip_all "$DRIVER not built"
it_enter "$@"

UNAVAIL=9 AUTH_ERR=7 USER_UNKNOWN=10 MAXTRIES=11 SERVICE_ERR=3 CONV_ERR=19
SVC=apitoken-device

it_test_syslog
if ! oidc_start "$T/oidc" >"$T/oidc-start.log" 2>&1; then
	it_diag_file "oidc start" "$T/oidc-start.log"
	bail "the oidc test server did not start"
fi
IT_DIAG_FILES="$IT_DIAG_FILES $OIDC_LOG"
# shellcheck disable=SC2317 # called by the EXIT trap (IT_CLEANUP)
cleanup_oidc() { oidc_stop >/dev/null 2>&1; }
IT_CLEANUP=cleanup_oidc

# conf [KEY = VALUE lines for [device] on stdin]: the configuration,
# [jwt] against the server and [device] with the public device client.
conf() {
	IT_CONF=$T/device.conf
	{
		oidc_section jwt
		cat <<EOF
[cache]
dir = $T/cache
[device]
issuer = $OIDC_ISSUER
client_id = cli-mail-public
scope = openid ssh
resource = urn:apitoken:test
allow_http_loopback = yes
timeout = 60
state_dir = $T/device-state
max_flows = 50
EOF
		cat
	} >"$IT_CONF"
	chmod 600 "$IT_CONF"
}
srv() {
	local ca=()
	[ -n "${OIDC_CAFILE:-}" ] && ca=(--cacert "$OIDC_CAFILE")
	curl -sS --max-time 10 "${ca[@]}" "$@"
}
device_config() { srv -X POST -d "$1" "$OIDC_ISSUER/test/device/config" >/dev/null; }
stat_q() { srv "$OIDC_ISSUER/test/stats" | jq -r "$1"; }
fault() { srv -X POST -d "$1" "$OIDC_ISSUER/test/fault" >/dev/null; }

# run USER [driver options]: pam_device in the background, output in
# $T/run.out, stdin from the fifo $T/in (kept open on fd 7).
run() {
	local user=$1
	shift
	rm -f "$T/in"
	mkfifo "$T/in"
	it_log_mark
	IT_LOGIN_SEQ=$((${IT_LOGIN_SEQ:-0} + 1))
	timeout 120 "$DRIVER" "$@" "$T/etc/pam.d" "$SVC" "$user" <"$T/in" \
		>"$T/run.out" 2>"$T/run.err" &
	RUN_PID=$!
	exec 7>"$T/in"
}
# drive_wait: waits for the driver; RC its exit, AUTH the first auth= code.
drive_wait() {
	exec 7>&-
	wait "$RUN_PID"
	RC=$?
	AUTH=$(sed -n 's/^auth=\([0-9]*\) .*/\1/p' "$T/run.out" | tail -n 1)
	cat "$T/run.out" >>"$T/client-all.log"
}
# user_code: the code shown on the "screen" (waits up to 10 s).
user_code() {
	it_wait_file_grep "$T/run.out" 'enter the code' 100 || return 1
	sed -n 's/.*enter the code \([A-Z0-9-]*\).*/\1/p' "$T/run.out" | head -n 1
}
approve() { # approve CODE [USER] [deny]
	local extra=
	[ "${3:-}" = deny ] && extra="&deny=1"
	srv -X POST -d "user_code=$1&user=${2:-$IT_USER}$extra" \
		"$OIDC_ISSUER/test/device/approve" >"$T/approve.out"
}
# shellcheck disable=SC2317 # called through check
decision_has() { it_log_has "flow=device" "$@"; }
# shellcheck disable=SC2317 # called through check
no_secret_logged() { # the user code and the token never reach the log
	local uc=$1
	! grep -F -q -e "$uc" -e "${uc//-/}" "$IT_SYSLOG"
}

conf </dev/null
it_pam_service "$SVC" device prompt=none scope=ssh

# ---- approve -> success, at the RFC's 5 s default interval
device_config "interval=0&ttl=600"
run "$IT_USER"
uc=$(user_code)
check "the code is shown in one PAM_TEXT_INFO with the URL" \
	grep -q "^info: To log in as $IT_USER, open $OIDC_ISSUER/device and enter the code $uc" "$T/run.out"
sleep 1
approve "$uc"
drive_wait
check "approved: auth and account succeed" [ "$RC" = 0 ]
check "approved: decision line accept, outcome=approved, polls, fingerprint" \
	decision_has "decision=accept" "outcome=approved" "polls=1" "source=jwt"
check "approved: no prompt with prompt=none" bash -c "! grep -q '^prompt:' '$T/run.out'"
check "approved: one device authorization" [ "$(stat_q .device.starts)" = 1 ]
polls=$(stat_q '.device.polls | length')
first=$(stat_q '(.device.polls[0] - .device.started) / 100 | round / 10')
note "default interval: first poll ${first} s after the start"
check "no interval from the server: the first poll 5 s after the start (RFC 8628 3.2)" \
	awk -v g="$first" 'BEGIN { exit !(g >= 5.0 && g <= 6.2) }'
check "approved: one poll ($polls)" [ "$polls" = 1 ]
check "the user code is never logged" no_secret_logged "$uc"

# ---- deny; sudo's three tries on one handle make one flow
device_config "interval=1"
run "$IT_USER" -n 3
uc=$(user_code)
approve "$uc" "$IT_USER" deny
drive_wait
check "denied: PAM_AUTH_ERR on every try" \
	[ "$(grep -c "^auth=$AUTH_ERR " "$T/run.out")" = 3 ]
check "denied: three tries, one device authorization" [ "$(stat_q .device.starts)" = 1 ]
check "denied: decision line outcome=denied, then retries refused" \
	decision_has "decision=reject" "outcome=denied"
check "denied: the retries say so" decision_has "outcome=retry"

# ---- maxtries: PAM_MAXTRIES ends the host's retries
it_pam_service "$SVC" device prompt=none scope=ssh maxtries
device_config "interval=1"
run "$IT_USER" -n 3
uc=$(user_code)
approve "$uc" "$IT_USER" deny
drive_wait
if [ "$(grep -c '^auth=' "$T/run.out")" = 1 ] &&
	[ "$AUTH" = "$MAXTRIES" ]; then
	pass "maxtries: one try answered PAM_MAXTRIES"
else
	fail "maxtries: one try answered PAM_MAXTRIES"
fi
it_pam_service "$SVC" device prompt=none scope=ssh

# ---- approved as another user
device_config "interval=1"
run "$IT_USER"
uc=$(user_code)
approve "$uc" "$IT_OTHER"
drive_wait
check "another user's approval: PAM_AUTH_ERR" [ "$AUTH" = "$AUTH_ERR" ]
check "another user's approval: reject, the token checked and refused" \
	decision_has "decision=reject" "outcome=approved" "source=jwt"

# ---- missing scope
it_pam_service "$SVC" device prompt=none scope=admin
device_config "interval=1"
run "$IT_USER"
uc=$(user_code)
approve "$uc"
drive_wait
check "missing scope: PAM_AUTH_ERR" [ "$AUTH" = "$AUTH_ERR" ]
check "missing scope: reject by the validator" \
	decision_has "decision=reject" "outcome=approved" "scope"
it_pam_service "$SVC" device prompt=none scope=ssh

# ---- [device] group from the groups claim
group_case() { # group_case GROUP WANT_RC DESC
	conf <<EOF
group = $1
EOF
	device_config "interval=1"
	run "$IT_USER"
	uc=$(user_code)
	approve "$uc"
	drive_wait
	check "$3" [ "$RC" = "$2" ]
}
group_case "g-$IT_USER" 0 "group in the groups claim: success"
group_case g-admins 1 "group not in the groups claim: refused"
check "group not in the claim: reject, why in the line" \
	decision_has "decision=reject" "outcome=approved" "not in group"
conf </dev/null

# ---- expiry: the server's expires_in ends the flow
device_config "interval=1&ttl=3"
run "$IT_USER"
drive_wait
check "expired: PAM_AUTH_ERR" [ "$AUTH" = "$AUTH_ERR" ]
check "expired: outcome=expired" decision_has "decision=reject" "outcome=expired"
device_config "ttl=600"

# ---- the gates: no code, no request
gate() { # gate DESC USER WANT_AUTH [driver options]
	local desc=$1 user=$2 want=$3
	shift 3
	device_config "interval=1"
	run "$user" "$@"
	drive_wait
	check "$desc: refused ($AUTH)" [ "$AUTH" = "$want" ]
	check "$desc: no code shown" bash -c "! grep -q 'enter the code' '$T/run.out'"
	check "$desc: no request reached the server" [ "$(stat_q .requests)" = 0 ]
	check "$desc: decision line outcome=gate" decision_has "outcome=gate"
}
gate "unknown user" no-such-user-xyz "$USER_UNKNOWN"
gate "root" root "$AUTH_ERR"
conf <<EOF
from = 127.0.0.0/8
EOF
gate "client address outside [device] from" "$IT_USER" "$AUTH_ERR" -r 192.0.2.7
gate "no client address with [device] from" "$IT_USER" "$AUTH_ERR"
conf <<EOF
max_flows = 2
flow_window = 1h
EOF
rm -rf "$T/device-state"
for i in 1 2; do
	device_config "interval=1&ttl=2"
	run "$IT_USER"
	drive_wait
done
check "rate: two flows started" [ -s "$T/device-state/$IT_USER" ]
gate "a third flow within the window" "$IT_USER" "$AUTH_ERR"
conf </dev/null

# ---- slow_down and 503: the measured gaps follow RFC 8628 3.5
device_config "interval=1&ttl=600"
fault "mode=slow_down&count=1"
run "$IT_USER"
uc=$(user_code)
# poll 1 (1 s): slow_down -> 6 s; poll 2: 503 -> back-off 12 s; poll 3: ok
sleep 3
fault "mode=503&count=1"
sleep 5
approve "$uc"
drive_wait
gaps=$(srv "$OIDC_ISSUER/test/stats" | jq -r '.device.polls as $p | [range(1; $p | length) | ($p[.] - $p[. - 1])] | map(. / 100 | round / 10) | join(" ")')
note "poll gaps (s): $gaps"
check "slow_down and 503: success" [ "$RC" = 0 ]
check "slow_down and 503: decision line slow_downs=1 polls=3" \
	decision_has "decision=accept" "polls=3" "slow_downs=1"
# shellcheck disable=SC2317 # called through check
gap_ok() { # gap_ok INDEX MIN MAX
	local g
	g=$(echo "$gaps" | cut -d' ' -f"$1")
	[ -n "$g" ] && awk -v g="$g" -v a="$2" -v b="$3" 'BEGIN { exit !(g >= a && g <= b) }'
}
check "after slow_down the interval grows by 5 s (gap 6 s, never less: $gaps)" gap_ok 1 6.0 7.2
check "after a 503 the interval doubles (gap 12 s, never less: $gaps)" gap_ok 2 12.0 13.2

# ---- Enter prompt (the default, for sshd before 10.3)
it_pam_service "$SVC" device scope=ssh
device_config "interval=1"
run "$IT_USER"
uc=$(user_code)
it_wait_file_grep "$T/run.out" '^prompt: Press Enter' 50
echo >&7 # pressed too early: pending, asked again
check "Enter before approval: asked again" \
	it_wait_file_grep "$T/run.out" '^prompt: Not approved yet' 50
approve "$uc"
echo >&7
drive_wait
check "Enter once approved: success" [ "$RC" = 0 ]
it_pam_service "$SVC" device prompt=none scope=ssh

# ---- the rest of the return-code table, and the QR code
conf <<EOF
client_id = no-such-client
EOF
device_config "interval=1"
run "$IT_USER"
drive_wait
if [ "$AUTH" = "$SERVICE_ERR" ] &&
	! grep -q 'enter the code' "$T/run.out"; then
	pass "a client the server does not know: PAM_SERVICE_ERR, no code"
else
	fail "a client the server does not know: PAM_SERVICE_ERR, no code"
fi
check "unknown client: decision error, outcome=start" \
	decision_has "decision=error" "outcome=start" "invalid_client"
conf <<EOF
qrcode = yes
EOF
it_pam_service "$SVC" device scope=ssh
run "$IT_USER"
uc=$(user_code)
it_wait_file_grep "$T/run.out" '^prompt: Press Enter' 50
exec 7>&- # the person goes away at the Enter prompt
drive_wait
check "EOF at the Enter prompt: PAM_CONV_ERR" [ "$AUTH" = "$CONV_ERR" ]
if grep -q '^#define HAVE_QRENCODE 1' "$top_builddir/ac_config.h"; then
	check "qrcode = yes: a QR code in UTF-8 blocks after the code" \
		grep -q "$(printf '\342\226\210')" "$T/run.out"
else
	skip "qrcode = yes: a QR code" "built without libqrencode"
fi
it_pam_service "$SVC" device prompt=none scope=ssh
conf </dev/null
check "check-config: the device login is checked" \
	bash -c "'$IT_TOOL' --config '$IT_CONF' check-config | grep -q 'device login: client cli-mail-public'"
printf '[store]\npath = %s\n[device]\nclient_id = c\nissuer = %s\nallow_http_loopback = yes\n' \
	"$T/nojwt.db" "$OIDC_ISSUER" >"$T/nojwt.conf"
chmod 600 "$T/nojwt.conf"
# a store that exists, so that only [device] can fail
"$IT_TOOL" --config "$T/nojwt.conf" issue --user "$IT_USER" >/dev/null 2>&1
check "check-config: [device] without a validator is an error" \
	bash -c "! '$IT_TOOL' --config '$T/nojwt.conf' check-config >/dev/null 2>'$T/cc.err' &&
		grep -q 'needs \\[jwt\\] or \\[introspection\\]' '$T/cc.err'"

# ---- the real sudo at a terminal: PAM_SILENT by default, and the code
# is still shown
# sudo_pty APPROVER: `sudo -k /usr/bin/id -u` as the test user on the
# terminal of device_pty.py, which approves the code it shows as APPROVER
# (deny:USER: denies).  Output in $T/sudo.out and $T/sudo.err, status in src.
sudo_pty() {
	it_log_mark
	it_user_argv "$IT_USER"
	it_setuid_preload on
	env "${IT_SAN_ENV[@]}" \
		"$IT_PY" "$IT_DIR/device_pty.py" "$OIDC_ISSUER" "$1" cmd \
		"${IT_ARGV[@]}" sudo -k /usr/bin/id -u \
		>"$T/sudo.out" 2>"$T/sudo.err"
	src=$?
	it_setuid_preload off
}
if it_sudo_setup "$SVC"; then
	device_config "interval=1"
	sudo_pty "$IT_USER"
	cat "$T/sudo.out" >>"$T/client-all.log"
	check "sudo (PAM_SILENT): the URL and the code are shown" \
		grep -q "open $OIDC_ISSUER/device and enter the code" "$T/sudo.out"
	if [ "$src" = 0 ] &&
		grep -q '^0' "$T/sudo.out"; then
		pass "sudo: approved, the command runs as root"
	else
		fail "sudo: approved, the command runs as root"
	fi
	check "sudo: decision line accept" decision_has "decision=accept" "service=$SVC"
	# sudo asks three times on one PAM handle: one flow, not three
	sed -i 's/^Defaults passwd_tries=1$/Defaults passwd_tries=3/' /etc/sudoers
	device_config "interval=1"
	sudo_pty "deny:$IT_USER"
	check "sudo, denied, passwd_tries=3: refused" [ "$src" != 0 ]
	check "sudo, denied, passwd_tries=3: one code shown" \
		[ "$(grep -c 'enter the code' "$T/sudo.out")" = 1 ]
	check "sudo, denied, passwd_tries=3: one device authorization" \
		[ "$(stat_q .device.starts)" = 1 ]
	check "sudo, denied: the retries are refused without a flow" \
		decision_has "outcome=retry"
	sed -i 's/^Defaults passwd_tries=3$/Defaults passwd_tries=1/' /etc/sudoers
else
	fail "private sudoers"
fi

# ---- a real sshd (before 10.3: the code comes with the Enter prompt)
it_pam_service "$SVC" device scope=ssh
if it_sshd_start "$SVC"; then
	device_config "interval=1"
	it_log_mark
	IT_SSHD_LOG_MARK=$(wc -l <"$IT_SSHD_LOG")
	"$IT_PY" "$IT_DIR/device_pty.py" "$OIDC_ISSUER" "$IT_USER" ssh \
		"$IT_SSH_PORT" "$IT_USER" >"$T/pty.out" 2>"$T/pty.err"
	prc=$?
	cat "$T/pty.out" >>"$T/client-all.log"
	check "sshd: the person sees the URL and the code" \
		grep -q "open $OIDC_ISSUER/device and enter the code" "$T/pty.out"
	check "sshd: asked again while pending" grep -q "Not approved yet" "$T/pty.out"
	if [ "$prc" = 0 ] &&
		grep -q "^$IT_USER" "$T/pty.out"; then
		pass "sshd: logged in once approved"
	else
		fail "sshd: logged in once approved"
	fi
	check "sshd: decision line accept with polls" \
		decision_has "decision=accept" "outcome=approved" "polls=2"
	check "sshd: no crash" it_sshd_no_crash
	it_log_mark
	"$IT_PY" "$IT_DIR/device_pty.py" "$OIDC_ISSUER" "$IT_OTHER" ssh \
		"$IT_SSH_PORT" "$IT_USER" >"$T/pty.out" 2>"$T/pty.err"
	prc=$?
	check "sshd: another user's approval is refused" [ "$prc" != 0 ]
	check "sshd: reject, token of another user" \
		decision_has "decision=reject" "outcome=approved"
else
	fail "sshd starts"
fi

it_pam_service "$SVC" device prompt=none scope=ssh

# ---- the server killed mid-poll -> PAM_AUTHINFO_UNAVAIL
conf <<EOF
timeout = 8
http_timeout = 2
EOF
device_config "interval=1"
run "$IT_USER"
uc=$(user_code)
oidc_stop >/dev/null 2>&1
drive_wait
check "server killed mid-poll: PAM_AUTHINFO_UNAVAIL" [ "$AUTH" = "$UNAVAIL" ]
check "server killed mid-poll: decision unavailable" \
	decision_has "decision=unavailable" "outcome=unavailable"
run "$IT_USER"
drive_wait
check "server down at the start: PAM_AUTHINFO_UNAVAIL" [ "$AUTH" = "$UNAVAIL" ]

# ---- TLS: the confidential client (client_secret_basic), the right CA
# and a wrong one
tlsconf() { # CAFILE
	IT_CONF=$T/device.conf
	cat >"$IT_CONF" <<EOF
[jwt]
issuer = $OIDC_ISSUER
audience = urn:apitoken:test
discovery = yes
ca_file = $OIDC_CAFILE
username_claim = preferred_username
[cache]
dir = $T/cache-tls
[device]
issuer = $OIDC_ISSUER
client_id = cli-mail
client_secret_file = $OIDC_STATE/clients/cli-mail.secret
ca_file = $1
scope = openid ssh
resource = urn:apitoken:test
timeout = 30
state_dir = $T/device-state
max_flows = 50
EOF
	chmod 600 "$IT_CONF"
}
if oidc_start "$T/oidc-tls" --tls >"$T/oidc-start.log" 2>&1 &&
	oidc_ca "$T/wrong-ca"; then
	tlsconf "$T/wrong-ca/ca.pem"
	device_config "interval=1"
	run "$IT_USER"
	drive_wait
	if [ "$AUTH" = "$UNAVAIL" ] &&
		! grep -q 'enter the code' "$T/run.out"; then
		pass "wrong CA: PAM_AUTHINFO_UNAVAIL, no code shown"
	else
		fail "wrong CA: PAM_AUTHINFO_UNAVAIL, no code shown"
	fi
	check "wrong CA: no device authorization" [ "$(stat_q .device.starts)" = 0 ]
	tlsconf "$OIDC_CAFILE"
	device_config "interval=1"
	run "$IT_USER"
	uc=$(user_code)
	approve "$uc"
	drive_wait
	check "TLS, confidential client: approved, success" [ "$RC" = 0 ]
else
	it_diag_file "oidc start (TLS)" "$T/oidc-start.log"
	fail "the TLS oidc test server starts"
fi

finish
