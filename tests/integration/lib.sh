# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/integration/lib.sh — shared harness for the end-to-end tests that run
# REAL hosts (sshd, sudo; Postfix and Cyrus IMAP for the SASL plugin) against
# our modules.  Sourced (by bash) from the suites of tests/integration and,
# through tests/sasl/e2e_common.sh, from tests/sasl/e2e_*.sh.  It prints TAP
# only through tests/lib/tap.sh (sourced here: pass, fail, check, skip_all,
# bail, finish...), with TAP_ON_FAIL showing the log tails and TAP_FILTER
# masking tokens.
#
# How it stays off the real system:
#   * The script re-executes itself inside `unshare --mount --propagation
#     private` (plus a PID namespace when available, so that no process can
#     outlive the test).  Everything mounted there vanishes with the namespace.
#   * Inside, a COPY of /etc (in the temp dir, with the test users added to
#     passwd/shadow/group, the PAM services in pam.d and a test sudoers) is
#     bind-mounted over /etc, so the test users and PAM services exist only
#     inside the namespace.  (Whole /etc, not single files: a bind mount on a
#     file is dropped when the real file is replaced, e.g. by useradd.)
#   * tmpfs over /run (sshd's /run/sshd, sudo's time stamps), /var/log (sshd
#     writes failed logins to btmp) and /var/lib/sudo.
#   * A private /dev: a tmpfs with bind mounts of the few device nodes needed
#     and /dev/log bound to the socket of tests/integration/syslog_reader.py,
#     so pam_syslog lines are captured in $T/syslog.log.  Nothing is created in
#     the real /dev.
#   * The outer (non-namespaced) process removes the temp dir after the
#     namespace is gone, with --one-file-system.
#
# Environment knobs:
#   APITOK_IT_KEEP=1          keep the temp dir (path printed as a TAP comment)
#   APITOK_IT_HARNESS_ONLY=1  test the harness itself with a fake pam_exec
#                             "module" instead of pam_apitoken.so
#   APITOK_IT_VERBOSE=1       print more diagnostics
#   APITOK_IT_NO_PIDNS=1      do not use a PID namespace (tests the fallback)
#
# A suite with more to undo at exit (a server it started) names the
# functions that do it in IT_CLEANUP; the exit trap runs them first, then
# stops sshd and the syslog reader, keeping the script's exit status.

set -u

IT_PY=/usr/bin/python3
IT_USER=apitok-test
IT_OTHER=apitok-other
IT_DIAG_FILES=
IT_SSHD_PID=
IT_SYSLOG_PID=
IT_MARK=0
IT_CLEANUP=

IT_SELF=$(readlink -f "$0")
IT_DIR=$(dirname "$IT_SELF")
: "${top_srcdir:=$(cd "$IT_DIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

# ---------------------------------------------------------------- TAP output

# shellcheck source=tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# after a failure, the log tails, once per login attempt
it_fail_diag() {
	if [ "${IT_DIAG_DONE:-}" != "${IT_LOGIN_SEQ:-0}" ]; then
		IT_DIAG_DONE=${IT_LOGIN_SEQ:-0}
		it_diag_tails
	fi
}
TAP_ON_FAIL=it_fail_diag
TAP_FILTER=it_mask_secrets

# it_check_real DESCRIPTION COMMAND... — a check of pam_apitoken behaviour
# that the harness self-test's fake module does not imitate.
it_check_real() {
	if [ -n "${IT_HARNESS_ONLY:-}" ]; then
		skip "$1" "harness self-test (fake module)"
	else
		check "$@"
	fi
}

# Mask anything that looks like the secret part of an apt_ token, so that the
# diagnostics never spread a token around (a leak is reported by the leak
# test itself).
it_mask_secrets() {
	sed -e 's/\(apt_[A-Za-z0-9]\{12\}_\)[A-Za-z0-9_-]\{6,\}/\1<secret>/g' \
	    -e 's/aaaaaaaaaa*/<aaa…>/g'
}
# it_mask — a filter: stdin as TAP diagnostics, tokens masked.
it_mask() { it_mask_secrets | diag; }

it_diag_file() { # it_diag_file LABEL FILE [LINES]
	[ -s "$2" ] || { note "--- $1: (empty)"; return 0; }
	note "--- $1 (last ${3:-15} lines):"
	tail -n "${3:-15}" "$2" | it_mask
}

it_diag_tails() {
	local f
	for f in $IT_DIAG_FILES; do
		case $f in
		*sshd.log) it_diag_file "sshd log" "$f" 10 ;;
		*syslog.log) it_diag_file "syslog" "$f" 8 ;;
		*) it_diag_file "$(basename "$f")" "$f" 10 ;;
		esac
	done
}


# ------------------------------------------------------- namespace re-exec

# it_require PROGRAM... — skip the whole script when a program is missing.
it_require() {
	local p
	for p in "$@"; do
		if ! command -v "$p" >/dev/null 2>&1 && [ ! -x "$p" ]; then
			skip_all "$p not installed"
		fi
	done
}

