#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# options.sh - the apitoken command line against its command table: each
# command takes its own options and no other (table-driven over every
# command and every option of the others), COMMAND --help, unknown
# commands, operands, words that may be secrets never echoed, and the
# valid lines, short options included, still working.  Prints TAP.
# Everything happens in one mktemp -d directory.
set -u

: "${top_builddir:=.}" "${top_srcdir:=.}"
APITOKEN="$top_builddir/tools/apitoken"

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}
check() {
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d" "failed: $*"; fi
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}

if [ ! -x "$APITOKEN" ]; then
	fail "$APITOKEN is built"
	finish
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-options.XXXXXX") || {
	fail "mktemp -d"
	finish
}
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 022

CONF="$T/apitoken.conf"
printf '[store]\npath = %s/store/tokens.db\n[client]\nstore = %s/client\n' \
	"$T" "$T" >"$CONF"
chmod 0600 "$CONF"

# run STDIN ARGS...: runs apitoken; sets rc, out, err.
run() {
	local input=$1
	shift
	printf '%s' "$input" | "$APITOKEN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# expect DESC RC WHERE REGEX: the last run's exit status, and WHERE (out,
# err) matches the extended regex (empty: no text check).
expect() {
	local d=$1 want=$2 where=$3 re=$4 text
	[ "$where" = out ] && text=$out || text=$err
	if [ "$rc" != "$want" ]; then
		fail "$d" "exit status $rc, want $want" "stdout: $out" \
			"stderr: $err"
	elif [ -n "$re" ] && ! printf '%s\n' "$text" | grep -Eq -- "$re"; then
		fail "$d" "std$where does not match /$re/" "stdout: $out" \
			"stderr: $err"
	else
		pass "$d"
	fi
}

# --- the table ------------------------------------------------------------
# Every command, the words that name it, and its options (with an argument
# where it takes one), as apitoken(1) documents them.  The --help check
# below proves this list is the command's own.
COMMANDS=(issue list revoke rotate verify check-config
	"oauth login" "oauth token" "oauth refresh" "oauth status"
	"oauth logout" "oauth test" "store init" "store migrate" "store copy")
declare -A OWN=(
	[issue]="--user --scope --expires --name --from --json --config"
	[list]="--user --expiring --json --config"
	[revoke]="--config"
	[rotate]="--expires --grace --from --json --config"
	[verify]="--user --scope --service --remote-addr --json --config"
	[check-config]="--postfix --config"
	[oauth login]="--device --browser --paste --owner"
	[oauth token]=""
	[oauth refresh]="--all"
	[oauth status]="--json"
	[oauth logout]="--force"
	[oauth test]="--smtp --smtps --imap --imaps --mech"
	[store init]="--print-sql"
	[store migrate]=""
	[store copy]="--from"
)
# An operand that satisfies each command (an id, an account name).
declare -A OPERAND=(
	[revoke]=AAAAAAAAAAAA [rotate]=AAAAAAAAAAAA
	[oauth login]=mail [oauth token]=mail [oauth refresh]=mail
	[oauth status]=mail [oauth logout]=mail [oauth test]=mail
)
# Every option of every command, with an argument when it takes one.
declare -A ARG=(
	[--user]=alice [--scope]=read [--expires]=1d [--name]=x
	[--from]=127.0.0.0/8 [--grace]=1h [--remote-addr]=127.0.0.1
	[--expiring]=7d [--service]=sshd [--config]="$CONF"
	[--owner]=root [--smtp]=127.0.0.1:25 [--smtps]=127.0.0.1:465
	[--imap]=127.0.0.1:143 [--imaps]=127.0.0.1:993 [--mech]=xoauth2
)
ALL_OPTS="--user --scope --expires --name --from --grace --remote-addr
	--expiring --service --json --config --postfix --device --browser
	--paste --owner --all --force --smtp --smtps --imap --imaps --mech
	--print-sql"

# --- each command refuses every option that is not its own -------------------
for c in "${COMMANDS[@]}"; do
	read -ra words <<<"$c"
	for o in $ALL_OPTS; do
		case " ${OWN[$c]} " in *" $o "*) continue ;; esac
		args=("$o")
		[ -n "${ARG[$o]-}" ] && args+=("${ARG[$o]}")
		[ -n "${OPERAND[$c]-}" ] && args+=("${OPERAND[$c]}")
		run "" --config "$CONF" "${words[@]}" "${args[@]}"
		d="$c refuses $o: 64, named on stderr with the usage"
		if [ "$rc" = 64 ] && [ ! -s "$T/out" ] &&
			[ "$(head -n 1 "$T/err")" = \
				"apitoken $c: unrecognized option '$o'" ] &&
			grep -q "^usage: apitoken \[--config FILE\] $c" "$T/err"; then
			pass "$d"
		else
			fail "$d" "exit status $rc" "stdout: $out" "stderr: $err"
		fi
	done
