#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# keys.sh - the remote JWT key source against a loopback HTTP server
# (tests/jwt/jwks_server.py): jwks_uri and discovery, the disk cache shared
# by processes, Cache-Control within bounds, the unknown-kid refetch limit,
# stale_if_error, UNAVAILABLE, and the URL / directory policy.  Every
# `apitoken verify` is a new process, as under sshd.  Prints TAP.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/jwt.sh
. "$top_srcdir/tests/lib/jwt.sh"
SERVER="$top_srcdir/tests/jwt/jwks_server.py"
SRV_PID=
# shellcheck disable=SC2317 # called at exit (SUITE_CLEANUP)
stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}
SUITE_CLEANUP=stop_server
jwt_setup apitoken-keys

cp "$FIX/jwks.json" "$T/full.json"
cp "$FIX/rsa2048-a.jwks.json" "$T/only-a.json"

state() { # JWKS-FILE MAX-AGE|null [ISSUER]
	local iss=""
	[ -n "${3:-}" ] && iss=",\"issuer\":\"$3\""
	printf '{"jwks":"%s","max_age":%s%s}\n' "$1" "$2" "$iss" >"$T/state.json.tmp"
	mv "$T/state.json.tmp" "$T/state.json"
}
start_server() {
	rm -f "$T/port"
	"$PY" "$SERVER" "$T" &
	SRV_PID=$!
	for _ in $(seq 100); do
		[ -s "$T/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$T/port" 2>/dev/null)
	BASE="http://127.0.0.1:$PORT"
}
requests() { # PATH: how many GETs of it so far
	grep -cx "GET $1" "$T/requests.log" 2>/dev/null || true
}
since=0
mark() { # [PATH]: remember how many GETs of PATH (/jwks) so far
	since=$(requests "${1:-/jwks}")
}
fetched() { # DESC OP N [PATH]: the GETs of PATH (/jwks) since the mark
	# compare OP (-eq, -ge) with N; the mark moves to now
	local count
	count=$(requests "${4:-/jwks}")
	if test $((count - since)) "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "fetches: $((count - since))"
	fi
	since=$count
}

# conf NAME [KEY=VALUE...]: a config with a private cache dir $T/NAME.cache
conf() {
	local name=$1 kv
	shift
	[ -d "$T/$name.cache" ] || mkdir -m 0700 "$T/$name.cache"
	{
		echo "[jwt]"
		echo "audience = $AUD"
		echo "algorithms = RS256 ES256"
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
		grep -q '^issuer=' <<<"$(printf '%s\n' "$@")" || echo "issuer = $ISS"
		echo "[cache]"
		echo "dir = $T/$name.cache"
	} >"$T/$name.conf"
	chmod 0600 "$T/$name.conf"
	CONF="$T/$name.conf"
	CACHE="$T/$name.cache"
}
mint() { # KID [ISSUER]
	local pem=rsa2048-a.pem
	[ "$1" = rsa-b ] && pem=rsa2048-b.pem
	"$PY" "$MINT" RS256 "$FIX/$pem" "$1" \
		"{\"iss\":\"${2:-$ISS}\",\"aud\":\"$AUD\",\"sub\":\"alice\",\"exp\":$((now + 3600)),\"iat\":$now}"
}
verify() { # TOKEN: sets rc, out, result, why
	jwt_verify "$1"
	result=$(field result)
	why=$(field why)
}
expect() { # DESC RC RESULT
	if [ "$rc" -eq "$2" ] && [ "$result" = "$3" ]; then
		pass "$1 (exit $rc, $result${why:+/$why})"
	else
		fail "$1" "want exit $2 $3, got exit $rc $result/$why" "$out" "$(cat "$T/err")"
	fi
}

TOK_A=$(mint rsa-a)
TOK_B=$(mint rsa-b)
TOK_X=$(mint no-such-kid)

state "$T/full.json" null
start_server
if [ -z "$PORT" ]; then
	fail "loopback JWKS server started"
	finish
