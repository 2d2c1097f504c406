#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# fault_server.py - a loopback RFC 7662 introspection endpoint whose every
# answer the test chooses, for tests/introspection/faults.sh.
#
#   fault_server.py DIR
#
# Binds two listeners on 127.0.0.1, free ports: the endpoint (port written to
# DIR/port) and "another server" (DIR/port2) that only redirects point to;
# with DIR/tls/server.pem and DIR/tls/server.key present, a third one, the
# same endpoint over TLS (DIR/port3); with DIR/tls/ca.pem too, a fourth, the
# same endpoint over TLS that requires a client certificate issued by that CA
# (mutual TLS, RFC 8705; DIR/port4).  Each port file is written as *.tmp
# then renamed, DIR/port last, so once it exists all of them are complete.  The
# behaviour is chosen by the URL path of the configured endpoint, so one
# config file = one behaviour:
#
#   /db        the normal endpoint: client authentication is checked against
#              DIR/state.json {"client_id": ID, "client_secret": SECRET}
#              (Basic, form fields, or an RFC 7523 client assertion whose
#              iss and sub are the client_id; a mismatch answers 401
#              invalid_client);
#              the answer is DIR/tokens.json[token] (a JSON object, sent
#              as is), or {"active": false} for an unknown token
#   /401       always 401 {"error":"invalid_client"} (WWW-Authenticate Basic)
#   /403       always 403 {"error":"invalid_client"}
#   /500       500 with a JSON error body
#   /503       503 with a text body
#   /badjson   200 application/json, a body that is not JSON
#   /big       200 application/json, 10 MB: a valid JSON object whose
#              padding field makes it huge ({"active":true,...,"pad":"xxx…"})
#   /string    200 {"active":"true", ...} (a string, not the JSON true)
#   /redirect  302 to the other server's /db (which would answer active)
#   /html      200 text/html with an otherwise valid active answer
#   /stall     accepts, reads the request, then sends nothing for 10 s
#   /trunc     200 with Content-Length larger than the bytes sent, then closes
#   /empty     200 application/json, empty body
#   /chunked   200, 10 MB chunked (no Content-Length)
#   /padN      200, an active answer of exactly N bytes (e.g. /pad65000)
#   /charset   200 "application/json; charset=utf-8", active
#   /number    200 {"active": 1, ...}
#   /dup       200 {"active": false, "active": true, ...}
#   /array     200 [ {active answer} ]
#
# Every request, on any listener, is appended as one JSON line to
# DIR/requests.jsonl: {"port": "main"|"other"|"tls"|"mtls", "method", "path",
# "headers": {lower-case name: value}, "body": the raw body as text, and on
# the mutual-TLS port "client_cn": the client certificate's common name}.
import base64
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

DIR = sys.argv[1]
LOCK = threading.Lock()
BIG = 10 * 1024 * 1024
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def active_answer(user="apitok-test"):
    return {"active": True, "username": user, "scope": "ssh imap",
            "exp": int(time.time()) + 300, "iat": int(time.time()),
            "token_type": "Bearer", "client_id": "cli-opaque"}


