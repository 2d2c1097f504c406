# SPDX-License-Identifier: BSD-3-Clause
# tests/cli: the apitoken command end to end (TAP, bash).  Runs the built
# tools/apitoken against a store in a mktemp -d directory; as root it also
# verifies as an unprivileged service user (setpriv, group nogroup).
TESTS += tests/cli/cli.sh tests/cli/lifecycle.sh tests/cli/options.sh
EXTRA_DIST += tests/cli/cli.sh tests/cli/lifecycle.sh tests/cli/options.sh
