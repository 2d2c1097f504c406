#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# cross.sh - JWTs minted by an independent implementation (python3-jwcrypto,
# Debian's package, under /usr/bin/python3) for every algorithm, with the
# committed test keys, verified by `apitoken verify`; a tampered copy of
# each (one character of the payload, one of the signature) is refused.
# Also the human output of `apitoken verify` for a JWT.  Prints TAP.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/jwt.sh
. "$top_srcdir/tests/lib/jwt.sh"
jwt_setup apitoken-jwt

# git keeps no modes: private copies of the key set and the secret.
cp "$FIX/jwks.json" "$FIX/hmac.secret" "$T/"
chmod 0600 "$T/jwks.json" "$T/hmac.secret"
CONF="$T/apitoken.conf"
cat >"$CONF" <<CONF
[jwt]
issuer = $ISS
audience = $AUD
jwks_file = $T/jwks.json
algorithms = RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512
hmac_secret_file = $T/hmac.secret
CONF
chmod 0600 "$CONF"

claims() { # USER EXP [SCOPE]
	printf '{"iss":"%s","aud":"%s","sub":"%s","exp":%s,"iat":%s,"jti":"x-%s","scope":"%s"}' \
		"$ISS" "$AUD" "$1" "$2" "$now" "$RANDOM" "${3:-read write}"
}

# alg pem kid
while read -r alg key kid; do
	tok=$("$PY" "$MINT" "$alg" "$FIX/$key" "$kid" "$(claims alice $((now + 600)))") || {
		fail "$alg: jwcrypto mints a token" "$(cat "$T/err" 2>/dev/null)"
		continue
	}
	jwt_verify "$tok" --user alice
	user=$(field user)
	if [ "$rc" -eq 0 ] && [ "$user" = alice ] && [ "$(field alg)" = "$alg" ]; then
		pass "$alg: jwcrypto's token accepted for alice"
	else
		fail "$alg: jwcrypto's token accepted for alice" "exit $rc" "$out" "$(cat "$T/err")"
	fi
	for part in payload signature header; do
		bad=$("$PY" "$MINT" "$alg" "$FIX/$key" "$kid" "$(claims alice $((now + 600)))" tamper=$part)
		jwt_verify "$bad" --user alice
		if [ "$rc" -eq 1 ] && [ "$(field result)" = reject ]; then
			pass "$alg: one character of the $part changed: rejected ($(field why))"
		else
			fail "$alg: one character of the $part changed: rejected" "exit $rc" "$out"
		fi
	done
	# jwcrypto's token without kid: fine where one key fits.
done <<ALGS
RS256 rsa2048-a.pem rsa-a
RS384 rsa2048-a.pem rsa-a
RS512 rsa2048-b.pem rsa-b
PS256 rsa2048-a.pem rsa-a
PS384 rsa2048-b.pem rsa-b
PS512 rsa2048-a.pem rsa-a
ES256 ec-p256.pem ec-256
ES384 ec-p384.pem ec-384
ES512 ec-p521.pem ec-521
EdDSA ed25519.pem ed-1
HS256 hmac.secret -
HS384 hmac.secret -
HS512 hmac.secret -
ALGS

# The JWKs mktestdata.sh wrote are the keys jwcrypto reads from the PEMs.
for k in rsa2048-a:rsa-a rsa2048-b:rsa-b rsa1024:rsa-short ec-p256:ec-256 \
	ec-p384:ec-384 ec-p521:ec-521 ed25519:ed-1; do
	pem=${k%%:*}
	kid=${k#*:}
	if "$PY" - "$FIX/$pem.pem" "$FIX/jwks.json" "$kid" <<'PY'; then
import json, sys
from jwcrypto import jwk
k = jwk.JWK.from_pem(open(sys.argv[1], "rb").read())
mine = json.loads(k.export_public())
ks = json.load(open(sys.argv[2]))
j = [x for x in ks["keys"] if x["kid"] == sys.argv[3]][0]
sys.exit(0 if all(j[m] == mine[m] for m in mine if m != "kid") else 1)
PY
		pass "jwks.json key $kid matches $pem.pem"
	else
		fail "jwks.json key $kid matches $pem.pem"
	fi
done

# Policy seen from outside: expired, wrong user, missing scope.
tok=$("$PY" "$MINT" ES256 "$FIX/ec-p256.pem" ec-256 "$(claims alice $((now - 3600)))")
jwt_verify "$tok"
if [ "$rc" -eq 1 ] && [ "$(field why)" = expired ]; then
	pass "expired jwcrypto token: exit 1, why expired"
else
	fail "expired jwcrypto token: exit 1, why expired" "exit $rc" "$out"
fi
tok=$("$PY" "$MINT" RS256 "$FIX/rsa2048-a.pem" rsa-a "$(claims alice $((now + 600)))")
jwt_verify "$tok" --user bob
if [ "$rc" -eq 1 ] && [ "$(field why)" = user_mismatch ]; then
	pass "alice's token for bob: exit 1, user_mismatch"
else
	fail "alice's token for bob: exit 1, user_mismatch" "exit $rc" "$out"
fi
jwt_verify "$tok" --scope admin
if [ "$rc" -eq 1 ] && [ "$(field why)" = insufficient_scope ] || { [ "$rc" -eq 1 ] && [ "$(field why)" = scope ]; }; then
	pass "token without scope admin: exit 1 ($(field why))"
else
	fail "token without scope admin: exit 1" "exit $rc" "$out"
fi
jwt_verify "$tok" --scope read --scope write
if [ "$rc" -eq 0 ]; then
	pass "token with scopes read and write: exit 0"
else
	fail "token with scopes read and write: exit 0" "exit $rc" "$out"
fi

# Human output: alg, kid, iss, user, scopes, exp, reason.
human=$(printf '%s' "$tok" | "$APITOKEN" --config "$CONF" verify 2>&1)
hrc=$?
exp_day=$(date -u -d "@$((now + 600))" +%Y-%m-%d 2>/dev/null)
for want in "alg: *RS256" "kid: *rsa-a" "issuer: *$ISS" "user: *alice" \
	"scopes: *read write" "expires: *.*$exp_day" "result: *accept" "reason: "; do
	if [ "$hrc" -eq 0 ] && printf '%s\n' "$human" | grep -Eq "^$want"; then
		pass "verify (human) shows \"$want\""
	else
		fail "verify (human) shows \"$want\"" "exit $hrc" "$human"
	fi
done
bad=$("$PY" "$MINT" RS256 "$FIX/rsa2048-a.pem" rsa-a "$(claims alice $((now + 600)))" tamper=signature)
human=$(printf '%s' "$bad" | "$APITOKEN" --config "$CONF" verify 2>&1)
hrc=$?
if [ "$hrc" -eq 1 ] && printf '%s\n' "$human" | grep -Eq '^reason: .*signature' &&
	printf '%s\n' "$human" | grep -Eq '^alg: *RS256' &&
	printf '%s\n' "$human" | grep -Eq '^kid: *rsa-a'; then
	pass "verify (human) of a bad signature: exit 1, the reason, alg and kid"
else
	fail "verify (human) of a bad signature: exit 1, the reason, alg and kid" "exit $hrc" "$human"
fi
if printf '%s\n' "$human" | grep -qF "$bad"; then
	fail "verify output never echoes the token"
else
	pass "verify output never echoes the token"
fi

finish
