#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: the token lifecycle (source-address limits, rotation, last
# use) through a real OpenSSH sshd
# (UsePAM, PAM_RHOST = the client's numeric address) on 127.0.0.1 with
# pam_apitoken.so, and the audit trail of the apitoken command in syslog:
#   * a token limited to 127.0.0.0/8 logs in from 127.0.0.1; one limited to
#     other networks is refused with its own reason naming the address;
#   * `list` shows the last use and where from;
#   * a token rotated with --grace keeps working until the grace ends, then
#     is refused naming its successor, which works;
#   * issue, rotate, revoke and a store migration each write one audit
#     line (action, token id, user, scopes, expiry, limits, uid, SUDO_USER),
#     never a token.
# See lib.sh for how the test keeps off the real system.  Prints TAP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
it_require /usr/sbin/sshd ssh ssh-keygen sshpass setpriv logger jq "$IT_PY"
it_enter "$@"

IT_FE=ssh
IT_SVC=apitoken-lc-sshd # = basename(argv[0]) of the sshd we start

if [ -n "$IT_HARNESS_ONLY" ]; then
	skip_all "the lifecycle needs the real apitoken (no harness mode)"
fi
it_test_syslog
it_sshd_start_test "$IT_SVC"
it_pam_service "$IT_SVC"

# it_audit DESC STRINGS...: one audit line since the mark holds them all.
it_audit() {
	local d=$1
	shift
	check "$d: audit line$(it_label "$@")" it_log_has "apitoken[" \
		"audit action=" "$@" "by_uid=0 "
}
# listed ID FILTER: a field of ID in `apitoken list --json`.
listed() {
	it_apitoken list --json 2>/dev/null |
		jq -r ".[] | select(.id == \"$1\") | $2"
}

