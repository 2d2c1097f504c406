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

T=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-pg.XXXXXX") || exit 1
cleanup() {
	pg_teardown
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 022

if ! pg_setup "$T/pg" "$APITOKEN"; then
	fail "PostgreSQL 15 starts with the apitoken schema"
	finish
fi
pass "PostgreSQL 15 starts, roles created, schema migrated"
C=$PG_DIR/certs

# run STDIN ARGS...: sets rc, out, err; ms: the wall time in milliseconds.
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

# tcp_conninfo CERTNAME [CA]: verify-full over TCP with a client certificate.
tcp_conninfo() {
	printf 'host=127.0.0.1 port=%s dbname=apitoken user=%s sslmode=verify-full sslrootcert=%s sslcert=%s/%s.crt sslkey=%s/%s.key' \
		"$PG_PORT" "$([ "$1" = admin ] && echo apitoken_admin || echo apitoken_verifier)" \
		"${2:-$PG_CA}" "$C" "$1" "$C" "$1"
}
sock_conninfo() { # ROLE
	printf 'host=%s port=%s dbname=apitoken user=%s' "$PG_SOCK" "$PG_PORT" "$1"
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
mkconf "$S" "$(sock_conninfo apitoken_verifier)" "$(sock_conninfo apitoken_admin)"

# --- check-config ------------------------------------------------------------
t "check-config (host B, TCP, TLS, client certificate) reports server, role, schema" \
	"" 0 "postgresql 127\.0\.0\.1:$PG_PORT \(server 15[.0-9]*\), role apitoken_verifier, schema 1, may: lookup record-use$" \
	--config "$B" check-config
t "check-config (Unix socket, peer) reports the verifier's privileges" \
	"" 0 "role apitoken_verifier, schema 1, may: lookup record-use$" --config "$S" check-config

# --- the fleet property ------------------------------------------------------
run "" --config "$A" issue --user alice --scope ssh --scope imap --name fleet
tok=$out
if [[ $tok =~ ^apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$ ]]; then
	pass "issue through host A"
else
	fail "issue through host A" "rc $rc" "stdout: $out" "stderr: $err"
fi
id=${tok:4:12}
t "the token verifies on host B (accepted, exit 0)" "$tok" 0 '"result": *"accept"' \
	--config "$B" verify --user alice --scope ssh --json
t "... and on the Unix-socket host" "$tok" 0 "" --config "$S" verify --user alice --scope imap
t "list through host A shows it" "" 0 "$id" --config "$A" list
t "revoke through host A" "" 0 "" --config "$A" revoke "$id"
t "host B refuses it at the very next attempt (revoked, exit 1)" "$tok" 1 'revoked' \
	--config "$B" verify --user alice --scope ssh --json

# --- verdicts ----------------------------------------------------------------
run "" --config "$A" issue --user bob --scope ssh
tok_bob=$out
id_bob=${tok_bob:4:12}
t "valid token: accepted" "$tok_bob" 0 '"result": *"accept"' --config "$B" verify --user bob --scope ssh --json
t "other user's token: rejected" "$tok_bob" 1 'user' --config "$B" verify --user alice --scope ssh --json
t "out-of-scope token: rejected" "$tok_bob" 1 'scope' --config "$B" verify --user bob --scope imap --json
# the same id with another secret (checksum valid): the secret decides
forged=$(/usr/bin/python3 -c '
import sys, zlib
s = sys.argv[1][:17] + "A" * 43
v = zlib.crc32(s.encode()); b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; o = ""
for _ in range(6):
    o = b[v % 62] + o; v //= 62
print(s + o)' "$tok_bob")
t "known id, wrong secret: rejected" "$forged" 1 'secret does not match' --config "$B" verify --user bob --json
unknown=$(/usr/bin/python3 -c '
import sys, zlib
s = "apt_ZZZZZZZZZZZZ_" + "B" * 43
v = zlib.crc32(s.encode()); b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; o = ""
for _ in range(6):
    o = b[v % 62] + o; v //= 62
print(s + o)')
t "unknown token: rejected" "$unknown" 1 'no token with id' --config "$B" verify --user bob --json
pg_psql "UPDATE apitoken.tokens SET expires = 1000 WHERE id = '$id_bob'"
t "expired token: rejected" "$tok_bob" 1 'expired' --config "$B" verify --user bob --json
run "" --config "$A" issue --user carol --scope ssh
tok_carol=$out
id_carol=${tok_carol:4:12}
run "" --config "$A" rotate "$id_carol"
tok_carol2=$(printf '%s\n' "$out" | grep -Eo 'apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}' | head -n 1)
t "rotate through host A: the old token is refused on B" "$tok_carol" 1 'revoked' --config "$B" verify --user carol
t "... and the new one accepted on B" "$tok_carol2" 0 "" --config "$B" verify --user carol --scope ssh

# --- lifecycle columns: source-address limits, last use from where, grace --------
run "" --config "$A" issue --user gina --scope ssh --from 10.0.0.0/8
tok_gina=$out
id_gina=${tok_gina:4:12}
t "a source-limited token: accepted from inside its network" "$tok_gina" 0 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 10.1.2.3
t "... refused from outside it" "$tok_gina" 1 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 192.0.2.1
o=$(pg_psql "SELECT allowed_from || ' ' || last_used_from FROM apitoken.tokens WHERE id = '$id_gina'")
[ "$o" = "10.0.0.0/8 10.1.2.3" ] && pass "allowed_from stored, last_used_from recorded by the verifier role" ||
	fail "allowed_from and last_used_from" "$o"
run "" --config "$A" rotate "$id_gina" --grace 1h
tok_gina2=$(printf '%s\n' "$out" | grep -Eo 'apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}' | head -n 1)
expect "rotate with a grace period" 0 "keeps working until"
t "... the old token keeps working during the grace period" "$tok_gina" 0 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 10.1.2.3
t "... and so does the new one" "$tok_gina2" 0 "" \
	--config "$B" verify --user gina --scope ssh --remote-addr 10.1.2.3
t "... the old one cannot be rotated again" "" 1 "already rotated" --config "$A" rotate "$id_gina"
o=$(pg_psql "SELECT rotated_to FROM apitoken.tokens WHERE id = '$id_gina'")
[ "$o" = "${tok_gina2:4:12}" ] && pass "rotated_to names the successor" || fail "rotated_to" "$o"

# --- last_used: written once per interval --------------------------------------
run "" --config "$A" issue --user dave
tok_dave=$out
id_dave=${tok_dave:4:12}
run "$tok_dave" --config "$B" verify --user dave
lu1=$(pg_psql "SELECT last_used FROM apitoken.tokens WHERE id = '$id_dave'")
pg_psql "UPDATE apitoken.tokens SET last_used = 1234 WHERE id = '$id_dave'"
pg_psql "UPDATE apitoken.tokens SET last_used = extract(epoch from now())::bigint - 10 WHERE id = '$id_dave'"
lu2=$(pg_psql "SELECT last_used FROM apitoken.tokens WHERE id = '$id_dave'")
run "$tok_dave" --config "$B" verify --user dave
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
[ "$o" = dave ] && pass "verifier role may look up one token by id" || fail "verifier lookup" "$o"
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
[ "$o" = 2 ] && pass "two SECURITY DEFINER functions, fixed search_path, no EXECUTE for PUBLIC" ||
	fail "SECURITY DEFINER functions" "$o"
# A stolen host credential through the command: no list, issue or revoke.
V=$T/stolen.conf
mkconf "$V" "$(tcp_conninfo host-a)" "$(tcp_conninfo host-a)"
t "a host's credential cannot list tokens" "" 2 'permission denied' --config "$V" list
t "a host's credential cannot issue tokens" "" 2 'permission denied' --config "$V" issue --user mallory
t "a host's credential cannot revoke tokens" "" 2 'permission denied' --config "$V" revoke "$id_dave"
o=$(pg_psql "SELECT revoked FROM apitoken.tokens WHERE id = '$id_dave'")
[ "$o" = 0 ] && pass "... and the token is still valid" || fail "token untouched" "$o"

# --- conninfo validation -------------------------------------------------------
badconf() { # DESC CONNINFO REGEX [EXTRA]
	mkconf "$T/bad.conf" "$2" "" "${4:-}"
	t "$1" "$tok_dave" 2 "$3" --config "$T/bad.conf" verify --user dave
}
badconf "password= refused" "$(sock_conninfo apitoken_verifier) password=secret" 'password= is not allowed'
badconf "a password in a URI refused" "postgresql://apitoken_verifier:secret@/apitoken?host=$PG_SOCK&port=$PG_PORT" 'password= is not allowed'
badconf "an unknown keyword refused (libpq's parser)" "$(sock_conninfo apitoken_verifier) load_balance_hosts=random" 'invalid connection option'
badconf "service= refused" "$(sock_conninfo apitoken_verifier) service=x" 'service= is not allowed'
badconf "TCP without sslmode=verify-full refused" \
	"host=127.0.0.1 port=$PG_PORT dbname=apitoken user=apitoken_verifier sslmode=require" 'verify-full'
badconf "TCP verify-full without sslrootcert refused" \
	"host=127.0.0.1 port=$PG_PORT dbname=apitoken user=apitoken_verifier sslmode=verify-full" 'sslrootcert'
badconf "target_session_attrs=any refused (a standby serves revoked rows)" \
	"$(sock_conninfo apitoken_verifier) target_session_attrs=prefer-standby" 'read-write'
badconf "host= must be given" "dbname=apitoken user=apitoken_verifier" 'must name host='
badconf "an unparsable conninfo refused" "host='unterminated" 'conninfo'
printf 'localhost:*:*:*:x\n' >"$T/passfile"
chmod 0644 "$T/passfile"
badconf "a world-readable passfile is a configuration error" \
	"$(sock_conninfo apitoken_verifier) passfile=$T/passfile" 'world-readable'
chmod 0600 "$T/passfile"
mkconf "$T/ok.conf" "$(sock_conninfo apitoken_verifier) passfile=$T/passfile"
t "a private passfile is fine" "$tok_dave" 0 "" --config "$T/ok.conf" verify --user dave
mkconf "$T/insecure.conf" "host=127.0.0.1 port=$PG_PORT dbname=apitoken user=apitoken_verifier sslmode=require sslcert=$C/host-a.crt sslkey=$C/host-a.key" "" "allow_insecure_transport = yes"
t "allow_insecure_transport = yes permits a weaker TLS mode (tests only)" "$tok_dave" 0 "" --config "$T/insecure.conf" verify --user dave
printf '[store]\nbackend = postgresql\nconninfo = %s\ntimeout = 0\n' "$(sock_conninfo apitoken_verifier)" >"$T/bad.conf"
t "timeout = 0 refused" "$tok_dave" 2 'timeout' --config "$T/bad.conf" verify --user dave

# --- the PG* environment cannot redirect or weaken the connection ------------------
DEAD=$(pg_free_port)
envcase() { # DESC CONF VAR=VALUE...
	local d=$1 conf=$2
	shift 2
	rc=0
	printf '%s' "$tok_dave" | env "$@" "$APITOKEN" --config "$conf" verify --user dave >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	expect "$d" 0 ""
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
printf '%s' "$tok_dave" | PGPORT=$PG_PORT "$APITOKEN" --config "$T/noport.conf" verify --user dave >"$T/out" 2>"$T/err"
rc=$?
out=$(cat "$T/out")
err=$(cat "$T/err")
expect "PGPORT does not fill a port= the conninfo leaves out (default port, unavailable)" 2 '5432'
o=$(pg_psql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'apitoken-%'")
[ "$o" = 0 ] && pass "no connection left open by the command" || fail "connections left" "$o"

# --- schema versions -------------------------------------------------------------
pg_psql "UPDATE apitoken.meta SET version = 2"
t "a newer schema is a configuration error naming both versions (verify, exit 2)" "$tok_dave" 2 \
	'schema version 2, this apitoken needs 1' --config "$B" verify --user dave
t "... and for the admin command" "" 2 'schema version 2, this apitoken needs 1' --config "$A" list
t "... and migrate refuses to touch it" "" 2 'newer than this apitoken' --config "$PG_DIR/owner.conf" store migrate
pg_psql "UPDATE apitoken.meta SET version = 1"
t "store migrate on a current schema changes nothing" "" 0 'up to date' --config "$PG_DIR/owner.conf" store migrate
pg_psql "CREATE DATABASE empty"
mkconf "$T/empty.conf" "host=$PG_SOCK port=$PG_PORT dbname=empty user=apitoken_verifier"
t "a database without the schema: configuration error, names version 0 and migrate" "$tok_dave" 2 \
	'version 0.*store migrate' --config "$T/empty.conf" verify --user dave
mkconf "$T/nodb.conf" "host=$PG_SOCK port=$PG_PORT dbname=nosuchdb user=apitoken_verifier"
t "a missing database: configuration error naming it" "$tok_dave" 2 'nosuchdb' --config "$T/nodb.conf" verify --user dave --json
run "$tok_dave" --config "$T/nodb.conf" verify --user dave --json
if printf '%s' "$out" | grep -q '"result": *"config_error"'; then pass "... reported as a configuration error, not unavailable"; else fail "missing db is error" "$out"; fi

# --- store copy --------------------------------------------------------------------
L=$T/sqlite.conf
printf '[store]\npath = %s/sqlite/tokens.db\n' "$T" >"$L"
run "" --config "$L" issue --user erin --scope ssh
tok_erin=$out
run "" --config "$L" issue --user frank
tok_frank=$out
run "" --config "$L" revoke "${tok_frank:4:12}"
t "store copy --from moves a SQLite store into PostgreSQL" "" 0 'copied 2, already present 0' \
	--config "$A" store copy --from "$T/sqlite/tokens.db"
t "a copied token keeps working (hash carried over)" "$tok_erin" 0 "" --config "$B" verify --user erin --scope ssh
t "a copied revoked token stays revoked" "$tok_frank" 1 'revoked' --config "$B" verify --user frank
t "store copy is idempotent" "" 0 'copied 0, already present 2' --config "$A" store copy --from "$T/sqlite/tokens.db"
run "" --config "$L" revoke "${tok_erin:4:12}"
t "a revocation made in SQLite since is carried over" "" 0 'revocations carried over 1' \
	--config "$A" store copy --from "$T/sqlite/tokens.db"
t "store init --print-sql prints the roles and the schema" "" 0 'SECURITY DEFINER' store init --print-sql

# --- faults: fail closed, fast -------------------------------------------------------
mkconf "$T/refused.conf" "host=127.0.0.1 port=$DEAD dbname=apitoken user=apitoken_verifier sslmode=verify-full sslrootcert=$PG_CA sslcert=$C/host-b.crt sslkey=$C/host-b.key"
t "refused port: unavailable (exit 2), naming the host" "$tok_dave" 2 "127\.0\.0\.1:$DEAD.*refused" \
	--config "$T/refused.conf" verify --user dave --json
if [ "$ms" -lt 100 ]; then pass "... in under 100 ms ($ms ms)"; else fail "refused port in under 100 ms" "$ms ms"; fi
mkconf "$T/wrongca.conf" "$(tcp_conninfo host-b "$C/other-ca.crt")"
t "TLS with a wrong CA: unavailable (exit 2)" "$tok_dave" 2 'certificate verify failed' \
	--config "$T/wrongca.conf" verify --user dave --json
run "$tok_dave" --config "$T/wrongca.conf" verify --user dave --json
if printf '%s' "$out" | grep -q '"result": *"unavailable"'; then pass "... reported as unavailable"; else fail "wrong CA unavailable" "$out"; fi
mkconf "$T/t1.conf" "$(tcp_conninfo host-b)"
sed -i 's/^timeout = 2$/timeout = 1/' "$T/t1.conf"
pg_freeze
run "$tok_dave" --config "$T/t1.conf" verify --user dave --json
pg_thaw
expect "stopped (SIGSTOP) server: unavailable (exit 2)" 2 'no connection within 1000 ms'
if [ "$ms" -lt 1500 ]; then pass "... within timeout + 0.5 s ($ms ms)"; else fail "stopped server within timeout + 0.5 s" "$ms ms"; fi
t "after SIGCONT the same host logs in again" "$tok_dave" 0 "" --config "$T/t1.conf" verify --user dave

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
	[ "$l1" = "connected accept" ] && [ -n "$b1" ] && pass "a pooled verifier connects once ($l1, backend $b1)" ||
		fail "pooled verifier connects" "$l1" "$b1" "$(cat "$T/pg_fork.err")"
	[ "$l2" = "child 0" ] && pass "the forked child verifies on a connection of its own ($l2)" ||
		fail "forked child verifies" "$l2"
	[ "$b2" = "$b1" ] && pass "... and the parent's session survives the child's exit (backend $b2)" ||
		fail "parent's session survives the child" "before $b1, after $b2"
	[ "$l3" = "again accept" ] && [ "$b3" = "$b1" ] &&
		pass "the parent verifies again on its own, unbroken connection" ||
		fail "parent verifies again on the same connection" "$l3" "before $b1, after $b3"
else
	n=$((n + 1))
	echo "ok $n # SKIP tests/pg/pg_fork not built"
fi

# --- the connect and failure paths under valgrind ------------------------------
# (none in the sanitizer build: valgrind cannot run an ASan binary, and
# ASan checks these same paths in that build's run of this script)
if [ -n "${ATOK_SAN_PRELOAD:-}" ]; then
	:
elif command -v valgrind >/dev/null 2>&1; then
	vg() { # DESC WANT_RC CONF
		printf '%s' "$tok_dave" | valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$APITOKEN" --config "$3" \
			verify --user dave >"$T/out" 2>"$T/err"
		rc=$?
		out=$(cat "$T/out")
		err=$(grep -E '^==' "$T/err" | head -20)
		expect "valgrind: $1 (exit $2, no memory error, no leak)" "$2" ""
	}
	vg "accepted over TCP, TLS, client certificate" 0 "$B"
	vg "accepted over the Unix socket" 0 "$S"
	vg "refused port" 2 "$T/refused.conf"
	vg "TLS with a wrong CA" 2 "$T/wrongca.conf"
	vg "missing database" 2 "$T/nodb.conf"
	vg "no schema" 2 "$T/empty.conf"
	mkconf "$T/bad.conf" "$(sock_conninfo apitoken_verifier) password=secret"
	vg "password= refused" 2 "$T/bad.conf"
	mkconf "$T/bad.conf" "$(sock_conninfo apitoken_verifier) nosuchkeyword=1"
	vg "unknown keyword refused" 2 "$T/bad.conf"
	pg_freeze
	vg "stopped server (timeout)" 2 "$T/t1.conf"
	pg_thaw
else
	n=$((n + 1))
	echo "ok $n # SKIP valgrind not installed"
fi

finish
