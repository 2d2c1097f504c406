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
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"

if pg_suite_setup apitoken-pgha "$APITOKEN" && pg_standby; then
	pass "primary on 127.0.0.1:$PG_PORT, streaming standby on 127.0.0.1:$PG_PORT2"
else
	fail "primary and streaming standby start"
	finish
fi
C=$PG_DIR/certs

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

pg_run "" --config "$H" issue --user alice --scope ssh
tok=$out
id=${tok:4:12}
pg_expect "issue through the multi-host conninfo" 0 ""
pg_t "verify: accepted" "$tok" 0 "" --config "$H" verify --user alice --scope ssh

# --- a synchronous standby -------------------------------------------------
pg_psql "ALTER SYSTEM SET synchronous_standby_names = '*'" && pg_psql "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 50); do
	[ "$(pg_psql "SELECT sync_state FROM pg_stat_replication")" = sync ] && break
	sleep 0.1
done
pg_run "" --config "$H" issue --user bob --scope ssh
tok_bob=$out
id_bob=${tok_bob:4:12}
pg_t "revoke with a synchronous standby: done, nothing pending" "" 0 "is revoked" --config "$H" revoke "$id_bob"
if printf '%s' "$err" | grep -q pending; then fail "no pending note" "$err"; else pass "... no 'pending' note"; fi
o=$(on_standby "SELECT revoked > 0 FROM apitoken.tokens WHERE id = '$id_bob'")
if [ "$o" = t ]; then
	pass "... and the standby has already applied it (remote_apply)"
else
	fail "standby applied the revocation" "$o"
fi

# The synchronous standby named is not there: the wait is bounded.
pg_psql "ALTER SYSTEM SET synchronous_standby_names = 'nosuchstandby'" && pg_psql "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
pg_t "revoke with an absent synchronous standby: exit 0, says confirmation is pending" "" 0 \
	"confirmation is still pending" --config "$H" revoke "$id"
printf '%s\n' "$err" | diag
if [ "$ms" -lt 5000 ]; then pass "... within the bounded wait ($ms ms, timeout 2 s)"; else fail "bounded wait" "$ms ms"; fi
pg_t "... and the revocation is effective on the primary at the next login" "$tok" 1 "revoked" \
	--config "$H" verify --user alice --scope ssh
pg_psql "ALTER SYSTEM RESET synchronous_standby_names" && pg_psql "SELECT pg_reload_conf()" >/dev/null

# --- failover ----------------------------------------------------------------
pg_run "" --config "$H" issue --user dave --scope ssh
tok_dave=$out
id_dave=${tok_dave:4:12}
for _ in $(seq 50); do
	[ "$(on_standby "SELECT count(*) FROM apitoken.tokens WHERE id = '$id_dave'")" = 1 ] && break
	sleep 0.1
done
pg_t "before failover: accepted" "$tok_dave" 0 "" --config "$H" verify --user dave --scope ssh
pg_stop data immediate
pg_t "primary killed, standby not promoted: unavailable, never read from the standby" "$tok_dave" 2 \
	"read-only|refused" --config "$H" verify --user dave --scope ssh
printf '%s\n' "$out" | grep reason | diag
pg_promote
for _ in $(seq 50); do
	[ "$(on_standby "SELECT pg_is_in_recovery()")" = f ] && break
	sleep 0.1
done
pg_t "standby promoted: logins continue through the multi-host conninfo" "$tok_dave" 0 "" \
	--config "$H" verify --user dave --scope ssh
pg_t "check-config names the new primary" "" 0 "postgresql 127\.0\.0\.1:$PG_PORT2 .*role apitoken_verifier" \
	--config "$H" check-config
pg_run "" --config "$H" issue --user erin --scope ssh
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
# shellcheck disable=SC2317 # called by the EXIT trap (PG_SUITE_CLEANUP)
stop_hole() { kill "$hole" 2>/dev/null; }
PG_SUITE_CLEANUP=stop_hole # killed at exit too, should a check abort the suite
for _ in $(seq 50); do [ -s "$T/hole.ready" ] && break; sleep 0.1; done
pg_t "first host black-holed: the second host serves the login" "$tok_erin" 0 "" --config "$H" verify --user erin --scope ssh
if [ "$ms" -lt 2500 ]; then pass "... within the timeout ($ms ms, timeout 2 s)"; else fail "black-holed first host within the timeout" "$ms ms"; fi
kill "$hole" 2>/dev/null
wait "$hole" 2>/dev/null
pg_t "revoke on the new primary" "" 0 "is revoked" --config "$H" revoke "$id_dave"
pg_t "... refused at the next login" "$tok_dave" 1 "revoked" --config "$H" verify --user dave --scope ssh

finish
