#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# exports.sh - libapitoken.so exports the two Cyrus SASL entry points and
# nothing else (the version script hides the core and every helper).  TAP.
: "${top_builddir:=.}"
so="$top_builddir/sasl_plugin/.libs/libapitoken.so"
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

for want in sasl_client_plug_init sasl_server_plug_init; do
	if echo "$syms" | grep -qx "$want"; then
		check OK "exports $want"
	else
		check FAIL "exports $want"
	fi
done

other=$(echo "$syms" | grep -v -x -e sasl_client_plug_init \
	-e sasl_server_plug_init | grep -v '^$' || true)
if [ -z "$other" ]; then
	check OK "exports nothing else"
else
	check FAIL "exports nothing else"
	echo "$other" | sed 's/^/#   also exported: /'
fi

undef=$(nm -D --undefined-only "$so" | awk '{ print $NF }' |
	grep -e '^atok_' -e '^sasl_' || true)
if [ -z "$undef" ]; then
	check OK "the core is linked in, and no libsasl2 symbol is imported"
else
	check FAIL "the core is linked in, and no libsasl2 symbol is imported"
	echo "$undef" | sed 's/^/#   undefined: /'
fi

# libsasl2 loads only *.so: the name matters
case "$so" in
*.so) check OK "the plugin file ends in .so" ;;
*) check FAIL "the plugin file ends in .so" ;;
esac

echo "1..$n"
exit $failed
