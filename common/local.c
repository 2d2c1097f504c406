/* SPDX-License-Identifier: BSD-3-Clause */
/* local.c - local API tokens: issue, rotate, verify against the store. */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cidr.h"
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

/* The canonical form of an allow-list as typed (NULL = anywhere). */
static int canonical_from(const char *in, char out[ATOK_FROM_MAX + 1],
                          struct atok_error *err)
{
	struct atok_cidr_list l;
	struct atok_error e;
	int r;

	out[0] = '\0';
	if (in == NULL)
		return 0;
	if ((r = atok_cidr_list_parse(in, strlen(in), &l, &e)) != 0)
		return atok_error_set(err, r, "source addresses: %s", e.msg);
	if ((r = atok_cidr_list_format(&l, out, ATOK_FROM_MAX + 1)) != 0)
		return atok_error_set(err, r, "source addresses too long");
	return 0;
}

/* What a rotation keeps of the old token, and how the old one ends. */
struct mint_args {
	const char *old_id;           /* non-NULL: replaces that token */
	int64_t until;                /* the old one's end (0: revoked now) */
	char from[ATOK_FROM_MAX + 1]; /* canonical allow-list */
};

/* Mints, fills and stores; a->old_id non-NULL replaces that token. */
static int mint(struct atok_store *s, const struct mint_args *a,
                const char *user, const char *scopes, const char *name,
                int64_t expires, int64_t now,
                char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                struct atok_token_record *rec_out, struct atok_error *err)
{
	const char *old_id = a->old_id;
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
		ATOK_STRCPY_ARRAY(rec.allowed_from, a->from);
		if (old_id != NULL &&
		    (r = atok_strlcpy(rec.rotated_from, old_id, strlen(old_id),
		                      sizeof(rec.rotated_from))) != 0) {
			atok_error_set(err, r, "token id too long");
			break;
		}
		r = old_id != NULL ? atok_store_replace(s, old_id, &rec, now,
		                                        a->until, err)
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
	struct mint_args a = {0};
	int r;

	if ((r = canonical_from(p->allowed_from, a.from, err)) != 0)
		return r;
	return mint(s, &a, p->user, p->scopes ? p->scopes : "", p->name,
	            p->expires, atok_now(p->now), token_out, rec_out, err);
}

int atok_local_rotate(struct atok_store *s, const char *old_id,
                      const struct atok_rotate_params *p,
                      char token_out[ATOK_LOCAL_TOKEN_LEN + 1],
                      struct atok_token_record *rec_out,
                      struct atok_token_record *old_out, struct atok_error *err)
{
	struct atok_token_record old;
	struct mint_args a = {0};
	int64_t now = atok_now(p->now), expires = p->expires;
	int r;

	if (!atok_local_id_valid(old_id, strlen(old_id)))
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "the argument is not a token id");
	if (p->grace < 0)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "negative grace period");
	if ((r = atok_store_lookup(s, old_id, &old, err)) != 0)
		return r;
	if (old.revoked != 0)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "token %s is revoked; issue a new one",
		                      old_id);
	if (old.rotated_to[0] != '\0')
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "token %s was already rotated to %s; "
		                      "rotate that one",
		                      old_id, old.rotated_to);
	if (p->allowed_from != NULL) {
		if ((r = canonical_from(p->allowed_from, a.from, err)) != 0)
			return r;
	} else {
		ATOK_STRCPY_ARRAY(a.from, old.allowed_from);
	}
	if (expires == -1)
		expires =
		    old.expires == 0 ? 0 : now + (old.expires - old.created);
	a.old_id = old_id;
	/* The old token works until the earlier of its expiry and the end
	 * of the grace period; with no grace it is revoked now. */
	a.until = p->grace == 0 ? 0 : now + p->grace;
	if (a.until != 0 && old.expires != 0 && old.expires < a.until)
		a.until = old.expires;
	if (a.until != 0 && a.until <= now)
		a.until = 0; /* already expired: nothing to keep working */
	if (old_out != NULL)
		*old_out = old;
	return mint(s, &a, old.user, old.scopes, old.name, expires, now,
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

/* The source-address limits of rec against remote. */
static void check_source(const struct atok_token_record *rec,
                         const char *remote, struct atok_result *res)
{
	struct atok_cidr_list l;
	struct atok_error err;
	struct atok_addr a;

	if (rec->allowed_from[0] == '\0')
		return;
	if (atok_cidr_list_parse(rec->allowed_from, strlen(rec->allowed_from),
	                         &l, &err) != 0) {
		atok_result_set(res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		                "token %s: stored source addresses do not "
		                "parse: %.100s",
		                rec->id, err.msg);
		return;
	}
	if (remote == NULL || remote[0] == '\0') {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_SOURCE,
		                "token %s is limited to %.100s and the remote "
		                "address is unknown",
		                rec->id, rec->allowed_from);
		return;
	}
	if (atok_addr_parse(remote, strlen(remote), &a) != 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_SOURCE,
		                "token %s is limited to %.100s and the remote "
		                "address \"%.64s\" is not numeric",
		                rec->id, rec->allowed_from, remote);
		return;
	}
	if (!atok_cidr_list_match(&l, &a)) {
		char addr[ATOK_ADDR_MAX + 1];
		atok_addr_format(&a, addr, sizeof(addr));
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_SOURCE,
		                "token %s may not be used from %s (allowed: "
		                "%.100s)",
		                rec->id, addr, rec->allowed_from);
	}
}

