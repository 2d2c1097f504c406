/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * options.h - the module arguments of pam_apitoken, parsed in one place.
 *
 *   config=PATH          configuration file (default ATOK_CONFIG_DEFAULT_PATH)
 *   scope=S[,S...]       required scope(s); may repeat
 *   prompt=TEXT          conversation prompt (default "Token: ")
 *   service=NAME         the service looked up in [pam] service_scopes
 *                        (default PAM_SERVICE)
 *   debug                LOG_DEBUG detail lines (never the token)
 *   use_first_pass       take the token from PAM_AUTHTOK only
 *   try_first_pass       take PAM_AUTHTOK when set, else prompt
 *   device               obtain the token by the device flow ([device])
 *   maxtries             device: PAM_MAXTRIES, not PAM_AUTH_ERR, on refusal
 *   section.key=value    configuration override, applied after the file
 *
 * Under device, prompt= is the "press Enter once approved" prompt, and
 * prompt=none polls without one.
 *
 * Anything else is an error: the module fails closed (PAM_SERVICE_ERR).
 */
#ifndef PAM_APITOKEN_OPTIONS_H
#define PAM_APITOKEN_OPTIONS_H

#include <stddef.h>

#include "atok.h"
#include "errors.h"

#define PAMATOK_PROMPT_DEFAULT "Token: "
#define PAMATOK_PROMPT_MAX     256  /* bytes of prompt= */
#define PAMATOK_PATH_MAX       4096 /* bytes of config= */
#define PAMATOK_SERVICE_MAX    64   /* bytes of a service name */

struct atok_config;

struct pamatok_opts {
	const char *config_path; /* config= (points into argv) or the default */
	const char *prompt;      /* prompt= (points into argv) or the default */
	const char *service;     /* service= (points into argv) or NULL */
	int debug;
	int use_first_pass; /* wins over try_first_pass, as in pam_unix */
	int try_first_pass;
	int prompt_set; /* prompt= was given */
	int device;     /* device */
	int maxtries;   /* maxtries */
	/* scope=: copied, since a comma-separated list is split */
	char scope_buf[ATOK_REQ_SCOPES_MAX][ATOK_SCOPE_MAX + 1];
	const char *scopes[ATOK_REQ_SCOPES_MAX];
	size_t n_scopes;
	/* the arguments, kept for the section.key=value overrides */
	int argc;
	const char **argv;
};

/*
 * Parses argv into *o (which needs no initialisation).  Returns 0, or
 * ATOK_ERR_INVALID / ATOK_ERR_TOO_LONG with the reason in err: an unknown
 * option, an empty or over-long value, an invalid scope, more than
 * ATOK_REQ_SCOPES_MAX scopes.  Overrides are only recognised here; their
 * values are checked by pamatok_config_load().  o keeps pointers into argv.
 */
int pamatok_opts_parse(int argc, const char **argv, struct pamatok_opts *o,
                       struct atok_error *err);

/* Whether arg is a `section.key=value` override (a '.' before the '='). */
int pamatok_opt_is_override(const char *arg);

/*
 * Builds the configuration: the file named by o first, then every
 * override in argument order.  On success returns 0 and sets *cfgp, which
 * the caller frees with atok_config_free(); on failure returns a negative
 * ATOK_ERR_* (ATOK_ERR_NOMEM when out of memory) with the detail in err,
 * and *cfgp is NULL.
 */
int pamatok_config_load(const struct pamatok_opts *o, struct atok_config **cfgp,
                        struct atok_error *err);

/*
 * Adds to o the scopes that [pam] service_scopes (map, may be NULL) requires
 * of service (service= when given, else PAM_SERVICE; may be NULL).  map is
 * whitespace-separated SERVICE:SCOPE[,SCOPE...] entries; "*" names every
 * service without an entry of its own; a service without either needs the
 * scope named after it.  Every entry is checked on every call.  Returns 0
 * (nothing added when map is unset), or ATOK_ERR_INVALID /
 * ATOK_ERR_TOO_LONG with the reason in err.
 */
int pamatok_service_scopes(struct pamatok_opts *o, const char *map,
                           const char *service, struct atok_error *err);

#endif /* PAM_APITOKEN_OPTIONS_H */
