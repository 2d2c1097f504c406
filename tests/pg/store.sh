#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/pg/store.sh - the PostgreSQL token store against a real
# PostgreSQL 15 (tests/lib/pg.sh): two host configurations sharing one
# database (the fleet property) through `apitoken`, verdicts, least
# privilege, conninfo validation, the PG* environment, schema versions,
# `store copy`, and faults (refused port, stopped server, wrong CA).
# Prints TAP.  Needs root (the server runs as postgres).
set -u

: "${top_builddir:=.}" "${top_srcdir:=.}"
APITOKEN="$top_builddir/tools/apitoken"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"

if ! pg_suite_setup apitoken-pg "$APITOKEN"; then
	fail "PostgreSQL 15 starts with the apitoken schema"
	finish
fi
pass "PostgreSQL 15 starts, roles created, schema migrated"
C=$PG_DIR/certs

# tcp_conninfo CERTNAME [CA]: verify-full over TCP with a client
# certificate, as the admin role for CN admin, else as the verifier role.
tcp_conninfo() {
	local role=apitoken_verifier
	[ "$1" = admin ] && role=apitoken_admin
	pg_conninfo_tcp "$1" "$role" "${2:-}"
}
# mkconf FILE CONNINFO [ADMIN_CONNINFO] [EXTRA LINES]
mkconf() {
	{
		printf '[store]\nbackend = postgresql\ntimeout = 2\nconninfo = %s\n' "$2"
		[ -n "${3:-}" ] && printf 'admin_conninfo = %s\n' "$3"
		[ -n "${4:-}" ] && printf '%s\n' "$4"
	} >"$1"
	chmod 0600 "$1"
}

# Two hosts: separate configuration files and cache dirs, one database.
mkdir -p "$T/host-a" "$T/host-b"
A=$T/host-a/apitoken.conf
B=$T/host-b/apitoken.conf
mkconf "$A" "$(tcp_conninfo host-a)" "$(tcp_conninfo admin)" "[cache]
dir = $T/host-a/cache"
mkconf "$B" "$(tcp_conninfo host-b)" "" "[cache]
dir = $T/host-b/cache"
# A host on the Unix socket (peer authentication).
S=$T/sock.conf
mkconf "$S" "$(pg_conninfo_sock apitoken_verifier)" "$(pg_conninfo_sock apitoken_admin)"

# --- check-config ------------------------------------------------------------
pg_t "check-config (host B, TCP, TLS, client certificate) reports server, role, schema" \
	"" 0 "postgresql 127\.0\.0\.1:$PG_PORT \(server 15[.0-9]*\), role apitoken_verifier, schema 1, may: lookup record-use$" \
	--config "$B" check-config
pg_t "check-config (Unix socket, peer) reports the verifier's privileges" \
	"" 0 "role apitoken_verifier, schema 1, may: lookup record-use$" --config "$S" check-config

# --- the fleet property ------------------------------------------------------
pg_run "" --config "$A" issue --user alice --scope ssh --scope imap --name fleet
tok=$out
if [[ $tok =~ ^apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$ ]]; then
	pass "issue through host A"
else
	fail "issue through host A" "rc $rc" "stdout: $out" "stderr: $err"
fi
id=${tok:4:12}
pg_t "the token verifies on host B (accepted, exit 0)" "$tok" 0 '"result": *"accept"' \
	--config "$B" verify --user alice --scope ssh --json
pg_t "... and on the Unix-socket host" "$tok" 0 "" --config "$S" verify --user alice --scope imap
pg_t "list through host A shows it" "" 0 "$id" --config "$A" list
pg_t "revoke through host A" "" 0 "" --config "$A" revoke "$id"
pg_t "host B refuses it at the very next attempt (revoked, exit 1)" "$tok" 1 'revoked' \
	--config "$B" verify --user alice --scope ssh --json

