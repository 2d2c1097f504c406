/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * introspect_cache.c - the result cache of token introspection.
 *
 * The cache is keyed by HMAC-SHA256(cache key, token), never the token:
 * the key is 32 random bytes in [cache] dir/introspection.key (0600), so a
 * cache file cannot even confirm a guessed token without it.  Entries are
 * files written atomically; a positive entry lives min(cache_ttl, exp -
 * now), a negative one negative_cache_ttl; UNAVAILABLE is never cached.
 * Revocation at the server therefore takes effect within cache_ttl.
 */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "config.h"
#include "introspect_cache.h"
#include "jws.h"
#include "result.h"
#include "util.h"

struct atok_icache {
	int64_t cache_ttl, negative_ttl;
	char cache_dir[PATH_MAX];
	unsigned char cache_key[32];
	int have_disk;
	struct atok_hmac_key *hkey; /* cache_key, prepared once */
	struct mem_entry *mem;      /* allocated on first use */
};

#define MEM_SLOTS 256 /* direct-mapped by the keyed hash */

struct mem_entry {
	unsigned char mac[32];
	int64_t until; /* 0: empty */
	int active;
	int64_t expires;
	char user[ATOK_USER_MAX + 1];
	char scopes[ATOK_SCOPES_MAX + 1];
	char token_id[ATOK_TOKEN_ID_MAX + 1];
};

/* The random key of the result cache: read, or created once (0600). */
static int load_cache_key(struct atok_icache *c, struct atok_error *err)
{
	/* The first process to create it wins; the others read its key. */
	static const struct atok_private_write once = {(uid_t)-1, (gid_t)-1,
	                                               true};
	char path[PATH_MAX + 32];
	unsigned char key[32];
	struct stat st;
	ssize_t n;
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/introspection.key",
	                     c->cache_dir) >= sizeof(path))
		return 0;
	if (lstat(path, &st) != 0) {
		/* a cache dir we cannot look in: memory only */
		if (errno != ENOENT)
			return 0;
		r = RAND_bytes(key, sizeof(key)) == 1
		        ? atok_write_private_file(path, key, sizeof(key), &once,
		                                  NULL)
		        : ATOK_ERR_CRYPTO;
		explicit_bzero(key, sizeof(key));
		if (r == ATOK_ERR_NOT_FOUND)
			return 0; /* a read-only cache dir: memory only */
		if (r != 0 && r != ATOK_ERR_EXISTS)
			return atok_error_set(err, ATOK_ERR_IO,
			                      "cannot create %s", path);
	}
	if ((r = atok_check_path_safe(path, "introspection cache key", err)) !=
	    0)
		return r;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, c->cache_key, sizeof(c->cache_key));
	close(fd);
	c->have_disk = n == (ssize_t)sizeof(c->cache_key);
	return 0;
}

