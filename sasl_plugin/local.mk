# SPDX-License-Identifier: BSD-3-Clause
# sasl_plugin: the Cyrus SASL plugin libapitoken.so (OAUTHBEARER and
# XOAUTH2, server and client).  Only sasl_server_plug_init and
# sasl_client_plug_init are exported (version script); the core is linked
# in from the libatok convenience library and stays hidden.  It calls no
# libsasl2 function directly (everything goes through sasl_utils_t), so
# it does not link libsasl2.
# saslplugindir comes from configure (--with-sasl-plugindir).

saslplugin_LTLIBRARIES = sasl_plugin/libapitoken.la
sasl_plugin_libapitoken_la_SOURCES = \
	sasl_plugin/plugin.c sasl_plugin/plugin.h sasl_plugin/overrides.c \
	sasl_plugin/pool.c sasl_plugin/accounts.c \
	sasl_plugin/server.c sasl_plugin/client.c \
	sasl_plugin/oauth_parse.c sasl_plugin/oauth_parse.h
sasl_plugin_libapitoken_la_CFLAGS = $(AM_CFLAGS) $(SASL_CFLAGS) -fvisibility=hidden
sasl_plugin_libapitoken_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -no-undefined \
	-Wl,--version-script=$(srcdir)/sasl_plugin/apitoken_sasl.map \
	-Wl,-z,relro -Wl,-z,now
sasl_plugin_libapitoken_la_LIBADD = libatok.la $(CRYPTO_LIBS) $(SQLITE_LIBS)
EXTRA_sasl_plugin_libapitoken_la_DEPENDENCIES = sasl_plugin/apitoken_sasl.map
EXTRA_DIST += sasl_plugin/apitoken_sasl.map

# libsasl2 needs only the .so, and Cyrus reads any .la it finds in its
# plugin directory.  saslplugindir is not an exec directory, so the plugin is
# installed by install-data: the hook that removes the .la must run there.
install-data-hook: install-data-hook-sasl-plugin
install-data-hook-sasl-plugin:
	rm -f $(DESTDIR)$(saslplugindir)/libapitoken.la
uninstall-hook: uninstall-hook-sasl-plugin
uninstall-hook-sasl-plugin:
	rm -f $(DESTDIR)$(saslplugindir)/libapitoken.so
.PHONY: install-data-hook-sasl-plugin uninstall-hook-sasl-plugin