# it_enter "$@" — first thing every test script calls.  Outside the
# namespace it re-executes the script inside one and never returns; inside it
# sets up the private world and returns.
it_enter() {
	if [ -n "${APITOK_IT_INNER:-}" ]; then
		it_inner_init
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		skip_all "needs root (mount namespace, real sshd and sudo)"
	fi
	if ! command -v unshare >/dev/null 2>&1 ||
	   ! unshare --mount --propagation private true 2>/dev/null; then
		skip_all "unshare --mount --propagation private does not work here"
	fi
	local ns="unshare --mount --propagation private"
	IT_PIDNS=
	# A PID namespace guarantees that nothing (sshd, the syslog reader, a
	# stuck client) survives the test: when its init exits, the kernel kills
	# the rest.
	if [ -z "${APITOK_IT_NO_PIDNS:-}" ] &&
	   unshare --mount --propagation private --pid --fork --kill-child \
		--mount-proc true 2>/dev/null; then
		ns="$ns --pid --fork --kill-child --mount-proc"
		IT_PIDNS=1
	fi
	IT_T=$(mktemp -d "${TMPDIR:-/tmp}/apitok-it.XXXXXXXX") ||
		bail "mktemp -d failed"
	trap 'it_outer_cleanup' EXIT
	trap 'it_outer_signal' TERM INT HUP
	# shellcheck disable=SC2086 # $ns: the unshare command line, split into words
	$ns env APITOK_IT_INNER=1 APITOK_IT_T="$IT_T" /bin/bash "$IT_SELF" "$@" &
	IT_CHILD=$!
	wait "$IT_CHILD"
	exit $?
}

it_outer_signal() {
	# With a PID namespace, unshare (our child) ignores SIGTERM while it
	# waits; killing it makes --kill-child SIGKILL the namespace's init, and
	# the kernel then kills everything else in the namespace.  Without one,
	# our child is the inner shell itself, whose trap cleans up.
	if [ -n "${IT_CHILD:-}" ]; then
		if [ -n "$IT_PIDNS" ]; then
			kill -KILL "$IT_CHILD" 2>/dev/null
		else
			kill -TERM "$IT_CHILD" 2>/dev/null
		fi
		wait "$IT_CHILD" 2>/dev/null
	fi
	(bail "interrupted by a signal") # bail exits 1; this script, 143
	exit 143
}

it_outer_cleanup() {
	[ -n "${IT_T:-}" ] && [ -d "$IT_T" ] || return 0
	if [ -n "${APITOK_IT_KEEP:-}" ]; then
		note "kept temp dir $IT_T"
		return 0
	fi
	# The namespace (and every mount in it) is gone; --one-file-system is
	# belt and braces against ever descending into a bind mount.
	rm -rf --one-file-system "$IT_T"
}

# ------------------------------------------------------ inside the namespace

it_inner_init() {
	T=$APITOK_IT_T
	trap 'it_inner_cleanup' EXIT
	trap 'exit 143' TERM INT HUP
	umask 022
	cd / || exit 1
	chmod 0711 "$T"            # the test user must reach its home below $T
	mkdir -m 0700 "$T/secrets" # tokens live here, root only
	mkdir -m 0755 "$T/home"
	: >"$T/secrets/all-tokens"
	it_setup_users || bail "cannot set up test users"
	it_setup_sanitizer
	it_setup_mounts || bail "cannot set up private /run, /var/log"
	it_setup_dev_syslog || bail "cannot set up private /dev and syslog"
	it_setup_apitoken
}

it_inner_cleanup() {
	local rc=$? f
	for f in $IT_CLEANUP; do
		"$f"
	done
	[ -n "$IT_SSHD_PID" ] && kill -TERM "$IT_SSHD_PID" 2>/dev/null
	[ -n "$IT_SYSLOG_PID" ] && kill -TERM "$IT_SYSLOG_PID" 2>/dev/null
	[ -n "$IT_SSHD_PID" ] && wait "$IT_SSHD_PID" 2>/dev/null
	[ -n "$IT_SYSLOG_PID" ] && wait "$IT_SYSLOG_PID" 2>/dev/null
	# Mounts disappear with the namespace; the outer process removes $T.
	exit $rc
}

# it_stop TENTHS PID... — TERM, then KILL what is still there after
# TENTHS tenths of a second.  Bounded: in the sanitizer build an idle
# imapd, ASan runtime preloaded, can hang in exit(), in libp11-kit's
# destructor, on one of glibc's locale rwlocks left in a broken state
# (logger hangs the same way on another of them at start); our code is not
# on that stack.  0 once every PID is gone.
it_stop() {
	local tenths=$1 sig pid _
	shift
	for sig in TERM KILL; do
		kill -"$sig" "$@" 2>/dev/null
		for _ in $(seq "$tenths"); do
			for pid in "$@"; do
				kill -0 "$pid" 2>/dev/null && break
				pid=
			done
			[ -z "$pid" ] && return 0
			sleep 0.1
		done
	done
	return 1
}

# Pick a uid/gid free in both passwd and group.
it_free_id() {
	local id=$1
	while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null ||
	      grep -q "^[^:]*:[^:]*:$id:" /etc/passwd /etc/group; do
		id=$((id + 1))
	done
	echo "$id"
}

it_setup_users() {
	local f
	# A private copy of the whole of /etc, bind-mounted over /etc.  Binding
	# single files (/etc/passwd...) is not enough: when the real file is
	# replaced by rename (useradd, apt installing a package that adds a user)
	# the kernel detaches bind mounts on it in every other namespace, and the
	# test user would vanish in the middle of the run.
	cp -a /etc "$T/etc" || return 1
	# the copy need not hold the machine's ssh host keys (sshd gets its own)
	rm -f "$T"/etc/ssh/ssh_host_*key "$T"/etc/ssh/ssh_host_*key.pub
	for f in passwd group shadow; do
		# never inherit a stale test user from a previous, broken run
		sed -i -e "/^$IT_USER:/d" -e "/^$IT_OTHER:/d" "$T/etc/$f"
	done
	IT_UID=$(it_free_id 64711)
	IT_GID=$IT_UID
	IT_OTHER_UID=$(it_free_id $((IT_UID + 1)))
	IT_HOME=$T/home/$IT_USER
	mkdir -m 0700 "$IT_HOME" "$T/home/$IT_OTHER"
	chown "$IT_UID:$IT_GID" "$IT_HOME"
	chown "$IT_OTHER_UID:$IT_OTHER_UID" "$T/home/$IT_OTHER"
	cat >>"$T/etc/passwd" <<EOF
$IT_USER:x:$IT_UID:$IT_GID:apitoken integration test:$IT_HOME:/bin/sh
$IT_OTHER:x:$IT_OTHER_UID:$IT_OTHER_UID:apitoken integration test 2:$T/home/$IT_OTHER:/bin/sh
EOF
	cat >>"$T/etc/group" <<EOF
$IT_USER:x:$IT_GID:
$IT_OTHER:x:$IT_OTHER_UID:
EOF
	cat >>"$T/etc/shadow" <<EOF
$IT_USER:*:19000:0:99999:7:::
$IT_OTHER:*:19000:0:99999:7:::
EOF
	mount --bind "$T/etc" /etc || return 1
	[ "$(id -u "$IT_USER" 2>/dev/null)" = "$IT_UID" ] || return 1
}

