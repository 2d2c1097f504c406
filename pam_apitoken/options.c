/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * options.c - module argument parsing and configuration loading for
 * pam_apitoken: the one place that reads argv (as pam_faillock's
 * args_parse).  Configuration file first, then argv overrides.
 */
#include "ac_config.h"

#include <string.h>

#include "atok.h"
#include "config.h"
#include "errors.h"
#include "options.h"
#include "scope.h"

#define OPT_NAME_LOG_MAX 64 /* bytes of an unknown option's name in errors */

/* The value of arg when it is "name=value", else NULL. */
static const char *opt_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return NULL;
	return arg + n + 1;
}

int pamatok_opt_is_override(const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *dot = strchr(arg, '.');

	return eq != NULL && dot != NULL && dot < eq;
}

/* Adds the comma-separated scopes in list to o; what names the list's
 * origin in errors. */
static int add_scopes(struct pamatok_opts *o, const char *list,
                      const char *what, struct atok_error *err)
{
	const char *p = list, *end;
	size_t len;

	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "empty scope in %s", what);
		if (!atok_scope_valid(p, len))
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "invalid scope in %s", what);
		if (o->n_scopes >= ATOK_REQ_SCOPES_MAX)
			return atok_error_set(err, ATOK_ERR_TOO_LONG,
			                      "more than %d scopes in %s",
			                      ATOK_REQ_SCOPES_MAX, what);
		/* atok_scope_valid() bounds len by ATOK_SCOPE_MAX */
		memcpy(o->scope_buf[o->n_scopes], p, len);
		o->scope_buf[o->n_scopes][len] = '\0';
		o->scopes[o->n_scopes] = o->scope_buf[o->n_scopes];
		o->n_scopes++;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

int pamatok_opts_parse(int argc, const char **argv, struct pamatok_opts *o,
                       struct atok_error *err)
{
	const char *arg, *val;
	size_t namelen;
	int i, r;

	memset(o, 0, sizeof(*o));
	atok_error_clear(err);
	o->config_path = ATOK_CONFIG_DEFAULT_PATH;
	o->prompt = PAMATOK_PROMPT_DEFAULT;
	if (argc < 0 || (argc > 0 && argv == NULL))
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "bad module argument vector");
	o->argc = argc;
	o->argv = argv;

	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (arg == NULL)
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "NULL module argument");
		if (strcmp(arg, "debug") == 0) {
			o->debug = 1;
		} else if (strcmp(arg, "use_first_pass") == 0) {
			o->use_first_pass = 1;
		} else if (strcmp(arg, "try_first_pass") == 0) {
			o->try_first_pass = 1;
		} else if (strcmp(arg, "device") == 0) {
			o->device = 1;
		} else if (strcmp(arg, "maxtries") == 0) {
			o->maxtries = 1;
		} else if ((val = opt_value(arg, "config")) != NULL) {
			if (*val == '\0' || strlen(val) > PAMATOK_PATH_MAX)
				return atok_error_set(err, ATOK_ERR_INVALID,
				                      "config= needs a path of "
				                      "1 to %d bytes",
				                      PAMATOK_PATH_MAX);
			o->config_path = val;
		} else if ((val = opt_value(arg, "service")) != NULL) {
			if (*val == '\0' || strlen(val) > PAMATOK_SERVICE_MAX)
				return atok_error_set(
				    err, ATOK_ERR_INVALID,
				    "service= needs a name of "
				    "1 to %d bytes",
				    PAMATOK_SERVICE_MAX);
			o->service = val;
		} else if ((val = opt_value(arg, "prompt")) != NULL) {
			if (strlen(val) > PAMATOK_PROMPT_MAX)
				return atok_error_set(err, ATOK_ERR_TOO_LONG,
				                      "prompt= is longer than "
				                      "%d bytes",
				                      PAMATOK_PROMPT_MAX);
			o->prompt = val;
			o->prompt_set = 1;
		} else if ((val = opt_value(arg, "scope")) != NULL) {
			if ((r = add_scopes(o, val, "scope= option", err)) != 0)
				return r;
		} else if (strcmp(arg, "config") == 0 ||
		           strcmp(arg, "prompt") == 0 ||
		           strcmp(arg, "service") == 0 ||
		           strcmp(arg, "scope") == 0) {
			return atok_error_set(
			    err, ATOK_ERR_INVALID,
			    "option %s needs a value (%s=...)", arg, arg);
		} else if (pamatok_opt_is_override(arg)) {
			/* checked by the core in pamatok_config_load() */
		} else {
			/* name only: a value might be something secret */
			namelen = strcspn(arg, "=");
			if (namelen > OPT_NAME_LOG_MAX)
				namelen = OPT_NAME_LOG_MAX;
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "unknown option \"%.*s\"",
			                      (int)namelen, arg);
		}
	}
	return 0;
}

