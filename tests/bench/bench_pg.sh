#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_pg.sh - the PostgreSQL store against SQLite, figures not pass/fail.
#
#   top_builddir=/path/to/build tests/bench/bench_pg.sh [-n RUNS] [-c CLIENTS] [-d SECONDS] [--no-callgrind]
#
# Starts a PostgreSQL 15 in a temp dir (tests/lib/pg.sh; root) and measures,
# in one run so the ratios share the machine's load:
#
#  1. fresh-process local-token verification (`apitoken verify`, RUNS of
#     each, interleaved): SQLite, PostgreSQL over the Unix socket (peer
#     auth), PostgreSQL over TCP with TLS verify-full and a client
#     certificate.  Median and mean ms, and the difference to SQLite
#     (goals: +15 ms and +25 ms).  Under callgrind: the instructions of one
#     verification of each (goals: 12 M and 55 M client instructions).
#  2. a reused connection in one process (the SASL plugin's pool):
#     ms per verification (goal: <= 1 ms) and the statements the server ran
#     per verification (goal: 1 when last_used is fresh).
#  3. a fleet load: CLIENTS concurrent clients doing fresh-process
#     verifications over TCP+TLS for SECONDS: throughput, p50, p99, and the
#     most server connections in use at once.
set -euo pipefail

RUNS=200
CLIENTS=16
SECONDS_LOAD=10
CALLGRIND=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	-c) CLIENTS=$2; shift 2 ;;
	-d) SECONDS_LOAD=$2; shift 2 ;;
	--no-callgrind) CALLGRIND=; shift ;;
	*) echo "usage: $0 [-n RUNS] [-c CLIENTS] [-d SECONDS] [--no-callgrind]" >&2; exit 2 ;;
	esac
done

: "${top_builddir:=.}" "${top_srcdir:=$top_builddir}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
APITOKEN=$top_builddir/tools/apitoken
REUSE=$top_builddir/tests/bench/bench_pg_reuse
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"
[ -x "$REUSE" ] || { echo "bench_pg: build $REUSE first (make)" >&2; exit 2; }
cannot() { echo "bench_pg: $*" >&2; exit 2; }
PG_SUITE_SKIP=cannot
pg_suite_setup bench-pg "$APITOKEN" >/dev/null
SQ=$T/sqlite.conf
SOCK=$T/sock.conf
TCP=$T/tcp.conf
ADMIN=$T/admin.conf
printf '[store]\npath = %s/tokens.db\n' "$T" >"$SQ"
printf '[store]\nbackend = postgresql\nconninfo = %s\n' "$(pg_conninfo_sock apitoken_verifier)" >"$SOCK"
printf '[store]\nbackend = postgresql\nconninfo = %s\n' "$(pg_conninfo_tcp host-a apitoken_verifier)" >"$TCP"
printf '[store]\nbackend = postgresql\nconninfo = %s\nadmin_conninfo = %s\n' \
	"$(pg_conninfo_sock apitoken_verifier)" "$(pg_conninfo_sock apitoken_admin)" >"$ADMIN"
chmod 0600 "$SQ" "$SOCK" "$TCP" "$ADMIN"
(umask 077 && "$APITOKEN" --config "$SQ" issue --user bench --scope ssh >"$T/tok.sqlite")
(umask 077 && "$APITOKEN" --config "$ADMIN" issue --user bench --scope ssh >"$T/tok.pg")
for k in sqlite:"$SQ" sock:"$SOCK" tcp:"$TCP"; do
	f=${k#*:}
	tf=$T/tok.pg
	[ "${k%%:*}" = sqlite ] && tf=$T/tok.sqlite
	"$APITOKEN" --config "$f" verify --user bench --scope ssh <"$tf" >/dev/null ||
		{ echo "bench_pg: ${k%%:*} verification failed" >&2; exit 1; }
done

ms_now() { date +%s%N; }
stats() { # FILE: median mean (ms, from ns values)
	sort -n "$1" | awk '{ a[NR] = $1; s += $1 } END { printf "%.2f %.2f\n", a[int((NR + 1) / 2)] / 1e6, s / NR / 1e6 }'
}

echo "== 1. fresh-process verification, $RUNS runs each (interleaved)"
: >"$T/t.sqlite"
: >"$T/t.sock"
: >"$T/t.tcp"
for _ in $(seq "$RUNS"); do
	for k in sqlite sock tcp; do
		case $k in sqlite) f=$SQ tf=$T/tok.sqlite ;; sock) f=$SOCK tf=$T/tok.pg ;; tcp) f=$TCP tf=$T/tok.pg ;; esac
		t0=$(ms_now)
		"$APITOKEN" --config "$f" verify --user bench --scope ssh <"$tf" >/dev/null
		echo $(($(ms_now) - t0)) >>"$T/t.$k"
	done
