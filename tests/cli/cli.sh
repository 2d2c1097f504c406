#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# cli.sh - the apitoken command end to end: issue, list, revoke, rotate,
# verify, check-config, store permissions, and a read-only service user.
# Prints TAP.  Everything happens in one mktemp -d directory.
#
# Needs: bash, jq for the JSON checks, python3 for the
# checksum-valid forgeries, root + setpriv + group "nogroup" for the
# service-user cases (skipped otherwise).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/cli.sh
. "$top_srcdir/tests/lib/cli.sh"
cli_setup apitoken-cli

# --- helpers ----------------------------------------------------------------

# mode FILE: the octal permission bits.
mode() { stat -c %a "$1"; }
# forge PREFIX: PREFIX (55 characters) with a valid checksum appended.
forge() {
	python3 -c '
import sys, zlib
s = sys.argv[1]
v = zlib.crc32(s.encode())
b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
o = ""
for _ in range(6):
    o = b[v % 62] + o
    v //= 62
print(s + o)
' "$1"
}

# token_as_id COMMAND: COMMAND given bob's token where an id belongs is
# refused, does not echo the secret, and leaves the token valid.
token_as_id() {
	t "$1 given a token instead of an id: 64, tokens never on the command line" \
		"" 64 'never.*command line' --config "$CONF" "$1" "$BOB"
	check "$1 given a token does not echo its secret" \
		test "$(grep -cF -- "${BOB:17:20}" "$T/err")" = 0
	t "bob's token still works after the refused $1" "$BOB" 0 '' \
		--config "$CONF" verify
}

# --- global options -----------------------------------------------------------

t "--version prints the version" "" 0 '^apitoken [0-9]+\.[0-9]+' --version
t "--help prints the usage" "" 0 'issue --user' --help
for c in issue list revoke rotate verify check-config; do
	check "--help names $c" grep -q -- "$c" "$T/out"
done
t "no command is a usage error" "" 64 'usage' --config "$CONF"
t "an unknown command is a usage error" "" 64 'unknown command' \
	--config "$CONF" frobnicate
t "an unknown option is a usage error" "" 64 'usage' --config "$CONF" \
	list --frob

# --- issue ----------------------------------------------------------------

issue_ok --user alice --scope read --scope write --name "ci deploy"
ALICE=$tok ALICE_ID=$id
if [ -n "$ALICE_ID" ]; then
	pass "issue prints a token of the documented shape"
else
	fail "issue prints a token of the documented shape" "rc=$rc"
fi
check "the token is 66 characters" [ "${#ALICE}" -eq 66 ]
check "stdout holds the token and nothing else" \
	[ "$(wc -l <"$T/out")" -eq 1 ]
check "stderr names the new token's id" grep -qF "$ALICE_ID" "$T/err"
check "stderr says the token is shown only once" grep -q "only time" "$T/err"
check "stderr does not repeat the token" \
	test -n "$ALICE" -a "$(grep -cF -- "${ALICE:17}" "$T/err")" = 0
check "the store directory is created 0700" \
	test "$(mode "$STORE")" = 700
check "the store file is created 0600" test "$(mode "$DB")" = 600
for sfx in -wal -shm; do
	if [ -e "$DB$sfx" ]; then
		check "the store's $sfx file is 0600" \
			test "$(mode "$DB$sfx")" = 600
	else
		skip "the store's $sfx file is 0600" "not present"
	fi
done

if have_json; then
	run "" --config "$CONF" issue --user bob --scope read --json
	BOB=$(jget "$out" .token) BOB_ID=$(jget "$out" .id)
	expect "issue --json succeeds" 0 ""
	check "issue --json: token has the documented shape" \
		matches "$BOB" "$TOKEN_RE"
	check "issue --json: id is the token's id" \
		test -n "$BOB_ID" -a "${BOB:4:12}" = "$BOB_ID"
	check "issue --json: prints one line" [ "$(wc -l <"$T/out")" -eq 1 ]
	json_is "issue --json: user" "$out" .user bob
	json_is "issue --json: scopes" "$out" '.scopes[0]' read
	json_is "issue --json: status active" "$out" .status active
	json_is "issue --json: default expiry is 90 days" "$out" \
		'(.expires - .created)' 7776000

	t "issue --expires never" "" 0 '"expires":null' --config "$CONF" \
		issue --user bob --expires never --json
	t "issue --expires 1h" "" 0 '' --config "$CONF" issue --user bob \
		--expires 1h --json
	json_is "issue --expires 1h expires an hour after creation" "$out" \
		'(.expires - .created)' 3600
	t "issue --expires 30m" "" 0 '' --config "$CONF" issue --user bob \
		--expires 30m --json
	json_is "issue --expires 30m expires 1800 s after creation" "$out" \
		'(.expires - .created)' 1800
