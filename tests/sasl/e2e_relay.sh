#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: a client Postfix whose smtp runs chrooted relays
# (relayhost, smtp_sasl_password_maps giving apitoken:relay) to the server
# Postfix of the SASL tests, whose plugin validates the JWTs against the
# same oidc-provider (20 s access tokens, rotated refresh tokens).  The
# account is logged in with `apitoken oauth login relay --device --owner
# postfix`; its state lives in the jail and the plugin opens it before the
# chroot.  Mail goes out with XOAUTH2, then OAUTHBEARER; again after the
# access token expired (one refresh); is deferred (still queued) while the
# authorization server is stopped and goes out after it returns; with the
# grant revoked it is deferred, `status` exits 1, one error line names the
# command, and after a new login `postqueue -f` sends it.
# Runs inside the private namespace of tests/integration/lib.sh.  TAP.
# shellcheck source=tests/sasl/e2e_common.sh
. "$(dirname "$(readlink -f "$0")")/e2e_common.sh"
# shellcheck source=tests/lib/postfix.sh
. "$top_srcdir/tests/lib/postfix.sh"
it_require /usr/sbin/postfix /usr/lib/postfix/sbin/smtpd /usr/sbin/sendmail \
	/usr/sbin/postqueue curl jq logger "$IT_PY"
it_enter "$@"

E2E_SCOPE=smtp
PF=$T/postfix     # the server
PFC=$T/postfix-c  # the client, smtp chrooted in $PFC/queue
APITOKEN=$top_builddir/tools/apitoken
ACONF=/etc/apitoken/apitoken.conf # the plugin's default, in this namespace
trap 'e2e_cleanup postfix_stop_all' EXIT

# the server: smtpd on SMTP_PORT, the mail it accepts discarded
server_setup() {
	postfix_setup "$PF" e2e-server smtp.example.com "$E2E_PLUGDIR" \
		"default_transport = discard" &&
		postfix_smtpd "$PF" SMTP_PORT "$E2E_CONF" "$E2E_SCOPE"
}

# the client: relays everything to the server with XOAUTH2 and the account
# relay (smtp_sasl_password_maps), smtp and relay chrooted into the queue
# directory; no automatic retries
client_setup() {
	postfix_setup "$PFC" e2e-relay client.example.com "$E2E_PLUGDIR" \
		"relayhost = [127.0.0.1]:$SMTP_PORT" \
		"smtp_sasl_auth_enable = yes" \
		"smtp_sasl_password_maps = inline:{ {[127.0.0.1]:$SMTP_PORT = $IT_USER:apitoken:relay} }" \
		"smtp_sasl_security_options = noanonymous" \
		"smtp_sasl_mechanism_filter = xoauth2" \
		"smtp_tls_security_level = none" \
		"queue_run_delay = 1h" \
		"minimal_backoff_time = 1h" \
		"maximal_backoff_time = 1h" &&
		postfix_master "$PFC" \
			"smtp      unix - - y - - smtp" \
			"relay     unix - - y - - smtp"
}

A() { "$APITOKEN" --config "$ACONF" "$@"; }
stats() { curl -sS --max-time 10 "$OIDC_ISSUER/test/stats"; }
refreshes() { stats | jq '.grants.refresh_token // 0'; }
state() { jq -r "$1" "$STORE/relay.state"; }

# send N: one message with Subject e2e-relay-N; its queue id in QID.
send() {
	printf 'From: sender@client.example.com\nTo: rcpt@example.net\nSubject: e2e-relay-%s\n\nbody %s\n' "$1" "$1" |
		sendmail -C "$PFC" -f sender@client.example.com rcpt@example.net || return 1
	QID=
	for _ in $(seq 100); do
		QID=$(grep -a "e2e-relay/cleanup.*message-id" "$IT_SYSLOG" | tail -n 1 |
			sed -n 's/.*: \([0-9A-F]*\): message-id.*/\1/p')
		[ -n "$QID" ] && [ "$QID" != "${LAST_QID:-}" ] && break
		sleep 0.1
	done
	LAST_QID=$QID
	[ -n "$QID" ]
}
# outcome QID sent|deferred|bounced: waits for the client's delivery line
# shellcheck disable=SC2317 # called through check
outcome() {
	it_wait_file_grep "$IT_SYSLOG" "e2e-relay/smtp.*$1: .*status=$2" 300
}
# shellcheck disable=SC2317 # called through check
queued() { postqueue -c "$PFC" -p 2>/dev/null | grep -q "^$1"; }
flush() { postqueue -c "$PFC" -f; }

