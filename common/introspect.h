/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * introspect.h - opaque tokens checked by OAuth 2.0 token introspection
 * (RFC 7662), with a result cache shared by processes.
 */
#ifndef ATOK_INTROSPECT_H
#define ATOK_INTROSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "atok.h"
#include "errors.h"

#define ATOK_INTROSPECTION_BODY_MAX (64 * 1024) /* bytes of a response */
#define ATOK_CLIENT_SECRET_MAX      1024        /* bytes of a secret file */

struct atok_config;
struct atok_introspect;

/*
 * Builds the client from [introspection]: endpoint and client_id are
 * required; the secret (client_secret_basic / client_secret_post) or the
 * private key (private_key_jwt) is read from a file whose permissions are
 * checked.  The result cache (introspect_cache.h) lives under [cache] dir.
 */
int atok_introspect_new(const struct atok_config *cfg,
                        struct atok_introspect **out, struct atok_error *err);

void atok_introspect_free(struct atok_introspect **ip);

/*
 * Asks the authorization server about tok (or answers from the cache),
 * filling res: ACCEPT with user/scopes/expires, REJECT (inactive, expired,
 * issuer, audience, claims) or UNAVAILABLE (the server cannot be reached,
 * answers badly, or refuses our own client credentials).
 */
void atok_introspect_verify(struct atok_introspect *in, const char *tok,
                            size_t len, int64_t now, struct atok_result *res);

/*
 * The response rules alone, on the body of an HTTP 200 application/json
 * answer (len bytes, not NUL-terminated): parses it with the strict JSON
 * reader and fills res as atok_introspect_verify() does after a request:
 * ACCEPT with user/scopes/expires/token_id, REJECT (inactive, exp, nbf,
 * iss, aud, user or scope), or UNAVAILABLE (no JSON object with unique
 * member names, no boolean "active").  Uses in's issuer, audience and
 * username_field only: no network, no cache.  Separate for tests/fuzz.
 */
void atok_introspect_parse_response(const struct atok_introspect *in,
                                    const char *body, size_t len, int64_t now,
                                    struct atok_result *res);

#endif
