#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/packaging/install.sh — the Debian packages as an administrator meets
# them, in a throwaway Debian root, never the host's /etc.  Prints TAP.
#
#   0. make install DESTDIR=... leaves no libtool .la behind;
#   1. scripts/debs: dpkg-buildpackage and lintian --pedantic (or the .deb
#      files in $APITOK_PKG_DEBS, already built and checked);
#   2. mmdebstrap --variant=minbase: a Debian root with only what the
#      packages need, built once per run (about 25 s from the mirror);
#   3. in that root (chroot, in a private mount namespace): install the three
#      packages; /etc/pam.d unchanged; pam-auth-update --enable apitoken
#      puts the expected lines in the expected order; a password logs in with
#      no apitoken configuration; a token logs in; a wrong password and a
#      wrong token fail; saslpluginviewer lists the plugin; a reinstall keeps
#      the enabled profile; purging restores /etc/pam.d exactly.
#
# Needs root, unshare, mmdebstrap, dpkg-dev, debhelper, lintian and the apt
# sources of the host (the mirror the root is built from); else it prints
# "1..0 # SKIP ...".  APITOK_PKG_KEEP=1 keeps the temp dir.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SELF=$(readlink -f "$0")
SUITE=${APITOK_PKG_SUITE:-bookworm}

# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=tests/lib/suite.sh
. "$top_srcdir/tests/lib/suite.sh"

if [ -n "${APITOK_DEBS_BUILDING:-}" ]; then
	skip_all "inside a package build (scripts/debs)"
fi
if [ -z "${APITOK_PKG_INNER:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		skip_all "needs root (chroot, mount namespace)"
	fi
	for p in unshare mmdebstrap dpkg-buildpackage dh lintian chroot; do
		command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
	done
	unshare --mount --propagation private true 2>/dev/null ||
		skip_all "unshare --mount does not work here"
	T=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-pkg.XXXXXXXX") || bail "mktemp"
	# shellcheck disable=SC2317 # called by the trap
	cleanup() {
		if [ -n "${APITOK_PKG_KEEP:-}" ]; then
			note "kept temp dir $T"
		else
			rm -rf --one-file-system "$T"
		fi
	}
	trap cleanup EXIT
	trap 'exit 143' TERM INT HUP
	# Every mount below (the root's /dev, mmdebstrap's /proc and /sys)
	# vanishes with this namespace.
	unshare --mount --propagation private \
		env APITOK_PKG_INNER=1 APITOK_PKG_T="$T" /bin/bash "$SELF" "$@"
	exit $?
fi

T=$APITOK_PKG_T
R=$T/root
start=$(date +%s)

# ---------------------------------------------------- make install
# Cyrus reads any .la in its plugin directory, and the hook that removed
# it once ran in the wrong phase: no .la anywhere after make install.
check_quiet "make install DESTDIR=...: the module, the plugin and the command installed" \
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u TESTS \
	make -s -C "$top_builddir" install DESTDIR="$T/destdir"
check_quiet "make install leaves no .la (SASL plugin and PAM module dirs)" \
	sh -c "find '$T/destdir' -name '*.so' | grep -q pam_apitoken.so &&
		find '$T/destdir' -name '*.so' | grep -q sasl2/libapitoken.so &&
		test -z \"\$(find '$T/destdir' -name '*.la')\""

# ---------------------------------------------------------------- build
if [ -n "${APITOK_PKG_DEBS:-}" ]; then
	DEBS=$APITOK_PKG_DEBS
	pass "packages taken from $DEBS (built and checked there)"
else
	DEBS=$T/debs
	t0=$(date +%s)
	check_quiet "scripts/debs: dpkg-buildpackage builds the three packages, lintian --pedantic has no error, warning or pedantic tag" \
		env APITOK_DEBS_BUILDDIR="$top_builddir" "$top_srcdir/scripts/debs" "$DEBS"
	note "built in $(($(date +%s) - t0)) s"
fi
debs=()
for p in apitoken libpam-apitoken libsasl2-modules-apitoken; do
	f=("$DEBS/${p}_"*.deb)
	[ -f "${f[0]}" ] || bail "no $p .deb in $DEBS"
	debs+=("${f[0]}")
done

# ---------------------------------------------------------- the root
t0=$(date +%s)
# What the three packages depend on (read from the .deb files, so a new
# library dependency needs no change here), and the tools of the test.
# No apitoken package comes from the mirror: dpkg -i installs ours.
pkg_deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; done |
	tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' |
	grep -v -e '^$' -e '^apitoken$' -e '^libpam-apitoken$' -e '^libsasl2-modules-apitoken$' |
	sort -u | paste -sd, -)
