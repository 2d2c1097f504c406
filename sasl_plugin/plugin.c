/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plugin.c - the Cyrus SASL plugin's entry points, its options and the one
 * result -> SASL code table.
 *
 * libsasl2 loads this file into every program that uses it, configured or
 * not, threaded or pre-forking: the server entry point only hands out
 * static tables (no allocation, no threads, no atexit); the client entry
 * point also opens the named accounts of [account:NAME] (accounts.c),
 * since a chrooted client cannot read its secrets later; the configuration is
 * read per exchange through the connection's getopt (verifiers built from
 * it are kept for a while by pool.c, the one piece of global state), and
 * an unconfigured plugin hides its mechanisms (mech_avail -> SASL_NOMECH)
 * instead of failing to load.
 */
#include "ac_config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "plugin.h"

/* The plugin name handed to the host's getopt (imapd tries
 * sasl_<plugin>_<option> first, then sasl_<option>). */
#define GETOPT_PLUGIN "apitoken"

/*
 * One option through the host's getopt: 1 and *val / *len when set and
 * not empty, else 0.
 */
static int opt_get(const sasl_utils_t *utils, const char *name,
                   const char **val, size_t *len)
{
	const char *v = NULL;
	unsigned l = 0;

	*val = NULL;
	*len = 0;
	if (utils == NULL || utils->getopt == NULL)
		return 0;
	if (utils->getopt(utils->getopt_context, GETOPT_PLUGIN, name, &v, &l) !=
	        SASL_OK ||
	    v == NULL)
		return 0;
	*len = l != 0 ? l : strlen(v);
	*val = v;
	return *len > 0;
}

