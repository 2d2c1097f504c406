# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034 # PG_*, T, rc, out, err, ms are for the scripts that source this
# tests/lib/pg.sh - a real PostgreSQL 15 for the tests, in a temp dir.
# Sourced by bash test scripts (tests/pg/*.sh and any suite that needs the
# PostgreSQL store).  Needs root (initdb and pg_ctl run as the postgres
# user through runuser), Debian's postgresql-15 and openssl.
#
#   pg_available               0 when everything needed is here
#   pg_setup DIR               CA, server and client certificates, initdb,
#                              start, create the database and roles, migrate
#                              the schema; sets the PG_* variables below
#   pg_start [NAME] / pg_stop [NAME]   start or stop (fast) a server
#   pg_psql SQL                psql as postgres on the primary, -tA output
#   pg_standby                 a streaming standby of the primary (port
#                              PG_PORT2, data in DIR/standby)
#   pg_teardown                stop every server started here (EXIT trap)
#
# For a suite that starts its own server (tests/pg/*.sh, bench_pg.sh):
#
#   pg_suite_require           skip the suite unless it can run here
#   pg_suite_setup NAME TOOL   the whole start of such a suite: the
#                              checks, a temp dir T, the exit trap, pg_setup
#   pg_conninfo_sock ROLE, pg_conninfo_tcp CERT ROLE [CA]   conninfos
#   pg_run / pg_expect / pg_t  one run of TOOL and the check of its outcome
#                              (pg_run_cmd: of any command)
#
# Servers listen on a Unix socket in DIR/sock and TCP 127.0.0.1 only, with
# TLS from a test CA; clients authenticate by peer (Unix socket, root
# mapped to the apitoken roles) or by client certificate (TCP: CN host-a
# and host-b map to apitoken_verifier, CN admin to apitoken_admin).
#
# Variables after pg_setup: PG_DIR PG_SOCK PG_PORT PG_CA PG_DB and, per
# client certificate NAME, PG_DIR/certs/NAME.crt and NAME.key.

PG_BIN=${PG_BIN:-}
PG_DIR=
PG_SOCK=
PG_PORT=
PG_PORT2=
PG_CA=
PG_DB=apitoken
PG_STARTED=

pg_find_bin() {
	local d
	for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/15/bin; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			PG_BIN=$d
			return 0
		fi
	done
	return 1
}

pg_available() {
	[ "$(id -u)" -eq 0 ] || return 1
	id postgres >/dev/null 2>&1 || return 1
	command -v runuser >/dev/null || return 1
	command -v openssl >/dev/null || return 1
	command -v psql >/dev/null || [ -x /usr/lib/postgresql/15/bin/psql ] || return 1
	[ -n "$PG_BIN" ] || pg_find_bin
}

pg_as() { runuser -u postgres -- "$@"; }

# A free TCP port on 127.0.0.1 (the kernel's choice).
pg_free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_cert NAME CN [SAN]: a key and a certificate signed by the test CA.
pg_cert() {
	local d=$PG_DIR/certs ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/$1.key" -subj "/CN=$2" -out "$d/$1.csr" 2>/dev/null || return 1
	ext=$d/$1.ext
	if [ -n "${3:-}" ]; then
		printf 'subjectAltName=%s\n' "$3" >"$ext"
	else
		: >"$ext"
	fi
	openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$ext" -out "$d/$1.crt" 2>/dev/null || return 1
	chmod 0600 "$d/$1.key"
}

pg_certs() {
	local d=$PG_DIR/certs
	mkdir -p "$d" || return 1
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -subj "/CN=apitoken test CA" -days 2 \
		-out "$d/ca.crt" 2>/dev/null || return 1
	# A second CA that signed nothing the server presents.
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/other-ca.key" -subj "/CN=some other CA" -days 2 \
		-out "$d/other-ca.crt" 2>/dev/null || return 1
	pg_cert server localhost "DNS:localhost,IP:127.0.0.1" || return 1
	pg_cert host-a host-a && pg_cert host-b host-b && pg_cert admin admin || return 1
	PG_CA=$d/ca.crt
	# The server reads its own key as postgres.
	cp "$d/server.key" "$PG_DIR/server.key" && cp "$d/server.crt" "$PG_DIR/server.crt" &&
		cp "$d/ca.crt" "$PG_DIR/root.crt" &&
		chown postgres "$PG_DIR/server.key" "$PG_DIR/server.crt" "$PG_DIR/root.crt" &&
		chmod 0600 "$PG_DIR/server.key"
}

