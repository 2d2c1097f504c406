# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/sasl/e2e_common.sh - what the SASL end-to-end suites share (e2e_imap,
# e2e_smtp, e2e_smtp_pg, e2e_relay).  Their first line sources it; it
# sources tests/integration/lib.sh (private namespace, /etc copy, /dev/log
# reader, tokens never in argv) and tests/lib/oidc.sh.  The servers are
# started by tests/lib/postfix.sh and tests/lib/cyrus.sh.  The plugin is
# copied to $T/sasl-plugins (readable by the service user); the
# configuration and the token store live in $T/apitoken, owned by the
# service user, as the permission checks of the core require.
#
# With a real authorization server (tests/oidc: oidc-provider on 127.0.0.1,
# started by e2e_oidc_start before e2e_store) the same configuration also
# holds [jwt] (discovery) and [introspection] (cache_ttl = 2) with a [cache]
# dir, so one plugin serves local, JWT and opaque tokens.  A second
# configuration, jwt4k.conf, holds only a [jwt] section with the committed
# test key set (tests/fixtures/jwt/jwks.json, jwks_file) for the 4 KB JWT
# minted here (e2e_mint_4k).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../integration/lib.sh"
IT_DIR_SASL=$(dirname "$IT_SELF")
# lib.sh's helpers (syslog_reader.py, fail2ban.sh) live there
IT_DIR=$(cd "$IT_DIR_SASL/../integration" && pwd)
# shellcheck source=tests/lib/oidc.sh
. "$top_srcdir/tests/lib/oidc.sh"
E2E_OIDC=
E2E_ISS4K=https://issuer.e2e.example.com

# e2e_cleanup [STOP...] — the suites' EXIT trap: release the store lock,
# run each STOP function (postfix_stop_all, cyrus_stop, pg_teardown), stop
# oidc-provider, then lib.sh's cleanup, keeping the script's exit status.
# shellcheck disable=SC2317 # called by the EXIT trap
e2e_cleanup() {
	local rc=$? stop
	e2e_unlock_store
	for stop in "$@"; do
		"$stop"
	done
	# a server left stopped (SIGSTOP) would ignore oidc_stop's TERM
	[ -n "${OIDC_PID:-}" ] && kill -CONT "$OIDC_PID" 2>/dev/null
	oidc_stop
	(exit "$rc")
	it_inner_cleanup
}

# e2e_oidc_start [OPTION...] — start oidc-provider on 127.0.0.1 (in this
# namespace) with oidc_start's OPTIONs; E2E_OIDC=1 on success, else the
# cases that need it are skipped.  e2e_cleanup stops it.
e2e_oidc_start() {
	E2E_OIDC=
	if ! oidc_available >"$T/oidc-avail.log" 2>&1; then
		note "oidc test server unavailable: $(tail -n 1 "$T/oidc-avail.log")"
		return 1
	fi
	if ! oidc_start "$T/oidc" "$@" 2>"$T/oidc-start.log"; then
		note "oidc test server did not start:"
		it_mask <"$T/oidc-start.log"
		return 1
	fi
	E2E_OIDC=1
	IT_DIAG_FILES="$IT_DIAG_FILES $OIDC_LOG"
	note "oidc-provider at $OIDC_ISSUER (pid $OIDC_PID)"
}

# e2e_oidc_token VAR CLIENT SCOPE [USER] — a token from oidc-provider into
# VAR and $T/secrets/VAR (never argv); 1 if the server gave none.
e2e_oidc_token() {
	local var=$1 tok
	shift
	tok=$(oidc_token "$@" 2>"$T/oidc-token.err") || tok=
	if [ -z "$tok" ]; then
		note "oidc_token $* failed: $(head -c 300 "$T/oidc-token.err")"
		# the cases using VAR then fail; not a leak pattern
		printf -v "$var" '%s' ""
		(umask 077 && echo "no-token-from-oidc-provider" >"$T/secrets/$var")
		return 1
	fi
	it_secret "$var" "$tok"
}

# e2e_oidc_tokens NOSCOPE — the tokens of the JWT and introspection cases
# from oidc-provider, all with the scopes imap and smtp but tok_jwt_noscope
# (ES256, scope NOSCOPE only): JWTs tok_jwt, tok_jwt_other (for $IT_OTHER),
# tok_jwt_noscope; opaque tok_opq, tok_opq_rev (to revoke), tok_opq_down
# (first shown while the server is down).
e2e_oidc_tokens() {
	e2e_oidc_token tok_jwt cli-rs256 "imap smtp" "$IT_USER"
	e2e_oidc_token tok_jwt_other cli-rs256 "imap smtp" "$IT_OTHER"
	e2e_oidc_token tok_jwt_noscope cli-es256 "$1" "$IT_USER"
	e2e_oidc_token tok_opq cli-opaque "imap smtp" "$IT_USER"
	e2e_oidc_token tok_opq_rev cli-opaque "imap smtp" "$IT_USER"
	e2e_oidc_token tok_opq_down cli-opaque "imap smtp" "$IT_USER"
}

