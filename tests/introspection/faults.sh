#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# RFC 7662 introspection against a loopback server the test controls
# (tests/introspection/fault_server.py).  The request the
# client sends (POST form token + token_type_hint, client_secret_basic with
# form-urlencoded id and secret, client_secret_post, nothing in the URL); the
# response rules (active must be the JSON true; exp, nbf, iss, aud, username
# field, scope, user binding); the shared result cache (a hit in a fresh
# process asks nothing, negative TTL, positive TTL capped by exp, revocation
# latency = cache_ttl; files 0600, no token in them); and every fault fails
# closed with its own reason: refused port, a 10 s stall (returns within
# timeout + 1 s), 500, invalid JSON, a 10 MB body, "active": "true", a
# redirect (not followed), text/html, our client credentials refused (401,
# 403), an unknown TLS CA.  TAP.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/verify.sh
. "$top_srcdir/tests/lib/verify.sh"
verify_setup introspect-faults
command -v openssl >/dev/null 2>&1 || skip_all "openssl not found"
# shellcheck source=tests/lib/fault_server.sh
. "$top_srcdir/tests/lib/fault_server.sh"
SUITE_CLEANUP=fault_server_stop
mkdir -p "$T/srv"

# ---- the server -----------------------------------------------------------

# a test CA and a server certificate for 127.0.0.1 (the server's TLS port),
# and a second, unrelated CA (the "unknown CA" fault)
oidc_ca "$T/srv/tls" >/dev/null 2>&1 || skip_all "openssl could not make a test CA"
oidc_ca "$T/otherca" >/dev/null 2>&1
mkdir -p "$T/cadir"
cp "$T/srv/tls/ca.pem" "$T/cadir/test-ca.pem"
openssl rehash "$T/cadir" 2>/dev/null || c_rehash "$T/cadir" >/dev/null 2>&1

CLIENT_ID='rs client:1'
CLIENT_SECRET='p@ss:w%rd+&=/ x'
printf '%s\n' "$CLIENT_SECRET" > "$T/secret"   # one trailing newline, ignored
chmod 600 "$T/secret"
printf '%s\n' 'wrong-secret' > "$T/badsecret"
chmod 600 "$T/badsecret"
fault_server_client "$T/srv" "$CLIENT_ID" "$CLIENT_SECRET"
echo '{}' > "$T/srv/tokens.json"

if ! fault_server_start "$T/srv"; then
	diag < "$T/srv/stderr"
	skip_all "the fault server did not start"
fi
PORT=$FS_PORT PORT2=$FS_PORT2 PORT3=$FS_PORT3 PORT4=$FS_PORT4
BASE=http://127.0.0.1:$PORT
note "fault server $BASE (redirect target :$PORT2, TLS :$PORT3, mutual TLS :$PORT4)"

# a port with nothing listening
CLOSED=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- helpers ---------------------------------------------------------------

# settok TOKEN JSON-OBJECT: what /db answers for TOKEN (exp/iat/nbf may be
# given as "now+N" / "now-N").
settok() { fault_server_settok "$T/srv" "$1" "$2"; }
ACTIVE='{"active": true, "username": "apitok-test", "preferred_username": "apitok-test", "scope": "ssh imap", "exp": "now+300", "iat": "now-1", "client_id": "cli-opaque", "token_type": "Bearer"}'
active_with() { # active_with KEY JSON-VALUE ... : ACTIVE with changes (VALUE "-" drops it)
	$PY - "$ACTIVE" "$@" <<-'EOF'
		import json, sys
		a = json.loads(sys.argv[1]); kv = sys.argv[2:]
		for k, v in zip(kv[::2], kv[1::2]):
		    if v == "-": a.pop(k, None)
		    else: a[k] = json.loads(v)
		print(json.dumps(a))
	EOF
}
newtok() { tok="op-$1-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"; }

# conf NAME PATH-OR-URL [KEY=VALUE ...]: $T/NAME.conf with [introspection]
# (endpoint = BASE/PATH unless a full URL; timeout 2; tokens "op-...")
# and the PAM service NAME (tests/lib/verify.sh).  KEY=- drops a key.
conf() {
	local name=$1 ep=$2
	shift 2
	case $ep in *://*) ;; *) ep=$BASE/$ep ;; esac
	oidc_ini introspection "endpoint=$ep" "client_id=$CLIENT_ID" \
		"client_secret_file=$T/secret" allow_http_loopback=yes timeout=2 \
		cache_ttl=60 negative_cache_ttl=5 opaque_prefix=op- "$@" |
		verify_conf "$name"
}

