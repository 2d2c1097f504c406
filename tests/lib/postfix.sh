# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/lib/postfix.sh - private Postfix instances for the end-to-end tests:
# `postfix -c DIR`, its own main.cf, master.cf, queue and data directory
# below DIR, listening on 127.0.0.1 only, no chroot unless a service asks
# for one.  Sourced after tests/integration/lib.sh, inside its private
# namespace (root, the copy of /etc with Debian's postfix user); uses its
# T, IT_HOST, IT_DIAG_FILES, it_free_port, it_ports_open and it_mask, and tests/lib/tap.sh.
#
#   postfix_setup DIR NAME HOST SASL_PATH [LINE...]
#       a new instance in DIR: DIR/queue, DIR/data; main.cf with
#       syslog_name NAME, myhostname HOST, libsasl2's plugins from
#       SASL_PATH (imported into master's scrubbed environment, with the
#       sanitizer runtime in a sanitizer build), then the LINEs; master.cf
#       with Postfix's own services (pickup, cleanup, qmgr, ...)
#   postfix_main DIR LINE...      more main.cf lines
#   postfix_master DIR LINE...    more master.cf lines (a client's smtp)
#   postfix_smtpd DIR VAR CONFIG SCOPE [SASLNAME [MAXPROC]]
#       an smtpd on 127.0.0.1:<free port> (the port in VAR) offering
#       OAUTHBEARER and XOAUTH2 through the plugin with apitoken_config
#       CONFIG and apitoken_scope SCOPE (DIR/sasl/SASLNAME.conf, default
#       smtpd; another name becomes -o smtpd_sasl_path=SASLNAME), at most
#       MAXPROC processes (default: Postfix's).  The first one turns SASL
#       on in main.cf (Cyrus SASL, noanonymous, no TLS, 16 KB lines for
#       the long tokens, relaying for the authenticated only).
#   postfix_start DIR        postfix check (DIR-check.log), postfix start
#                            (DIR-start.log), then wait up to 10 s until
#                            every 127.0.0.1:PORT of master.cf answers
#   postfix_start_test DESC DIR   postfix_start as a test case: "ok DESC",
#                            else "not ok DESC", the two logs, Bail out
#   postfix_stop_all         stop every instance started here, the last
#                            started first (the EXIT trap)

POSTFIX_STARTED=

# The services of Debian's master.cf that every instance runs.
_postfix_services() {
	printf '%s\n' \
		"pickup    unix n - n 60 1 pickup" \
		"cleanup   unix n - n - 0 cleanup" \
		"qmgr      unix n - n 300 1 qmgr" \
		"rewrite   unix - - n - - trivial-rewrite" \
		"bounce    unix - - n - 0 bounce" \
		"defer     unix - - n - 0 bounce" \
		"trace     unix - - n - 0 bounce" \
		"verify    unix - - n - 1 verify" \
		"flush     unix n - n 1000? 0 flush" \
		"proxymap  unix - - n - - proxymap" \
		"showq     unix n - n - - showq" \
		"error     unix - - n - - error" \
		"retry     unix - - n - - error" \
		"discard   unix - - n - - discard" \
		"anvil     unix - - n - 1 anvil" \
		"scache    unix - - n - 1 scache" \
		"postlog   unix-dgram n - n - 1 postlogd"
}

postfix_setup() {
	local dir=$1 name=$2 host=$3 sasl_path=$4
	shift 4
	mkdir -p "$dir/queue" "$dir/data" &&
		chmod 0755 "$dir" "$dir/queue" "$dir/data" &&
		chown postfix "$dir/data" || return 1
	printf '%s\n' \
		"compatibility_level = 3.6" \
		"queue_directory = $dir/queue" \
		"data_directory = $dir/data" \
		"mail_owner = postfix" \
		"setgid_group = postdrop" \
		"myhostname = $host" \
		"mydestination =" \
		"inet_interfaces = 127.0.0.1" \
		"inet_protocols = ipv4" \
		"maillog_file =" \
		"syslog_name = $name" \
		"import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C SASL_PATH=$sasl_path${IT_HOST[*]:+ LD_PRELOAD=$ATOK_SAN_PRELOAD ASAN_OPTIONS=$ATOK_HOST_ASAN UBSAN_OPTIONS=$UBSAN_OPTIONS}" \
		"$@" >"$dir/main.cf" || return 1
	_postfix_services >"$dir/master.cf"
}

postfix_main() {
	local dir=$1
	shift
	printf '%s\n' "$@" >>"$dir/main.cf"
}

postfix_master() {
	local dir=$1
	shift
	printf '%s\n' "$@" >>"$dir/master.cf"
}

postfix_smtpd() {
	local dir=$1 var=$2 conf=$3 scope=$4 sasl=${5:-smtpd} maxproc=${6:--}
	local port opt=
	if ! grep -q '^smtpd_sasl_auth_enable' "$dir/main.cf"; then
		mkdir -p "$dir/sasl" && chmod 0755 "$dir/sasl" || return 1
		# Debian's smtpd reads <cyrus_sasl_config_path>/<smtpd_sasl_path>.conf
		postfix_main "$dir" \
			"smtpd_sasl_auth_enable = yes" \
			"smtpd_sasl_type = cyrus" \
			"smtpd_sasl_path = smtpd" \
			"cyrus_sasl_config_path = $dir/sasl" \
			"smtpd_sasl_security_options = noanonymous" \
			"smtpd_tls_security_level = none" \
			"line_length_limit = 16384" \
			"smtpd_relay_restrictions = permit_sasl_authenticated, reject"
	fi
	port=$(it_free_port) || return 1
	printf -v "$var" '%s' "$port"
	[ "$sasl" = smtpd ] || opt=" -o smtpd_sasl_path=$sasl"
	postfix_master "$dir" "127.0.0.1:$port inet n - n - $maxproc smtpd$opt"
	printf '%s\n' \
		"mech_list: OAUTHBEARER XOAUTH2" \
		"apitoken_config: $conf" \
		"apitoken_scope: $scope" >"$dir/sasl/$sasl.conf"
}

# postfix_listening DIR — every 127.0.0.1:PORT service of DIR/master.cf
# accepts a connection.
postfix_listening() {
	sed -n 's/^127\.0\.0\.1:\([0-9]*\)[[:space:]].*/\1/p' "$1/master.cf" | it_ports_open
}

postfix_start() {
	local dir=$1 _
	postfix -c "$dir" check >"$dir-check.log" 2>&1
	IT_DIAG_FILES="$IT_DIAG_FILES $dir-start.log"
	postfix -c "$dir" start >"$dir-start.log" 2>&1 || return 1
	POSTFIX_STARTED="$dir $POSTFIX_STARTED"
	for _ in $(seq 100); do
		postfix_listening "$dir" && return 0
		sleep 0.1
	done
	return 1
}

postfix_start_test() {
	if postfix_start "$2"; then
		pass "$1"
	else
		fail "$1"
		it_mask <"$2-start.log"
		it_mask <"$2-check.log"
		bail "cannot start the Postfix of $2"
	fi
}

postfix_stop_all() {
	local dir
	for dir in $POSTFIX_STARTED; do
		postfix -c "$dir" stop >/dev/null 2>&1
	done
	POSTFIX_STARTED=
}
