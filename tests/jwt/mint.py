#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# mint.py - mints a JWT with python3-jwcrypto, an implementation independent
# of ours, for tests/jwt/cross.sh and keys.sh.
#
#   mint.py ALG KEYFILE KID CLAIMS-JSON [tamper]
#
# KEYFILE is a PEM private key, or the HMAC secret file for HS*; KID "-"
# leaves kid out.  "tamper=payload" / "tamper=signature" changes one
# character of that part (to one that decodes to other bits).
import json
import sys

from jwcrypto import jwk, jwt
from jwcrypto.common import base64url_encode


def key_for(alg, path):
    with open(path, "rb") as f:
        data = f.read()
    if alg.startswith("HS"):
        if data.endswith(b"\n"):
            data = data[:-1]
        return jwk.JWK(kty="oct", k=base64url_encode(data))
    return jwk.JWK.from_pem(data)


def tamper(tok, part):
    parts = tok.split(".")
    i = {"header": 0, "payload": 1, "signature": 2}[part]
    s = parts[i]
    # The middle character: flipping it changes decoded bits, never only
    # the unused trailing bits of the last character.
    j = len(s) // 2
    parts[i] = s[:j] + ("B" if s[j] != "B" else "C") + s[j + 1:]
    return ".".join(parts)


def main():
    alg, keyfile, kid, claims = sys.argv[1:5]
    header = {"alg": alg, "typ": "at+jwt"}
    if kid != "-":
        header["kid"] = kid
    tok = jwt.JWT(header=header, claims=json.loads(claims))
    tok.make_signed_token(key_for(alg, keyfile))
    out = tok.serialize()
    for arg in sys.argv[5:]:
        if arg.startswith("tamper="):
            out = tamper(out, arg.split("=", 1)[1])
    sys.stdout.write(out)


main()