# --- verdicts ----------------------------------------------------------------
pg_run "" --config "$A" issue --user bob --scope ssh
tok_bob=$out
id_bob=${tok_bob:4:12}
pg_t "valid token: accepted" "$tok_bob" 0 '"result": *"accept"' --config "$B" verify --user bob --scope ssh --json
pg_t "other user's token: rejected" "$tok_bob" 1 'user' --config "$B" verify --user alice --scope ssh --json
pg_t "out-of-scope token: rejected" "$tok_bob" 1 'scope' --config "$B" verify --user bob --scope imap --json
# the same id with another secret (checksum valid): the secret decides
forged=$(/usr/bin/python3 -c '
import sys, zlib
s = sys.argv[1][:17] + "A" * 43
v = zlib.crc32(s.encode()); b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; o = ""
for _ in range(6):
    o = b[v % 62] + o; v //= 62
print(s + o)' "$tok_bob")
pg_t "known id, wrong secret: rejected" "$forged" 1 'secret does not match' --config "$B" verify --user bob --json
unknown=$(/usr/bin/python3 -c '
import sys, zlib
s = "apt_ZZZZZZZZZZZZ_" + "B" * 43
v = zlib.crc32(s.encode()); b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; o = ""
for _ in range(6):
    o = b[v % 62] + o; v //= 62
print(s + o)')
pg_t "unknown token: rejected" "$unknown" 1 'no token with id' --config "$B" verify --user bob --json
pg_psql "UPDATE apitoken.tokens SET expires = 1000 WHERE id = '$id_bob'"
pg_t "expired token: rejected" "$tok_bob" 1 'expired' --config "$B" verify --user bob --json
pg_run "" --config "$A" issue --user carol --scope ssh
tok_carol=$out
id_carol=${tok_carol:4:12}
pg_run "" --config "$A" rotate "$id_carol"
tok_carol2=$(printf '%s\n' "$out" | grep -Eo 'apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}' | head -n 1)
pg_t "rotate through host A: the old token is refused on B" "$tok_carol" 1 'revoked' --config "$B" verify --user carol
pg_t "... and the new one accepted on B" "$tok_carol2" 0 "" --config "$B" verify --user carol --scope ssh

# --- lifecycle columns: source-address limits, last use from where, grace --------
pg_run "" --config "$A" issue --user gina --scope ssh --from 10.0.0.0/8
tok_gina=$out
id_gina=${tok_gina:4:12}
pg_t "a source-limited token: accepted from inside its network" "$tok_gina" 0 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 10.1.2.3
pg_t "... refused from outside it" "$tok_gina" 1 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 192.0.2.1
o=$(pg_psql "SELECT allowed_from || ' ' || last_used_from FROM apitoken.tokens WHERE id = '$id_gina'")
if [ "$o" = "10.0.0.0/8 10.1.2.3" ]; then
	pass "allowed_from stored, last_used_from recorded by the verifier role"
else
	fail "allowed_from and last_used_from" "$o"
fi
pg_run "" --config "$A" rotate "$id_gina" --grace 1h
tok_gina2=$(printf '%s\n' "$out" | grep -Eo 'apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}' | head -n 1)
pg_expect "rotate with a grace period" 0 "keeps working until"
pg_t "... the old token keeps working during the grace period" "$tok_gina" 0 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 10.1.2.3
pg_t "... and so does the new one" "$tok_gina2" 0 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 10.1.2.3
pg_t "... the old one cannot be rotated again" "" 1 "already rotated" --config "$A" rotate "$id_gina"
o=$(pg_psql "SELECT rotated_to FROM apitoken.tokens WHERE id = '$id_gina'")
if [ "$o" = "${tok_gina2:4:12}" ]; then
	pass "rotated_to names the successor"
else
	fail "rotated_to" "$o"
fi

# --- last_used: written once per interval --------------------------------------
pg_run "" --config "$A" issue --user dave
tok_dave=$out
id_dave=${tok_dave:4:12}
pg_run "$tok_dave" --config "$B" verify --user dave
lu1=$(pg_psql "SELECT last_used FROM apitoken.tokens WHERE id = '$id_dave'")
pg_psql "UPDATE apitoken.tokens SET last_used = 1234 WHERE id = '$id_dave'"
pg_psql "UPDATE apitoken.tokens SET last_used = extract(epoch from now())::bigint - 10 WHERE id = '$id_dave'"
lu2=$(pg_psql "SELECT last_used FROM apitoken.tokens WHERE id = '$id_dave'")
pg_run "$tok_dave" --config "$B" verify --user dave
lu3=$(pg_psql "SELECT last_used FROM apitoken.tokens WHERE id = '$id_dave'")
if [ "$lu1" -gt 1000000000 ] && [ "$lu3" = "$lu2" ]; then
	pass "last_used recorded at the first use, not rewritten within last_used_interval"
else
	fail "last_used recorded once per interval" "after first use $lu1, set $lu2, after second $lu3"
fi

# --- least privilege -----------------------------------------------------------
as_verifier() {
	psql -X -q -tA -h "$PG_SOCK" -p "$PG_PORT" -d apitoken -U apitoken_verifier -c "$1" 2>&1
}
as_admin() { psql -X -q -tA -h "$PG_SOCK" -p "$PG_PORT" -d apitoken -U apitoken_admin -c "$1" 2>&1; }
for sql in "SELECT * FROM apitoken.tokens" \
	"SELECT count(*) FROM apitoken.tokens" \
	"UPDATE apitoken.tokens SET revoked = 0" \
	"DELETE FROM apitoken.tokens" \
	"INSERT INTO apitoken.tokens (id, user_name, hash, created) VALUES ('x', 'x', '\\x00', 0)" \
	"SELECT * FROM apitoken.meta" \
	"CREATE TABLE apitoken.evil (x int)"; do
	o=$(as_verifier "$sql")
	if printf '%s' "$o" | grep -q 'permission denied'; then
		pass "verifier role may not: $sql"
	else
		fail "verifier role may not: $sql" "$o"
	fi
done
o=$(as_verifier "SELECT user_name FROM apitoken.lookup_token('$id_dave')")
if [ "$o" = dave ]; then
	pass "verifier role may look up one token by id"
else
	fail "verifier lookup" "$o"
fi
o=$(as_admin "DELETE FROM apitoken.tokens WHERE id = '$id_dave'")
if printf '%s' "$o" | grep -q 'permission denied'; then pass "admin role may not DELETE"; else fail "admin role may not DELETE" "$o"; fi
o=$(as_admin "UPDATE apitoken.tokens SET hash = '\\x00' WHERE id = '$id_dave'")
if printf '%s' "$o" | grep -q 'permission denied'; then pass "admin role may not rewrite a hash"; else fail "admin may not rewrite a hash" "$o"; fi
o=$(pg_psql "SELECT rolconnlimit, array_to_string(s.setconfig, ',') FROM pg_roles r LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid WHERE rolname = 'apitoken_verifier'")
if printf '%s' "$o" | grep -Eq '^200\|.*statement_timeout=2s'; then
	pass "verifier role has a connection limit and a statement timeout"
else
	fail "verifier role limits" "$o"
fi
o=$(pg_psql "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'apitoken' AND prosecdef AND array_to_string(proconfig, ',') LIKE 'search_path=pg_catalog, pg_temp' AND NOT has_function_privilege('public', p.oid, 'EXECUTE')")
if [ "$o" = 2 ]; then
	pass "two SECURITY DEFINER functions, fixed search_path, no EXECUTE for PUBLIC"
else
	fail "SECURITY DEFINER functions" "$o"
fi
# A stolen host credential through the command: no list, issue or revoke.
V=$T/stolen.conf
mkconf "$V" "$(tcp_conninfo host-a)" "$(tcp_conninfo host-a)"
pg_t "a host's credential cannot list tokens" "" 2 'permission denied' --config "$V" list
pg_t "a host's credential cannot issue tokens" "" 2 'permission denied' --config "$V" issue --user mallory
pg_t "a host's credential cannot revoke tokens" "" 2 'permission denied' --config "$V" revoke "$id_dave"
o=$(pg_psql "SELECT revoked FROM apitoken.tokens WHERE id = '$id_dave'")
if [ "$o" = 0 ]; then
	pass "... and the token is still valid"
else
	fail "token untouched" "$o"
fi

# --- conninfo validation -------------------------------------------------------
badconf() { # DESC CONNINFO REGEX [EXTRA]
	mkconf "$T/bad.conf" "$2" "" "${4:-}"
	pg_t "$1" "$tok_dave" 2 "$3" --config "$T/bad.conf" verify --user dave
}
badconf "password= refused" "$(pg_conninfo_sock apitoken_verifier) password=secret" 'password= is not allowed'
badconf "a password in a URI refused" "postgresql://apitoken_verifier:secret@/apitoken?host=$PG_SOCK&port=$PG_PORT" 'password= is not allowed'
badconf "an unknown keyword refused (libpq's parser)" "$(pg_conninfo_sock apitoken_verifier) load_balance_hosts=random" 'invalid connection option'
badconf "service= refused" "$(pg_conninfo_sock apitoken_verifier) service=x" 'service= is not allowed'
badconf "TCP without sslmode=verify-full refused" \
	"host=127.0.0.1 port=$PG_PORT dbname=apitoken user=apitoken_verifier sslmode=require" 'verify-full'
badconf "TCP verify-full without sslrootcert refused" \
	"host=127.0.0.1 port=$PG_PORT dbname=apitoken user=apitoken_verifier sslmode=verify-full" 'sslrootcert'
badconf "target_session_attrs=any refused (a standby serves revoked rows)" \
	"$(pg_conninfo_sock apitoken_verifier) target_session_attrs=prefer-standby" 'read-write'
badconf "host= must be given" "dbname=apitoken user=apitoken_verifier" 'must name host='
badconf "an unparsable conninfo refused" "host='unterminated" 'conninfo'
printf 'localhost:*:*:*:x\n' >"$T/passfile"
chmod 0644 "$T/passfile"
badconf "a world-readable passfile is a configuration error" \
	"$(pg_conninfo_sock apitoken_verifier) passfile=$T/passfile" 'world-readable'
chmod 0600 "$T/passfile"
mkconf "$T/ok.conf" "$(pg_conninfo_sock apitoken_verifier) passfile=$T/passfile"
pg_t "a private passfile is fine" "$tok_dave" 0 "" --config "$T/ok.conf" verify --user dave
mkconf "$T/insecure.conf" "host=127.0.0.1 port=$PG_PORT dbname=apitoken user=apitoken_verifier sslmode=require sslcert=$C/host-a.crt sslkey=$C/host-a.key" "" "allow_insecure_transport = yes"
pg_t "allow_insecure_transport = yes permits a weaker TLS mode (tests only)" "$tok_dave" 0 "" --config "$T/insecure.conf" verify --user dave
printf '[store]\nbackend = postgresql\nconninfo = %s\ntimeout = 0\n' "$(pg_conninfo_sock apitoken_verifier)" >"$T/bad.conf"
pg_t "timeout = 0 refused" "$tok_dave" 2 'timeout' --config "$T/bad.conf" verify --user dave

# --- the PG* environment cannot redirect or weaken the connection ------------------
DEAD=$(pg_free_port)
envcase() { # DESC CONF VAR=VALUE...
	local d=$1 conf=$2
	shift 2
	pg_run_cmd "$tok_dave" env "$@" "$APITOKEN" --config "$conf" verify --user dave
	pg_expect "$d" 0 ""
}
mkdir -p "$T/evilhome/.postgresql"
printf '*:*:*:*:stolen\n' >"$T/evilhome/.pgpass"
chmod 0600 "$T/evilhome/.pgpass"
printf '[evil]\nhost=127.0.0.1\nport=%s\n' "$DEAD" >"$T/evil-service.conf"
envcase "PGHOSTADDR/PGPORT pointing elsewhere are ignored" "$S" PGHOSTADDR=127.0.0.1 PGPORT="$DEAD" PGHOST=127.0.0.1
envcase "PGSSLMODE=disable cannot weaken TLS (TCP host)" "$B" PGSSLMODE=disable PGREQUIRESSL=0
envcase "PGSSLROOTCERT/PGSSLCERT/PGSSLKEY pointing elsewhere are ignored" "$B" \
	PGSSLROOTCERT="$C/other-ca.crt" PGSSLCERT="$C/host-b.crt" PGSSLKEY=/nonexistent
envcase "PGSERVICE/PGSERVICEFILE/PGSYSCONFDIR are ignored" "$S" PGSERVICE=evil \
	PGSERVICEFILE="$T/evil-service.conf" PGSYSCONFDIR="$T"
envcase "PGOPTIONS, PGTARGETSESSIONATTRS, PGGSSENCMODE, PGTZ, HOME are ignored" "$S" \
	PGOPTIONS="-c statement_timeout=1" PGTARGETSESSIONATTRS=standby PGGSSENCMODE=require \
	PGTZ=Mars/Olympus PGDATESTYLE=garbage HOME="$T/evilhome" PGPASSFILE="$T/evilhome/.pgpass"
# The converse: a conninfo without port= does not take PGPORT either.
mkconf "$T/noport.conf" "host=$PG_SOCK dbname=apitoken user=apitoken_verifier"
pg_run_cmd "$tok_dave" env PGPORT="$PG_PORT" "$APITOKEN" --config "$T/noport.conf" verify --user dave
pg_expect "PGPORT does not fill a port= the conninfo leaves out (default port, unavailable)" 2 '5432'
o=$(pg_psql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'apitoken-%'")
if [ "$o" = 0 ]; then
	pass "no connection left open by the command"
else
	fail "connections left" "$o"
fi

# --- schema versions -------------------------------------------------------------
pg_psql "UPDATE apitoken.meta SET version = 2"
pg_t "a newer schema is a configuration error naming both versions (verify, exit 2)" "$tok_dave" 2 \
	'schema version 2, this apitoken needs 1' --config "$B" verify --user dave
pg_t "... and for the admin command" "" 2 'schema version 2, this apitoken needs 1' --config "$A" list
pg_t "... and migrate refuses to touch it" "" 2 'newer than this apitoken' --config "$PG_DIR/owner.conf" store migrate
pg_psql "UPDATE apitoken.meta SET version = 1"
pg_t "store migrate on a current schema changes nothing" "" 0 'up to date' --config "$PG_DIR/owner.conf" store migrate
pg_psql "CREATE DATABASE empty"
mkconf "$T/empty.conf" "host=$PG_SOCK port=$PG_PORT dbname=empty user=apitoken_verifier"
pg_t "a database without the schema: configuration error, names version 0 and migrate" "$tok_dave" 2 \
	'version 0.*store migrate' --config "$T/empty.conf" verify --user dave
mkconf "$T/nodb.conf" "host=$PG_SOCK port=$PG_PORT dbname=nosuchdb user=apitoken_verifier"
pg_t "a missing database: configuration error naming it" "$tok_dave" 2 'nosuchdb' --config "$T/nodb.conf" verify --user dave --json
pg_run "$tok_dave" --config "$T/nodb.conf" verify --user dave --json
if printf '%s' "$out" | grep -q '"result": *"config_error"'; then pass "... reported as a configuration error, not unavailable"; else fail "missing db is error" "$out"; fi

# --- store copy --------------------------------------------------------------------
L=$T/sqlite.conf
printf '[store]\npath = %s/sqlite/tokens.db\n' "$T" >"$L"
pg_run "" --config "$L" issue --user erin --scope ssh
tok_erin=$out
pg_run "" --config "$L" issue --user frank
tok_frank=$out
pg_run "" --config "$L" revoke "${tok_frank:4:12}"
pg_t "store copy --from moves a SQLite store into PostgreSQL" "" 0 'copied 2, already present 0' \
	--config "$A" store copy --from "$T/sqlite/tokens.db"
pg_t "a copied token keeps working (hash carried over)" "$tok_erin" 0 "" --config "$B" verify --user erin --scope ssh
pg_t "a copied revoked token stays revoked" "$tok_frank" 1 'revoked' --config "$B" verify --user frank
pg_t "store copy is idempotent" "" 0 'copied 0, already present 2' --config "$A" store copy --from "$T/sqlite/tokens.db"
pg_run "" --config "$L" revoke "${tok_erin:4:12}"
pg_t "a revocation made in SQLite since is carried over" "" 0 'revocations carried over 1' \
	--config "$A" store copy --from "$T/sqlite/tokens.db"
pg_t "store init --print-sql prints the roles and the schema" "" 0 'SECURITY DEFINER' store init --print-sql

# --- faults: fail closed, fast -------------------------------------------------------
mkconf "$T/refused.conf" "host=127.0.0.1 port=$DEAD dbname=apitoken user=apitoken_verifier sslmode=verify-full sslrootcert=$PG_CA sslcert=$C/host-b.crt sslkey=$C/host-b.key"
pg_t "refused port: unavailable (exit 2), naming the host" "$tok_dave" 2 "127\.0\.0\.1:$DEAD.*refused" \
	--config "$T/refused.conf" verify --user dave --json
if [ "$ms" -lt 100 ]; then pass "... in under 100 ms ($ms ms)"; else fail "refused port in under 100 ms" "$ms ms"; fi
mkconf "$T/wrongca.conf" "$(tcp_conninfo host-b "$C/other-ca.crt")"
pg_t "TLS with a wrong CA: unavailable (exit 2)" "$tok_dave" 2 'certificate verify failed' \
	--config "$T/wrongca.conf" verify --user dave --json
pg_run "$tok_dave" --config "$T/wrongca.conf" verify --user dave --json
if printf '%s' "$out" | grep -q '"result": *"unavailable"'; then pass "... reported as unavailable"; else fail "wrong CA unavailable" "$out"; fi
mkconf "$T/t1.conf" "$(tcp_conninfo host-b)"
sed -i 's/^timeout = 2$/timeout = 1/' "$T/t1.conf"
pg_freeze data
pg_run "$tok_dave" --config "$T/t1.conf" verify --user dave --json
pg_thaw data
pg_expect "stopped (SIGSTOP) server: unavailable (exit 2)" 2 'no connection within 1000 ms'
if [ "$ms" -lt 1500 ]; then pass "... within timeout + 0.5 s ($ms ms)"; else fail "stopped server within timeout + 0.5 s" "$ms ms"; fi
pg_t "after SIGCONT the same host logs in again" "$tok_dave" 0 "" --config "$T/t1.conf" verify --user dave

# --- a fork never uses the parent's connection ------------------------------------
backends() { pg_psql "SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM pg_stat_activity WHERE application_name = 'apitoken-cli-pg_fork'"; }
if [ -x "$top_builddir/tests/pg/pg_fork" ]; then
	(umask 077 && printf '%s\n' "$tok_dave" >"$T/tok_dave")
	coproc PGF { "$top_builddir/tests/pg/pg_fork" "$S" "$T/tok_dave" 2>"$T/pg_fork.err"; }
	read -r -t 20 l1 <&"${PGF[0]}"
	b1=$(backends)
	echo go >&"${PGF[1]}"
	read -r -t 20 l2 <&"${PGF[0]}"
	b2=$(backends)
	echo go >&"${PGF[1]}"
	read -r -t 20 l3 <&"${PGF[0]}"
	b3=$(backends)
	echo go >&"${PGF[1]}"
	wait "$PGF_PID" 2>/dev/null
	if [ "$l1" = "connected accept" ] && [ -n "$b1" ]; then
		pass "a pooled verifier connects once ($l1, backend $b1)"
	else
		fail "pooled verifier connects" "$l1" "$b1" "$(cat "$T/pg_fork.err")"
	fi
	if [ "$l2" = "child 0" ]; then
		pass "the forked child verifies on a connection of its own ($l2)"
	else
		fail "forked child verifies" "$l2"
	fi
	if [ "$b2" = "$b1" ]; then
		pass "... and the parent's session survives the child's exit (backend $b2)"
	else
		fail "parent's session survives the child" "before $b1, after $b2"
	fi
	if [ "$l3" = "again accept" ] && [ "$b3" = "$b1" ]; then
		pass "the parent verifies again on its own, unbroken connection"
	else
		fail "parent verifies again on the same connection" "$l3" "before $b1, after $b3"
	fi
else
	skip "a fork never uses the parent's connection" "tests/pg/pg_fork not built"
fi

# --- the connect and failure paths under valgrind ------------------------------
# (none in the sanitizer build: valgrind cannot run an ASan binary, and
# ASan checks these same paths in that build's run of this script)
if [ -n "${ATOK_SAN_PRELOAD:-}" ]; then
	:
elif command -v valgrind >/dev/null 2>&1; then
	vg() { # DESC WANT_RC CONF
		pg_run_cmd "$tok_dave" valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$APITOKEN" --config "$3" \
			verify --user dave
		err=$(grep -E '^==' "$T/err" | head -20)
		pg_expect "valgrind: $1 (exit $2, no memory error, no leak)" "$2" ""
	}
	vg "accepted over TCP, TLS, client certificate" 0 "$B"
	vg "accepted over the Unix socket" 0 "$S"
	vg "refused port" 2 "$T/refused.conf"
	vg "TLS with a wrong CA" 2 "$T/wrongca.conf"
	vg "missing database" 2 "$T/nodb.conf"
	vg "no schema" 2 "$T/empty.conf"
	mkconf "$T/bad.conf" "$(pg_conninfo_sock apitoken_verifier) password=secret"
	vg "password= refused" 2 "$T/bad.conf"
	mkconf "$T/bad.conf" "$(pg_conninfo_sock apitoken_verifier) nosuchkeyword=1"
	vg "unknown keyword refused" 2 "$T/bad.conf"
	pg_freeze data
	vg "stopped server (timeout)" 2 "$T/t1.conf"
	pg_thaw data
else
	skip "the connect and failure paths under valgrind" "valgrind not installed"
fi

finish
