/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.h - the issuance policy of local tokens ([store] max_lifetime,
 * default_lifetime, known_scopes), applied by `apitoken issue` and
 * `rotate` before anything is stored.
 */
#ifndef ATOK_POLICY_H
#define ATOK_POLICY_H

#include <stdint.h>

#include "atok.h"
#include "errors.h"

#define ATOK_DEFAULT_LIFETIME (90LL * 24 * 3600) /* without the key */

struct atok_config;

struct atok_policy {
	int64_t max_lifetime;     /* seconds; 0 = no limit */
	int64_t default_lifetime; /* seconds */
	const char *max_key; /* the key that set max_lifetime, for errors */
	char known_scopes[ATOK_SCOPES_MAX + 1]; /* "" = any scope */
};

/*
 * Reads the policy from cfg.  max_expires (the key's old name) still
 * works; both keys with different values, a default longer than the
 * maximum, or a known scope that is not a valid scope-token are
 * ATOK_ERR_CONFIG.  Without default_lifetime the default is
 * ATOK_DEFAULT_LIFETIME, refused like any other under a shorter maximum.
 */
int atok_policy_load(const struct atok_config *cfg, struct atok_policy *p,
                     struct atok_error *err);

/* Whether an absolute expiry (0 = never) is allowed at now: 0 or
 * ATOK_ERR_INVALID with the limit in err. */
int atok_policy_check_expires(const struct atok_policy *p, int64_t now,
                              int64_t expires, struct atok_error *err);

/* Whether every scope of a space-separated list is known: 0 or
 * ATOK_ERR_INVALID naming the first unknown one. */
int atok_policy_check_scopes(const struct atok_policy *p, const char *scopes,
                             struct atok_error *err);

#endif /* ATOK_POLICY_H */
