/* local.c - local API tokens: issue, rotate, verify against the store. */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "local.h"
#include "scope.h"
#include "util.h"
#include "result.h"

#define ISSUE_ATTEMPTS 4 /* id collisions at 71 bits: never, but bounded */

static int fill_record(struct atok_token_record *rec, const char *token,
                       const char *user, const char *scopes, const char *name,
                       int64_t expires, int64_t now, struct atok_error *err)
{
	struct atok_local_token t;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = atok_local_parse(token, ATOK_LOCAL_TOKEN_LEN, &t)) != 0)
		return atok_error_set(err, r, "minted token does not parse");
	memcpy(rec->id, t.id, ATOK_LOCAL_ID_LEN);
	rec->id[ATOK_LOCAL_ID_LEN] = '\0';
	if (atok_strlcpy(rec->user, user, strlen(user), sizeof(rec->user)) ||
	    atok_strlcpy(rec->name, name, strlen(name), sizeof(rec->name)))
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "user or name too long");
	if ((r = atok_scope_normalize(scopes, rec->scopes,
	                              sizeof(rec->scopes))) != 0)
		return atok_error_set(err, r, "invalid scope list \"%.64s\"",
		                      scopes);
	if ((r = atok_local_hash(&t, rec->hash)) != 0)
		return atok_error_set(err, r, "hashing failed");
	rec->created = now;
	rec->expires = expires;
	return 0;
}

static int user_valid(const char *u)
{
	size_t i, n = u != NULL ? strlen(u) : 0;

	if (n == 0 || n > ATOK_USER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f || u[i] == ':')
			return 0;
	return 1;
}

/* Mints, fills and stores; old_id non-NULL replaces that token. */
static int mint(struct atok_store *s, const char *old_id, const char *user,
                const char *scopes, const char *name, int64_t expires,
                int64_t now, char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                struct atok_token_record *rec_out, struct atok_error *err)
{
	struct atok_token_record rec;
	int attempt, r = ATOK_ERR_EXISTS;

	if (!user_valid(user))
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "invalid user name \"%.64s\"",
		                      user ? user : "");
	if (expires != 0 && expires <= now)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "expiry is not in the future");
	for (attempt = 0; attempt < ISSUE_ATTEMPTS && r == ATOK_ERR_EXISTS;
	     attempt++) {
		if ((r = atok_local_generate(token_out)) != 0) {
			atok_error_set(err, r, "random generator failed");
			break;
		}
		if ((r = fill_record(&rec, token_out, user, scopes,
		                     name ? name : "", expires, now, err)) != 0)
			break;
		if (old_id != NULL &&
		    (r = atok_strlcpy(rec.rotated_from, old_id, strlen(old_id),
		                      sizeof(rec.rotated_from))) != 0) {
			atok_error_set(err, r, "token id too long");
			break;
		}
		r = old_id != NULL
		        ? atok_store_replace(s, old_id, &rec, now, err)
		        : atok_store_insert(s, &rec, err);
	}
	if (r != 0) {
		explicit_bzero(token_out, ATOK_LOCAL_TOKEN_LEN + 1);
		return r;
	}
	if (rec_out != NULL)
		*rec_out = rec;
	return 0;
}

int atok_local_issue(struct atok_store *s, const struct atok_issue_params *p,
                     char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                     struct atok_token_record *rec_out, struct atok_error *err)
{
	return mint(s, NULL, p->user, p->scopes ? p->scopes : "", p->name,
	            p->expires, atok_now(p->now), token_out, rec_out, err);
}

int atok_local_rotate(struct atok_store *s, const char *old_id, int64_t expires,
                      int64_t now, char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                      struct atok_token_record *rec_out, struct atok_error *err)
{
	struct atok_token_record old;
	int r;

	now = atok_now(now);
	if (!atok_local_id_valid(old_id, strlen(old_id)))
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "the argument is not a token id");
	if ((r = atok_store_lookup(s, old_id, &old, err)) != 0)
		return r;
	if (old.revoked != 0)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "token %s is revoked; issue a new one",
		                      old_id);
	if (expires == -1)
		expires =
		    old.expires == 0 ? 0 : now + (old.expires - old.created);
	return mint(s, old_id, old.user, old.scopes, old.name, expires, now,
	            token_out, rec_out, err);
}