nreq() { wc -l < "$T/srv/requests.jsonl" 2>/dev/null || echo 0; }
lastreq() { tail -n 1 "$T/srv/requests.jsonl" 2>/dev/null; }

# ---- an active token: accepted, and what the request looked like ------------

conf basic db
newtok active; tok="$tok+/~.x=="   # b64token characters that need encoding
settok "$tok" "$ACTIVE"
: > "$T/srv/requests.jsonl"
verify basic "$tok"
expect_verify "active token for apitok-test accepted (client_secret_basic)" 0 none \
	result=accept user=apitok-test source=introspection "scopes=ssh imap"
fp=$(jfield fingerprint)
expect_empty "the verdict shows a fingerprint, never the token" \
	"$( [ -n "$fp" ] || echo 'no fingerprint'; grep -qF "$tok" <<<"$out$err" && echo 'token printed')"
exp_shown=$(jfield expires)
expect_empty "the verdict shows the token's expiry" "$( [ -n "$exp_shown" ] || echo 'no expires field')"

req=$(lastreq)
reqcheck=$($PY - "$req" "$tok" "$CLIENT_ID" "$CLIENT_SECRET" "$PORT" <<-'EOF'
	import base64, json, sys, urllib.parse
	req, tok, cid, sec, port = sys.argv[1:]
	bad = []
	try:
	    r = json.loads(req)
	except Exception:
	    print("no request recorded"); sys.exit()
	h = r["headers"]
	if r["method"] != "POST": bad.append("method %s" % r["method"])
	if r["path"] != "/db": bad.append("path %r (token or query in the URL?)" % r["path"])
	if tok in r["path"] or urllib.parse.quote(tok, safe="") in r["path"]:
	    bad.append("token in the URL")
	ct = h.get("content-type", "").split(";")[0].strip().lower()
	if ct != "application/x-www-form-urlencoded": bad.append("content-type %r" % ct)
	form = urllib.parse.parse_qs(r["body"], keep_blank_values=True, strict_parsing=True) if r["body"] else {}
	if form.get("token") != [tok]: bad.append("token field %r" % form.get("token"))
	if form.get("token_type_hint") != ["access_token"]:
	    bad.append("token_type_hint %r" % form.get("token_type_hint"))
	extra = set(form) - {"token", "token_type_hint"}
	if extra: bad.append("unexpected form fields %s" % sorted(extra))
	auth = h.get("authorization", "")
	if not auth.startswith("Basic "):
	    bad.append("no Basic authorization: %r" % auth[:20])
	else:
	    raw = base64.b64decode(auth[6:]).decode()
	    want = urllib.parse.quote_plus(cid) + ":" + urllib.parse.quote_plus(sec)
	    i, _, s = raw.partition(":")
	    if (urllib.parse.unquote_plus(i), urllib.parse.unquote_plus(s)) != (cid, sec):
	        bad.append("Basic credentials %r, want %r (RFC 6749 2.3.1 form-urlencoded)" % (raw, want))
	    if raw.count(":") != 1:
	        bad.append("':' in client_id or secret not encoded: %r" % raw)
	if "expect" in h: bad.append("Expect header %r (a round trip wasted)" % h["expect"])
	print("; ".join(bad))
EOF
)
expect_empty "request: POST form token + token_type_hint=access_token, form-urlencoded Basic id:secret, nothing in the URL" "$reqcheck"

login basic "$tok"
expect_empty "active token logs in through PAM" \
	"$( [ "$prc" = 0 ] || printf 'pam_login exit %s\n%s' "$prc" "$pout")"

conf post db auth_method=client_secret_post
newtok post
settok "$tok" "$ACTIVE"
verify post "$tok"
expect_verify "client_secret_post: accepted" 0 none source=introspection
req=$(lastreq)
reqcheck=$($PY - "$req" "$tok" "$CLIENT_ID" "$CLIENT_SECRET" <<-'EOF'
	import json, sys, urllib.parse
	req, tok, cid, sec = sys.argv[1:]
	r = json.loads(req); bad = []
	f = urllib.parse.parse_qs(r["body"], keep_blank_values=True)
	for k, v in (("token", tok), ("token_type_hint", "access_token"),
	             ("client_id", cid), ("client_secret", sec)):
	    if f.get(k) != [v]: bad.append("%s = %r, want %r" % (k, f.get(k), v))
	if "authorization" in r["headers"]: bad.append("an Authorization header too")
	if r["path"] != "/db": bad.append("path %r" % r["path"])
	print("; ".join(bad))
EOF
)
expect_empty "client_secret_post: client_id and client_secret in the form body, no Authorization header" "$reqcheck"

