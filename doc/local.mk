# SPDX-License-Identifier: BSD-3-Clause
dist_man_MANS += doc/apitoken.1 doc/apitoken.conf.5 doc/pam_apitoken.8 \
	doc/apitoken_sasl.8
dist_doc_DATA = doc/jwt-guide.md doc/introspection-guide.md \
	doc/mail-relay-guide.md doc/fleet-guide.md doc/device-login-guide.md
# The maintainer's guide: in the release tree, not installed.
EXTRA_DIST += doc/HACKING.md