note "the root gets: $pkg_deps"
mmdebstrap --quiet --mode=root --variant=minbase --include="libpam-runtime,libpam-modules,pamtester,sasl2-bin,libsasl2-2,$pkg_deps" \
	"$SUITE" "$R" >"$T/mmdebstrap.log" 2>&1 || {
	sed 's/^/# /' "$T/mmdebstrap.log" | tail -20
	bail "mmdebstrap failed"
}
pass "mmdebstrap --variant=minbase $SUITE root in $(($(date +%s) - t0)) s"

# A private /dev for the root: the few nodes dpkg, PAM and the tools use.
mount -t tmpfs -o mode=0755,size=1m apitoken-pkg-dev "$R/dev" || bail "mount /dev"
for d in null zero full random urandom; do
	: >"$R/dev/$d"
	mount --bind "/dev/$d" "$R/dev/$d" || bail "bind /dev/$d"
done
ch() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }

# A test service that takes the stack pam-auth-update writes, as login,
# sshd and sudo do.
printf '@include common-auth\n@include common-account\n' >"$R/etc/pam.d/apitoken-test"
ch useradd -m alice || bail "useradd"
printf 'alice:correct horse battery\n' | ch chpasswd || bail "chpasswd"
cp -a "$R/etc/pam.d" "$T/pam.d.before"

# ------------------------------------------------------------- install
mkdir -p "$R/tmp/debs"
cp "${debs[@]}" "$R/tmp/debs/"
check_quiet "dpkg -i of the three packages" ch sh -c 'dpkg -i /tmp/debs/*.deb'
check_quiet "installing changes nothing in /etc/pam.d (profile Default: no)" \
	diff -r "$T/pam.d.before" "$R/etc/pam.d"
check_quiet "no live configuration shipped (/etc/apitoken absent)" test ! -e "$R/etc/apitoken"
check_quiet "/var/lib/apitoken and /var/cache/apitoken created, mode 0700 root" \
	test "$(stat -c '%a %U' "$R/var/lib/apitoken" "$R/var/cache/apitoken" | sort -u)" = "700 root"
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
check_quiet "the module is in the multiarch security/ dir, beside pam_unix.so" \
	test -f "$R/usr/lib/$MA/security/pam_apitoken.so" -a \
	-f "$R/usr/lib/$MA/security/pam_unix.so"
check_quiet "no .la in the SASL plugin directory" \
	sh -c "! ls '$R'/usr/lib/*/sasl2/*.la 2>/dev/null | grep -q apitoken"

# ------------------------------------------------------- pam-auth-update
check_quiet "pam-auth-update --enable apitoken" ch pam-auth-update --enable apitoken
# The lines pam-auth-update wrote, without comments and blank lines.
lines() { grep -v -e '^#' -e '^[[:space:]]*$' "$R/etc/pam.d/$1" | tr -s ' \t' ' '; }
lines common-auth >"$T/common-auth"
lines common-account >"$T/common-account"
sed 's/^/#   common-auth: /' "$T/common-auth"
sed 's/^/#   common-account: /' "$T/common-account"
printf '%s\n' 'auth [success=2 default=ignore] pam_unix.so nullok' \
	'auth [success=1 default=ignore] pam_apitoken.so use_first_pass' \
	'auth requisite pam_deny.so' 'auth required pam_permit.so' >"$T/want-auth"