int atok_sasl_opt_copy(const sasl_utils_t *utils, const char *name, char *out,
                       size_t outsz, struct atok_error *err)
{
	const char *v;
	size_t len;

	out[0] = '\0';
	if (!opt_get(utils, name, &v, &len))
		return 0;
	if (len >= outsz || memchr(v, '\0', len) != NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "option %s is too long or holds a NUL",
		                      name);
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

int atok_sasl_settings_read(const sasl_utils_t *utils,
                            struct atok_sasl_settings *s,
                            struct atok_error *err)
{
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = atok_sasl_opt_copy(utils, OPT_CONFIG, s->config_path,
	                            sizeof(s->config_path), err)) != 0 ||
	    (r = atok_sasl_opt_copy(utils, OPT_SCOPE, s->scope,
	                            sizeof(s->scope), err)) != 0 ||
	    (r = atok_sasl_opt_copy(utils, OPT_OPENID, s->openid,
	                            sizeof(s->openid), err)) != 0)
		return r;
	/* One scope-token; the challenge echoes it, so it must be safe. */
	for (i = 0; s->scope[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s->scope[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return atok_error_set(err, ATOK_ERR_CONFIG,
			                      "option %s: \"%.64s\" is not one "
			                      "scope",
			                      OPT_SCOPE, s->scope);
	}
	for (i = 0; s->openid[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s->openid[i];

		if (c < 0x21 || c > 0x7e)
			return atok_error_set(err, ATOK_ERR_CONFIG,
			                      "option %s is not a URL",
			                      OPT_OPENID);
	}
	return 0;
}

int atok_sasl_configured(const sasl_utils_t *utils)
{
	struct stat st;
	const char *v;
	size_t len;

	if (opt_get(utils, OPT_CONFIG, &v, &len))
		return 1;
	return stat(ATOK_CONFIG_DEFAULT_PATH, &st) == 0;
}

int atok_sasl_verifier_build(const sasl_utils_t *utils,
                             const struct atok_sasl_settings *s,
                             struct atok_verifier **vp, struct atok_error *err)
{
	struct atok_config *cfg = NULL;
	char name[128], value[ATOK_CONFIG_VALUE_MAX + 1];
	const char *path, *section, *key;
	size_t i;
	int r;

	*vp = NULL;
	atok_error_clear(err);
	if ((cfg = atok_config_new()) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	path = s->config_path[0] != '\0' ? s->config_path
	                                 : ATOK_CONFIG_DEFAULT_PATH;
	if ((r = atok_config_load_file(cfg, path, err)) != 0)
		goto out;
	for (i = 0; atok_sasl_override_name(i, &section, &key) != NULL; i++) {
		snprintf(name, sizeof(name), OPT_OVERRIDE "%s_%s", section,
		         key);
		if ((r = atok_sasl_opt_copy(utils, name, value, sizeof(value),
		                            err)) != 0)
			goto out;
		if (value[0] == '\0')
			continue;
		if ((r = atok_config_set(cfg, section, key, value, err)) != 0)
			goto out;
	}
	if ((r = atok_verifier_new(cfg, vp, err)) != 0)
		goto out;
	r = 0;
out:
	atok_config_free(&cfg);
	return r;
}

/*
 * The one result -> SASL table.  Rows are tried in order; ATOK_WHY_NONE
 * matches any reason.  A verdict without a row fails closed (SASL_FAIL).
 */
static const struct result_map result_map[] = {
    {ATOK_ACCEPT, ATOK_WHY_NONE, NULL, NULL, SASL_OK, NULL, SASL_LOG_NOTE,
     "accept"},
    {ATOK_REJECT, ATOK_WHY_SCOPE, "insufficient_scope", "403", SASL_NOAUTHZ,
     "the token lacks the scope this service requires", SASL_LOG_FAIL,
     "reject"},
    /* only from server.c: the host's proxy policy refused the authzid */
    {ATOK_REJECT, ATOK_WHY_USER_MISMATCH, "invalid_token", "401", SASL_NOAUTHZ,
     "not authorized to act as the requested user", SASL_LOG_FAIL, "reject"},
    {ATOK_REJECT, ATOK_WHY_NONE, "invalid_token", "401", SASL_BADAUTH,
     "invalid bearer token", SASL_LOG_FAIL, "reject"},
    {ATOK_UNAVAILABLE, ATOK_WHY_NONE, NULL, NULL, SASL_UNAVAIL,
     "token validation is temporarily unavailable", SASL_LOG_WARN,
     "unavailable"},
    {ATOK_CONFIG_ERROR, ATOK_WHY_NONE, NULL, NULL, SASL_FAIL,
     "token validation is misconfigured", SASL_LOG_ERR, "error"},
};

static const struct result_map result_fallback = {
    ATOK_CONFIG_ERROR, ATOK_WHY_NONE,    NULL,         NULL,
    SASL_FAIL,         "internal error", SASL_LOG_ERR, "error"};

const struct result_map *atok_sasl_result_lookup(const struct atok_result *res)
{
	size_t i;

	for (i = 0; i < sizeof(result_map) / sizeof(result_map[0]); i++) {
		if (result_map[i].verdict == res->verdict &&
		    (result_map[i].why == ATOK_WHY_NONE ||
		     result_map[i].why == res->why))
			return &result_map[i];
	}
	return &result_fallback;
}

int atok_sasl_err_rc(int code)
{
	switch (code) {
	case ATOK_ERR_NOMEM:
		return SASL_NOMEM;
	case ATOK_ERR_BUSY:
	case ATOK_ERR_UNAVAILABLE:
		return SASL_UNAVAIL;
	default:
		return SASL_FAIL;
	}
}

ATOK_SASL_EXPORT int sasl_server_plug_init(const sasl_utils_t *utils,
                                           int maxversion, int *out_version,
                                           sasl_server_plug_t **pluglist,
                                           int *plugcount);
ATOK_SASL_EXPORT int sasl_server_plug_init(const sasl_utils_t *utils,
                                           int maxversion, int *out_version,
                                           sasl_server_plug_t **pluglist,
                                           int *plugcount)
{
	if (out_version == NULL || pluglist == NULL || plugcount == NULL)
		return SASL_BADPARAM;
	if (maxversion < SASL_SERVER_PLUG_VERSION) {
		if (utils != NULL && utils->seterror != NULL)
			utils->seterror(utils->conn, 0,
			                "apitoken: server plug version %d is "
			                "older than %d",
			                maxversion, SASL_SERVER_PLUG_VERSION);
		return SASL_BADVERS;
	}
	*out_version = SASL_SERVER_PLUG_VERSION;
	*pluglist = atok_server_plugs;
	*plugcount = atok_server_nplugs;
	return SASL_OK;
}

ATOK_SASL_EXPORT int sasl_client_plug_init(const sasl_utils_t *utils,
                                           int maxversion, int *out_version,
                                           sasl_client_plug_t **pluglist,
                                           int *plugcount);
ATOK_SASL_EXPORT int sasl_client_plug_init(const sasl_utils_t *utils,
                                           int maxversion, int *out_version,
                                           sasl_client_plug_t **pluglist,
                                           int *plugcount)
{
	if (out_version == NULL || pluglist == NULL || plugcount == NULL)
		return SASL_BADPARAM;
	if (maxversion < SASL_CLIENT_PLUG_VERSION) {
		if (utils != NULL && utils->seterror != NULL)
			utils->seterror(utils->conn, 0,
			                "apitoken: client plug version %d is "
			                "older than %d",
			                maxversion, SASL_CLIENT_PLUG_VERSION);
		return SASL_BADVERS;
	}
	*out_version = SASL_CLIENT_PLUG_VERSION;
	/* Named accounts now: Postfix runs this as root before chroot(). */
	atok_sasl_accounts_load(utils);
	*pluglist = atok_client_plugs;
	*plugcount = atok_client_nplugs;
	return SASL_OK;
}
