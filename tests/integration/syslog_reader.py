#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Minimal syslog sink for the integration tests.

Usage: syslog_reader.py SOCKET OUTFILE READYFILE

Listens on a unix datagram socket (what glibc's syslog(3) writes to when
/dev/log points at it) and appends every message, one per line, to OUTFILE.
READYFILE is created once the socket is bound, so the harness can wait for
it.  Exits cleanly on SIGTERM/SIGINT and removes the socket.
Run it with /usr/bin/python3 (no third-party modules needed).
"""
import os
import signal
import socket
import sys


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: syslog_reader.py SOCKET OUTFILE READYFILE\n")
        return 2
    sock_path, out_path, ready_path = sys.argv[1:4]

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    # Services drop privileges before logging sometimes; let anyone write.
    os.chmod(sock_path, 0o666)

    out = open(out_path, "ab", buffering=0)
    with open(ready_path, "w") as ready:
        ready.write("%d\n" % os.getpid())

    try:
        while True:
            data = sock.recv(65536)
            # One message per line; keep embedded newlines visible.
            data = data.rstrip(b"\0\n").replace(b"\n", b"\\n")
            out.write(data + b"\n")
    finally:
        out.close()
        sock.close()
        try:
            os.unlink(sock_path)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
