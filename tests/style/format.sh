#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The tree is formatted by .clang-format: lists the files that are not.
set -euo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find common pam_apitoken sasl_plugin tools tests -name '*.[ch]')
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=1
	fi
done
exit $bad