# ---- private_key_jwt (RFC 7523) ----------------------------------------------

# check_assertion ALG PUBKEY CLIENT_ID: the last request carries a client
# assertion signed by PUBKEY with ALG, iss = sub = CLIENT_ID, aud the
# endpoint, a jti, a short exp; no secret anywhere
check_assertion() {
	$PY - "$(lastreq)" "$tok" "$1" "$2" "$3" "$BASE/db" "$T/sig" <<-'EOF'
		import base64, json, subprocess, sys, time, urllib.parse
		req, tok, alg, pub, cid, aud, tmp = sys.argv[1:]
		def b64d(x): return base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
		bad = []
		r = json.loads(req)
		f = urllib.parse.parse_qs(r["body"], keep_blank_values=True)
		if f.get("token") != [tok]: bad.append("token %r" % f.get("token"))
		if f.get("client_assertion_type") != ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]:
		    bad.append("client_assertion_type %r" % f.get("client_assertion_type"))
		if "client_secret" in f: bad.append("a client_secret field")
		if "authorization" in r["headers"]: bad.append("an Authorization header")
		if f.get("client_id", [cid]) != [cid]: bad.append("client_id %r" % f.get("client_id"))
		extra = set(f) - {"token", "token_type_hint", "client_id", "client_assertion_type", "client_assertion"}
		if extra: bad.append("unexpected form fields %r" % sorted(extra))
		try:
		    h64, c64, s64 = f["client_assertion"][0].split(".")
		    hdr, cl, sig = json.loads(b64d(h64)), json.loads(b64d(c64)), b64d(s64)
		except Exception as e:
		    print("client_assertion unreadable: %s: %r" % (e, f.get("client_assertion"))); sys.exit()
		if hdr.get("alg") != alg: bad.append("alg %r, want %s" % (hdr.get("alg"), alg))
		if cl.get("iss") != cid or cl.get("sub") != cid:
		    bad.append("iss %r sub %r, want %r" % (cl.get("iss"), cl.get("sub"), cid))
		a = cl.get("aud"); a = a if isinstance(a, list) else [a]
		if aud not in a: bad.append("aud %r lacks %s" % (cl.get("aud"), aud))
		if not cl.get("jti"): bad.append("no jti")
		now = time.time()
		if not isinstance(cl.get("exp"), int) or not now < cl["exp"] <= now + 600:
		    bad.append("exp %r not within 10 min" % cl.get("exp"))
		if alg == "ES256":
		    if len(sig) != 64: bad.append("ES256 signature of %d bytes" % len(sig))
		    def di(b):
		        b = b.lstrip(b"\0") or b"\0"
		        if b[0] & 0x80: b = b"\0" + b
		        return b"\x02" + bytes([len(b)]) + b
		    seq = di(sig[:32]) + di(sig[32:])
		    sig = b"\x30" + bytes([len(seq)]) + seq
		open(tmp + ".in", "wb").write((h64 + "." + c64).encode())
		open(tmp + ".sig", "wb").write(sig)
		p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature",
		                    tmp + ".sig", tmp + ".in"], capture_output=True, text=True)
		if p.returncode != 0: bad.append("signature does not verify: " + (p.stdout + p.stderr).strip())
		print("; ".join(bad))
	EOF
}
for kt in RS256 ES256; do
	case $kt in
	RS256) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/pk-$kt.pem" 2>/dev/null ;;
	ES256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/pk-$kt.pem" 2>/dev/null ;;
	esac
	chmod 600 "$T/pk-$kt.pem"
	openssl pkey -in "$T/pk-$kt.pem" -pubout -out "$T/pub-$kt.pem" 2>/dev/null
	conf "pkjwt-$kt" db auth_method=private_key_jwt private_key_file="$T/pk-$kt.pem" client_secret_file=-
	newtok "pkjwt-$kt"; settok "$tok" "$ACTIVE"
	verify "pkjwt-$kt" "$tok"
	expect_verify "private_key_jwt with a $kt key: accepted" 0 none source=introspection
	expect_empty "private_key_jwt ($kt): a signed client assertion, iss = sub = client_id, aud = endpoint, jti, short exp" \
		"$(check_assertion "$kt" "$T/pub-$kt.pem" "$CLIENT_ID")"
