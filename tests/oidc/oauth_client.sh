#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The OAuth client side (apitoken oauth, the SASL client) against a real
# authorization server:
# oidc-provider (tests/oidc/server.mjs) with the device flow, 20 s access
# tokens and strict refresh-token rotation (a refresh token presented twice
# revokes the whole grant).  `apitoken oauth` logs in with the device flow
# (approved headlessly), serves cached tokens, refreshes once per expiry
# under 64 concurrent processes, backs off on 503/429/stalls, stops at
# invalid_grant (status exit 1) until a new login, refuses unsafe state
# files, survives kill -9 mid-refresh with an old or new state (never a
# torn one), and revokes at logout.  The tokens it serves validate with
# `apitoken verify` against the same server.  TAP.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/oidc.sh
. "$top_srcdir/tests/lib/oidc.sh"
oidc_suite_setup oauth-client

APITOKEN=$top_builddir/tools/apitoken
export LC_ALL=C
if [ ! -x "$APITOKEN" ] || ! command -v jq >/dev/null; then
	skip_all "$APITOKEN not built or jq missing"
fi

# every process started in the background, killed at exit
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap (SUITE_CLEANUP)
stop_all() {
	local p
	for p in "${pids[@]}" ${OIDC_DEVICE_LOGIN_PID:-}; do kill -KILL "$p" 2>/dev/null; done
	oidc_stop
}
SUITE_CLEANUP=stop_all

TTL=20
oidc_suite_start "$T/oidc" --ttl $TTL

STORE=$T/store
CONF=$T/apitoken.conf
account() { # account NAME CLIENT [KEY = VALUE lines on stdin]
	cat <<EOC
[account:$1]
issuer = $OIDC_ISSUER
client_id = $2
scope = openid offline_access smtp imap
resource = urn:apitoken:test
allow_http_loopback = yes
user = apitok-test
EOC
	cat
}
{
	cat <<EOC
[client]
store = $STORE
refresh_margin = 5
timeout = 2
lock_timeout = 60
EOC
	oidc_section jwt
	printf '[cache]\ndir = %s\n' "$T/cache"
	account mail cli-mail <<EOC
client_secret_file = $OIDC_STATE/clients/cli-mail.secret
EOC
	account pub cli-mail-public <<EOC
auth_method = none
EOC
	account native cli-mail-native <<EOC
auth_method = none
EOC
	account app cli-mail <<EOC
grant = client_credentials
scope = smtp
client_secret_file = $OIDC_STATE/clients/cli-mail.secret
EOC
} >"$CONF"

A() { "$APITOKEN" --config "$CONF" "$@"; }
stats() { curl -sS --max-time 10 "$OIDC_ISSUER/test/stats"; }
refreshes() { stats | jq '.grants.refresh_token // 0'; }
reused() { stats | jq '.reused'; }
fault() { curl -sS --max-time 10 -X POST -d "$1" "$OIDC_ISSUER/test/fault" >/dev/null; }
state() { jq -r "$1" "$STORE/$2.state"; }

# login NAME: the device flow (tests/lib/oidc.sh), approved headlessly by
# the test server (denied with DENY=1); its output in $LOGIN_OUT and
# $LOGIN_ERR.
LOGIN_OUT=$OIDC_DIR/device-login.out LOGIN_ERR=$OIDC_DIR/device-login.err
login() {
	local rc
	OIDC_DEVICE_DENY=${DENY:-} oidc_device_login "$CONF" "$1"
	rc=$?
	[ $rc = 0 ] || diag <"$LOGIN_ERR"
	return $rc
}

# ---- login and cached tokens ----------------------------------------
A oauth status mail >"$T/out" 2>&1
check "status before any login: exit 1 (log in)" [ $? = 1 ]
check "status names the command to run" grep -q "apitoken oauth login mail" "$T/out"
A oauth token mail >/dev/null 2>"$T/err"
check "token before any login: exit 2, not a token" [ $? = 2 ]