/* ISO 8601 UTC, for reasons an administrator reads. */
static const char *iso_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld", (long long)t);
	return buf;
}

void atok_local_check_state(const struct atok_token_record *rec, int64_t now,
                            struct atok_result *res)
{
	char when[32], at[32];

	if (rec->revoked != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_REVOKED,
		                "token %s was revoked at %s", rec->id,
		                iso_time(rec->revoked, when));
		return;
	}
	if (rec->expires != 0 && now >= rec->expires) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_EXPIRED,
		                "token %s expired at %s (now %s)", rec->id,
		                iso_time(rec->expires, when),
		                iso_time(now, at));
		return;
	}
	res->verdict = ATOK_ACCEPT;
	res->why = ATOK_WHY_NONE;
}

void atok_local_verify(struct atok_store *s, const char *token, size_t len,
                       int64_t now, long long touch_interval,
                       struct atok_result *res)
{
	struct atok_local_token t;
	struct atok_token_record rec;
	struct atok_error err;
	unsigned char hash[ATOK_HASH_LEN];
	char id[ATOK_LOCAL_ID_LEN + 1];
	int r;

	res->source = ATOK_SRC_LOCAL;
	r = atok_local_parse(token, len, &t);
	if (r == ATOK_ERR_TOO_LONG) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_TOO_LONG,
		                "local token is %zu bytes, longer than %d", len,
		                ATOK_LOCAL_TOKEN_LEN);
		return;
	}
	if (r == ATOK_ERR_CHECKSUM) {
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_CHECKSUM,
		    "local token checksum does not match (mistyped or "
		    "truncated)");
		return;
	}
	if (r != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_MALFORMED,
		                "malformed local token");
		return;
	}
	memcpy(id, t.id, ATOK_LOCAL_ID_LEN);
	id[ATOK_LOCAL_ID_LEN] = '\0';
	ATOK_STRCPY_ARRAY(res->token_id, id);

	if (atok_local_hash(&t, hash) != 0) {
		res->verdict = ATOK_UNAVAILABLE;
		res->why = ATOK_WHY_INTERNAL;
		snprintf(res->reason, sizeof(res->reason), "hashing failed");
		return;
	}
	r = atok_store_lookup(s, id, &rec, &err);
	if (r == ATOK_ERR_NOT_FOUND) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_UNKNOWN,
		                "no token with id %s", id);
		goto out;
	}
	if (r != 0) {
		res->verdict = r == ATOK_ERR_CONFIG || r == ATOK_ERR_SCHEMA ||
		                       r == ATOK_ERR_PERM
		                   ? ATOK_CONFIG_ERROR
		                   : ATOK_UNAVAILABLE;
		res->why = ATOK_WHY_BACKEND;
		snprintf(res->reason, sizeof(res->reason), "%.200s", err.msg);
		goto out;
	}
	if (CRYPTO_memcmp(hash, rec.hash, ATOK_HASH_LEN) != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_BAD_SECRET,
		                "secret does not match token %s", id);
		goto out;
	}
	/* The token is genuine: report whose it is even when it is refused,
	 * so the log line names the owner. */
	ATOK_STRCPY_ARRAY(res->user, rec.user);
	ATOK_STRCPY_ARRAY(res->scopes, rec.scopes);
	res->expires = rec.expires;
	atok_local_check_state(&rec, now, res);
	if (res->verdict == ATOK_ACCEPT && touch_interval >= 0 &&
	    rec.last_used + touch_interval <= now)
		(void)atok_store_touch(s, id, now, &err);
out:
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&t, sizeof(t));
}