fi
pass "loopback JWKS server on 127.0.0.1:$PORT"

# --- jwks_uri, first fetch, then the disk cache -----------------------------
conf uri "jwks_uri=$BASE/jwks" allow_http_loopback=yes
mark
verify "$TOK_A"
expect "jwks_uri: first verify accepted" 0 accept
fetched "first verify fetched the JWKS once" -eq 1
verify "$TOK_A"
expect "second verify (new process) accepted" 0 accept
fetched "second verify served from the disk cache (no request)" -eq 0
if [ -n "$(find "$CACHE" -type f)" ]; then
	pass "a cache file was written"
	expect_empty "cache files are mode 0600" \
		"$(find "$CACHE" -type f ! -perm 0600 -exec ls -l {} +)"
	payload=$(printf '%s' "$TOK_A" | cut -d. -f2)
	sig=$(printf '%s' "$TOK_A" | cut -d. -f3)
	expect_empty "the cache holds no token" \
		"$(find "$CACHE" -type f -exec grep -lF -e "$payload" -e "$sig" {} +)"
	expect_empty "no temp files left in the cache dir" \
		"$(find "$CACHE" -name '*.XXXXXX' -o -name '*.tmp')"
else
	fail "a cache file was written" "$(ls -la "$CACHE")"
fi

# --- Cache-Control max-age within jwks_min_ttl / jwks_max_ttl ---------------
state "$T/full.json" 1
conf maxage "jwks_uri=$BASE/jwks" allow_http_loopback=yes jwks_min_ttl=0
mark
verify "$TOK_A"
expect "max-age=1, min_ttl 0: accepted" 0 accept
sleep 2
verify "$TOK_A"
expect "max-age=1, min_ttl 0, 2 s later: accepted" 0 accept
fetched "max-age=1 honoured: refetched after 2 s" -eq 2

conf minttl "jwks_uri=$BASE/jwks" allow_http_loopback=yes jwks_min_ttl=60
mark
verify "$TOK_A"
sleep 2
verify "$TOK_A"
expect "max-age=1 under min_ttl 60: accepted" 0 accept
fetched "max-age=1 raised to jwks_min_ttl=60: no refetch after 2 s" -eq 1

state "$T/full.json" 100000
conf maxttl "jwks_uri=$BASE/jwks" allow_http_loopback=yes jwks_min_ttl=0 jwks_max_ttl=1
mark
verify "$TOK_A"
sleep 2
verify "$TOK_A"
expect "max-age=100000 over max_ttl 1: accepted" 0 accept
fetched "max-age=100000 capped at jwks_max_ttl=1: refetched after 2 s" -eq 2

# --- an unknown kid: at most one refetch per refetch_interval ---------------
state "$T/only-a.json" null
conf rotate "jwks_uri=$BASE/jwks" allow_http_loopback=yes refetch_interval=2
mark
verify "$TOK_A"
expect "rotation: rsa-a accepted from a set holding only rsa-a" 0 accept
verify "$TOK_X"
expect "unknown kid right after a fetch: rejected" 1 reject
verify "$TOK_X"
verify "$TOK_X"
fetched "unknown kid within refetch_interval: no refetch" -eq 1
sleep 2.2
verify "$TOK_X"
expect "unknown kid after refetch_interval: rejected" 1 reject
verify "$TOK_X"
verify "$TOK_X"
fetched "three unknown-kid verifies after the interval: one refetch" -eq 1
state "$T/full.json" null
sleep 2.2
verify "$TOK_B"
expect "keys rotated at the server (new kid rsa-b): followed without a restart" 0 accept

# --- discovery ---------------------------------------------------------------
state "$T/full.json" null "$BASE"
conf disc discovery=yes "issuer=$BASE" allow_http_loopback=yes
mark /.well-known/openid-configuration
verify "$(mint rsa-a "$BASE")"
expect "discovery = yes with issuer $BASE: accepted" 0 accept
fetched "discovery fetched /.well-known/openid-configuration" -ge 1 \
	/.well-known/openid-configuration

