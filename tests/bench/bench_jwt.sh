#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# JWT verification cost: the core against bare OpenSSL on the same key and
# token, per algorithm.  Wall-clock rates from one timed run, then
# instructions per verification from callgrind, counted only inside the
# measured function (so key generation and set-up do not blur them).
set -euo pipefail
bin=${1:-${top_builddir:-.}/tests/bench/bench_jwt}
n=${BENCH_JWT_CALLGRIND_N:-300}
echo "-- timed (verifications per second; 'repeated' = same token, cache on)"
"$bin"
command -v valgrind >/dev/null || { echo "(no valgrind: instruction counts skipped)"; exit 0; }
count() { # alg mode function
	valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$3" \
		"$bin" "$1" "$2" "$n" 2>&1 | sed -n 's/.*Collected : //p'
}
echo
echo "-- instructions per verification (callgrind, $n verifications each)"
printf '| %-6s | %12s | %12s | %7s | %14s |\n' alg bare core ratio repeated
for alg in RS256 PS256 ES256 EdDSA HS256; do
	b=$(( $(count $alg bare bare) / n ))
	c=$(( $(count $alg core core) / n ))
	r=$(( $(count $alg cached core) / n ))
	printf '| %-6s | %12d | %12d | %6sx | %14d |\n' "$alg" "$b" "$c" \
		"$(awk -v c="$c" -v b="$b" 'BEGIN { printf "%.2f", c / b }')" "$r"
done
