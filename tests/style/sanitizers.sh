#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite in an ASan+UBSan build (configure --enable-sanitizers,
# built apart with scripts/variant): every test must pass, and no process --
# ours, or a host such as sshd, sudo, imapd or postfix's smtpd that loads our
# modules -- may leave a sanitizer report (tests/sanitizer-reports).
# Prints the suite's counts as "sanitizers: N passed, N failed, N skipped".
# Run from the top of a configured tree (after scripts/build).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-san.XXXXXX")
trap 'rm -rf "$d"' EXIT
# Hosts running as other users (cyrus, the test users) write their reports
# below this tree: let them through.
chmod 0755 "$d"
if ! scripts/variant "$d" --enable-sanitizers --enable-werror >"$d.log" 2>&1; then
	cat "$d.log"
	rm -f "$d.log"
	echo "sanitizers: the ASan+UBSan build failed"
	exit 1
fi
rm -f "$d.log"
src=$d/src
# The authorization server's node modules are installed once, in the tree.
[ -d "$top/tests/oidc/node_modules" ] && ln -s "$top/tests/oidc/node_modules" "$src/tests/oidc/node_modules"
make -C "$src" -j2 check >"$d/check.out" 2>&1
get() { sed -n "s/^# $1: *\([0-9]*\)$/\1/p" "$src/test-suite.log" 2>/dev/null | head -1; }
pass=$(( $(get PASS) + $(get XFAIL) )) fail=$(( $(get FAIL) + $(get ERROR) + $(get XPASS) )) skip=$(get SKIP)
status=0
if [ ! -f "$src/test-suite.log" ]; then
	tail -40 "$d/check.out"
	echo "sanitizers: make check produced no test-suite.log"
	exit 1
fi
if [ "$fail" -gt 0 ] || { [ "${CI:-}" = true ] && [ "$skip" -gt 0 ]; }; then
	grep -E '^(FAIL|ERROR|SKIP|XPASS):' "$d/check.out" | sort -u | head -60
	status=1
fi
reports=$(find "$src/tests/sanitizer-reports" -type f 2>/dev/null | sort)
if [ -n "$reports" ]; then
	echo "sanitizer reports:"
	for r in $reports; do
		echo "== $r"
		head -60 "$r"
	done
	status=1
fi
echo "sanitizers: $pass passed, $fail failed, $skip skipped, $(printf '%s' "$reports" | grep -c .) reports"
exit $status
