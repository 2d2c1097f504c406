#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e_client.py - log in to IMAP (imaplib) or SMTP (smtplib) with a bearer
token read from a file (never from argv), by OAUTHBEARER or XOAUTH2.

usage: e2e_client.py imap|smtp HOST PORT MECH USER TOKENFILE [--no-ir]

Prints RESULT ok|refused, CODE <server code or text>, and CHALLENGE <json>
when the server sent the RFC 7628 error challenge.  Exit 0 always unless
the connection itself failed (2)."""
import base64
import imaplib
import smtplib
import sys


def message(mech, user, token, host, port):
    if mech == "XOAUTH2":
        return "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)
    return "n,a=%s,\x01host=%s\x01port=%d\x01auth=Bearer %s\x01\x01" % (
        user.replace("=", "=3D").replace(",", "=2C"), host, port, token)


def main():
    proto, host, port, mech, user, tokfile = sys.argv[1:7]
    no_ir = "--no-ir" in sys.argv[7:]
    port = int(port)
    with open(tokfile, encoding="ascii") as f:
        token = f.readline().rstrip("\n")
    msg = message(mech, user, token, host, port)
    reply = "" if mech == "XOAUTH2" else "\x01"
    seen = []

    def imap_auth(challenge):
        if not seen:
            seen.append(True)
            return msg.encode()
        print("CHALLENGE", challenge.decode("utf-8", "replace"))
        return reply.encode()

    def smtp_auth(challenge=None):
        if challenge is None or not seen:
            seen.append(True)
            return msg
        print("CHALLENGE", challenge.decode("utf-8", "replace"))
        return reply

    try:
        if proto == "imap":
            m = imaplib.IMAP4(host, port, timeout=30)
            try:
                typ, data = m.authenticate(mech, imap_auth)
                print("RESULT ok")
                print("CODE", typ)
                m.logout()
            except imaplib.IMAP4.error as e:
                print("RESULT refused")
                print("CODE", str(e))
        else:
            s = smtplib.SMTP(host, port, timeout=30)
            s.ehlo("client.example.com")
            try:
                code, _ = s.auth(mech, smtp_auth, initial_response_ok=not no_ir)
                print("RESULT ok")
                print("CODE", code)
            except smtplib.SMTPAuthenticationError as e:
                print("RESULT refused")
                print("CODE", e.smtp_code)
            s.quit()
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.abort) as e:
        print("ERROR", type(e).__name__, str(e)[:200])
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
