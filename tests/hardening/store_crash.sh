#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The store under concurrent issue / revoke / verify from several
# processes, and kill -9 in the middle of writes: the database stays
# consistent (PRAGMA integrity_check) and no token whose revocation was
# acknowledged (exit 0) is ever accepted again.
set -u
top=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
A=$top/tools/apitoken
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$2" = 0 ]; then ok "$1"; else nok "$1"; fi; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }

T=$(mktemp -d "${TMPDIR:-/tmp}/atok-crash.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
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
		printf '%s\n' "$good" | api verify --user alice >/dev/null 2>&1
		[ $? = 0 ] || echo "good-refused" >>"$T/errors"
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
	"$([ ! -s "$T/errors" ] && echo 0 || echo 1)"
check "every pooled token was revoked" \
	"$(while read -r t; do printf '%s\n' "$t" | api verify >/dev/null 2>&1; [ $? = 1 ] || echo bad; done <"$T/pool" | grep -q bad && echo 1 || echo 0)"
integrity=$(sqlite3 -cmd '.timeout 10000' "$T/tokens.db" 'PRAGMA integrity_check' 2>&1)
check "integrity_check after concurrency (${integrity:0:200})" \
	"$([ "$integrity" = ok ] && echo 0 || echo 1)"

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
check "kill -9 during revokes: $acked acknowledged, $killed killed, none lost" "$lost"
# Wait out a busy writer rather than reading "database is locked" as
# corruption; print what sqlite3 said when it is not "ok".
integrity=$(sqlite3 -cmd '.timeout 10000' "$T/tokens.db" 'PRAGMA integrity_check' 2>&1)
check "integrity_check after kill -9 (${integrity:0:200})" \
	"$([ "$integrity" = ok ] && echo 0 || echo 1)"
printf '%s\n' "$good" | api verify --user alice >/dev/null 2>&1
check "the store still verifies after the crashes" $?
api list >/dev/null 2>&1
check "the store still opens for administration after the crashes" $?
echo "1..$n"
[ $failed = 0 ]
