#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TAP self-test of the OAuth test server harness (server.mjs + oidc.sh).
# Needs node + npm packages (installed from package-lock.json if missing),
# curl, openssl, /usr/bin/python3; signature checks need python3-jwcrypto
# (skipped without it).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/oidc.sh
. "$top_srcdir/tests/lib/oidc.sh"
oidc_suite_setup oidc-selftest

PY=${OIDC_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3)
if [ -z "$PY" ] || ! command -v openssl >/dev/null 2>&1; then
	skip_all "python3 or openssl missing"
fi

have_jwcrypto=0
"$PY" -c 'import jwcrypto.jwk, jwcrypto.jwt' 2>/dev/null && have_jwcrypto=1

# jwtcheck TOKEN JWKSFILE [path=value ...]
#   path: header.X, claim.X, or ttl (exp - iat); value compared as a string
#   (JSON-encoded for non-strings).  verify=1: check the signature against
#   JWKSFILE with jwcrypto (needs the kid there); verify=0: must NOT verify.
cat > "$T/jwtcheck.py" <<'EOF'
import base64, json, sys, time

def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

tok, jwks_file, *exps = sys.argv[1:]
parts = tok.split(".")
if len(parts) != 3:
    sys.exit("not a JWS compact token")
hdr = json.loads(b64(parts[0]))
clm = json.loads(b64(parts[1]))
bad = []
for e in exps:
    path, want = e.split("=", 1)
    if path == "verify":
        from jwcrypto import jwk, jws
        ks = jwk.JWKSet.from_json(open(jwks_file).read())
        key = ks.get_key(hdr.get("kid"))
        good = False
        if key is not None:
            try:
                s = jws.JWS()
                s.deserialize(tok)
                s.verify(key, alg=hdr["alg"])
                good = True
            except Exception as ex:
                print("verify: %s" % ex, file=sys.stderr)
        if good != (want == "1"):
            bad.append("signature %s (kid %s)" % ("verified" if good else "did not verify", hdr.get("kid")))
        continue
    if path == "ttl":
        got = clm["exp"] - clm["iat"]
    elif path == "fresh":  # iat within 60 s of now, exp in the future
        got = int(abs(clm["iat"] - time.time()) < 60 and clm["exp"] > time.time())
    else:
        src, name = path.split(".", 1)
        got = (hdr if src == "header" else clm).get(name)
    got = got if isinstance(got, str) else json.dumps(got)
    if got != want:
        bad.append("%s: got %r want %r" % (path, got, want))
if bad:
    print("header=%s claims=%s" % (json.dumps(hdr), json.dumps(clm)), file=sys.stderr)
    for b in bad:
        print(b, file=sys.stderr)
    sys.exit(1)
