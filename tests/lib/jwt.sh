# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034 # APITOKEN ... AUD, now, rc are for the suites
# tests/lib/jwt.sh - what the JWT suites of the command share
# (tests/jwt/cross.sh, keys.sh): the set-up, `apitoken verify --json` and
# a field of its answer (bash).  Tokens are minted by python3-jwcrypto
# (tests/jwt/mint.py) with the committed keys (tests/fixtures/jwt).
# Source tests/lib/tap.sh first, then this, then call jwt_setup NAME:
#
#   jwt_setup NAME          tools/apitoken is built (APITOKEN) and
#                           python3-jwcrypto installed (else the whole
#                           suite is skipped); T, a temp dir
#                           (tests/lib/suite.sh); umask 077; now, the time
#   jwt_verify TOKEN [ARGS...]
#                           apitoken --config $CONF verify --json ARGS with
#                           TOKEN on stdin: sets rc and out, stderr in $T/err
#   field NAME              the member NAME of the JSON in $out (a list's
#                           items joined by spaces)
#
# ISS and AUD are the issuer and audience of the tokens, FIX the fixture
# directory, MINT the minting script, PY the python3 that has jwcrypto.

: "${top_srcdir:?}" "${top_builddir:?}"
# shellcheck source=tests/lib/suite.sh
. "$top_srcdir/tests/lib/suite.sh"

APITOKEN="$top_builddir/tools/apitoken"
FIX="$top_srcdir/tests/fixtures/jwt"
MINT="$top_srcdir/tests/jwt/mint.py"
PY=/usr/bin/python3
ISS=https://issuer.test
AUD=api://apitoken

jwt_setup() {
	suite_built "$APITOKEN"
	"$PY" -c 'import jwcrypto' 2>/dev/null ||
		skip_all "python3-jwcrypto is not installed (apt-get install python3-jwcrypto)"
	suite_tmpdir "$1"
	umask 077
	now=$(date +%s)
}

jwt_verify() {
	local tok=$1
	shift
	out=$(printf '%s' "$tok" | "$APITOKEN" --config "$CONF" verify --json "$@" 2>"$T/err")
	rc=$?
}

field() {
	printf '%s' "$out" | "$PY" -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print(" ".join(v) if isinstance(v,list) else v)' "$1" 2>/dev/null
}