# configure --enable-sanitizers: the hosts that load our ASan-built modules
# (sshd, cyrmaster and imapd, saslpluginviewer, postfix's smtpd, sudo) need
# the ASan runtime loaded before anything else.  "${IT_HOST[@]}" in front of
# a host's command line preloads it (env execs the host: $! stays its pid),
# with leak checking off: the leaks of sshd or imapd are not ours; ours are
# checked in our own programs.  Not every program survives the runtime
# preloaded (logger, through libsystemd, deadlocks in its initialisation),
# so it goes to the hosts only.  Empty in a normal build.
IT_HOST=()
IT_SAN_ENV=()
it_setup_sanitizer() {
	[ -n "${ATOK_SAN_PRELOAD:-}" ] || return 0
	IT_HOST=(env "LD_PRELOAD=$ATOK_SAN_PRELOAD" "ASAN_OPTIONS=$ATOK_HOST_ASAN")
	IT_SAN_ENV=("ASAN_OPTIONS=$ATOK_HOST_ASAN" "UBSAN_OPTIONS=$UBSAN_OPTIONS")
}

# it_setuid_preload on|off — sanitizer build: a setuid host (sudo)
# ignores LD_PRELOAD, so the ASan runtime reaches it through the private
# /etc/ld.so.preload, switched on around one command.  Every process
# started meanwhile gets it too: give them "${IT_SAN_ENV[@]}" (no leak
# checks of hosts).  Nothing in a normal build.
it_setuid_preload() {
	[ ${#IT_HOST[@]} -gt 0 ] || return 0
	if [ "$1" = on ]; then
		# ld.so.preload wants the list separated by white space
		printf '%s\n' "$ATOK_SAN_PRELOAD" | tr ':' ' ' >/etc/ld.so.preload
	else
		rm -f /etc/ld.so.preload
	fi
}

it_setup_mounts() {
	# sshd's privilege separation dir is /run/sshd (compiled in); it does not
	# exist on this machine, so a private tmpfs over /run provides it.
	mount -t tmpfs -o mode=0755,size=16m apitok-it-run /run || return 1
	mkdir -m 0755 /run/sshd /run/sudo /run/lock && chmod 1777 /run/lock
	ln -s /dev/shm /run/shm
	# sshd records failed keyboard-interactive logins in /var/log/btmp.
	mount -t tmpfs -o mode=0755,size=16m apitok-it-log /var/log || return 1
	if [ -d /var/lib/sudo ]; then
		mount -t tmpfs -o mode=0711,size=4m apitok-it-sudo /var/lib/sudo || return 1
		mkdir -m 0700 /var/lib/sudo/lectured
	fi
}

it_setup_dev_syslog() {
	local nd=$T/newdev n
	mkdir "$nd" || return 1
	mount -t tmpfs -o mode=0755,size=1m apitok-it-dev "$nd" || return 1
	for n in null zero full random urandom tty; do
		[ -e "/dev/$n" ] || continue
		: >"$nd/$n"
		mount --bind "/dev/$n" "$nd/$n" || return 1
	done
	# a private devpts instance for sshpass's pseudo terminal
	mkdir "$nd/pts" && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 \
		apitok-it-pts "$nd/pts" || return 1
	ln -s pts/ptmx "$nd/ptmx"
	mkdir -m 1777 "$nd/shm"
	ln -s /proc/self/fd "$nd/fd"
	ln -s /proc/self/fd/0 "$nd/stdin"
	ln -s /proc/self/fd/1 "$nd/stdout"
	ln -s /proc/self/fd/2 "$nd/stderr"

	IT_SYSLOG=$T/syslog.log
	: >"$IT_SYSLOG"
	"$IT_PY" "$IT_DIR/syslog_reader.py" "$T/syslog.sock" "$IT_SYSLOG" \
		"$T/syslog.ready" 2>"$T/syslog_reader.err" &
	IT_SYSLOG_PID=$!
	for _ in $(seq 50); do
		[ -s "$T/syslog.ready" ] && break
		sleep 0.1
	done
	[ -S "$T/syslog.sock" ] || return 1
	: >"$nd/log"
	mount --bind "$T/syslog.sock" "$nd/log" || return 1
	mount --move "$nd" /dev || return 1
	IT_DIAG_FILES="$IT_DIAG_FILES $IT_SYSLOG"
}

# Check (as a TAP case) that syslog(3) lines reach our reader.
it_test_syslog() {
	local tag="apitok-it-check-$$-$RANDOM"
	logger -t apitok-it "harness syslog check $tag" 2>/dev/null
	check "syslog(3) messages reach the test's /dev/log reader" \
		it_wait_file_grep "$IT_SYSLOG" "$tag" 30
}

it_wait_file_grep() { # FILE PATTERN TENTHS
	for _ in $(seq "${3:-30}"); do
		grep -q -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------ syslog checks

it_log_mark() { IT_MARK=$(wc -l <"$IT_SYSLOG"); }

it_log_since() { tail -n "+$((IT_MARK + 1))" "$IT_SYSLOG"; }

# it_log_has FIXED_STRING... — a line logged since the mark contains all the
# given fixed strings (waits up to 3 s: syslog is asynchronous to us).
it_log_has() {
	local s out
	for _ in $(seq 30); do
		out=$(it_log_since)
		for s in "$@"; do
			out=$(printf '%s\n' "$out" | grep -F -e "$s")
		done
		[ -n "$out" ] && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------ apitoken glue

it_find_module() {
	local m
	for m in "$top_builddir/.libs/pam_apitoken.so" \
		"$top_builddir/pam_apitoken/.libs/pam_apitoken.so"; do
		[ -f "$m" ] && { readlink -f "$m"; return 0; }
	done
	return 1
}

it_setup_apitoken() {
	IT_CONF=$T/apitoken.conf
	IT_HARNESS_ONLY=${APITOK_IT_HARNESS_ONLY:-}
	if [ -n "$IT_HARNESS_ONLY" ]; then
		it_setup_fake
		return 0
	fi
	IT_TOOL=$top_builddir/tools/apitoken
	IT_MODULE=$(it_find_module) ||
		bail "pam_apitoken.so not built under $top_builddir (run make)"
	[ -x "$IT_TOOL" ] || bail "$IT_TOOL not built (run make)"
	IT_PROMPT_MATCH=Token
	cat >"$IT_CONF" <<EOF
# written by tests/integration/lib.sh
[store]
path = $T/tokens.db
EOF
	chmod 0600 "$IT_CONF"
}

it_apitoken() { "$IT_TOOL" --config "$IT_CONF" "$@"; }

# it_issue VAR USER [issue options] — issue a token, store it in the shell
# variable VAR and in the 0600 file $T/secrets/VAR; the token never appears
# in any argv.  Sets VAR_id too.
it_issue() {
	local var=$1 user=$2 tok
	shift 2
	if [ -n "$IT_HARNESS_ONLY" ]; then
		tok=$(it_fake_issue "$user" "$@") || return 1
	else
		tok=$(it_apitoken issue --user "$user" "$@" 2>"$T/issue.err") || {
			note "apitoken issue failed:"
			it_mask <"$T/issue.err"
			return 1
		}
	fi
	if [ "${#tok}" -ne 66 ] || [ "${tok:0:4}" != apt_ ]; then
		note "apitoken issue printed a ${#tok}-char string, expected apt_…(66)"
		return 1
	fi
	it_secret "$var" "$tok"
	printf -v "${var}_id" '%s' "${tok:4:12}"
}

# it_secret VAR VALUE — remember a token-like string for the leak check and
# write it to $T/secrets/VAR (0600).
it_secret() {
	printf -v "$1" '%s' "$2"
	(umask 077 && printf '%s\n' "$2" >"$T/secrets/$1")
	printf '%s\n' "$2" >>"$T/secrets/all-tokens"
}

# Flip one character of the secret part: same shape, wrong checksum.
it_flip_char() {
	local tok=$1 pos=40 c
	c=${tok:pos:1}
	case $c in
	A) c=B ;; *) c=A ;;
	esac
	printf '%s' "${tok:0:pos}$c${tok:pos+1}"
}

# it_unknown_token — a well-formed apt_ token (its checksum right) whose id
# no store knows.
it_unknown_token() {
	"$IT_PY" -c '
import zlib
s = "apt_ZZZZZZZZZZZZ_" + "B" * 43
v = zlib.crc32(s.encode()); b = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; o = ""
for _ in range(6):
    o = b[v % 62] + o; v //= 62
print(s + o)'
}

# it_pam_service NAME [auth options] — (re)write /etc/pam.d/NAME (the private
# copy) so that auth and account go through pam_apitoken.so.  Linux-PAM
# rereads the file at every pam_start, so a rewrite takes effect on the next
# login without restarting anything.
it_pam_service() {
	local name=$1
	shift
	if [ -n "$IT_HARNESS_ONLY" ]; then
		cat >"$T/etc/pam.d/$name" <<EOF
# harness self-test: fake module (pam_exec) standing in for pam_apitoken
auth     required  pam_exec.so expose_authtok seteuid quiet $T/fake_module.sh $*
auth     optional  pam_permit.so
account  required  pam_permit.so
session  required  pam_permit.so
password required  pam_deny.so
EOF
		return 0
	fi
	# By default a trailing "auth required pam_permit.so", as in Debian's
	# common-auth: it gives pam_setcred a module that succeeds, and it makes
	# the test stricter -- a module that returned PAM_IGNORE instead of an
	# error for a bad token would let the login through and fail the case.
	# IT_LONE_AUTH=1: pam_apitoken is the only auth module.
	local permit="auth     required  pam_permit.so"
	[ -n "${IT_LONE_AUTH:-}" ] && permit="# (no pam_permit: pam_apitoken alone)"
	cat >"$T/etc/pam.d/$name" <<EOF
# written by tests/integration/lib.sh
auth     required  $IT_MODULE config=$IT_CONF debug $*
$permit
account  required  $IT_MODULE config=$IT_CONF $*
account  required  pam_permit.so
session  required  pam_permit.so
password required  pam_deny.so
EOF
}

# ---------------------------------------------- harness self-test "module"
# A pam_exec script with the same token format and log format as
# pam_apitoken, so the harness and the test scripts can be exercised before
# the real module exists.  Not a test of anything in apitoken.

it_setup_fake() {
	IT_PROMPT_MATCH=assword # pam_exec asks "Password: "
	mkdir -m 0700 "$T/fake-store"
	cat >"$T/fake_module.sh" <<EOF
#!/bin/bash
# stdin: the token (NUL-terminated); PAM_USER in the environment
IFS= read -r -d '' tok || :
tok=\${tok%\$'\\n'}
scope=\${1:-}
id=\$(printf '%s' "\$tok" | cut -c5-16)
fp=\$(printf '%s' "\$tok" | sha256sum | cut -c1-16)
log() { logger -p authpriv.notice -t fake_apitoken "decision=\$1 user=\$PAM_USER token_id=\${id:--} fingerprint=\$fp reason=\\"\$2\\""; }
f=$T/fake-store/\$id
# what is not of a token's shape may be a password: no fingerprint
case \$tok in apt_*) ;; *) id= fp=-; log reject "not a token"; exit 1 ;; esac
[ \${#tok} -le 256 ] || { log reject "token too long"; exit 1; }
[ -n "\$id" ] && [ -f "\$f" ] || { log reject "unknown token"; exit 1; }
read -r stok suser sscope sexp <"\$f"
[ ! -f "\$f.revoked" ] || { log reject "token revoked"; exit 1; }
[ "\$stok" = "\$tok" ] || { log reject "checksum mismatch"; exit 1; }
[ "\$suser" = "\$PAM_USER" ] || { log reject "user mismatch"; exit 1; }
[ "\$sexp" = 0 ] || [ "\$sexp" -gt "\$(date +%s)" ] || { log reject "expired"; exit 1; }
case "\$scope" in ""|scope=\$sscope) ;; *) log reject "missing scope"; exit 1;; esac
log accept "ok"
exit 0
EOF
	chmod 0700 "$T/fake_module.sh"
}