else
	issue_ok --user bob --scope read
	BOB=$tok BOB_ID=$id
	skip "issue --json checks" "no jq"
fi

# Table: issue usage errors.  DESC | STDIN | RC | REGEX | ARGS...
t "issue without --user" "" 64 'needs --user' --config "$CONF" issue
t "issue --expires with a bad value" "" 64 'expires' --config "$CONF" \
	issue --user alice --expires soon
t "issue --expires 0" "" 64 'expires' --config "$CONF" issue \
	--user alice --expires 0
t "issue --expires -5d" "" 64 'expires' --config "$CONF" issue \
	--user alice --expires -5d
t "issue --expires 5w (unknown unit)" "" 64 'expires' --config "$CONF" \
	issue --user alice --expires 5w
t "issue with an invalid scope (quote)" "" 64 'invalid scope' \
	--config "$CONF" issue --user alice --scope 'a"b'
t "issue with an invalid scope (space)" "" 64 'invalid scope' \
	--config "$CONF" issue --user alice --scope 'a b'
t "issue with an invalid scope (backslash)" "" 64 'invalid scope' \
	--config "$CONF" issue --user alice --scope 'a\b'
t "issue with a user name holding a space" "" 64 'invalid user' \
	--config "$CONF" issue --user 'al ice'
t "issue with a user name holding a colon" "" 64 'invalid user' \
	--config "$CONF" issue --user 'al:ice'
t "issue with an empty user name" "" 64 'invalid user' \
	--config "$CONF" issue --user ''
t "issue with a 257-byte user name" "" 64 '' --config "$CONF" issue \
	--user "$(printf 'u%.0s' {1..257})"
t "issue with an extra argument" "" 64 '' --config "$CONF" issue \
	--user alice stray

# A token that cannot be written out is in the store but in nobody's
# hands: the command must fail and name it for revocation.
if [ -w /dev/full ]; then
	"$APITOKEN" --config "$CONF" issue --user alice >/dev/full 2>"$T/err"
	rc=$? out="" err=$(cat "$T/err")
	expect "issue to a full stdout fails and names the token to revoke" \
		2 'was not shown: revoke it'
	check "issue to a full stdout does not claim the token was shown" \
		fails grep -q "only time" "$T/err"
	"$APITOKEN" --config "$CONF" list >/dev/full 2>"$T/err"
	rc=$? out="" err=$(cat "$T/err")
	expect "list to a full stdout fails" 2 'could not write'
else
	skip "issue to a full stdout" "no /dev/full"
	skip "issue to a full stdout does not claim the token was shown" \
		"no /dev/full"
	skip "list to a full stdout" "no /dev/full"
fi

# [store] max_expires caps --expires.
MAXCONF="$T/max.conf"
printf '[store]\npath = %s\nmax_expires = 1d\n' "$DB" >"$MAXCONF"
t "max_expires: the 90d default is refused" "" 64 'max_expires' \
	--config "$MAXCONF" issue --user alice
t "max_expires: never is refused" "" 64 'max_expires' \
	--config "$MAXCONF" issue --user alice --expires never
t "max_expires: 12h is allowed" "" 0 '' --config "$MAXCONF" issue \
	--user alice --expires 12h

# --- verify ---------------------------------------------------------------

t "verify accepts a fresh token" "$ALICE" 0 'result: +accept' \
	--config "$CONF" verify
check "verify's text output names user alice" \
	grep -Eq '^user: +alice$' "$T/out"
check "verify's output never shows the secret" \
	test "$(grep -cF -- "${ALICE:17}" "$T/out" "$T/err" |
		awk -F: '{ s += $NF } END { print s }')" = 0
t "verify accepts a token with a trailing newline" "$ALICE"$'\n' 0 '' \
	--config "$CONF" verify
