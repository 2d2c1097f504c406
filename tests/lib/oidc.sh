# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers for tests that need a real OAuth 2.0 authorization server
# (tests/oidc/server.mjs, built on oidc-provider).  Source this file:
#
#   . "$top_srcdir/tests/lib/oidc.sh"
#   oidc_available || skip_all "oidc test server unavailable"
#   oidc_start "$tmpdir" [--tls] [--ttl N] [--user NAME] [--keep-old-keys]
#   trap oidc_stop EXIT
#   tok=$(oidc_token cli-rs256 "ssh imap")            # user apitok-test
#   tok=$(oidc_token cli-es256 ssh mallory)
#   OIDC_TOKEN_TTL=3 oidc_token cli-rs256 ssh        # expires in 3 s
#   oidc_rotate [keep]; oidc_introspect TOK CLIENT; oidc_revoke TOK CLIENT
#   oidc_section jwt [KEY=VALUE...] >>"$conf"      # [jwt] for this server
#   oidc_stop
#
# oidc_start must run in the test's own shell (not in $(...)): it sets
# OIDC_ISSUER OIDC_PORT OIDC_PID OIDC_STATE OIDC_LOG OIDC_CAFILE (TLS only)
# OIDC_JWKS_URI OIDC_TOKEN_ENDPOINT OIDC_INTROSPECTION_ENDPOINT
# OIDC_REVOCATION_ENDPOINT.  Client secrets live in $OIDC_STATE/clients/:
# ID.secret (bare secret) and ID.curl (curl -K config), mode 0600.
#
# A TAP suite (tests/lib/tap.sh sourced first) has helpers that speak TAP:
#
#   oidc_suite_setup NAME         oidc_suite_available; T, a temp dir
#                                 (tests/lib/suite.sh) whose exit trap
#                                 runs oidc_stop (unless SUITE_CLEANUP
#                                 names another function); TAP_FILTER
#                                 oidc_mask
#   oidc_suite_available          skip the whole suite (the reason as
#                                 diagnostics) unless oidc_available
#   oidc_suite_start DIR [OPT...] oidc_start, "# issuer ..."; a server that
#                                 does not start skips the whole suite
#   oidc_tap_start DIR [OPT...]   the same, but 1 (the reason as
#                                 diagnostics) when it does not start
#   oidc_mint VAR CLIENT SCOPE [USER]
#                                 oidc_token into VAR; '' and diagnostics
#                                 when the server gave none
#   TAP_FILTER=oidc_mask          tokens in failure details masked

OIDC_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../oidc" && pwd) # server.mjs, node_modules
_OIDC_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) # tests/lib
: "${OIDC_NODE:=node}"
: "${OIDC_START_TIMEOUT:=30}"
: "${OIDC_RESOURCE:=urn:apitoken:test}"

_oidc_err() { echo "oidc: $*" >&2; }

# JSON field extraction with node (always present when the server can run).
# _oidc_json FIELD < json   -> prints the field ('' if absent), strings raw.
_oidc_json() {
	"$OIDC_NODE" -e '
		let s = ""; process.stdin.on("data", (c) => { s += c; });
		process.stdin.on("end", () => {
			let v = JSON.parse(s);
			for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
			if (v === undefined || v === null) process.exit(3);
			process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
		});' "$1"
}

# The install is current when node_modules holds oidc-provider and the
# stamp the last successful `npm ci` left, the SHA-256 of package-lock.json
# (node_modules/.apitoken-lock.sha256), matches the lock file as it is now.
# A hash, not mtimes: a checkout, a copy or a worktree changes mtimes, not
# the lock file.
_oidc_stamp() { printf '%s\n' "$OIDC_HOME/node_modules/.apitoken-lock.sha256"; }

_oidc_lock_sum() {
	local sum
	sum=$(sha256sum <"$OIDC_HOME/package-lock.json") || return 1
	printf '%s\n' "${sum%% *}"
}

# 0 if node_modules matches package-lock.json (the stamp above).
oidc_installed() {
	local stamp want have
	stamp=$(_oidc_stamp)
	[ -f "$OIDC_HOME/node_modules/oidc-provider/package.json" ] &&
		[ -f "$stamp" ] || return 1
	want=$(_oidc_lock_sum) || return 1
	have=$(cat "$stamp") || return 1
	[ "$have" = "$want" ]
}

