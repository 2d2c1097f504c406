/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * introspect_cache.h - the result cache of token introspection, shared by
 * processes: keyed by HMAC-SHA256(cache key, token), never the token.
 */
#ifndef ATOK_INTROSPECT_CACHE_H
#define ATOK_INTROSPECT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "atok.h"
#include "errors.h"

/* bytes of one result cache file: what disk_put() writes is under 2 KiB
 * (a user name escaped, ATOK_SCOPES_MAX of scopes, the hash, numbers) */
#define ATOK_INTROSPECTION_CACHE_ENTRY_MAX 4096

struct atok_config;
struct atok_icache;

/*
 * Builds the cache from [introspection] cache_ttl and negative_cache_ttl
 * and [cache] dir into *out (the caller frees it with atok_icache_free):
 * an in-memory cache under a random key always, and files under dir with
 * the key in dir/introspection.key (created once, 0600) when dir can be
 * used.  A dir that cannot be used leaves the memory cache only; errors:
 * ATOK_ERR_PERM (an unsafe dir), ATOK_ERR_IO (the key cannot be created),
 * ATOK_ERR_NOMEM, ATOK_ERR_CRYPTO, and those of atok_check_path_safe().
 */
int atok_icache_new(const struct atok_config *cfg, struct atok_icache **out,
                    struct atok_error *err);

/* Frees *cp, wiping its key and entries, and sets *cp to NULL. */
void atok_icache_free(struct atok_icache **cp);

/*
 * The cached answer for tok (len bytes), from memory or else from disk
 * (then kept in memory too): 1 with res filled (ACCEPT with its user,
 * scopes, token id and expiry, or REJECT inactive), 0 on a miss or when
 * no cache is configured (res then untouched).
 */
int atok_icache_get(struct atok_icache *c, const char *tok, size_t len,
                    int64_t now, struct atok_result *res);

/*
 * Keeps res, the server's answer for tok at now, in memory and on disk
 * (best effort): an ACCEPT until min(now + cache_ttl, its expiry), a
 * REJECT inactive for negative_cache_ttl; anything else (UNAVAILABLE,
 * other REJECTs) is never kept.
 */
void atok_icache_put(struct atok_icache *c, const char *tok, size_t len,
                     int64_t now, const struct atok_result *res);

/*
 * One result cache file's text (len bytes) for the keyed hash hex (64 hex
 * digits): 1 when it is an entry for hex still valid at now, with res
 * answered (ACCEPT with its user, scopes and expiry, or REJECT inactive)
 * and *until its end; 0 when it is not (corrupt, truncated, another hash,
 * past its end), res then untouched.  Separate for tests/fuzz.
 */
int atok_icache_parse_entry(const char *text, size_t len, const char *hex,
                            int64_t now, struct atok_result *res,
                            int64_t *until);

#endif
