#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: a real Cyrus IMAP server (cyrmaster + imapd, its own
# imapd.conf / cyrus.conf / config dir / spool in a temp dir, listening on
# 127.0.0.1) with libapitoken.so loaded through SASL_PATH, and real
# clients: curl (OAUTHBEARER with and without SASL-IR, XOAUTH2 against a
# server that offers only XOAUTH2) and Python's imaplib (no SASL-IR).
# Tokens: local API tokens, and (with oidc-provider started here on
# 127.0.0.1, see e2e_common.sh) JWT access tokens and opaque tokens checked
# by RFC 7662 introspection, from one configuration; a 4 KB JWT on a third
# service whose configuration has only [jwt] (jwks_file).
# Runs inside the private namespace of tests/integration/lib.sh.  TAP.
# shellcheck source=tests/sasl/e2e_common.sh
. "$(dirname "$(readlink -f "$0")")/e2e_common.sh"
# shellcheck source=tests/lib/cyrus.sh
. "$top_srcdir/tests/lib/cyrus.sh"
# shellcheck source=tests/integration/fail2ban.sh
. "$IT_DIR/fail2ban.sh"
it_require /usr/sbin/cyrmaster /usr/lib/cyrus/bin/imapd /usr/lib/cyrus/bin/imtest saslpluginviewer \
	curl logger "$IT_PY"
it_enter "$@"

E2E_SCOPE=imap
CYR=$T/cyrus
trap 'e2e_cleanup cyrus_stop' EXIT

# Three services: imap (IMAP_PORT) offers both mechanisms; imapx offers
# XOAUTH2 alone (curl sends OAUTHBEARER whenever the server offers it:
# curl's GitHub issue #10259); imapj serves the 4 KB JWT with its own
# apitoken configuration ([jwt] only).
imap_setup() {
	cyrus_setup "$CYR" \
		"sasl_apitoken_config: $E2E_CONF" \
		"sasl_apitoken_scope: $E2E_SCOPE" \
		"sasl_apitoken_openid_configuration: https://as.example.com/.well-known/openid-configuration" &&
		cyrus_imapd "$CYR" imap IMAP_PORT "OAUTHBEARER XOAUTH2" &&
		cyrus_imapd "$CYR" imapx IMAPX_PORT XOAUTH2 &&
		cyrus_imapd "$CYR" imapj IMAPJ_PORT "OAUTHBEARER XOAUTH2" \
			"sasl_apitoken_config: $E2E_CONF4K"
}

# curl_imap VAR MECH PORT [curl options] — LIST via curl with the token
# from a config file.  Status in E2E_RC.
curl_imap() {
	local var=$1 mech=$2 port=$3
	shift 3
	e2e_curlrc "$var" "$IT_USER"
	timeout 60 curl -sS -K "$T/secrets/curlrc" --login-options "AUTH=$mech" \
		"$@" "imap://127.0.0.1:$port/" >"$T/curl.out" 2>"$T/curl.err"
	E2E_RC=$?
	rm -f "$T/secrets/curlrc"
	cat "$T/curl.out" "$T/curl.err" >>"$T/client-all.log"
	[ -n "${APITOK_IT_VERBOSE:-}" ] &&
		note "curl rc=$E2E_RC $(tr '\n' '|' <"$T/curl.err")"
	return 0
}

py_imap() { # VAR MECH [PORT]
	e2e_py e2e_client.py imap 127.0.0.1 "${3:-$IMAP_PORT}" "$2" "$IT_USER" \
		"$T/secrets/$1"
}

# shellcheck disable=SC2317 # called through check
refused_without_challenge() { out_has "RESULT refused" && ! out_has CHALLENGE; }
# shellcheck disable=SC2317 # called through check
decisions_complete() {
	! grep "apitoken: .*decision=" "$IT_SYSLOG" |
		grep -v -q 'fingerprint=.*reason="'
}

