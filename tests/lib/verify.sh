# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034 # APITOKEN ... and what verify/login set are for the suites
# tests/lib/verify.sh - what the end-to-end suites of the validators share
# (tests/oidc/jwt_e2e.sh, tests/introspection/oidc_e2e.sh and faults.sh):
# a configuration per case, then `apitoken verify --json` and a PAM login
# through the built module (tests/pam/pam_login, which passes tokens longer
# than misc_conv's 512 bytes) against it, and the checks of their outcome
# (bash).  Source tests/lib/tap.sh first, then this (it brings
# tests/lib/suite.sh and tests/lib/oidc.sh), then call verify_setup NAME:
#
#   verify_setup NAME [--oidc]
#                         tools/apitoken, tests/pam/pam_login, the PAM
#                         module and python3 are there (else the whole
#                         suite is skipped); T, a temp dir removed at exit
#                         (tests/lib/suite.sh: a server to stop goes in
#                         SUITE_CLEANUP); $T/pam.d, the PAM services;
#                         start, the time it began ($SECONDS).  With
#                         --oidc, the suite runs oidc-provider:
#                         oidc_suite_setup (tests/lib/oidc.sh) makes T
#   verify_conf NAME      $T/NAME.conf: the sections on stdin, then
#                         "[cache] dir = $T/cache-NAME"; mode 0600; and the
#                         PAM service NAME: auth (scope=ssh) and account
#                         with that configuration
#   verify CONF TOKEN [USER] [SCOPE]
#                         apitoken --config $T/CONF.conf verify --json
#                         --user USER (apitok-test) --scope SCOPE (ssh),
#                         TOKEN on stdin: sets rc, out, err, why, reason
#                         and ms (how long it took)
#   jfield NAME           the member NAME of the last verify's JSON:
#                         strings raw, lists joined by spaces, '' if absent
#   vdiag                 the last verify's exit, stdout and stderr as
#                         diagnostics
#   expect_verify DESC RC WHY [NAME=VALUE...]
#                         the last verify exited RC, its why is WHY (''
#                         for any) and each member NAME is VALUE
#   login SERVICE TOKEN [USER]
#                         pam_login with the service (user apitok-test):
#                         sets prc and pout
#   expect_login DESC RC [AUTH-MESSAGE]
#                         the last login exited RC (0: auth and acct both
#                         Success) and auth ended with AUTH-MESSAGE if given
#   cache_modes DIR       what is wrong with a cache directory, a line each:
#                         DIR not 0700, an entry in it not 0600 (0700 for a
#                         directory), or nothing in it (for expect_empty)
#
# UNAVAIL_MSG is pam_strerror(PAM_AUTHINFO_UNAVAIL), PY the python3 the
# JSON is read with.  E2E_VERBOSE=1 shows every verify's outcome.

: "${top_srcdir:?}" "${top_builddir:?}"
# shellcheck source=tests/lib/suite.sh
. "$top_srcdir/tests/lib/suite.sh"
# shellcheck source=tests/lib/oidc.sh
. "$top_srcdir/tests/lib/oidc.sh"

APITOKEN=$top_builddir/tools/apitoken
PAM_SO=$top_builddir/.libs/pam_apitoken.so
PAM_LOGIN=$top_builddir/tests/pam/pam_login
PY=/usr/bin/python3
# pam_strerror(PAM_AUTHINFO_UNAVAIL) in Linux-PAM ("Authentication information
# cannot be recovered" is PAM_AUTHTOK_RECOVERY_ERR's text)
UNAVAIL_MSG="Authentication service cannot retrieve authentication info"
export LC_ALL=C

verify_setup() {
	local f
	for f in "$APITOKEN" "$PAM_LOGIN" "$PY"; do
		[ -x "$f" ] || skip_all "$f not built or missing"
	done
	[ -e "$PAM_SO" ] || skip_all "$PAM_SO not built"
	if [ "${2-}" = --oidc ]; then
		oidc_suite_setup "$1"
	else
		suite_tmpdir "$1"
	fi
	mkdir -p "$T/pam.d"
	echo "# libpam wants a default service" >"$T/pam.d/other"
	start=$SECONDS
}

