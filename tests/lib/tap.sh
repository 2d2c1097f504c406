# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/lib/tap.sh - the one TAP vocabulary of the shell suites (POSIX sh,
# so the /bin/sh scripts can use it too).  Source it, then:
#
#   pass DESC                  ok N - DESC
#   fail DESC [DETAIL...]      not ok N - DESC; each DETAIL as "#   " lines
#   skip DESC [REASON]         ok N - DESC # SKIP REASON
#   check DESC CMD...          pass or fail by CMD's exit status
#   check_quiet DESC CMD...    the same with CMD's output kept out of the
#                              TAP stream and shown (30 lines) on failure
#   expect_empty DESC TEXT     pass when TEXT is empty, else fail showing it
#   diag                       a filter: stdin as "# " lines
#   note TEXT...               one "# " line
#   skip_all REASON            "1..0 # SKIP REASON", exit 0: before any test
#   bail REASON                "Bail out! REASON", exit 1
#   finish                     the plan "1..N"; exit 0 when nothing failed
#
# tap_n counts the tests and tap_failed the failures.  A suite that wants
# more shown after each failure (log tails, say) names a function in
# TAP_ON_FAIL; bail calls it too.  TAP_FILTER names a filter (a function
# reading stdin) that fail's details pass through first, to mask secrets
# a failing command line may hold.  Descriptions are the assertions: the
# automake TAP driver reports them, so keep them stable.

tap_n=0
tap_failed=0
: "${TAP_ON_FAIL:=}" "${TAP_FILTER:=}"

pass() {
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s\n' "$tap_n" "$1"
}

fail() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	printf 'not ok %d - %s\n' "$tap_n" "$1"
	shift
	for _tap_line in "$@"; do
		printf '%s\n' "$_tap_line" | "${TAP_FILTER:-cat}" | sed 's/^/#   /'
	done
	if [ -n "$TAP_ON_FAIL" ]; then "$TAP_ON_FAIL"; fi
	return 0
}

skip() {
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$tap_n" "$1" "${2:-}"
}

check() {
	_tap_desc=$1
	shift
	if "$@"; then pass "$_tap_desc"; else fail "$_tap_desc" "failed: $*"; fi
}

check_quiet() {
	_tap_desc=$1
	shift
	_tap_out=$(mktemp "${TMPDIR:-/tmp}/tap-out.XXXXXX") || {
		fail "$_tap_desc" "mktemp"
		return 0
	}
	if "$@" >"$_tap_out" 2>&1; then
		pass "$_tap_desc"
	else
		fail "$_tap_desc" "failed: $*"
		sed -n '1,30s/^/#   /p' "$_tap_out"
	fi
	rm -f "$_tap_out"
}

expect_empty() {
	if [ -z "$2" ]; then
		pass "$1"
	else
		fail "$1" "${2#; }"
	fi
}

diag() { sed 's/^/# /'; }

note() { printf '# %s\n' "$*"; }

skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

bail() {
	printf 'Bail out! %s\n' "$*"
	if [ -n "$TAP_ON_FAIL" ]; then "$TAP_ON_FAIL"; fi
	exit 1
}

finish() {
	printf '1..%d\n' "$tap_n"
	[ "$tap_failed" -eq 0 ] && exit 0
	exit 1
}