done
# The client_id is form-encoded in the body like every other value: an '&'
# or '=' in it must not add a field.
amp_id='rs client&x=1+2'
conf pkjwt-amp db auth_method=private_key_jwt private_key_file="$T/pk-RS256.pem" \
	client_secret_file=- client_id="$amp_id"
newtok pkjwt-amp; settok "$tok" "$ACTIVE"
# the server knows this client for this case only
fault_server_client "$T/srv" "$amp_id" "$CLIENT_SECRET"
verify pkjwt-amp "$tok"
expect_verify "private_key_jwt, a client_id with '&', '=', '+' and a space: accepted" 0 none source=introspection
expect_empty "private_key_jwt: that client_id form-encoded, one field, nothing injected" \
	"$(check_assertion RS256 "$T/pub-RS256.pem" "$amp_id")"
fault_server_client "$T/srv" "$CLIENT_ID" "$CLIENT_SECRET"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/pk-p384.pem" 2>/dev/null
chmod 600 "$T/pk-p384.pem"
conf pkjwt-p384 db auth_method=private_key_jwt private_key_file="$T/pk-p384.pem" client_secret_file=-
newtok pkjwt-p384; settok "$tok" "$ACTIVE"
verify pkjwt-p384 "$tok"
expect_verify "private_key_jwt with a P-384 key (ES256 needs P-256): configuration error" 2 config

# A client_id holding JSON specials is refused when the configuration is
# loaded: it would go verbatim into the private_key_jwt assertion (and the
# log).  (The code refuses such values rather than escaping them.)
qid='rs"client\1'
conf pkjwt-quote db auth_method=private_key_jwt private_key_file="$T/pk-RS256.pem" \
	client_secret_file=- client_id="$qid"
newtok pkjwt-quote; settok "$tok" "$ACTIVE"
verify pkjwt-quote "$tok"
expect_verify "private_key_jwt with a client_id holding '\"' and '\\': configuration error" 2 config

# ---- response rules ---------------------------------------------------------

conf rules db negative_cache_ttl=0
newtok inactive; settok "$tok" '{"active": false}'
verify rules "$tok"
expect_verify '"active": false: rejected (exit 1, inactive)' 1 inactive result=reject
login rules "$tok"
expect_empty '"active": false: refused through PAM' "$( [ "$prc" = 1 ] || printf 'pam_login exit %s\n%s' "$prc" "$pout")"

newtok unknown
verify rules "$tok"
expect_verify "a token the server does not know: rejected (inactive)" 1 inactive

newtok expired; settok "$tok" "$(active_with exp '"now-30"')"
verify rules "$tok"
expect_verify "active but exp in the past: rejected (expired)" 1 expired

newtok nbf; settok "$tok" "$(active_with nbf '"now+600"')"
verify rules "$tok"
expect_verify "active but nbf in the future: rejected (not_yet_valid)" 1 not_yet_valid

newtok mallory; settok "$tok" "$(active_with username '"mallory"' preferred_username '"mallory"')"
verify rules "$tok"
expect_verify "mallory's token refused for apitok-test (user_mismatch)" 1 user_mismatch user=mallory
verify rules "$tok" mallory
expect_verify "mallory's token accepted for mallory" 0 none user=mallory

newtok nouser; settok "$tok" "$(active_with username -)"
verify rules "$tok"
expect_verify "no username field in the answer: rejected (claims)" 1 claims

newtok numuser; settok "$tok" "$(active_with username 42)"
verify rules "$tok"
expect_verify "a username field that is not a string: rejected (claims)" 1 claims

newtok noscope; settok "$tok" "$(active_with scope '"imap smtp"')"
verify rules "$tok"
expect_verify "active without scope ssh: rejected (insufficient_scope)" 1 insufficient_scope
newtok noscope2; settok "$tok" "$(active_with scope -)"
verify rules "$tok"
expect_verify "active with no scope at all, ssh required: rejected (insufficient_scope)" 1 insufficient_scope

