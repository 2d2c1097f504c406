# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2154 # top_srcdir, T, IT_*: from lib.sh
# tests/integration/fail2ban.sh — checks contrib/fail2ban/filter.d/apitoken.conf
# with fail2ban's own fail2ban-regex against the syslog lines a real test
# produced ($IT_SYSLOG).  Sourced after lib.sh by sshd.sh and e2e_smtp.sh,
# at their end, inside the private namespace.

# it_fail2ban_check "DECISION..." HOST... — fail2ban-regex finds every reject
# (and SASL malformed) line that carries an address, with the address of its
# rhost= field; no accept, unavailable or error line; each DECISION (e.g.
# "accept unavailable") is in the log and never matched; each HOST is among
# the hosts found.
it_fail2ban_check() {
	local d=$T/fail2ban h w not=$1
	shift
	if ! command -v fail2ban-regex >/dev/null 2>&1 ||
	   [ ! -f /etc/fail2ban/filter.d/common.conf ]; then
		skip "fail2ban filter against the real log lines" \
			"fail2ban not installed"
		return 0
	fi
	mkdir -p "$d/filter.d"
	cp /etc/fail2ban/filter.d/common.conf "$top_srcdir/contrib/fail2ban/filter.d/apitoken.conf" \
		"$d/filter.d/"
	# What a syslog daemon writes: the priority prefix becomes a host name.
	sed -E 's/^<[0-9]+>(.{15}) /\1 testhost /' "$IT_SYSLOG" >"$d/syslog"
	grep -E 'decision=(reject|malformed) .* rhost=[0-9a-fA-F.:]+( ruser=[^ ]*)?$' \
		"$d/syslog" >"$d/want" || :
	fail2ban-regex -o '<ip> <msg>' "$d/syslog" "$d/filter.d/apitoken.conf" \
		>"$d/got" 2>"$d/err"
	check "fail2ban-regex runs on the ${IT_FE:-}${IT_FE:+ }log ($(wc -l <"$d/syslog") lines)" \
		[ -s "$d/got" ]
	check "fail2ban: every refusal line with an address matches ($(wc -l <"$d/want") lines)" \
		[ "$(cut -d' ' -f2- "$d/got")" = "$(cat "$d/want")" ]
	# shellcheck disable=SC2016 # awk's own $1, $NF
	check "fail2ban: each match bans the address of its own rhost= field" \
		awk '{ h = $1; sub(/ ruser=[^ ]*$/, ""); if ($NF != "rhost=" h) exit 1 }' "$d/got"
	check "fail2ban: no accept, unavailable or error line matches" \
		sh -c "! grep -E 'decision=(accept|unavailable|error|discovery)' '$d/got'"
	for w in $not; do
		check "fail2ban: the log has decision=$w lines, none matches" \
			sh -c "grep -q 'decision=$w ' '$d/syslog' && ! grep -q 'decision=$w ' '$d/got'"
	done
	for h in "$@"; do
		check "fail2ban: $h is among the banned hosts" \
			sh -c "cut -d' ' -f1 '$d/got' | grep -q -x -F '$h'"
	done
}
