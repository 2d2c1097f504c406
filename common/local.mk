# SPDX-License-Identifier: BSD-3-Clause
# The validation core: a libtool convenience library linked into every
# front end.  Only the files named in each comment touch that foreign API.
noinst_LTLIBRARIES += libatok.la
libatok_la_SOURCES = \
	common/atok.h \
	common/errors.c common/errors.h \
	common/util.c common/util.h \
	common/config.c common/config.h common/config_keys.def \
	common/scope.c common/scope.h \
	common/cidr.c common/cidr.h \
	common/policy.c common/policy.h \
	common/token.c common/token.h \
	common/local.c common/local.h \
	common/store.c common/store.h \
	common/store_sqlite.c \
	common/b64url.c common/b64url.h \
	common/json.c common/json.h \
	common/digest.c common/digest.h \
	common/jwk.c common/jwk.h \
	common/jws.c common/jws.h \
	common/claims.c common/claims.h \
	common/keys.c common/keys.h \
	common/http.c common/http.h \
	common/jwt.c common/jwt.h \
	common/clientauth.c common/clientauth.h \
	common/oauth_client.c common/oauth_client.h \
	common/account.c common/account.h \
	common/device.c common/device.h \
	common/introspect.c common/introspect.h \
	common/introspect_cache.c common/introspect_cache.h \
	common/result.c common/result.h \
	common/verifier.c
libatok_la_CFLAGS = $(AM_CFLAGS) -fPIC $(CRYPTO_CFLAGS) $(SQLITE_CFLAGS) \
	$(JANSSON_CFLAGS) $(CURL_CFLAGS) -pthread
# libcurl is dlopen()ed by http.c when first needed, never linked.
libatok_la_LIBADD = $(CRYPTO_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) -lm -ldl
# The PostgreSQL backend: libpq's header only; libpq.so.5 is dlopen()ed by
# store_pg_conn.c when [store] backend = postgresql, never linked.
if HAVE_LIBPQ
libatok_la_SOURCES += common/store_pg.c common/store_pg.h common/store_pg_int.h \
	common/store_pg_conn.c common/store_pg_sql.c
libatok_la_CFLAGS += $(LIBPQ_CFLAGS)
endif