t "verify accepts a token with a trailing CRLF" "$ALICE"$'\r\n' 0 '' \
	--config "$CONF" verify

if have_json; then
	run "$ALICE" --config "$CONF" verify --user alice --scope read --json
	expect "verify --json accepts" 0 ""
	for f in result user scopes source reason why fingerprint token_id \
		expires; do
		check "verify --json has field $f" \
			test "$(jget "$out" "has(\"$f\")")" = true
	done
	json_is "verify --json: result" "$out" .result accept
	json_is "verify --json: user" "$out" .user alice
	json_is "verify --json: scopes" "$out" '(.scopes|length)' 2
	json_is "verify --json: source" "$out" .source local
	json_is "verify --json: token_id" "$out" .token_id "$ALICE_ID"
	check "verify --json: fingerprint is 16 hex digits" \
		matches "$(jget "$out" .fingerprint)" '^[0-9a-f]{16}$'
	check "verify --json: expires is a number" \
		matches "$(jget "$out" .expires)" '^[0-9]+$'
	check "verify --json never shows the secret" \
		fails grep -qF -- "${ALICE:17}" "$T/out"
else
	skip "verify --json checks" "no jq"
fi

# A flipped character: the checksum catches it before any lookup.
c=${ALICE:30:1}
[ "$c" = x ] && r=y || r=x
FLIPPED=${ALICE:0:30}$r${ALICE:31}
TRUNC=${ALICE:0:60}
printf '%20000s' "" | tr ' ' a >"$T/long"
printf 'apt_' >"$T/long_apt"
printf '%19996s' "" | tr ' ' B >>"$T/long_apt"
JWT='eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl'

# Table: verify outcomes.  DESC | STDIN | RC | REGEX | ARGS...
t "verify --user alice (the owner)" "$ALICE" 0 '"why":"none"' \
	--config "$CONF" verify --user alice --json
t "verify --user bob (not the owner): user_mismatch" "$ALICE" 1 \
	'"why":"user_mismatch"' --config "$CONF" verify --user bob --json
t "verify --scope admin (missing): insufficient_scope" "$ALICE" 1 \
	'"why":"insufficient_scope"' --config "$CONF" verify --scope admin \
	--json
t "verify --scope write (present)" "$ALICE" 0 '"result":"accept"' \
	--config "$CONF" verify --scope write --json
t "verify --scope read --scope write (both present)" "$ALICE" 0 \
	'"result":"accept"' --config "$CONF" verify --scope read \
	--scope write --json
t "verify --scope read --scope admin (one missing)" "$ALICE" 1 \
	'"why":"insufficient_scope"' --config "$CONF" verify --scope read \
	--scope admin --json
t "verify --service sshd" "$ALICE" 0 '"result":"accept"' \
	--config "$CONF" verify --service sshd --json
t "verify: a flipped character fails the checksum" "$FLIPPED" 1 \
	'"why":"checksum"' --config "$CONF" verify --json
t "verify: a truncated token is rejected" "$TRUNC" 1 \
	'"why":"(malformed|checksum)"' --config "$CONF" verify --json
t "verify: the token twice on one line is rejected" "$ALICE$ALICE" 1 \
	'"result":"reject"' --config "$CONF" verify --json
t "verify: empty stdin" "" 1 '"why":"empty"' --config "$CONF" verify \
	--json
t "verify: a lone newline" $'\n' 1 '"why":"empty"' --config "$CONF" \
	verify --json
t "verify: a JWT-shaped token has no validator" "$JWT" 1 \
	'"why":"no_validator"' --config "$CONF" verify --json
check "verify: the JWT's source is jwt" \
	grep -q '"source":"jwt"' "$T/out"
t "verify: opaque-looking input with no [introspection] is not a token" \
	"2YotnFZFEjr1zCsicMWpAA" 1 '"why":"not_a_token"' --config "$CONF" \
	verify --json
# shellcheck disable=SC2016 # $1 is the inner sh's
check "verify: input that is not a token has no source and no fingerprint" \
	sh -c 'grep -q "\"source\":\"none\"" "$1" && grep -q "\"fingerprint\":\"\"" "$1"' - "$T/out"