# pg_conf DATADIR PORT: the settings every test server shares.
pg_conf() {
	cat >>"$1/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$PG_SOCK'
ssl = on
ssl_cert_file = '$PG_DIR/server.crt'
ssl_key_file = '$PG_DIR/server.key'
ssl_ca_file = '$PG_DIR/root.crt'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 60
max_wal_senders = 4
wal_level = replica
hot_standby = on
log_connections = on
logging_collector = off
lc_messages = 'C'
EOF
	cat >"$1/pg_hba.conf" <<EOF
local   all          all                                peer map=local
local   replication  all                                peer map=local
hostssl apitoken     apitoken_verifier  127.0.0.1/32    cert map=certs
hostssl apitoken     apitoken_admin     127.0.0.1/32    cert map=certs
host    replication  postgres           127.0.0.1/32    trust
EOF
	cat >"$1/pg_ident.conf" <<EOF
local     root      postgres
local     root      apitoken_verifier
local     root      apitoken_admin
local     root      apitoken_other
local     postgres  postgres
certs     host-a    apitoken_verifier
certs     host-b    apitoken_verifier
certs     admin     apitoken_admin
EOF
}

# pg_start [NAME]: starts DIR/NAME (default "data"), waits until ready.
pg_start() {
	local n=${1:-data}
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/$n" -l "$PG_DIR/log/$n.log" -w -t 30 \
		start >/dev/null 2>&1 || {
		tail -n 20 "$PG_DIR/log/$n.log" | sed 's/^/# pg: /'
		return 1
	}
	case " $PG_STARTED " in *" $n "*) ;; *) PG_STARTED="$PG_STARTED $n" ;; esac
}

# pg_stop [NAME] [MODE]: stops a server (mode fast, or immediate).
pg_stop() {
	local n=${1:-data}
	[ -f "$PG_DIR/$n/postmaster.pid" ] || return 0
	kill -CONT "$(head -n 1 "$PG_DIR/$n/postmaster.pid")" 2>/dev/null
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/$n" -m "${2:-fast}" -w -t 30 stop >/dev/null 2>&1
}

# The primary's postmaster pid.
pg_pid() { head -n 1 "$PG_DIR/${1:-data}/postmaster.pid"; }

# pg_freeze [NAME] / pg_thaw [NAME]: SIGSTOP / SIGCONT a server, the
# postmaster and every backend (a pooled connection's too), by pid.
pg_freeze() {
	local pm
	pm=$(pg_pid "${1:-data}") || return 1
	# shellcheck disable=SC2046 # one pid per word
	kill -STOP "$pm" $(pgrep -P "$pm")
}
pg_thaw() {
	local pm
	pm=$(pg_pid "${1:-data}") || return 1
	# shellcheck disable=SC2046
	kill -CONT "$pm" $(pgrep -P "$pm")
}

pg_psql() {
	local psql=psql
	command -v psql >/dev/null || psql=/usr/lib/postgresql/15/bin/psql
	pg_as env -u PGHOST -u PGHOSTADDR -u PGPORT "$psql" -X -q -tA \
		-v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "${PG_PSQL_PORT:-$PG_PORT}" \
		-d "${PG_PSQL_DB:-$PG_DB}" -c "$1"
}

pg_teardown() {
	local n
	for n in $PG_STARTED; do
		pg_stop "$n" immediate
	done
	PG_STARTED=
}