# npm ci from the lock file unless oidc_installed; then the stamp.  A
# node_modules that is a symbolic link (a worktree sharing another tree's
# install) is never reinstalled from here: npm ci would wipe the shared
# copy.
oidc_install() {
	oidc_installed && return 0
	if [ -L "$OIDC_HOME/node_modules" ]; then
		_oidc_err "$OIDC_HOME/node_modules is a link to a shared install that" \
			"does not match package-lock.json (no or another .apitoken-lock.sha256);" \
			"run npm ci where it points, or set OIDC_NO_INSTALL=1"
		return 1
	fi
	command -v npm >/dev/null 2>&1 || { _oidc_err "npm not found"; return 1; }
	# serialise concurrent installs from parallel tests
	local lock=${TMPDIR:-/tmp}/apitoken-oidc-npm.lock
	(
		command -v flock >/dev/null 2>&1 && { exec 9>"$lock" && flock -w 300 9; }
		oidc_installed && exit 0
		npm ci --prefix "$OIDC_HOME" --no-audit --no-fund --prefer-offline \
			--loglevel=error >&2 &&
			_oidc_lock_sum >"$(_oidc_stamp)"
	) || { _oidc_err "npm ci failed"; return 1; }
}

# 0 if node and the server's packages are usable (installs them if needed,
# unless OIDC_NO_INSTALL=1).  Use it to skip tests on machines without node.
oidc_available() {
	command -v "$OIDC_NODE" >/dev/null 2>&1 || { _oidc_err "node not found"; return 1; }
	command -v curl >/dev/null 2>&1 || { _oidc_err "curl not found"; return 1; }
	if [ "${OIDC_NO_INSTALL:-0}" = 1 ]; then
		[ -f "$OIDC_HOME/node_modules/oidc-provider/package.json" ]
	else
		oidc_install
	fi
}

# oidc_ca DIR: throwaway test CA (DIR/ca.pem, DIR/ca.key) and a server cert
# for 127.0.0.1/localhost signed by it (DIR/server.pem, DIR/server.key).
oidc_ca() {
	local dir=${1:?usage: oidc_ca DIR}
	mkdir -p "$dir" || return 1
	(
		set -e
		cd "$dir"
		umask 077
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj "/CN=apitoken test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=IP:127.0.0.1,DNS:localhost" > server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out server.pem -days 2 -extfile server.ext 2>/dev/null
		rm -f server.csr server.ext ca.srl
		chmod 644 ca.pem server.pem
	) || { _oidc_err "oidc_ca: openssl failed"; return 1; }
}

# curl with the right CA for the running server.
_oidc_curl() {
	local ca=()
	[ -n "${OIDC_CAFILE:-}" ] && ca=(--cacert "$OIDC_CAFILE")
	curl -sS --max-time 20 "${ca[@]}" "$@"
}