# ------------------------------------------------------------------ cases
it_test_syslog
e2e_plugin_dir
if ! e2e_oidc_start --ttl 20; then
	skip "the relay through Postfix" "oidc test server unavailable"
	finish
fi
e2e_store postfix:postfix
server_setup || bail "cannot set up the server postfix"
postfix_start_test "server Postfix started, smtpd on 127.0.0.1:$SMTP_PORT" "$PF"

STORE=$PFC/queue/apitoken
mkdir -p /etc/apitoken && chmod 0700 /etc/apitoken
cat >"$ACONF" <<EOF2
[client]
chroot = $PFC/queue
store = $STORE
timeout = 3
[account:relay]
issuer = $OIDC_ISSUER
client_id = cli-mail
client_secret_file = /etc/apitoken/cli-mail.secret
scope = openid offline_access smtp
resource = urn:apitoken:test
allow_http_loopback = yes
user = $IT_USER
EOF2
install -m 0600 "$OIDC_STATE/clients/cli-mail.secret" /etc/apitoken/cli-mail.secret
chmod 0600 "$ACONF"
mkdir -p "$PFC/queue" && chmod 0755 "$PFC" "$PFC/queue"
check "apitoken oauth login relay --device --owner postfix" \
	oidc_device_login "$ACONF" relay "$IT_USER" --owner postfix
check "  the state is postfix's, 0600, in the jail" \
	[ "$(stat -c '%U %a' "$STORE/relay.state" 2>/dev/null)" = "postfix 600" ]
check "  apitoken oauth status relay: exit 0" A oauth status relay

client_setup || bail "cannot set up the client postfix"
postfix_start_test "client Postfix started (smtp chrooted in $PFC/queue)" "$PFC"

# what Debian's postfix init script does: resolver files into the jail
mkdir -p "$PFC/queue/etc"
for f in resolv.conf hosts nsswitch.conf; do
	if [ -e "/etc/$f" ]; then cp "/etc/$f" "$PFC/queue/etc/"; else : >"$PFC/queue/etc/$f"; fi
done
MAIL_CONFIG=$PFC A check-config --postfix >"$T/check.out" 2>&1
check "apitoken check-config --postfix: no problem" [ $? = 0 ]
chmod 0644 "$STORE/relay.state"
MAIL_CONFIG=$PFC A check-config --postfix >"$T/check.out" 2>&1
rc=$?
# shellcheck disable=SC2016 # expanded by eval when check runs
check "  a state file of mode 0644: a problem, exit 2" eval '[ $rc = 2 ] && grep -q "PROBLEM: account relay" "$T/check.out"'
chmod 0600 "$STORE/relay.state"
postconf -c "$PFC" -e smtp_sasl_security_options=noplaintext,noanonymous
MAIL_CONFIG=$PFC A check-config --postfix >"$T/check.out" 2>&1
rc=$?
# shellcheck disable=SC2016 # expanded by eval when check runs
check "  smtp_sasl_security_options with noplaintext: a problem" eval '[ $rc = 2 ] && grep -q "PROBLEM: postconf smtp_sasl_security_options" "$T/check.out"'
postconf -c "$PFC" -e smtp_sasl_security_options=noanonymous

it_log_mark
send 1
flush
check "XOAUTH2: relayed and delivered (status=sent)" outcome "$QID" sent
check "  the server authenticated it with XOAUTH2" \
	it_log_has "e2e-server/smtpd" "sasl_method=XOAUTH2" "sasl_username=$IT_USER"

