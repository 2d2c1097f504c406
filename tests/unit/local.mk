# SPDX-License-Identifier: BSD-3-Clause
# Table-driven unit tests, one program per file of common/.
UNIT_TESTS = \
	tests/unit/test_token \
	tests/unit/test_scope \
	tests/unit/test_config \
	tests/unit/test_util \
	tests/unit/test_store \
	tests/unit/test_verifier \
	tests/unit/test_json \
	tests/unit/test_oauth_client \
	tests/unit/test_cidr \
	tests/unit/test_policy \
	tests/unit/test_device \
	tests/unit/test_result
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(TESTLIB_CPPFLAGS)
UNIT_LDADD = $(TESTLIB) libatok.la $(CRYPTO_LIBS) $(SQLITE_LIBS)

tests_unit_test_token_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_token_LDADD = $(UNIT_LDADD)
tests_unit_test_scope_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_scope_LDADD = $(UNIT_LDADD)
tests_unit_test_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_util_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_util_LDADD = $(UNIT_LDADD)
tests_unit_test_store_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_store_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_verifier_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_verifier_LDADD = $(UNIT_LDADD)
tests_unit_test_json_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_json_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)
tests_unit_test_cidr_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_cidr_LDADD = $(UNIT_LDADD)
tests_unit_test_policy_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_result_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_result_LDADD = $(UNIT_LDADD)
tests_unit_test_oauth_client_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_oauth_client_LDADD = $(UNIT_LDADD)
tests_unit_test_device_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_device_LDADD = $(UNIT_LDADD)
