# shellcheck shell=bash disable=SC2034 # FS_PORT* are for the scripts that source this
# SPDX-License-Identifier: BSD-3-Clause
# tests/lib/fault_server.sh - start and feed the loopback
# introspection endpoint (fault_server.py) for every suite that needs one.
# Sourced by bash; needs /usr/bin/python3.
#
#   fault_server_start DIR    start it on DIR (state.json and tokens.json
#                             are created empty when missing); sets FS_PID,
#                             FS_PORT, FS_PORT2, FS_PORT3, FS_PORT4 (TLS
#                             ports only with DIR/tls, see fault_server.py);
#                             1 when it did not come up (DIR/stderr says why)
#   fault_server_stop         stop it (bounded)
#   fault_server_alive        0 while it runs; else 1, with how it ended
#                             (exit status or signal) on stderr
#   fault_server_client DIR ID SECRET
#                             the client credentials the server takes
#                             (DIR/state.json; before or after the start,
#                             read at each request)
#   fault_server_settok DIR TOKEN JSON
#                             what /db answers for TOKEN; "now+N" / "now-N"
#                             in JSON become epoch seconds
#   fault_server_tokens DIR   every token value the server was ever sent
#                             (the form field "token" of each request),
#                             one per line
FS_PY=/usr/bin/python3
FS_SERVER=$(cd "$(dirname "${BASH_SOURCE[0]}")/../introspection" && pwd)/fault_server.py
FS_PID=

fault_server_start() {
	local dir=$1
	[ -f "$dir/state.json" ] || echo '{}' >"$dir/state.json"
	[ -f "$dir/tokens.json" ] || echo '{}' >"$dir/tokens.json"
	"$FS_PY" "$FS_SERVER" "$dir" 2>"$dir/stderr" &
	FS_PID=$!
	for _ in $(seq 100); do
		[ -s "$dir/port" ] && break
		kill -0 "$FS_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$dir/port" ] || return 1
	FS_PORT=$(cat "$dir/port") FS_PORT2=$(cat "$dir/port2")
	FS_PORT3=$(cat "$dir/port3" 2>/dev/null)
	FS_PORT4=$(cat "$dir/port4" 2>/dev/null)
	return 0
}

fault_server_stop() {
	[ -n "$FS_PID" ] || return 0
	kill "$FS_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$FS_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$FS_PID" 2>/dev/null
	wait "$FS_PID" 2>/dev/null
	FS_PID=
}

fault_server_alive() {
	local rc
	[ -n "$FS_PID" ] || return 1
	kill -0 "$FS_PID" 2>/dev/null && return 0
	wait "$FS_PID" 2>/dev/null
	rc=$?
	echo "fault server $FS_PID ended with status $rc" \
		"$([ "$rc" -gt 128 ] && echo "(signal $((rc - 128)))")" >&2
	return 1
}

fault_server_client() {
	"$FS_PY" -c 'import json, sys; json.dump({"client_id": sys.argv[1], "client_secret": sys.argv[2]}, open(sys.argv[3], "w"))' \
		"$2" "$3" "$1/state.json"
}

fault_server_settok() {
	"$FS_PY" - "$1/tokens.json" "$2" "$3" <<-'PYEOF'
		import json, os, re, sys, time
		path, tok, ans = sys.argv[1:]
		now = int(time.time())
		ans = re.sub(r'"now([+-]\d+)"', lambda m: str(now + int(m.group(1))), ans)
		db = json.load(open(path))
		db[tok] = json.loads(ans)
		tmp = path + ".tmp"
		json.dump(db, open(tmp, "w"))
		os.rename(tmp, path)
	PYEOF
}

fault_server_tokens() {
	[ -f "$1/requests.jsonl" ] || return 0
	"$FS_PY" - "$1/requests.jsonl" <<-'PYEOF'
		import json, sys, urllib.parse
		for line in open(sys.argv[1]):
		    body = json.loads(line).get("body", "")
		    for tok in urllib.parse.parse_qs(body).get("token", []):
		        print(tok)
	PYEOF
}
