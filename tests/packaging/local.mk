# SPDX-License-Identifier: BSD-3-Clause
# tests/packaging: the Debian packages built (scripts/debs, lintian
# --pedantic) and installed in a throwaway mmdebstrap root, enabled with
# pam-auth-update, logged in with, reinstalled and purged.  Needs root,
# mmdebstrap and the Debian mirror (else "1..0 # SKIP ...").
TESTS += tests/packaging/install.sh
EXTRA_DIST += tests/packaging/install.sh debian
