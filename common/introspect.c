/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * introspect.c - RFC 7662 token introspection and its result cache.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "clientauth.h"
#include "config.h"
#include "http.h"
#include "json.h"
#include "jws.h"
#include "introspect.h"
#include "scope.h"
#include "util.h"
#include "result.h"

struct atok_introspect {
	char *endpoint, *client_id, *username_field, *issuer, *audience;
	char *ca_file, *ca_dir, *client_cert, *client_key;
	struct atok_client_auth *auth; /* holds the secret or key */
	struct atok_http_opts http;
	int64_t cache_ttl, negative_ttl;
	char cache_dir[PATH_MAX];
	unsigned char cache_key[32];
	int have_disk;
	struct atok_hmac_key *hkey;  /* cache_key, prepared once */
	struct atok_http_conn *conn; /* kept in long-lived processes */
	struct mem_entry *mem;       /* allocated on first use */
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
static int load_cache_key(struct atok_introspect *in, struct atok_error *err)
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
	                     in->cache_dir) >= sizeof(path))
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
	n = read(fd, in->cache_key, sizeof(in->cache_key));
	close(fd);
	in->have_disk = n == (ssize_t)sizeof(in->cache_key);
	return 0;
}

int atok_introspect_new(const struct atok_config *cfg,
                        struct atok_introspect **out, struct atok_error *err)
{
	struct atok_introspect *in;
	const char *method =
	    atok_config_str(cfg, ATOK_CFG_INTROSPECTION_AUTH_METHOD);
	const char *secret =
	    atok_config_str(cfg, ATOK_CFG_INTROSPECTION_CLIENT_SECRET_FILE);
	const char *pkey =
	    atok_config_str(cfg, ATOK_CFG_INTROSPECTION_PRIVATE_KEY_FILE);
	const char *dir = atok_config_str(cfg, ATOK_CFG_CACHE_DIR);
	int r;

	*out = NULL;
	atok_jansson_init();
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	if ((r = atok_strdup(
	         &in->endpoint,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_ENDPOINT), err)) !=
	        0 ||
	    (r = atok_strdup(
	         &in->client_id,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_CLIENT_ID),
	         err)) != 0 ||
	    (r = atok_strdup(
	         &in->username_field,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_USERNAME_FIELD),
	         err)) != 0 ||
	    (r = atok_strdup(
	         &in->issuer,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_ISSUER), err)) !=
	        0 ||
	    (r = atok_strdup(
	         &in->audience,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_AUDIENCE), err)) !=
	        0 ||
	    (r = atok_strdup(
	         &in->ca_file,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_CA_FILE), err)) !=
	        0 ||
	    (r = atok_strdup(
	         &in->ca_dir,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_CA_DIR), err)) !=
	        0 ||
	    (r = atok_strdup(
	         &in->client_cert,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_CLIENT_CERT),
	         err)) != 0 ||
	    (r = atok_strdup(
	         &in->client_key,
	         atok_config_str(cfg, ATOK_CFG_INTROSPECTION_CLIENT_KEY),
	         err)) != 0)
		goto fail;
	if (in->endpoint == NULL || in->client_id == NULL) {
		r = atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "[introspection] needs endpoint and client_id");
		goto fail;
	}
	/* client_id and endpoint go verbatim into the private_key_jwt
	 * assertion (JSON) and the log: no quotes or backslashes. */
	if (strpbrk(in->client_id, "\"\\") != NULL ||
	    strpbrk(in->endpoint, "\"\\") != NULL) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[introspection] client_id and endpoint may "
		                   "not hold '\"' or '\\'");
		goto fail;
	}
	/* libcurl reads the TLS client key itself: check it like our own
	 * secrets first. */
	if (in->client_key != NULL) {
		struct stat ks;
		if ((r = atok_check_path_safe(in->client_key, "TLS client key",
		                              err)) != 0) {
			if (r == ATOK_ERR_NOT_FOUND)
				r = ATOK_ERR_CONFIG;
			goto fail;
		}
		if (stat(in->client_key, &ks) == 0 && (ks.st_mode & S_IROTH)) {
			r = atok_error_set(
			    err, ATOK_ERR_PERM,
			    "TLS client key %s is world-readable",
			    in->client_key);
			goto fail;
		}
	}
	in->http.allow_http_loopback =
	    atok_config_bool(cfg, ATOK_CFG_INTROSPECTION_ALLOW_HTTP_LOOPBACK);
	if ((r = atok_http_url_allowed(in->endpoint,
	                               in->http.allow_http_loopback, err)) != 0)
		goto fail;
	in->http.timeout_ms =
	    atok_config_int(cfg, ATOK_CFG_INTROSPECTION_TIMEOUT) * 1000;
	in->http.ca_file = in->ca_file;
	in->http.ca_dir = in->ca_dir;
	in->http.client_cert = in->client_cert;
	in->http.client_key = in->client_key;
	in->http.body_max = ATOK_INTROSPECTION_BODY_MAX;
	in->cache_ttl = atok_config_int(cfg, ATOK_CFG_INTROSPECTION_CACHE_TTL);
	in->negative_ttl =
	    atok_config_int(cfg, ATOK_CFG_INTROSPECTION_NEGATIVE_CACHE_TTL);

	if ((r = atok_client_auth_new("introspection", method, in->client_id,
	                              secret, pkey, &in->auth, err)) != 0)
		goto fail;
	/* A key for the in-memory cache even without a usable cache dir. */
	if (RAND_bytes(in->cache_key, sizeof(in->cache_key)) != 1) {
		r = atok_error_set(err, ATOK_ERR_CRYPTO, "RAND_bytes failed");
		goto fail;
	}
	if (dir != NULL && atok_strlcpy(in->cache_dir, dir, strlen(dir),
	                                sizeof(in->cache_dir)) == 0) {
		r = atok_private_dir(dir, err);
		if (r == ATOK_ERR_PERM)
			goto fail;
		if (r == 0 && (r = load_cache_key(in, err)) != 0)
			goto fail;
	}
	if ((in->cache_ttl > 0 || in->negative_ttl > 0) &&
	    (r = atok_hmac_key_new(in->cache_key, sizeof(in->cache_key),
	                           &in->hkey, err)) != 0)
		goto fail;
	*out = in;
	return 0;
