#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
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

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/verify.sh
. "$top_srcdir/tests/lib/verify.sh"
verify_setup jwt-e2e --oidc

# conf NAME [KEY=VALUE ...]: $T/NAME.conf with [jwt] for the running
# server (discovery, every algorithm it signs with) and the PAM service
# NAME (tests/lib/verify.sh).  KEY=VALUE adds or replaces [jwt] keys;
# KEY=- drops one.
conf() {
	local name=$1
	shift
	oidc_section jwt "algorithms=RS256 PS256 ES256 EdDSA" "$@" | verify_conf "$name"
}

# ---- the server, and tokens of every algorithm -------------------------

oidc_suite_start "$T/srv"
conf main

# a short-lived token first, so its expiry overlaps the other cases
conf short leeway=0 cache_ttl=0
conf short60 leeway=0 cache_ttl=60
OIDC_TOKEN_TTL=3 oidc_mint tok cli-rs256 ssh
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
	oidc_mint tok "$client" "ssh imap"
	[ "$alg" = RS256 ] && rs_tok=$tok
	login main "$tok"
	expect_login "$alg: apitok-test logs in through PAM (token ${#tok} bytes)" 0
	verify main "$tok"
	expect_verify "$alg: apitoken verify accepts (alg, kid, issuer shown)" 0 none \
		result=accept user=apitok-test alg="$alg" kid="$kid" issuer="$OIDC_ISSUER" \
		source=jwt

	oidc_mint tok "$client" "ssh imap" mallory
	login main "$tok"
	expect_login "$alg: mallory's token refused for apitok-test through PAM" 1
	verify main "$tok"
	expect_verify "$alg: mallory's token refused by verify (user_mismatch)" 1 user_mismatch \
		user=mallory

	oidc_mint tok "$client" "imap smtp"
	login main "$tok"
	expect_login "$alg: a token without scope ssh refused through PAM" 1
	verify main "$tok"
	expect_verify "$alg: a token without scope ssh refused (insufficient_scope)" 1 \
		insufficient_scope
done

if [ "${#rs_tok}" -gt 512 ]; then
	pass "an RS256 access token is over 512 bytes (${#rs_tok}): beyond misc_conv"
else
	fail "an RS256 access token is over 512 bytes (${#rs_tok})"
fi

OIDC_RESOURCE=urn:apitoken:other oidc_mint tok cli-rs256 ssh
verify main "$tok"
expect_verify "a token for audience urn:apitoken:other refused (audience)" 1 audience
login main "$tok"
expect_login "a token for another audience refused through PAM" 1

# ---- the disk cache -----------------------------------------------------

expect_empty "cache dir 0700, cache files 0600" "$(cache_modes "$T/cache-main")"
sig=${rs_tok##*.}
payload=${rs_tok#*.}; payload=${payload%%.*}
if [ -n "$rs_tok" ] && ! grep -rqF -e "$rs_tok" -e "$sig" -e "$payload" "$T/cache-main"; then
	pass "no cache file holds the token, its claims or its signature"
else
	fail "no cache file holds the token, its claims or its signature" \
		"$(grep -rlF -e "$rs_tok" -e "$sig" -e "$payload" "$T/cache-main")"
fi

# ---- key rotation without a restart -----------------------------------

conf rot refetch_interval=0
oidc_mint tok cli-rs256 ssh
old_tok=$tok
old_kid=$(oidc_kid RS256 2>/dev/null)
verify rot "$old_tok"
expect_verify "rotation: the current key's token accepted (cache warmed)" 0 none kid="$old_kid"
# shellcheck disable=SC2119 # no arguments: every alg, old keys dropped
if ! rot_out=$(oidc_rotate 2>&1); then
	fail "rotation at the server (old keys dropped)" "$rot_out"
else
	new_kid=$(oidc_kid RS256 2>/dev/null)
	if [ -n "$new_kid" ] && [ "$new_kid" != "$old_kid" ]; then
		pass "rotation at the server: RS256 kid $old_kid -> $new_kid"
	else
		fail "rotation at the server: new kid" "old $old_kid new $new_kid; $rot_out"
	fi
fi
for alg in RS256 ES256; do
	client=cli-$(tr '[:upper:]' '[:lower:]' <<<"$alg")
	oidc_mint tok "$client" ssh
	verify rot "$tok"
	expect_verify "rotation: $alg token with the new kid accepted, same config and cache" \
		0 none kid="$(oidc_kid "$alg" 2>/dev/null)"
	expect_empty "rotation: $alg: the verifier logged nothing" "$err"
done
oidc_mint tok cli-ps256 ssh
login rot "$tok"
expect_login "rotation: a PS256 token with the new kid logs in through PAM" 0
verify rot "$old_tok"
expect_verify "rotation: the token signed by the dropped key is refused (no_key)" 1 no_key

# ---- server stopped: warm cache, stale cache, cold cache ----------------

conf warm
conf stale jwks_min_ttl=0 jwks_max_ttl=0
conf nostale jwks_min_ttl=0 jwks_max_ttl=0 stale_if_error=0
conf cold
oidc_mint tok cli-es256 ssh
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

if ! oidc_tap_start "$T/tls" --tls; then
	fail "TLS server started"
else
	conf tls allow_http_loopback=- ca_file="$OIDC_CAFILE"
	conf tlsnoca allow_http_loopback=-
	oidc_mint tok cli-rs256 ssh
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
	fail "no server left running"
else
	pass "no server left running"
fi
note "runtime $((SECONDS - start)) s"
finish
