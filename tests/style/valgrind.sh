#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# valgrind memcheck over the unit and PAM tests: no error, no leak.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 1; }
status=0
for t in tests/unit/test_token tests/unit/test_scope tests/unit/test_config \
	tests/unit/test_util tests/unit/test_store tests/unit/test_verifier \
	tests/unit/test_cidr tests/unit/test_policy tests/unit/test_device \
	tests/unit/test_oauth_client tests/unit/test_result \
	tests/pam/test_pam; do
	[ -x "$t" ] || { echo "missing $t (run make check first)"; status=1; continue; }
	log=$(mktemp)
	if ./libtool --mode=execute valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect "$t" >"$log" 2>&1; then
		echo "clean: $t"
	else
		echo "valgrind findings or failures in $t:"
		grep -E '^==|^not ok' "$log" | head -40
		status=1
	fi
	rm -f "$log"
done
exit $status