check "login --device: code shown, approved, tokens stored" login mail
grep -q "verification\|open http" "$LOGIN_ERR" && grep -q '^user_code ' "$LOGIN_OUT"
check "login shows the verification URI and the user code" [ $? = 0 ]
st=$(stat -c '%a %U' "$STORE/mail.state" 2>/dev/null)
check "state file is 0600 root ($st)" [ "$st" = "600 root" ]
check "store directory is 0700" [ "$(stat -c %a "$STORE")" = 700 ]
check "state holds a refresh token, generation 1" \
	[ "$(state '.refresh_token != null and .generation == 1' mail)" = true ]
check "the client secret is not in the state file" \
	fails grep -qF -f "$OIDC_STATE/clients/cli-mail.secret" "$STORE/mail.state"

tok1=$(A oauth token mail)
check "token: an access token on stdout" [ -n "$tok1" ]
echo "$tok1" | A verify --user apitok-test --scope smtp >/dev/null 2>&1
check "the token validates with apitoken verify (JWT, same server)" [ $? = 0 ]
r0=$(refreshes)
tok2=$(A oauth token mail)
if [ "$tok1" = "$tok2" ] &&
	[ "$(refreshes)" = "$r0" ]; then
	pass "token again: the cached token, no refresh"
else
	fail "token again: the cached token, no refresh"
fi
A oauth status mail >/dev/null
check "status: exit 0" [ $? = 0 ]
if A oauth token app >"$T/app.tok" 2>"$T/err" &&
	[ -s "$T/app.tok" ]; then
	pass "client_credentials account: a token without login"
else
	fail "client_credentials account: a token without login"
fi
check "client_credentials state stored, no refresh token" \
	[ "$(state '.refresh_token == null and .generation == 1' app)" = true ]

# ---- 64 processes across an expiry: one refresh --------------------
exp=$(state .expires_at mail)
across_expiry() {
	local round=$1 before reuse_before now wait i fails=0 distinct
	before=$(refreshes)
	reuse_before=$(reused)
	exp=$(state .expires_at mail)
	now=$(date +%s)
	# past the refresh margin (5 s before expiry), before the expiry
	wait=$((exp - now - 3))
	[ $wait -gt 0 ] && sleep $wait
	for i in $(seq 64); do
		A oauth token mail >"$T/c.$i.out" 2>"$T/c.$i.err" &
		pids+=($!)
	done
	for i in $(seq 64); do
		wait "${pids[-64 + i - 1]}" || fails=$((fails + 1))
	done
	distinct=$(cat "$T"/c.*.out | sort -u | wc -l)
	check "round $round: 64 concurrent token requests all succeed ($fails failed)" [ $fails = 0 ]
	check "round $round: exactly one refresh at the server ($before -> $(refreshes))" \
		[ "$(refreshes)" = $((before + 1)) ]
	check "round $round: no refresh token presented twice" [ "$(reused)" = "$reuse_before" ]
	if [ "$distinct" = 1 ] &&
		[ "$(cat "$T/c.1.out")" != "$tok1" ]; then
		pass "round $round: all 64 got the new token ($distinct distinct)"
	else
		fail "round $round: all 64 got the new token ($distinct distinct)"
	fi
	tok1=$(cat "$T/c.1.out")
	rm -f "$T"/c.*
}
across_expiry 1
across_expiry 2
A oauth refresh mail >/dev/null 2>&1
check "the grant is alive after the rounds (refresh works)" [ $? = 0 ]