EOF
# shellcheck disable=SC2317 # called through check
jwtcheck() { "$PY" "$T/jwtcheck.py" "$@" 2>&1 | diag; return "${PIPESTATUS[0]}"; }
json_get() { "$PY" -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v.get(k) if isinstance(v,dict) else None
print(v if isinstance(v,str) else json.dumps(v))' "$1"; }
jwks_kids() { _oidc_curl -f "$OIDC_JWKS_URI" | "$PY" -c 'import json,sys; print(" ".join(k["kid"] for k in json.load(sys.stdin)["keys"]))'; }
fetch_jwks() { _oidc_curl -f -o "$T/jwks.json" "$OIDC_JWKS_URI"; }
V1=()
[ $have_jwcrypto = 1 ] && V1=(verify=1)
vnote() { [ $have_jwcrypto = 1 ] || echo " (signature not checked: no python3-jwcrypto)"; }
# has LIST WORD: WORD is one of the space-separated words of LIST
has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
# contains TEXT PART: PART occurs in TEXT
contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
# cert_for_loopback CA CERT: CERT verifies against CA and names IP 127.0.0.1
# shellcheck disable=SC2317 # called through check
cert_for_loopback() {
	openssl verify -CAfile "$1" "$2" >/dev/null &&
		openssl x509 -in "$2" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1"
}

# ------------------------------------------------------------ start
if oidc_start "$T/srv"; then
	pass "server starts: $OIDC_ISSUER (pid $OIDC_PID)"
else
	fail "server starts"
	finish
fi
check "issuer is http://127.0.0.1:PORT" [ "$OIDC_ISSUER" = "http://127.0.0.1:$OIDC_PORT" ]

disco=$(_oidc_curl -f "$OIDC_ISSUER/.well-known/openid-configuration")
check "openid-configuration issuer and jwks_uri" \
	[ "$(json_get issuer <<<"$disco")" = "$OIDC_ISSUER" -a \
	"$(json_get jwks_uri <<<"$disco")" = "$OIDC_JWKS_URI" ]
as=$(_oidc_curl -f "$OIDC_ISSUER/.well-known/oauth-authorization-server")
check "RFC 8414 oauth-authorization-server metadata served (same issuer, endpoints)" \
	[ "$(json_get issuer <<<"$as")" = "$OIDC_ISSUER" -a \
	"$(json_get token_endpoint <<<"$as")" = "$OIDC_TOKEN_ENDPOINT" -a \
	"$(json_get introspection_endpoint <<<"$as")" = "$OIDC_INTROSPECTION_ENDPOINT" -a \
	"$(json_get revocation_endpoint <<<"$as")" = "$OIDC_REVOCATION_ENDPOINT" ]

kids=$(jwks_kids)
nkids=$(wc -w <<<"$kids")
check "JWKS has 4 distinct kids: $kids" [ "$nkids" = 4 -a "$(tr ' ' '\n' <<<"$kids" | sort -u | wc -l)" = 4 ]

# ------------------------------------------------------------ JWT tokens
fetch_jwks
for spec in cli-rs256:RS256 cli-ps256:PS256 cli-es256:ES256 cli-eddsa:EdDSA; do
	client=${spec%%:*} alg=${spec#*:}
	kid=$(oidc_kid "$alg")
	if tok=$(oidc_token "$client" "ssh imap"); then
		check "$client: $alg JWT, kid $kid, typ at+jwt, iss/aud/scope/user/ttl$(vnote)" \
			jwtcheck "$tok" "$T/jwks.json" header.alg="$alg" header.kid="$kid" \
			header.typ=at+jwt claim.iss="$OIDC_ISSUER" claim.aud=urn:apitoken:test \
			claim.scope="ssh imap" claim.preferred_username=apitok-test \
			claim.client_id="$client" claim.sub="$client" ttl=300 fresh=1 "${V1[@]}"
	else
		fail "$client: token request"
	fi
	[ "$alg" = RS256 ] && rs_tok=$tok
done
check "token response: token_type Bearer, expires_in 300, scope echoed" \
	[ "$(json_get token_type <"$OIDC_DIR/last_token.json")" = Bearer -a \
	"$(json_get expires_in <"$OIDC_DIR/last_token.json")" = 300 -a \
	"$(json_get scope <"$OIDC_DIR/last_token.json")" = "ssh imap" ]

tok=$(oidc_token cli-es256 smtp mallory)
check "user mallory, scope smtp" jwtcheck "$tok" "$T/jwks.json" \
	claim.preferred_username=mallory claim.scope=smtp "${V1[@]}"
tok=$(OIDC_SUB_USER=1 oidc_token cli-rs256 ssh)
check "OIDC_SUB_USER=1 puts the user in sub" jwtcheck "$tok" "$T/jwks.json" \
	claim.sub=apitok-test claim.preferred_username=apitok-test
tok=$(OIDC_TOKEN_ALG=ES256 oidc_token cli-rs256 ssh)
check "OIDC_TOKEN_ALG overrides the client's alg" jwtcheck "$tok" "$T/jwks.json" header.alg=ES256 "${V1[@]}"
tok=$(OIDC_RESOURCE=urn:apitoken:other oidc_token cli-rs256 ssh)
check "OIDC_RESOURCE selects another audience" jwtcheck "$tok" "$T/jwks.json" claim.aud=urn:apitoken:other
tok=$(oidc_token cli-rs256 "ssh admin")
check "scope outside ssh/imap/smtp is silently dropped (not granted)" \
	jwtcheck "$tok" "$T/jwks.json" claim.scope=ssh
tok=$(oidc_token cli-rs256 "")
check "no scope requested: no scope claim" jwtcheck "$tok" "$T/jwks.json" claim.scope=null
bad_secret=$T/bad.curl
echo 'user = "cli-rs256:wrong"' > "$bad_secret"
check "wrong client secret is refused (401)" \
	[ "$(_oidc_curl -o /dev/null -w '%{http_code}' -K "$bad_secret" -d grant_type=client_credentials "$OIDC_TOKEN_ENDPOINT")" = 401 ]

tok=$(OIDC_TOKEN_TTL=3 oidc_token cli-rs256 ssh)
check "OIDC_TOKEN_TTL=3 gives exp = iat + 3" jwtcheck "$tok" "$T/jwks.json" ttl=3
check "expires_in is 3" [ "$(json_get expires_in <"$OIDC_DIR/last_token.json")" = 3 ]

if [ $have_jwcrypto = 1 ]; then
	# flip one character of the signature
	sig=${rs_tok##*.}
	c=${sig:10:1}; [ "$c" = A ] && r=B || r=A
	tampered=${rs_tok%.*}.${sig:0:10}$r${sig:11}
	check "independent verifier rejects a tampered signature" \
		jwtcheck "$tampered" "$T/jwks.json" verify=0
else
	skip "independent verifier rejects a tampered signature" "python3-jwcrypto not installed"
fi

# ------------------------------------------------------------ rotation
old_rs=$(oidc_kid RS256)
oidc_rotate >/dev/null
new_rs=$(oidc_kid RS256)
kids=$(jwks_kids)
check "rotate: new RS256 kid $new_rs != $old_rs" [ -n "$new_rs" -a "$new_rs" != "$old_rs" ]
expect_empty "rotate: new kid in JWKS, old kid removed" "$(
	has "$kids" "$new_rs" || echo "new kid $new_rs not in the JWKS: $kids"
	has "$kids" "$old_rs" && echo "old kid $old_rs still in the JWKS")"
fetch_jwks
tok=$(oidc_token cli-rs256 ssh)
check "token after rotation uses the new kid$(vnote)" jwtcheck "$tok" "$T/jwks.json" header.kid="$new_rs" "${V1[@]}"
if [ $have_jwcrypto = 1 ]; then
	check "pre-rotation token no longer verifies against the new JWKS" \
		jwtcheck "$rs_tok" "$T/jwks.json" verify=0
else
	skip "pre-rotation token no longer verifies against the new JWKS" "python3-jwcrypto not installed"
fi
cur_es=$(oidc_kid ES256)
rot=$(oidc_rotate keep ES256)
kids=$(jwks_kids)
new_es=$(oidc_kid ES256)
expect_empty "rotate keep ES256: new ES256 kid, old one kept, RS256 unchanged" "$(
	[ "$new_es" != "$cur_es" ] || echo "ES256 kid unchanged: $cur_es"
	has "$kids" "$new_es" || echo "new ES256 kid $new_es not in the JWKS: $kids"
	has "$kids" "$cur_es" || echo "old ES256 kid $cur_es not kept: $kids"
	[ "$(oidc_kid RS256)" = "$new_rs" ] || echo "RS256 kid no longer $new_rs")"
check "old ES256 kid listed as retired" contains "$(json_get retired <<<"$rot")" "$cur_es"
kill -USR2 "$OIDC_PID"
sleep 0.5
check "SIGUSR2 rotates too" [ "$(oidc_kid RS256)" != "$new_rs" ]

# ------------------------------------------------------------ opaque + introspection
otok=$(oidc_token cli-opaque "ssh imap")
expect_empty "opaque token is not a JWT" "$(
	[ -n "$otok" ] || echo "no token"
	contains "$otok" . && echo "it has a dot")"
