#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_pam.sh - a whole PAM login in a fresh process, in milliseconds.
#
# Figures, not pass/fail; never part of `make check`.  Run by `make bench`
# or directly (as root):
#
#   top_builddir=/path/to/build tests/bench/bench_pam.sh [-n RUNS] [--no-callgrind]
#
# Times RUNS fresh `pamtester SERVICE benchuser authenticate acct_mgmt` runs
# of three services (interleaved, so drift hits all alike):
#
#   pam_permit     auth + account pam_permit.so: the floor (process start,
#                  libpam, reading the service file)
#   pam_apitoken   auth + account pam_apitoken.so config=... with a local
#                  token on stdin (misc_conv reads it)
#   pam_unix       auth + account pam_unix.so with a yescrypt password: what
#                  a user would type instead
#
# and prints the median and mean ms per login and apitoken - pam_permit
# (goal: within 2 ms).  With valgrind it also counts the instructions of one
# run of each under callgrind.
#
# Nothing under /etc is changed: the script re-runs itself in a private mount
# namespace (unshare --mount) where copies of /etc/pam.d, /etc/passwd and
# /etc/shadow holding the test services and user are bind-mounted over the
# real ones.  Everything lives in one temp dir, removed at exit.
set -euo pipefail

RUNS=200
CALLGRIND=1
PASSWORD=bench-password
USER_NAME=benchuser

usage() {
	echo "usage: $0 [-n RUNS] [--no-callgrind]" >&2
	exit 2
}

# ---------------------------------------------------------------- inner ---
# Runs inside the mount namespace: $1 = temp dir prepared by the outer part.
inner() {
	local T=$1 svc i t0 t1 rc
	mount --bind "$T/pam.d" /etc/pam.d
	mount --bind "$T/passwd" /etc/passwd
	mount --bind "$T/shadow" /etc/shadow

	# Each service must succeed once, and the apitoken one must refuse a
	# wrong token (proof that the module really checks).
	for svc in permit apitoken unix; do
		if ! pamtester "bench-$svc" "$USER_NAME" authenticate acct_mgmt \
			<"$T/input.$svc" >"$T/check.$svc" 2>&1; then
			echo "bench_pam: bench-$svc login failed:" >&2
			cat "$T/check.$svc" >&2
			return 1
		fi
	done
	if pamtester bench-apitoken "$USER_NAME" authenticate \
		<"$T/input.wrong" >/dev/null 2>&1; then
		echo "bench_pam: bench-apitoken accepted a wrong token" >&2
		return 1
	fi

	# Warm-up (page cache, dynamic loader caches), then interleaved runs.
	for svc in permit apitoken unix; do
		for i in 1 2 3; do
			pamtester "bench-$svc" "$USER_NAME" authenticate \
				acct_mgmt <"$T/input.$svc" >/dev/null 2>&1
		done
		: >"$T/times.$svc"
	done
	for ((i = 0; i < RUNS; i++)); do
		for svc in permit apitoken unix; do
			t0=$EPOCHREALTIME
			pamtester "bench-$svc" "$USER_NAME" authenticate \
				acct_mgmt <"$T/input.$svc" >/dev/null 2>&1 &&
				rc=0 || rc=$?
			t1=$EPOCHREALTIME
			if [ "$rc" -ne 0 ]; then
				echo "bench_pam: bench-$svc failed in run $i" >&2
				return 1
			fi
			# microseconds
			echo $((${t1/./} - ${t0/./})) >>"$T/times.$svc"
		done
	done

	if [ "$CALLGRIND" = 1 ]; then
		for svc in permit apitoken unix; do
			valgrind --tool=callgrind --callgrind-out-file=/dev/null \
				pamtester "bench-$svc" "$USER_NAME" \
				authenticate acct_mgmt <"$T/input.$svc" \
				>/dev/null 2>"$T/cg.$svc" || true
			sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' \
				"$T/cg.$svc" >"$T/ir.$svc"
		done
	fi
}

# ---------------------------------------------------------------- outer ---
stats() { # file of microseconds -> "median mean min" in ms
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f %.3f %.3f\n", m / 1000, s / NR / 1000, v[1] / 1000 }'
}

