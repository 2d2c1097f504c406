#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# options.sh - the apitoken command line against its command table: each
# command takes its own options and no other (table-driven over every
# command and every option of the others), COMMAND --help, unknown
# commands, operands, words that may be secrets never echoed, and the
# valid lines, short options included, still working.  Prints TAP.
# Everything happens in one mktemp -d directory.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/cli.sh
. "$top_srcdir/tests/lib/cli.sh"
cli_setup apitoken-options
printf '[client]\nstore = %s/client\n' "$T" >>"$CONF"

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
			fail "$d" "exit status $rc"
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
		t_in out "$c takes $o" "" 0 \
			"^usage: apitoken \[--config FILE\] $c" \
			--config "$CONF" "${words[@]}" "${args[@]}" --help
	done
done
# Nothing ran: no store, no client state was created.
check "the refused lines created no store" test ! -e "$T/store"
check "the refused lines created no account state" test ! -e "$T/client"

# --- COMMAND --help ---------------------------------------------------------
for c in "${COMMANDS[@]}"; do
	read -ra words <<<"$c"
	for h in --help -h; do
		t_in out "$c $h: its usage on stdout, exit 0" "" 0 \
			"^usage: apitoken \[--config FILE\] $c( |$)" \
			--config "$CONF" "${words[@]}" "$h"
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
	t_in out "$c OPERAND --help: the usage, exit 0" "" 0 "^usage: " \
		--config "$CONF" "${words[@]}" "${OPERAND[$c]:-x}" --help
done

# --- apitoken --help lists the commands of the table ---------------------------
t_in out "--help: exit 0" "" 0 '^usage: apitoken' --help
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
	t_in out "$g --help: the $g commands on stdout, exit 0" "" 0 \
		"^  $g [a-z]+" "$g" --help
	t_in err "$g without a command: 64, the usage" "" 64 \
		"^usage: apitoken \[--config FILE\] $g COMMAND" \
		--config "$CONF" "$g"
done

# --- unknown commands, operands, option arguments ------------------------------
t_in err "an unknown command: 64" "" 64 \
	'^apitoken: unknown command "frobnicate"$' --config "$CONF" frobnicate
t_in err "an unknown oauth command: 64" "" 64 \
	'^apitoken oauth: unknown command "frobnicate"$' \
	--config "$CONF" oauth frobnicate
t_in err "an unknown store command: 64" "" 64 \
	'^apitoken store: unknown command "frobnicate"$' \
	--config "$CONF" store frobnicate
t_in err "no command: 64, the usage" "" 64 '^usage: apitoken' --config "$CONF"

# A token where a word is expected: never echoed (no "Secret" on stderr).
SECRET=apt_AAAAAAAAAAAA_Secret0Secret1Secret2Secret3Secret4Secret5Sec9zzzzz
t_in err "a token as the command: 64" "" 64 'unknown command' \
	--config "$CONF" "$SECRET"
check "a token as the command is not echoed" fails grep -q Secret "$T/err"
t_in err "a token as an option: 64" "" 64 'unrecognized option' \
	--config "$CONF" list "--$SECRET=1"
check "a token as an option is not echoed" fails grep -q Secret "$T/err"
t_in err "verify with an argument: 64, never on the command line" "$SECRET" 64 \
	'^apitoken verify: unexpected argument.*never' \
	--config "$CONF" verify "$SECRET"
check "verify's argument is not echoed" fails grep -q Secret "$T/err"
t_in err "revoke with two arguments: 64" "" 64 'unexpected argument' \
	--config "$CONF" revoke AAAAAAAAAAAA "$SECRET"
check "revoke's extra argument is not echoed" fails grep -q Secret "$T/err"

t_in err "an option without its argument: 64" "" 64 \
	"^apitoken list: option '--user' requires an argument$" \
	--config "$CONF" list --user
t_in err "a short option without its argument: 64" "" 64 \
	"^apitoken list: option '--user' requires an argument$" \
	--config "$CONF" list -u
t_in err "an argument to a flag: 64" "" 64 \
	"^apitoken list: option '--json' allows no argument$" \
	--config "$CONF" list --json=yes
t_in err "an ambiguous abbreviation: 64" "" 64 \
	"^apitoken verify: option '--s' is ambiguous$" \
	--config "$CONF" verify --s x
t_in err "an unknown short option: 64" "" 64 \
	"^apitoken list: unrecognized option '-Z'$" --config "$CONF" list -Z
t_in err "a short option of another command: 64" "" 64 \
	"^apitoken list: unrecognized option '-e'$" \
	--config "$CONF" list -e 1d
t_in err "list with an argument: 64" "" 64 \
	'^apitoken list: unexpected argument' --config "$CONF" list stray
