#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck source-path=SCRIPTDIR
# RFC 7662 introspection end to end with a real authorization server:
# oidc-provider (tests/oidc/server.mjs) on 127.0.0.1, once over
# plain http (allow_http_loopback) and once over TLS with a test CA.  An
# opaque token logs in through the PAM module (tests/pam/pam_login) and the
# apitoken command; mallory's token is refused for apitok-test; revoked at
# the server (RFC 7009) it is refused once the positive TTL has passed; a
# 3 s token is refused after expiry; a wrong client secret is UNAVAILABLE
# with a reason naming the configuration; with the server stopped a cached
# positive result serves within its TTL (fresh process) and a cold cache is
# UNAVAILABLE; cache files 0600 without the token.  A JWT access token with
# only [introspection] configured goes to introspection and is refused
# (oidc-provider does not store JWT access tokens: active false).  TAP.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/lib/oidc.sh
. "$top_srcdir/tests/lib/oidc.sh"

APITOKEN=$top_builddir/tools/apitoken
PAM_SO=$top_builddir/.libs/pam_apitoken.so
PAM_LOGIN=$top_builddir/tests/pam/pam_login
UNAVAIL_MSG="Authentication service cannot retrieve authentication info"
export LC_ALL=C

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
check() { # check DESC BAD-TEXT: ok if BAD-TEXT is empty
	if [ -z "$2" ]; then ok "$1"; else not_ok "$1"; printf '%s\n' "${2#; }" | diag; fi
}

if ! avail=$(oidc_available 2>&1); then
	printf '%s\n' "$avail" | diag
	echo "1..0 # SKIP oidc test server not available (node/npm packages)"
	exit 0
