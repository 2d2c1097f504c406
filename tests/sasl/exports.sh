#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# exports.sh - libapitoken.so exports the two Cyrus SASL entry points and
# nothing else (the version script hides the core and every helper).  TAP.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/exports.sh
. "$top_srcdir/tests/lib/exports.sh"

so="$top_builddir/sasl_plugin/.libs/libapitoken.so"
exports_of "$so"
exports_has sasl_client_plug_init sasl_server_plug_init
exports_only "exports nothing else" \
	'^(sasl_client_plug_init|sasl_server_plug_init)$'
imports_none "the core is linked in, and no libsasl2 symbol is imported" \
	'^(atok|sasl)_'
# libsasl2 loads only *.so: the name matters
case "$so" in
*.so) pass "the plugin file ends in .so" ;;
*) fail "the plugin file ends in .so" ;;
esac
finish