# ------------------------------------------------------------------ cases
it_test_syslog
e2e_plugin_dir
# shellcheck disable=SC2119 # oidc_start's default options
e2e_oidc_start
e2e_store cyrus:mail

if SASL_PATH=$E2E_PLUGDIR "${IT_HOST[@]}" saslpluginviewer >"$T/viewer.out" 2>&1 &&
	grep -q 'Plugin "apitoken"' "$T/viewer.out" &&
	grep -q 'SASL mechanism: OAUTHBEARER' "$T/viewer.out" &&
	grep -q 'SASL mechanism: XOAUTH2' "$T/viewer.out"; then
	pass "saslpluginviewer (SASL_PATH=plugin dir) lists OAUTHBEARER and XOAUTH2"
else
	fail "saslpluginviewer lists the mechanisms"
	sed 's/^/#   /' "$T/viewer.out"
fi

if imap_setup && cyrus_start "$CYR" "$E2E_PLUGDIR"; then
	pass "Cyrus IMAP master started on 127.0.0.1:$IMAP_PORT and :$IMAPX_PORT"
else
	fail "Cyrus IMAP master started"
	bail "cannot start cyrmaster"
fi

curl -sS --max-time 20 "imap://127.0.0.1:$IMAP_PORT/" -X CAPABILITY \
	>"$T/cap.out" 2>&1
# shellcheck disable=SC2016 # expanded by eval when check runs
check "CAPABILITY lists AUTH=OAUTHBEARER and AUTH=XOAUTH2" \
	eval 'grep -q AUTH=OAUTHBEARER "$T/cap.out" && grep -q AUTH=XOAUTH2 "$T/cap.out"'

it_log_mark
curl_imap tok_good OAUTHBEARER "$IMAP_PORT" --sasl-ir
check "curl OAUTHBEARER with SASL-IR, local token: logged in" rc_is 0
check "  syslog: decision=accept user=$IT_USER, fingerprint" \
	it_log_has "apitoken: OAUTHBEARER decision=accept" "user=$IT_USER " \
	"fingerprint=$(it_fingerprint tok_good)"

curl_imap tok_good OAUTHBEARER "$IMAP_PORT"
check "curl OAUTHBEARER without SASL-IR: logged in" rc_is 0

it_log_mark
curl_imap tok_good XOAUTH2 "$IMAPX_PORT"
check "curl XOAUTH2 (server offering XOAUTH2 only): logged in" rc_is 0
check "  syslog: XOAUTH2 decision=accept" \
	it_log_has "apitoken: XOAUTH2 decision=accept" "user=$IT_USER "

it_log_mark
curl_imap tok_flip OAUTHBEARER "$IMAP_PORT" --sasl-ir
check "curl OAUTHBEARER, bad token: refused (curl exit 67 after %x01)" rc_is 67
check "  syslog: decision=reject with the token's fingerprint" \
	it_log_has "decision=reject" "fingerprint=$(it_fingerprint tok_flip)"

py_imap tok_good OAUTHBEARER
check "imaplib OAUTHBEARER (no SASL-IR): logged in" out_has "RESULT ok"
py_imap tok_good XOAUTH2
check "imaplib XOAUTH2: logged in" out_has "RESULT ok"

py_imap tok_flip OAUTHBEARER
check "imaplib OAUTHBEARER, bad token: NO" out_has "RESULT refused"
check "  after the JSON challenge: invalid_token, scope, openid-configuration" \
	out_has 'CHALLENGE {"status":"invalid_token","scope":"imap","openid-configuration":"https://as.example.com/.well-known/openid-configuration"}'
py_imap tok_rev OAUTHBEARER
check "imaplib OAUTHBEARER, revoked token: NO after invalid_token" \
	out_has 'CHALLENGE {"status":"invalid_token"'
py_imap tok_noscope OAUTHBEARER
check "imaplib OAUTHBEARER, token without scope imap: insufficient_scope" \
	out_has 'CHALLENGE {"status":"insufficient_scope","scope":"imap"'
