#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lifecycle.sh - the token lifecycle through the apitoken command:
# --from source-address limits (issue, rotate, list, verify --remote-addr),
# rotate --grace, last use and from where in list and --json, the
# issuance policy ([store] max_lifetime, default_lifetime, known_scopes,
# and max_expires as its old name).  Prints TAP.  Everything
# happens in one mktemp -d directory.  Needs bash and jq (the JSON checks
# are skipped without it).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/cli.sh
. "$top_srcdir/tests/lib/cli.sh"
cli_setup apitoken-lc

# has TEXT REGEX: TEXT matches the extended REGEX.
# shellcheck disable=SC2317 # called through check
has() { printf '%s\n' "$1" | grep -Eq -- "$2"; }
# below ID REGEX: the line of ID in the last `list` output, or the indented
# line after it, matches REGEX.
# shellcheck disable=SC2317 # called through check
below() { grep -A1 "^$1 " "$T/out" | grep -Eq -- "$2"; }
# issued ARGS...: issue_ok, a failure when no token came out.
issued() { issue_ok "$@" || fail "issue $*" "exit $rc"; }
# listed ID FILTER: a field of ID in `list --json`.
listed() {
	run "" --config "$CONF" list --json
	jget "$out" ".[] | select(.id == \"$1\") | $2"
}

# --- --from ---------------------------------------------------------------
issued --user alice --scope ssh --from 127.0.0.0/8 --from '2001:db8::/32'
LIM=$tok
LIM_ID=$id
check "issue --from: stderr shows the canonical list" \
	has "$err" 'from: 127\.0\.0\.0/8,2001:db8::/32' 
t "verify --remote-addr inside the network" "$LIM" 0 'result: +accept' \
	--config "$CONF" verify --user alice --remote-addr 127.0.0.1
t "verify --remote-addr ::ffff:127.0.0.5 (IPv4-mapped)" "$LIM" 0 \
	'result: +accept' --config "$CONF" verify --remote-addr ::ffff:127.0.0.5
t "verify --remote-addr in the IPv6 network" "$LIM" 0 'result: +accept' \
	--config "$CONF" verify --remote-addr 2001:db8::77
t "verify --remote-addr elsewhere: source_address, the address named" \
	"$LIM" 1 'may not be used from 192\.0\.2\.9 .*\(source_address\)' \
	--config "$CONF" verify --remote-addr 192.0.2.9
t "verify without --remote-addr: refused, the address is unknown" "$LIM" 1 \
	'remote address is unknown' --config "$CONF" verify
t "verify --remote-addr with a host name: refused" "$LIM" 1 'not numeric' \
	--config "$CONF" verify --remote-addr localhost
run "$LIM" --config "$CONF" verify --remote-addr 192.0.2.9 --json
json_is "verify --json: why source_address" "$out" .why source_address
json_is "verify --json: the owner is named" "$out" .user alice
for bad in 0.0.0.0/0 ::/0 10.0.0.1/8 example.com 127.1 10.0.0.0/33 \
	'10.0.0.0/8,' '10.0.0.0/8 10.1.0.0/16' '::ffff:10.0.0.0/104'; do
	t "issue --from '$bad' is refused at issue time" "" 64 \
		'source addresses' --config "$CONF" issue --user alice \
		--from "$bad"
done
t "issue --from ''  means anywhere" "" 0 'from: anywhere' \
	--config "$CONF" issue --user alice --from ''
t "--remote-addr is for verify only" "" 64 'remote-addr' \
	--config "$CONF" list --remote-addr 127.0.0.1
t "--grace is for rotate only" "" 64 'grace' \
	--config "$CONF" issue --user alice --grace 1h
t "--from is not for verify" "$LIM" 64 'from' \
	--config "$CONF" verify --from 127.0.0.0/8

# --- list: limits and last use, from where ------------------------------------
t "list shows the limits" "" 0 "from: 127\.0\.0\.0/8,2001:db8::/32" \
	--config "$CONF" list
if have_json; then
	check "list --json: allowed_from is the list" \
		[ "$(listed "$LIM_ID" '.allowed_from | join(",")')" = \
		"127.0.0.0/8,2001:db8::/32" ]
	check "list --json: last_used_from is where it was first used" \
		[ "$(listed "$LIM_ID" .last_used_from)" = "127.0.0.1" ]
	check "list --json: last_used is set" \
		[ "$(listed "$LIM_ID" .last_used)" != null ]
else
	skip "list --json checks" "no jq"
fi
run "" --config "$CONF" list --user alice
check "list shows where the token was last used from" \
	below "$LIM_ID" 'last used from: 127\.0\.0\.1' 

# --- rotate --grace -----------------------------------------------------------
issued --user bob --scope imap --expires 1d
OLD=$tok
OLD_ID=$id
run "" --config "$CONF" rotate "$OLD_ID" --grace 3s --json
NEW=$(jget "$out" .token)
NEW_ID=$(jget "$out" .id)
if [ "$rc" = 0 ] && [[ $NEW =~ $TOKEN_RE ]]; then
	pass "rotate --grace 3s succeeds"
else
	fail "rotate --grace 3s succeeds" "exit $rc" "$out" "$err"
fi
check "rotate --grace: stderr says until when the old one works" \
	has "$err" "keeps working until .*rotated to $NEW_ID"
json_is "rotate --grace: the new one's rotated_from" "$out" .rotated_from \
	"$OLD_ID"
json_is "rotate --grace: same scopes" "$out" '.scopes | join(" ")' imap
t "rotate --grace: the old token still works" "$OLD" 0 'result: +accept' \
	--config "$CONF" verify --user bob
t "rotate --grace: the new token works" "$NEW" 0 'result: +accept' \
	--config "$CONF" verify --user bob
