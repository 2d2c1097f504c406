#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/style/clang-tidy.sh [DIR...] - run clang-tidy (checks in .clang-tidy)
# over the C files under DIR... (default: the production code, common
# pam_apitoken sasl_plugin tools) with the flags make compiles them with.
# Run from the top of a built tree (scripts/build).  Fails on any finding.
# CLANG_TIDY names the binary, JOBS the parallel runs (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
tidy=${CLANG_TIDY:-clang-tidy}
jobs=${JOBS:-2}
command -v "$tidy" >/dev/null || {
	echo "$0: $tidy not found (Debian: apt-get install clang-tidy)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests/style/compile-db.sh "$tmp" "$@"
files=$(sed -n 's/.*"file": "\([^"]*\)".*/\1/p' "$tmp/compile_commands.json")
[ -n "$files" ] || {
	echo "$0: no C files to check" >&2
	exit 1
}
nchecks=$("$tidy" --list-checks -p "$tmp" "${files%%$'\n'*}" | grep -c '^    ')
echo "$("$tidy" --version | sed -n 's/.*version \([0-9.]*\).*/clang-tidy \1/p'):" \
	"$nchecks checks over $(echo "$files" | wc -l) files in ${*:-common pam_apitoken sasl_plugin tools}"

# One file per process: the analyzer's valist checker keeps state from one
# translation unit to the next and then reports nonsense.  Each file's
# output goes to its own log so parallel runs do not interleave.
mkdir "$tmp/log"
# shellcheck disable=SC2016 # expanded by the inner sh
echo "$files" | xargs -P "$jobs" -n 1 sh -c '
	log="$1/log/$(echo "$3" | tr / _)"
	"$2" -p "$1" --quiet "$3" >"$log" 2>&1 || echo "$3" >"$log.failed"' \
	sh "$tmp" "$tidy" || true
bad=0
for f in $files; do
	log="$tmp/log/$(echo "$f" | tr / _)"
	if [ -f "$log.failed" ]; then
		bad=$((bad + 1))
		grep -vE '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?(generated|treated as errors?)\.?$' "$log" || true
	fi
done
if [ "$bad" -gt 0 ]; then
	echo "clang-tidy: findings in $bad file(s)"
	exit 1
fi
echo "clang-tidy: no findings"
