#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkcorpus.sh - regenerates the seed corpora in tests/fuzz/corpus/<harness>/
# from the TEST-ONLY keys in tests/fixtures/jwt (never real keys).
#
#   sh tests/fuzz/mkcorpus.sh
#
# Needs /usr/bin/python3 with python3-jwcrypto, an implementation
# independent of ours.  JWT seeds verify at fuzz_jws.c's FUZZ_NOW with its
# fixed [jwt] section (issuer https://issuer.test, audience api://apitoken);
# introspection responses likewise at fuzz_introspect.c's FUZZ_NOW.
set -eu
cd "$(dirname "$0")"
exec /usr/bin/python3 - <<'PY'
import hashlib, hmac, json, os, shutil, zlib
from jwcrypto import jwk, jws
from jwcrypto.common import base64url_encode, json_encode

FX = "../fixtures/jwt"
NOW = 1800000000
ISS, AUD = "https://issuer.test", "api://apitoken"


def put(harness, name, data):
    d = os.path.join("corpus", harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for h in ("fuzz_jws", "fuzz_jwks", "fuzz_json", "fuzz_config",
          "fuzz_local_token", "fuzz_oauth_parse", "fuzz_introspect",
          "fuzz_oauth_client", "fuzz_cidr", "fuzz_device"):
    shutil.rmtree(os.path.join("corpus", h), ignore_errors=True)

# --- fuzz_jws: real tokens signed with the committed keys ---------------
def key(alg):
    if alg.startswith("HS"):
        with open(os.path.join(FX, "hmac.secret"), "rb") as f:
            s = f.read().rstrip(b"\n")
        return jwk.JWK(kty="oct", k=base64url_encode(s)), None
    pem, kid = {"ES256": ("ec-p256", "ec-256"), "ES384": ("ec-p384", "ec-384"),
                "ES512": ("ec-p521", "ec-521"), "EdDSA": ("ed25519", "ed-1"),
                }.get(alg, ("rsa2048-a", "rsa-a"))
    with open(os.path.join(FX, pem + ".pem"), "rb") as f:
        return jwk.JWK.from_pem(f.read()), kid


def claims(**over):
    c = {"iss": ISS, "aud": AUD, "sub": "fuzz-user", "exp": NOW + 600,
         "iat": NOW - 10, "nbf": NOW - 10, "jti": "j-1",
         "scope": "read write"}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def sign(alg, payload, header=None):
    k, kid = key(alg)
    h = {"alg": alg, "typ": "at+jwt"}
    if kid:
        h["kid"] = kid
    h.update(header or {})
    s = jws.JWS(json_encode(payload).encode())
    s.add_signature(k, None, json_encode({kk: v for kk, v in h.items()
                                          if v is not None}))
    return s.serialize(compact=True)


for alg in ("RS256", "RS512", "PS256", "ES256", "ES384", "ES512", "EdDSA",
            "HS256", "HS384", "HS512"):
    put("fuzz_jws", "ok-" + alg, sign(alg, claims()))
put("fuzz_jws", "ok-aud-array",
    sign("ES256", claims(aud=["other", AUD])))
put("fuzz_jws", "bad-expired", sign("HS256", claims(exp=NOW - 3600)))
put("fuzz_jws", "bad-aud", sign("ES256", claims(aud="nope")))
put("fuzz_jws", "bad-iss", sign("HS256", claims(iss="https://evil.test")))
put("fuzz_jws", "bad-nosub", sign("HS256", claims(sub=None)))
# jwcrypto refuses to make an unknown crit, so this one is signed by hand.
with open(os.path.join(FX, "hmac.secret"), "rb") as f:
    hs = f.read().rstrip(b"\n")
si = (base64url_encode(b'{"alg":"HS256","crit":["x-fuzz"],"x-fuzz":1}') +
      "." + base64url_encode(json_encode(claims()).encode()))
put("fuzz_jws", "bad-crit", si + "." + base64url_encode(
    hmac.new(hs, si.encode(), hashlib.sha256).digest()))
put("fuzz_jws", "bad-kid", sign("RS256", claims(), {"kid": "nope"}))
tok = sign("RS256", claims())
h, p, s = tok.split(".")
put("fuzz_jws", "bad-sig", h + "." + p + "." + ("A" if s[0] != "A" else "B") + s[1:])
put("fuzz_jws", "bad-none",
    base64url_encode(b'{"alg":"none"}') + "." + p + ".")
put("fuzz_jws", "bad-parts", "a.b.c")

# --- fuzz_jwks ------------------------------------------------------------
with open(os.path.join(FX, "jwks.json")) as f:
    full = json.load(f)
put("fuzz_jwks", "ok-all", json.dumps(full))
for k in full["keys"]:
    put("fuzz_jwks", "ok-" + k["kid"], json.dumps({"keys": [k]}))
put("fuzz_jwks", "bad-empty", '{"keys":[]}')
put("fuzz_jwks", "bad-notobj", '[]')
put("fuzz_jwks", "bad-b64", '{"keys":[{"kty":"EC","crv":"P-256","x":"!!","y":"AA"}]}')
put("fuzz_jwks", "bad-oct", '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}')
put("fuzz_jwks", "enc-use", '{"keys":[{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}')

# --- fuzz_json ----------------------------------------------------------------
for i, t in enumerate([
        '{}', '{"alg":"RS256","kid":"k1","typ":"at+jwt"}',
        '{"iss":"https://issuer.test","aud":["a","b"],"exp":1.8e9,'
        '"nbf":1799999990,"sub":"caf\\u00e9 \\ud83d\\ude00","x":null,'
        '"t":true,"f":false,"o":{"a":[1,{"b":[]}]},"n":-0.5E-3}',
        '{"a":1,"a":2}', '{"a":"\\u0061","\\u0061b":1}', '{"a":[1,2,]}',
        '{"a":01}', '{"a":"\xc0\x80"}', '{"s":"\\ud800"}', ' {"a" : [ ] } ',
        '{"deep":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}']):
    put("fuzz_json", "seed-%02d" % i, t.encode("latin-1"))

# --- fuzz_config ------------------------------------------------------------
put("fuzz_config", "jwt", "# test\n[jwt]\nissuer = https://issuer.test\n"
    "audience = api://apitoken\njwks_file = /nonexistent/jwks.json\n"
    "algorithms = RS256 ES256 EdDSA\nleeway = 60\ncache_ttl = 0\n")
put("fuzz_config", "store", "[store]\npath = /var/lib/apitoken/tokens.db\n"
    "\n[cache]\ndir = /var/cache/apitoken\n")
put("fuzz_config", "introspection",
    "[introspection]\nendpoint = https://as.test/introspect\n"
    "client_id = rs\nclient_secret_file = /etc/apitoken/secret\n"
    "auth_method = client_secret_basic\ntimeout = 5\ncache_ttl = 60\n")
put("fuzz_config", "opaque-shape",
    "[introspection]\nendpoint = https://as.test/i\nclient_id = c\n"
    "opaque_prefix = ory_at_ op-\nopaque_min_length = 20\n"
    "opaque_max_length = 64\nopaque_charset = base64url\n")
put("fuzz_config", "bad-key", "[jwt]\nbogus = 1\n")
put("fuzz_config", "bad-section", "[nope]\n")
put("fuzz_config", "bad-value", "[jwt]\nleeway = 99999\ndiscovery = maybe\n")

# --- fuzz_local_token -------------------------------------------------------
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def local(idp, secret):
    t = "apt_" + idp + "_" + secret
    v = zlib.crc32(t.encode())
    s = ""
    for _ in range(6):
        s = B62[v % 62] + s
        v //= 62
    return t + s


good = local("AbCdEf012345", "x" * 20 + "Z9" * 11 + "q")
put("fuzz_local_token", "ok", good)
put("fuzz_local_token", "ok-2", local("000000000000", "z" * 43))
put("fuzz_local_token", "bad-sum", good[:-1] + ("A" if good[-1] != "A" else "B"))
put("fuzz_local_token", "bad-short", good[:40])
put("fuzz_local_token", "bad-sep", good[:16] + "-" + good[17:])
# the declared opaque shapes and what must never match them
put("fuzz_local_token", "opaque-ory", "ory_at_" + "Ab-_" * 10)
put("fuzz_local_token", "opaque-op", "op-" + "x" * 20)
put("fuzz_local_token", "opaque-hex", "0123456789abcdef" * 2)
put("fuzz_local_token", "jwt-empty-header", "e30.e30.c2ln")
put("fuzz_local_token", "jwt-not-object", "W10.e30.c2ln")
put("fuzz_local_token", "password", "Correct-Horse-8")
put("fuzz_local_token", "password-dots", "my.pass.word")

# --- fuzz_cidr: allow-lists and remote addresses -------------------------
put("fuzz_cidr", "v4", "127.0.0.0/8")
put("fuzz_cidr", "v4-list", "10.0.0.0/8, 192.168.0.0/16,192.0.2.7")
put("fuzz_cidr", "v6", "2001:db8::/32,::1")
put("fuzz_cidr", "addr-v4", "192.0.2.1")
put("fuzz_cidr", "addr-mapped", "::ffff:192.0.2.1")
put("fuzz_cidr", "addr-zone", "fe80::1%eth0")
put("fuzz_cidr", "bad-host-bits", "10.0.0.1/8")
put("fuzz_cidr", "bad-zero", "0.0.0.0/0")

# --- fuzz_device: access tokens for the [device] group check -------------
def unsigned_jwt(payload):
    return "eyJhbGciOiJSUzI1NiJ9." + base64url_encode(payload) + ".c2ln"


put("fuzz_device", "groups-array", unsigned_jwt('{"groups":["a","ssh"]}'))
put("fuzz_device", "groups-string", unsigned_jwt('{"groups":"ssh"}'))
put("fuzz_device", "groups-escaped", unsigned_jwt('{"groups":["s\\u0073h"]}'))
put("fuzz_device", "groups-other", unsigned_jwt('{"groups":["ssh-users"]}'))
put("fuzz_device", "no-groups", unsigned_jwt('{"sub":"alice"}'))
put("fuzz_device", "opaque", "2YotnFZFEjr1zCsicMWpAA")

# --- fuzz_oauth_parse ------------------------------------------------------------
put("fuzz_oauth_parse", "oauthbearer",
    b"n,a=user@example.com,\x01host=imap.test\x01port=143\x01"
    b"auth=Bearer " + good.encode() + b"\x01\x01")
put("fuzz_oauth_parse", "oauthbearer-noauthz",
    b"n,,\x01auth=Bearer abc.def.ghi\x01\x01")
put("fuzz_oauth_parse", "xoauth2",
    b"user=someone@example.com\x01auth=Bearer " + good.encode() + b"\x01\x01")
put("fuzz_oauth_parse", "bad", b"y,a=x=2Cy,\x01auth=Basic x\x01")

# --- fuzz_introspect: RFC 7662 responses, then result cache files ----------
def resp(**over):
    r = {"active": True, "iss": ISS, "aud": AUD, "username": "fuzz-user",
         "sub": "other-user", "scope": "read write", "exp": NOW + 600,
         "nbf": NOW - 10, "iat": NOW - 10, "jti": "j-1",
         "client_id": "fuzz-client", "token_type": "Bearer"}
    r.update(over)
    return json.dumps({k: v for k, v in r.items() if v is not None})


for name, over in [
        ("ok", {}), ("ok-aud-array", {"aud": ["other", AUD]}),
        ("ok-no-exp", {"exp": None}), ("ok-no-scope", {"scope": None}),
        ("ok-scope-noread", {"scope": "write admin"}),
        ("ok-scope-dups", {"scope": "  read  read write "}),
        ("ok-exp-frac", {"exp": NOW + 0.5e0 + 1}), ("ok-nbf-now", {"nbf": NOW}),
        ("inactive", {"active": False}),
        ("inactive-bare", None),
        ("bad-active-string", {"active": "true"}),
        ("bad-active-1", {"active": 1}), ("bad-no-active", {"active": None}),
        ("bad-expired", {"exp": NOW}), ("bad-nbf", {"nbf": NOW + 3600}),
        ("bad-exp-string", {"exp": str(NOW + 600)}),
        ("bad-iss", {"iss": "https://evil.test"}), ("bad-no-iss", {"iss": None}),
        ("bad-aud", {"aud": "nope"}), ("bad-aud-array", {"aud": ["a", "b"]}),
        ("bad-no-user", {"username": None}),
        ("bad-user-space", {"username": "fuzz user"}),
        ("bad-user-number", {"username": 7}),
        ("bad-scope-number", {"scope": 5}),
        ("bad-scope-chars", {"scope": 'read "x'})]:
    put("fuzz_introspect", name,
        '{"active":false}' if over is None else resp(**over))
o = resp()[1:-1]
for name, text in [
        ("ok-escaped", o.replace('"fuzz-user"', '"fuzz\\u002duser"')),
        ("huge-exp", o.replace(str(NOW + 600), "1e400")),
        ("huge-exp-int", o.replace(str(NOW + 600), "9" * 30)),
        ("huge-exp-year", o.replace(str(NOW + 600), "253402300800")),
        ("neg-nbf", o.replace(str(NOW - 10), "-1", 1)),
        ("dup-active", '"active":false,' + o),
        ("nested-junk", o + ',"x":{"a":[[[[{"b":null}]]]],"y":[1,"2",true,-0.5E-3]}'),
        ("deep-junk", o + ',"x":' + "[" * 17 + "]" * 17),
        ("many-members", o + "".join(',"m%d":%d' % (i, i) for i in range(52)))]:
    put("fuzz_introspect", name, "{" + text + "}")
HEX = "00112233445566778899aabbccddeeff" * 2


def entry(**over):
    e = {"v": 1, "h": HEX, "active": True, "user": "fuzz-user",
         "scopes": "read write", "exp": NOW + 600, "until": NOW + 60}
    e.update(over)
    return json.dumps({k: v for k, v in e.items() if v is not None},
                      separators=(",", ":"))


put("fuzz_introspect", "cache-ok", entry())
put("fuzz_introspect", "cache-inactive",
    entry(active=False, user="", scopes="", exp=0))
put("fuzz_introspect", "cache-ended", entry(until=NOW))
put("fuzz_introspect", "cache-other", entry(h="f" * 64))
put("fuzz_introspect", "cache-truncated", entry()[:70])

# --- fuzz_oauth_client: token, device and metadata answers --------------
# The first byte: bits 0-2 the HTTP status (200 200 200 400 401 429 503
# 302), bits 3-5 the parser (0 token, 1 device, 2 metadata, 3 state file,
# 4 a browser login's redirect, with state "fuzzstate").
def oc(name, parser, status, obj):
    body = obj if isinstance(obj, str) else json.dumps(obj)
    put("fuzz_oauth_client", name, bytes([parser << 3 | status]) + body.encode())


oc("token-ok", 0, 0, {"access_token": "at-1", "token_type": "Bearer",
                      "expires_in": 3599, "refresh_token": "rt-1",
                      "scope": "https://mail.google.com/"})
oc("token-string-expiry", 0, 0, {"access_token": "at", "token_type": "bearer",
                                 "expires_in": "3600"})
oc("token-no-type", 0, 0, {"access_token": "at", "expires_in": 60})
oc("token-dup", 0, 0, '{"access_token":"a","access_token":"b","token_type":"Bearer"}')
oc("token-space", 0, 0, {"access_token": "a b", "token_type": "Bearer"})
oc("error-invalid-grant", 0, 3, {"error": "invalid_grant",
                                 "error_description": "grant revoked"})
oc("error-client", 0, 4, {"error": "invalid_client"})
oc("error-429", 0, 5, {"error": "slow_down"})
oc("error-503", 0, 6, "<html>busy</html>")
oc("redirect", 0, 7, "")
oc("device-ok", 1, 0, {"device_code": "dc-1", "user_code": "ABCD-EFGH",
                       "verification_uri": "https://issuer.test/device",
                       "verification_uri_complete":
                       "https://issuer.test/device?user_code=ABCD-EFGH",
                       "expires_in": 600, "interval": 5})
oc("device-google", 1, 0, {"device_code": "dc", "user_code": "XYZ",
                           "verification_url": "https://www.google.com/device",
                           "expires_in": "1800"})
oc("device-pending", 1, 3, {"error": "authorization_pending"})
oc("metadata-ok", 2, 0, {"issuer": "https://issuer.test",
                         "token_endpoint": "https://issuer.test/token",
                         "device_authorization_endpoint":
                         "https://issuer.test/device/auth",
                         "revocation_endpoint":
                         "https://issuer.test/token/revocation",
                         "authorization_endpoint": "https://issuer.test/auth"})
oc("state-ok", 3, 0, {"v": 1, "access_token": "at", "refresh_token": "rt",
                      "expires_at": NOW + 600, "refreshed_at": NOW,
                      "generation": 3, "reauth": False, "error": "",
                      "error_code": "", "error_at": 0, "next_attempt": 0,
                      "logged_at": 0, "failures": 0})
oc("state-reauth", 3, 0, {"v": 1, "reauth": True, "error_code": "invalid_grant",
                          "error": "the server said invalid_grant"})
oc("redirect-request", 4, 0, "GET /?code=abc&state=fuzzstate HTTP/1.1\r\n")
oc("redirect-pasted", 4, 0, "http://127.0.0.1/?state=fuzzstate&code=a%2Fb")
oc("redirect-error", 4, 0, "GET /?error=access_denied&state=fuzzstate HTTP/1.1")
oc("metadata-other-issuer", 2, 0, {"issuer": "https://evil.test",
                                   "token_endpoint": "https://evil.test/t"})
PY