fail:
	atok_introspect_free(&in);
	return r;
}

void atok_introspect_free(struct atok_introspect **ip)
{
	struct atok_introspect *in;

	if (ip == NULL || (in = *ip) == NULL)
		return;
	free(in->endpoint);
	free(in->client_id);
	free(in->username_field);
	free(in->issuer);
	free(in->audience);
	free(in->ca_file);
	free(in->ca_dir);
	free(in->client_cert);
	free(in->client_key);
	atok_client_auth_free(&in->auth);
	atok_http_conn_free(&in->conn);
	atok_hmac_key_free(&in->hkey);
	if (in->mem != NULL)
		atok_freezero(in->mem, MEM_SLOTS * sizeof(*in->mem));
	explicit_bzero(in->cache_key, sizeof(in->cache_key));
	free(in);
	*ip = NULL;
}

/* Builds the form body and headers, POSTs, and wipes what held secrets. */
static int post(struct atok_introspect *in, const char *tok, size_t len,
                int64_t now, struct atok_http_response *resp,
                struct atok_error *err)
{
	struct atok_form form = {0};
	const char *headers[2] = {NULL, NULL};
	int r;

	atok_form_add(&form, "token", tok, len);
	atok_form_add(&form, "token_type_hint", "access_token", 12);
	if ((r = atok_client_auth_apply(in->auth, in->endpoint, now, &form,
	                                &headers[0], err)) != 0)
		goto out;
	if (form.failed) {
		r = atok_error_set(err, ATOK_ERR_NOMEM,
		                   "out of memory or request too long");
		goto out;
	}
	r = atok_http_post_form(in->endpoint, &in->http, &in->conn, headers,
	                        form.buf, form.len, resp, err);
out:
	atok_form_clear(&form);
	return r;
}

/* A NumericDate member, if present: 0 absent, 1 ok, -1 malformed. */
static int date_member(const struct atok_json_object *o, const char *name,
                       int64_t *out)
{
	const struct atok_json_member *v = atok_json_get(o, name);

	if (v == NULL)
		return 0;
	return atok_json_numeric_date(v, out) == 0 ? 1 : -1;
}

/* The rules of RFC 7662 section 2.2 and ours. */
static void judge(const struct atok_introspect *in,
                  const struct atok_json_object *o, int64_t now,
                  struct atok_result *res)
{
	const struct atok_json_member *active = atok_json_get(o, "active"), *v;
	char scope[ATOK_SCOPES_MAX + 1];
	int64_t exp = 0, t = 0;
	size_t n = 0;
	int has_exp, has_nbf;