# shellcheck disable=SC2154 # tok_*_id are set by it_issue (printf -v)
{
	# --- source-address limits ----------------------------------------
	it_log_mark
	it_issue tok_lo "$IT_USER" --scope ssh --from 127.0.0.0/8 \
		--name it-from-lo || bail "issue failed"
	it_audit "issue --from 127.0.0.0/8" "action=issue " \
		"token_id=$tok_lo_id " "user=$IT_USER " 'scopes="ssh"' \
		"from=127.0.0.0/8 " "expires=20"
	check "creating the store: audit line action=migrate schema_from=0" \
		it_log_has "audit action=migrate " "schema_from=0 schema_to=2 "
	it_issue tok_far "$IT_USER" --from 192.0.2.0/24,2001:db8::/32 \
		--name it-from-far || bail "issue failed"
	IT_EXPECT_SCOPES=ssh it_expect_accepted \
		"token limited to 127.0.0.0/8, used from 127.0.0.1" tok_lo \
		"$tok_lo_id"
	it_expect_refused "token limited to 192.0.2.0/24 and 2001:db8::/32, used from 127.0.0.1" \
		tok_far "token_id=$tok_far_id" "may not be used from 127.0.0.1" \
		"allowed: 192.0.2.0/24,2001:db8::/32"
	check "list --json: last_used_from of the limited token is 127.0.0.1" \
		[ "$(listed "$tok_lo_id" .last_used_from)" = 127.0.0.1 ]
	check "list --json: its last_used is set" \
		[ "$(listed "$tok_lo_id" .last_used)" != null ]
	check "list --json: the refused token has no last use" \
		[ "$(listed "$tok_far_id" .last_used_from)" = null ]
	it_apitoken list >"$T/list.out" 2>&1
	check "list shows where the token was last used from" \
		grep -q "from: 127.0.0.0/8  last used from: 127.0.0.1" "$T/list.out"

	# --- rotation with a grace period ---------------------------------------
	it_issue tok_old "$IT_USER" --name it-rotate || bail "issue failed"
	it_log_mark
	if it_apitoken rotate "$tok_old_id" --grace 4s >"$T/rotate.out" \
		2>"$T/rotate.err"; then
		pass "apitoken rotate ID --grace 4s"
	else
		fail "apitoken rotate ID --grace 4s"
		it_mask <"$T/rotate.err"
	fi
	t0=$(date +%s)
	it_secret tok_new "$(cat "$T/rotate.out")"
	tok_new_id=${tok_new:4:12}
	it_audit "rotate --grace 4s" "action=rotate " "token_id=$tok_new_id " \
		"rotated_from=$tok_old_id " "user=$IT_USER " "old_until=20"
	it_expect_accepted "old token within its grace period" tok_old \
		"$tok_old_id"
	it_expect_accepted "its successor" tok_new "$tok_new_id"
	check "list --json: the old token is in its grace period, naming its successor" \
		[ "$(listed "$tok_old_id" '.status + " " + .rotated_to')" = \
		"grace $tok_new_id" ]
	while [ $(($(date +%s) - t0)) -lt 5 ]; do sleep 0.2; done
	it_expect_refused "old token after its grace period" tok_old \
		"token_id=$tok_old_id" "rotated to $tok_new_id" \
		"grace period ended"
	it_expect_accepted "its successor after the grace period" tok_new \
		"$tok_new_id"

	# --- revoke under sudo: who did it ---------------------------------------
	it_log_mark
	SUDO_USER=apitok-admin it_apitoken revoke "$tok_new_id" \
		>"$T/revoke.out" 2>&1
	it_audit "revoke (SUDO_USER set)" "action=revoke " \
		"token_id=$tok_new_id " "user=$IT_USER " "sudo_user=apitok-admin"
	it_expect_refused "revoked successor" tok_new "token_id=$tok_new_id" \
		revoked

	# --- policy refusals leave no audit line, and store nothing --------------
	printf '[store]\npath = %s\nmax_lifetime = 30d\nknown_scopes = ssh\n' \
		"$T/tokens.db" >"$T/policy.conf"
	chmod 0600 "$T/policy.conf"
	it_log_mark
	"$IT_TOOL" --config "$T/policy.conf" issue --user "$IT_USER" \
		--scope shh >"$T/policy.out" 2>&1
	check "policy: an unknown scope is refused (64)" [ $? -eq 64 ]
	"$IT_TOOL" --config "$T/policy.conf" issue --user "$IT_USER" \
		--expires never >"$T/policy.out" 2>&1
	check "policy: a never-expiring token is refused (64)" [ $? -eq 64 ]
	sleep 0.3
	check "policy: refused issues write no audit line" \
		it_log_lacks "audit action="

	# --- a store migration (schema 1 -> 2) -------------------------------------
	"$IT_PY" - "$T/v1.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE tokens (id TEXT PRIMARY KEY NOT NULL, user TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '', scopes TEXT NOT NULL DEFAULT '',
  hash BLOB NOT NULL CHECK (length(hash) = 32), created INTEGER NOT NULL,
  expires INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0,
  last_used INTEGER NOT NULL DEFAULT 0,
  rotated_from TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE INDEX tokens_user ON tokens (user, created);
PRAGMA user_version = 1;
""")
db.close()
PY
	chmod 0600 "$T/v1.db"
	printf '[store]\npath = %s\n' "$T/v1.db" >"$T/v1.conf"
	chmod 0600 "$T/v1.conf"
	it_log_mark
	"$IT_TOOL" --config "$T/v1.conf" list >"$T/v1.out" 2>&1
	check "a schema 1 store is migrated by list" [ $? -eq 0 ]
	check "store migration: audit line" it_log_has "apitoken[" \
		"audit action=migrate " "store=\"$T/v1.db\"" "schema_from=1 " \
		"schema_to=2 " "by_uid=0 "
}

# --- global checks ---------------------------------------------------------
check "no token (or slice of one) in syslog, sshd log, client output or apitoken output" \
	it_no_token_in "$IT_SYSLOG" "$T/client-all.log" "$IT_SSHD_LOG" \
	"$T/list.out" "$T/rotate.err" "$T/revoke.out"
# shellcheck disable=SC2317 # called through check
audit_notice() { ! grep "audit action=" "$IT_SYSLOG" | grep -v -q "^<85>"; }
check "every audit line is authpriv.notice (<85>)" audit_notice
check "seven audit lines in all: the store created, three issues, a rotation, a revocation, a migration" \
	[ "$(grep -c 'audit action=' "$IT_SYSLOG")" -eq 7 ]
check "every decision= line carries reason=\"…\"" \
	it_every_decision_has_reason
check "sshd still running after all cases" it_sshd_alive
finish