t "verify: bytes no token may hold" 'a b;c' 1 '"why":"not_a_token"' \
	--config "$CONF" verify --json
t "verify: a token on the command line is refused" "" 64 'never' \
	--config "$CONF" verify "$ALICE"
t "verify --scope with an invalid scope" "$ALICE" 64 'invalid scope' \
	--config "$CONF" verify --scope 'a"b'
t "verify: text output of a rejection" "$FLIPPED" 1 'result: +reject' \
	--config "$CONF" verify

runf "$T/long" --config "$CONF" verify --json
expect "verify: 20000 bytes are too_long, no crash" 1 '"why":"too_long"'
runf "$T/long_apt" --config "$CONF" verify --json
expect "verify: 20000 bytes starting apt_ are too_long, no crash" 1 \
	'"why":"too_long"'
printf '%70s' "" | tr ' ' A | sed 's/^/apt_/' >"$T/long_local"
runf "$T/long_local" --config "$CONF" verify --json
expect "verify: a 74-byte apt_ token is too_long" 1 '"why":"too_long"'

if command -v python3 >/dev/null 2>&1; then
	t "verify: unknown id with a valid checksum: unknown_token" \
		"$(forge "apt_ZZZZZZZZZZZZ_${ALICE:17:43}")" 1 \
		'"why":"unknown_token"' --config "$CONF" verify --json
	s=${ALICE:17:43}
	[ "${s:0:1}" = Q ] && r=R || r=Q
	t "verify: known id, wrong secret: bad_secret" \
		"$(forge "${ALICE:0:17}$r${s:1}")" 1 '"why":"bad_secret"' \
		--config "$CONF" verify --json
	check "verify: bad_secret does not reveal the owner" \
		grep -q '"user":""' "$T/out"
else
	skip "verify unknown_token" "no python3"
	skip "verify bad_secret" "no python3"
	skip "verify bad_secret owner" "no python3"
fi

# --- list -----------------------------------------------------------------

issue_ok --user dave --expires 1s --name short
DAVE=$tok DAVE_ID=$id
issue_ok --user erin --name "to revoke"
ERIN=$tok ERIN_ID=$id
run "" --config "$CONF" revoke "$ERIN_ID"
expect "revoke ID succeeds" 0 'revoked'
sleep 2 # DAVE expires

run "" --config "$CONF" list
expect "list succeeds" 0 '^ID +USER +STATUS'
check "list shows alice's token as active" \
	grep -Eq "^$ALICE_ID +alice +active " "$T/out"
check "list shows dave's token as expired" \
	grep -Eq "^$DAVE_ID +dave +expired " "$T/out"
check "list shows erin's token as revoked" \
	grep -Eq "^$ERIN_ID +erin +revoked " "$T/out"
check "list shows the name" grep -q "ci deploy" "$T/out"
check "list never shows a secret" \
	test "$(grep -cF -e "${ALICE:17}" -e "${BOB:17}" "$T/out")" = 0

run "" --config "$CONF" list --user bob
expect "list --user bob succeeds" 0 ''
check "list --user bob shows bob's token" grep -q "^$BOB_ID " "$T/out"
check "list --user bob hides alice's token" \
	test "$(grep -c "^$ALICE_ID " "$T/out")" = 0
t "list --user nobody-here shows only the header" "" 0 '^ID' \
	--config "$CONF" list --user nobody-here
check "list --user nobody-here has one line" \
	[ "$(wc -l <"$T/out")" -eq 1 ]

if have_json; then
	run "" --config "$CONF" list --json
	expect "list --json succeeds" 0 '^\['
	L=$out
	sel() { jget "$L" "[.[] | select(.id == \"$1\")][0]$2"; }
	check "list --json: alice active" test "$(sel "$ALICE_ID" .status)" = active
	check "list --json: dave expired" test "$(sel "$DAVE_ID" .status)" = expired
	check "list --json: erin revoked" test "$(sel "$ERIN_ID" .status)" = revoked
	check "list --json: erin's revoked time is set" \
		matches "$(sel "$ERIN_ID" .revoked)" '^[0-9]+$'
	check "list --json: alice's name" \
		test "$(sel "$ALICE_ID" .name)" = "ci deploy"
	check "list --json: alice's scopes" \
		test "$(sel "$ALICE_ID" '.scopes | join(" ")')" = "read write"
	check "list --json: no token field" \
		test "$(jget "$L" '[.[] | has("token")] | any')" = false
	for f in id user name scopes created expires revoked last_used \
		status rotated_from; do
		check "list --json: field $f" \
			test "$(jget "$L" ".[0] | has(\"$f\")")" = true
	done
	run "" --config "$CONF" list --user bob --json
	check "list --user bob --json lists only bob" \
		test "$(jget "$out" '[.[] | .user] | unique | join(",")')" = bob
