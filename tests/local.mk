# Tests speak TAP, so `make check` counts cases.  tests/run-all prints the
# closing "N passed, N failed, N skipped" line.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	top_builddir='$(abs_top_builddir)'; top_srcdir='$(abs_top_srcdir)'; \
	export top_builddir top_srcdir;
EXTRA_DIST += build-aux/tap-driver.sh tests/tap.h tests/fixtures

include tests/unit/local.mk
include tests/pam/local.mk
include tests/cli/local.mk
include tests/sasl/local.mk
include tests/integration/local.mk
include tests/bench/local.mk
include tests/oidc/local.mk
include tests/jwt/local.mk
include tests/introspection/local.mk
include tests/hardening/local.mk
