#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end, the fleet property through a real Postfix: tokens in a real
# PostgreSQL 15 (tests/lib/pg.sh).  "Host A" (its own configuration, the
# admin role's client certificate) issues and revokes; the private Postfix
# (smtpd_sasl_type = cyrus, our plugin) is host B, connecting over TCP with
# TLS verify-full and the host-b client certificate.  smtpd processes are
# reused by Postfix, so the plugin's pooled connection is exercised: a
# revocation on A is refused by the same smtpd at the next AUTH; a stopped
# database answers 454 within the timeout.  Runs inside the private
# namespace of tests/integration/lib.sh.  TAP.
# shellcheck source=tests/sasl/e2e_common.sh
. "$(dirname "$(readlink -f "$0")")/e2e_common.sh"
# shellcheck source=tests/lib/postfix.sh
. "$top_srcdir/tests/lib/postfix.sh"
it_require /usr/sbin/postfix /usr/lib/postfix/sbin/smtpd logger "$IT_PY"
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"
pg_suite_require
it_enter "$@"

E2E_SCOPE=smtp
PF=$T/postfix
trap 'e2e_cleanup postfix_stop_all' EXIT # it_pg_setup adds pg_teardown

smtpd_pids() { pgrep -d ' ' -x smtpd; }

# ------------------------------------------------------------------ setup
it_test_syslog
it_pg_setup
C=$PG_DIR/certs
A=$T/host-a.conf
printf '[store]\nbackend = postgresql\nconninfo = %s\nadmin_conninfo = %s\n' \
	"$(pg_conninfo_tcp host-a apitoken_verifier)" "$(pg_conninfo_tcp admin apitoken_admin)" >"$A"
chmod 0600 "$A"
# Host B: Postfix's smtpd runs as postfix; its key is root's, group postfix.
d=$T/apitoken
mkdir -m 0750 "$d" "$d/cache"
cp "$C/host-b.key" "$d/host-b.key"
chmod 0640 "$d/host-b.key"
chgrp postfix "$d" "$d/host-b.key"
chmod a+r "$C/host-b.crt" "$PG_CA"
chmod o+x "$C"
E2E_CONF=$d/apitoken.conf
printf '[store]\nbackend = postgresql\nconninfo = %s\ntimeout = 1\n[cache]\ndir = %s/cache\n' \
	"$(pg_conninfo_tcp host-b apitoken_verifier "" "$d")" "$d" >"$E2E_CONF"
chown postfix "$E2E_CONF" "$d/cache"
chmod 0600 "$E2E_CONF"
issue_a() { # VAR USER [options]
	local var=$1 user=$2
	shift 2
	e2e_issue "$var" "$IT_TOOL" --config "$A" issue --user "$user" "$@"
}
issue_a tok_good "$IT_USER" --scope smtp || bail "issue failed"
issue_a tok_noscope "$IT_USER" --scope imap || bail "issue failed"
issue_a tok_other "$IT_OTHER" --scope smtp || bail "issue failed"
e2e_plugin_dir
# One smtpd process at most: every AUTH below meets the same plugin
# instance and its pooled PostgreSQL connection.
if ! postfix_setup "$PF" e2e-postfix smtp.example.com "$E2E_PLUGDIR" ||
	! postfix_smtpd "$PF" SMTP_PORT "$E2E_CONF" "$E2E_SCOPE" smtpd 1; then
	bail "cannot set up postfix"
fi
postfix_start_test "private Postfix started, smtpd on 127.0.0.1:$SMTP_PORT" "$PF"

# ------------------------------------------------------------------ cases
py_smtp tok_good OAUTHBEARER
check "token issued on host A: OAUTHBEARER on host B's Postfix: 235" out_has "CODE 235"
pid1=$(smtpd_pids)
py_smtp tok_good XOAUTH2
check "XOAUTH2, same token: 235" out_has "CODE 235"
check "the same smtpd process served both (pooled connection)" [ "$(smtpd_pids)" = "$pid1" ]
conns=$(pg_psql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'apitoken_verifier' AND application_name = 'apitoken-sasl-smtpd'")
check "smtpd holds one connection to the database ($conns)" [ "$conns" = 1 ]
py_smtp tok_noscope OAUTHBEARER
check "a token without scope smtp: 535 after insufficient_scope" \
	eval 'out_has "CODE 535" && out_has insufficient_scope'
py_smtp tok_other OAUTHBEARER
check "another user's token: 535" out_has "CODE 535"
issue_a tok_exp "$IT_USER" --scope smtp || bail "issue failed"
# shellcheck disable=SC2154 # set by issue_a (printf -v)
pg_psql "UPDATE apitoken.tokens SET expires = 1000 WHERE id = '$tok_exp_id'"
it_log_mark
py_smtp tok_exp OAUTHBEARER
check "an expired token: 535" out_has "CODE 535"
check "  syslog: decision=reject, expired" it_log_has "decision=reject" "token_id=$tok_exp_id" "expired"
it_secret tok_unknown "$("$IT_PY" -c '
import zlib
s = "apt_ZZZZZZZZZZZZ_" + "B" * 43
v = zlib.crc32(s.encode()); b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; o = ""
for _ in range(6):
    o = b[v % 62] + o; v //= 62
print(s + o)')"
it_log_mark
py_smtp tok_unknown OAUTHBEARER
check "an unknown token: 535" out_has "CODE 535"
check "  syslog: decision=reject, no such token" it_log_has "decision=reject" "no token with id"

"$IT_TOOL" --config "$A" revoke "$tok_good_id" >/dev/null 2>&1
check "revoke on host A" [ $? -eq 0 ]
it_log_mark
py_smtp tok_good OAUTHBEARER
check "revoked on host A: refused by the same smtpd at the next AUTH (535)" out_has "CODE 535"
check "  syslog: decision=reject, revoked" it_log_has "decision=reject" "revoked"
check "  still the same smtpd process" [ "$(smtpd_pids)" = "$pid1" ]

issue_a tok_live "$IT_USER" --scope smtp || bail "issue failed"
pg_freeze data
it_log_mark
t0=$(date +%s%N)
py_smtp tok_live OAUTHBEARER
ms=$((($(date +%s%N) - t0) / 1000000))
pg_thaw data
check "database stopped: 454 temporary failure" out_has "CODE 454"
check "  syslog: decision=unavailable naming the host" \
	it_log_has "decision=unavailable" "127.0.0.1:$PG_PORT"
note "AUTH against a stopped database took $ms ms (timeout = 1 s)"
check "  within timeout + 0.5 s and the SMTP exchange ($ms ms < 2500)" [ "$ms" -lt 2500 ]
py_smtp tok_live OAUTHBEARER
check "database back: 235 again (the dropped connection is remade)" out_has "CODE 235"

pg_stop data fast
py_smtp tok_live OAUTHBEARER
check "database shut down: 454" out_has "CODE 454"
pg_start data
py_smtp tok_live OAUTHBEARER
check "database restarted: 235" out_has "CODE 235"

check "no token in any log" it_no_token_in "$T/syslog.log" "$PG_DIR/log/data.log"
finish
