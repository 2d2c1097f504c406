#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# jwks_server.py - a loopback HTTP server for tests/jwt/keys.sh: serves a
# JWKS and OIDC / RFC 8414 discovery documents, and logs every request.
#
#   jwks_server.py DIR
#
# Binds 127.0.0.1 on a free port and writes it to DIR/port.  Each request
# appends "METHOD PATH" to DIR/requests.log and re-reads DIR/state.json:
#   {"jwks": FILE, "max_age": N or null, "issuer": "http://127.0.0.1:P"}
# Routes:
#   /jwks                                  the JWKS (Cache-Control max-age)
#   /.well-known/openid-configuration      issuer = state's issuer
#   /wrong/.well-known/openid-configuration  names another issuer
#   /rfc8414/.well-known/openid-configuration  404 (RFC 8414 fallback)
#   /.well-known/oauth-authorization-server/rfc8414  RFC 8414 metadata
#   /redirect                              302 to /jwks
#   anything else                          404
import http.server
import json
import os
import sys

DIR = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write("GET %s\n" % self.path)
        with open(os.path.join(DIR, "state.json")) as f:
            st = json.load(f)
        base = "http://127.0.0.1:%d" % self.server.server_address[1]
        p = self.path
        if p == "/jwks":
            with open(st["jwks"], "rb") as f:
                body = f.read()
            extra = {}
            if st.get("max_age") is not None:
                extra["Cache-Control"] = "public, max-age=%d" % st["max_age"]
            self.send(200, body, extra=extra)
        elif p == "/.well-known/openid-configuration":
            self.send(200, json.dumps({"issuer": st.get("issuer", base),
                                       "jwks_uri": base + "/jwks"}))
        elif p == "/wrong/.well-known/openid-configuration":
            self.send(200, json.dumps({"issuer": base + "/evil",
                                       "jwks_uri": base + "/jwks"}))
        elif p == "/.well-known/oauth-authorization-server/rfc8414":
            self.send(200, json.dumps({"issuer": base + "/rfc8414",
                                       "jwks_uri": base + "/jwks"}))
        elif p == "/redirect":
            self.send(302, "", "text/plain", {"Location": base + "/jwks"})
        else:
            self.send(404, "{}")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
tmp = os.path.join(DIR, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(tmp, os.path.join(DIR, "port"))
srv.serve_forever()