else
	skip "list --json checks" "no jq"
fi

# list --expiring: active tokens that expire within the duration.
issue_ok --user frank --expires 3d --name soon
FRANK_ID=$id
issue_ok --user frank --expires 30d --name later
FRANK_LATER_ID=$id
run "" --config "$CONF" list --expiring 7d
expect "list --expiring 7d succeeds" 0 '^ID +USER +STATUS'
check "list --expiring 7d shows the token expiring in 3 days" \
	grep -q "^$FRANK_ID " "$T/out"
check "list --expiring 7d hides the one expiring in 30 days" \
	fails grep -q "^$FRANK_LATER_ID " "$T/out"
check "list --expiring 7d hides tokens that never expire" \
	fails grep -q "^$ALICE_ID " "$T/out"
check "list --expiring 7d hides expired and revoked tokens" \
	fails grep -q -e "^$DAVE_ID " -e "^$ERIN_ID " "$T/out"
run "" --config "$CONF" list --expiring 31d --user frank
check "list --expiring 31d --user frank shows both of frank's tokens" \
	test "$(grep -c '^[0-9A-Za-z]\{12\}  frank ' "$T/out")" = 2
t "list --expiring soon is a usage error" "" 64 'duration' \
	--config "$CONF" list --expiring soon
t "list --expiring 0 is a usage error" "" 64 'duration' \
	--config "$CONF" list --expiring 0

# --- revoke ---------------------------------------------------------------

t "verify a revoked token: rejected, why revoked" "$ERIN" 1 \
	'"why":"revoked"' --config "$CONF" verify --json
t "verify an expired token: rejected, why expired" "$DAVE" 1 \
	'"why":"expired"' --config "$CONF" verify --json
t "revoke an unknown id" "" 1 'no token' --config "$CONF" revoke \
	AAAAAAAAAAAA
t "revoke without an id" "" 64 '' --config "$CONF" revoke
t "revoke a malformed id" "" 64 'not a token id' --config "$CONF" \
	revoke 'abc'
t "revoke with two ids" "" 64 '' --config "$CONF" revoke "$BOB_ID" \
	"$ALICE_ID"
token_as_id revoke

# --- rotate ---------------------------------------------------------------

if have_json; then
	run "" --config "$CONF" issue --user carol --scope read \
		--scope deploy --name "carol's ci" --expires 1h --json
	CAROL=$(jget "$out" .token) CAROL_ID=$(jget "$out" .id)
	run "" --config "$CONF" rotate "$CAROL_ID" --json
	expect "rotate ID succeeds" 0 ""
	R=$out
	NEW=$(jget "$R" .token) NEW_ID=$(jget "$R" .id)
	check "rotate: the new token has the documented shape" \
		matches "$NEW" "$TOKEN_RE"
	check "rotate: a new id" test -n "$NEW_ID" -a "$NEW_ID" != "$CAROL_ID"
	check "rotate: a new secret" \
		test "${NEW:17}" != "${CAROL:17}"
	json_is "rotate: same user" "$R" .user carol
	json_is "rotate: same scopes" "$R" '.scopes | join(" ")' "read deploy"
	json_is "rotate: same name" "$R" .name "carol's ci"
	json_is "rotate: rotated_from is the old id" "$R" .rotated_from \
		"$CAROL_ID"
	json_is "rotate: same lifetime, from now" "$R" \
		'(.expires - .created)' 3600
	t "rotate: the new token is accepted" "$NEW" 0 '"user":"carol"' \
		--config "$CONF" verify --scope deploy --json
	t "rotate: the old token is refused as revoked" "$CAROL" 1 \
		'"why":"revoked"' --config "$CONF" verify --json
	run "" --config "$CONF" list --user carol --json
	check "rotate: list shows the old token revoked" \
		test "$(jget "$out" "[.[] | select(.id == \"$CAROL_ID\")][0].status")" = revoked
	t "rotate a revoked token" "" 1 'revoked' --config "$CONF" rotate \
		"$CAROL_ID"
	run "" --config "$CONF" rotate "$NEW_ID" --expires never --json
	expect "rotate --expires never" 0 '"expires":null'
	json_is "rotate --expires never: rotated_from" "$out" .rotated_from \
		"$NEW_ID"
	t "rotate without --json prints only the token" "" 0 "$TOKEN_RE" \
		--config "$CONF" rotate "$(jget "$out" .id)"
	check "rotate (text): stdout is the token alone" \
		matches "$out" "$TOKEN_RE"
	check "rotate (text): stderr says the old one is revoked" \
		grep -q 'revoked' "$T/err"
else
	skip "rotate checks" "no jq"
fi
t "rotate an unknown id" "" 1 'no token' --config "$CONF" rotate \
	AAAAAAAAAAAA
t "rotate without an id" "" 64 '' --config "$CONF" rotate
t "rotate --expires bad" "" 64 'expires' --config "$CONF" rotate \
	"$BOB_ID" --expires soon
token_as_id rotate

# --- secrets at rest ------------------------------------------------------

found=0
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -e "$f" ] || continue
	for s in "$ALICE" "$BOB" "$DAVE" "$ERIN"; do
		[ -n "$s" ] || continue
		if grep -aqF -- "${s:17:43}" "$f"; then
			found=1
		fi
	done