if have_json; then
	check "list --json: the old one is in its grace period" \
		[ "$(listed "$OLD_ID" .status)" = grace ]
	check "list --json: the old one names its successor" \
		[ "$(listed "$OLD_ID" .rotated_to)" = "$NEW_ID" ]
else
	skip "list --json: grace status" "no jq"
fi
run "" --config "$CONF" list --user bob
check "list shows the old one rotated to the new one" \
	below "$OLD_ID" "rotated: to $NEW_ID"
check "list shows the new one rotated from the old one" \
	below "$NEW_ID" "rotated: from $OLD_ID"
t "a token in its grace period is not rotated again" "" 1 \
	"already rotated to $NEW_ID" --config "$CONF" rotate "$OLD_ID"
sleep 4
t "after the grace period the old token is refused, naming its successor" \
	"$OLD" 1 "rotated to $NEW_ID.*\(rotated\)" --config "$CONF" verify
t "after the grace period the new token works" "$NEW" 0 'result: +accept' \
	--config "$CONF" verify
if have_json; then
	check "list --json: the old one is rotated" \
		[ "$(listed "$OLD_ID" .status)" = rotated ]
else
	skip "list --json: rotated status" "no jq"
fi
# --grace 0 (the default) keeps today's behaviour: revoked at once.
run "" --config "$CONF" rotate "$NEW_ID" --grace 0
t "rotate --grace 0: the old token is refused at once as revoked" "$NEW" 1 \
	"revoked at .*\(rotated to [0-9A-Za-z]{12}\).*\(revoked\)" \
	--config "$CONF" verify
t "rotate --grace with a bad duration" "" 64 'grace' --config "$CONF" \
	rotate "$LIM_ID" --grace soon
t "rotate --user is refused (rotate keeps the user)" "" 64 'keeps' \
	--config "$CONF" rotate "$LIM_ID" --user mallory
# --from on rotate replaces the limits; without it they are kept.
run "" --config "$CONF" rotate "$LIM_ID" --json
LIM2=$(jget "$out" .token)
json_is "rotate keeps the limits" "$out" '.allowed_from | join(",")' \
	"127.0.0.0/8,2001:db8::/32"
t "the successor is limited too" "$LIM2" 1 'source_address' \
	--config "$CONF" verify --remote-addr 192.0.2.9
LIM2_ID=${LIM2:4:12}
run "" --config "$CONF" rotate "$LIM2_ID" --from 192.0.2.0/24 --json
LIM3=$(jget "$out" .token)
t "rotate --from replaces the limits" "$LIM3" 0 'result: +accept' \
	--config "$CONF" verify --remote-addr 192.0.2.9
t "rotate --from with a malformed list" "" 64 'source addresses' \
	--config "$CONF" rotate "${LIM3:4:12}" --from 192.0.2.1/24

# --- issuance policy ------------------------------------------------------------
P="$T/policy.conf"
printf '[store]\npath = %s\nmax_lifetime = 30d\ndefault_lifetime = 7d\nknown_scopes = ssh imap\n' \
	"$DB" >"$P"
chmod 0600 "$P"
t "policy: --expires 31d over max_lifetime is refused" "" 64 \
	'max_lifetime allows at most' --config "$P" issue --user alice \
	--scope ssh --expires 31d
t "policy: --expires never is refused" "" 64 'never expires' \
	--config "$P" issue --user alice --scope ssh --expires never
t "policy: an unknown scope (a typo) is refused" "" 64 'unknown scope "shh"' \
	--config "$P" issue --user alice --scope shh
run "" --config "$P" issue --user alice --scope ssh --scope imap --json
json_is "policy: default_lifetime is the default expiry" "$out" \
	'.expires - .created' 604800
t "policy: --expires 30d is allowed" "" 0 '' --config "$P" issue \
	--user alice --scope ssh --expires 30d
PNEVER_ID=$(jget "$(printf '%s' "$("$APITOKEN" --config "$CONF" issue \
	--user alice --expires never --json 2>/dev/null)")" .id)
t "policy: rotating a never-expiring token is refused" "" 64 \
	'never expires' --config "$P" rotate "$PNEVER_ID"
t "policy: rotate --expires 60d is refused" "" 64 'max_lifetime' \
	--config "$P" rotate "$PNEVER_ID" --expires 60d
t "policy: rotate --expires 10d is allowed" "" 0 '' --config "$P" rotate \
	"$PNEVER_ID" --expires 10d
printf '[store]\npath = %s\nmax_lifetime = 7d\ndefault_lifetime = 30d\n' \
	"$DB" >"$P"
t "policy: default_lifetime longer than max_lifetime is an error" "" 2 \
	'longer than max_lifetime' --config "$P" issue --user alice
printf '[store]\npath = %s\nmax_lifetime = 7d\nmax_expires = 30d\n' \
	"$DB" >"$P"
t "policy: max_expires and max_lifetime disagreeing is an error" "" 2 \
	'old name of max_lifetime' --config "$P" issue --user alice
t "policy: check-config reports it too" "" 2 'old name of max_lifetime' \
	--config "$P" check-config
printf '[store]\npath = %s\nmax_expires = 7d\n' "$DB" >"$P"
t "policy: max_expires alone still works (old name)" "" 64 \
	'max_expires allows at most' --config "$P" issue --user alice \
	--expires 8d
printf '[store]\npath = %s\nknown_scopes = ok bad"scope\n' "$DB" >"$P"
t "policy: an invalid known scope is an error" "" 2 'known_scopes' \
	--config "$P" issue --user alice --scope ok

# --- the schema ---------------------------------------------------------------
t "check-config reports schema 2" "" 0 'schema 2' --config "$CONF" \
	check-config
finish
