#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# exports.sh - pam_apitoken.so exports the PAM entry points and nothing
# else (the version script hides the core and every helper).  TAP.
: "${top_builddir:=.}"
so="$top_builddir/.libs/pam_apitoken.so"
n=0
failed=0

check() { # check OK|FAIL "description"
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

if [ ! -f "$so" ]; then
	echo "not ok 1 - $so is built"
	echo "1..1"
	exit 1
fi
syms=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort) || {
	echo "not ok 1 - nm -D $so"
	echo "1..1"
	exit 1
}

for want in pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred; do
	if echo "$syms" | grep -qx "$want"; then
		check OK "exports $want"
	else
		check FAIL "exports $want"
	fi
done

other=$(echo "$syms" | grep -v '^pam_sm_' | grep -v '^$' || true)
if [ -z "$other" ]; then
	check OK "exports nothing but pam_sm_*"
else
	check FAIL "exports nothing but pam_sm_*"
	echo "$other" | sed 's/^/#   also exported: /'
fi

# no undefined reference to the core from outside: it is linked in
undef=$(nm -D --undefined-only "$so" | awk '{ print $NF }' | grep '^atok_' || true)
if [ -z "$undef" ]; then
	check OK "the core is linked in, not imported"
else
	check FAIL "the core is linked in, not imported"
	echo "$undef" | sed 's/^/#   undefined: /'
fi

echo "1..$n"
exit $failed