conf pref db username_field=preferred_username
newtok pref; settok "$tok" "$(active_with username '"someone-else"')"
verify pref "$tok"
expect_verify "username_field = preferred_username: that field names the user" 0 none user=apitok-test

conf iss db issuer=https://as.example/ audience=urn:apitoken:test
newtok iss; settok "$tok" "$(active_with iss '"https://as.example/"' aud '["urn:other", "urn:apitoken:test"]')"
verify iss "$tok"
expect_verify "issuer and audience configured and matching (aud array): accepted" 0 none
newtok isswrong; settok "$tok" "$(active_with iss '"https://evil.example/"' aud '"urn:apitoken:test"')"
verify iss "$tok"
expect_verify "iss differs from the configured issuer: rejected (issuer)" 1 issuer
newtok issnone; settok "$tok" "$(active_with aud '"urn:apitoken:test"')"
verify iss "$tok"
expect_verify "issuer configured, answer without iss: rejected (issuer)" 1 issuer
newtok audwrong; settok "$tok" "$(active_with iss '"https://as.example/"' aud '"urn:other"')"
verify iss "$tok"
expect_verify "aud lacks the configured audience: rejected (audience)" 1 audience
newtok audnone; settok "$tok" "$(active_with iss '"https://as.example/"')"
verify iss "$tok"
expect_verify "audience configured, answer without aud: rejected (audience)" 1 audience

# ---- faults: every one UNAVAILABLE, none accepted, each its own reason -------

declare -A reasons=()
# fault NAME ENDPOINT DESC [KEY=VALUE...]: a fresh active-looking token,
# verify must answer exit 2 backend; the reason is kept for the
# distinctness check.
fault() {
	local name=$1 ep=$2 desc=$3
	shift 3
	conf "f-$name" "$ep" "$@"
	newtok "$name"; settok "$tok" "$ACTIVE"
	verify "f-$name" "$tok"
	expect_verify "$desc: UNAVAILABLE (exit 2, backend)" 2 backend result=unavailable
	reasons[$name]=$reason
	note "  reason: $reason (${ms} ms)"
}

fault refused "http://127.0.0.1:$CLOSED/db" "connection refused"
fault stall stall "server accepts and stalls 10 s (timeout = 2)"
if [ "$rc" != 0 ] && [ "$ms" -le 3000 ]; then
	pass "the stalled call returned within timeout + 1 s (${ms} ms)"
else
	fail "the stalled call returned within timeout + 1 s (${ms} ms)"
fi
fault http500 500 "HTTP 500"
fault badjson badjson "invalid JSON body"
fault big big "a 10 MB body"
expect_empty "the 10 MB body was cut short (${ms} ms)" "$( [ "$ms" -le 3000 ] || echo "took ${ms} ms")"
fault string string '"active": "true" (a string)'
before=$(grep -c '"port": "other"' "$T/srv/requests.jsonl")
fault redirect redirect "a 302 redirect to another server"
after=$(grep -c '"port": "other"' "$T/srv/requests.jsonl")
expect_empty "the redirect was not followed (no request reached the other server)" \
	"$( [ "$before" = "$after" ] || echo "$((after - before)) request(s) to the redirect target")"
fault html html "Content-Type text/html"
fault unauth 401 "HTTP 401 for our client credentials"
fault tlsca "https://127.0.0.1:$PORT3/db" "TLS: server certificate from an unknown CA" \
	allow_http_loopback=- ca_file="$T/otherca/ca.pem"

# reasons: all distinct
dups=$(for k in "${!reasons[@]}"; do printf '%s\n' "${reasons[$k]}"; done | sort | uniq -d)
empties=$(for k in "${!reasons[@]}"; do [ -n "${reasons[$k]}" ] || echo "$k"; done)
expect_empty "each fault has its own reason text (${#reasons[@]} faults)" \
	"$( [ -z "$dups" ] || printf 'shared: %s\n' "$dups"; [ -z "$empties" ] || printf 'empty reason: %s\n' "$empties")"

cred_bad=
grep -qi 'client_id' <<<"${reasons[unauth]}$err" || cred_bad="no client_id"
grep -qi 'client_secret_file' <<<"${reasons[unauth]}$err" || cred_bad="$cred_bad; no client_secret_file"
expect_empty "401: the reason names client_id / client_secret_file (our configuration)" "$cred_bad"

