#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Introspection cost, all against one loopback server started here:
#  1. a cold introspection through the core vs a bare libcurl POST
#     (both keep their connection);
#  2. a cache hit inside one process;
#  3. a cache hit in a fresh process (apitoken verify) vs a local-token
#     verify in a fresh process.
set -euo pipefail
top=${top_builddir:-.}
src=${top_srcdir:-$(dirname "$0")/../..}
bin=$top/tests/bench/bench_introspect
n=${BENCH_INTRO_N:-2000}
runs=${BENCH_INTRO_RUNS:-200}
T=$(mktemp -d)
port_file=$T/port
/usr/bin/python3 "$src/tests/bench/introspect_server.py" >"$port_file" &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$port_file")/introspect"

echo "-- 1. cold introspection, $n requests each (per request)"
# The bare baseline before and after the core, keeping the faster.
read -r _ _ tb _ < <("$bin" "$url" bare "$n")
read -r _ _ tc _ < <("$bin" "$url" core "$n")
read -r _ _ tb2 _ < <("$bin" "$url" bare "$n")
tb=$(awk -v a="$tb" -v b="$tb2" 'BEGIN { print (a < b ? a : b) }')
awk -v tb="$tb" -v tc="$tc" -v n="$n" 'BEGIN {
	printf "| bare libcurl POST | %8.1f us |\n| core (cache off)  | %8.1f us |\n| ratio             | %8.2fx   |\n",
	tb / n * 1e6, tc / n * 1e6, tc / tb }'

if command -v valgrind >/dev/null; then
	count() { # mode function
		valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			--toggle-collect="$2" "$bin" "$url" "$1" 300 2>&1 |
			sed -n 's/.*Collected : //p'
	}
	ib=$(( $(count bare bare) / 300 ))
	ic=$(( $(count core core) / 300 ))
	awk -v b="$ib" -v c="$ic" 'BEGIN {
	printf "| client instructions per request (callgrind): bare %d, core %d, ratio %.2fx |\n", b, c, c / b }'
fi

echo "-- 2. in-process cache hits"
read -r _ _ _ rh < <("$bin" "$url" cached 300000)
echo "| cache hits per second | $rh |"

echo "-- 3. fresh process: cached introspection vs local token ($runs runs)"
mkdir -m 700 "$T/cache"
printf 'bench-secret' >"$T/secret"
chmod 600 "$T/secret"
cat >"$T/intro.conf" <<CONF
[introspection]
endpoint = $url
client_id = rs
client_secret_file = $T/secret
opaque_min_length = 22
allow_http_loopback = yes
cache_ttl = 3600
[cache]
dir = $T/cache
CONF
printf '[store]\npath = %s/tokens.db\n' "$T" >"$T/local.conf"
chmod 600 "$T/intro.conf" "$T/local.conf"
apitoken=$top/tools/apitoken
[ -x "$top/tools/.libs/apitoken" ] && apitoken=$top/tools/.libs/apitoken
ltok=$("$apitoken" --config "$T/local.conf" issue --user alice 2>/dev/null)
otok="2YotnFZFEjr1zCsicMWpAA-bench-fresh-process"
printf '%s\n' "$otok" | "$apitoken" --config "$T/intro.conf" verify --user alice >/dev/null # fills the cache
time_runs() { # conf token
	local s e
	s=$(date +%s%N)
	for _ in $(seq "$runs"); do
		printf '%s\n' "$2" | "$apitoken" --config "$1" verify --user alice >/dev/null
	done
	e=$(date +%s%N)
	echo $(((e - s) / runs))
}
tl=$(time_runs "$T/local.conf" "$ltok")
to=$(time_runs "$T/intro.conf" "$otok")
tl=$(time_runs "$T/local.conf" "$ltok") # again, interleaved
awk -v tl="$tl" -v to="$to" 'BEGIN {
	printf "| local token, fresh process         | %6.3f ms |\n| introspection cache hit, fresh proc | %6.3f ms |\n| difference                          | %+6.3f ms |\n",
	tl / 1e6, to / 1e6, (to - tl) / 1e6 }'