it_fake_issue() { # USER [--scope S] [--expires Ns]
	local user=$1 scope=- exp=0 id sec
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--scope) scope=$2; shift ;;
		--expires) exp=$(($(date +%s) + ${2%s})) ;;
		esac
		shift
	done
	id=$(head -c 1024 /dev/urandom | tr -dc "a-z0-9" | head -c 12)
	sec=$(head -c 1024 /dev/urandom | tr -dc "A-Za-z0-9" | head -c 49)
	printf '%s %s %s %s\n' "apt_${id}_$sec" "$user" "$scope" "$exp" >"$T/fake-store/$id"
	printf '%s\n' "apt_${id}_$sec"
}

it_revoke() { # ID
	if [ -n "$IT_HARNESS_ONLY" ]; then
		: >"$T/fake-store/$1.revoked"
	else
		it_apitoken revoke "$1" >"$T/revoke.out" 2>&1
	fi
}

# -------------------------------------------------------- PostgreSQL store

# it_pg_setup — a PostgreSQL 15 (tests/lib/pg.sh, which the suite sources;
# pg_suite_require before it_enter skips where it cannot run) in $T/pg for
# the hosts of the namespace: /dev/shm made big enough for it, pg_setup
# with the built apitoken, one TAP line; bails out when it does not start.
# The exit trap stops it (pg_teardown joins IT_CLEANUP).
it_pg_setup() {
	IT_CLEANUP="$IT_CLEANUP pg_teardown"
	# PostgreSQL's shared memory: the private /dev's tmpfs is 1 MB.
	mount -t tmpfs -o mode=1777,size=64m apitok-it-shm /dev/shm ||
		bail "no /dev/shm"
	if pg_setup "$T/pg" "$IT_TOOL"; then
		pass "PostgreSQL 15 started on 127.0.0.1:$PG_PORT (TLS), schema migrated"
	else
		fail "PostgreSQL 15 started"
		bail "no PostgreSQL"
	fi
}