# ---- faults: temporary failures back off, the cached token serves ----
gen=$(state .generation mail)
fault "mode=503&retry_after=7"
A oauth refresh mail >/dev/null 2>"$T/err"
check "503: refresh exits 2" [ $? = 2 ]
na=$(state .next_attempt mail)
check "503: backs off at least 30 s" [ "$na" -ge $(($(date +%s) + 25)) ]
check "503: generation kept ($gen)" [ "$(state .generation mail)" = "$gen" ]
A oauth token mail >/dev/null 2>&1
check "during the back-off the still-valid token is served" [ $? = 0 ]
A oauth status mail >/dev/null 2>&1
check "status during trouble: exit 2" [ $? = 2 ]
fault "mode=429&retry_after=120"
A oauth refresh mail >/dev/null 2>&1
check "429: refresh exits 2" [ $? = 2 ]
na=$(state .next_attempt mail)
check "429: Retry-After 120 honoured" [ "$na" -ge $(($(date +%s) + 115)) ]
fault "mode=stall&stall_ms=6000"
t0=$SECONDS
A oauth refresh mail >/dev/null 2>&1
rc=$?
if [ $rc = 2 ] &&
	[ $((SECONDS - t0)) -le 4 ]; then
	pass "a stalled token endpoint: exit 2 within the timeout ($((SECONDS - t0)) s)"
else
	fail "a stalled token endpoint: exit 2 within the timeout ($((SECONDS - t0)) s)"
fi
if A oauth refresh mail >/dev/null 2>&1 &&
	[ "$(state .failures mail)" = 0 ]; then
	pass "after the faults a refresh succeeds; trouble cleared"
else
	fail "after the faults a refresh succeeds; trouble cleared"
fi
A oauth status mail >/dev/null
check "status back to exit 0" [ $? = 0 ]

# ---- invalid_grant: re-authorization required -----------------------
fault "mode=invalid_grant"
A oauth refresh mail >/dev/null 2>"$T/err"
check "invalid_grant: refresh exits 1" [ $? = 1 ]
grep -q "apitoken oauth login mail" "$T/err"
check "the error names the command to run" [ $? = 0 ]
A oauth status mail >/dev/null 2>&1
check "status: exit 1 (log in again)" [ $? = 1 ]
r0=$(refreshes)
f0=$(stats | jq .faults)
A oauth refresh mail >/dev/null 2>&1
A oauth token mail >/dev/null 2>&1
if [ "$(stats | jq .faults)" = "$f0" ] &&
	[ "$(refreshes)" = "$r0" ]; then
	pass "no more calls to the token endpoint once re-authorization is needed"
else
	fail "no more calls to the token endpoint once re-authorization is needed"
fi
check "login again" login mail
A oauth status mail >/dev/null
check "status after the login: exit 0" [ $? = 0 ]

# ---- the grant revoked at the server --------------------------------
curl -sS --max-time 10 -X POST -d client=cli-mail "$OIDC_ISSUER/test/revoke-grants" >/dev/null
A oauth refresh mail >/dev/null 2>&1
check "grant revoked at the server: refresh exits 1" [ $? = 1 ]
check "state says invalid_grant" [ "$(state .error_code mail)" = invalid_grant ]
A oauth status --json >"$T/status.json"
if [ $? = 1 ] &&
	[ "$(jq length "$T/status.json")" = 4 ] &&
	[ "$(jq -r '.[] | select(.account=="mail") | .status' "$T/status.json")" = reauthorization-required ]; then
	pass "status --json: exit 1 with one entry per account"
else
	fail "status --json: exit 1 with one entry per account"
fi
check "login after the revocation" login mail

# ---- a connection closed after the server committed a rotation -------
fault "mode=close"
A oauth refresh mail >/dev/null 2>&1
check "connection closed after commit: exit 2 (temporary)" [ $? = 2 ]
A oauth refresh mail >/dev/null 2>&1
rc=$?
check "the rotated-away refresh token comes back: the server revokes the grant, exit 1 ($rc)" [ $rc = 1 ]
check "login again" login mail

# ---- public client (auth_method none); the device flow's answers ----
DENY=1 login pub
rc=$?
if [ $rc = 1 ] &&
	grep -q access_denied "$LOGIN_ERR"; then
	pass "device flow denied by the user: exit 1 ($rc)"
else
	fail "device flow denied by the user: exit 1 ($rc)"
fi
fault "mode=slow_down"
t0=$SECONDS
check "public client: login through a slow_down" login pub
check "  slow_down made the poll 5 s slower ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -ge 14 ]
A oauth refresh pub >/dev/null 2>&1
check "public client: refresh" [ $? = 0 ]

