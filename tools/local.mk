# SPDX-License-Identifier: BSD-3-Clause
bin_PROGRAMS += tools/apitoken
tools_apitoken_SOURCES = tools/apitoken.c tools/audit.c tools/audit.h \
	tools/cli.c tools/cli.h \
	tools/oauth.c tools/oauth.h \
	tools/store_cmd.c tools/store_cmd.h
tools_apitoken_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tools_apitoken_LDADD = libatok.la $(JANSSON_LIBS)
