# tests/sasl/e2e_common.sh - shared by e2e_imap.sh and e2e_smtp.sh.
# Sourced after tests/integration/lib.sh (private namespace, /etc copy,
# /dev/log reader, tokens never in argv).  The plugin is copied to
# $T/sasl-plugins (readable by the service user); the configuration and the
# token store live in $T/apitoken-$SVCUSER, owned by the service user, as
# the permission checks of the core require.

# e2e_plugin_dir — copy the built plugin; sets E2E_PLUGDIR.
e2e_plugin_dir() {
	local so=$top_builddir/sasl_plugin/.libs/libapitoken.so
	[ -f "$so" ] || it_bail "$so not built (run make)"
	E2E_PLUGDIR=$T/sasl-plugins
	mkdir -m 0755 -p "$E2E_PLUGDIR"
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
		it_bail "issue failed"
	it_issue tok_noscope "$IT_USER" --scope other --name e2e-noscope ||
		it_bail "issue failed"
	it_issue tok_rev "$IT_USER" --scope "$E2E_SCOPE" --name e2e-revoked ||
		it_bail "issue failed"
	it_revoke "$tok_rev_id" || it_bail "revoke failed"
	it_secret tok_flip "$(it_flip_char "$tok_good")"
	# a 4 KB opaque token: parsed whole, refused by the core (this build
	# has no introspection), so the JSON challenge
	it_secret tok_4k "$(head -c 3072 /dev/urandom | base64 -w0 | tr '+/' '-_' | head -c 4096)"
	chown -R "$owner" "$d"
	E2E_CONF=$IT_CONF
}

# e2e_lock_store / e2e_unlock_store — another process holds an exclusive
# lock on the store: the core reports UNAVAILABLE.
e2e_lock_store() {
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
	[ -n "${APITOK_IT_VERBOSE:-}" ] && it_note "py rc=$E2E_RC out=$E2E_OUT"
	return 0
}
