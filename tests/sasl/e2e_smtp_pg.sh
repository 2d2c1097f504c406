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
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/../integration/lib.sh"
IT_DIR_SASL=$(dirname "$IT_SELF")
IT_DIR=$(cd "$IT_DIR_SASL/../integration" && pwd)
# shellcheck source=tests/sasl/e2e_common.sh
. "$IT_DIR_SASL/e2e_common.sh"
it_require /usr/sbin/postfix /usr/lib/postfix/sbin/smtpd logger "$IT_PY"
if ! grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/ac_config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libpq"
	exit 0
fi
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"
if ! pg_available; then
	echo "1..0 # SKIP needs the postgres user and postgresql-15"
	exit 0
fi
it_enter "$@"

E2E_SCOPE=smtp
PF=$T/postfix
PF_STARTED=

cleanup() {
	[ -n "$PF_STARTED" ] && postfix -c "$PF" stop >/dev/null 2>&1
	pg_teardown
	it_inner_cleanup
}
trap 'cleanup' EXIT

port_open() {
	"$IT_PY" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1" 2>/dev/null
}

postfix_start() {
	mkdir -m 0755 "$PF" "$PF/sasl" "$PF/queue" "$PF/data" || return 1
	chown postfix "$PF/data"
	SMTP_PORT=$(it_free_port)
	printf '%s\n' \
		"compatibility_level = 3.6" \
		"queue_directory = $PF/queue" \
		"data_directory = $PF/data" \
		"mail_owner = postfix" \
		"setgid_group = postdrop" \
		"myhostname = smtp.example.com" \
		"mydestination =" \
		"inet_interfaces = 127.0.0.1" \
		"inet_protocols = ipv4" \
		"maillog_file =" \
		"syslog_name = e2e-postfix" \
		"import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C SASL_PATH=$E2E_PLUGDIR${IT_HOST[*]:+ LD_PRELOAD=$ATOK_SAN_PRELOAD ASAN_OPTIONS=$ATOK_HOST_ASAN UBSAN_OPTIONS=$UBSAN_OPTIONS}" \
		"smtpd_sasl_auth_enable = yes" \
		"smtpd_sasl_type = cyrus" \
		"smtpd_sasl_path = smtpd" \
		"cyrus_sasl_config_path = $PF/sasl" \
		"smtpd_sasl_security_options = noanonymous" \
		"smtpd_tls_security_level = none" \
		"smtpd_relay_restrictions = permit_sasl_authenticated, reject" \
		>"$PF/main.cf"
	# One smtpd process at most: every AUTH below meets the same plugin
	# instance and its pooled PostgreSQL connection.
	printf '%s\n' \
		"127.0.0.1:$SMTP_PORT inet n - n - 1 smtpd" \
		"cleanup   unix n - n - 0 cleanup" \
		"qmgr      unix n - n 300 1 qmgr" \
		"rewrite   unix - - n - - trivial-rewrite" \
		"bounce    unix - - n - 0 bounce" \
		"defer     unix - - n - 0 bounce" \
		"trace     unix - - n - 0 bounce" \
		"verify    unix - - n - 1 verify" \
		"proxymap  unix - - n - - proxymap" \
		"anvil     unix - - n - 1 anvil" \
		"scache    unix - - n - 1 scache" \
		"postlog   unix-dgram n - n - 1 postlogd" \
		>"$PF/master.cf"
	printf '%s\n' \
		"mech_list: OAUTHBEARER XOAUTH2" \
		"apitoken_config: $E2E_CONF" \
		"apitoken_scope: $E2E_SCOPE" >"$PF/sasl/smtpd.conf"
	postfix -c "$PF" check >"$T/postfix-check.log" 2>&1
	postfix -c "$PF" start >"$T/postfix-start.log" 2>&1 || return 1
	PF_STARTED=1
	for _ in $(seq 100); do
		port_open "$SMTP_PORT" && return 0
		sleep 0.1
	done
	return 1
}

py_smtp() { # VAR MECH
	e2e_py e2e_client.py smtp 127.0.0.1 "$SMTP_PORT" "$2" "$IT_USER" "$T/secrets/$1" ""
}
out_has() { printf '%s\n' "$E2E_OUT" | grep -q -F -e "$1"; }
smtpd_pids() { pgrep -d ' ' -x smtpd; }

# ------------------------------------------------------------------ setup
it_test_syslog
# PostgreSQL's shared memory: the private /dev's tmpfs is 1 MB.
mount -t tmpfs -o mode=1777,size=64m apitok-it-shm /dev/shm || bail "no /dev/shm"
if pg_setup "$T/pg" "$IT_TOOL"; then
	pass "PostgreSQL 15 started on 127.0.0.1:$PG_PORT (TLS), schema migrated"
else
	fail "PostgreSQL 15 started"
	bail "no PostgreSQL"
fi
C=$PG_DIR/certs
tcp() { # CERT ROLE [KEYDIR]
	printf 'host=127.0.0.1 port=%s dbname=apitoken user=%s sslmode=verify-full sslrootcert=%s sslcert=%s/%s.crt sslkey=%s/%s.key' \
		"$PG_PORT" "$2" "$PG_CA" "$C" "$1" "${3:-$C}" "$1"
}
A=$T/host-a.conf
printf '[store]\nbackend = postgresql\nconninfo = %s\nadmin_conninfo = %s\n' \
	"$(tcp host-a apitoken_verifier)" "$(tcp admin apitoken_admin)" >"$A"
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
	"$(tcp host-b apitoken_verifier "$d")" "$d" >"$E2E_CONF"
chown postfix "$E2E_CONF" "$d/cache"
chmod 0600 "$E2E_CONF"
issue_a() { # VAR USER [options]
	local var=$1 user=$2 tok
	shift 2
	tok=$("$IT_TOOL" --config "$A" issue --user "$user" "$@" 2>"$T/issue.err") || {
		it_mask <"$T/issue.err"
		return 1
	}
	it_secret "$var" "$tok"
	printf -v "${var}_id" '%s' "${tok:4:12}"
}
issue_a tok_good "$IT_USER" --scope smtp || bail "issue failed"
issue_a tok_noscope "$IT_USER" --scope imap || bail "issue failed"
issue_a tok_other "$IT_OTHER" --scope smtp || bail "issue failed"
e2e_plugin_dir
if postfix_start; then
	pass "private Postfix started, smtpd on 127.0.0.1:$SMTP_PORT"
else
	fail "private Postfix started"
	it_mask <"$T/postfix-start.log"
	it_mask <"$T/postfix-check.log"
	bail "cannot start postfix"
fi

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
pg_freeze
it_log_mark
t0=$(date +%s%N)
py_smtp tok_live OAUTHBEARER
ms=$((($(date +%s%N) - t0) / 1000000))
pg_thaw
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
