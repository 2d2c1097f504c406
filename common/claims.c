/* claims.c - JWT claims: time, issuer, audience, user, scopes. */
#include "ac_config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "claims.h"
#include "scope.h"

static void refuse(struct atok_result *res, enum atok_why why, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));
static void refuse(struct atok_result *res, enum atok_why why, const char *fmt,
                   ...)
{
	va_list ap;

	res->verdict = ATOK_REJECT;
	res->why = why;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* A NumericDate: a JSON number in a sane range, truncated to seconds. */
static int numeric_date(json_t *v, int64_t *out)
{
	double d;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || i > 253402300799LL) /* year 9999 */
			return 0;
		*out = (int64_t)i;
		return 1;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (!isfinite(d) || d < 0 || d > 253402300799.0)
			return 0;
		*out = (int64_t)d;
		return 1;
	}
	return 0;
}

static int printable_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"')
			return 0;
	return 1;
}

static int audience_ok(json_t *aud, const char *want)
{
	size_t i;
	json_t *v;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	if (json_is_array(aud))
		json_array_foreach(aud, i, v) if (json_is_string(v) &&
		                                  strcmp(json_string_value(v),
		                                         want) == 0) return 1;
	return 0;
}

/* scope: "a b c" (RFC 8693/9068); scp: ["a","b"] (Okta) or "a b"
 * (Entra ID). */
static int scopes_of(json_t *claims, char *out, size_t outsz)
{
	json_t *v = json_object_get(claims, "scope");
	size_t i, used = 0;
	json_t *s;

	out[0] = '\0';
	if (v == NULL)
		v = json_object_get(claims, "scp");
	if (v == NULL)
		return 0;
	if (json_is_string(v))
		return atok_scope_normalize(json_string_value(v), out, outsz);
	if (!json_is_array(v))
		return ATOK_ERR_MALFORMED;
	json_array_foreach(v, i, s)
	{
		size_t n;
		if (!json_is_string(s))
			return ATOK_ERR_MALFORMED;
		n = json_string_length(s);
		if (!atok_scope_valid(json_string_value(s), n))
			return ATOK_ERR_MALFORMED;
		if (used + n + 2 > outsz)
			return ATOK_ERR_TOO_LONG;
		if (used)
			out[used++] = ' ';
		memcpy(out + used, json_string_value(s), n);
		used += n;
		out[used] = '\0';
	}
	return 0;
}

void atok_claims_check(json_t *claims, const char *typ,
                       const struct atok_claims_policy *p, int64_t now,
                       struct atok_result *res)
{
	json_t *v;
	int64_t exp = 0, t = 0;
	const char *user;
	size_t n;

	if (p->require_at_jwt && strcasecmp(typ, "at+jwt") != 0 &&
	    strcasecmp(typ, "application/at+jwt") != 0) {
		refuse(res, ATOK_WHY_CLAIMS,
		       "JWT typ is \"%.32s\", not at+jwt (RFC 9068)", typ);
		return;
	}
	v = json_object_get(claims, "exp");
	if (v == NULL || !numeric_date(v, &exp)) {
		refuse(res, ATOK_WHY_CLAIMS, "JWT has no numeric exp");
		return;
	}
	if (now - p->leeway >= exp) {
		refuse(res, ATOK_WHY_EXPIRED,
		       "JWT expired (exp=%lld <= now=%lld - leeway %lld)",
		       (long long)exp, (long long)now, (long long)p->leeway);
		return;
	}
	if ((v = json_object_get(claims, "nbf")) != NULL) {
		if (!numeric_date(v, &t)) {
			refuse(res, ATOK_WHY_CLAIMS, "JWT nbf is not numeric");
			return;
		}
		if (t > now + p->leeway) {
			refuse(res, ATOK_WHY_NOT_YET_VALID,
			       "JWT not valid before %lld (now=%lld + leeway "
			       "%lld)",
			       (long long)t, (long long)now,
			       (long long)p->leeway);
			return;
		}
	}
	if ((v = json_object_get(claims, "iat")) != NULL) {
		if (!numeric_date(v, &t)) {
			refuse(res, ATOK_WHY_CLAIMS, "JWT iat is not numeric");
			return;
		}
		if (t > now + p->leeway) {
			refuse(res, ATOK_WHY_NOT_YET_VALID,
			       "JWT issued in the future (iat=%lld > now=%lld "
			       "+ leeway %lld)",
			       (long long)t, (long long)now,
			       (long long)p->leeway);
			return;
		}
	}
	v = json_object_get(claims, "iss");
	if (!json_is_string(v) ||
	    strcmp(json_string_value(v), p->issuer) != 0) {
		refuse(res, ATOK_WHY_ISSUER, "JWT iss \"%.80s\" is not %.80s",
		       json_is_string(v) ? json_string_value(v) : "",
		       p->issuer);
		return;
	}
	if (!audience_ok(json_object_get(claims, "aud"), p->audience)) {
		refuse(res, ATOK_WHY_AUDIENCE, "JWT aud does not hold %.100s",
		       p->audience);
		return;
	}
	v = json_object_get(claims, p->username_claim);
	if (!json_is_string(v)) {
		refuse(res, ATOK_WHY_CLAIMS,
		       "JWT claim \"%.40s\" (the user) is missing or not a "
		       "string",
		       p->username_claim);
		return;
	}
	user = json_string_value(v);
	n = json_string_length(v);
	if (n > ATOK_USER_MAX || !printable_name(user, n)) {
		refuse(res, ATOK_WHY_CLAIMS,
		       "JWT claim \"%.40s\" is not a valid user name",
		       p->username_claim);
		return;
	}
	if (scopes_of(claims, res->scopes, sizeof(res->scopes)) != 0) {
		res->scopes[0] = '\0';
		refuse(res, ATOK_WHY_CLAIMS, "JWT scope claim is malformed");
		return;
	}
	memcpy(res->user, user, n + 1);
	res->expires = exp;
	v = json_object_get(claims, "jti");
	if (json_is_string(v) && json_string_length(v) <= ATOK_TOKEN_ID_MAX &&
	    printable_name(json_string_value(v), json_string_length(v)))
		memcpy(res->token_id, json_string_value(v),
		       json_string_length(v) + 1);
	res->verdict = ATOK_ACCEPT;
	res->why = ATOK_WHY_NONE;
}
