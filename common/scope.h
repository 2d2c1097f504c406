/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * scope.h - OAuth scope lists (RFC 6749 section 3.3): space-separated
 * scope-tokens of %x21 / %x23-5B / %x5D-7E, compared as whole words.
 */
#ifndef ATOK_SCOPE_H
#define ATOK_SCOPE_H

#include <stddef.h>

/* Whether s (len bytes) is one valid scope-token no longer than
 * ATOK_SCOPE_MAX. */
int atok_scope_valid(const char *s, size_t len);

/*
 * Normalises a space-separated list into out (single spaces, no duplicates,
 * order kept).  0, ATOK_ERR_MALFORMED or ATOK_ERR_TOO_LONG.
 */
int atok_scope_normalize(const char *in, char *out, size_t outsz);

/* Whether the space-separated list `have` holds scope s as a whole word. */
int atok_scope_has(const char *have, const char *s);

/*
 * Returns NULL when `have` holds every scope in need[0..n), else the first
 * missing one.
 */
const char *atok_scope_missing(const char *have, const char *const *need,
                               size_t n);

#endif /* ATOK_SCOPE_H */