t_in err "rotate without an id: 64" "" 64 \
	'^apitoken rotate: missing argument$' --config "$CONF" rotate
t_in err "oauth token without a name: 64" "" 64 \
	'^apitoken oauth token: missing argument$' \
	--config "$CONF" oauth token
t_in err "oauth refresh without NAME or --all: 64" "" 64 \
	'^apitoken oauth refresh: give either' --config "$CONF" oauth refresh
t_in err "oauth test without a server: 64" "" 64 '^apitoken oauth test: give' \
	--config "$CONF" oauth test mail
t_in err "store copy without --from: 64" "" 64 \
	'^apitoken store copy: needs --from' --config "$CONF" store copy
t_in err "store init without --print-sql: 64" "" 64 \
	'^apitoken store init: needs --print-sql' --config "$CONF" store init

# The shared --json is one option, with its short letter, everywhere.
t_in out "oauth status -j (the shared --json)" "" 0 '^\[\]$' \
	--config "$CONF" oauth status -j

# --- valid lines still work ----------------------------------------------------
run "" --config "$CONF" issue -u alice -s read -s write -e 2h -n short \
	-F 127.0.0.0/8 -j
expect_in out "issue with the short options" 0 '"name":"short"'
ID=$(printf '%s' "$out" | sed -n 's/.*"id":"\([0-9A-Za-z]\{12\}\)".*/\1/p')
TOK=$(printf '%s' "$out" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
# shellcheck disable=SC2317 # called through check
token_has_id() { [[ $TOK =~ $TOKEN_RE ]] && [ "${TOK:4:12}" = "$ID" ]; }
check "issue -j: the token and its id" token_has_id
t_in out "issue: --opt=value, --config after the command" "" 0 "$TOKEN_RE" \
	issue --user=bob --scope=read --expires=1h --config="$CONF"
t_in out "issue: unambiguous abbreviations" "" 0 '"user":"carol"' \
	--config "$CONF" issue --us carol --expire 1d --js
t_in out "list with the short options" "" 0 "\"id\":\"$ID\"" \
	--config "$CONF" list -u alice -x 1d -j
t_in out "list: the long options, --config after the command" "" 0 \
	"\"id\":\"$ID\"" \
	list --config "$CONF" --user alice --expiring 1d --json
t_in out "verify with the short options" "$TOK" 0 '"result":"accept"' \
	--config "$CONF" verify -u alice -s read -S sshd -R 127.0.0.1 -j
run "$TOK" verify --user alice --scope write --service imap \
	--remote-addr 127.0.0.2 --json --config "$CONF"
expect_in out "verify with the long options" 0 '"result":"accept"'
t_in out "rotate: the short options before the id" "" 0 \
	"\"rotated_from\":\"$ID\"" \
	--config "$CONF" rotate -j -e 3h -G 1h -F 127.0.0.0/8 "$ID"
NEW=$(printf '%s' "$out" | sed -n 's/.*"id":"\([0-9A-Za-z]\{12\}\)".*/\1/p')
run "" rotate "$NEW" --config "$CONF" --expires 4h --grace 0 \
	--from 127.0.0.0/8 --json
expect_in out "rotate: the id before the long options" 0 \
	"\"rotated_from\":\"$NEW\""
NEW2=$(printf '%s' "$out" | sed -n 's/.*"id":"\([0-9A-Za-z]\{12\}\)".*/\1/p')
t_in err "revoke --config FILE -- ID" "" 0 "Token $NEW2 is revoked" \
	revoke --config "$CONF" -- "$NEW2"
t_in out "check-config --config after the command" "" 0 ': ok$' \
	check-config --config "$CONF"
run "" --config "$CONF" check-config --postfix
if [ "$rc" != 64 ] && grep -Eq '^[0-9]+ problems?$' "$T/out"; then
	pass "check-config --postfix runs the Postfix checks"
else
	fail "check-config --postfix runs the Postfix checks" "rc=$rc"
fi
t_in out "oauth status --json without accounts" "" 0 '^\[\]$' \
	--config "$CONF" oauth status --json
t_in out "oauth refresh --all without accounts" "" 0 '' \
	--config "$CONF" oauth refresh --all
run "" --config "$CONF" store init --print-sql
if [ "$rc" = 0 ] && grep -q '^BEGIN;$' "$T/out"; then
	pass "store init --print-sql prints the SQL"
elif [ "$rc" = 2 ] && grep -q 'built without' "$T/err"; then
	skip "store init --print-sql" "built without libpq"
else
	fail "store init --print-sql prints the SQL" "rc=$rc"
fi
t_in out "--version" "" 0 '^apitoken [0-9]+\.[0-9]+' --version

finish