done
check "no secret is in the store files (db, -wal, -shm)" test "$found" = 0
hit=0
for f in "$DB" "$DB-wal"; do
	[ -e "$f" ] && grep -aqF -- "$ALICE_ID" "$f" && hit=1
done
check "the ids are in the store files (the grep above can see)" \
	test "$hit" = 1

# --- check-config ---------------------------------------------------------

t "check-config: ok" "" 0 'configuration .*: ok' --config "$CONF" \
	check-config
check "check-config: reports the store" \
	grep -Eq 'store .*schema 2, [0-9]+ tokens' "$T/out"

BAD="$T/bad.conf"
# badconf DESC REGEX CONTENT: check-config on CONTENT must fail with 2.
badconf() {
	printf '%b' "$3" >"$BAD"
	chmod 0600 "$BAD"
	t "check-config: $1" "" 2 "$2" --config "$BAD" check-config
	t "verify: $1 is a config error" "$ALICE" 2 '' --config "$BAD" verify
}
S="[store]\npath = $DB\n"
badconf "unknown key (names file:line)" "bad\\.conf:3: unknown key \"colour\"" \
	"$S""colour = blue\n"
badconf "unknown section" "bad\\.conf:3: unknown section \\[stor\\]" \
	"$S""[stor]\n"
badconf "busy_timeout = abc" "bad\\.conf:3: .*busy_timeout" \
	"$S""busy_timeout = abc\n"
badconf "busy_timeout out of range" "busy_timeout" \
	"$S""busy_timeout = 60001\n"
badconf "update_last_used = maybe" "update_last_used" \
	"$S""update_last_used = maybe\n"
badconf "max_expires = 10x" "max_expires" "$S""max_expires = 10x\n"
badconf "max_expires = 0 (below its range)" "max_expires" \
	"$S""max_expires = 0\n"
badconf "backend = mysql" "backend" "$S""backend = mysql\n"
badconf "a relative store path" "absolute path" "[store]\npath = tokens.db\n"
badconf "a key outside any section" "outside any" "path = $DB\n"
badconf "a malformed section header" "malformed section" "[store\n"
badconf "a line without =" "expected key = value" "$S""frob\n"
badconf "an empty value" "needs a value" "$S""busy_timeout =\n"
badconf "[jwt] without an audience" "\\[jwt\\] needs issuer and audience" \
	"$S""[jwt]\nissuer = https://issuer.example\n"
badconf "[introspection] without client_id" \
	"\\[introspection\\] needs endpoint and client_id" \
	"$S""[introspection]\nendpoint = https://as.example/introspect\n"
badconf "no [store] section" "\\[store\\]" "[cache]\ndir = $T\n"
t "check-config: a missing file" "" 2 'does not exist' \
	--config "$T/none.conf" check-config