int pamatok_config_load(const struct pamatok_opts *o, struct atok_config **cfgp,
                        struct atok_error *err)
{
	struct atok_config *cfg = NULL;
	int i, r = ATOK_ERR_INVALID;

	atok_error_clear(err);
	if (cfgp == NULL)
		return atok_error_set(err, ATOK_ERR_INVALID, "bad argument");
	*cfgp = NULL;
	if ((cfg = atok_config_new()) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = atok_config_load_file(cfg, o->config_path, err)) != 0)
		goto out;
	for (i = 0; i < o->argc; i++) {
		if (!pamatok_opt_is_override(o->argv[i]))
			continue;
		if ((r = atok_config_set_dotted(cfg, o->argv[i], err)) != 0)
			goto out;
	}
	*cfgp = cfg;
	cfg = NULL;
	r = 0;
out:
	atok_config_free(&cfg);
	return r;
}

/*
 * One entry of a [pam] service_scopes map, "SERVICE:SCOPE[,SCOPE...]", at
 * p (len bytes): splits it into name and list, both checked.  Returns 0 or
 * ATOK_ERR_INVALID with the reason in err.
 */
static int map_entry(const char *p, size_t len, char name[],
                     char list[ATOK_CONFIG_VALUE_MAX + 1],
                     struct atok_error *err)
{
	const char *colon = memchr(p, ':', len);
	size_t n;

	if (colon == NULL || colon == p || colon == p + len - 1)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "[pam] service_scopes: an entry is not "
		                      "SERVICE:SCOPE[,SCOPE...]");
	n = (size_t)(colon - p);
	if (n > PAMATOK_SERVICE_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "[pam] service_scopes: a service name "
		                      "is longer than %d bytes",
		                      PAMATOK_SERVICE_MAX);
	memcpy(name, p, n);
	name[n] = '\0';
	/* len is bounded by ATOK_CONFIG_VALUE_MAX, the value's own limit */
	memcpy(list, colon + 1, len - n - 1);
	list[len - n - 1] = '\0';
	return 0;
}

int pamatok_service_scopes(struct pamatok_opts *o, const char *map,
                           const char *service, struct atok_error *err)
{
	static const char ws[] = " \t";
	char name[PAMATOK_SERVICE_MAX + 1], list[ATOK_CONFIG_VALUE_MAX + 1];
	char found[ATOK_CONFIG_VALUE_MAX + 1], dflt[ATOK_CONFIG_VALUE_MAX + 1];
	struct pamatok_opts check;
	const char *p;
	size_t len;
	int have = 0, have_dflt = 0, r;

	atok_error_clear(err);
	if (o->service != NULL)
		service = o->service;
	if (map == NULL || *map == '\0')
		return 0;
	if (strlen(map) > ATOK_CONFIG_VALUE_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "[pam] service_scopes is too long");
	/* every entry is checked, whichever service asks */
	for (p = map + strspn(map, ws); *p != '\0'; p += strspn(p, ws)) {
		len = strcspn(p, ws);
		if ((r = map_entry(p, len, name, list, err)) != 0)
			return r;
		memset(&check, 0, sizeof(check));
		if ((r = add_scopes(&check, list, "[pam] service_scopes",
		                    err)) != 0)
			return r;
		if (service != NULL && strcmp(name, service) == 0 && !have) {
			memcpy(found, list, sizeof(found));
			have = 1;
		} else if (strcmp(name, "*") == 0 && !have_dflt) {
			memcpy(dflt, list, sizeof(dflt));
			have_dflt = 1;
		}
		p += len;
	}
	if (have)
		return add_scopes(o, found, "[pam] service_scopes", err);
	if (have_dflt)
		return add_scopes(o, dflt, "[pam] service_scopes", err);
	/* a service the map does not name needs a scope of its own name */
	if (service == NULL || *service == '\0')
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "[pam] service_scopes: no PAM_SERVICE to "
		                      "look up");
	if (strlen(service) > PAMATOK_SERVICE_MAX ||
	    strchr(service, ',') != NULL)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "[pam] service_scopes: the service name "
		                      "is not a scope");
	return add_scopes(o, service, "the service name", err);
}