	/* active must be the JSON value true: not "true", not 1. */
	if (active == NULL || (active->type != ATOK_JSON_TRUE &&
	                       active->type != ATOK_JSON_FALSE)) {
		atok_result_set(
		    res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		    "introspection response has no boolean \"active\"");
		return;
	}
	if (active->type != ATOK_JSON_TRUE) {
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_INACTIVE,
		    "the authorization server says the token is not "
		    "active (revoked, expired or unknown)");
		return;
	}
	if ((has_exp = date_member(o, "exp", &exp)) < 0 ||
	    (has_nbf = date_member(o, "nbf", &t)) < 0) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		                "introspection exp or nbf is not a number");
		return;
	}
	if (has_exp && now >= exp) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_EXPIRED,
		                "token expired (exp=%lld <= now=%lld)",
		                (long long)exp, (long long)now);
		return;
	}
	if (has_nbf && t > now) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_NOT_YET_VALID,
		                "token not valid before %lld", (long long)t);
		return;
	}
	if (in->issuer != NULL &&
	    !atok_json_string_eq(atok_json_get(o, "iss"), in->issuer)) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_ISSUER,
		                "introspection iss is not %.100s", in->issuer);
		return;
	}
	if (in->audience != NULL &&
	    !atok_json_holds_string(atok_json_get(o, "aud"), in->audience)) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_AUDIENCE,
		                "introspection aud does not hold %.100s",
		                in->audience);
		return;
	}
	v = atok_json_get(o, in->username_field);
	if (v == NULL ||
	    atok_json_string(v, res->user, sizeof(res->user), &n) != 0 ||
	    !atok_name_valid(res->user, n)) {
		res->user[0] = '\0';
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		    "introspection field \"%.40s\" (the user) is missing "
		    "or not a valid user name",
		    in->username_field);
		return;
	}
	v = atok_json_get(o, "scope");
	if (v != NULL &&
	    (atok_json_string(v, scope, sizeof(scope), NULL) != 0 ||
	     atok_scope_normalize(scope, res->scopes, sizeof(res->scopes)) !=
	         0)) {
		res->user[0] = res->scopes[0] = '\0';
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_CLAIMS,
		                "introspection scope is malformed");
		return;
	}
	res->expires = has_exp ? exp : 0;
	v = atok_json_get(o, "jti");
	if (v == NULL ||
	    atok_json_string(v, res->token_id, sizeof(res->token_id), &n) !=
	        0 ||
	    !atok_name_valid(res->token_id, n))
		res->token_id[0] = '\0';
	atok_result_set(res, ATOK_ACCEPT, ATOK_WHY_NONE, "token active");
}

void atok_introspect_parse_response(const struct atok_introspect *in,
                                    const char *body, size_t len, int64_t now,
                                    struct atok_result *res)
{
	struct atok_json_object *o = NULL;

	/* Read with the strict reader: an answer with duplicate members
	 * (two "active"s) or broken JSON is a broken server. */
	if ((o = malloc(sizeof(*o))) == NULL ||
	    atok_json_parse_object(body, len, o) != 0) {
		atok_result_set(
		    res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		    "introspection response is not a JSON object with "
		    "unique member names");
		goto out;
	}
	judge(in, o, now, res);
out:
	free(o);
}

/* --- the result cache ---------------------------------------------- */

static int keyed_hash(struct atok_introspect *in, const char *tok, size_t len,
                      unsigned char mac[32])
{
	/* No cache configured (both TTLs 0): no key, nothing to look up. */
	return in->hkey != NULL &&
	       atok_hmac_key_sha256(in->hkey, tok, len, mac) == 0;
}

