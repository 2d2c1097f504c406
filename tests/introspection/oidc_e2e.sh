#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
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

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/verify.sh
. "$top_srcdir/tests/lib/verify.sh"
verify_setup introspect-e2e --oidc

# conf NAME [KEY=VALUE ...]: $T/NAME.conf with [introspection] for the
# running server (client cli-rs, its secret file; the server's opaque
# tokens: 43 base64url characters) and the PAM service NAME
# (tests/lib/verify.sh).  KEY=- drops a key.
conf() {
	local name=$1
	shift
	oidc_section introspection timeout=5 cache_ttl=60 negative_cache_ttl=5 \
		opaque_min_length=43 opaque_max_length=43 opaque_charset=base64url "$@" |
		verify_conf "$name"
}

# run_suite LABEL: everything that holds over http and over TLS; the
# caller has started the server and set EXTRA (conf KEY=VALUEs).
run_suite() {
	local L=$1 short short_exp
	conf "$L" "${EXTRA[@]}"

	# a 3 s token first so its expiry overlaps the other cases
	conf "$L-short" "${EXTRA[@]}" cache_ttl=60
	OIDC_TOKEN_TTL=3 oidc_mint tok cli-opaque ssh
	short=$tok
	verify "$L-short" "$short"
	expect_verify "$L: a 3 s opaque token accepted at once" 0 none
	short_exp=$(jfield expires)

	oidc_mint tok cli-opaque "ssh imap"
	verify "$L" "$tok"
	expect_verify "$L: opaque token accepted by apitoken verify" 0 none \
		result=accept user=apitok-test source=introspection
	login "$L" "$tok"
	expect_login "$L: opaque token logs in through PAM" 0
	good=$tok

	oidc_mint tok cli-opaque "ssh imap" mallory
	verify "$L" "$tok"
	expect_verify "$L: mallory's token refused for apitok-test (user_mismatch)" 1 user_mismatch user=mallory
	login "$L" "$tok"
	expect_login "$L: mallory's token refused through PAM" 1

	oidc_mint tok cli-opaque "imap smtp"
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
	oidc_mint tok cli-opaque ssh
	verify "$L-rev" "$tok"
	expect_verify "$L: revocation: accepted before (cached for 2 s)" 0 none
	check "$L: revoked at the server (RFC 7009)" oidc_revoke "$tok" cli-opaque 2>/dev/null
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
		pass "$L: wrong client secret: the reason names client_id and client_secret_file"
	else
		fail "$L: wrong client secret: the reason names client_id and client_secret_file"
		vdiag
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
	oidc_mint tok cli-rs256 ssh
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
		pass "$L: the 3 s token refused after expiry, with cache_ttl = 60 ($why)"
	else
		fail "$L: the 3 s token refused after expiry, with cache_ttl = 60"
		vdiag
	fi
	login "$L-short" "$short"
	expect_login "$L: the 3 s token refused through PAM after expiry" 1

	# cache files
	expect_empty "$L: cache dir 0700, cache files 0600" "$(cache_modes "$T/cache-$L")"
	if [ -n "$good" ] && ! grep -rqF -e "$good" "$T/cache-$L" "$T/cache-$L-rev" "$T/cache-$L-short"; then
		pass "$L: no cache file holds the token"
	else
		fail "$L: no cache file holds the token"
	fi

	# warm the caches, stop the server
	conf "$L-warm" "${EXTRA[@]}" cache_ttl=60
	conf "$L-cold" "${EXTRA[@]}"
	oidc_mint tok cli-opaque ssh
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

oidc_suite_start "$T/srv"
EXTRA=()
run_suite http

# ---- TLS with the test CA ---------------------------------------------------

if ! oidc_tap_start "$T/tls" --tls; then
	fail "TLS server started"
else
	conf tls-noloop allow_http_loopback=-
	conf tls-noca allow_http_loopback=-
	oidc_mint tok cli-opaque ssh
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
	oidc_mint tok cli-opaque ssh
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
	fail "no server left running"
else
	pass "no server left running"
fi
note "runtime $((SECONDS - start)) s"
finish