conf wrong discovery=yes "issuer=$BASE/wrong" allow_http_loopback=yes
verify "$(mint rsa-a "$BASE/wrong")"
expect "discovery document naming another issuer: refused" 2 unavailable

conf rfc8414 discovery=yes "issuer=$BASE/rfc8414" allow_http_loopback=yes
verify "$(mint rsa-a "$BASE/rfc8414")"
expect "discovery falls back to RFC 8414 oauth-authorization-server" 0 accept

# --- redirects are not followed ---------------------------------------------
conf redirect "jwks_uri=$BASE/redirect" allow_http_loopback=yes
mark
verify "$TOK_A"
expect "jwks_uri answering 302: unavailable" 2 unavailable
fetched "the redirect was not followed" -eq 0

# --- URL and directory policy -------------------------------------------------
conf nohttp "jwks_uri=$BASE/jwks"
verify "$TOK_A"
expect "plain http without allow_http_loopback: configuration error" 2 config_error
conf nonloop "jwks_uri=http://192.0.2.1:$PORT/jwks" allow_http_loopback=yes
verify "$TOK_A"
expect "plain http to a non-loopback address: configuration error" 2 config_error
conf lookalike "jwks_uri=http://127.0.0.1.evil.test/jwks" allow_http_loopback=yes
verify "$TOK_A"
expect "plain http to 127.0.0.1.evil.test: configuration error" 2 config_error
conf userinfo "jwks_uri=http://127.0.0.1@evil.test/jwks" allow_http_loopback=yes
verify "$TOK_A"
expect "URL with user info: configuration error" 2 config_error
conf gw "jwks_uri=$BASE/jwks" allow_http_loopback=yes
chmod 0770 "$CACHE"
verify "$TOK_A"
expect "group-writable cache dir: configuration error" 2 config_error
chmod 0700 "$CACHE"

# --- the identity provider goes away ------------------------------------------
state "$T/full.json" 1
conf stale "jwks_uri=$BASE/jwks" allow_http_loopback=yes jwks_min_ttl=0 stale_if_error=3600
verify "$TOK_A"
expect "stale: warm-up accepted" 0 accept
conf nostale "jwks_uri=$BASE/jwks" allow_http_loopback=yes jwks_min_ttl=0 stale_if_error=0
verify "$TOK_A"
expect "no stale: warm-up accepted" 0 accept
conf fresh "jwks_uri=$BASE/jwks" allow_http_loopback=yes
verify "$TOK_A"
expect "fresh: warm-up accepted" 0 accept
conf kidout "jwks_uri=$BASE/jwks" allow_http_loopback=yes refetch_interval=1 stale_if_error=3600
verify "$TOK_A"
expect "unknown kid in an outage: warm-up accepted" 0 accept
stop_server
sleep 2
CONF="$T/fresh.conf"
verify "$TOK_A"
expect "server stopped, fresh warm cache: accepted" 0 accept
CONF="$T/stale.conf"
verify "$TOK_A"
expect "server stopped, cache expired, within stale_if_error: accepted" 0 accept
CONF="$T/nostale.conf"
verify "$TOK_A"
expect "server stopped, cache expired, stale_if_error 0: unavailable" 2 unavailable
conf cold "jwks_uri=$BASE/jwks" allow_http_loopback=yes
verify "$TOK_A"
expect "server stopped, cold cache: unavailable" 2 unavailable
# A kid the cached keys lack, the provider unreachable: perhaps the keys
# rotated; only the provider can say, so unavailable, not a forgery.
CONF="$T/kidout.conf"
verify "$TOK_X"
expect "server stopped, a kid not in the cached keys: unavailable, not rejected" 2 unavailable
verify "$TOK_A"
expect "server stopped: the cached kid still accepted (stale_if_error)" 0 accept

finish