conf badsecret db client_secret_file="$T/badsecret"
newtok badsecret; settok "$tok" "$ACTIVE"
verify badsecret "$tok"
expect_verify "a wrong client secret (server answers 401 invalid_client): UNAVAILABLE" 2 backend
expect_empty "wrong client secret: the reason names client_secret_file" \
	"$(grep -qi 'client_secret_file' <<<"$reason$err" || echo "reason: $reason")"
login badsecret "$tok"
expect_empty "wrong client secret through PAM: PAM_AUTHINFO_UNAVAIL" \
	"$(grep -qxF "auth=$UNAVAIL_MSG" <<<"$pout" || printf 'pam_login exit %s\n%s' "$prc" "$pout")"

fault forbidden 403 "HTTP 403 for our client credentials"
expect_empty "403: the reason names the client configuration" \
	"$(grep -qi 'client_id\|client_secret' <<<"$reason$err" || echo "reason: $reason")"
fault http503 503 "HTTP 503 (text body)"
fault trunc trunc "a body shorter than its Content-Length"
fault empty empty "an empty 200 body"
fault tlsplain "https://127.0.0.1:$PORT/db" "https to a plain-http port (handshake fails)" \
	allow_http_loopback=- ca_file="$T/srv/tls/ca.pem"
fault tlsnoca "https://127.0.0.1:$PORT3/db" "TLS without ca_file (system CAs do not know the test CA)" \
	allow_http_loopback=-

fault chunked chunked "10 MB chunked, no Content-Length"
expect_empty "the chunked 10 MB body was cut short (${ms} ms)" "$( [ "$ms" -le 3000 ] || echo "took ${ms} ms")"
fault number number '"active": 1 (a number)'
fault array array "a JSON array holding an active answer"
conf f-dup dup
newtok dup; settok "$tok" "$ACTIVE"
verify f-dup "$tok"
expect_empty '"active" twice (false, then true): not accepted' \
	"$( [ "$rc" != 0 ] || { echo "accepted"; vdiag; })"

# the size limit is 64 KiB: an answer of exactly 64 KiB is fine, one byte more is not
for sz in 65536 65537; do
	conf "pad$sz" "pad$sz"
	newtok "pad$sz"; settok "$tok" "$ACTIVE"
	verify "pad$sz" "$tok"
	if [ "$sz" = 65536 ]; then
		expect_verify "an active answer of exactly 64 KiB: accepted" 0 none
	else
		expect_verify "an active answer of 64 KiB + 1 byte: UNAVAILABLE (backend)" 2 backend
	fi
done
conf charset charset
newtok charset; settok "$tok" "$ACTIVE"
verify charset "$tok"
expect_verify 'Content-Type "application/json; charset=utf-8": accepted' 0 none

conf fstall stall
newtok pamstall; settok "$tok" "$ACTIVE"
t0=$(date +%s%N)
login fstall "$tok"
pms=$((($(date +%s%N) - t0) / 1000000))
expect_empty "stall through PAM: PAM_AUTHINFO_UNAVAIL within timeout + 1 s (${pms} ms)" \
	"$( { grep -qxF "auth=$UNAVAIL_MSG" <<<"$pout" && [ "$pms" -le 3000 ]; } || printf 'pam_login exit %s, %s ms\n%s' "$prc" "$pms" "$pout")"

# ---- TLS that works: ca_file and a hashed ca_dir ---------------------------

conf tls "https://127.0.0.1:$PORT3/db" allow_http_loopback=- ca_file="$T/srv/tls/ca.pem"
newtok tls; settok "$tok" "$ACTIVE"
verify tls "$tok"
expect_verify "TLS with ca_file: accepted" 0 none source=introspection
conf tlsdir "https://127.0.0.1:$PORT3/db" allow_http_loopback=- ca_dir="$T/cadir"
newtok tlsdir; settok "$tok" "$ACTIVE"
verify tlsdir "$tok"
expect_verify "TLS with a hashed ca_dir: accepted" 0 none source=introspection

# ---- mutual TLS (RFC 8705): a client certificate from the test CA ----------

