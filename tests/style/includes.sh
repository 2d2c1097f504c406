#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/style/includes.sh - the modules of common/ form no cycle.
#
# A module is one common/X.c.  Module A depends on module B when A.c
# includes a header (itself, or through another header of common/) that
# declares a function B.c defines, and A.c calls that function: result.h
# makes its callers depend on result.c, store.h on store.c and, for
# atok_store_sqlite_open(), on store_sqlite.c.  The call is required
# because several files include a header only for its types and limits
# (util.c includes atok.h for ATOK_USER_MAX, not for atok_verify(), which
# verifier.c defines).  The graph goes to tsort(1), which says "input
# contains a loop" and names the modules of each cycle.  Needs no build;
# prints TAP.  Usage: tests/style/includes.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
command -v tsort >/dev/null || {
	echo "$0: tsort not found (coreutils)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The source without comments, so a name in one is no call.
strip_comments() {
	awk '{
		out = ""; line = $0
		while (line != "") {
			if (incomment) {
				if ((i = index(line, "*/")) == 0) { line = ""; break }
				line = substr(line, i + 2); incomment = 0
			} else if ((i = index(line, "/*")) > 0) {
				out = out substr(line, 1, i - 1) " "
				line = substr(line, i + 2); incomment = 1
			} else {
				out = out line; line = ""
			}
		}
		print out
	}' "$1"
}

# "header function" for each function a header declares: the name of a
# prototype that starts in column 0.
for h in common/*.h; do
	strip_comments "$h" | awk -v h="${h##*/}" '
		/^[A-Za-z_]/ && !/^(typedef|static|extern|#)/ &&
		    !/^(struct|enum|union) [A-Za-z_0-9]* *\{/ {
			if (match($0, /[A-Za-z_][A-Za-z0-9_]*\(/))
				print h, substr($0, RSTART, RLENGTH - 1)
		}'
done | sort -k2,2 >"$tmp/declared"

# "module function" for each function a .c file defines: a heading in
# column 0 followed by a "{" in column 0 before any ";".
for c in common/*.c; do
	m=${c##*/}
	strip_comments "$c" | awk -v m="${m%.c}" '
		name != "" && /;[ \t]*$/ { name = "" }
		name != "" && /^\{/ { print m, name; name = "" }
		/^[A-Za-z_]/ && !/^(typedef|static|extern|#)/ && !/=/ {
			if (match($0, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
				name = substr($0, RSTART, RLENGTH - 1)
				if ($0 ~ /;[ \t]*$/)
					name = ""
			}
		}'
done | sort -k2,2 >"$tmp/defined"

# "header function module": who implements what each header declares.
join -1 2 -2 2 -o 1.1,0,2.1 "$tmp/declared" "$tmp/defined" >"$tmp/implements"

# The headers of common/ a file includes, directly or through others.
inc='s/^#include "\([A-Za-z0-9_]*\.h\)".*/\1/p'
includes() {
	local -a todo more
	local seen=" " h
	read -r -a todo <<<"$(sed -n "$inc" "$1" | tr '\n' ' ')"
	while [ ${#todo[@]} -gt 0 ]; do
		h=${todo[0]}
		todo=("${todo[@]:1}")
		case "$seen" in *" $h "*) continue ;; esac
		[ -f "common/$h" ] || continue
		seen="$seen$h "
		read -r -a more <<<"$(sed -n "$inc" "common/$h" | tr '\n' ' ')"
		todo+=("${more[@]}")
	done
	echo "$seen"
}

# "A B" for each call of A.c into B.c through a header A.c includes.
for c in common/*.c; do
	m=${c##*/}
	a=${m%.c}
	echo "$a $a" # every module is a node, even one with no edge
	strip_comments "$c" |
		grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(' |
		sed 's/[[:space:]]*($//' | sort -u >"$tmp/called"
	awk -v a="$a" -v hs="$(includes "$c")" '
		NR == FNR { called[$1] = 1; next }
		index(" " hs " ", " " $1 " ") && $3 != a && ($2 in called) {
			print a, $3
		}' "$tmp/called" "$tmp/implements"
done | sort -u >"$tmp/edges"
awk '$1 == $2 { print $1 }' "$tmp/edges" >"$tmp/modules"

if tsort "$tmp/edges" >/dev/null 2>"$tmp/loops"; then
	pass "no include cycle among the $(grep -c . "$tmp/modules") modules of common/"
else
	fail "include cycle among the modules of common/ (each loop: its modules, in order)"
	sed -e 's#^tsort: [^:]*: input contains a loop:#loop:#' -e 's/^tsort: /  /' \
		"$tmp/loops" | diag
	note "edges (A calls into B through a header A.c includes):"
	awk '$1 != $2 { print "#   " $1 " -> " $2 }' "$tmp/edges"
fi
finish