fi
for f in "$APITOKEN" "$PAM_LOGIN" "$PAM_SO"; do
	if [ ! -e "$f" ]; then
		echo "1..0 # SKIP $f not built"
		exit 0
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/introspect-e2e.XXXXXX")
chmod 700 "$T"
cleanup() { oidc_stop; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$T/pam.d"
echo "# libpam wants a default service" > "$T/pam.d/other"
start=$SECONDS

# ---- helpers ---------------------------------------------------------------

# conf NAME [KEY=VALUE ...]: $T/NAME.conf with [introspection] for the
# running server (client cli-rs, its secret file; cache dir $T/cache-NAME)
# and a PAM service NAME.  KEY=- drops a key.
conf() {
	local name=$1 kv k v line
	shift
	declare -A ic=(
		[endpoint]=$OIDC_INTROSPECTION_ENDPOINT
		[client_id]=cli-rs
		[client_secret_file]=$OIDC_STATE/clients/cli-rs.secret
		[allow_http_loopback]=yes
		[timeout]=5
		[cache_ttl]=60
		[negative_cache_ttl]=5
		[opaque_min_length]=43
		[opaque_max_length]=43
		[opaque_charset]=base64url
	)
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		if [ "$v" = - ]; then unset "ic[$k]"; else ic[$k]=$v; fi
	done
	{
		echo "[introspection]"
		for k in "${!ic[@]}"; do echo "$k = ${ic[$k]}"; done
		echo "[cache]"
		echo "dir = $T/cache-$name"
	} > "$T/$name.conf"
	chmod 600 "$T/$name.conf"
	line="$PAM_SO config=$T/$name.conf"
	printf 'auth required %s scope=ssh\naccount required %s\n' \
		"$line" "$line" > "$T/pam.d/$name"
}

verify() { # verify CONF TOKEN [USER] [SCOPE]: sets rc out err why reason
	out=$(printf '%s\n' "$2" | "$APITOKEN" --config "$T/$1.conf" verify \
		--user "${3:-apitok-test}" --scope "${4:-ssh}" --json 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	why=$(printf '%s' "$out" | _oidc_json why 2>/dev/null)
	reason=$(printf '%s' "$out" | _oidc_json reason 2>/dev/null)
}
jfield() { printf '%s' "$out" | _oidc_json "$1" 2>/dev/null; }
vdiag() {
	{
		echo "verify exit $rc"
		[ -n "$out" ] && echo "stdout: $out"
		[ -n "$err" ] && echo "stderr: $err"
	} | diag
}
expect_verify() { # DESC RC WHY [field=value ...]
	[ -n "${E2E_VERBOSE:-}" ] && echo "# [$1] rc=$rc out=$out err=$err"
	local desc=$1 want_rc=$2 want_why=$3 kv got bad=
	shift 3
	[ "$rc" = "$want_rc" ] || bad="exit $rc, want $want_rc"
	[ -z "$want_why" ] || [ "$why" = "$want_why" ] || bad="$bad; why '$why', want '$want_why'"
	for kv in "$@"; do
		got=$(jfield "${kv%%=*}")
		[ "$got" = "${kv#*=}" ] || bad="$bad; ${kv%%=*} '$got', want '${kv#*=}'"
	done
	if [ -z "$bad" ]; then ok "$desc"; else not_ok "$desc"; echo "${bad#; }" | diag; vdiag; fi
}
login() { # login SERVICE TOKEN [USER]: sets prc pout
	pout=$(printf '%s\n' "$2" | "$PAM_LOGIN" "$T/pam.d" "$1" "${3:-apitok-test}" 2>&1)
	prc=$?
}
expect_login() { # DESC RC [AUTH-MESSAGE]
	local desc=$1 want_rc=$2 want_auth=${3-} bad=
	[ "$prc" = "$want_rc" ] || bad="exit $prc, want $want_rc"
	if [ "$want_rc" = 0 ]; then
		grep -qx 'auth=Success' <<<"$pout" || bad="$bad; auth not Success"
		grep -qx 'acct=Success' <<<"$pout" || bad="$bad; acct not Success"
	fi
	if [ -n "$want_auth" ] && ! grep -qxF "auth=$want_auth" <<<"$pout"; then
		bad="$bad; want auth=$want_auth"
	fi
	if [ -z "$bad" ]; then ok "$desc"; else
		not_ok "$desc"; echo "${bad#; }" | diag
		{ echo "pam_login exit $prc"; printf '%s\n' "$pout"; } | diag
	fi
}
token() { # token CLIENT SCOPE [USER]: sets tok
	tok=$(oidc_token "$@" 2>"$T/tokerr") || tok=
	[ -n "$tok" ] || { echo "token request $* failed:"; cat "$T/tokerr"; } | diag
}

# run_suite LABEL: everything that holds over http and over TLS; the
# caller has started the server and set EXTRA (conf KEY=VALUEs).
run_suite() {
	local L=$1 short short_exp
	conf "$L" "${EXTRA[@]}"

	# a 3 s token first so its expiry overlaps the other cases
	conf "$L-short" "${EXTRA[@]}" cache_ttl=60
	tok=$(OIDC_TOKEN_TTL=3 oidc_token cli-opaque ssh 2>"$T/tokerr") || tok=
	short=$tok
	verify "$L-short" "$short"
	expect_verify "$L: a 3 s opaque token accepted at once" 0 none
	short_exp=$(jfield expires)

	token cli-opaque "ssh imap"
	verify "$L" "$tok"
	expect_verify "$L: opaque token accepted by apitoken verify" 0 none \
		result=accept user=apitok-test source=introspection
	login "$L" "$tok"
	expect_login "$L: opaque token logs in through PAM" 0
	good=$tok

	token cli-opaque "ssh imap" mallory
	verify "$L" "$tok"
	expect_verify "$L: mallory's token refused for apitok-test (user_mismatch)" 1 user_mismatch user=mallory
	login "$L" "$tok"
	expect_login "$L: mallory's token refused through PAM" 1

	token cli-opaque "imap smtp"
	verify "$L" "$tok"
	expect_verify "$L: token without scope ssh refused (insufficient_scope)" 1 insufficient_scope
	login "$L" "$tok"
	expect_login "$L: token without scope ssh refused through PAM" 1

	# of the declared shape (43 base64url characters), so it is asked about
	verify "$L" "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
	expect_verify "$L: an opaque string the server never issued: refused (inactive)" 1 inactive
	verify "$L" "not-a-token-the-server-issued-$RANDOM$RANDOM"
	expect_verify "$L: a string not of the declared shape: not a token, never sent" 1 not_a_token

	# revocation: refused once the positive TTL (2 s) has passed
	conf "$L-rev" "${EXTRA[@]}" cache_ttl=2
	token cli-opaque ssh
	verify "$L-rev" "$tok"
	expect_verify "$L: revocation: accepted before (cached for 2 s)" 0 none
	if oidc_revoke "$tok" cli-opaque >/dev/null 2>&1; then
		ok "$L: revoked at the server (RFC 7009)"
	else
		not_ok "$L: revoked at the server (RFC 7009)"
	fi
	sleep 3
	verify "$L-rev" "$tok"
	expect_verify "$L: revoked token refused once cache_ttl has passed (inactive)" 1 inactive
	login "$L-rev" "$tok"
	expect_login "$L: revoked token refused through PAM" 1

	# a wrong client secret
	printf '%s\n' "not-the-secret" > "$T/wrong-$L.secret"
	chmod 600 "$T/wrong-$L.secret"
	conf "$L-wrong" "${EXTRA[@]}" client_secret_file="$T/wrong-$L.secret"
	verify "$L-wrong" "$good"
	expect_verify "$L: wrong client secret: UNAVAILABLE (exit 2, backend)" 2 backend result=unavailable
	if grep -q 'client_secret_file' <<<"$reason" && grep -q 'client_id' <<<"$reason"; then
		ok "$L: wrong client secret: the reason names client_id and client_secret_file"
	else
		not_ok "$L: wrong client secret: the reason names client_id and client_secret_file"; vdiag
	fi
	login "$L-wrong" "$good"
	expect_login "$L: wrong client secret through PAM: PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL_MSG"

	# client_secret_post (oidc-provider takes either method from cli-rs)
	conf "$L-post" "${EXTRA[@]}" auth_method=client_secret_post
	verify "$L-post" "$good"
	expect_verify "$L: client_secret_post: accepted" 0 none source=introspection

	# the JWT-shaped access token with only [introspection]: routed to
	# introspection, which knows nothing of it (oidc-provider does not
	# store JWT access tokens)
	token cli-rs256 ssh
	verify "$L" "$tok"
	expect_verify "$L: a JWT access token with only [introspection]: introspected, active false (inactive)" \
		1 inactive source=introspection

	# expiry of the 3 s token
	if [ -n "$short_exp" ] && [ "$short_exp" -gt 0 ] 2>/dev/null; then
		while [ "$(date +%s)" -le "$short_exp" ]; do sleep 0.2; done
	else
		sleep 4
	fi
	verify "$L-short" "$short"
	if [ "$rc" = 1 ] && { [ "$why" = expired ] || [ "$why" = inactive ]; }; then
		ok "$L: the 3 s token refused after expiry, with cache_ttl = 60 ($why)"
	else
		not_ok "$L: the 3 s token refused after expiry, with cache_ttl = 60"; vdiag
	fi
	login "$L-short" "$short"
	expect_login "$L: the 3 s token refused through PAM after expiry" 1

	# cache files
	local cbad='' f m
	for f in "$T/cache-$L" "$T/cache-$L"/*; do
		[ -e "$f" ] || { cbad="$cbad; no cache files"; break; }
		m=$(stat -c %a "$f")
		if [ -d "$f" ]; then [ "$m" = 700 ] || cbad="$cbad; $f mode $m"
		else [ "$m" = 600 ] || cbad="$cbad; $f mode $m"; fi
	done
	check "$L: cache dir 0700, cache files 0600" "$cbad"
	if [ -n "$good" ] && ! grep -rqF -e "$good" "$T/cache-$L" "$T/cache-$L-rev" "$T/cache-$L-short"; then
		ok "$L: no cache file holds the token"
	else
		not_ok "$L: no cache file holds the token"
	fi

	# warm the caches, stop the server
	conf "$L-warm" "${EXTRA[@]}" cache_ttl=60
	conf "$L-cold" "${EXTRA[@]}"
	token cli-opaque ssh
	warm=$tok
	verify "$L-warm" "$warm"
	expect_verify "$L: warm-up: accepted (cache_ttl 60)" 0 none
	oidc_stop
	verify "$L-warm" "$warm"
	expect_verify "$L: server stopped: the cached positive result serves (fresh process)" 0 none \
		source=introspection
	login "$L-warm" "$warm"
	expect_login "$L: server stopped: cached result logs in through PAM" 0
	verify "$L-cold" "$warm"
	expect_verify "$L: server stopped, cold cache: UNAVAILABLE (exit 2, backend)" 2 backend result=unavailable
	login "$L-cold" "$warm"
	expect_login "$L: server stopped, cold cache through PAM: PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL_MSG"
}

# ---- plain http (loopback) --------------------------------------------------

if ! oidc_start "$T/srv" 2>"$T/starterr"; then
	diag < "$T/starterr"
	echo "1..0 # SKIP the oidc test server did not start"
	exit 0
fi
echo "# issuer $OIDC_ISSUER"
EXTRA=()
run_suite http

# ---- TLS with the test CA ---------------------------------------------------

if ! oidc_start "$T/tls" --tls 2>"$T/starterr"; then
	not_ok "TLS server started"
	diag < "$T/starterr"
else
	echo "# issuer $OIDC_ISSUER"
	conf tls-noloop allow_http_loopback=-
	conf tls-noca allow_http_loopback=-
	token cli-opaque ssh
	conf tls-aud allow_http_loopback=- ca_file="$OIDC_CAFILE" audience=urn:apitoken:other
	verify tls-aud "$tok"
	expect_verify "tls: audience = urn:apitoken:other, the server says urn:apitoken:test: refused (audience)" \
		1 audience
	conf tls-iss allow_http_loopback=- ca_file="$OIDC_CAFILE" issuer=https://as.example.org
	verify tls-iss "$tok"
	expect_verify "tls: issuer configured, the server names another: refused (issuer)" 1 issuer
	# the issuer and audience checks on, against the server's iss/aud
	EXTRA=(allow_http_loopback=- ca_file="$OIDC_CAFILE" issuer="$OIDC_ISSUER"
		audience=urn:apitoken:test username_field=preferred_username)
	token cli-opaque ssh
	verify tls-noca "$tok"
	expect_verify "tls: without ca_file the server's certificate fails: UNAVAILABLE (exit 2)" \
		2 backend result=unavailable
	run_suite tls
fi

# ---- http without allow_http_loopback ---------------------------------------

OIDC_INTROSPECTION_ENDPOINT=http://127.0.0.1:9/token/introspection
conf plain allow_http_loopback=-
verify plain "opaque-token-$RANDOM"
expect_verify "an http:// endpoint without allow_http_loopback: configuration error (exit 2)" \
	2 config result=config_error

# ---- leftovers ---------------------------------------------------------------

if [ -n "${OIDC_PID:-}" ] && kill -0 "$OIDC_PID" 2>/dev/null; then
	not_ok "no server left running"
else
	ok "no server left running"
fi
echo "# runtime $((SECONDS - start)) s"
echo "1..$n"
[ "$failed" = 0 ]