# pg_setup DIR APITOKEN: everything, up to a migrated schema.  The
# apitoken binary runs `store init --print-sql` and `store migrate`.
pg_setup() {
	local tool=$2 conf
	PG_DIR=$1
	PG_SOCK=$PG_DIR/sock
	mkdir -p "$PG_DIR" "$PG_SOCK" "$PG_DIR/log" && chown postgres "$PG_DIR/log" || return 1
	# postgres must reach its files; nobody else may write here.
	chmod 0711 "$PG_DIR" && chown postgres "$PG_SOCK" && chmod 0755 "$PG_SOCK" || return 1
	# The caller's temp dir (mktemp -d: 0700) must let postgres through.
	chmod o+x "$(dirname "$PG_DIR")" || return 1
	pg_certs || return 1
	PG_PORT=$(pg_free_port) || return 1
	mkdir -p "$PG_DIR/data" && chown postgres "$PG_DIR/data" && chmod 0700 "$PG_DIR/data" || return 1
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A peer --no-sync \
		--locale=C.UTF-8 -E UTF8 >"$PG_DIR/initdb.log" 2>&1 || {
		tail -n 20 "$PG_DIR/initdb.log" | sed 's/^/# initdb: /'
		return 1
	}
	pg_conf "$PG_DIR/data" "$PG_PORT"
	pg_start data || return 1
	PG_PSQL_DB=postgres pg_psql "CREATE DATABASE $PG_DB" || return 1
	"$tool" store init --print-sql >"$PG_DIR/init.sql" || return 1
	chmod 0644 "$PG_DIR/init.sql"
	pg_as psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -d "$PG_DB" \
		-c "$(sed -n '1,/^-- Schema version/p' "$PG_DIR/init.sql")" >/dev/null || return 1
	pg_psql "CREATE ROLE apitoken_other LOGIN; GRANT apitoken_owner TO postgres" || return 1
	conf=$PG_DIR/owner.conf
	printf '[store]\nbackend = postgresql\nconninfo = host=%s port=%s dbname=%s user=postgres\nowner_conninfo = host=%s port=%s dbname=%s user=postgres\n' \
		"$PG_SOCK" "$PG_PORT" "$PG_DB" "$PG_SOCK" "$PG_PORT" "$PG_DB" >"$conf"
	chmod 0600 "$conf"
	"$tool" --config "$conf" store migrate >/dev/null || return 1
}

# pg_standby: a streaming standby of the primary made with pg_basebackup,
# started on PG_PORT2 (DIR/standby).
pg_standby() {
	PG_PORT2=$(pg_free_port) || return 1
	mkdir -m 0700 "$PG_DIR/standby" && chown postgres "$PG_DIR/standby" || return 1
	pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
		-D "$PG_DIR/standby" -R -X stream >"$PG_DIR/basebackup.log" 2>&1 || {
		tail -n 10 "$PG_DIR/basebackup.log" | sed 's/^/# basebackup: /'
		return 1
	}
	chmod 0700 "$PG_DIR/standby"
	printf 'port = %s\n' "$PG_PORT2" >>"$PG_DIR/standby/postgresql.conf"
	pg_start standby
}

# pg_promote: promotes the standby and waits until it takes writes.
pg_promote() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/standby" -w -t 30 promote >/dev/null 2>&1
}

# ------------------------------------------------------------------ suites
# What the suites that start their own PostgreSQL share (tests/pg/*.sh,
# tests/bench/bench_pg.sh).  The TAP suites source tests/lib/tap.sh first.

# pg_conninfo_sock ROLE: a conninfo for ROLE on the primary's Unix socket
# (peer authentication).
pg_conninfo_sock() {
	printf 'host=%s port=%s dbname=%s user=%s' "$PG_SOCK" "$PG_PORT" "$PG_DB" "$1"
}

# pg_conninfo_tcp CERT ROLE [CA [KEYDIR]]: a conninfo for ROLE over TCP,
# TLS verify-full against CA (default, or empty: PG_CA) with the client
# certificate CERT (PG_DIR/certs/CERT.crt, and CERT.key there or in KEYDIR:
# a copy that another user may read).
pg_conninfo_tcp() {
	local c=$PG_DIR/certs
	printf 'host=127.0.0.1 port=%s dbname=%s user=%s sslmode=verify-full sslrootcert=%s sslcert=%s/%s.crt sslkey=%s/%s.key' \
		"$PG_PORT" "$PG_DB" "$2" "${3:-$PG_CA}" "$c" "$1" "${4:-$c}" "$1"
}