check "  and refused" out_has "RESULT refused"
py_imap tok_flip XOAUTH2
check "imaplib XOAUTH2, bad token: NO after {\"status\":\"401\",...}" \
	out_has 'CHALLENGE {"status":"401","schemes":"bearer","scope":"imap"}'
py_imap tok_4k OAUTHBEARER
check "imaplib OAUTHBEARER, 4 KB token: reaches the core, NO after the challenge" \
	out_has 'CHALLENGE {"status":"invalid_token"'

it_log_mark
if e2e_lock_store; then
	py_imap tok_good OAUTHBEARER
	check "store locked: NO without a challenge" refused_without_challenge
	check "  syslog: decision=unavailable" it_log_has "decision=unavailable"
	e2e_unlock_store
else
	fail "could not lock the store"
fi
py_imap tok_good OAUTHBEARER
check "store unlocked: logged in again" out_has "RESULT ok"

# ------------------------------------------- JWT, introspection, 4 KB JWT
# The 4 KB JWT (RS256, committed test key) on the [jwt]-only service.
it_log_mark
py_imap tok_jwt4k OAUTHBEARER "$IMAPJ_PORT"
# shellcheck disable=SC2154 # set by it_secret
check "imaplib OAUTHBEARER, 4 KB JWT (${#tok_jwt4k} bytes, RS256, jwks_file): logged in" \
	out_has "RESULT ok"
check "  syslog: decision=accept source=jwt" \
	it_log_has "apitoken: OAUTHBEARER decision=accept" "user=$IT_USER " "source=jwt"
py_imap tok_jwt4k XOAUTH2 "$IMAPJ_PORT"
check "imaplib XOAUTH2, 4 KB JWT: logged in" out_has "RESULT ok"
curl_imap tok_jwt4k OAUTHBEARER "$IMAPJ_PORT" --sasl-ir
check "curl OAUTHBEARER with SASL-IR, 4 KB JWT: logged in" rc_is 0