printf '%s\n' 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so' \
	'account requisite pam_deny.so' 'account required pam_permit.so' \
	'account required pam_apitoken.so' >"$T/want-account"
sed -i 's/ $//' "$T/common-auth" "$T/common-account"
check_quiet "common-auth: pam_unix, then pam_apitoken use_first_pass, then pam_deny, pam_permit" \
	diff "$T/want-auth" "$T/common-auth"
check_quiet "common-account: pam_unix's block, then pam_apitoken required (Additional)" \
	diff "$T/want-account" "$T/common-account"
cp -a "$R/etc/pam.d" "$T/pam.d.enabled"

# -------------------------------------------------------------- logins
# shellcheck disable=SC2317 # called through check_quiet
login() { # SECRET — pamtester authenticate + acct_mgmt as alice
	printf '%s\n' "$1" | ch pamtester apitoken-test alice authenticate acct_mgmt
}
check_quiet "no apitoken configuration: alice's password logs in" login 'correct horse battery'
check_quiet "no apitoken configuration: a wrong password fails" fails login 'wrong horse'

mkdir -m 0755 "$R/etc/apitoken"
cp "$R/usr/share/doc/apitoken/examples/apitoken.conf" "$R/etc/apitoken/apitoken.conf"
chmod 0644 "$R/etc/apitoken/apitoken.conf"
sed -i 's/^service_scopes = .*/service_scopes = apitoken-test:ssh/' "$R/etc/apitoken/apitoken.conf"
tok=$(ch apitoken issue --user alice --scope ssh --expires 30d 2>"$T/issue.err") ||
	bail "apitoken issue: $(cat "$T/issue.err")"
noscope=$(ch apitoken issue --user alice --scope imap 2>>"$T/issue.err") || bail "issue"
check_quiet "apitoken check-config on the shipped example" ch apitoken check-config
bad="${tok:0:40}$([ "${tok:40:1}" = A ] && echo B || echo A)${tok:41}"
check_quiet "a token logs in (pam_unix fails, pam_apitoken use_first_pass accepts)" login "$tok"
check_quiet "the password still logs in with apitoken configured" login 'correct horse battery'
check_quiet "a wrong password fails" fails login 'wrong horse'
check_quiet "a wrong token (one character changed) fails" fails login "$bad"
check_quiet "a token without the service's scope fails ([pam] service_scopes)" \
	fails login "$noscope"
check_quiet "saslpluginviewer lists the plugin's OAUTHBEARER and XOAUTH2" \
	ch sh -c 'saslpluginviewer >/tmp/spv.out 2>&1; grep -q OAUTHBEARER /tmp/spv.out && grep -q XOAUTH2 /tmp/spv.out'

# ----------------------------------------------------- reinstall, purge
check_quiet "reinstall (dpkg -i again)" ch sh -c 'dpkg -i /tmp/debs/*.deb'
check_quiet "reinstall keeps the enabled profile (/etc/pam.d as after --enable)" \
	diff -r "$T/pam.d.enabled" "$R/etc/pam.d"
check_quiet "a token still logs in after the reinstall" login "$tok"
rm -rf "$R/etc/apitoken"
check_quiet "dpkg --purge of the three packages" \
	ch dpkg --purge libsasl2-modules-apitoken libpam-apitoken apitoken
check_quiet "purge restores /etc/pam.d exactly" diff -r "$T/pam.d.before" "$R/etc/pam.d"
check_quiet "purge removes /var/lib/apitoken and /var/cache/apitoken" \
	test ! -e "$R/var/lib/apitoken" -a ! -e "$R/var/cache/apitoken"
check_quiet "after the purge the password still logs in" login 'correct horse battery'

note "packaging test: $(($(date +%s) - start)) s"
finish