# --------------------------------------------------------------------- sshd

# it_ports_open — every 127.0.0.1 port listed on stdin (one a line) accepts
# a connection (the servers' "listening yet?" probe).
it_ports_open() {
	local port
	while read -r port; do
		(: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 1
	done
}

it_free_port() {
	"$IT_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# it_sshd_start SERVICE — start sshd on 127.0.0.1:<free port>; PAM service
# name = basename(argv[0]) = SERVICE.
it_sshd_start() {
	local svc=$1
	IT_SSHD_LOG=$T/sshd.log
	IT_DIAG_FILES="$IT_SSHD_LOG $IT_DIAG_FILES"
	ssh-keygen -q -t ed25519 -N '' -C apitok-it -f "$T/ssh_host_ed25519_key" ||
		return 1
	IT_SSH_PORT=$(it_free_port) || return 1
	cat >"$T/sshd_config" <<EOF
# written by tests/integration/lib.sh
ListenAddress 127.0.0.1
Port $IT_SSH_PORT
HostKey $T/ssh_host_ed25519_key
PidFile $T/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
HostbasedAuthentication no
AuthenticationMethods keyboard-interactive
AuthorizedKeysFile none
PermitRootLogin no
AllowUsers $IT_USER $IT_OTHER
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
MaxAuthTries 3
MaxStartups 20:30:60
LoginGraceTime 30
LogLevel VERBOSE
EOF
	ln -s /usr/sbin/sshd "$T/$svc"
	"${IT_HOST[@]}" "$T/$svc" -t -f "$T/sshd_config" >"$T/sshd-t.log" 2>&1 || {
		it_mask <"$T/sshd-t.log"
		return 1
	}
	"${IT_HOST[@]}" "$T/$svc" -D -e -f "$T/sshd_config" >"$IT_SSHD_LOG" 2>&1 </dev/null &
	IT_SSHD_PID=$!
	for _ in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $IT_SSH_PORT" "$IT_SSHD_LOG" && return 0
		kill -0 "$IT_SSHD_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# it_sshd_start_test SERVICE [DESC] — it_sshd_start as one TAP line, DESC
# with @PORT@ for the port (default "sshd started on 127.0.0.1:@PORT@ (PAM
# service SERVICE)"); bails out when sshd does not start.
it_sshd_start_test() {
	local desc=${2:-"sshd started on 127.0.0.1:@PORT@ (PAM service $1)"}
	if it_sshd_start "$1"; then
		pass "${desc//@PORT@/$IT_SSH_PORT}"
	else
		fail "sshd started"
		bail "sshd did not start"
	fi
}

it_sshd_alive() { kill -0 "$IT_SSHD_PID" 2>/dev/null; }

# it_ssh SECRETVAR [USER] [COMMAND] — log in with the token stored in
# $T/secrets/SECRETVAR (sshpass -f: never in argv).  Output in $IT_OUT
# (stdout) and $T/ssh.err; status in IT_RC.  IT_SSH_OPTS: more ssh options
# (word-split), e.g. "-b 127.0.0.2" or "-tt".
it_ssh() {
	local file=$T/secrets/$1 user=${2:-$IT_USER}
	# shellcheck disable=SC2016 # expanded by the remote shell
	local cmd=${3:-'echo OK; id -un; echo "env:${APITOKEN_ID-unset}|${APITOKEN_SCOPES-unset}|${APITOKEN_SOURCE-unset}"'}
	IT_SSHD_LOG_MARK=$(wc -l <"$IT_SSHD_LOG")
	# shellcheck disable=SC2086 # IT_SSH_OPTS: options, split into words
	timeout 60 sshpass -P "$IT_PROMPT_MATCH" -f "$file" \
		ssh -F /dev/null -T ${IT_SSH_OPTS:-} \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 \
		-o ServerAliveInterval=0 -p "$IT_SSH_PORT" "$user@127.0.0.1" "$cmd" \
		>"$T/ssh.out" 2>"$T/ssh.err" </dev/null
	IT_RC=$?
	IT_OUT=$(sed -n 1,2p "$T/ssh.out")
	cat "$T/ssh.out" "$T/ssh.err" >>"$T/client-all.log"
	if [ -n "${APITOK_IT_VERBOSE:-}" ]; then
		note "ssh rc=$IT_RC out=$(tr '\n' '|' <"$T/ssh.out") err=$(tr '\n' '|' <"$T/ssh.err" | it_mask)"
	fi
	return 0
}

# The sshd log since the last it_ssh has no sign of a crashed PAM child.
it_sshd_no_crash() {
	it_sshd_alive || return 1
	! tail -n "+$((IT_SSHD_LOG_MARK + 1))" "$IT_SSHD_LOG" |
		grep -E -i 'exited unexpectedly|signal [0-9]+|segmentation|fatal:|abort|core dumped'
}

# --------------------------------------------------------------------- sudo

it_sudo_setup() {
	local svc=$1
	cat >"$T/etc/sudoers" <<EOF
# written by tests/integration/lib.sh (private copy, bind-mounted)
Defaults env_reset
Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults pam_service=$svc
Defaults pam_login_service=$svc
Defaults !lecture
Defaults timestamp_timeout=0
Defaults passwd_tries=1
Defaults passwd_timeout=1
Defaults !mail_badpass, !mail_no_user, !mail_no_host, !mail_no_perms, !mail_always
Defaults !use_pty
root        ALL=(ALL:ALL) ALL
$IT_USER ALL=(root) /usr/bin/id
$IT_OTHER ALL=(root) /usr/bin/id
EOF
	chown root:root "$T/etc/sudoers"
	chmod 0440 "$T/etc/sudoers"
	IT_DIAG_FILES="$IT_DIAG_FILES $T/sudo.err"
	visudo -c -f /etc/sudoers >"$T/visudo.out" 2>&1 || {
		it_mask <"$T/visudo.out"
		return 1
	}
}

# it_user_argv USER [VAR=VALUE...] — IT_ARGV: the start of a command line
# that runs the rest as USER (setpriv: its uid, gid and groups) in a clean
# environment (env -i): PATH, HOME, LANG=C, USER, LOGNAME, in the sanitizer
# build the hosts' ASan options, then the VAR=VALUEs.
it_user_argv() {
	local user=$1 uid
	shift
	uid=$(id -u "$user")
	IT_ARGV=(setpriv --reuid="$uid" --regid="$uid" --init-groups
		env -i PATH=/usr/bin:/bin HOME="$T/home/$user" LANG=C
		USER="$user" LOGNAME="$user" "${IT_SAN_ENV[@]}" "$@")
}

# it_sudo SECRETVAR [USER [VAR=VALUE...]] — run `sudo -S -k -p 'Token: '
# /usr/bin/id -u` as USER (default the test user) with the token on stdin,
# the VAR=VALUEs in its environment.  Output in IT_OUT, status in IT_RC.
it_sudo() {
	local file=$T/secrets/$1 user=${2:-$IT_USER}
	shift
	[ $# -eq 0 ] || shift
	it_user_argv "$user" "$@"
	# Sanitizer build: sudo is setuid, so the loader ignores LD_PRELOAD;
	# the private /etc's ld.so.preload reaches it, for this one command.
	it_setuid_preload on
	(cd / && exec timeout 60 "${IT_ARGV[@]}" sudo -S -k -p 'Token: ' /usr/bin/id -u) \
		<"$file" >"$T/sudo.out" 2>"$T/sudo.err"
	IT_RC=$?
	it_setuid_preload off
	IT_OUT=$(cat "$T/sudo.out")
	cat "$T/sudo.out" "$T/sudo.err" >>"$T/client-all.log"
	if [ -n "${APITOK_IT_VERBOSE:-}" ]; then
		note "sudo rc=$IT_RC out=$(tr '\n' '|' <"$T/sudo.out") err=$(tr '\n' '|' <"$T/sudo.err" | it_mask)"
	fi
	return 0
}

# ---------------------------------------------------------------- leak check

# it_no_token_in FILE... — no token (nor a 20-char slice of its secret part)
# appears in the files.
it_no_token_in() {
	local pats=$T/secrets/leak-patterns tok
	: >"$pats"
	while IFS= read -r tok; do
		[ -n "$tok" ] || continue
		printf '%s\n' "$tok" >>"$pats"
		if [ "${#tok}" -ge 37 ]; then
			printf '%s\n' "${tok:17:20}" "${tok: -20}" >>"$pats"
		fi
	done <"$T/secrets/all-tokens"
	! grep -F -q -f "$pats" "$@"
}

# ------------------------------------------------------------ the case list
# Shared by sshd.sh and sudo.sh.  IT_FE is "ssh" or "sudo"; IT_SVC the PAM
# service name; IT_SCOPE the scope used for the scope=... cases.

it_login() { # SECRETVAR [USER]
	it_log_mark
	IT_LOGIN_SEQ=$((${IT_LOGIN_SEQ:-0} + 1))
	case $IT_FE in
	ssh) it_ssh "$@" ;;
	sudo) it_sudo "$@" ;;
	esac
}

it_accepted() { # [USER]
	local user=${1:-$IT_USER}
	case $IT_FE in
	ssh) [ "$IT_RC" -eq 0 ] && [ "$IT_OUT" = "OK
$user" ] ;;
	sudo) [ "$IT_RC" -eq 0 ] && [ "$IT_OUT" = 0 ] ;;
	esac
}

it_refused() {
	case $IT_FE in
	ssh) [ "$IT_RC" -ne 0 ] && ! grep -q OK "$T/ssh.out" ;;
	sudo) [ "$IT_RC" -ne 0 ] && [ ! -s "$T/sudo.out" ] ;;
	esac
}

