#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end, the fleet property through real hosts: a real PostgreSQL 15
# (tests/lib/pg.sh) holds the tokens; "host A" (its own configuration and
# cache dir, the admin role's client certificate) issues and revokes;
# "host B" is a real sshd and a real sudo whose pam_apitoken.so reads
# another configuration (TCP, TLS verify-full, the host-b client
# certificate).  A token issued on A logs in on B; revoked on A, it is
# refused on B at the very next attempt.  A stopped database gives
# PAM_AUTHINFO_UNAVAIL within the timeout; under sudo, the logging-in
# user's PG* environment cannot redirect the connection.  Runs inside the
# private namespace of lib.sh.  TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
it_require /usr/sbin/sshd ssh ssh-keygen sshpass setpriv logger sudo "$IT_PY"
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"
pg_suite_require
# Host B is sshd, except in the sanitizer build: there, in sshd's forked
# PAM child with the ASan runtime preloaded, glibc's _nl_state_lock is
# found held, and libpq's first message (bindtextdomain("libpq5-15") in
# PQconnectStartParams) waits on it for ever -- the hang lib.sh describes
# for logger and imapd, outside our code.  The same cases then go through
# the real sudo, which runs the same module under ASan without that fork.
B_FE=ssh
[ -n "${ATOK_SAN_PRELOAD:-}" ] && B_FE=sudo
it_enter "$@"

IT_FE=ssh
IT_SVC=apitoken-sshd-pg
IT_SCOPE=ssh

it_test_syslog
it_pg_setup
C=$PG_DIR/certs
mkdir -m 0700 "$T/host-a" "$T/host-b"
A=$T/host-a/apitoken.conf
cat >"$A" <<EOF
[store]
backend = postgresql
conninfo = $(pg_conninfo_tcp host-a apitoken_verifier)
admin_conninfo = $(pg_conninfo_tcp admin apitoken_admin)
[cache]
dir = $T/host-a/cache
EOF
# Host B: what pam_apitoken reads (IT_CONF, as lib.sh's PAM service says).
cat >"$IT_CONF" <<EOF
[store]
backend = postgresql
conninfo = $(pg_conninfo_tcp host-b apitoken_verifier)
timeout = 1
[cache]
dir = $T/host-b/cache
EOF
chmod 0600 "$A" "$IT_CONF"

# Tokens are issued through host A.
issue_a() { IT_CONF=$A it_issue "$@"; } # VAR USER [options]
issue_a tok_good "$IT_USER" --scope ssh --name fleet || bail "issue on host A failed"
issue_a tok_other "$IT_OTHER" --scope ssh || bail "issue failed"
issue_a tok_noscope "$IT_USER" --scope imap || bail "issue failed"

it_pam_service "$IT_SVC" "scope=$IT_SCOPE"
IT_FE=$B_FE
if [ "$B_FE" = sudo ]; then
	it_sudo_setup "$IT_SVC" || bail "sudo setup failed"
	pass "sudo (host B, sanitizer build) set up"
else
	it_sshd_start_test "$IT_SVC" "sshd (host B) started on 127.0.0.1:@PORT@"
fi

# shellcheck disable=SC2154 # set by issue_a (printf -v)
IT_EXPECT_SCOPES=ssh it_expect_accepted "token issued on host A, sshd on host B" tok_good "$tok_good_id"
it_expect_refused "another user's token" tok_other "token_id=$tok_other_id"
it_expect_refused "a token without the ssh scope" tok_noscope "scope"
# the host program's name: sshd runs as the service's symlink
host_prog=$IT_SVC
[ "$B_FE" = sudo ] && host_prog=sudo
check "the PAM module's connections say so: application_name=apitoken-pam-$host_prog" \
	grep -q "application_name=apitoken-pam-$host_prog" "$PG_DIR/log/data.log"
it_secret tok_flip "$(it_flip_char "$tok_good")"
it_expect_refused "a mistyped token" tok_flip "checksum"
issue_a tok_exp "$IT_USER" --scope ssh || bail "issue failed"
# shellcheck disable=SC2154 # set by issue_a (printf -v)
pg_psql "UPDATE apitoken.tokens SET expires = 1000 WHERE id = '$tok_exp_id'"
it_expect_refused "an expired token" tok_exp "expired"
# a well-formed token (valid checksum) whose id the database does not know
it_secret tok_unknown "$(it_unknown_token)"
it_expect_refused "an unknown token" tok_unknown "no token with id"

"$IT_TOOL" --config "$A" revoke "$tok_good_id" >/dev/null 2>&1
check "revoke on host A" [ $? -eq 0 ]
it_expect_refused "revoked on host A: refused on host B at the very next login" tok_good "revoked"

# shellcheck disable=SC2317 # called through check
sshd_log_has() { tail -n "+$((IT_SSHD_LOG_MARK + 1))" "$IT_SSHD_LOG" | grep -q -F -e "$1"; }

# The database stops answering: PAM_AUTHINFO_UNAVAIL, within timeout.
issue_a tok_live "$IT_USER" --scope ssh || bail "issue failed"
pg_freeze data
it_log_mark
t0=$(date +%s%N)
it_login tok_live
ms=$((($(date +%s%N) - t0) / 1000000))
pg_thaw data
check "database stopped: login refused" it_refused
check "database stopped: decision=unavailable naming the host" \
	it_log_has "decision=unavailable" "127.0.0.1:$PG_PORT"
if [ "$B_FE" = ssh ]; then
	check "database stopped: sshd got PAM_AUTHINFO_UNAVAIL" \
		sshd_log_has "Authentication service cannot retrieve authentication info"
fi
note "login against a stopped database took $ms ms (timeout = 1 s, ssh round trips included)"
check "database stopped: the login took under 5 s ($ms ms)" [ "$ms" -lt 5000 ]
# shellcheck disable=SC2154 # set by issue_a (printf -v)
IT_EXPECT_SCOPES=ssh it_expect_accepted "database back: the same token logs in" tok_live "$tok_live_id"

# sudo on host B: the logging-in user's PG* environment reaches the PAM
# module; it must not redirect or weaken the connection.
IT_FE=sudo
it_sudo_setup "$IT_SVC" || bail "sudo setup failed"
DEAD=$(it_free_port)
mkdir -m 0755 "$T/evil"
printf '[evil]\nhost=127.0.0.1\nport=%s\n' "$DEAD" >"$T/evil/pg_service.conf"
it_log_mark
it_sudo tok_live "$IT_USER" PGHOSTADDR=127.0.0.1 PGPORT="$DEAD" PGHOST=127.0.0.1 PGSSLMODE=disable \
	PGSSLROOTCERT="$C/other-ca.crt" PGSERVICE=evil PGSYSCONFDIR="$T/evil" \
	PGSERVICEFILE="$T/evil/pg_service.conf" PGOPTIONS="-c statement_timeout=1" \
	PGTARGETSESSIONATTRS=standby PGGSSENCMODE=require PGCONNECT_TIMEOUT=1
check "sudo with PGHOSTADDR, PGPORT, PGSSLMODE, PGSERVICE... set by the user: accepted" it_accepted
check "... and logged decision=accept" it_log_has "decision=accept" "token_id=$tok_live_id"

[ "$B_FE" = ssh ] && check "sshd still running after all cases" it_sshd_alive
check "no token in any log" it_no_token_in "$T/syslog.log" "${IT_SSHD_LOG:-/dev/null}" "$PG_DIR/log/data.log"
finish
