#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The store under concurrent issue / revoke / verify from several
# processes, and kill -9 in the middle of writes: the database stays
# consistent (PRAGMA integrity_check) and no token whose revocation was
# acknowledged (exit 0) is ever accepted again.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
top=${top_builddir:-$top_srcdir}
A=$top/tools/apitoken
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/suite.sh
. "$top_srcdir/tests/lib/suite.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

pids=()
# shellcheck disable=SC2317 # called at exit (SUITE_CLEANUP)
stop_workers() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
SUITE_CLEANUP=stop_workers
suite_tmpdir atok-crash
printf '[store]\npath = %s/tokens.db\n' "$T" >"$T/c.conf"
chmod 600 "$T/c.conf"
api() { "$A" --config "$T/c.conf" "$@"; }

good=$(api issue --user alice --expires 1h 2>/dev/null)
bad=$(api issue --user alice --expires 1h 2>/dev/null)
api revoke "${bad:4:12}" 2>/dev/null
for i in $(seq 20); do api issue --user "u$i" 2>/dev/null; done >"$T/pool"

# 1. Concurrency: writers and verifiers at once for a few seconds.
end=$((SECONDS + 4))
( while [ $SECONDS -lt $end ]; do api issue --user writer >/dev/null 2>&1 || echo issue >>"$T/errors"; done ) &
pids+=($!)
( while read -r t; do
	api revoke "${t:4:12}" >/dev/null 2>&1 || echo revoke >>"$T/errors"
  done <"$T/pool" ) &
pids+=($!)
for v in 1 2; do
	( while [ $SECONDS -lt $end ]; do
		printf '%s\n' "$good" | api verify --user alice >/dev/null 2>&1 ||
			echo "good-refused" >>"$T/errors"
		printf '%s\n' "$bad" | api verify --user alice >/dev/null 2>&1
		[ $? = 1 ] || echo "revoked-accepted" >>"$T/errors"
		echo x >>"$T/verifies.$v"
	  done ) &
	pids+=($!)
done
wait "${pids[@]}" 2>/dev/null
pids=()
nver=$(cat "$T"/verifies.* 2>/dev/null | wc -l)
check "concurrent issue/revoke/verify: $nver verify pairs, no error ($(sort "$T/errors" 2>/dev/null | uniq -c | tr '\n' ' '))" \
	test ! -s "$T/errors"
# every_pooled_refused: verify refuses (exit 1) every token of the pool.
# shellcheck disable=SC2317 # called through check
every_pooled_refused() {
	local t rc bad=0
	while read -r t; do
		printf '%s\n' "$t" | api verify >/dev/null 2>&1
		rc=$?
		[ "$rc" = 1 ] || bad=1
	done <"$T/pool"
	[ "$bad" = 0 ]
}
check "every pooled token was revoked" every_pooled_refused
integrity=$(sqlite3 -cmd '.timeout 10000' "$T/tokens.db" 'PRAGMA integrity_check' 2>&1)
check "integrity_check after concurrency (${integrity:0:200})" \
	test "$integrity" = ok

# 2. kill -9 during writes.
acked=0 lost=0 killed=0
for i in $(seq 25); do
	t=$(api issue --user "k$i" 2>/dev/null)
	# Run the binary itself in the background (not the api function,
	# which would put a subshell between kill and apitoken).
	"$A" --config "$T/c.conf" revoke "${t:4:12}" >/dev/null 2>&1 &
	p=$!
	# Kill at a random point of the revoke (or after it finished).
	sleep "0.00$((RANDOM % 9))"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && killed=$((killed + 1))
	if [ "$rc" = 0 ]; then
		acked=$((acked + 1))
		printf '%s\n' "$t" | api verify >/dev/null 2>&1
		[ $? = 1 ] || lost=$((lost + 1))
	fi
	# Writers in the background get killed too.
	"$A" --config "$T/c.conf" issue --user "bg$i" >/dev/null 2>&1 &
	p=$!
	sleep "0.00$((RANDOM % 5))"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
check "kill -9 during revokes: $acked acknowledged, $killed killed, none lost" \
	test "$lost" = 0
# Wait out a busy writer rather than reading "database is locked" as
# corruption; print what sqlite3 said when it is not "ok".
integrity=$(sqlite3 -cmd '.timeout 10000' "$T/tokens.db" 'PRAGMA integrity_check' 2>&1)
check "integrity_check after kill -9 (${integrity:0:200})" \
	test "$integrity" = ok
check_quiet "the store still verifies after the crashes" \
	api verify --user alice <<<"$good"
check_quiet "the store still opens for administration after the crashes" \
	api list
finish