(
	set -e
	cd "$T/srv/tls"
	umask 077
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout client.key -out client.csr -subj "/CN=apitoken-mtls-client" 2>/dev/null
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=clientAuth" >client.ext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out client.pem -days 2 -extfile client.ext 2>/dev/null
	chmod 644 client.pem
)
MTLS="https://127.0.0.1:$PORT4/db"
conf mtls "$MTLS" allow_http_loopback=- ca_file="$T/srv/tls/ca.pem" \
	client_cert="$T/srv/tls/client.pem" client_key="$T/srv/tls/client.key"
newtok mtls; settok "$tok" "$ACTIVE"
verify mtls "$tok"
expect_verify "mutual TLS with client_cert and client_key: accepted" 0 none source=introspection
expect_empty "mutual TLS: the server saw our client certificate" \
	"$($PY -c 'import json,sys; r=json.loads(sys.argv[1]); print("" if r.get("port")=="mtls" and r.get("client_cn")=="apitoken-mtls-client" else "request %r" % {k: r.get(k) for k in ("port","client_cn")})' "$(lastreq)")"
fault mtlsnone "$MTLS" "mutual TLS endpoint, no client certificate configured" \
	allow_http_loopback=- ca_file="$T/srv/tls/ca.pem"
fault mtlsother "$MTLS" "mutual TLS endpoint, a client certificate from another CA" \
	allow_http_loopback=- ca_file="$T/srv/tls/ca.pem" \
	client_cert="$T/otherca/server.pem" client_key="$T/otherca/server.key"
chmod 0644 "$T/srv/tls/client.key"
conf mtlsperm "$MTLS" allow_http_loopback=- ca_file="$T/srv/tls/ca.pem" \
	client_cert="$T/srv/tls/client.pem" client_key="$T/srv/tls/client.key"
newtok mtlsperm; settok "$tok" "$ACTIVE"
verify mtlsperm "$tok"
expect_verify "a world-readable client_key: refused as a configuration error" 2 config
chmod 0600 "$T/srv/tls/client.key"

# ---- the result cache --------------------------------------------------------

conf cache db cache_ttl=60 negative_cache_ttl=2
newtok cached; settok "$tok" "$ACTIVE"
verify cache "$tok"
expect_verify "cache: first verify asks the server and accepts" 0 none
n0=$(nreq)
verify cache "$tok"
expect_verify "cache: a fresh process accepts again" 0 none source=introspection
expect_empty "cache: the hit in a fresh process asked nothing" \
	"$( [ "$(nreq)" = "$n0" ] || echo "$(($(nreq) - n0)) new request(s)")"
verify cache "$tok" mallory
expect_verify "cache: the cached result still binds the user (mallory refused)" 1 user_mismatch
verify cache "$tok" apitok-test smtp
expect_verify "cache: the cached result still checks scope (smtp refused)" 1 insufficient_scope

newtok neg; settok "$tok" '{"active": false}'
verify cache "$tok"
expect_verify "negative cache: inactive token rejected" 1 inactive
settok "$tok" "$ACTIVE"
n0=$(nreq)
verify cache "$tok"
expect_verify "negative cache: within negative_cache_ttl still rejected without asking" 1 inactive
expect_empty "negative cache: no request within negative_cache_ttl" \
	"$( [ "$(nreq)" = "$n0" ] || echo "$(($(nreq) - n0)) new request(s)")"
sleep 3
verify cache "$tok"
expect_verify "negative cache: after negative_cache_ttl the server is asked again (now active)" 0 none

# an UNAVAILABLE answer is not cached: once the server takes our
# credentials again the same token is accepted at once
conf nocache db
newtok nocache; settok "$tok" "$ACTIVE"
fault_server_client "$T/srv" "$CLIENT_ID" changed
verify nocache "$tok"
expect_verify "the server stops taking our secret: UNAVAILABLE" 2 backend
fault_server_client "$T/srv" "$CLIENT_ID" "$CLIENT_SECRET"
verify nocache "$tok"
expect_verify "UNAVAILABLE was not cached: accepted as soon as the server takes it again" 0 none

conf revoke db cache_ttl=2
newtok revoked; settok "$tok" "$ACTIVE"
verify revoke "$tok"
expect_verify "revocation: accepted while active" 0 none
settok "$tok" '{"active": false}'
verify revoke "$tok"
expect_verify "revocation: within cache_ttl the cached positive result serves" 0 none
sleep 3
verify revoke "$tok"
expect_verify "revocation: refused once cache_ttl (2 s) has passed" 1 inactive