verify_conf() {
	local name=$1 line
	{
		cat
		printf '[cache]\ndir = %s\n' "$T/cache-$name"
	} >"$T/$name.conf"
	chmod 600 "$T/$name.conf"
	line="$PAM_SO config=$T/$name.conf"
	printf 'auth required %s scope=ssh\naccount required %s\n' \
		"$line" "$line" >"$T/pam.d/$name"
}

# _verify_json NAME < JSON: the member NAME ('' and 3 when absent or not JSON)
_verify_json() {
	"$PY" -c '
import json, sys
try:
    v = json.load(sys.stdin).get(sys.argv[1])
except Exception:
    sys.exit(3)
if v is None: sys.exit(3)
print(" ".join(map(str, v)) if isinstance(v, list) else v)' "$1"
}

verify() {
	local cf=$1 t0 t1
	t0=$(date +%s%N)
	out=$(printf '%s\n' "$2" | "$APITOKEN" --config "$T/$cf.conf" verify \
		--user "${3:-apitok-test}" --scope "${4:-ssh}" --json 2>"$T/err")
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	err=$(cat "$T/err")
	why=$(jfield why)
	reason=$(jfield reason)
}

jfield() { printf '%s' "$out" | _verify_json "$1" 2>/dev/null; }

vdiag() {
	{
		echo "verify exit $rc (${ms} ms)"
		[ -n "$out" ] && echo "stdout: $out"
		[ -n "$err" ] && echo "stderr: $err"
	} | diag
}

expect_verify() {
	[ -n "${E2E_VERBOSE:-}" ] && note "[$1] rc=$rc ${ms}ms out=$out err=$err"
	local desc=$1 want_rc=$2 want_why=$3 kv got bad=
	shift 3
	[ "$rc" = "$want_rc" ] || bad="exit $rc, want $want_rc"
	[ -z "$want_why" ] || [ "$why" = "$want_why" ] || bad="$bad; why '$why', want '$want_why'"
	for kv in "$@"; do
		got=$(jfield "${kv%%=*}")
		[ "$got" = "${kv#*=}" ] || bad="$bad; ${kv%%=*} '$got', want '${kv#*=}'"
	done
	if [ -z "$bad" ]; then
		pass "$desc"
	else
		fail "$desc" "${bad#; }"
		vdiag
	fi
}

login() {
	pout=$(printf '%s\n' "$2" | "$PAM_LOGIN" "$T/pam.d" "$1" "${3:-apitok-test}" 2>&1)
	prc=$?
}

expect_login() {
	local desc=$1 want_rc=$2 want_auth=${3-} bad=
	[ "$prc" = "$want_rc" ] || bad="exit $prc, want $want_rc"
	if [ "$want_rc" = 0 ]; then
		grep -qx 'auth=Success' <<<"$pout" || bad="$bad; auth not Success"
		grep -qx 'acct=Success' <<<"$pout" || bad="$bad; acct not Success"
	fi
	if [ -n "$want_auth" ] && ! grep -qxF "auth=$want_auth" <<<"$pout"; then
		bad="$bad; want auth=$want_auth"
	fi
	if [ -z "$bad" ]; then
		pass "$desc"
	else
		fail "$desc" "${bad#; }" "pam_login exit $prc" "$pout"
	fi
}

cache_modes() {
	local dir=$1 f m want
	for f in "$dir" "$dir"/*; do
		[ -e "$f" ] || { echo "no cache files"; break; }
		want=600
		[ -d "$f" ] && want=700
		m=$(stat -c %a "$f")
		[ "$m" = "$want" ] || echo "$f mode $m"
	done
}
