/* SPDX-License-Identifier: BSD-3-Clause */
/* claims.c - JWT claims: time, issuer, audience, user, scopes. */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "claims.h"
#include "json.h"
#include "scope.h"
#include "result.h"
#include "util.h"

/* scope: "a b c" (RFC 8693/9068); scp: ["a","b"] (Okta) or "a b"
 * (Entra ID). */
static int scopes_of(const struct atok_json_object *claims, char *out,
                     size_t outsz)
{
	const struct atok_json_member *v = atok_json_get(claims, "scope");
	struct atok_json_member e;
	char one[ATOK_SCOPE_MAX + 1], list[ATOK_SCOPES_MAX + 1];
	size_t pos = 0, used = 0, n;

	out[0] = '\0';
	if (v == NULL)
		v = atok_json_get(claims, "scp");
	if (v == NULL)
		return 0;
	if (v->type == ATOK_JSON_STRING) {
		if (atok_json_string(v, list, sizeof(list), NULL) != 0)
			return ATOK_ERR_MALFORMED;
		return atok_scope_normalize(list, out, outsz);
	}
	if (v->type != ATOK_JSON_ARRAY)
		return ATOK_ERR_MALFORMED;
	while (atok_json_array_next(v, &pos, &e)) {
		if (atok_json_string(&e, one, sizeof(one), &n) != 0 ||
		    !atok_scope_valid(one, n))
			return ATOK_ERR_MALFORMED;
		if (used + n + 2 > outsz)
			return ATOK_ERR_TOO_LONG;
		if (used)
			out[used++] = ' ';
		memcpy(out + used, one, n + 1);
		used += n;
	}
	return 0;
}

void atok_claims_check(const struct atok_json_object *claims, const char *typ,
                       const struct atok_claims_policy *p, int64_t now,
                       struct atok_result *res)
{
	const struct atok_json_member *v;
	int64_t exp = 0, t = 0;
	char user[ATOK_USER_MAX + 1];
	size_t n = 0;

	if (p->require_at_jwt && strcasecmp(typ, "at+jwt") != 0 &&
	    strcasecmp(typ, "application/at+jwt") != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		                "JWT typ is \"%.32s\", not at+jwt (RFC 9068)",
		                typ);
		return;
	}
	v = atok_json_get(claims, "exp");
	if (v == NULL || atok_json_numeric_date(v, &exp) != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		                "JWT has no numeric exp");
		return;
	}
	if (now - p->leeway >= exp) {
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_EXPIRED,
		    "JWT expired (exp=%lld <= now=%lld - leeway %lld)",
		    (long long)exp, (long long)now, (long long)p->leeway);
		return;
	}
	if ((v = atok_json_get(claims, "nbf")) != NULL) {
		if (atok_json_numeric_date(v, &t) != 0) {
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
			                "JWT nbf is not numeric");
			return;
		}
		if (t > now + p->leeway) {
			atok_result_set(
			    res, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID,
			    "JWT not valid before %lld (now=%lld + leeway "
			    "%lld)",
			    (long long)t, (long long)now, (long long)p->leeway);
			return;
		}
	}
	if ((v = atok_json_get(claims, "iat")) != NULL) {
		if (atok_json_numeric_date(v, &t) != 0) {
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
			                "JWT iat is not numeric");
			return;
		}
		if (t > now + p->leeway) {
			atok_result_set(
			    res, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID,
			    "JWT issued in the future (iat=%lld > now=%lld "
			    "+ leeway %lld)",
			    (long long)t, (long long)now, (long long)p->leeway);
			return;
		}
	}
	v = atok_json_get(claims, "iss");
	if (!atok_json_string_eq(v, p->issuer)) {
		char iss[128];
		if (atok_json_string(v, iss, sizeof(iss), NULL) != 0)
			snprintf(iss, sizeof(iss), "%s",
			         v == NULL ? "(none)" : "(not a short string)");
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_ISSUER,
		                "JWT iss \"%.80s\" is not %.80s", iss,
		                p->issuer);
		return;
	}
	if (!atok_json_holds_string(atok_json_get(claims, "aud"),
	                            p->audience)) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_AUDIENCE,
		                "JWT aud does not hold %.100s", p->audience);
		return;
	}
	v = atok_json_get(claims, p->username_claim);
	if (v == NULL || v->type != ATOK_JSON_STRING) {
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		    "JWT claim \"%.40s\" (the user) is missing or not a "
		    "string",
		    p->username_claim);
		return;
	}
	if (atok_json_string(v, user, sizeof(user), &n) != 0 ||
	    !atok_name_valid(user, n)) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		                "JWT claim \"%.40s\" is not a valid user name",
		                p->username_claim);
		return;
	}
	if (scopes_of(claims, res->scopes, sizeof(res->scopes)) != 0) {
		res->scopes[0] = '\0';
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		                "JWT scope claim is malformed");
		return;
	}
	memcpy(res->user, user, n + 1);
	res->expires = exp;
	v = atok_json_get(claims, "jti");
	if (v == NULL ||
	    atok_json_string(v, res->token_id, sizeof(res->token_id), &n) !=
	        0 ||
	    !atok_name_valid(res->token_id, n))
		res->token_id[0] = '\0';
	atok_result_accept(res);
}
