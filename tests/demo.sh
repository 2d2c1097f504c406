#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: issue a local API token, authenticate with it through the real
# pam_apitoken.so and libpam (pamtester under pam_wrapper, so /etc is never
# touched), then show a wrong-user token and a revoked token refused.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
apitoken="$top/tools/apitoken"
module="$top/.libs/pam_apitoken.so"
wrapper=
for f in /usr/lib/*/libpam_wrapper.so /usr/lib64/libpam_wrapper.so; do
	if [ -e "$f" ]; then wrapper=$f; break; fi
done
for f in "$apitoken" "$module" "$wrapper" "$(command -v pamtester || true)"; do
	if [ -z "$f" ] || [ ! -e "$f" ]; then
		echo "demo: missing $f: run scripts/demo" >&2
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/apitoken-demo.XXXXXX")
cleanup() {
	rm -rf "$T"
	# pam_wrapper leaves /tmp/pam.X behind when a process is killed.
	for d in /tmp/pam.?; do
		[ -d "$d" ] || continue
		pid=$(cat "$d/pid" 2>/dev/null || true)
		{ [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; } && rm -rf "$d"
	done
	return 0
}
trap cleanup EXIT

cat >"$T/apitoken.conf" <<CONF
# The embedded SQLite store; nothing else is configured.
[store]
path = $T/tokens.db
CONF
chmod 600 "$T/apitoken.conf"
mkdir "$T/pam.d"
cat >"$T/pam.d/apitoken-demo" <<PAM
auth     required $module config=$T/apitoken.conf scope=ssh
account  required $module config=$T/apitoken.conf
PAM
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run_pam() { # user token-on-stdin
	# pam_wrapper's debug channel shows the module's syslog lines.
	LD_PRELOAD="$wrapper" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		PAM_WRAPPER_DEBUGLEVEL=2 \
		pamtester apitoken-demo "$1" authenticate acct_mgmt 2>&1 |
		sed -n -e 's/^Token: //' -e 's/^.*SYSLOG([0-9]*): /syslog: /p' -e '/^pamtester/p'
	return "${PIPESTATUS[0]}"
}
show() { # user token expected-outcome
	local out rc=0
	out=$(printf '%s\n' "$2" | run_pam "$1") || rc=$?
	printf '%s\n' "$out" | sed 's/^/   /'
	if [ "$3" = accept ] && [ $rc -eq 0 ]; then echo "   -> accepted, as it should be"; 
	elif [ "$3" = refuse ] && [ $rc -ne 0 ]; then echo "   -> refused, as it should be";
	else echo "   -> UNEXPECTED (exit $rc)"; exit 1; fi
}

say "apitoken issue --user alice --scope ssh --name demo-laptop"
token=$("$apitoken" --config "$T/apitoken.conf" issue --user alice --scope ssh --name demo-laptop)
id=${token:4:12}
echo "   token: ${token:0:17}…(secret not shown again) — id $id, ${#token} characters"

say "alice logs in with her token (pamtester -> libpam -> pam_apitoken.so)"
show alice "$token" accept

say "bob tries alice's token: the token's user must be the PAM user"
show bob "$token" refuse

say "a mistyped token is caught by its checksum before any lookup"
show alice "${token%?}x" refuse

say "apitoken verify --json (the token on stdin, never in argv)"
printf '%s\n' "$token" | "$apitoken" --config "$T/apitoken.conf" verify --user alice --scope ssh --json | sed 's/^/   /'

say "apitoken revoke $id"
"$apitoken" --config "$T/apitoken.conf" revoke "$id" 2>&1 | sed 's/^/   /'
show alice "$token" refuse

say "apitoken list"
"$apitoken" --config "$T/apitoken.conf" list | sed 's/^/   /'
echo
echo "Demo done: a token logged in through the real PAM stack; a wrong user, a typo and a revoked token were refused."