cp "$CONF" "$T/gw.conf"
chmod 0620 "$T/gw.conf"
t "check-config: a group-writable config" "" 2 'writable' \
	--config "$T/gw.conf" check-config
t "verify: a group-writable config" "$ALICE" 2 '' --config "$T/gw.conf" \
	verify
chmod 0602 "$T/gw.conf"
t "check-config: a world-writable config" "" 2 'writable' \
	--config "$T/gw.conf" check-config

chmod 0660 "$DB"
t "check-config: a group-writable store file is refused" "" 2 'writable' \
	--config "$CONF" check-config
t "verify: a group-writable store file is refused" "$ALICE" 2 '' \
	--config "$CONF" verify
t "list: a group-writable store file is refused" "" 2 'writable' \
	--config "$CONF" list
chmod 0600 "$DB"
chmod 0770 "$STORE"
t "check-config: a group-writable store directory is refused" "" 2 \
	'writable' --config "$CONF" check-config
t "verify: a group-writable store directory is refused" "$ALICE" 2 '' \
	--config "$CONF" verify
t "issue: a group-writable store directory is refused" "" 2 'writable' \
	--config "$CONF" issue --user alice
chmod 0700 "$STORE"
if [ -e "$DB-wal" ]; then
	chmod 0660 "$DB-wal"
	t "verify: a group-writable -wal file is refused" "$ALICE" 2 '' \
		--config "$CONF" verify
	chmod 0600 "$DB-wal"
else
	skip "group-writable -wal" "no -wal file"
fi
t "check-config after restoring the modes" "" 0 ': ok' --config "$CONF" \
	check-config

# --- what may be sent for introspection ---------------------------------------
# The endpoint is a closed loopback port: input that were sent would come
# back unavailable (exit 2); input refused on the host comes back
# not_a_token (exit 1), so the exit status proves where it went.
CLOSED=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'secret\n' >"$T/client.secret"
chmod 0600 "$T/client.secret"
INTRO="[cache]\ndir = $T/icache\n[introspection]\nendpoint = http://127.0.0.1:$CLOSED/introspect\nclient_id = rs\nclient_secret_file = $T/client.secret\nallow_http_loopback = yes\ntimeout = 1\n"
mkdir -m 0700 "$T/icache"
{ printf %b "$S$INTRO"; printf 'opaque_prefix = op- ory_at_\n'; } >"$T/shape.conf"
{ printf %b "$S$INTRO"; } >"$T/noshape.conf"
chmod 0600 "$T/shape.conf" "$T/noshape.conf"
for pw in 'Correct-Horse-8' 'hunter2' 'correct horse battery staple' \
	'correcthorsebatterystaplexyzzy' 'Q29ycmVjdC1Ib3JzZS04IGJhc2U2NA==' \
	'my.pass.word' 'op' 'ory_rt_abcdefghijklmnop'; do
	t "verify: \"$pw\" is not a token, never sent" "$pw" 1 \
		'"why":"not_a_token"' --config "$T/shape.conf" verify --json
done
t "verify: an op- token is sent (the closed port: unavailable)" \
	"op-abcdefghijklmnopqrstuvwxyz" 2 '"why":"backend"' \
	--config "$T/shape.conf" verify --json
t "verify: an ory_at_ token is sent (the closed port: unavailable)" \
	"ory_at_abcdefghijklmnopqrstuvwxyz" 2 '"why":"backend"' \
	--config "$T/shape.conf" verify --json
t "verify: a JWT is introspected without [jwt] (cannot be a password)" \
	"$JWT" 2 '"why":"backend"' --config "$T/shape.conf" verify --json
t "verify: a local token stays local beside [introspection]" "$ALICE" 0 \
	'"result":"accept"' --config "$T/shape.conf" verify --json
t "verify: no shape declared: a 43-char opaque string is not a token" \
	"$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" 1 \
	'"why":"not_a_token".*no opaque token shape is declared|no opaque token shape is declared.*"why":"not_a_token"' \
	--config "$T/noshape.conf" verify --json
t "verify: no shape declared: a JWT is still introspected" "$JWT" 2 \
	'"why":"backend"' --config "$T/noshape.conf" verify --json
