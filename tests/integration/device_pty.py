#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A person at a terminal for the device-flow login over a real sshd.

device_pty.py ISSUER APPROVE_AS ssh PORT USER
device_pty.py ISSUER APPROVE_AS cmd COMMAND...

Runs ssh (keyboard-interactive only) or COMMAND (sudo) in a pseudo
terminal, reads the verification URL and user code from the screen,
approves the code at the test authorization server (POST
ISSUER/test/device/approve, as APPROVE_AS; deny:USER denies it) and
presses Enter at every
"press Enter" prompt: once before approving, to see the prompt come back
while the approval is pending, then after.  Without a prompt (prompt=none)
it approves as soon as the code is shown.  Prints the whole screen on
stdout; exits 0 when the program did (124 after its own 60 s).  Only
127.0.0.1 is contacted.
"""
import os
import pty
import re
import select
import sys
import time
import urllib.parse
import urllib.request

DEADLINE = 60


def approve(issuer, code, user):
    form = {"user_code": code, "user": user}
    if user.startswith("deny:"):  # deny:USER denies the code
        form = {"user_code": code, "user": user[5:], "deny": "1"}
    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(issuer + "/test/device/approve", data=data)
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def main():
    issuer, approve_as, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "cmd":
        argv = sys.argv[4:]
    else:
        port, user = sys.argv[4], sys.argv[5]
        argv = ["ssh", "-F", "/dev/null", "-tt",
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR",
                "-o", "PreferredAuthentications=keyboard-interactive",
                "-o", "NumberOfPasswordPrompts=1",
                "-o", "ConnectTimeout=10",
                "-p", port, user + "@127.0.0.1", "echo OK; id -un; exit"]
    prompted = mode == "ssh"
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    screen = b""
    code = None
    approved = False
    early_enter = False
    prompts_seen = 0
    end = time.monotonic() + DEADLINE
    status = None
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            screen += chunk
        text = screen.decode("utf-8", "replace")
        if code is None:
            m = re.search(r"enter the code ([A-Z0-9-]+)", text)
            if m:
                code = m.group(1)
                if not prompted:
                    approve(issuer, code, approve_as)
                    approved = True
        n = len(re.findall(r"(?:Press Enter|Not approved yet)", text))
        if code and n > prompts_seen:
            prompts_seen = n
            if not early_enter:
                early_enter = True  # before approving: asked again
                os.write(fd, b"\r")
            else:
                if not approved:
                    approve(issuer, code, approve_as)
                    approved = True
                os.write(fd, b"\r")
    else:
        os.kill(pid, 9)
        status = 124
    _, st = os.waitpid(pid, 0)
    if status is None:
        status = os.waitstatus_to_exitcode(st)
    sys.stdout.write(screen.decode("utf-8", "replace"))
    sys.stdout.write("\nexit=%d\n" % status)
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