postconf -c "$PFC" -e smtp_sasl_mechanism_filter=oauthbearer
postfix -c "$PFC" reload >/dev/null 2>&1
sleep 1
it_log_mark
send 2
flush
check "OAUTHBEARER: relayed and delivered" outcome "$QID" sent
check "  the server authenticated it with OAUTHBEARER" \
	it_log_has "e2e-server/smtpd" "sasl_method=OAUTHBEARER" "sasl_username=$IT_USER"

A oauth test relay --smtp "127.0.0.1:$SMTP_PORT" >"$T/test.out" 2>&1
check "apitoken oauth test relay --smtp: authenticated (XOAUTH2)" [ $? = 0 ]
A oauth test relay --smtp "127.0.0.1:$SMTP_PORT" --mech oauthbearer >"$T/test.out" 2>&1
check "apitoken oauth test relay --smtp --mech oauthbearer: authenticated" [ $? = 0 ]

# past the refresh margin (half of the 20 s lifetime): the smtp process
# refreshes inside the jail
gen=$(state .generation)
r0=$(refreshes)
exp=$(state .expires_at)
sleep $((exp - $(date +%s) - 8 > 0 ? exp - $(date +%s) - 8 : 0))
send 3
flush
check "after the access token's refresh margin: delivered" outcome "$QID" sent
# shellcheck disable=SC2016 # expanded by eval when check runs
check "  one refresh at the server ($r0 -> $(refreshes)), a new generation ($gen -> $(state .generation))" \
	eval '[ "$(refreshes)" = $((r0 + 1)) ] && [ "$(state .generation)" -gt "$gen" ]'

# the authorization server down (connections refused for 25 s)
exp=$(state .expires_at)
sleep $((exp - $(date +%s) + 1 > 0 ? exp - $(date +%s) + 1 : 0))
curl -sS --max-time 10 -X POST -d seconds=25 "$OIDC_ISSUER/test/down" >/dev/null
sleep 1
down_until=$(($(date +%s) + 25))
send 4
flush
check "authorization server down, token expired: deferred" outcome "$QID" deferred
# shellcheck disable=SC2016 # expanded by eval when check runs
check "  4.7.0, still queued" eval 'queued "$QID" &&
	grep -a "e2e-relay/smtp.*$QID.*dsn=4.7.0, status=deferred" "$IT_SYSLOG" >/dev/null'
# shellcheck disable=SC2016 # expanded by eval when check runs
check "  not bounced" eval '! grep -a "e2e-relay.*$QID.*status=bounced" "$IT_SYSLOG"'
na=$(state .next_attempt)
[ "$na" -lt "$down_until" ] && na=$down_until
sleep $((na - $(date +%s) + 2 > 0 ? na - $(date +%s) + 2 : 0))
flush
check "authorization server back (after the back-off): delivered" outcome "$QID" sent

# the grant revoked at the server
curl -sS --max-time 10 -X POST -d client=cli-mail "$OIDC_ISSUER/test/revoke-grants" >/dev/null
exp=$(state .expires_at)
sleep $((exp - $(date +%s) + 1 > 0 ? exp - $(date +%s) + 1 : 0))
it_log_mark
send 5
flush
check "grant revoked: deferred" outcome "$QID" deferred
A oauth status relay >"$T/status.out" 2>&1
check "  apitoken oauth status relay: exit 1" [ $? = 1 ]
flush
sleep 2
# shellcheck disable=SC2016 # expanded by eval when check runs
check "  one error line naming the command to run" \
	eval '[ "$(it_log_since | grep -c "account=relay event=reauth-required.*apitoken oauth login relay")" = 1 ]'
check "  still queued" queued "$QID"
check "apitoken oauth login relay --device --owner postfix" \
	oidc_device_login "$ACONF" relay "$IT_USER" --owner postfix
flush
check "after the login, postqueue -f: delivered" outcome "$QID" sent

it_secret tok_relay "$(state .access_token)"
it_secret tok_relay_rt "$(state .refresh_token)"
check "no token (or slice of one) in syslog" it_no_token_in "$IT_SYSLOG"
finish