if [ -n "$E2E_OIDC" ]; then
	e2e_oidc_tokens smtp

	it_log_mark
	curl_imap tok_jwt OAUTHBEARER "$IMAP_PORT" --sasl-ir
	# shellcheck disable=SC2154 # set by it_secret
	check "curl OAUTHBEARER with SASL-IR, JWT from oidc-provider (${#tok_jwt} bytes): logged in" rc_is 0
	check "  syslog: decision=accept user=$IT_USER source=jwt, fingerprint" \
		it_log_has "apitoken: OAUTHBEARER decision=accept" "user=$IT_USER " \
		"fingerprint=$(it_fingerprint tok_jwt)" "source=jwt"
	curl_imap tok_jwt XOAUTH2 "$IMAPX_PORT"
	check "curl XOAUTH2 (XOAUTH2-only server), JWT: logged in" rc_is 0
	py_imap tok_jwt OAUTHBEARER
	check "imaplib OAUTHBEARER, JWT: logged in" out_has "RESULT ok"
	py_imap tok_jwt XOAUTH2
	check "imaplib XOAUTH2, JWT: logged in" out_has "RESULT ok"

	it_log_mark
	py_imap tok_jwt_other OAUTHBEARER
	check "imaplib OAUTHBEARER, JWT for $IT_OTHER presented as $IT_USER: NO" \
		out_has "RESULT refused"
	note "  the token's user is the authentication id, a= the authorization" \
		"id, refused by the proxy policy inside the mechanism (error challenge);" \
		"client: $(printf '%s' "$E2E_OUT" | tr '\n' ' ')"
	check "  syslog: user=$IT_OTHER authzid=$IT_USER not accepted" \
		it_log_has "user=$IT_OTHER authzid=$IT_USER "
	check "  syslog: the logged decision is the outcome: reject, proxy policy" \
		it_log_has "decision=reject" "user=$IT_OTHER authzid=$IT_USER " \
		"proxy policy refused"
	curl_imap tok_jwt_other OAUTHBEARER "$IMAP_PORT" --sasl-ir
	check "curl OAUTHBEARER, JWT for $IT_OTHER: refused (exit 67)" rc_is 67
	py_imap tok_jwt_noscope OAUTHBEARER
	check "imaplib OAUTHBEARER, JWT without scope imap: NO after insufficient_scope" \
		eval 'out_has "RESULT refused" && out_has "CHALLENGE {\"status\":\"insufficient_scope\",\"scope\":\"imap\""'
	py_imap tok_jwt_noscope XOAUTH2
	check "imaplib XOAUTH2, JWT without scope imap: NO after the 403 challenge" \
		eval 'out_has "RESULT refused" && out_has "\"status\":\"403\""'

	it_log_mark
	curl_imap tok_opq OAUTHBEARER "$IMAP_PORT" --sasl-ir
	check "curl OAUTHBEARER with SASL-IR, opaque token (introspection): logged in" rc_is 0
	check "  syslog: decision=accept user=$IT_USER source=introspection" \
		it_log_has "apitoken: OAUTHBEARER decision=accept" "user=$IT_USER " \
		"fingerprint=$(it_fingerprint tok_opq)" "source=introspection"
	curl_imap tok_opq XOAUTH2 "$IMAPX_PORT"
	check "curl XOAUTH2 (XOAUTH2-only server), opaque token: logged in" rc_is 0
	py_imap tok_opq OAUTHBEARER
	check "imaplib OAUTHBEARER, opaque token: logged in" out_has "RESULT ok"
	py_imap tok_opq XOAUTH2
	check "imaplib XOAUTH2, opaque token: logged in" out_has "RESULT ok"

	# revoked at the server (RFC 7009): refused once cache_ttl (2 s) passed
	py_imap tok_opq_rev OAUTHBEARER
	check "imaplib OAUTHBEARER, opaque token before revocation: logged in" \
		out_has "RESULT ok"
	check "  revoked at oidc-provider (RFC 7009)" e2e_oidc_revoke tok_opq_rev cli-opaque
	sleep 3
	it_log_mark
	py_imap tok_opq_rev OAUTHBEARER
	check "imaplib OAUTHBEARER, revoked opaque token after cache_ttl: NO after invalid_token" \
		eval 'out_has "RESULT refused" && out_has "CHALLENGE {\"status\":\"invalid_token\""'
	check "  syslog: decision=reject source=introspection" \
		it_log_has "decision=reject" "fingerprint=$(it_fingerprint tok_opq_rev)"
	py_imap tok_opq_rev XOAUTH2
	check "imaplib XOAUTH2, revoked opaque token: NO after the 401 challenge" \
		eval 'out_has "RESULT refused" && out_has "\"status\":\"401\""'
	curl_imap tok_opq_rev OAUTHBEARER "$IMAP_PORT" --sasl-ir
	check "curl OAUTHBEARER, revoked opaque token: refused (exit 67)" rc_is 67

	# the client side: imtest with the SASL password apitoken:NAME, a
	# named account of the client's configuration (the default path,
	# inside this namespace's /etc copy) logged in by the device flow
	mkdir -p /etc/apitoken "$T/oauth-client" && chmod 0700 /etc/apitoken "$T/oauth-client"
	cat >/etc/apitoken/apitoken.conf <<EOF2