it_no_crash() {
	case $IT_FE in
	ssh) it_sshd_no_crash ;;
	sudo) [ "$IT_RC" -lt 124 ] &&
		! grep -E -i -q 'segmentation|core dumped|signal|abort' "$T/sudo.err" ;;
	esac
}

# it_expect_refused DESC SECRETVAR [log strings...]
it_expect_refused() {
	local desc=$1 var=$2
	shift 2
	it_login "$var"
	check "$desc: refused" it_refused
	check "$desc: $IT_FE did not crash" it_no_crash
	check "$desc: log line decision=reject with user, reason$(it_label "$@")" \
		it_log_has "decision=reject" "user=$IT_USER" 'reason="' "$@"
	check "$desc: exactly one auth decision line" it_log_auth_decisions 1
	local a not_token=
	for a in "$@"; do [ "$a" = "not a token" ] && not_token=1; done
	if [ -n "$not_token" ]; then
		# input that is no token may be a password: an unsalted hash
		# of it in the logs could be guessed offline
		check "$desc: no fingerprint in the log for what is not a token" \
			it_log_has "decision=reject" "fingerprint=- "
	else
		check "$desc: fingerprint in the log = first 16 hex of SHA-256(token)" \
			it_log_has "decision=reject" "fingerprint=$(it_fingerprint "$var")"
	fi
	it_check_real "$desc: $IT_FE reports PAM_AUTH_ERR" it_host_auth_err
}