main() {
	local top module apitoken hash hash_kind id
	while [ $# -gt 0 ]; do
		case $1 in
		-n) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
		--no-callgrind) CALLGRIND=0; shift ;;
		--inner) [ $# -ge 2 ] || usage; inner "$2"; return ;;
		*) usage ;;
		esac
	done
	case $RUNS in '' | *[!0-9]* | 0) usage ;; esac

	top=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
	top=$(cd "$top" && pwd)
	module=$top/.libs/pam_apitoken.so
	apitoken=$top/tools/apitoken
	if [ "$(id -u)" != 0 ]; then
		echo "bench_pam: needs root (mount namespace, pam_unix and" \
			"/etc/shadow); skipped" >&2
		return 0
	fi
	for f in "$module" "$apitoken"; do
		if [ ! -x "$f" ] && [ ! -f "$f" ]; then
			echo "bench_pam: $f is missing: run make first" >&2
			return 2
		fi
	done
	command -v pamtester >/dev/null || {
		echo "bench_pam: pamtester is not installed" >&2
		return 2
	}
	command -v unshare >/dev/null || {
		echo "bench_pam: unshare is not installed" >&2
		return 2
	}
	command -v valgrind >/dev/null || CALLGRIND=0

	umask 077
	T=$(mktemp -d "${TMPDIR:-/tmp}/bench_pam.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	trap 'exit 130' INT TERM HUP

	# The password hash: yescrypt as Debian's passwd makes it.
	if command -v mkpasswd >/dev/null &&
		hash=$(printf '%s\n' "$PASSWORD" | mkpasswd -m yescrypt -s 2>/dev/null); then
		hash_kind=yescrypt
	else
		hash=$(PW=$PASSWORD /usr/bin/python3 -W ignore -c \
			'import crypt, os; print(crypt.crypt(os.environ["PW"], crypt.mksalt(crypt.METHOD_SHA512)))')
		hash_kind=sha512crypt
		echo "bench_pam: mkpasswd (Debian package whois) not found:" \
			"pam_unix uses sha512crypt, not yescrypt" >&2
	fi

	# Copies of /etc/passwd, /etc/shadow with the test user, /etc/pam.d
	# with the three services; the real files stay as they are.
	cp -a /etc/passwd "$T/passwd"
	cp -a /etc/shadow "$T/shadow"
	echo "$USER_NAME:x:64999:64999:apitoken bench:/nonexistent:/usr/sbin/nologin" \
		>>"$T/passwd"
	echo "$USER_NAME:$hash:19000:0:99999:7:::" >>"$T/shadow"
	cp -a /etc/pam.d "$T/pam.d"
	mkdir -m 700 "$T/conf" "$T/store"
	cat >"$T/conf/apitoken.conf" <<EOF
[store]
path = $T/store/tokens.db
EOF
	chmod 600 "$T/conf/apitoken.conf"
	cat >"$T/pam.d/bench-permit" <<EOF
auth required pam_permit.so
account required pam_permit.so
EOF
	cat >"$T/pam.d/bench-apitoken" <<EOF
auth required $module config=$T/conf/apitoken.conf
account required $module config=$T/conf/apitoken.conf
EOF
	cat >"$T/pam.d/bench-unix" <<EOF
auth required pam_unix.so
account required pam_unix.so
EOF
	chmod 644 "$T"/pam.d/bench-*

	if ! { "$apitoken" --config "$T/conf/apitoken.conf" issue \
		--user "$USER_NAME" --name bench >"$T/input.apitoken" &&
		# A token the store holds but has revoked: must be refused.
		"$apitoken" --config "$T/conf/apitoken.conf" issue \
			--user "$USER_NAME" --name wrong >"$T/input.wrong" &&
		id=$(cut -c5-16 "$T/input.wrong") &&
		"$apitoken" --config "$T/conf/apitoken.conf" revoke "$id"
	} >/dev/null 2>"$T/issue.log"; then
		echo "bench_pam: cannot issue the test tokens:" >&2
		cat "$T/issue.log" >&2
		return 2
	fi
	printf '%s\n' "$PASSWORD" >"$T/input.unix"
	: >"$T/input.permit"

	echo "bench_pam: $RUNS fresh pamtester logins per service" \
		"(authenticate + acct_mgmt), interleaved;" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
	# The inner part gets RUNS and CALLGRIND as options.
	local inner_opts=(-n "$RUNS")
	[ "$CALLGRIND" = 1 ] || inner_opts+=(--no-callgrind)
	unshare --mount --propagation private \
		"$BASH" "$0" "${inner_opts[@]}" --inner "$T"

	local svc label m mean min ir p_m a_m p_min a_min
	echo
	echo "| login (fresh pamtester process) | ms median | ms mean | ms min | instructions (callgrind, 1 run) |"
	echo "|---|---:|---:|---:|---:|"
	for svc in permit apitoken unix; do
		case $svc in
		permit) label="pam_permit only" ;;
		apitoken) label="pam_apitoken (local token)" ;;
		unix) label="pam_unix ($hash_kind password)" ;;
		esac
		read -r m mean min < <(stats "$T/times.$svc")
		ir=n/a
		if [ -s "$T/ir.$svc" ]; then ir=$(cat "$T/ir.$svc"); fi
		echo "| $label | $m | $mean | $min | $ir |"
		case $svc in
		permit) p_m=$m p_min=$min ;;
		apitoken) a_m=$m a_min=$min ;;
		esac
	done
	echo
	awk -v a="$a_m" -v p="$p_m" -v amin="$a_min" -v pmin="$p_min" 'BEGIN {
		d = a - p
		printf "apitoken - pam_permit: %.3f ms per login (median; goal: within 2 ms: %s); %.3f ms (min)\n",
			d, (d <= 2.0) ? "met" : "NOT met", amin - pmin }'
	if [ -s "$T/ir.apitoken" ] && [ -s "$T/ir.permit" ]; then
		echo "apitoken - pam_permit: $(($(cat "$T/ir.apitoken") - $(cat "$T/ir.permit"))) instructions"
	fi
}

main "$@"
