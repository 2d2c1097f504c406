# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=sh
# tests/lib/exports.sh - what a loadable module exports and imports, for
# tests/pam/exports.sh and tests/sasl/exports.sh (POSIX sh).  Source
# tests/lib/tap.sh first, then this, then:
#
#   exports_of SO          SO is built and nm -D reads it (else one
#                          "not ok", the plan, exit 1)
#   exports_has SYM...     "exports SYM" for each SYM
#   exports_only DESC ERE  SO exports no symbol outside the extended ERE
#   imports_none DESC ERE  SO imports (leaves undefined) no symbol in ERE
#
# A failure lists the symbols at fault.

exports_of() {
	exports_so=$1
	if [ ! -f "$exports_so" ]; then
		fail "$exports_so is built"
		finish
	fi
	exports_syms=$(nm -D --defined-only "$exports_so" | awk '{ print $NF }' | sort) || {
		fail "nm -D $exports_so"
		finish
	}
}

exports_has() {
	for _exports_sym in "$@"; do
		if printf '%s\n' "$exports_syms" | grep -qx "$_exports_sym"; then
			pass "exports $_exports_sym"
		else
			fail "exports $_exports_sym"
		fi
	done
}

exports_only() {
	_exports_other=$(printf '%s\n' "$exports_syms" | grep -Ev "$2" | grep -v '^$')
	if [ -z "$_exports_other" ]; then
		pass "$1"
	else
		fail "$1"
		printf '%s\n' "$_exports_other" | sed 's/^/#   also exported: /'
	fi
}

imports_none() {
	_exports_undef=$(nm -D --undefined-only "$exports_so" | awk '{ print $NF }' | grep -E "$2")
	if [ -z "$_exports_undef" ]; then
		pass "$1"
	else
		fail "$1"
		printf '%s\n' "$_exports_undef" | sed 's/^/#   undefined: /'
	fi
}
