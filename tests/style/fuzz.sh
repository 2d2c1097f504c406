#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/style/fuzz.sh [SECONDS] - the CI fuzz budget: builds the clang
# ASan+UBSan fuzzer variant (scripts/variant, in a temporary directory
# removed afterwards) and runs every libFuzzer harness for SECONDS each
# (default 20) with `make fuzz`, which prints executions and coverage per
# harness.  Exits 0 when no harness found anything; 1 on any crash, leak,
# timeout or slow unit (the reproducers and logs are then kept in a
# directory it names, and the first bytes of each are shown); 2 when it
# cannot build.  The main tree must be configured (scripts/build).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-20}
case $secs in
'' | *[!0-9]*) secs=0 ;;
*) secs=$((10#$secs)) ;; # 0 would be libFuzzer's "no time limit"
esac
if [ "$secs" -lt 1 ] || [ $# -gt 1 ]; then
	echo "usage: tests/style/fuzz.sh [SECONDS per harness, default 20]" >&2
	exit 2
fi
command -v clang >/dev/null || {
	echo "fuzz.sh: needs clang with libFuzzer" >&2
	exit 2
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

start=$(date +%s)
if ! scripts/variant "$tmp/build" CC=clang --enable-fuzzers; then
	echo "fuzz.sh: the fuzzer build failed" >&2
	exit 2
fi
echo "fuzz.sh: built in $(($(date +%s) - start)) s; $secs s per harness"
make -s -C "$tmp/build/src" fuzz FUZZ_SECONDS="$secs"
status=$?
echo "fuzz.sh: $(($(date +%s) - start)) s in all"
[ $status -eq 0 ] && exit 0

# Keep what reproduces the finding before the build goes away.
keep=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-fuzz-findings.XXXXXX") || exit 1
cd "$tmp/build/src/tests/fuzz" || exit 1
for f in *-crash-* *-leak-* *-timeout-* *-oom-* *-slow-unit-*; do
	[ -f "$f" ] || continue
	cp "$f" "$keep/"
	echo "fuzz.sh: reproducer $keep/$f (./tests/fuzz/${f%%-*-*} FILE):"
	od -A d -c "$f" | head -8
done
cp ./*.fuzz.log "$keep/" 2>/dev/null
echo "fuzz.sh: FAILED; reproducers and logs kept in $keep"
exit 1
