/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jwt.h - the JWT access token validator: JWS signature against configured
 * keys and algorithms, then claims.
 */
#ifndef ATOK_JWT_H
#define ATOK_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "atok.h"
#include "errors.h"

#define ATOK_HMAC_SECRET_MAX 1024 /* bytes of an HS* secret file */

struct atok_config;
struct atok_jwt;

/* Builds the validator from [jwt]: issuer and audience are required, keys
 * come from jwks_file, jwks_uri or discovery, HS* only with
 * hmac_secret_file. */
int atok_jwt_new(const struct atok_config *cfg, struct atok_jwt **out,
                 struct atok_error *err);

void atok_jwt_free(struct atok_jwt **jp);

/* Verifies a JWT-shaped token, filling res (source, verdict, why, reason,
 * user, scopes, expires, token_id, alg, kid, issuer). */
void atok_jwt_verify(struct atok_jwt *j, const char *tok, size_t len,
                     const unsigned char digest[32],
                     const unsigned char input_digest[32], int64_t now,
                     struct atok_result *res);

#endif
