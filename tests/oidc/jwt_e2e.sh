#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck source-path=SCRIPTDIR
# End to end with a real authorization server: oidc-provider
# (tests/oidc/server.mjs) on 127.0.0.1 issues RS256, PS256, ES256 and EdDSA JWT
# access tokens; they log in through the PAM module (tests/pam/pam_login, as a
# JWT is longer than pamtester/misc_conv's 512 bytes) and the apitoken command,
# and are refused for another user, without the scope, after expiry, for
# another audience.  A key rotation at the server is followed without a
# restart; with the server stopped a warm disk cache still validates and a
# cold one answers UNAVAILABLE; TLS with and without the CA; plain http
# without allow_http_loopback is a configuration error.  TAP.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/lib/oidc.sh
. "$here/../lib/oidc.sh"

APITOKEN=$top_builddir/tools/apitoken
PAM_SO=$top_builddir/.libs/pam_apitoken.so
PAM_LOGIN=$top_builddir/tests/pam/pam_login
# pam_strerror(PAM_AUTHINFO_UNAVAIL) in Linux-PAM ("Authentication information
# cannot be recovered" is PAM_AUTHTOK_RECOVERY_ERR's text)
UNAVAIL_MSG="Authentication service cannot retrieve authentication info"
export LC_ALL=C

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

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

