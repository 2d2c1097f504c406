#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/style/cppcheck.sh [DIR...] - run cppcheck over the C files under
# DIR... (default: the production code, common pam_apitoken sasl_plugin
# tools) with the defines and project include paths make compiles them
# with.  Run from the top of a built tree (scripts/build).  Fails on any
# finding.  Suppressions: tests/style/cppcheck.supp (whole-tree policy, with
# reasons) and inline "cppcheck-suppress" comments.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v cppcheck >/dev/null || {
	echo "$0: cppcheck not found (Debian: apt-get install cppcheck)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests/style/compile-db.sh "$tmp" "$@"
# System include directories stay out (pkg-config may add some, e.g.
# libcurl's): cppcheck knows those APIs from its --library files.
sed -E 's# -I/(usr|opt)/[^ ]*##g' "$tmp/compile_commands.json" >"$tmp/cppcheck.json"
nfiles=$(grep -c '"file":' "$tmp/cppcheck.json")
echo "$(cppcheck --version): $nfiles files in ${*:-common pam_apitoken sasl_plugin tools}"

if cppcheck --project="$tmp/cppcheck.json" --std=c11 \
	--enable=warning,style,performance,portability \
	--library=posix --library=gnu --library=openssl --library=sqlite3 \
	--library=libcurl \
	--inline-suppr --suppressions-list=tests/style/cppcheck.supp \
	--error-exitcode=1 --quiet -j "${JOBS:-2}" \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]\n{code}' 2>&1; then
	echo "cppcheck: no findings"
else
	echo "cppcheck: findings above"
	exit 1
fi