# ---- authorization code with PKCE on a loopback redirect ------------
# The "browser": the URL the login prints, sent to the test server's
# /test/authorize (a signed-in, consenting user), whose redirect goes to
# the login's loopback listener.
browse() { # browse URL [EXTRA QUERY]: follows the redirect once
	local q=${1#*\?} loc
	loc=$(curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' \
		"$OIDC_ISSUER/test/authorize?$q${2:+&$2}")
	[ -n "$loc" ] && curl -sS --max-time 10 "$loc" >"$T/browser.out"
}
A oauth login native --browser >"$T/login.out" 2>"$T/login.err" &
lp=$!
pids+=("$lp")
for i in $(seq 100); do grep -q '^url ' "$T/login.out" && break; sleep 0.1; done
url=$(sed -n 's/^url //p' "$T/login.out")
case $url in
*code_challenge_method=S256*redirect_uri=http%3A%2F%2F127.0.0.1%3A* | *redirect_uri=http%3A%2F%2F127.0.0.1%3A*code_challenge_method=S256*)
	pass "login --browser: an authorization URL with PKCE S256 and a loopback redirect" ;;
*) fail "login --browser: authorization URL: $url" ;;
esac
port=$(printf '%s' "$url" | sed -n 's/.*redirect_uri=http%3A%2F%2F127.0.0.1%3A\([0-9]*\).*/\1/p')
curl -sS --max-time 10 "http://127.0.0.1:$port/?code=forged&state=wrong" >"$T/forged.out"
check "a redirect with another state is answered and ignored" grep -q "failed" "$T/forged.out"
browse "$url"
if wait "$lp" &&
	grep -q "signed in" "$T/browser.out"; then
	pass "login --browser: the redirect's code exchanged, tokens stored"
else
	fail "login --browser: the redirect's code exchanged, tokens stored"
fi
check "native client: a refresh token" [ "$(jq -r '.refresh_token != null' "$STORE/native.state")" = true ]
A oauth refresh native >/dev/null 2>&1
check "native client: refresh" [ $? = 0 ]
A oauth token native | A verify --user apitok-test --scope imap >/dev/null 2>&1
check "native client: its token validates" [ $? = 0 ]

# --paste: the user copies the address the browser ended on
mkfifo "$T/paste"
A oauth login native --paste <"$T/paste" >"$T/login.out" 2>"$T/login.err" &
lp=$!
pids+=("$lp")
exec 7>"$T/paste"
for i in $(seq 100); do grep -q '^url ' "$T/login.out" && break; sleep 0.1; done
url=$(sed -n 's/^url //p' "$T/login.out")
loc=$(curl -sS --max-time 10 -o /dev/null -w '%{redirect_url}' "$OIDC_ISSUER/test/authorize?${url#*\?}")
echo "$loc" >&7
exec 7>&-
wait "$lp"
check "login --paste: the pasted redirect's code exchanged" [ $? = 0 ]
A oauth login native --paste >"$T/login.out" 2>"$T/login.err" <<<"http://127.0.0.1/?error=access_denied&state=x"
if [ $? = 1 ] &&
	grep -q access_denied "$T/login.err"; then
	pass "login --paste: access_denied is a failed login (exit 1)"
else
	fail "login --paste: access_denied is a failed login (exit 1)"
fi

