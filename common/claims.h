/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * claims.h - JWT claims (RFC 7519, RFC 9068): time, issuer, audience, the
 * user and the scopes.
 */
#ifndef ATOK_CLAIMS_H
#define ATOK_CLAIMS_H

#include <stdint.h>

#include "atok.h"

struct atok_json_object;

struct atok_claims_policy {
	const char *issuer;         /* required: exact match */
	const char *audience;       /* required: aud holds it */
	const char *username_claim; /* a string claim, e.g. "sub" */
	int64_t leeway;             /* seconds of clock skew allowed */
	int require_at_jwt;         /* typ must be at+jwt (RFC 9068) */
};

/*
 * Checks claims against p at now.  On success sets res->verdict ACCEPT and
 * fills user, scopes, expires and token_id (jti); otherwise REJECT with why
 * and reason.  typ is the JOSE header's typ ("" when absent).
 */
void atok_claims_check(const struct atok_json_object *claims, const char *typ,
                       const struct atok_claims_policy *p, int64_t now,
                       struct atok_result *res);

#endif
