#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/style/compile-db.sh OUTDIR [DIR...] - write OUTDIR/compile_commands.json
# for the C files under DIR... (default: the production code, common
# pam_apitoken sasl_plugin tools), with the flags make really compiles
# them with.  Run from the top of a configured tree.  The flags come from
# the Makefile itself (each target's *_CPPFLAGS/*_CFLAGS, or the AM_ ones),
# so no build wrapper is needed.  A file built by several targets is
# listed once, with its first target's flags (the libraries come first).
set -euo pipefail
out=${1:?usage: $0 OUTDIR [DIR...]}
shift
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(common pam_apitoken sasl_plugin tools)
[ -f Makefile ] || {
	echo "$0: no Makefile here: run scripts/build first" >&2
	exit 1
}
top=$(pwd)

# One make run prints "file<TAB>compile command" for each source of each
# target; $(info) prints without a shell, so quotes in the flags survive.
query=$(mktemp)
trap 'rm -f "$query"' EXIT
cat >"$query" <<'MK'
atok_canon = $(subst .,_,$(subst /,_,$(subst -,_,$(1))))
atok_flags = $(if $(filter undefined,$(origin $(1)_$(2))),$(AM_$(2)),$($(1)_$(2)))
atok_targets = $(LTLIBRARIES) $(PROGRAMS) $(check_LTLIBRARIES) $(check_PROGRAMS)
define atok_print
$(foreach s,$(filter %.c,$($(1)_SOURCES)),$(info $(s)	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(call atok_flags,$(1),CPPFLAGS) $(CPPFLAGS) $(call atok_flags,$(1),CFLAGS) $(CFLAGS) -c $(s)))
endef
atok-compile-db:
	@:$(foreach t,$(atok_targets),$(call atok_print,$(call atok_canon,$(t:$(EXEEXT)=))))
MK
mkdir -p "$out"
make -s --no-print-directory -f Makefile -f "$query" atok-compile-db |
	awk -F '\t' -v top="$top" -v dirs="${dirs[*]}" '
	function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
	BEGIN { n = split(dirs, d, " "); print "[" }
	{
		keep = 0
		for (i = 1; i <= n; i++) if (index($1, d[i] "/") == 1) keep = 1
		if (!keep || seen[$1]++) next
		printf "%s  {\"directory\": \"%s\", \"file\": \"%s\", \"command\": \"%s\"}", \
			(count++ ? ",\n" : ""), esc(top), esc($1), esc($2)
	}
	END { print "\n]" }' >"$out/compile_commands.json"