int atok_icache_new(const struct atok_config *cfg, struct atok_icache **out,
                    struct atok_error *err)
{
	struct atok_icache *c;
	const char *dir = atok_config_str(cfg, ATOK_CFG_CACHE_DIR);
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	c->cache_ttl = atok_config_int(cfg, ATOK_CFG_INTROSPECTION_CACHE_TTL);
	c->negative_ttl =
	    atok_config_int(cfg, ATOK_CFG_INTROSPECTION_NEGATIVE_CACHE_TTL);
	/* A key for the in-memory cache even without a usable cache dir. */
	if (RAND_bytes(c->cache_key, sizeof(c->cache_key)) != 1) {
		r = atok_error_set(err, ATOK_ERR_CRYPTO, "RAND_bytes failed");
		goto fail;
	}
	if (dir != NULL && atok_strlcpy(c->cache_dir, dir, strlen(dir),
	                                sizeof(c->cache_dir)) == 0) {
		r = atok_private_dir(dir, err);
		if (r == ATOK_ERR_PERM)
			goto fail;
		if (r == 0 && (r = load_cache_key(c, err)) != 0)
			goto fail;
	}
	if ((c->cache_ttl > 0 || c->negative_ttl > 0) &&
	    (r = atok_hmac_key_new(c->cache_key, sizeof(c->cache_key), &c->hkey,
	                           err)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	atok_icache_free(&c);
	return r;
}

void atok_icache_free(struct atok_icache **cp)
{
	struct atok_icache *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	atok_hmac_key_free(&c->hkey);
	if (c->mem != NULL)
		atok_freezero(c->mem, MEM_SLOTS * sizeof(*c->mem));
	explicit_bzero(c->cache_key, sizeof(c->cache_key));
	free(c);
	*cp = NULL;
}

static int keyed_hash(struct atok_icache *c, const char *tok, size_t len,
                      unsigned char mac[32])
{
	/* No cache configured (both TTLs 0): no key, nothing to look up. */
	return c->hkey != NULL &&
	       atok_hmac_key_sha256(c->hkey, tok, len, mac) == 0;
}

static struct mem_entry *mem_slot(struct atok_icache *c,
                                  const unsigned char mac[32])
{
	return &c->mem[(mac[0] | (unsigned)mac[1] << 8) % MEM_SLOTS];
}

static void answer(struct atok_result *res, int active, const char *user,
                   const char *scopes, const char *token_id, int64_t expires)
{
	if (active) {
		snprintf(res->user, sizeof(res->user), "%s", user);
		snprintf(res->scopes, sizeof(res->scopes), "%s", scopes);
		snprintf(res->token_id, sizeof(res->token_id), "%s", token_id);
		res->expires = expires;
		atok_result_set(res, ATOK_ACCEPT, ATOK_WHY_NONE,
		                "token active (cached)");
	} else {
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_INACTIVE,
		    "the authorization server said the token is not "
		    "active (cached)");
	}
}

static int mem_get(struct atok_icache *c, const unsigned char mac[32],
                   int64_t now, struct atok_result *res)
{
	struct mem_entry *e;

	if (c->mem == NULL)
		return 0;
	e = mem_slot(c, mac);
	if (e->until == 0 || now >= e->until || CRYPTO_memcmp(e->mac, mac, 32))
		return 0;
	answer(res, e->active, e->user, e->scopes, e->token_id, e->expires);
	return 1;
}

static void mem_put(struct atok_icache *c, const unsigned char mac[32],
                    int64_t until, const struct atok_result *res)
{
	struct mem_entry *e;

	if (c->mem == NULL &&
	    (c->mem = calloc(MEM_SLOTS, sizeof(*c->mem))) == NULL)
		return;
	e = mem_slot(c, mac);
	memcpy(e->mac, mac, 32);
	e->until = until;
	e->active = res->verdict == ATOK_ACCEPT;
	e->expires = res->expires;
	memcpy(e->user, res->user, sizeof(e->user));
	memcpy(e->scopes, res->scopes, sizeof(e->scopes));
	memcpy(e->token_id, res->token_id, sizeof(e->token_id));
}

static int disk_path(struct atok_icache *c, const unsigned char mac[32],
                     char *path, size_t pathsz, char hex[65])
{
	if (!c->have_disk)
		return 0;
	atok_hex(mac, 32, hex);
	return (size_t)snprintf(path, pathsz, "%s/introspect-%.32s.json",
	                        c->cache_dir, hex) < pathsz;
}

int atok_icache_parse_entry(const char *text, size_t len, const char *hex,
                            int64_t now, struct atok_result *res,
                            int64_t *until)
{
	json_error_t jerr;
	json_t *o = NULL;
	const char *h, *user, *scopes, *jti;
	int hit = 0;

	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	h = json_string_value(json_object_get(o, "h"));
	*until = json_integer_value(json_object_get(o, "until"));
	user = json_string_value(json_object_get(o, "user"));
	scopes = json_string_value(json_object_get(o, "scopes"));
	/* Entries written before the token id was kept have none. */
	jti = json_object_get(o, "jti") != NULL
	          ? json_string_value(json_object_get(o, "jti"))
	          : "";
	if (h == NULL || strcmp(h, hex) != 0 || *until <= now || user == NULL ||
	    scopes == NULL || jti == NULL || strlen(user) > ATOK_USER_MAX ||
	    strlen(scopes) > ATOK_SCOPES_MAX || strlen(jti) > ATOK_TOKEN_ID_MAX)
		goto out;
	answer(res, json_is_true(json_object_get(o, "active")), user, scopes,
	       jti, json_integer_value(json_object_get(o, "exp")));
	hit = 1;
out:
	json_decref(o);
	return hit;
}

static int disk_get(struct atok_icache *c, const unsigned char mac[32],
                    int64_t now, struct atok_result *res, int64_t *until)
{
	char path[PATH_MAX + 64], hex[65], *text = NULL;
	struct atok_error err;
	size_t len;
	int hit;

	if (!disk_path(c, mac, path, sizeof(path), hex) ||
	    atok_read_private_file(path, "introspection cache",
	                           ATOK_INTROSPECTION_CACHE_ENTRY_MAX, &text,
	                           &len, &err) != 0)
		return 0;
	hit = atok_icache_parse_entry(text, len, hex, now, res, until);
	atok_freezero(text, ATOK_INTROSPECTION_CACHE_ENTRY_MAX + 1);
	return hit;
}

/* Writes an entry atomically (atok_write_private_file); best effort. */
static void disk_put(struct atok_icache *c, const unsigned char mac[32],
                     int64_t until, const struct atok_result *res)
{
	char path[PATH_MAX + 64], hex[65], *text = NULL;
	json_t *o = NULL;

	if (!disk_path(c, mac, path, sizeof(path), hex))
		return;
	o = json_pack("{s:i, s:s, s:b, s:s, s:s, s:s, s:I, s:I}", "v", 1, "h",
	              hex, "active", res->verdict == ATOK_ACCEPT, "user",
	              res->user, "scopes", res->scopes, "jti", res->token_id,
	              "exp", (json_int_t)res->expires, "until",
	              (json_int_t)until);
	if (o != NULL && (text = json_dumps(o, JSON_COMPACT)) != NULL)
		(void)atok_write_private_file(path, text, strlen(text), NULL,
		                              NULL);
	free(text);
	json_decref(o);
}

/* How long a result may be served: positive min(cache_ttl, exp - now),
 * negative negative_cache_ttl, UNAVAILABLE never (0). */
static int64_t cache_until(const struct atok_icache *c, int64_t now,
                           const struct atok_result *res)
{
	int64_t until;

	if (res->verdict == ATOK_ACCEPT) {
		until = now + c->cache_ttl;
		if (res->expires != 0 && res->expires < until)
			until = res->expires;
	} else if (res->why == ATOK_WHY_INACTIVE) {
		until = now + c->negative_ttl;
	} else {
		return 0;
	}
	return until > now ? until : 0;
}

int atok_icache_get(struct atok_icache *c, const char *tok, size_t len,
                    int64_t now, struct atok_result *res)
{
	unsigned char mac[32];
	int64_t until = 0;
	int hit = 0;

	if (!keyed_hash(c, tok, len, mac))
		goto out;
	if (mem_get(c, mac, now, res)) {
		hit = 1;
	} else if (disk_get(c, mac, now, res, &until)) {
		mem_put(c, mac, until, res);
		hit = 1;
	}
out:
	explicit_bzero(mac, sizeof(mac));
	return hit;
}

void atok_icache_put(struct atok_icache *c, const char *tok, size_t len,
                     int64_t now, const struct atok_result *res)
{
	unsigned char mac[32];
	int64_t until;

	if (keyed_hash(c, tok, len, mac) &&
	    (until = cache_until(c, now, res)) != 0) {
		mem_put(c, mac, until, res);
		disk_put(c, mac, until, res);
	}
	explicit_bzero(mac, sizeof(mac));
}