static struct mem_entry *mem_slot(struct atok_introspect *in,
                                  const unsigned char mac[32])
{
	return &in->mem[(mac[0] | (unsigned)mac[1] << 8) % MEM_SLOTS];
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

static int mem_get(struct atok_introspect *in, const unsigned char mac[32],
                   int64_t now, struct atok_result *res)
{
	struct mem_entry *e;

	if (in->mem == NULL)
		return 0;
	e = mem_slot(in, mac);
	if (e->until == 0 || now >= e->until || CRYPTO_memcmp(e->mac, mac, 32))
		return 0;
	answer(res, e->active, e->user, e->scopes, e->token_id, e->expires);
	return 1;
}

static void mem_put(struct atok_introspect *in, const unsigned char mac[32],
                    int64_t until, const struct atok_result *res)
{
	struct mem_entry *e;

	if (in->mem == NULL &&
	    (in->mem = calloc(MEM_SLOTS, sizeof(*in->mem))) == NULL)
		return;
	e = mem_slot(in, mac);
	memcpy(e->mac, mac, 32);
	e->until = until;
	e->active = res->verdict == ATOK_ACCEPT;
	e->expires = res->expires;
	memcpy(e->user, res->user, sizeof(e->user));
	memcpy(e->scopes, res->scopes, sizeof(e->scopes));
	memcpy(e->token_id, res->token_id, sizeof(e->token_id));
}

static int disk_path(struct atok_introspect *in, const unsigned char mac[32],
                     char *path, size_t pathsz, char hex[65])
{
	if (!in->have_disk)
		return 0;
	atok_hex(mac, 32, hex);
	return (size_t)snprintf(path, pathsz, "%s/introspect-%.32s.json",
	                        in->cache_dir, hex) < pathsz;
}

int atok_introspect_parse_cache_entry(const char *text, size_t len,
                                      const char *hex, int64_t now,
                                      struct atok_result *res, int64_t *until)
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

static int disk_get(struct atok_introspect *in, const unsigned char mac[32],
                    int64_t now, struct atok_result *res, int64_t *until)
{
	char path[PATH_MAX + 64], hex[65], *text = NULL;
	struct atok_error err;
	size_t len;
	int hit;

	if (!disk_path(in, mac, path, sizeof(path), hex) ||
	    atok_read_private_file(path, "introspection cache",
	                           ATOK_INTROSPECTION_CACHE_ENTRY_MAX, &text,
	                           &len, &err) != 0)
		return 0;
	hit =
	    atok_introspect_parse_cache_entry(text, len, hex, now, res, until);
	atok_freezero(text, ATOK_INTROSPECTION_CACHE_ENTRY_MAX + 1);
	return hit;
}

/* Writes an entry atomically (atok_write_private_file); best effort. */
static void disk_put(struct atok_introspect *in, const unsigned char mac[32],
                     int64_t until, const struct atok_result *res)
{
	char path[PATH_MAX + 64], hex[65], *text = NULL;
	json_t *o = NULL;

	if (!disk_path(in, mac, path, sizeof(path), hex))
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
static int64_t cache_until(struct atok_introspect *in, int64_t now,
                           const struct atok_result *res)
{
	int64_t until;

	if (res->verdict == ATOK_ACCEPT) {
		until = now + in->cache_ttl;
		if (res->expires != 0 && res->expires < until)
			until = res->expires;
	} else if (res->why == ATOK_WHY_INACTIVE) {
		until = now + in->negative_ttl;
	} else {
		return 0;
	}
	return until > now ? until : 0;
}

void atok_introspect_verify(struct atok_introspect *in, const char *tok,
                            size_t len, int64_t now, struct atok_result *res)
{
	struct atok_http_response resp = {0};
	struct atok_error err = {0};
	unsigned char mac[32];
	int64_t until = 0;
	int have_mac;

	res->source = ATOK_SRC_INTROSPECTION;
	have_mac = keyed_hash(in, tok, len, mac);
	if (have_mac && mem_get(in, mac, now, res))
		goto wipe;
	if (have_mac && disk_get(in, mac, now, res, &until)) {
		mem_put(in, mac, until, res);
		goto wipe;
	}
	if (post(in, tok, len, now, &resp, &err) != 0) {
		atok_result_set(res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		                "%.200s", err.msg);
		goto wipe;
	}
	if (resp.status == 401 || resp.status == 403) {
		atok_result_set(
		    res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		    "the introspection endpoint refused our own client "
		    "credentials (HTTP %ld): check [introspection] "
		    "client_id \"%.40s\" and client_secret_file",
		    resp.status, in->client_id);
		goto out;
	}
	if (resp.status >= 300 && resp.status < 400) {
		atok_result_set(
		    res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		    "the introspection endpoint redirected (HTTP %ld); "
		    "redirects are not followed",
		    resp.status);
		goto out;
	}
	if (resp.status != 200) {
		atok_result_set(res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		                "the introspection endpoint answered HTTP %ld",
		                resp.status);
		goto out;
	}
	if (strncmp(resp.content_type, "application/json", 16) != 0) {
		atok_result_set(res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		                "introspection response is \"%.40s\", not "
		                "application/json",
		                resp.content_type);
		goto out;
	}
	atok_introspect_parse_response(in, resp.body, resp.len, now, res);
	if (have_mac && (until = cache_until(in, now, res)) != 0) {
		mem_put(in, mac, until, res);
		disk_put(in, mac, until, res);
	}
out:
	atok_http_response_clear(&resp);
wipe:
	explicit_bzero(mac, sizeof(mac));
}
