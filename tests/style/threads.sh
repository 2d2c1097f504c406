#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/style/threads.sh [tsan|helgrind] - the threaded tests
# (tests/hardening/test_threads: the core from 8 threads;
# tests/hardening/test_sasl_threads: the plugin through libsasl2 from 8
# threads) under race detectors; any report, or any failing test, fails.
# Both detectors by default.
#
# tsan: a second build (scripts/variant, in a temp dir removed at exit)
#   with clang -fsanitize=thread.  It instruments our code: common/, the
#   SASL plugin, the tests.  The system's libsqlite3, libcrypto,
#   libjansson and libsasl2 are not instrumented: TSan sees their pthread
#   calls, so the ordering those give our code, but not their own memory
#   accesses; a race inside them is left to helgrind.  Full rounds.
# helgrind: the main build's binaries, the whole process (those libraries
#   too), with tests/style/helgrind.supp, where each entry says why the
#   report it hides is not a race (SQLite's lock-free WAL index).  Fewer
#   rounds (ATOK_TEST_ROUNDS): helgrind runs them some 100 times slower.
#   valgrind's own default suppressions hide any race whose innermost
#   frame is in libc; TSan covers our side of those.
#
# Needs the main tree configured and built (scripts/build).  About a
# minute on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
what=${1:-all}
case $what in all | tsan | helgrind) ;; *)
	echo "usage: tests/style/threads.sh [tsan|helgrind]" >&2
	exit 2
	;;
esac
[ -f Makefile ] || { echo "threads.sh: build the tree first (scripts/build)"; exit 1; }
tests=(tests/hardening/test_threads tests/hardening/test_sasl_threads)
status=0
# Everything in one temp dir, the tests' own temp dirs too (TSan stops a
# racing test at once, before it removes them).
work=$(mktemp -d "${TMPDIR:-/tmp}/atok-threads.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
log=$work/log
export TMPDIR=$work

# runs "$@" with output to $log; reports pass or the first lines of a failure
check() {
	local name=$1
	shift
	if "$@" >"$log" 2>&1; then
		echo "clean: $name"
	else
		echo "FAILED ($?): $name"
		grep -E -A14 '^(WARNING: ThreadSanitizer|==[0-9]+== Possible data race|==[0-9]+== Lock at|==[0-9]+== Thread #[0-9]+: )' "$log" | head -60
		grep -E '^(not ok|Bail out|#   )' "$log" | head -20
		status=1
	fi
}

if [ "$what" != helgrind ]; then
	command -v clang >/dev/null || { echo "threads.sh: clang not installed"; exit 1; }
	tsandir=$work/tsan
	echo "tsan: building in $tsandir"
	if ! scripts/variant "$tsandir" CC=clang CFLAGS='-fsanitize=thread -g -O1' \
		LDFLAGS='-fsanitize=thread' >"$log" 2>&1 ||
		! make -s -C "$tsandir/src" "${tests[@]}" >>"$log" 2>&1; then
		echo "threads.sh: the TSan build failed:"
		tail -20 "$log"
		exit 1
	fi
	# clang 14's TSan refuses some high-entropy mmap layouts; without
	# ASLR it always maps.
	norand=()
	if command -v setarch >/dev/null && setarch "$(uname -m)" -R true 2>/dev/null; then
		norand=(setarch "$(uname -m)" -R)
	fi
	for t in "${tests[@]}"; do
		check "tsan $t" env TSAN_OPTIONS='halt_on_error=1 exitcode=66' \
			"${norand[@]}" "$tsandir/src/$t"
	done
fi

if [ "$what" != tsan ]; then
	command -v valgrind >/dev/null || { echo "threads.sh: valgrind not installed"; exit 1; }
	make -s "${tests[@]}" >"$log" 2>&1 || { echo "threads.sh: cannot build the tests:"; tail -20 "$log"; exit 1; }
	for t in "${tests[@]}"; do
		rounds=30
		[ "$t" = tests/hardening/test_sasl_threads ] && rounds=2
		check "helgrind $t ($rounds rounds)" env ATOK_TEST_ROUNDS=$rounds \
			./libtool --mode=execute valgrind -q --tool=helgrind \
			--error-exitcode=1 --num-callers=40 \
			--suppressions=tests/style/helgrind.supp "$t"
	done
fi
exit $status