T=$(mktemp -d "${TMPDIR:-/tmp}/jwt-e2e.XXXXXX")
chmod 700 "$T"
cleanup() { oidc_stop; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$T/pam.d"
echo "# libpam wants a default service" > "$T/pam.d/other"
start=$SECONDS

# ---- helpers ---------------------------------------------------------

# conf NAME [KEY=VALUE ...]: writes $T/NAME.conf ([jwt] with the running
# server's issuer, discovery; cache dir $T/cache-NAME) and a PAM service
# file NAME using the built module.  KEY=VALUE adds or replaces [jwt] keys;
# KEY=- drops one.
conf() {
	local name=$1 kv k v line
	shift
	declare -A jwt=(
		[issuer]=$OIDC_ISSUER
		[audience]=urn:apitoken:test
		[discovery]=yes
		[allow_http_loopback]=yes
		[algorithms]="RS256 PS256 ES256 EdDSA"
		[username_claim]=preferred_username
	)
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		if [ "$v" = - ]; then unset "jwt[$k]"; else jwt[$k]=$v; fi
	done
	{
		echo "[jwt]"
		for k in "${!jwt[@]}"; do echo "$k = ${jwt[$k]}"; done
		echo "[cache]"
		echo "dir = $T/cache-$name"
	} > "$T/$name.conf"
	chmod 600 "$T/$name.conf"
	line="$PAM_SO config=$T/$name.conf"
	printf 'auth required %s scope=ssh\naccount required %s\n' \
		"$line" "$line" > "$T/pam.d/$name"
}

# verify CONF TOKEN [USER] [SCOPE]: apitoken verify --json; sets rc, out
# (JSON on stdout), err (stderr), why.
verify() {
	local cf=$1 tok=$2 user=${3:-apitok-test} scope=${4:-ssh}
	out=$(printf '%s\n' "$tok" | "$APITOKEN" --config "$T/$cf.conf" verify \
		--user "$user" --scope "$scope" --json 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	why=$(printf '%s' "$out" | _oidc_json why 2>/dev/null)
}
jfield() { printf '%s' "$out" | _oidc_json "$1" 2>/dev/null; }

# login SERVICE TOKEN [USER]: pam_login; sets prc, pout.
login() {
	pout=$(printf '%s\n' "$2" | "$PAM_LOGIN" "$T/pam.d" "$1" "${3:-apitok-test}" 2>&1)
	prc=$?
}

vdiag() {
	{
		echo "verify exit $rc"
		[ -n "$out" ] && echo "stdout: $out"
		[ -n "$err" ] && echo "stderr: $err"
	} | diag
}
pdiag() { { echo "pam_login exit $prc"; printf '%s\n' "$pout"; } | diag; }

# expect_verify DESC RC WHY [field=value ...]  (after verify)
expect_verify() {
	# E2E_VERBOSE=1: every verify result as a diagnostic
	[ -n "${E2E_VERBOSE:-}" ] && echo "# [$1] rc=$rc out=$out err=$err"
	local desc=$1 want_rc=$2 want_why=$3 kv bad=
	shift 3
	[ "$rc" = "$want_rc" ] || bad="exit $rc, want $want_rc"
	[ -z "$want_why" ] || [ "$why" = "$want_why" ] || bad="$bad; why '$why', want '$want_why'"
	for kv in "$@"; do
		local got
		got=$(jfield "${kv%%=*}")
		[ "$got" = "${kv#*=}" ] || bad="$bad; ${kv%%=*} '$got', want '${kv#*=}'"
	done
	if [ -z "$bad" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "${bad#; }" | diag
		vdiag
	fi
}

# expect_login DESC RC [AUTH-MESSAGE]  (after login)
expect_login() {
	local desc=$1 want_rc=$2 want_auth=${3-} bad=
	[ "$prc" = "$want_rc" ] || bad="exit $prc, want $want_rc"
	if [ "$want_rc" = 0 ]; then
		grep -qx 'auth=Success' <<<"$pout" || bad="$bad; auth not Success"
		grep -qx 'acct=Success' <<<"$pout" || bad="$bad; acct not Success"
	fi
	if [ -n "$want_auth" ] && ! grep -qxF "auth=$want_auth" <<<"$pout"; then
		bad="$bad; want auth=$want_auth"
	fi
	if [ -z "$bad" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "${bad#; }" | diag
		pdiag
	fi
}

# token CLIENT SCOPE [USER]: sets tok (empty on failure, with diagnostics)
token() {
	tok=$(oidc_token "$@" 2>"$T/tokerr") || tok=
	[ -n "$tok" ] || { echo "token request $* failed:"; cat "$T/tokerr"; } | diag
}

# ---- the server, and tokens of every algorithm -------------------------

if ! oidc_start "$T/srv" 2>"$T/starterr"; then
	diag < "$T/starterr"
	echo "1..0 # SKIP the oidc test server did not start"
	exit 0
fi
echo "# issuer $OIDC_ISSUER"
conf main

# a short-lived token first, so its expiry overlaps the other cases
conf short leeway=0 cache_ttl=0
conf short60 leeway=0 cache_ttl=60
tok=$(OIDC_TOKEN_TTL=3 oidc_token cli-rs256 ssh 2>"$T/tokerr") || tok=
short=$tok
verify short "$short"
expect_verify "RS256 token with a 3 s lifetime: accepted at once" 0 none
short_exp=$(jfield expires)
login short "$short"
expect_login "the 3 s token logs in through PAM at once" 0
verify short60 "$short"
expect_verify "the 3 s token accepted with cache_ttl = 60" 0 none

for alg in RS256 PS256 ES256 EdDSA; do
	client=cli-$(tr '[:upper:]' '[:lower:]' <<<"$alg")
	kid=$(oidc_kid "$alg" 2>/dev/null)
	token "$client" "ssh imap"
	[ "$alg" = RS256 ] && rs_tok=$tok
	login main "$tok"
	expect_login "$alg: apitok-test logs in through PAM (token ${#tok} bytes)" 0
	verify main "$tok"
	expect_verify "$alg: apitoken verify accepts (alg, kid, issuer shown)" 0 none \
		result=accept user=apitok-test alg="$alg" kid="$kid" issuer="$OIDC_ISSUER" \
		source=jwt

	token "$client" "ssh imap" mallory
	login main "$tok"
	expect_login "$alg: mallory's token refused for apitok-test through PAM" 1
	verify main "$tok"
	expect_verify "$alg: mallory's token refused by verify (user_mismatch)" 1 user_mismatch \
		user=mallory

	token "$client" "imap smtp"
	login main "$tok"
	expect_login "$alg: a token without scope ssh refused through PAM" 1
	verify main "$tok"
	expect_verify "$alg: a token without scope ssh refused (insufficient_scope)" 1 \
		insufficient_scope
done

if [ "${#rs_tok}" -gt 512 ]; then
	ok "an RS256 access token is over 512 bytes (${#rs_tok}): beyond misc_conv"
else
	not_ok "an RS256 access token is over 512 bytes (${#rs_tok})"
fi

tok=$(OIDC_RESOURCE=urn:apitoken:other oidc_token cli-rs256 ssh 2>"$T/tokerr") || tok=
verify main "$tok"
expect_verify "a token for audience urn:apitoken:other refused (audience)" 1 audience
login main "$tok"
expect_login "a token for another audience refused through PAM" 1

# ---- the disk cache -----------------------------------------------------

cachebad=
for f in "$T/cache-main" "$T"/cache-main/*; do
	[ -e "$f" ] || { cachebad="$cachebad; no cache files"; break; }
	m=$(stat -c %a "$f")
	if [ -d "$f" ]; then
		[ "$m" = 700 ] || cachebad="$cachebad; $f mode $m"
	else
		[ "$m" = 600 ] || cachebad="$cachebad; $f mode $m"
	fi
done
if [ -z "$cachebad" ]; then
	ok "cache dir 0700, cache files 0600"
else
	not_ok "cache dir 0700, cache files 0600"
	{ echo "${cachebad#; }"; ls -la "$T/cache-main"; } | diag
fi
sig=${rs_tok##*.}
payload=${rs_tok#*.}; payload=${payload%%.*}
if [ -n "$rs_tok" ] && ! grep -rqF -e "$rs_tok" -e "$sig" -e "$payload" "$T/cache-main"; then
	ok "no cache file holds the token, its claims or its signature"
else
	not_ok "no cache file holds the token, its claims or its signature"
	grep -rlF -e "$rs_tok" -e "$sig" -e "$payload" "$T/cache-main" | diag
fi

# ---- key rotation without a restart -----------------------------------

conf rot refetch_interval=0
token cli-rs256 ssh
old_tok=$tok
old_kid=$(oidc_kid RS256 2>/dev/null)
verify rot "$old_tok"
expect_verify "rotation: the current key's token accepted (cache warmed)" 0 none kid="$old_kid"
# shellcheck disable=SC2119 # no arguments: every alg, old keys dropped
if ! rot_out=$(oidc_rotate 2>&1); then
	not_ok "rotation at the server (old keys dropped)"
	echo "$rot_out" | diag
else
	new_kid=$(oidc_kid RS256 2>/dev/null)
	if [ -n "$new_kid" ] && [ "$new_kid" != "$old_kid" ]; then
		ok "rotation at the server: RS256 kid $old_kid -> $new_kid"
	else
		not_ok "rotation at the server: new kid"
		echo "old $old_kid new $new_kid; $rot_out" | diag
	fi
fi
for alg in RS256 ES256; do
	client=cli-$(tr '[:upper:]' '[:lower:]' <<<"$alg")
	token "$client" ssh
	verify rot "$tok"
	expect_verify "rotation: $alg token with the new kid accepted, same config and cache" \
		0 none kid="$(oidc_kid "$alg" 2>/dev/null)"
	if [ -z "$err" ]; then
		ok "rotation: $alg: the verifier logged nothing"
	else
		not_ok "rotation: $alg: the verifier logged nothing"
		echo "$err" | diag
	fi
done
token cli-ps256 ssh
login rot "$tok"
expect_login "rotation: a PS256 token with the new kid logs in through PAM" 0
verify rot "$old_tok"
expect_verify "rotation: the token signed by the dropped key is refused (no_key)" 1 no_key

# ---- server stopped: warm cache, stale cache, cold cache ----------------

conf warm
conf stale jwks_min_ttl=0 jwks_max_ttl=0
conf nostale jwks_min_ttl=0 jwks_max_ttl=0 stale_if_error=0
conf cold
token cli-es256 ssh
warm_tok=$tok
for c in warm stale nostale cold; do
	verify "$c" "$warm_tok"
	[ "$rc" = 0 ] || { echo "warming cache $c:"; vdiag; } | diag
done
oidc_stop

verify warm "$warm_tok"
expect_verify "server stopped: warm cache still validates (command)" 0 none
login warm "$warm_tok"
expect_login "server stopped: warm cache still validates (PAM)" 0
verify stale "$warm_tok"
expect_verify "server stopped: an expired JWKS entry serves within stale_if_error" 0 none
verify nostale "$warm_tok"
expect_verify "server stopped: expired JWKS entry with stale_if_error = 0: UNAVAILABLE" 2 backend \
	result=unavailable
rm -rf "${T:?}/cache-cold/"*
verify cold "$warm_tok"
expect_verify "server stopped: cold cache answers UNAVAILABLE (exit 2, backend)" 2 backend \
	result=unavailable
login cold "$warm_tok"
expect_login "server stopped: cold cache through PAM: PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL_MSG"

# ---- expiry of the short-lived token ------------------------------------

if [ -n "$short_exp" ]; then
	while [ "$(date +%s)" -le "$short_exp" ]; do sleep 0.2; done
fi
# the keys of the first server are still in the cache (fresh)
verify short "$short"
expect_verify "the 3 s token refused after expiry (leeway 0)" 1 expired result=reject
verify short60 "$short"
expect_verify "the 3 s token refused after expiry with cache_ttl = 60" 1 expired
login short "$short"
expect_login "the 3 s token refused through PAM after expiry" 1

# ---- TLS ----------------------------------------------------------------

conf plain allow_http_loopback=-
verify plain "$warm_tok"
expect_verify "an http:// issuer without allow_http_loopback: configuration error (exit 2)" \
	2 config result=config_error

if ! oidc_start "$T/tls" --tls 2>"$T/starterr"; then
	not_ok "TLS server started"
	diag < "$T/starterr"
else
	echo "# issuer $OIDC_ISSUER"
	conf tls allow_http_loopback=- ca_file="$OIDC_CAFILE"
	conf tlsnoca allow_http_loopback=-
	token cli-rs256 ssh
	verify tls "$tok"
	expect_verify "TLS: https issuer with ca_file accepted" 0 none issuer="$OIDC_ISSUER"
	login tls "$tok"
	expect_login "TLS: logs in through PAM" 0
	verify tlsnoca "$tok"
	expect_verify "TLS: without ca_file the server's certificate fails: UNAVAILABLE (exit 2)" \
		2 backend result=unavailable
	oidc_stop
fi

# ---- leftovers ------------------------------------------------------------

if [ -n "$(find "$T" -name '*.pid' 2>/dev/null)" ] || { [ -n "${OIDC_PID:-}" ] && kill -0 "$OIDC_PID" 2>/dev/null; }; then
	not_ok "no server left running"
else
	ok "no server left running"
fi
echo "# runtime $((SECONDS - start)) s"
echo "1..$n"
[ "$failed" = 0 ]