conf capexp db cache_ttl=60
newtok capexp; settok "$tok" "$(active_with exp '"now+2"')"
verify capexp "$tok"
expect_verify "exp cap: a token expiring in 2 s accepted (cache_ttl 60)" 0 none
sleep 3
settok "$tok" "$ACTIVE"   # the server now even claims it lives on
verify capexp "$tok"
rc_cap=$rc
# the cache entry must not outlive exp: either the cache refuses (expired)
# or the server is asked again
expect_empty "exp cap: the cache entry did not outlive the token's exp" \
	"$( [ "$rc" != 0 ] || [ "$(lastreq | $PY -c 'import json,sys,urllib.parse; print(urllib.parse.parse_qs(json.load(sys.stdin)["body"]).get("token",[""])[0])')" = "$tok" ] || echo "accepted from the cache after exp (exit $rc_cap)")"

# cache files
cbad=
for d in "$T"/cache-*; do
	[ -d "$d" ] || continue
	m=$(stat -c %a "$d"); [ "$m" = 700 ] || cbad="$cbad; $d mode $m"
	while IFS= read -r f; do
		m=$(stat -c %a "$f"); [ "$m" = 600 ] || cbad="$cbad; $f mode $m"
	done < <(find "$d" -type f)
done
[ -n "$(find "$T/cache-cache" -type f 2>/dev/null)" ] || cbad="$cbad; no files in $T/cache-cache"
expect_empty "cache dirs 0700, cache files 0600" "$cbad"
alltoks=$($PY -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$T/srv/tokens.json")
leak=$(grep -rlF -f <(printf '%s\n' "$alltoks") "$T"/cache-* 2>/dev/null)
expect_empty "no cache file holds a token" "$leak"

# ---- configuration errors: fail closed -------------------------------------

newtok cfg; settok "$tok" "$ACTIVE"
cp "$T/secret" "$T/secret644"; chmod 644 "$T/secret644"
cp "$T/secret" "$T/secret660"; chmod 660 "$T/secret660"
cp "$T/secret" "$T/secret640"; chmod 640 "$T/secret640"
# cfg NAME DESC RC WHY PATH-OR-URL [KEY=VALUE ...]: the token $tok through
# its own configuration (conf NAME PATH-OR-URL KEY=VALUE...)
cfg() {
	local name=$1 desc=$2 want_rc=$3 want_why=$4
	shift 4
	conf "$name" "$@"
	verify "$name" "$tok"
	expect_verify "$desc" "$want_rc" "$want_why"
}
cfg c640 "client_secret_file mode 0640: accepted" 0 none db client_secret_file="$T/secret640"
cfg c644 "client_secret_file mode 0644 (world-readable): configuration error" 2 config \
	db client_secret_file="$T/secret644"
cfg c660 "client_secret_file mode 0660 (group-writable): configuration error" 2 config \
	db client_secret_file="$T/secret660"
cfg cmissing "client_secret_file missing: configuration error" 2 config \
	db client_secret_file="$T/nonexistent"
cfg cnoloop "http:// endpoint without allow_http_loopback: configuration error" 2 config \
	db allow_http_loopback=-
cfg cremote "http:// to a non-loopback host even with allow_http_loopback: configuration error" \
	2 config "http://192.0.2.1/introspect"
cfg cmethod "unknown auth_method: configuration error" 2 config db auth_method=client_secret_jwt
cfg cpkjwt "private_key_jwt without private_key_file: configuration error" 2 config \
	db auth_method=private_key_jwt
check_quiet "check-config fails on a world-readable client_secret_file" \
	fails "$APITOKEN" --config "$T/c644.conf" check-config
check_quiet "check-config accepts the basic configuration" \
	"$APITOKEN" --config "$T/basic.conf" check-config

# ---- nothing left ------------------------------------------------------------

expect_empty "no request carried a query string" \
	"$(grep -o '"path": "[^"]*?[^"]*"' "$T/srv/requests.jsonl")"
expect_empty "the server was only ever sent tokens of the declared shape (op-...)" \
	"$(fault_server_tokens "$T/srv" | grep -v '^op-')"
fault_server_stop
if [ -s "$T/srv/stderr" ] && grep -q Traceback "$T/srv/stderr"; then
	note "fault server stderr:"
	grep -v '^\s*$' "$T/srv/stderr" | tail -n 20 | diag
fi
note "runtime $((SECONDS - start)) s"
finish
