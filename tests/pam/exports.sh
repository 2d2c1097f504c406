#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# exports.sh - pam_apitoken.so exports the PAM entry points and nothing
# else (the version script hides the core and every helper).  TAP.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/exports.sh
. "$top_srcdir/tests/lib/exports.sh"

exports_of "$top_builddir/.libs/pam_apitoken.so"
exports_has pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred
exports_only "exports nothing but pam_sm_*" '^pam_sm_'
# no undefined reference to the core from outside: it is linked in
imports_none "the core is linked in, not imported" '^atok_'
finish