done
read -r sq_med sq_mean < <(stats "$T/t.sqlite")
read -r so_med so_mean < <(stats "$T/t.sock")
read -r tc_med tc_mean < <(stats "$T/t.tcp")
printf '  %-34s median %7.2f ms  mean %7.2f ms\n' "SQLite" "$sq_med" "$sq_mean"
printf '  %-34s median %7.2f ms  mean %7.2f ms  (SQLite + %.2f ms; goal + 15)\n' \
	"PostgreSQL, Unix socket, peer" "$so_med" "$so_mean" "$(echo "$so_med - $sq_med" | bc -l)"
printf '  %-34s median %7.2f ms  mean %7.2f ms  (SQLite + %.2f ms; goal + 25)\n' \
	"PostgreSQL, TCP, TLS, client cert" "$tc_med" "$tc_mean" "$(echo "$tc_med - $sq_med" | bc -l)"

if [ -n "$CALLGRIND" ] && command -v valgrind >/dev/null; then
	echo "   callgrind, instructions of one fresh-process verification:"
	for k in sqlite sock tcp; do
		case $k in sqlite) f=$SQ tf=$T/tok.sqlite ;; sock) f=$SOCK tf=$T/tok.pg ;; tcp) f=$TCP tf=$T/tok.pg ;; esac
		valgrind --tool=callgrind --callgrind-out-file="$T/cg.$k" "$APITOKEN" --config "$f" \
			verify --user bench --scope ssh <"$tf" >/dev/null 2>"$T/cg.$k.err" || true
		ir=$(sed -n 's/^summary: //p' "$T/cg.$k")
		printf '  %-34s %6.1f M instructions\n' "$k" "$(echo "$ir / 1000000" | bc -l)"
		eval "ir_$k=$ir"
	done
	# shellcheck disable=SC2154 # set by eval
	printf '  PostgreSQL over SQLite: Unix socket + %.1f M (goal 12 M), TCP+TLS + %.1f M (goal 55 M)\n' \
		"$(echo "($ir_sock - $ir_sqlite) / 1000000" | bc -l)" "$(echo "($ir_tcp - $ir_sqlite) / 1000000" | bc -l)"
fi

echo "== 2. reused connection in one process (the SASL pool)"
x0=$(pg_psql "SELECT xact_commit FROM pg_stat_database WHERE datname = 'apitoken'")
"$REUSE" "$TCP" "$T/tok.pg" 2000 | sed 's/^/  TCP+TLS:     /'
x1=$(pg_psql "SELECT xact_commit FROM pg_stat_database WHERE datname = 'apitoken'")
"$REUSE" "$SOCK" "$T/tok.pg" 2000 | sed 's/^/  Unix socket: /'
x2=$(pg_psql "SELECT xact_commit FROM pg_stat_database WHERE datname = 'apitoken'")
printf '  server transactions per verification: %.3f (TCP), %.3f (socket); goal 1 when last_used is fresh\n' \
	"$(echo "($x1 - $x0) / 2001" | bc -l)" "$(echo "($x2 - $x1 - 1) / 2001" | bc -l)"

echo "== 3. fleet load: $CLIENTS clients, fresh-process verifications over TCP+TLS, ${SECONDS_LOAD} s"
end=$(($(date +%s) + SECONDS_LOAD))
pids=()
for c in $(seq "$CLIENTS"); do
	(
		while [ "$(date +%s)" -lt "$end" ]; do
			t0=$(ms_now)
			if "$APITOKEN" --config "$TCP" verify --user bench --scope ssh <"$T/tok.pg" >/dev/null; then
				echo $(($(ms_now) - t0))
			else
				echo fail
			fi
		done >"$T/load.$c"
	) &
	pids+=($!)
done
maxconn=0
while [ "$(date +%s)" -lt "$end" ]; do
	c=$(pg_psql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'apitoken_verifier'")
	[ "$c" -gt "$maxconn" ] && maxconn=$c
	sleep 0.2
done
wait "${pids[@]}"
cat "$T"/load.* >"$T/load.all"
fails=$(grep -c fail "$T/load.all" || true)
grep -v fail "$T/load.all" | sort -n >"$T/load.ok"
total=$(wc -l <"$T/load.ok")
awk -v n="$total" -v d="$SECONDS_LOAD" -v f="$fails" -v mc="$maxconn" '{ a[NR] = $1 } END {
	printf "  %d verifications in %d s: %.1f/s, p50 %.1f ms, p99 %.1f ms, failures %d, server connections at most %d\n",
		n, d, n / d, a[int(n * 0.5) + 1] / 1e6, a[int(n * 0.99) + 1] / 1e6, f, mc }' "$T/load.ok"
echo "  (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