done
# ... and takes each of its own (the parser reads it, then --help stops).
for c in "${COMMANDS[@]}"; do
	read -ra words <<<"$c"
	for o in ${OWN[$c]}; do
		args=("$o")
		[ -n "${ARG[$o]-}" ] && args+=("${ARG[$o]}")
		[ -n "${OPERAND[$c]-}" ] && args+=("${OPERAND[$c]}")
		run "" --config "$CONF" "${words[@]}" "${args[@]}" --help
		expect "$c takes $o" 0 out "^usage: apitoken \[--config FILE\] $c"
	done
done
# Nothing ran: no store, no client state was created.
check "the refused lines created no store" test ! -e "$T/store"
check "the refused lines created no account state" test ! -e "$T/client"

# --- COMMAND --help ---------------------------------------------------------
for c in "${COMMANDS[@]}"; do
	read -ra words <<<"$c"
	for h in --help -h; do
		run "" --config "$CONF" "${words[@]}" "$h"
		expect "$c $h: its usage on stdout, exit 0" 0 out \
			"^usage: apitoken \[--config FILE\] $c( |$)"
		check "$c $h: nothing on stderr" test ! -s "$T/err"
	done
	# The usage names every option of the command, and no other.
	run "" "${words[@]}" --help
	opts=$(printf '%s\n' "$out" | grep -oE -- '--[a-z][a-z-]*' |
		grep -vx -- --config | sort -u | tr '\n' ' ')
	want=$(for o in ${OWN[$c]}; do echo "$o"; done |
		grep -vx -- --config | sort -u | tr '\n' ' ')
	if [ "$opts" = "$want" ]; then
		pass "$c --help shows exactly its options"
	else
		fail "$c --help shows exactly its options" "shows: $opts" \
			"want:  $want"
	fi
	run "" --config "$CONF" "${words[@]}" "${OPERAND[$c]:-x}" --help
	expect "$c OPERAND --help: the usage, exit 0" 0 out "^usage: "
done

# --- apitoken --help lists the commands of the table ---------------------------
run "" --help
expect "--help: exit 0" 0 out '^usage: apitoken'
# A command's line starts "  NAME" (one or two lower-case words).
listed=$(printf '%s\n' "$out" |
	sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}\)\( .*\)\{0,1\}$/\1/p' |
	sort | tr '\n' ,)
want=$(printf '%s\n' "${COMMANDS[@]}" | sort | tr '\n' ,)
if [ "$listed" = "$want" ]; then
	pass "--help lists every command, and only those"
else
	fail "--help lists every command, and only those" "listed: $listed" \
		"want:   $want"
fi
for g in oauth store; do
	run "" "$g" --help
	expect "$g --help: the $g commands on stdout, exit 0" 0 out \
		"^  $g [a-z]+"
	run "" --config "$CONF" "$g"
	expect "$g without a command: 64, the usage" 64 err \
		"^usage: apitoken \[--config FILE\] $g COMMAND"
done

# --- unknown commands, operands, option arguments ------------------------------
run "" --config "$CONF" frobnicate
expect "an unknown command: 64" 64 err '^apitoken: unknown command "frobnicate"$'
run "" --config "$CONF" oauth frobnicate
expect "an unknown oauth command: 64" 64 err \
	'^apitoken oauth: unknown command "frobnicate"$'
run "" --config "$CONF" store frobnicate
expect "an unknown store command: 64" 64 err \
	'^apitoken store: unknown command "frobnicate"$'
run "" --config "$CONF"
expect "no command: 64, the usage" 64 err '^usage: apitoken'

SECRET=apt_AAAAAAAAAAAA_Secret0Secret1Secret2Secret3Secret4Secret5Sec9zzzzz
# not_echoed: the last run's stderr holds no part of the secret.
not_echoed() { ! grep -q Secret "$T/err"; }
run "" --config "$CONF" "$SECRET"
expect "a token as the command: 64" 64 err 'unknown command'
check "a token as the command is not echoed" \
	not_echoed
run "" --config "$CONF" list "--$SECRET=1"
expect "a token as an option: 64" 64 err 'unrecognized option'
check "a token as an option is not echoed" not_echoed
run "$SECRET" --config "$CONF" verify "$SECRET"
expect "verify with an argument: 64, never on the command line" 64 err \
	'^apitoken verify: unexpected argument.*never'
check "verify's argument is not echoed" not_echoed
run "" --config "$CONF" revoke AAAAAAAAAAAA "$SECRET"
expect "revoke with two arguments: 64" 64 err 'unexpected argument'
check "revoke's extra argument is not echoed" \
	not_echoed

run "" --config "$CONF" list --user
expect "an option without its argument: 64" 64 err \
	"^apitoken list: option '--user' requires an argument$"
run "" --config "$CONF" list -u
expect "a short option without its argument: 64" 64 err \
	"^apitoken list: option '--user' requires an argument$"
run "" --config "$CONF" list --json=yes
expect "an argument to a flag: 64" 64 err \
	"^apitoken list: option '--json' allows no argument$"
run "" --config "$CONF" verify --s x
expect "an ambiguous abbreviation: 64" 64 err \
	"^apitoken verify: option '--s' is ambiguous$"
