/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keys.h - where JWT verification keys come from: a JWKS file, a jwks_uri,
 * or OIDC / RFC 8414 discovery.  Remote keys go memory -> disk cache (shared
 * by every process, e.g. sshd's per-connection children) -> fetch, honour
 * Cache-Control within bounds, refetch at most once per interval for an
 * unknown kid, and stay usable for stale_if_error while the identity
 * provider is unreachable.
 */
#ifndef ATOK_KEYS_H
#define ATOK_KEYS_H

#include <stdint.h>

#include "errors.h"
#include "jwk.h"

struct atok_config;
struct atok_keysource;

int atok_keysource_new(const struct atok_config *cfg,
                       struct atok_keysource **out, struct atok_error *err);

void atok_keysource_free(struct atok_keysource **ksp);

/*
 * Finds the key for (kid, alg) at now.  Returns 0 with *key set, or 0 with
 * *key NULL and *miss filled (the token is refused), or
 * ATOK_ERR_UNAVAILABLE (no usable keys can be had: UNAVAILABLE, never
 * accept) with err filled.
 */
int atok_keysource_select(struct atok_keysource *ks, const char *kid,
                          enum atok_jws_alg alg, int64_t now,
                          const struct atok_jwk **key,
                          struct atok_key_miss *miss, struct atok_error *err);

#endif