# pg_mask_secrets: a filter; the secret part of an apt_ token masked
# (TAP_FILTER after pg_suite_setup: fail's details never show one).
pg_mask_secrets() {
	sed -e 's/\(apt_[A-Za-z0-9]\{12\}_\)[A-Za-z0-9]*/\1<secret>/g'
}

# pg_suite_require: returns only when the suite can run here: built with
# libpq ($top_builddir/ac_config.h says so) and pg_available.  Else the
# suite ends through the function PG_SUITE_SKIP names, given the reason
# (default tap.sh's skip_all: "1..0 # SKIP REASON", exit 0); should that
# function return, the suite exits 0.
pg_suite_require() {
	local skip=${PG_SUITE_SKIP:-skip_all}
	if ! grep -q '^#define HAVE_LIBPQ 1' "${top_builddir:?}/ac_config.h" 2>/dev/null; then
		"$skip" "built without libpq"
		exit 0
	fi
	if ! pg_available; then
		"$skip" "needs root, the postgres user and postgresql-15"
		exit 0
	fi
}

# pg_suite_setup NAME TOOL: pg_suite_require; T, a new directory
# $TMPDIR/NAME.XXXXXX that the exit trap removes after pg_teardown (INT
# and TERM exit 130, so it runs then too); umask 022; PG_TOOL=TOOL (the
# apitoken binary, for pg_run); TAP_FILTER=pg_mask_secrets; then
# pg_setup "$T/pg" TOOL.  Returns 1 when mktemp fails, else pg_setup's
# status: the suite says how that is reported.  A function named in
# PG_SUITE_CLEANUP runs first at exit (to stop what the suite started).
pg_suite_setup() {
	pg_suite_require
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || return 1
	trap pg_suite_cleanup EXIT
	trap 'exit 130' INT TERM
	umask 022
	PG_TOOL=$2
	TAP_FILTER=pg_mask_secrets
	pg_setup "$T/pg" "$PG_TOOL"
}

# shellcheck disable=SC2317 # called by the EXIT trap
pg_suite_cleanup() {
	if [ -n "${PG_SUITE_CLEANUP:-}" ]; then "$PG_SUITE_CLEANUP"; fi
	pg_teardown
	rm -rf "$T"
}

# pg_run_cmd STDIN CMD...: CMD with STDIN (a string, no newline added)
# on its standard input; sets rc, out, err (also in $T/out and $T/err)
# and ms, the wall time in milliseconds.
pg_run_cmd() {
	local input=$1 t0
	shift
	t0=$(date +%s%N)
	printf '%s' "$input" | "$@" >"$T/out" 2>"$T/err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# pg_run STDIN ARGS...: pg_run_cmd with PG_TOOL ARGS.
pg_run() {
	local input=$1
	shift
	pg_run_cmd "$input" "$PG_TOOL" "$@"
}

# pg_expect DESC RC REGEX: one test: the last run (pg_run, or rc, out and
# err set by hand) exited RC and its stdout or stderr matches the
# extended REGEX (empty: no text check).
pg_expect() {
	local d=$1 want=$2 re=$3
	if [ "$rc" != "$want" ]; then
		fail "$d" "exit status $rc, want $want" "stdout: $out" "stderr: $err"
	elif [ -n "$re" ] && ! printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$re"; then
		fail "$d" "output does not match /$re/" "stdout: $out" "stderr: $err"
	else
		pass "$d"
	fi
}

# pg_t DESC STDIN RC REGEX ARGS...: a table row, pg_run then pg_expect.
pg_t() {
	local d=$1 in=$2 want=$3 re=$4
	shift 4
	pg_run "$in" "$@"
	pg_expect "$d" "$want" "$re"
}
