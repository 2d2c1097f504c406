#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every shell script of the tree passes shellcheck with no finding: the
# test suites, their libraries in tests/lib, scripts/, .ci/run and the
# Debian maintainer scripts.  Sourced files follow their "# shellcheck
# source=" lines (paths from the top of the tree).  build-aux/ is
# automake's, not ours.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v shellcheck >/dev/null || { echo "shellcheck not installed"; exit 1; }
if git rev-parse --git-dir >/dev/null 2>&1; then
	all=$(git ls-files)
else
	all=$(find . -type f ! -path './build-aux/*' ! -path '*/node_modules/*' | sed 's|^\./||')
fi
files=()
while IFS= read -r f; do
	case $f in build-aux/* | */node_modules/*) continue ;; esac
	[ -f "$f" ] || continue
	case $f in
	*.sh) files+=("$f") ;;
	*)
		# scripts without the extension: by their #! line
		head -c 64 "$f" 2>/dev/null | head -n 1 | grep -qE '^#!.*/(env )?(ba|da)?sh\b' && files+=("$f")
		;;
	esac
done <<<"$all"
echo "shellcheck: ${#files[@]} scripts"
shellcheck -x -f gcc "${files[@]}"
