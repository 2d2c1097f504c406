# SPDX-License-Identifier: BSD-3-Clause
# Tests speak TAP, so `make check` counts cases.  tests/run-all prints the
# closing "N passed, N failed, N skipped" line.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	top_builddir='$(abs_top_builddir)'; top_srcdir='$(abs_top_srcdir)'; \
	export top_builddir top_srcdir; $(SAN_TESTS_ENVIRONMENT)

# configure --enable-sanitizers: every ASan/UBSan report of every process
# (ours, and the hosts that load our modules, whatever user they run as)
# lands in one directory, which tests/style/sanitizers.sh requires to be
# empty.  Hosts get the ASan runtime
# preloaded (ATOK_SAN_PRELOAD: tests/integration/lib.sh writes it to the
# private /etc/ld.so.preload, which reaches setuid sudo and postfix's
# environment-clearing daemons) and leak checking off (ATOK_HOST_ASAN: their
# leaks are not ours; ours are checked in our own programs).
SAN_REPORTS = $(abs_top_builddir)/tests/sanitizer-reports
SAN_TESTS_ENVIRONMENT = \
	ATOK_SAN_PRELOAD='$(SAN_PRELOAD)'; export ATOK_SAN_PRELOAD; \
	if test -n "$$ATOK_SAN_PRELOAD"; then \
	  mkdir -p '$(SAN_REPORTS)' && chmod 1777 '$(SAN_REPORTS)'; \
	  ASAN_OPTIONS='log_path=$(SAN_REPORTS)/asan:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1'; \
	  UBSAN_OPTIONS='log_path=$(SAN_REPORTS)/ubsan:print_stacktrace=1:halt_on_error=1'; \
	  ATOK_HOST_ASAN="$$ASAN_OPTIONS:detect_leaks=0:verify_asan_link_order=0"; \
	  export ASAN_OPTIONS UBSAN_OPTIONS ATOK_HOST_ASAN; \
	fi;
clean-local: clean-local-sanitizers
clean-local-sanitizers:
	rm -rf tests/sanitizer-reports
.PHONY: clean-local-sanitizers
EXTRA_DIST += build-aux/tap-driver.sh tests/fixtures

include tests/lib/local.mk
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
include tests/packaging/local.mk
include tests/pg/local.mk

# scripts/test --quick, the edit loop: the C unit, JWT and PAM test
# programs only (seconds, no server started).
QUICK_TESTS = $(UNIT_TESTS) $(JWT_TESTS) tests/pam/test_pam tests/pam/exports.sh
check-quick:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(QUICK_TESTS)'
.PHONY: check-quick
