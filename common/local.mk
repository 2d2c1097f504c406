# The validation core: a libtool convenience library linked into every
# front end.  Only the files named in each comment touch that foreign API.
noinst_LTLIBRARIES += libatok.la
libatok_la_SOURCES = \
	common/atok.h \
	common/errors.c common/errors.h \
	common/util.c common/util.h \
	common/config.c common/config.h \
	common/scope.c common/scope.h \
	common/token.c common/token.h \
	common/local.c common/local.h \
	common/store.c common/store.h \
	common/store_sqlite.c \
	common/verifier.c
libatok_la_CFLAGS = $(AM_CFLAGS) -fPIC $(CRYPTO_CFLAGS) $(SQLITE_CFLAGS)
libatok_la_LIBADD = $(CRYPTO_LIBS) $(SQLITE_LIBS)
