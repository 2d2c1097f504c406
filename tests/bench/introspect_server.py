#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A minimal RFC 7662 endpoint for the benchmark: every token is active for
alice.  127.0.0.1 only; prints its port, serves until killed."""
import http.server, json, sys, time

BODY = None


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # one write per response: no Nagle/delayed-ACK stalls

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        body = json.dumps({"active": True, "username": "alice", "scope": "ssh",
                           "exp": int(time.time()) + 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
