/* SPDX-License-Identifier: BSD-3-Clause */
/* policy.c - the issuance policy of local tokens (see policy.h). */
#include "ac_config.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "policy.h"
#include "scope.h"

int atok_policy_load(const struct atok_config *cfg, struct atok_policy *p,
                     struct atok_error *err)
{
	const char *known = atok_config_str(cfg, ATOK_CFG_STORE_KNOWN_SCOPES);
	long long max = atok_config_int(cfg, ATOK_CFG_STORE_MAX_LIFETIME);
	long long old = atok_config_int(cfg, ATOK_CFG_STORE_MAX_EXPIRES);
	long long dflt = atok_config_int(cfg, ATOK_CFG_STORE_DEFAULT_LIFETIME);
	int r;

	memset(p, 0, sizeof(*p));
	if (max > 0 && old > 0 && max != old)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] max_expires (%lld s) is the old "
		                      "name of max_lifetime (%lld s): keep one",
		                      old, max);
	p->max_lifetime = max > 0 ? max : old;
	if (dflt > 0 && p->max_lifetime > 0 && dflt > p->max_lifetime)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] default_lifetime (%lld s) is "
		                      "longer than max_lifetime (%lld s)",
		                      dflt, (long long)p->max_lifetime);
	p->max_key = max > 0 || old <= 0 ? "max_lifetime" : "max_expires";
	p->default_lifetime = dflt > 0 ? dflt : ATOK_DEFAULT_LIFETIME;
	if (known != NULL) {
		r = atok_scope_normalize(known, p->known_scopes,
		                         sizeof(p->known_scopes));
		if (r != 0)
			return atok_error_set(err, ATOK_ERR_CONFIG,
			                      "[store] known_scopes is not a "
			                      "list of scopes of at most %d "
			                      "bytes",
			                      ATOK_SCOPES_MAX);
	}
	return 0;
}

int atok_policy_check_expires(const struct atok_policy *p, int64_t now,
                              int64_t expires, struct atok_error *err)
{
	if (p->max_lifetime <= 0)
		return 0;
	if (expires == 0)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "[store] %s is %lld seconds: a token "
		                      "that never expires is not allowed",
		                      p->max_key, (long long)p->max_lifetime);
	if (expires - now > p->max_lifetime)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "[store] %s allows at most %lld "
		                      "seconds, not %lld",
		                      p->max_key, (long long)p->max_lifetime,
		                      (long long)(expires - now));
	return 0;
}

int atok_policy_check_scopes(const struct atok_policy *p, const char *scopes,
                             struct atok_error *err)
{
	const char *s = scopes;
	char one[ATOK_SCOPE_MAX + 1];
	size_t n;

	if (p->known_scopes[0] == '\0')
		return 0;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		n = strcspn(s, " ");
		if (n == 0)
			break;
		if (n >= sizeof(one))
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "scope too long");
		memcpy(one, s, n);
		one[n] = '\0';
		if (!atok_scope_has(p->known_scopes, one))
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "unknown scope \"%s\" ([store] "
			                      "known_scopes: %.200s)",
			                      one, p->known_scopes);
		s += n;
	}
	return 0;
}