run "" --config "$CONF" list -Z
expect "an unknown short option: 64" 64 err \
	"^apitoken list: unrecognized option '-Z'$"
run "" --config "$CONF" list -e 1d
expect "a short option of another command: 64" 64 err \
	"^apitoken list: unrecognized option '-e'$"
run "" --config "$CONF" list stray
expect "list with an argument: 64" 64 err '^apitoken list: unexpected argument'
run "" --config "$CONF" rotate
expect "rotate without an id: 64" 64 err '^apitoken rotate: missing argument$'
run "" --config "$CONF" oauth token
expect "oauth token without a name: 64" 64 err \
	'^apitoken oauth token: missing argument$'
run "" --config "$CONF" oauth refresh
expect "oauth refresh without NAME or --all: 64" 64 err \
	'^apitoken oauth refresh: give either'
run "" --config "$CONF" oauth test mail
expect "oauth test without a server: 64" 64 err '^apitoken oauth test: give'
run "" --config "$CONF" store copy
expect "store copy without --from: 64" 64 err \
	'^apitoken store copy: needs --from'
run "" --config "$CONF" store init
expect "store init without --print-sql: 64" 64 err \
	'^apitoken store init: needs --print-sql'

# The shared --json is one option, with its short letter, everywhere.
run "" --config "$CONF" oauth status -j
expect "oauth status -j (the shared --json)" 0 out '^\[\]$'

# --- valid lines still work ----------------------------------------------------
TOKEN_RE='^apt_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$'
run "" --config "$CONF" issue -u alice -s read -s write -e 2h -n short \
	-F 127.0.0.0/8 -j
expect "issue with the short options" 0 out '"name":"short"'
ID=$(printf '%s' "$out" | sed -n 's/.*"id":"\([0-9A-Za-z]\{12\}\)".*/\1/p')
TOK=$(printf '%s' "$out" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
token_has_id() { [[ $TOK =~ $TOKEN_RE ]] && [ "${TOK:4:12}" = "$ID" ]; }
check "issue -j: the token and its id" token_has_id
run "" issue --user=bob --scope=read --expires=1h --config="$CONF"
expect "issue: --opt=value, --config after the command" 0 out "$TOKEN_RE"
run "" --config "$CONF" issue --us carol --expire 1d --js
expect "issue: unambiguous abbreviations" 0 out '"user":"carol"'
run "" --config "$CONF" list -u alice -x 1d -j
expect "list with the short options" 0 out "\"id\":\"$ID\""
run "" list --config "$CONF" --user alice --expiring 1d --json
expect "list: the long options, --config after the command" 0 out \
	"\"id\":\"$ID\""
run "$TOK" --config "$CONF" verify -u alice -s read -S sshd -R 127.0.0.1 -j
expect "verify with the short options" 0 out '"result":"accept"'
run "$TOK" verify --user alice --scope write --service imap \
	--remote-addr 127.0.0.2 --json --config "$CONF"
expect "verify with the long options" 0 out '"result":"accept"'
run "" --config "$CONF" rotate -j -e 3h -G 1h -F 127.0.0.0/8 "$ID"
expect "rotate: the short options before the id" 0 out \
	"\"rotated_from\":\"$ID\""
NEW=$(printf '%s' "$out" | sed -n 's/.*"id":"\([0-9A-Za-z]\{12\}\)".*/\1/p')
run "" rotate "$NEW" --config "$CONF" --expires 4h --grace 0 \
	--from 127.0.0.0/8 --json
expect "rotate: the id before the long options" 0 out \
	"\"rotated_from\":\"$NEW\""
NEW2=$(printf '%s' "$out" | sed -n 's/.*"id":"\([0-9A-Za-z]\{12\}\)".*/\1/p')
run "" revoke --config "$CONF" -- "$NEW2"
expect "revoke --config FILE -- ID" 0 err "Token $NEW2 is revoked"
run "" check-config --config "$CONF"
expect "check-config --config after the command" 0 out ': ok$'
run "" --config "$CONF" check-config --postfix
if [ "$rc" != 64 ] && grep -Eq '^[0-9]+ problems?$' "$T/out"; then
	pass "check-config --postfix runs the Postfix checks"
else
	fail "check-config --postfix runs the Postfix checks" "rc=$rc" \
		"stdout: $out" "stderr: $err"
fi
run "" --config "$CONF" oauth status --json
expect "oauth status --json without accounts" 0 out '^\[\]$'
run "" --config "$CONF" oauth refresh --all
expect "oauth refresh --all without accounts" 0 out ''
run "" --config "$CONF" store init --print-sql
if [ "$rc" = 0 ] && grep -q '^BEGIN;$' "$T/out"; then
	pass "store init --print-sql prints the SQL"
elif [ "$rc" = 2 ] && grep -q 'built without' "$T/err"; then
	pass "store init --print-sql # SKIP built without libpq"
else
	fail "store init --print-sql prints the SQL" "rc=$rc" "stderr: $err"
fi
run "" --version
expect "--version" 0 out '^apitoken [0-9]+\.[0-9]+'

finish