# ---- unsafe or broken state files ----------------------------------
# refused DESC [-i] PATTERN: oauth token exits 2, its error matches PATTERN.
refused() {
	local desc=$1 rc match=(grep -q)
	shift
	[ "$1" = -i ] && match+=(-i) && shift
	A oauth token mail >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" = 2 ] && "${match[@]}" -- "$1" "$T/err"; then
		pass "$desc"
	else
		fail "$desc" "exit $rc (want 2), stderr (want \"$1\"): $(cat "$T/err")"
	fi
}
cp -p "$STORE/mail.state" "$T/good.state"
chmod 0640 "$STORE/mail.state"
refused "a group-readable state file is refused" "0600"
chmod 0600 "$STORE/mail.state"
mv "$STORE/mail.state" "$T/moved.state"
ln -s "$T/moved.state" "$STORE/mail.state"
refused "a symlinked state file is refused" -i "symlink"
rm -f "$STORE/mail.state"
head -c 100 "$T/good.state" >"$STORE/mail.state"
chmod 600 "$STORE/mail.state"
refused "a torn state file is refused as corrupt" "corrupt"
A oauth status mail >/dev/null 2>&1
check "status of a corrupt state: exit 1" [ $? = 1 ]
{ head -c 49152 /dev/zero | tr '\0' ' '; echo '{}'; } >"$STORE/mail.state"
refused "an oversized state file is refused" "over"
cp -p "$T/good.state" "$STORE/mail.state"
chown 1:1 "$STORE/mail.state"
refused "another owner's state file is refused" "uid"
chown 0:0 "$STORE/mail.state"
chmod 0750 "$STORE"
refused "a group-accessible store directory is refused" "0700"
chmod 0700 "$STORE"
A oauth token mail >/dev/null 2>&1
check "the restored state works" [ $? = 0 ]

# ---- kill -9 between the server's answer and the rename -------------
# strace holds the refresh at rename(2), after the new state was written
# and fsynced to its temporary file: kill -9 there leaves the old state.
if command -v strace >/dev/null; then
	gen=$(state .generation mail)
	r0=$(refreshes)
	strace -f -o /dev/null -e trace=rename -e inject=rename:delay_enter=4000000 \
		"$APITOKEN" --config "$CONF" oauth refresh mail >/dev/null 2>&1 &
	sp=$!
	pids+=("$sp")
	for i in $(seq 100); do
		[ "$(refreshes)" != "$r0" ] && compgen -G "$STORE/.mail.*" >/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	child=$(ps -o pid= --ppid "$sp" | tr -d ' ')
	[ -n "$child" ] && kill -KILL "$child"
	wait "$sp" 2>/dev/null
	if [ "$(refreshes)" = $((r0 + 1)) ] &&
		[ -n "$child" ]; then
		pass "kill -9 after the server answered, before the rename: the server issued ($r0 -> $(refreshes))"
	else
		fail "kill -9 after the server answered, before the rename: the server issued ($r0 -> $(refreshes))"
	fi
	if [ "$(state .generation mail)" = "$gen" ] &&
		A oauth status mail >/dev/null; then
		pass "... the old state is intact (generation $gen)"
	else
		fail "... the old state is intact (generation $gen)"
	fi
	A oauth refresh mail >/dev/null 2>&1
	rc=$?
	check "... the lost rotation shows as a revoked grant, exit 1 ($rc): log in again" [ $rc = 1 ]
	check "login again" login mail
else
	skip "kill -9 between the server's answer and the rename" "strace not installed"
fi
torn=0 kills=0
for i in $(seq 12); do
	A oauth refresh app >/dev/null 2>&1 &
	p=$!
	sleep "0.$(printf %03d $((i * 3)))"
	kill -KILL $p 2>/dev/null && kills=$((kills + 1))
	wait $p 2>/dev/null
	jq -e '.v == 1 and (.generation | type == "number")' "$STORE/app.state" >/dev/null 2>&1 || torn=$((torn + 1))
done
check "kill -9 at 12 points of a refresh ($kills killed): never a torn state ($torn)" [ $torn = 0 ]

# ---- logout: revoke, then delete ------------------------------------
rt_before=$(state .refresh_token mail)
A oauth logout mail >/dev/null 2>"$T/err"
check "logout: exit 0" [ $? = 0 ]
check "logout: the state file is gone" [ ! -e "$STORE/mail.state" ]
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -K "$OIDC_STATE/clients/cli-mail.curl" \
	-d grant_type=refresh_token --data-urlencode "refresh_token@-" "$OIDC_TOKEN_ENDPOINT" <<<"$rt_before")
check "logout: the refresh token was revoked at the server (HTTP $code)" [ "$code" = 400 ]

check "no token in the server log" fails grep -q "$tok1" "$OIDC_LOG"
finish
