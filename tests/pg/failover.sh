#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/pg/failover.sh - the PostgreSQL store with a streaming standby
# (pg_basebackup) behind a multi-host conninfo: reads go to the primary
# only; a synchronous standby confirms a revocation before `revoke`
# returns, or the command says plainly that confirmation is pending; with
# the primary killed, a login is UNAVAILABLE (never served by a standby)
# until the standby is promoted, then logins continue.  TAP; root.
set -u

: "${top_builddir:=.}" "${top_srcdir:=.}"
APITOKEN="$top_builddir/tools/apitoken"
. "$top_srcdir/tests/lib/pg.sh"

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed -e 's/\(apt_[A-Za-z0-9]\{12\}_\)[A-Za-z0-9]*/\1<secret>/g' -e 's/^/#   /'
	done
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}

if ! grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/ac_config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libpq"
	exit 0
fi
if ! pg_available; then
	echo "1..0 # SKIP needs root, the postgres user and postgresql-15"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-pgha.XXXXXX") || exit 1
cleanup() {
	pg_teardown
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 022

if pg_setup "$T/pg" "$APITOKEN" && pg_standby; then
	pass "primary on 127.0.0.1:$PG_PORT, streaming standby on 127.0.0.1:$PG_PORT2"
else
	fail "primary and streaming standby start"
	finish
fi
C=$PG_DIR/certs

run() {
	local input=$1 t0
	shift
	t0=$(date +%s%N)
	printf '%s' "$input" | "$APITOKEN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
expect() {
	local d=$1 want=$2 re=$3
	if [ "$rc" != "$want" ]; then
		fail "$d" "exit status $rc, want $want" "stdout: $out" "stderr: $err"
	elif [ -n "$re" ] && ! printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$re"; then
		fail "$d" "output does not match /$re/" "stdout: $out" "stderr: $err"
	else
		pass "$d"
	fi
}
t() {
	local d=$1 in=$2 want=$3 re=$4
	shift 4
	run "$in" "$@"
	expect "$d" "$want" "$re"
}
on_standby() { PG_PSQL_PORT=$PG_PORT2 pg_psql "$1"; }

# The documented HA setup: both hosts, target_session_attrs=read-write.
multi() { # CERT ROLE
	printf 'host=127.0.0.1,127.0.0.1 port=%s,%s dbname=apitoken user=%s sslmode=verify-full sslrootcert=%s sslcert=%s/%s.crt sslkey=%s/%s.key target_session_attrs=read-write' \
		"$PG_PORT" "$PG_PORT2" "$2" "$PG_CA" "$C" "$1" "$C" "$1"
}
H=$T/host.conf
printf '[store]\nbackend = postgresql\ntimeout = 2\nconninfo = %s\nadmin_conninfo = %s\n' \
	"$(multi host-a apitoken_verifier)" "$(multi admin apitoken_admin)" >"$H"
chmod 0600 "$H"

run "" --config "$H" issue --user alice --scope ssh
tok=$out
id=${tok:4:12}
expect "issue through the multi-host conninfo" 0 ""
t "verify: accepted" "$tok" 0 "" --config "$H" verify --user alice --scope ssh

# --- a synchronous standby -------------------------------------------------
pg_psql "ALTER SYSTEM SET synchronous_standby_names = '*'" && pg_psql "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 50); do
	[ "$(pg_psql "SELECT sync_state FROM pg_stat_replication")" = sync ] && break
	sleep 0.1
done
run "" --config "$H" issue --user bob --scope ssh
tok_bob=$out
id_bob=${tok_bob:4:12}
t "revoke with a synchronous standby: done, nothing pending" "" 0 "is revoked" --config "$H" revoke "$id_bob"
if printf '%s' "$err" | grep -q pending; then fail "no pending note" "$err"; else pass "... no 'pending' note"; fi
o=$(on_standby "SELECT revoked > 0 FROM apitoken.tokens WHERE id = '$id_bob'")
[ "$o" = t ] && pass "... and the standby has already applied it (remote_apply)" || fail "standby applied the revocation" "$o"

# The synchronous standby named is not there: the wait is bounded.
pg_psql "ALTER SYSTEM SET synchronous_standby_names = 'nosuchstandby'" && pg_psql "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
t "revoke with an absent synchronous standby: exit 0, says confirmation is pending" "" 0 \
	"confirmation is still pending" --config "$H" revoke "$id"
printf '%s\n' "$err" | sed 's/^/# /'
if [ "$ms" -lt 5000 ]; then pass "... within the bounded wait ($ms ms, timeout 2 s)"; else fail "bounded wait" "$ms ms"; fi
t "... and the revocation is effective on the primary at the next login" "$tok" 1 "revoked" \
	--config "$H" verify --user alice --scope ssh
pg_psql "ALTER SYSTEM RESET synchronous_standby_names" && pg_psql "SELECT pg_reload_conf()" >/dev/null

# --- failover ----------------------------------------------------------------
run "" --config "$H" issue --user dave --scope ssh
tok_dave=$out
id_dave=${tok_dave:4:12}
for _ in $(seq 50); do
	[ "$(on_standby "SELECT count(*) FROM apitoken.tokens WHERE id = '$id_dave'")" = 1 ] && break
	sleep 0.1
done
t "before failover: accepted" "$tok_dave" 0 "" --config "$H" verify --user dave --scope ssh
pg_stop data immediate
t "primary killed, standby not promoted: unavailable, never read from the standby" "$tok_dave" 2 \
	"read-only|refused" --config "$H" verify --user dave --scope ssh
printf '%s\n' "$out" | grep reason | sed 's/^/# /'
pg_promote
for _ in $(seq 50); do
	[ "$(on_standby "SELECT pg_is_in_recovery()")" = f ] && break
	sleep 0.1
done
t "standby promoted: logins continue through the multi-host conninfo" "$tok_dave" 0 "" \
	--config "$H" verify --user dave --scope ssh
t "check-config names the new primary" "" 0 "postgresql 127\.0\.0\.1:$PG_PORT2 .*role apitoken_verifier" \
	--config "$H" check-config
run "" --config "$H" issue --user erin --scope ssh
tok_erin=$out

# The old primary's address black-holed (connections accepted, never
# answered): each host gets its share of the budget, so the promoted
# standby, second in the list, still serves within the timeout.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
open(sys.argv[2], "w").write("1")
time.sleep(120)' "$PG_PORT" "$T/hole.ready" &
hole=$!
for _ in $(seq 50); do [ -s "$T/hole.ready" ] && break; sleep 0.1; done
t "first host black-holed: the second host serves the login" "$tok_erin" 0 "" --config "$H" verify --user erin --scope ssh
if [ "$ms" -lt 2500 ]; then pass "... within the timeout ($ms ms, timeout 2 s)"; else fail "black-holed first host within the timeout" "$ms ms"; fi
kill "$hole" 2>/dev/null
wait "$hole" 2>/dev/null
t "revoke on the new primary" "" 0 "is revoked" --config "$H" revoke "$id_dave"
t "... refused at the next login" "$tok_dave" 1 "revoked" --config "$H" verify --user dave --scope ssh

finish
