# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=sh
# tests/lib/suite.sh - the set-up every shell suite would otherwise write
# again (POSIX sh).  Source tests/lib/tap.sh first, then this, then:
#
#   suite_built FILE...   each FILE is built (a regular, executable file);
#                         else "not ok - FILE is built", the plan, exit 1
#   suite_tmpdir NAME     T: a new directory $TMPDIR/NAME.XXXXXX, removed
#                         at exit (else "not ok - mktemp -d", the plan,
#                         exit 1); INT and TERM exit 130, so it is removed
#                         then too
#   fails CMD...          CMD exits non-zero (for check: check DESC fails
#                         grep -q SECRET FILE)
#
# A suite that has more to undo at exit (a server to stop, workers to
# kill) names a function in SUITE_CLEANUP: the exit trap runs it before it
# removes $T.

: "${SUITE_CLEANUP:=}"

suite_built() {
	for _suite_file in "$@"; do
		if [ ! -f "$_suite_file" ] || [ ! -x "$_suite_file" ]; then
			fail "$_suite_file is built"
			finish
		fi
	done
}

suite_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || {
		fail "mktemp -d"
		finish
	}
	trap suite_cleanup EXIT
	trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317 # called by the EXIT trap
suite_cleanup() {
	if [ -n "$SUITE_CLEANUP" ]; then "$SUITE_CLEANUP"; fi
	rm -rf "$T"
}

fails() { ! "$@"; }