# e2e_oidc_revoke VAR CLIENT — RFC 7009 revocation at oidc-provider, like
# oidc_revoke but with the token read from a file (never argv).
e2e_oidc_revoke() {
	local tok rc
	IFS= read -r tok <"$T/secrets/$1"
	(umask 077 && printf '%s' "$tok" >"$T/secrets/revoke.tmp")
	curl -sS --max-time 20 -f -o /dev/null -K "$OIDC_STATE/clients/$2.curl" \
		--data-urlencode "token@$T/secrets/revoke.tmp" \
		-d token_type_hint=access_token "$OIDC_REVOCATION_ENDPOINT"
	rc=$?
	rm -f "$T/secrets/revoke.tmp"
	return $rc
}

# e2e_b64url — stdin to base64url without padding.
e2e_b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# e2e_mint_4k VAR — an RS256 JWT of about 4096 bytes (a "pad" claim)
# signed with the committed test key rsa2048-a (kid rsa-a), for the
# user $IT_USER with scopes imap and smtp, valid for 10 minutes.
e2e_mint_4k() {
	local key=$top_srcdir/tests/fixtures/jwt/rsa2048-a.pem
	local now h p body pad="" tok n
	now=$(date +%s)
	h=$(printf '%s' '{"alg":"RS256","typ":"at+jwt","kid":"rsa-a"}' | e2e_b64url)
	n=0
	while :; do
		pad=$(printf "%${n}s" "" | tr ' ' p)
		body=$(printf '{"iss":"%s","aud":"urn:apitoken:test","sub":"%s","preferred_username":"%s","scope":"imap smtp","client_id":"e2e-4k","jti":"4k-%s","iat":%d,"exp":%d,"pad":"%s"}' \
			"$E2E_ISS4K" "$IT_USER" "$IT_USER" "$RANDOM$RANDOM" "$now" $((now + 600)) "$pad")
		p=$(printf '%s' "$body" | e2e_b64url)
		# header . payload . 342-char RS256 signature
		[ $((${#h} + ${#p} + 344)) -ge 4096 ] && break
		# base64url: 4 characters per 3 bytes
		n=$((n + (4096 - ${#h} - ${#p} - 344) * 3 / 4 + 1))
	done
	tok=$(printf '%s' "$h.$p" |
		openssl dgst -sha256 -sign "$key" -binary | e2e_b64url) || return 1
	it_secret "$1" "$h.$p.$tok"
}

# e2e_conf_extra DIR — the [jwt], [introspection] and [cache] sections for
# the running oidc-provider (appended to the main configuration).
e2e_conf_extra() {
	local d=$1
	install -m 0600 "$OIDC_STATE/clients/cli-rs.secret" "$d/cli-rs.secret"
	mkdir -m 0700 "$d/cache"
	oidc_section jwt "algorithms=RS256 PS256 ES256 EdDSA"
	oidc_section introspection "client_secret_file=$d/cli-rs.secret" \
		timeout=5 cache_ttl=2 opaque_min_length=43 opaque_max_length=43 \
		opaque_charset=base64url
	printf '[cache]\ndir = %s\n' "$d/cache"
}

# e2e_plugin_dir — copy the built plugin; sets E2E_PLUGDIR.
e2e_plugin_dir() {
	local so=$top_builddir/sasl_plugin/.libs/libapitoken.so
	[ -f "$so" ] || bail "$so not built (run make)"
	E2E_PLUGDIR=$T/sasl-plugins
	mkdir -p "$E2E_PLUGDIR" && chmod 0755 "$E2E_PLUGDIR"
	cp "$so" "$E2E_PLUGDIR/libapitoken.so"
	chmod 0644 "$E2E_PLUGDIR/libapitoken.so"
}

# e2e_store OWNER — issue the test tokens as root into $T/apitoken/, then
# hand the directory to OWNER (the service's user).  Sets E2E_CONF.
# shellcheck disable=SC2154 # tok_*_id are set by it_issue
e2e_store() {
	local owner=$1 d=$T/apitoken
	mkdir -m 0700 "$d"
	IT_CONF=$d/apitoken.conf
	cat >"$IT_CONF" <<EOF2
# written by tests/sasl/e2e_common.sh
[store]
path = $d/tokens.db
busy_timeout = 200
update_last_used = no
EOF2
	chmod 0600 "$IT_CONF"
	it_issue tok_good "$IT_USER" --scope "$E2E_SCOPE" --name e2e-good ||
		bail "issue failed"
	it_issue tok_noscope "$IT_USER" --scope other --name e2e-noscope ||
		bail "issue failed"
	it_issue tok_rev "$IT_USER" --scope "$E2E_SCOPE" --name e2e-revoked ||
		bail "issue failed"
	it_revoke "$tok_rev_id" || bail "revoke failed"
	it_secret tok_flip "$(it_flip_char "$tok_good")"
	# a 4 KB opaque token: parsed whole, refused by the core (no
	# introspection, or the server does not know it), so the JSON challenge
	it_secret tok_4k "$(head -c 3072 /dev/urandom | base64 -w0 | tr '+/' '-_' | head -c 4096)"
	[ -n "$E2E_OIDC" ] && e2e_conf_extra "$d" >>"$IT_CONF"
	# the 4 KB JWT's service: [jwt] only, the committed key set
	install -m 0644 "$top_srcdir/tests/fixtures/jwt/jwks.json" "$d/jwks.json"
	cat >"$d/jwt4k.conf" <<EOF2
# written by tests/sasl/e2e_common.sh: the 4 KB JWT
[jwt]
issuer = $E2E_ISS4K
audience = urn:apitoken:test
jwks_file = $d/jwks.json
algorithms = RS256
username_claim = preferred_username
EOF2
	chmod 0600 "$d/jwt4k.conf"
	e2e_mint_4k tok_jwt4k || bail "cannot mint the 4 KB JWT"
	chown -R "$owner" "$d"
	# shellcheck disable=SC2034 # for the suites' server configurations
	E2E_CONF=$IT_CONF E2E_CONF4K=$d/jwt4k.conf
}

# e2e_release_store — ends, by pid, the host processes that hold the
# store open.  The plugin keeps a verifier (so its store connection) for
# reuse by the process's next exchange, and in WAL mode an open connection
# holds a shared lock that keeps e2e_lock_store's exclusive lock out; a
# fresh process is what meets a locked store.  The hosts' masters start
# new processes on demand.
e2e_release_store() {
	local db fd pid pids=
	db=$(readlink -f "$T/apitoken/tokens.db")
	for fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$db" ] || continue
		pid=${fd#/proc/}
		pid=${pid%%/*}
		case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
		imapd | smtpd) pids="$pids $pid" ;;
		esac
	done
	[ -n "$pids" ] || return 0
	# idle servers only: what matters is that the store is released
	# shellcheck disable=SC2086
	it_stop 50 $pids
}

# e2e_issue VAR COMMAND... — COMMAND (an `apitoken issue`) prints a token:
# into VAR and $T/secrets/VAR (it_secret), its id into VAR_id; 1 with
# COMMAND's error output shown when it fails.
e2e_issue() {
	local var=$1 tok
	shift
	tok=$("$@" 2>"$T/issue.err") || {
		it_mask <"$T/issue.err"
		return 1
	}
	it_secret "$var" "$tok"
	printf -v "${var}_id" '%s' "${tok:4:12}"
}

# e2e_lock_store / e2e_unlock_store — another process holds an exclusive
# lock on the store: the core reports UNAVAILABLE.
e2e_lock_store() {
	e2e_release_store || return 1
	rm -f "$T/lock.ready"
	"$IT_PY" - "$T/apitoken/tokens.db" "$T/lock.ready" <<'EOF2' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode=EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE")
c.execute("PRAGMA user_version = user_version")
open(sys.argv[2], "w").write("1")
time.sleep(600)
EOF2
	E2E_LOCK_PID=$!
	for _ in $(seq 50); do
		[ -s "$T/lock.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

e2e_unlock_store() {
	[ -n "${E2E_LOCK_PID:-}" ] || return 0
	kill "$E2E_LOCK_PID" 2>/dev/null
	wait "$E2E_LOCK_PID" 2>/dev/null
	E2E_LOCK_PID=
}

# e2e_curlrc VAR USER — a curl config file holding the token (never argv).
e2e_curlrc() {
	local tok
	IFS= read -r tok <"$T/secrets/$1"
	(umask 077 && printf 'user = "%s:"\noauth2-bearer = "%s"\n' "$2" "$tok" \
		>"$T/secrets/curlrc")
}

# e2e_py SCRIPT ARGS... — run a python client; the token file path is
# passed, never the token.
e2e_py() {
	local script=$1
	shift
	timeout 60 "$IT_PY" "$IT_DIR_SASL/$script" "$@" >"$T/py.out" 2>"$T/py.err"
	E2E_RC=$?
	cat "$T/py.out" "$T/py.err" >>"$T/client-all.log"
	E2E_OUT=$(cat "$T/py.out")
	[ -n "${APITOK_IT_VERBOSE:-}" ] && note "py rc=$E2E_RC out=$E2E_OUT"
	return 0
}

# py_smtp VAR MECH [--no-ir] — e2e_client.py smtp as $IT_USER with the
# token VAR, to 127.0.0.1:$SMTP_CUR (default $SMTP_PORT).
py_smtp() {
	e2e_py e2e_client.py smtp 127.0.0.1 "${SMTP_CUR:-$SMTP_PORT}" "$2" "$IT_USER" \
		"$T/secrets/$1" "${3:-}"
}

# The clients' outcome: rc_is N (curl's exit status), out_has TEXT (in the
# python client's output).
rc_is() { [ "$E2E_RC" -eq "$1" ]; }
out_has() { printf '%s\n' "$E2E_OUT" | grep -q -F -e "$1"; }