[client]
store = $T/oauth-client/store
timeout = 5
[account:imap]
issuer = $OIDC_ISSUER
client_id = cli-mail
client_secret_file = $OIDC_STATE/clients/cli-mail.secret
scope = openid offline_access imap
resource = urn:apitoken:test
allow_http_loopback = yes
user = $IT_USER
EOF2
	chmod 0600 /etc/apitoken/apitoken.conf
	check "apitoken oauth login imap --device (approved at oidc-provider)" \
		oidc_device_login /etc/apitoken/apitoken.conf imap "$IT_USER"
	# shellcheck disable=SC2317 # called through check
	imtest_acct() { # MECH: LOGOUT after authenticating with apitoken:imap
		echo ". LOGOUT" | SASL_PATH=$E2E_PLUGDIR timeout 60 "${IT_HOST[@]}" /usr/lib/cyrus/bin/imtest -p "$IMAP_PORT" \
			-m "$1" -a "$IT_USER" -u "$IT_USER" -w apitoken:imap 127.0.0.1 \
			>"$T/imtest.out" 2>&1
		cat "$T/imtest.out" >>"$T/client-all.log"
		grep -q "Authenticated" "$T/imtest.out"
	}
	it_log_mark
	check "imtest OAUTHBEARER -w apitoken:imap: authenticated" imtest_acct OAUTHBEARER
	check "imtest XOAUTH2 -w apitoken:imap: authenticated" imtest_acct XOAUTH2
	check "  syslog: the token was accepted by the server" \
		it_log_has "decision=accept" "source=jwt"
	tok_acct=$(/usr/bin/jq -r .access_token "$T/oauth-client/store/imap.state")
	it_secret tok_acct "$tok_acct"
	# a cached token the server refuses: the error challenge marks it,
	# the next exchange refreshes
	st=$T/oauth-client/store/imap.state
	gen=$(/usr/bin/jq .generation "$st")
	/usr/bin/jq -c '.access_token = "not-a-valid-token-at-all"' "$st" >"$st.new" &&
		chmod 0600 "$st.new" && mv "$st.new" "$st"
	check "imtest with a cached token the server refuses: not authenticated" \
		eval '! imtest_acct OAUTHBEARER'
	# shellcheck disable=SC2016 # expanded by eval when check runs
	check "  the refusal marked the token: expired in the state" \
		eval '[ "$(/usr/bin/jq ".expires_at <= now" "$st")" = true ]'
	check "imtest again: refreshed, authenticated" imtest_acct XOAUTH2
	# shellcheck disable=SC2016 # expanded by eval when check runs
	check "  a new generation ($gen -> $(/usr/bin/jq .generation "$st"))" \
		eval '[ "$(/usr/bin/jq .generation "$st")" -gt "$gen" ]'
	it_secret tok_acct2 "$(/usr/bin/jq -r .access_token "$st")"
	"$top_builddir/tools/apitoken" --config /etc/apitoken/apitoken.conf oauth test imap \
		--imap "127.0.0.1:$IMAP_PORT" >"$T/oauth-test.out" 2>&1
	check "apitoken oauth test imap --imap: authenticated" [ $? = 0 ]

	# the authorization server down
	oidc_stop
	it_log_mark
	py_imap tok_opq_down OAUTHBEARER
	check "server down: opaque token not in the cache: NO without a challenge" \
		refused_without_challenge
	check "  syslog: decision=unavailable" it_log_has "decision=unavailable" \
		"fingerprint=$(it_fingerprint tok_opq_down)"
	py_imap tok_opq_down XOAUTH2
	check "server down: XOAUTH2, opaque token: NO without a challenge" \
		refused_without_challenge
	py_imap tok_jwt OAUTHBEARER
	check "server down: JWT whose keys are cached: logged in" out_has "RESULT ok"
	curl_imap tok_jwt OAUTHBEARER "$IMAP_PORT" --sasl-ir
	check "server down: curl OAUTHBEARER, JWT: logged in" rc_is 0
	py_imap tok_good OAUTHBEARER
	check "server down: local token: logged in" out_has "RESULT ok"
else
	skip "JWT and introspection cases" "oidc test server unavailable"
fi

check "cyrmaster still running" kill -0 "$CYRUS_PID"
check "no token (or slice of one) in syslog or client output" \
	it_no_token_in "$IT_SYSLOG" "$T/client-all.log" "$CYRUS_LOG"
check "every apitoken decision line has fingerprint= and reason=" \
	decisions_complete

# fail2ban's own tool on the lines Cyrus IMAP logged: refusals match, with
# the client's address; acceptances and the outages above do not.
it_fail2ban_check "accept unavailable" 127.0.0.1

finish