# oidc_start DIR [--tls] [--ttl N] [--port N] [--user NAME] [--keep-old-keys]
# DIR holds server.log, state/ (keys, client secrets) and tls/ (with --tls).
# Restarting with the same DIR keeps keys and secrets.
oidc_start() {
	local dir=${1:?usage: oidc_start DIR [--tls] [--ttl N]}
	shift
	local tls=0 port=0 args=()
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=1 ;;
		--ttl|--user) args+=("$1" "${2:?$1 needs a value}"); shift ;;
		--port) port=${2:?--port needs a value}; shift ;;
		--keep-old-keys) args+=("$1") ;;
		*) _oidc_err "oidc_start: unknown option $1"; return 1 ;;
		esac
		shift
	done
	if [ -n "${OIDC_PID:-}" ] && kill -0 "$OIDC_PID" 2>/dev/null; then
		_oidc_err "oidc_start: server already running (pid $OIDC_PID)"
		return 1
	fi
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	OIDC_DIR=$dir
	OIDC_STATE=$dir/state
	OIDC_LOG=$dir/server.log
	OIDC_CAFILE=
	if [ $tls = 1 ]; then
		[ -f "$dir/tls/server.pem" ] || oidc_ca "$dir/tls" || return 1
		args+=(--tls "$dir/tls/server.pem" "$dir/tls/server.key")
		OIDC_CAFILE=$dir/tls/ca.pem
	fi
	: > "$OIDC_LOG"
	"$OIDC_NODE" "$OIDC_HOME/server.mjs" --state "$OIDC_STATE" --port "$port" \
		"${args[@]}" >>"$OIDC_LOG" 2>&1 </dev/null &
	OIDC_PID=$!
	echo "$OIDC_PID" > "$dir/server.pid"
	local i=0 line=
	while [ $i -lt $((OIDC_START_TIMEOUT * 10)) ]; do
		line=$(grep -m1 '^READY ' "$OIDC_LOG" 2>/dev/null) && break
		if ! kill -0 "$OIDC_PID" 2>/dev/null; then
			_oidc_err "server exited during start-up; log:"
			sed 's/^/oidc:   /' "$OIDC_LOG" >&2
			wait "$OIDC_PID" 2>/dev/null || true
			OIDC_PID=
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$line" ]; then
		_oidc_err "server not ready after ${OIDC_START_TIMEOUT}s; log:"
		sed 's/^/oidc:   /' "$OIDC_LOG" >&2
		oidc_stop
		return 1
	fi
	OIDC_ISSUER=${line#READY }
	OIDC_PORT=${OIDC_ISSUER##*:}
	OIDC_JWKS_URI=$OIDC_ISSUER/jwks
	OIDC_TOKEN_ENDPOINT=$OIDC_ISSUER/token
	OIDC_INTROSPECTION_ENDPOINT=$OIDC_ISSUER/token/introspection
	OIDC_REVOCATION_ENDPOINT=$OIDC_ISSUER/token/revocation
	export OIDC_ISSUER OIDC_PORT OIDC_PID OIDC_STATE OIDC_LOG OIDC_CAFILE OIDC_DIR \
		OIDC_JWKS_URI OIDC_TOKEN_ENDPOINT OIDC_INTROSPECTION_ENDPOINT OIDC_REVOCATION_ENDPOINT
}

# oidc_stop: SIGTERM, wait up to 10 s, then SIGKILL.  Safe to call twice.
oidc_stop() {
	local pid=${OIDC_PID:-} i=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		_oidc_err "server pid $pid ignored SIGTERM; killing"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	rm -f "${OIDC_DIR:-/nonexistent}/server.pid"
	OIDC_PID=
	return 0
}

# oidc_client_secret CLIENT: print the client's secret (random per state dir;
# the file $OIDC_STATE/clients/CLIENT.secret holds it without a newline).
oidc_client_secret() {
	cat "$OIDC_STATE/clients/${1:?usage: oidc_client_secret CLIENT}.secret" && echo
}

# oidc_token CLIENT SCOPE [USER]: client_credentials grant; prints the access
# token.  Env knobs: OIDC_TOKEN_TTL (seconds), OIDC_TOKEN_ALG (RS256 PS256
# ES256 EdDSA), OIDC_TOKEN_FORMAT (jwt|opaque), OIDC_RESOURCE (audience,
# default urn:apitoken:test; also urn:apitoken:other), OIDC_SUB_USER=1 (sub =
# user).  The whole JSON response is kept in $OIDC_DIR/last_token.json.
oidc_token() {
	local client=${1:?usage: oidc_token CLIENT SCOPE [USER]} scope=${2-} user=${3-}
	local args=(-d grant_type=client_credentials --data-urlencode "resource=$OIDC_RESOURCE")
	[ -n "$scope" ] && args+=(--data-urlencode "scope=$scope")
	[ -n "$user" ] && args+=(--data-urlencode "test_user=$user")
	[ -n "${OIDC_TOKEN_TTL:-}" ] && args+=(-d "test_ttl=$OIDC_TOKEN_TTL")
	[ -n "${OIDC_TOKEN_ALG:-}" ] && args+=(-d "test_alg=$OIDC_TOKEN_ALG")
	[ -n "${OIDC_TOKEN_FORMAT:-}" ] && args+=(-d "test_format=$OIDC_TOKEN_FORMAT")
	[ "${OIDC_SUB_USER:-0}" = 1 ] && args+=(-d test_sub_user=1)
	local resp
	resp=$(_oidc_curl -K "$OIDC_STATE/clients/$client.curl" "${args[@]}" \
		"$OIDC_TOKEN_ENDPOINT") || { _oidc_err "token request failed"; return 1; }
	printf '%s\n' "$resp" > "$OIDC_DIR/last_token.json"
	if ! printf '%s' "$resp" | _oidc_json access_token; then
		_oidc_err "no access_token: $resp"
		return 1
	fi
	echo
}

# oidc_rotate [keep] [ALG...]: new signing keys (new kids) without restart.
# With "keep" the old public keys stay in the JWKS; without, they are removed
# (and so are keys kept by earlier rotations).  Default: all algs.  Prints the
# server's JSON answer {generation, kids:{ALG:kid}, retired:[kid]}.
oidc_rotate() {
	local args=(-X POST)
	if [ "${1-}" = keep ]; then args+=(-d keep=1); shift; else args+=(-d keep=0); fi
	[ $# -gt 0 ] && args+=(--data-urlencode "alg=$*")
	_oidc_curl -f "${args[@]}" "$OIDC_ISSUER/test/rotate"
}

# oidc_kid ALG: the kid currently used for ALG.
oidc_kid() {
	_oidc_curl -f "$OIDC_ISSUER/test/keys" | _oidc_json "kids.${1:?usage: oidc_kid ALG}" && echo
}

# oidc_introspect TOKEN [CLIENT]: prints the RFC 7662 JSON (default client cli-rs).
oidc_introspect() {
	local tok=${1:?usage: oidc_introspect TOKEN [CLIENT]} client=${2:-cli-rs} f rc=0
	# The token goes through a 0600 file, never curl's argv.
	f=$(umask 077 && mktemp) && printf '%s' "$tok" >"$f" || return 1
	_oidc_curl -f -K "$OIDC_STATE/clients/$client.curl" --data-urlencode "token@$f" \
		"$OIDC_INTROSPECTION_ENDPOINT" && echo || rc=$?
	rm -f "$f"
	return $rc
}

# oidc_revoke TOKEN CLIENT: RFC 7009 revocation; 0 on HTTP 200.  Only the
# client the token was issued to may revoke it (others get 400).
oidc_revoke() {
	local tok=${1:?usage: oidc_revoke TOKEN CLIENT} client=${2:?usage: oidc_revoke TOKEN CLIENT} f rc=0
	f=$(umask 077 && mktemp) && printf '%s' "$tok" >"$f" || return 1
	_oidc_curl -f -o /dev/null -K "$OIDC_STATE/clients/$client.curl" \
		--data-urlencode "token@$f" -d token_type_hint=access_token \
		"$OIDC_REVOCATION_ENDPOINT" || rc=$?
	rm -f "$f"
	return $rc
}

# oidc_device_login CONF ACCOUNT [USER [LOGIN OPTIONS...]] — `apitoken
# oauth login ACCOUNT --device [LOGIN OPTIONS]` with configuration CONF,
# the code approved headlessly at the server for USER (default, or "":
# the server's user), or denied with OIDC_DEVICE_DENY=1.  0 when the
# login stored its tokens; its output in $OIDC_DIR/device-login.{out,err}.
# While it runs, OIDC_DEVICE_LOGIN_PID is the login's process (for an exit
# trap to kill).
# shellcheck disable=SC2034 # OIDC_DEVICE_LOGIN_PID is for the caller's trap
oidc_device_login() {
	local conf=${1:?usage: oidc_device_login CONF ACCOUNT [USER [OPTIONS]]} acct=${2:?} user=${3:-}
	local out=$OIDC_DIR/device-login.out err=$OIDC_DIR/device-login.err uc lp i rc
	shift 2
	[ $# -gt 0 ] && shift
	: >"$out"
	"${top_builddir:-.}/tools/apitoken" --config "$conf" oauth login "$acct" --device "$@" \
		>"$out" 2>"$err" &
	lp=$!
	OIDC_DEVICE_LOGIN_PID=$lp
	for i in $(seq 100); do
		grep -q '^user_code ' "$out" && break
		sleep 0.1
	done
	uc=$(awk '/^user_code /{print $2}' "$out")
	_oidc_curl -X POST -d "user_code=$uc" ${user:+-d "user=$user"} \
		${OIDC_DEVICE_DENY:+-d deny=1} "$OIDC_ISSUER/test/device/approve" >/dev/null
	wait "$lp"
	rc=$?
	OIDC_DEVICE_LOGIN_PID=
	return "$rc"
}

# oidc_ini SECTION [KEY=VALUE...] — an INI section on stdout: "[SECTION]",
# then "KEY = VALUE" a line in the order the KEYs first come; a later
# KEY=VALUE replaces an earlier one of that KEY, and KEY=- drops it.  (For
# any section; oidc_section gives the ones that check this server.)
oidc_ini() {
	local section=${1:?usage: oidc_ini SECTION [KEY=VALUE...]} kv k order=()
	local -A val=()
	shift
	for kv in "$@"; do
		k=${kv%%=*}
		[ -n "${val[$k]+set}" ] || order+=("$k")
		val[$k]=${kv#*=}
	done
	printf '[%s]\n' "$section"
	for k in "${order[@]}"; do
		[ "${val[$k]}" = - ] || printf '%s = %s\n' "$k" "${val[$k]}"
	done
}

# oidc_section jwt|introspection [KEY=VALUE...] — the configuration section
# that checks the running server's tokens (oidc_ini, so KEY=VALUE adds,
# replaces or with "-" drops a key):
#   jwt            issuer, audience urn:apitoken:test, discovery yes,
#                  allow_http_loopback yes, username_claim preferred_username
#   introspection  endpoint, client_id cli-rs, client_secret_file (in
#                  $OIDC_STATE), allow_http_loopback yes
oidc_section() {
	case ${1-} in
	jwt)
		shift
		oidc_ini jwt "issuer=$OIDC_ISSUER" audience=urn:apitoken:test \
			discovery=yes allow_http_loopback=yes \
			username_claim=preferred_username "$@"
		;;
	introspection)
		shift
		oidc_ini introspection "endpoint=$OIDC_INTROSPECTION_ENDPOINT" \
			client_id=cli-rs "client_secret_file=$OIDC_STATE/clients/cli-rs.secret" \
			allow_http_loopback=yes "$@"
		;;
	*)
		_oidc_err "usage: oidc_section jwt|introspection [KEY=VALUE...]"
		return 1
		;;
	esac
}

# oidc_mask — a filter: JWTs and the server's opaque tokens (43 base64url
# characters or more) in stdin become <token>.  For TAP_FILTER.
oidc_mask() {
	sed -E 's/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20,}/<token>/g; s/[A-Za-z0-9_-]{43,}/<token>/g'
}

# ---- for TAP suites (tests/lib/tap.sh sourced first) ----------------------

# oidc_suite_setup NAME — the set-up of a suite that runs the server:
# skipped unless oidc_available; T, a temp dir named NAME.XXXXXX, removed at
# exit after SUITE_CLEANUP (default oidc_stop) ran (tests/lib/suite.sh);
# failure details pass through oidc_mask.
oidc_suite_setup() {
	local name=${1:?usage: oidc_suite_setup NAME}
	oidc_suite_available
	# shellcheck source=tests/lib/suite.sh
	. "$_OIDC_LIB/suite.sh"
	SUITE_CLEANUP=${SUITE_CLEANUP:-oidc_stop}
	# shellcheck disable=SC2034 # read by tests/lib/tap.sh
	TAP_FILTER=oidc_mask
	suite_tmpdir "$name"
}

# oidc_suite_available — skip the whole suite, with oidc_available's
# complaint as diagnostics, unless the server can run here.
oidc_suite_available() {
	local avail
	if ! avail=$(oidc_available 2>&1); then
		printf '%s\n' "$avail" | diag
		skip_all "oidc test server not available (node/npm packages)"
	fi
}

# oidc_tap_start DIR [OPTION...] — oidc_start DIR OPTION...; "# issuer
# URL" once it runs, else its complaint (DIR/start.err) as diagnostics and
# 1.
oidc_tap_start() {
	local dir=${1:?usage: oidc_tap_start DIR [OPTION...]}
	mkdir -p "$dir" || return 1
	if ! oidc_start "$@" 2>"$dir/start.err"; then
		diag <"$dir/start.err"
		return 1
	fi
	note "issuer $OIDC_ISSUER"
}

# oidc_suite_start DIR [OPTION...] — oidc_tap_start; a server that does not
# start skips the whole suite.  In the suite's own shell, as oidc_start.
oidc_suite_start() {
	oidc_tap_start "$@" || skip_all "the oidc test server did not start"
}

# oidc_mint VAR CLIENT SCOPE [USER] — oidc_token CLIENT SCOPE [USER] (with
# its OIDC_TOKEN_* knobs) into the variable VAR; when the server gave no
# token, VAR is '' and the request and its error are diagnostics.
oidc_mint() {
	local var=${1:?usage: oidc_mint VAR CLIENT SCOPE [USER]} got
	shift
	got=$(oidc_token "$@" 2>"$OIDC_DIR/mint.err") || got=
	[ -n "$got" ] || { echo "token request $* failed:"; cat "$OIDC_DIR/mint.err"; } | diag
	printf -v "$var" '%s' "$got"
}
