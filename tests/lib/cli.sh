# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/lib/cli.sh - what the suites of the apitoken command share
# (tests/cli/cli.sh, lifecycle.sh, options.sh): their set-up, one run of
# the command and the check of its outcome (bash).  Source
# tests/lib/tap.sh first, then this, then call cli_setup NAME:
#
#   cli_setup NAME         tools/apitoken is built (APITOKEN); T, a temp
#                          dir (tests/lib/suite.sh); umask 022; CONF, a
#                          configuration (mode 0600) holding
#                          "[store] path = $DB", DB=$STORE/tokens.db,
#                          STORE=$T/store (not created)
#   run STDIN ARGS...      apitoken ARGS, STDIN (a string, no newline
#                          added) on its standard input: sets rc, out, err
#                          (also in $T/out and $T/err)
#   runf FILE ARGS...      the same with standard input from FILE
#   expect DESC RC REGEX   the last run exited RC and its stdout or stderr
#                          matches the extended REGEX (empty: no text check)
#   expect_in out|err DESC RC REGEX
#                          the same, REGEX matched in stdout or stderr only
#   t DESC STDIN RC REGEX ARGS...
#                          a table row: run, then expect
#   t_in out|err DESC STDIN RC REGEX ARGS...
#                          run, then expect_in
#   issue_ok ARGS...       apitoken --config $CONF issue ARGS: sets tok and
#                          id; fails (id empty) unless the token has the
#                          documented shape (TOKEN_RE)
#   matches TEXT REGEX     TEXT matches the extended REGEX (for check)
#   have_json              jq is installed
#   jget JSON FILTER       jq -r FILTER of JSON (fails without jq)
#   json_is DESC JSON FILTER WANT
#                          FILTER's value is WANT (a skip without jq)
#
# After any failure the last run's stdout and stderr are shown
# (TAP_ON_FAIL).

: "${top_srcdir:?}" "${top_builddir:?}"
# shellcheck source=tests/lib/suite.sh
. "$top_srcdir/tests/lib/suite.sh"

APITOKEN="$top_builddir/tools/apitoken"
TOKEN_RE='^apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$'

cli_setup() {
	suite_built "$APITOKEN"
	suite_tmpdir "$1"
	umask 022
	STORE="$T/store"
	DB="$STORE/tokens.db"
	CONF="$T/apitoken.conf"
	printf '[store]\npath = %s\n' "$DB" >"$CONF"
	chmod 0600 "$CONF"
}

# shellcheck disable=SC2317 # called through TAP_ON_FAIL
cli_show_run() {
	[ -n "${rc+set}" ] || return 0
	printf '%s\n' "stdout: ${out-}" "stderr: ${err-}" | sed 's/^/#   /'
}
# shellcheck disable=SC2034 # read by tests/lib/tap.sh
TAP_ON_FAIL=cli_show_run

run() {
	local input=$1
	shift
	printf '%s' "$input" | "$APITOKEN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

runf() {
	local file=$1
	shift
	"$APITOKEN" "$@" <"$file" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

expect_in() {
	local where=$1 d=$2 want=$3 re=$4 text name
	case $where in
	out) text=$out name=stdout ;;
	err) text=$err name=stderr ;;
	*) text=$out$'\n'$err name="stdout or stderr" ;;
	esac
	if [ "$rc" != "$want" ]; then
		fail "$d" "exit status $rc, want $want"
	elif [ -n "$re" ] && ! printf '%s\n' "$text" | grep -Eq -- "$re"; then
		fail "$d" "$name does not match /$re/"
	else
		pass "$d"
	fi
}

expect() { expect_in any "$@"; }

t_in() {
	local where=$1 d=$2 in=$3 want=$4 re=$5
	shift 5
	run "$in" "$@"
	expect_in "$where" "$d" "$want" "$re"
}

t() { t_in any "$@"; }

issue_ok() {
	run "" --config "$CONF" issue "$@"
	tok=$out
	id=""
	if [ "$rc" = 0 ] && [[ $tok =~ $TOKEN_RE ]]; then
		# shellcheck disable=SC2034 # for the suite
		id=${tok:4:12}
	else
		return 1
	fi
}

matches() { [[ $1 =~ $2 ]]; }

have_json() { command -v jq >/dev/null 2>&1; }

jget() {
	have_json || return 1
	printf '%s' "$1" | jq -r "$2" 2>/dev/null
}

json_is() {
	local got
	if ! have_json; then
		skip "$1" "no jq"
		return
	fi
	got=$(jget "$2" "$3")
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "$3 = '$got', want '$4'" "json: $2"
	fi
}