# Stable test names: "token_id=abc" -> "token_id", words quoted.
it_label() {
	local a out=
	for a in "$@"; do
		case $a in
		*=*) out="$out, ${a%%=*}" ;;
		*) out="$out, '$a'" ;;
		esac
	done
	[ -n "$out" ] && printf ' +%s' "${out#, }"
}

# First 16 hex digits of SHA-256 of the token in $T/secrets/VAR (the file
# ends with a newline that is not part of the token).
it_fingerprint() {
	local tok
	IFS= read -r tok <"$T/secrets/$1"
	printf '%s' "$tok" | sha256sum | cut -c1-16
}

# What the host says when the module returned PAM_AUTH_ERR.
it_host_auth_err() {
	case $IT_FE in
	ssh) tail -n "+$((IT_SSHD_LOG_MARK + 1))" "$IT_SSHD_LOG" |
		grep -q "PAM: Authentication failure for $IT_USER" ;;
	sudo) grep -q 'incorrect password attempt' "$T/sudo.err" ;;
	esac
}

# it_log_auth_decisions N — exactly N auth-phase decision lines since the mark
# (the account phase logs "account decision=..." and is not counted).
it_log_auth_decisions() {
	local n
	n=$(it_log_since | grep -F 'decision=' | grep -c -v -F 'account decision=')
	[ "$n" -eq "$1" ] || { note "found $n auth decision lines, expected $1"; return 1; }
}

# it_expect_refused_nolog DESC SECRETVAR — for input that the client or the
# host may truncate or refuse before the module sees it: refused, no crash,
# and no decision=accept logged (a reject line is not required).
it_expect_refused_nolog() {
	local desc=$1 var=$2
	it_login "$var"
	check "$desc: refused" it_refused
	check "$desc: $IT_FE did not crash" it_no_crash
	sleep 0.3
	check "$desc: no decision=accept logged" it_log_lacks "decision=accept"
}

it_log_lacks() { ! it_log_since | grep -q -F -e "$1"; }

# it_expect_accepted DESC SECRETVAR ID [USER]
it_expect_accepted() {
	local desc=$1 var=$2 id=$3 user=${4:-$IT_USER}
	it_login "$var" "$user"
	check "$desc: accepted (${IT_FE} as $user works)" it_accepted "$user"
	check "$desc: log has decision=accept user, token_id, fingerprint=SHA-256(token)" \
		it_log_has "decision=accept" "user=$user " "token_id=$id " \
		"fingerprint=$(it_fingerprint "$var")"
	check "$desc: exactly one auth decision line" it_log_auth_decisions 1
	it_check_real "$desc: account phase logged account decision=accept" \
		it_log_has "account decision=accept" "user=$user " "token_id=$id "
	if [ "$IT_FE" = ssh ]; then
		it_check_real "$desc: session has APITOKEN_ID/SCOPES/SOURCE from the PAM environment" \
			[ "$(sed -n 3p "$T/ssh.out")" = "env:$id|${IT_EXPECT_SCOPES:-}|local" ]
	fi
}