intro=$(oidc_introspect "$otok" cli-rs)
echo "$intro" | diag
check "introspection: active, username apitok-test, aud, scope, client_id" \
	[ "$(json_get active <<<"$intro")" = true -a \
	"$(json_get username <<<"$intro")" = apitok-test -a \
	"$(json_get preferred_username <<<"$intro")" = apitok-test -a \
	"$(json_get aud <<<"$intro")" = urn:apitoken:test -a \
	"$(json_get scope <<<"$intro")" = "ssh imap" -a \
	"$(json_get client_id <<<"$intro")" = cli-opaque ]
mtok=$(oidc_token cli-opaque ssh mallory)
check "introspection of a mallory token" [ "$(oidc_introspect "$mtok" | json_get username)" = mallory ]
check "another client cannot revoke the token" fails oidc_revoke "$otok" cli-rs 2>/dev/null
check "token still active after the refused revocation" \
	[ "$(oidc_introspect "$otok" | json_get active)" = true ]
check "owning client revokes the token" oidc_revoke "$otok" cli-opaque
check "introspection after revocation: active false" \
	[ "$(oidc_introspect "$otok" | json_get active)" = false ]
otok=$(OIDC_TOKEN_TTL=1 oidc_token cli-opaque ssh)
sleep 2.2
check "expired opaque token introspects inactive" \
	[ "$(oidc_introspect "$otok" | json_get active)" = false ]

