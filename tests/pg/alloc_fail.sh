#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/pg/alloc_fail.sh - allocation failure along the PostgreSQL verify
# path: tests/hardening/alloc_fail with AF_PG (a real PostgreSQL 15 from
# tests/lib/pg.sh, peer authentication on its Unix socket) and
# AF_PG_ONLY (only its two PostgreSQL scenarios: a good and a revoked
# local token, cold, primed, persistent and warm: a good token is
# accepted exactly or fails with an error, never refused; a revoked one
# is never accepted).  TAP from alloc_fail; root.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
APITOKEN="$top_builddir/tools/apitoken"
AF="$top_builddir/tests/hardening/alloc_fail"
. "$top_srcdir/tests/lib/pg.sh"

if ! grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/ac_config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libpq"
	exit 0
fi
if ! pg_available; then
	echo "1..0 # SKIP needs root, the postgres user and postgresql-15"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-pgaf.XXXXXX") || exit 1
cleanup() {
	pg_teardown
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 022

if ! pg_setup "$T/pg" "$APITOKEN"; then
	echo "Bail out! PostgreSQL did not start"
	exit 1
fi
mkdir -m 0700 "$T/af"
printf '[store]\nbackend = postgresql\nconninfo = host=%s port=%s dbname=apitoken user=apitoken_verifier\nadmin_conninfo = host=%s port=%s dbname=apitoken user=apitoken_admin\nupdate_last_used = no\ntimeout = 5\n' \
	"$PG_SOCK" "$PG_PORT" "$PG_SOCK" "$PG_PORT" >"$T/af/pg.conf"
chmod 0600 "$T/af/pg.conf"
(umask 077 && "$APITOKEN" --config "$T/af/pg.conf" issue --user alice --scope ssh >"$T/af/good" 2>/dev/null &&
	"$APITOKEN" --config "$T/af/pg.conf" issue --user alice --scope ssh >"$T/af/revoked" 2>/dev/null) || {
	echo "Bail out! issue failed"
	exit 1
}
id=$(cut -c5-16 "$T/af/revoked")
"$APITOKEN" --config "$T/af/pg.conf" revoke "$id" >/dev/null 2>&1 || {
	echo "Bail out! revoke failed"
	exit 1
}
AF_PG=$T/af AF_PG_ONLY=1 "$AF"