def load(name, default):
    try:
        with open(os.path.join(DIR, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    role = "main"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def record(self, body):
        rec = {"port": self.role, "method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace")}
        peer = getattr(self.connection, "getpeercert", lambda: None)()
        if peer:
            rec["client_cn"] = dict(x[0] for x in peer["subject"]).get("commonName")
        with LOCK, open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(n, 1 << 20)) if n > 0 else b""

    def client_ok(self, form):
        st = load("state.json", {})
        want_id, want_secret = st.get("client_id"), st.get("client_secret")
        if want_id is None:
            return True
        auth = self.headers.get("Authorization") or ""
        if form.get("client_assertion_type") == [ASSERTION_TYPE]:
            # RFC 7523: the test checks the signature from the request log;
            # here only who it claims to be
            try:
                part = form["client_assertion"][0].split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(
                    part + "=" * (-len(part) % 4)))
            except (KeyError, IndexError, ValueError):
                return False
            return (not auth and claims.get("iss") == want_id and
                    claims.get("sub") == want_id)
        if auth.startswith("Basic "):
            try:
                raw = base64.b64decode(auth[6:], validate=True).decode()
                i, _, s = raw.partition(":")
                # RFC 6749 2.3.1: both parts form-urlencoded
                i = urllib.parse.unquote_plus(i)
                s = urllib.parse.unquote_plus(s)
            except ValueError:
                return False
            return i == want_id and s == want_secret
        return (form.get("client_id") == [want_id] and
                form.get("client_secret") == [want_secret])

    def do_GET(self):
        self.record(b"")
        self.send(405, '{"error":"invalid_request"}', extra={"Allow": "POST"})

    def do_POST(self):
        body = self.read_body()
        self.record(body)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                     keep_blank_values=True)
        mode = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if self.role == "other":
            # a redirect target that would accept anything
            self.send(200, json.dumps(active_answer()))
            return
        if mode == "db":
            if not self.client_ok(form):
                self.send(401, '{"error":"invalid_client"}',
                          extra={"WWW-Authenticate": 'Basic realm="test"'})
                return
            tok = (form.get("token") or [""])[0]
            ans = load("tokens.json", {}).get(tok, {"active": False})
            self.send(200, json.dumps(ans))
        elif mode == "401":
            self.send(401, '{"error":"invalid_client"}',
                      extra={"WWW-Authenticate": 'Basic realm="test"'})
        elif mode == "403":
            self.send(403, '{"error":"invalid_client"}')
        elif mode == "500":
            self.send(500, '{"error":"server_error"}')
        elif mode == "503":
            self.send(503, "Service Unavailable\n", "text/plain")
        elif mode == "badjson":
            self.send(200, '{"active": true, "username": "apitok-test",')
        elif mode == "empty":
            self.send(200, "")
        elif mode == "big":
            head = json.dumps(active_answer())[:-1] + ', "pad": "'
            tail = '"}'
            pad = BIG - len(head) - len(tail)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(BIG))
                self.end_headers()
                self.wfile.write(head.encode())
                chunk = b"x" * 65536
                while pad > 0:
                    self.wfile.write(chunk[:pad])
                    pad -= min(pad, len(chunk))
                self.wfile.write(tail.encode())
            except OSError:
                pass
            self.close_connection = True
        elif mode == "chunked":
            # 10 MB with no Content-Length: only a running count can stop it
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                head = (json.dumps(active_answer())[:-1] + ', "pad": "').encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
                chunk = b"x" * 65536
                for _ in range(BIG // len(chunk)):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b'2\r\n"}\r\n0\r\n\r\n')
            except OSError:
                pass
            self.close_connection = True
        elif mode.startswith("pad") and mode[3:].isdigit():
            # an active answer of exactly N bytes
            total = int(mode[3:])
            head = json.dumps(active_answer())[:-1] + ', "pad": "'
            self.send(200, head + "x" * max(0, total - len(head) - 2) + '"}')
        elif mode == "charset":
            self.send(200, json.dumps(active_answer()),
                      "application/json; charset=utf-8")
        elif mode == "number":
            a = active_answer()
            a["active"] = 1
            self.send(200, json.dumps(a))
        elif mode == "dup":
            # "active" twice: false first, then true
            a = json.dumps(active_answer())[1:]
            self.send(200, '{"active": false, ' + a)
        elif mode == "array":
            self.send(200, "[" + json.dumps(active_answer()) + "]")
        elif mode == "string":
            a = active_answer()
            a["active"] = "true"
            self.send(200, json.dumps(a))
        elif mode == "redirect":
            port2 = self.server.other_port
            self.send(302, "", "text/plain",
                      {"Location": "http://127.0.0.1:%d/db" % port2})
        elif mode == "html":
            self.send(200, json.dumps(active_answer()), "text/html")
        elif mode == "stall":
            time.sleep(10)
            self.send(200, json.dumps({"active": False}))
        elif mode == "trunc":
            data = json.dumps(active_answer()).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data) + 100))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
            except OSError:
                pass
            self.close_connection = True
        else:
            self.send(404, '{"error":"not_found"}')


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # clients that hang up (the size limit, a timeout, a failed TLS
        # handshake) are what the faults are about, not errors
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def handler(role):
    return type("H_" + role, (Handler,), {"role": role})


def publish(name, port):
    tmp = os.path.join(DIR, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, os.path.join(DIR, name))


main = Server(("127.0.0.1", 0), handler("main"))
other = Server(("127.0.0.1", 0), handler("other"))
main.other_port = other.server_address[1]
other.other_port = other.server_address[1]
threading.Thread(target=other.serve_forever, daemon=True).start()
publish("port2", other.server_address[1])
def tls_listener(role, port_name, client_ca=None):
    """The endpoint over TLS; with client_ca, a client certificate issued
    by that CA is required."""
    srv = Server(("127.0.0.1", 0), handler(role))
    srv.other_port = other.server_address[1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, os.path.join(DIR, "tls", "server.key"))
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    publish(port_name, srv.server_address[1])


cert = os.path.join(DIR, "tls", "server.pem")
ca = os.path.join(DIR, "tls", "ca.pem")
if os.path.exists(cert):
    tls_listener("tls", "port3")
    if os.path.exists(ca):
        tls_listener("mtls", "port4", client_ca=ca)
publish("port", main.server_address[1])
main.serve_forever()