t "check-config: names the declared opaque shape" "" 0 \
	'opaque tokens are op-\.\.\. or ory_at_\.\.\., 1 to 16384 characters, b64token' \
	--config "$T/shape.conf" check-config
t "check-config: says when no opaque shape is declared" "" 0 \
	'no opaque token shape declared: only JWTs are introspected' \
	--config "$T/noshape.conf" check-config
badconf "an opaque shape with no prefix and a short minimum" \
	"opaque_min_length of at least 20" "$S$INTRO""opaque_min_length = 12\n"
badconf "an opaque minimum over the maximum" "over opaque_max_length" \
	"$S$INTRO""opaque_min_length = 40\nopaque_max_length = 30\n"
badconf "an opaque prefix with a space-less bad byte" "no token may hold" \
	"$S$INTRO""opaque_prefix = op,\n"
badconf "an unknown opaque charset" "opaque_charset" \
	"$S$INTRO""opaque_charset = latin1\n"

# --- a read-only service user ---------------------------------------------
# Root creates the store; a service user in its group verifies.

GROUP=nogroup
if [ "$(id -u)" != 0 ]; then
	for _ in 1 2 3 4 5 6 7; do skip "service user" "not root"; done
elif ! command -v setpriv >/dev/null 2>&1 ||
	! GID=$(getent group "$GROUP" | cut -d: -f3) || [ -z "$GID" ]; then
	for _ in 1 2 3 4 5 6 7; do skip "service user" "no setpriv or $GROUP"; done
else
	SVC="$T/svc"
	SCONF="$T/svc.conf"
	printf '[store]\npath = %s/tokens.db\n' "$SVC" >"$SCONF"
	chmod 0644 "$SCONF"
	chmod 0711 "$T"
	as_svc() {
		setpriv --reuid=65534 --regid="$GID" --clear-groups "$@"
	}
	run "" --config "$SCONF" issue --user svcuser --scope read
	SA=$out
	run "" --config "$SCONF" issue --user svcuser
	SB=$out
	chgrp "$GROUP" "$SVC" "$SVC/tokens.db"
	chmod 0750 "$SVC"
	chmod 0640 "$SVC/tokens.db"
	# An admin command: the -wal and -shm follow the database.
	run "" --config "$SCONF" revoke "${SB:4:12}"
	expect "service user: root revokes one token" 0 ''
	ok_side=1
	for sfx in -wal -shm; do
		[ -e "$SVC/tokens.db$sfx" ] || continue
		[ "$(stat -c '%a %g' "$SVC/tokens.db$sfx")" = "640 $GID" ] ||
			ok_side=0
	done
	check "service user: -wal and -shm follow the db (0640, group $GROUP)" \
		test "$ok_side" = 1
	if ! as_svc test -r "$SCONF" -a -x "$APITOKEN"; then
		for _ in 1 2 3 4 5; do
			skip "service user" "cannot reach $T or $APITOKEN"
		done
	else
		printf '%s' "$SA" | as_svc "$APITOKEN" --config "$SCONF" \
			verify --user svcuser --scope read --json \
			>"$T/out" 2>"$T/err"
		rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
		expect "service user (uid 65534, group $GROUP) verifies a valid token" \
			0 '"result":"accept"'
		printf '%s' "$SB" | as_svc "$APITOKEN" --config "$SCONF" \
			verify --json >"$T/out" 2>"$T/err"
		rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
		expect "service user: a revoked token is rejected" 1 \
			'"why":"revoked"'
		as_svc "$APITOKEN" --config "$SCONF" check-config \
			>"$T/out" 2>"$T/err"
		rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
		expect "service user: check-config sees a read-only store" 0 \
			'read-only'
		as_svc "$APITOKEN" --config "$SCONF" issue --user x \
			>"$T/out" 2>"$T/err"
		rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
		expect "service user: issue fails (2) on a read-only store" 2 ''
		OTHER=65533
		[ "$GID" = "$OTHER" ] && OTHER=65532
		printf '%s' "$SA" | setpriv --reuid=65534 --regid="$OTHER" \
			--clear-groups "$APITOKEN" --config "$SCONF" verify \
			>"$T/out" 2>"$T/err"
		rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
		expect "service user: outside the group cannot verify (2)" 2 ''
	fi
	chmod 0700 "$T"
fi

finish
