# SPDX-License-Identifier: BSD-3-Clause
# tests/introspection: RFC 7662 token introspection.  faults.sh
# drives the client against a loopback server the test controls
# (fault_server.py): the request it sends, the response rules, the result
# cache, and every fault failing closed with its own reason.  oidc_e2e.sh
# runs it end to end against oidc-provider (tests/oidc) over http and TLS,
# through the PAM module (tests/pam/pam_login) and the apitoken command.
TESTS += tests/introspection/faults.sh tests/introspection/oidc_e2e.sh
EXTRA_DIST += tests/introspection/faults.sh tests/introspection/oidc_e2e.sh \
	tests/introspection/fault_server.py
