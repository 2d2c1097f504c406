/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plugin.h - what the SASL plugin's files share: the mechanism table
 * entries, options read through the host's getopt, verifier set-up, and
 * the one result -> SASL code table.  Internal to sasl_plugin/.
 */
#ifndef ATOK_SASL_PLUGIN_H
#define ATOK_SASL_PLUGIN_H

#include <sys/types.h>
#include <time.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "atok.h"
#include "errors.h"

#define ATOK_SASL_EXPORT __attribute__((visibility("default")))

/* Option names (sasl_apitoken_* in imapd.conf, apitoken_* in smtpd.conf). */
#define OPT_CONFIG   "apitoken_config"
#define OPT_SCOPE    "apitoken_scope"
#define OPT_OPENID   "apitoken_openid_configuration"
#define OPT_OVERRIDE "apitoken_" /* + <section>_<key> */

#define ATOK_SASL_PATH_MAX 1024 /* bytes of a path or URL option */

/* Seconds a pooled verifier may be taken after its build (pool.c): the
 * bound on how long a rotated secret or key file goes unnoticed. */
#define ATOK_SASL_VERIFIER_TTL 30

enum mech_kind {
	MECH_OAUTHBEARER = 0,
	MECH_XOAUTH2 = 1,
};

/* Options one exchange needs.  Strings are copies, never NULL. */
struct atok_sasl_settings {
	char config_path[ATOK_SASL_PATH_MAX + 1]; /* "" = default */
	char scope[ATOK_SCOPE_MAX + 1];           /* "" = none required */
	char openid[ATOK_SASL_PATH_MAX + 1];      /* "" = not announced */
};

/*
 * Reads the options through utils->getopt.  Returns 0, or a negative
 * ATOK_ERR_* with err filled (an option too long, a bad scope).
 */
int atok_sasl_settings_read(const sasl_utils_t *utils,
                            struct atok_sasl_settings *s,
                            struct atok_error *err);

/*
 * Copies option name, read through utils->getopt, into out ("" when not
 * set).  0, or ATOK_ERR_CONFIG with err when too long or holding a NUL.
 */
int atok_sasl_opt_copy(const sasl_utils_t *utils, const char *name, char *out,
                       size_t outsz, struct atok_error *err);

/*
 * Whether the plugin is configured at all: apitoken_config is set, or
 * the default configuration file exists.  For mech_avail.
 */
int atok_sasl_configured(const sasl_utils_t *utils);

/*
 * Loads the configuration (file, then apitoken_<section>_<key> overrides)
 * and makes a verifier.  Returns 0 or a negative ATOK_ERR_* with err.
 */
int atok_sasl_verifier_build(const sasl_utils_t *utils,
                             const struct atok_sasl_settings *s,
                             struct atok_verifier **vp, struct atok_error *err);

/*
 * A verifier lent to one exchange by the process-wide pool (pool.c).  key:
 * SHA-256 of the effective configuration; path_key: of its path alone;
 * file_key: of the path and the file's identity; built: CLOCK_MONOTONIC
 * when its build started; pid: the process that built it.
 */
struct atok_sasl_lease {
	struct atok_verifier *v;
	unsigned char key[32], path_key[32], file_key[32];
	struct timespec built;
	pid_t pid;
	int poolable; /* may go back to the pool */
};

/*
 * Lends lease->v: an idle pooled verifier of the same configuration, at
 * most ATOK_SASL_VERIFIER_TTL seconds old and built by this process, else
 * a new one (atok_sasl_verifier_build).  Returns 0, or
 * atok_sasl_verifier_build's error with err (lease->v NULL).  Used by one
 * exchange at a time; hand it back with atok_sasl_pool_give.
 */
int atok_sasl_pool_take(const sasl_utils_t *utils,
                        const struct atok_sasl_settings *s,
                        struct atok_sasl_lease *lease, struct atok_error *err);

/*
 * Hands lease->v back: pooled when keep, poolable, still fresh and a slot
 * is free, else freed.  Clears *lease.  A NULL lease->v is fine.
 */
void atok_sasl_pool_give(struct atok_sasl_lease *lease, int keep);

/* Frees the idle verifiers this process built; drops the others unfreed
 * (a parent's, after fork).  For mech_free. */
void atok_sasl_pool_free(void);

/* The override names this build knows, for tests: "store_path", ... */
const char *atok_sasl_override_name(size_t i, const char **section,
                                    const char **key);

/*
 * The one result -> SASL table.  status: the RFC 7628 / RFC 6750 error
 * code for the challenge, or NULL when the verdict gets no challenge
 * (UNAVAILABLE, CONFIG_ERROR); xstatus: the XOAUTH2 form ("401");
 * final_rc: the SASL code the exchange ends with; text: the
 * client-visible reason (no token, no claim); level: SASL_LOG_*.
 */
struct result_map {
	enum atok_verdict verdict;
	enum atok_why why; /* ATOK_WHY_NONE matches any */
	const char *status;
	const char *xstatus;
	int final_rc;
	const char *text;
	int level;
	const char *decision;
};

const struct result_map *atok_sasl_result_lookup(const struct atok_result *res);

/*
 * The SASL code of a core error outside a result (reading the options,
 * building the verifier); its verdict is the core's
 * (atok_result_from_setup_err()).
 */
int atok_sasl_err_rc(int code);

/*
 * The client mechanisms' named accounts (accounts.c).  _load opens every
 * [account:NAME] of the configuration (apitoken_config, else the
 * default) once per process, at sasl_client_plug_init: before a chroot.
 * _token gets NAME's fresh access token (*token from malloc, wiped and
 * freed by the caller with atok_freezero(*token, *len + 1)) and its user
 * (or ""); SASL_OK, or SASL_TRYAGAIN (logged; a temporary failure for
 * the host).  _refused marks the token the server refused, so that the
 * next exchange refreshes.  _free is mech_free's.
 */
void atok_sasl_accounts_load(const sasl_utils_t *utils);
int atok_sasl_accounts_token(const sasl_utils_t *utils, const char *name,
                             char **token, size_t *len, char *user,
                             size_t usersz);
void atok_sasl_accounts_refused(const sasl_utils_t *utils, const char *name,
                                const char *token, size_t len,
                                const char *status);
void atok_sasl_accounts_free(void);

/* Server and client mechanism tables (server.c, client.c). */
extern sasl_server_plug_t atok_server_plugs[];
extern const int atok_server_nplugs;
extern sasl_client_plug_t atok_client_plugs[];
extern const int atok_client_nplugs;

#endif /* ATOK_SASL_PLUGIN_H */
