# SPDX-License-Identifier: BSD-3-Clause
# JWT validator tests: base64url, JWS parsing and every algorithm,
# claims, RFC 7515 / 7520 / 8037 vectors, an independent implementation
# (python3-jwcrypto), and the remote key source against a loopback server.
JWT_TESTS = \
	tests/jwt/test_b64url \
	tests/jwt/test_jws \
	tests/jwt/test_claims \
	tests/jwt/test_vectors
check_PROGRAMS += $(JWT_TESTS)
TESTS += $(JWT_TESTS) tests/jwt/cross.sh tests/jwt/keys.sh
JWT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/common $(TESTLIB_CPPFLAGS)
JWT_LDADD = $(TESTLIB) libatok.la $(CRYPTO_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS)

tests_jwt_test_b64url_CPPFLAGS = $(JWT_CPPFLAGS)
tests_jwt_test_b64url_LDADD = $(JWT_LDADD)
tests_jwt_test_jws_CPPFLAGS = $(JWT_CPPFLAGS)
tests_jwt_test_jws_LDADD = $(JWT_LDADD)
tests_jwt_test_claims_CPPFLAGS = $(JWT_CPPFLAGS)
tests_jwt_test_claims_LDADD = $(JWT_LDADD)
tests_jwt_test_vectors_CPPFLAGS = $(JWT_CPPFLAGS)
tests_jwt_test_vectors_LDADD = $(JWT_LDADD)
EXTRA_DIST += tests/jwt/cross.sh tests/jwt/keys.sh \
	tests/jwt/jwks_server.py tests/jwt/mint.py