void atok_local_check_state(const struct atok_token_record *rec, int64_t now,
                            const char *remote, struct atok_result *res)
{
	char when[32], at[32];

	if (rec->revoked != 0) {
		if (rec->rotated_to[0] != '\0')
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_REVOKED,
			                "token %s was revoked at %s (rotated "
			                "to %s)",
			                rec->id, iso_time(rec->revoked, when),
			                rec->rotated_to);
		else
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_REVOKED,
			                "token %s was revoked at %s", rec->id,
			                iso_time(rec->revoked, when));
		return;
	}
	if (rec->expires != 0 && now >= rec->expires) {
		if (rec->rotated_to[0] != '\0')
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_ROTATED,
			                "token %s was rotated to %s; its grace "
			                "period ended at %s (now %s)",
			                rec->id, rec->rotated_to,
			                iso_time(rec->expires, when),
			                iso_time(now, at));
		else
			atok_result_set(res, ATOK_REJECT, ATOK_WHY_EXPIRED,
			                "token %s expired at %s (now %s)",
			                rec->id, iso_time(rec->expires, when),
			                iso_time(now, at));
		return;
	}
	atok_result_accept(res);
	check_source(rec, remote, res);
}

/* What last_used_from records: the numeric form of a numeric address, a
 * printable name as given (PAM_RHOST under UseDNS), else "". */
static void remote_for_store(const char *remote, char out[ATOK_ADDR_MAX + 1])
{
	struct atok_addr a;
	size_t n = remote != NULL ? strlen(remote) : 0;

	out[0] = '\0';
	if (n == 0)
		return;
	if (atok_addr_parse(remote, n, &a) == 0)
		atok_addr_format(&a, out, ATOK_ADDR_MAX + 1);
	else if (n <= ATOK_ADDR_MAX && atok_name_valid(remote, n))
		memcpy(out, remote, n + 1);
}

void atok_local_verify(struct atok_store *s, const char *token, size_t len,
                       int64_t now, const char *remote,
                       long long touch_interval, struct atok_result *res)
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
		atok_result_from_err(res, r, ATOK_WHY_TOO_LONG,
		                     "local token is %zu bytes, longer than %d",
		                     len, ATOK_LOCAL_TOKEN_LEN);
		return;
	}
	if (r == ATOK_ERR_CHECKSUM) {
		atok_result_from_err(
		    res, r, ATOK_WHY_CHECKSUM,
		    "local token checksum does not match (mistyped or "
		    "truncated)");
		return;
	}
	if (r != 0) {
		atok_result_from_err(res, r, ATOK_WHY_MALFORMED,
		                     "malformed local token");
		return;
	}
	memcpy(id, t.id, ATOK_LOCAL_ID_LEN);
	id[ATOK_LOCAL_ID_LEN] = '\0';
	ATOK_STRCPY_ARRAY(res->token_id, id);

	if ((r = atok_local_hash(&t, hash)) != 0) {
		atok_result_from_err(res, r, ATOK_WHY_INTERNAL,
		                     "hashing failed");
		return;
	}
	r = atok_store_lookup(s, id, &rec, &err);
	if (r == ATOK_ERR_NOT_FOUND) {
		atok_result_from_err(res, r, ATOK_WHY_UNKNOWN,
		                     "no token with id %s", id);
		goto out;
	}
	if (r != 0) {
		atok_result_from_err(res, r, ATOK_WHY_BACKEND, "%.200s",
		                     err.msg);
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
	atok_local_check_state(&rec, now, remote, res);
	if (res->verdict == ATOK_ACCEPT && touch_interval >= 0 &&
	    rec.last_used + touch_interval <= now) {
		char from[ATOK_ADDR_MAX + 1];
		remote_for_store(remote, from);
		(void)atok_store_touch(s, id, now, from, &err);
	}
out:
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&t, sizeof(t));
}