# shellcheck disable=SC2154 # tok_*_id are set by it_issue (printf -v)
it_token_cases() {
	local t0

	it_pam_service "$IT_SVC"

	# issued first so that it has expired by the time its case runs
	it_issue tok_exp "$IT_USER" --expires 1s --name it-expired || bail "issue failed"
	t0=$(date +%s)
	it_issue tok_good "$IT_USER" --name it-good || bail "issue failed"
	it_issue tok_other "$IT_OTHER" --name it-other || bail "issue failed"
	it_issue tok_rev "$IT_USER" --name it-revoked || bail "issue failed"
	it_issue tok_noscope "$IT_USER" --scope "not-$IT_SCOPE" --name it-noscope ||
		bail "issue failed"
	it_issue tok_scope "$IT_USER" --scope "$IT_SCOPE" --name it-scope ||
		bail "issue failed"
	it_secret tok_flip "$(it_flip_char "$tok_good")"
	it_secret tok_long "$(head -c 2000 /dev/zero | tr '\0' a)"
	it_secret tok_long500 "$(head -c 500 /dev/zero | tr '\0' a)"
	it_secret tok_apt300 "apt_${tok_good:4:12}_$(head -c 283 /dev/zero | tr '\0' b)"

	it_expect_accepted "valid token" tok_good "$tok_good_id"
	if [ "$IT_FE" = ssh ]; then
		check "valid token: PAM_USER unchanged (id -un = $IT_USER)" \
			[ "$(sed -n 2p "$T/ssh.out")" = "$IT_USER" ]
	fi

	it_expect_refused "token of $IT_OTHER used for $IT_USER" tok_other \
		"token_id=$tok_other_id"
	it_expect_accepted "control: $IT_OTHER's own token for $IT_OTHER" \
		tok_other "$tok_other_id" "$IT_OTHER"

	it_expect_accepted "token before revocation" tok_rev "$tok_rev_id"
	if it_revoke "$tok_rev_id"; then
		pass "apitoken revoke ID"
	else
		fail "apitoken revoke ID"
		it_mask <"$T/revoke.out"
	fi
	it_expect_refused "same token right after revocation" tok_rev \
		"token_id=$tok_rev_id" revoked

	it_expect_refused "malformed token (one character flipped)" tok_flip checksum
	# 2000 chars do not reach the module intact: ssh's read_passphrase()
	# keeps 1023 bytes, sudo's conversation refuses answers of 512 bytes or
	# more (PAM_MAX_RESP_SIZE).  500 chars reach the module as they are.
	it_expect_refused_nolog "over-long token (2000 x a)" tok_long
	it_expect_refused "over-long token (500 x a)" tok_long500 "not a token"
	it_expect_refused "over-long apt_ string (300 chars)" tok_apt300

	while [ $(($(date +%s) - t0)) -lt 2 ]; do sleep 0.2; done
	it_expect_refused "expired token (--expires 1s)" tok_exp \
		"token_id=$tok_exp_id" expired

	it_pam_service "$IT_SVC" "scope=$IT_SCOPE"
	it_expect_refused "scope=$IT_SCOPE required, token without it" \
		tok_noscope "token_id=$tok_noscope_id" scope
	it_expect_refused "scope=$IT_SCOPE required, token without any scope" \
		tok_good "token_id=$tok_good_id" scope
	IT_EXPECT_SCOPES=$IT_SCOPE it_expect_accepted \
		"scope=$IT_SCOPE required, token with it" tok_scope "$tok_scope_id"
	# The stack an administrator would write first: pam_apitoken as the only
	# auth module.  pam_setcred then runs pam_apitoken alone; sshd treats a
	# failing pam_setcred after a successful authentication as fatal.
	IT_LONE_AUTH=1 it_pam_service "$IT_SVC"
	it_expect_accepted "pam_apitoken as the only auth module (pam_setcred must succeed)" \
		tok_good "$tok_good_id"
	it_pam_service "$IT_SVC"

	# Global log checks.
	local leakfiles="$IT_SYSLOG $T/client-all.log"
	[ "$IT_FE" = ssh ] && leakfiles="$leakfiles $IT_SSHD_LOG"
	# shellcheck disable=SC2086 # leakfiles: a list of paths without blanks
	check "no token (or slice of one) in syslog, $IT_FE log and output" \
		it_no_token_in $leakfiles
	check "every decision= line in syslog carries reason=\"…\"" \
		it_every_decision_has_reason
	check "every decision= line carries user= and fingerprint=" \
		it_every_decision_has user= fingerprint=
	check "decision lines use authpriv.notice (accept) / authpriv.warning (reject)" \
		it_decision_priorities
}

# <PRI> = facility*8 + level: authpriv (10) notice (5) = 85, warning (4) = 84,
# err (3) = 83.
it_decision_priorities() {
	[ -n "$IT_HARNESS_ONLY" ] && return 0
	! grep -E 'decision=accept' "$IT_SYSLOG" | grep -v -q '^<85>' &&
	! grep -E 'decision=(reject|unavailable)' "$IT_SYSLOG" | grep -v -q '^<84>' &&
	! grep -E 'decision=error' "$IT_SYSLOG" | grep -v -q '^<83>'
}

it_every_decision_has_reason() {
	grep -q 'decision=' "$IT_SYSLOG" &&
		! grep 'decision=' "$IT_SYSLOG" | grep -v -q 'reason="[^"]'
}

it_every_decision_has() {
	local s
	grep -q 'decision=' "$IT_SYSLOG" || return 1
	for s in "$@"; do
		! grep 'decision=' "$IT_SYSLOG" | grep -v -q -F -e "$s" || return 1
	done
}
