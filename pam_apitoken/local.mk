# SPDX-License-Identifier: BSD-3-Clause
# pam_apitoken: the PAM module.  Only the pam_sm_* entry points are
# exported (version script); the core is linked in statically from the
# libatok convenience library and stays hidden.
pam_LTLIBRARIES += pam_apitoken.la
pam_apitoken_la_SOURCES = \
	pam_apitoken/pam_apitoken.c \
	pam_apitoken/options.c pam_apitoken/options.h \
	pam_apitoken/device_login.c pam_apitoken/device_login.h
pam_apitoken_la_CFLAGS = $(AM_CFLAGS) $(QRENCODE_CFLAGS) -fvisibility=hidden
pam_apitoken_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-no-undefined \
	-Wl,--version-script=$(srcdir)/pam_apitoken/pam_apitoken.map \
	-Wl,-z,relro -Wl,-z,now
pam_apitoken_la_LIBADD = libatok.la $(PAM_LIBS) $(CRYPTO_LIBS) $(SQLITE_LIBS) \
	$(QRENCODE_LIBS)
EXTRA_pam_apitoken_la_DEPENDENCIES = pam_apitoken/pam_apitoken.map
EXTRA_DIST += pam_apitoken/pam_apitoken.map

# libtool's .la is of no use in the PAM module directory.  pamdir is not an
# exec directory, so the module is installed by install-data.
install-data-hook: install-data-hook-pam-apitoken
install-data-hook-pam-apitoken:
	rm -f $(DESTDIR)$(pamdir)/pam_apitoken.la
uninstall-hook: uninstall-hook-pam-apitoken
uninstall-hook-pam-apitoken:
	rm -f $(DESTDIR)$(pamdir)/pam_apitoken.so
.PHONY: install-data-hook-pam-apitoken uninstall-hook-pam-apitoken

# distcheck installs as an ordinary user under its own prefix: keep the
# module there too, not in the system's PAM directory.
