# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/lib/cyrus.sh - a private Cyrus IMAP server for the end-to-end tests:
# cyrmaster and its imapd services with their own imapd.conf, cyrus.conf,
# configuration directory and spool below DIR, listening on 127.0.0.1
# only, running as cyrus:mail.  Sourced after tests/integration/lib.sh,
# inside its private namespace (root, Debian's cyrus user); uses its T,
# IT_HOST, IT_DIAG_FILES and it_free_port, it_ports_open, it_stop.
#
#   cyrus_setup DIR [LINE...]   DIR/config (with the directories imapd
#                               wants), DIR/spool and DIR/imapd.conf: the
#                               options every service shares, then LINEs
#   cyrus_imapd DIR NAME VAR MECHS [KEY: VALUE...]
#       a service NAME: imapd on 127.0.0.1:<free port> (the port in VAR)
#       with DIR/imapd-NAME.conf, that is imapd.conf with sasl_mech_list
#       MECHS, each KEY: VALUE line given replacing imapd.conf's line of
#       that KEY
#   cyrus_start DIR SASL_PATH   cyrmaster with libsasl2's plugins from
#                               SASL_PATH (CYRUS_PID; its output in
#                               CYRUS_LOG, DIR-master.log); waits up to
#                               10 s until every service answers, 1 if
#                               cyrmaster exits first
#   cyrus_stop                  stop cyrmaster and its imapd children
#                               (the EXIT trap; safe to call twice)

CYRUS_PID=
CYRUS_LOG=

cyrus_setup() {
	local dir=$1 d
	shift
	mkdir -m 0750 "$dir" "$dir/config" "$dir/spool" || return 1
	for d in db socket proc log lock msg ptclient quota user sieve; do
		mkdir "$dir/config/$d" || return 1
	done
	printf '%s\n' \
		"configdirectory: $dir/config" \
		"partition-default: $dir/spool" \
		"servername: imap.example.com" \
		"allowplaintext: yes" \
		"lmtpsocket: $dir/config/socket/lmtp" \
		"idlesocket: $dir/config/socket/idle" \
		"notifysocket: $dir/config/socket/notify" \
		"syslog_prefix: e2e-cyrus" \
		"$@" >"$dir/imapd.conf"
	: >"$dir/services"
}

cyrus_imapd() {
	local dir=$1 name=$2 var=$3 mechs=$4 port line
	shift 4
	port=$(it_free_port) || return 1
	printf -v "$var" '%s' "$port"
	cp "$dir/imapd.conf" "$dir/imapd-$name.conf" || return 1
	for line in "$@"; do
		grep -v "^${line%%:*}:" "$dir/imapd-$name.conf" >"$dir/imapd-$name.tmp"
		printf '%s\n' "$line" >>"$dir/imapd-$name.tmp"
		mv "$dir/imapd-$name.tmp" "$dir/imapd-$name.conf"
	done
	printf '%s\n' "sasl_mech_list: $mechs" >>"$dir/imapd-$name.conf"
	printf '  %s cmd="imapd -C %s" listen="127.0.0.1:%s" prefork=0\n' \
		"$name" "$dir/imapd-$name.conf" "$port" >>"$dir/services"
}

# cyrus_listening DIR — every service of DIR accepts a connection.
cyrus_listening() {
	sed -n 's/.*listen="127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$1/services" | it_ports_open
}

cyrus_start() {
	local dir=$1 sasl_path=$2 _
	{
		printf '%s\n' 'START {' \
			"  recover cmd=\"ctl_cyrusdb -C $dir/imapd.conf -r\"" \
			'}' 'SERVICES {'
		cat "$dir/services"
		printf '%s\n' '}' 'EVENTS {' '}'
	} >"$dir/cyrus.conf"
	chown -R cyrus:mail "$dir" || return 1
	CYRUS_LOG=$dir-master.log
	SASL_PATH=$sasl_path "${IT_HOST[@]}" /usr/sbin/cyrmaster -C "$dir/imapd.conf" \
		-M "$dir/cyrus.conf" -p "$dir/master.pid" -D \
		>"$CYRUS_LOG" 2>&1 </dev/null &
	CYRUS_PID=$!
	IT_DIAG_FILES="$IT_DIAG_FILES $CYRUS_LOG"
	for _ in $(seq 100); do
		cyrus_listening "$dir" && return 0
		kill -0 "$CYRUS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

cyrus_stop() {
	[ -n "$CYRUS_PID" ] || return 0
	# cyrmaster waits for its imapd children to stop (see it_stop);
	# the PID namespace removes whatever is left.
	it_stop 100 "$CYRUS_PID"
	wait "$CYRUS_PID" 2>/dev/null
	CYRUS_PID=
}
