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
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/pg.sh
. "$top_srcdir/tests/lib/pg.sh"

pg_suite_setup apitoken-pgaf "$APITOKEN" || bail "PostgreSQL did not start"
mkdir -m 0700 "$T/af"
printf '[store]\nbackend = postgresql\nconninfo = %s\nadmin_conninfo = %s\nupdate_last_used = no\ntimeout = 5\n' \
	"$(pg_conninfo_sock apitoken_verifier)" "$(pg_conninfo_sock apitoken_admin)" >"$T/af/pg.conf"
chmod 0600 "$T/af/pg.conf"
(umask 077 && "$APITOKEN" --config "$T/af/pg.conf" issue --user alice --scope ssh >"$T/af/good" 2>/dev/null &&
	"$APITOKEN" --config "$T/af/pg.conf" issue --user alice --scope ssh >"$T/af/revoked" 2>/dev/null) ||
	bail "issue failed"
id=$(cut -c5-16 "$T/af/revoked")
"$APITOKEN" --config "$T/af/pg.conf" revoke "$id" >/dev/null 2>&1 || bail "revoke failed"
AF_PG=$T/af AF_PG_ONLY=1 "$AF"