# ------------------------------------------------------------ restart keeps keys
kid_before=$(oidc_kid EdDSA)
pid=$OIDC_PID
oidc_stop
check "server stopped (pid $pid gone)" fails kill -0 "$pid" 2>/dev/null
check "clean exit logged" grep -q 'SIGTERM: shutting down' "$T/srv/server.log"
if oidc_start "$T/srv"; then
	check "restart with the same state keeps the kids" [ "$(oidc_kid EdDSA)" = "$kid_before" ]
	oidc_stop
else
	fail "restart with the same state"
fi

# ------------------------------------------------------------ TLS
if oidc_start "$T/tls" --tls --ttl 60; then
	check "TLS: issuer https://127.0.0.1:PORT" [ "$OIDC_ISSUER" = "https://127.0.0.1:$OIDC_PORT" ]
	check "TLS: CA and server cert (SAN IP 127.0.0.1) verify" \
		cert_for_loopback "$OIDC_CAFILE" "$T/tls/tls/server.pem"
	check "TLS: discovery over https with the test CA" \
		[ "$(_oidc_curl -f "$OIDC_ISSUER/.well-known/openid-configuration" | json_get issuer)" = "$OIDC_ISSUER" ]
	check "TLS: plain curl without the CA is refused" \
		fails curl -s -o /dev/null --max-time 10 "$OIDC_ISSUER/jwks"
	fetch_jwks
	tok=$(oidc_token cli-eddsa imap)
	check "TLS: EdDSA token, --ttl 60, https issuer$(vnote)" jwtcheck "$tok" "$T/jwks.json" \
		claim.iss="$OIDC_ISSUER" ttl=60 header.alg=EdDSA "${V1[@]}"
	pid=$OIDC_PID port=$OIDC_PORT
	oidc_stop
	check "TLS server stopped, no process left" fails kill -0 "$pid" 2>/dev/null
	check "port $port closed" fails curl -sk -o /dev/null --max-time 5 "https://127.0.0.1:$port/jwks"
else
	fail "TLS server starts"
fi
check_quiet "no server.mjs process of this test left" \
	fails pgrep -f "$OIDC_HOME/server.mjs --state $T/"

finish
