/* SPDX-License-Identifier: BSD-3-Clause */
/* keys.c - JWT key sources: file, jwks_uri, discovery; shared disk cache. */
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

#include "config.h"
#include "digest.h"
#include "http.h"
#include "keys.h"
#include "util.h"

#define FILE_RECHECK         5   /* seconds between mtime checks of jwks_file */
#define DEFAULT_TTL          300 /* seconds, when the server sends no max-age */
#define FAILED_FETCH_BACKOFF 5   /* seconds between failed fetch attempts */
#define CACHE_FILE_MAX       (ATOK_JWKS_MAX + 8192)

struct atok_keysource {
	struct atok_jwks *set;
	/* jwks_file */
	char *file;
	struct timespec file_mtime;
	int64_t file_checked;
	/* remote */
	char *issuer;   /* for discovery */
	char *jwks_uri; /* configured, or found by discovery */
	int discovery;
	char cache_path[PATH_MAX];
	struct atok_http_opts http;
	char *ca_file;
	int64_t min_ttl, max_ttl, stale_if_error, refetch_interval;
	int64_t fetched, fresh_until, last_attempt;
};

static int load_file(struct atok_keysource *ks, struct atok_error *err)
{
	struct atok_jwks *set = NULL;
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd = -1, r;

	if ((r = atok_check_path_safe(ks->file, "JWKS file", err)) != 0)
		return r == ATOK_ERR_NOT_FOUND ? ATOK_ERR_CONFIG : r;
	if ((fd = open(ks->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(fd, &st) != 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "JWKS file %s: %s",
		                   ks->file, strerror(errno));
		goto out;
	}
	if (st.st_size > ATOK_JWKS_MAX) {
		r = atok_error_set(err, ATOK_ERR_TOO_LONG,
		                   "JWKS file %s is over %d bytes", ks->file,
		                   ATOK_JWKS_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((n = read(fd, buf, (size_t)st.st_size + 1)) != st.st_size) {
		r = atok_error_set(err, ATOK_ERR_IO, "JWKS file %s: short read",
		                   ks->file);
		goto out;
	}
	if ((r = atok_jwks_parse(buf, (size_t)n, &set, err)) != 0) {
		char m[ATOK_ERROR_MSG_MAX];
		snprintf(m, sizeof(m), "%s", err ? err->msg : "");
		r = atok_error_set(err, ATOK_ERR_CONFIG, "JWKS file %s: %.300s",
		                   ks->file, m);
		goto out;
	}
	atok_jwks_free(&ks->set);
	ks->set = set;
	ks->file_mtime = st.st_mtim;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* The cache file name: a hash of what the keys are fetched for. */
static int cache_path_for(struct atok_keysource *ks, const char *dir,
                          struct atok_error *err)
{
	const char *what = ks->discovery ? ks->issuer : ks->jwks_uri;
	unsigned char md[32];
	char hex[65];
	int r;

	if ((r = atok_private_dir(dir, err)) == ATOK_ERR_NOT_FOUND)
		return 0; /* no disk cache, memory only */
	if (r != 0)
		return r;
	if (atok_sha256(what, strlen(what), md) != 0)
		return atok_error_set(err, ATOK_ERR_CRYPTO, "sha256 failed");
	atok_hex(md, 8, hex);
	if ((size_t)snprintf(ks->cache_path, sizeof(ks->cache_path),
	                     "%s/jwks-%s.json", dir,
	                     hex) >= sizeof(ks->cache_path))
		ks->cache_path[0] = '\0';
	return 0;
}

int atok_keysource_new(const struct atok_config *cfg,
                       struct atok_keysource **out, struct atok_error *err)
{
	struct atok_keysource *ks;
	const char *file = atok_config_str(cfg, ATOK_CFG_JWT_JWKS_FILE);
	const char *uri = atok_config_str(cfg, ATOK_CFG_JWT_JWKS_URI);
	int discovery = atok_config_bool(cfg, ATOK_CFG_JWT_DISCOVERY);
	int r, sources = (file != NULL) + (uri != NULL) + discovery;

	*out = NULL;
	if (sources != 1)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[jwt] needs exactly one of jwks_file, "
		                      "jwks_uri or discovery = yes (has %d)",
		                      sources);
	atok_jansson_init();
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	if (file != NULL) {
		if ((r = atok_strdup(&ks->file, file, err)) != 0 ||
		    (r = load_file(ks, err)) != 0)
			goto fail;
		*out = ks;
		return 0;
	}
	ks->discovery = discovery;
	if ((r = atok_strdup(&ks->issuer,
	                     atok_config_str(cfg, ATOK_CFG_JWT_ISSUER), err)) !=
	        0 ||
	    (r = atok_strdup(&ks->jwks_uri, uri, err)) != 0 ||
	    (r = atok_strdup(&ks->ca_file,
	                     atok_config_str(cfg, ATOK_CFG_JWT_CA_FILE),
	                     err)) != 0)
		goto fail;
	ks->http.timeout_ms =
	    atok_config_int(cfg, ATOK_CFG_JWT_HTTP_TIMEOUT) * 1000;
	ks->http.ca_file = ks->ca_file;
	ks->http.allow_http_loopback =
	    atok_config_bool(cfg, ATOK_CFG_JWT_ALLOW_HTTP_LOOPBACK);
	ks->http.body_max = ATOK_JWKS_MAX;
	ks->min_ttl = atok_config_int(cfg, ATOK_CFG_JWT_JWKS_MIN_TTL);
	ks->max_ttl = atok_config_int(cfg, ATOK_CFG_JWT_JWKS_MAX_TTL);
	ks->stale_if_error = atok_config_int(cfg, ATOK_CFG_JWT_STALE_IF_ERROR);
	ks->refetch_interval =
	    atok_config_int(cfg, ATOK_CFG_JWT_REFETCH_INTERVAL);
	if (ks->issuer == NULL || (uri != NULL && ks->jwks_uri == NULL)) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (ks->min_ttl > ks->max_ttl) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[jwt] jwks_min_ttl is above jwks_max_ttl");
		goto fail;
	}
	if ((r = atok_http_url_allowed(discovery ? ks->issuer : ks->jwks_uri,
	                               ks->http.allow_http_loopback, err)) != 0)
		goto fail;
	if ((r = cache_path_for(ks, atok_config_str(cfg, ATOK_CFG_CACHE_DIR),
	                        err)) != 0)
		goto fail;
	*out = ks;
	return 0;
fail:
	atok_keysource_free(&ks);
	return r;
}

void atok_keysource_free(struct atok_keysource **ksp)
{
	struct atok_keysource *ks;

	if (ksp == NULL || (ks = *ksp) == NULL)
		return;
	atok_jwks_free(&ks->set);
	free(ks->file);
	free(ks->issuer);
	free(ks->jwks_uri);
	free(ks->ca_file);
	free(ks);
	*ksp = NULL;
}

/* Reads the shared cache; adopts it when newer than what we hold. */
static void load_disk(struct atok_keysource *ks)
{
	struct atok_jwks *set = NULL;
	struct atok_error err;
	json_t *root = NULL, *jwks;
	json_error_t jerr;
	char *text = NULL;
	json_int_t fetched, fresh;
	const char *uri;

	if (ks->cache_path[0] == '\0' ||
	    atok_check_path_safe(ks->cache_path, "JWKS cache", &err) != 0)
		return;
	root = json_load_file(ks->cache_path, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root))
		goto out;
	fetched = json_integer_value(json_object_get(root, "fetched"));
	fresh = json_integer_value(json_object_get(root, "fresh_until"));
	uri = json_string_value(json_object_get(root, "jwks_uri"));
	jwks = json_object_get(root, "jwks");
	if (fetched <= ks->fetched || uri == NULL || !json_is_object(jwks))
		goto out;
	if ((text = json_dumps(jwks, JSON_COMPACT)) == NULL ||
	    atok_jwks_parse(text, strlen(text), &set, &err) != 0)
		goto out;
	if (ks->discovery) {
		char *u = strdup(uri);
		if (u == NULL)
			goto out;
		free(ks->jwks_uri);
		ks->jwks_uri = u;
	}
	atok_jwks_free(&ks->set);
	ks->set = set;
	set = NULL;
	ks->fetched = fetched;
	ks->fresh_until = fresh;
out:
	atok_jwks_free(&set);
	free(text);
	json_decref(root);
}

/* Writes the cache atomically (atok_write_private_file); best effort. */
static void save_disk(struct atok_keysource *ks, json_t *jwks)
{
	json_t *root;
	char *text = NULL;

	if (ks->cache_path[0] == '\0')
		return;
	root = json_pack("{s:i, s:s, s:I, s:I, s:s, s:O}", "v", 1, "for",
	                 ks->discovery ? ks->issuer : ks->jwks_uri, "fetched",
	                 (json_int_t)ks->fetched, "fresh_until",
	                 (json_int_t)ks->fresh_until, "jwks_uri", ks->jwks_uri,
	                 "jwks", jwks);
	if (root != NULL && (text = json_dumps(root, JSON_COMPACT)) != NULL)
		(void)atok_write_private_file(ks->cache_path, text,
		                              strlen(text), NULL, NULL);
	free(text);
	json_decref(root);
}

/* GETs url and parses a JSON object from a 200 response. */
static json_t *get_json(struct atok_keysource *ks, const char *url,
                        long *max_age, long *status, struct atok_error *err)
{
	struct atok_http_response resp;
	json_error_t jerr;
	json_t *o = NULL;

	*status = 0;
	if (atok_http_get(url, &ks->http, &resp, err) != 0)
		return NULL;
	*status = resp.status;
	if (resp.status != 200) {
		atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		               "GET %.100s: HTTP status %ld", url, resp.status);
		goto out;
	}
	if (strstr(resp.content_type, "json") == NULL) {
		atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		               "GET %.100s: content type \"%.40s\" is not "
		               "JSON",
		               url, resp.content_type);
		goto out;
	}
	o = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		               "GET %.100s: not a JSON object", url);
		json_decref(o);
		o = NULL;
		goto out;
	}
	if (max_age != NULL)
		*max_age = resp.max_age;
out:
	atok_http_response_clear(&resp);
	return o;
}

/* OIDC discovery, then RFC 8414: finds jwks_uri for the issuer. */
static int discover(struct atok_keysource *ks, struct atok_error *err)
{
	char url[ATOK_HTTP_URL_MAX + 64];
	const char *iss = ks->issuer, *path, *uri;
	size_t n = strlen(iss);
	json_t *meta;
	long status = 0;
	char *u;
	int r;

	while (n > 0 && iss[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	         (int)n, iss);
	meta = get_json(ks, url, NULL, &status, err);
	if (meta == NULL && status == 404) {
		/* RFC 8414 3: the well-known part goes before the path. */
		path = strchr(strstr(iss, "://") + 3, '/');
		if (path == NULL)
			path = iss + n;
		snprintf(url, sizeof(url),
		         "%.*s/.well-known/oauth-authorization-server%.*s",
		         (int)(path - iss), iss, (int)(iss + n - path), path);
		meta = get_json(ks, url, NULL, &status, err);
	}
	if (meta == NULL)
		return ATOK_ERR_UNAVAILABLE;
	if (!json_is_string(json_object_get(meta, "issuer")) ||
	    strcmp(json_string_value(json_object_get(meta, "issuer")), iss) !=
	        0) {
		r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                   "discovery at %.100s names another issuer",
		                   url);
		goto out;
	}
	uri = json_string_value(json_object_get(meta, "jwks_uri"));
	if (uri == NULL || atok_http_url_allowed(
	                       uri, ks->http.allow_http_loopback, err) != 0) {
		r = atok_error_set(
		    err, ATOK_ERR_UNAVAILABLE,
		    "discovery at %.100s: no acceptable jwks_uri", url);
		goto out;
	}
	if ((r = atok_strdup(&u, uri, err)) != 0)
		goto out;
	free(ks->jwks_uri);
	ks->jwks_uri = u;
	r = 0;
out:
	json_decref(meta);
	return r;
}

static int fetch(struct atok_keysource *ks, int64_t now, struct atok_error *err)
{
	struct atok_jwks *set = NULL;
	json_t *jwks = NULL;
	char *text = NULL;
	long max_age = -1, status = 0;
	int64_t ttl;
	int r;

	ks->last_attempt = now;
	if (ks->discovery && discover(ks, err) != 0)
		return ATOK_ERR_UNAVAILABLE;
	if ((jwks = get_json(ks, ks->jwks_uri, &max_age, &status, err)) == NULL)
		return ATOK_ERR_UNAVAILABLE;
	if ((text = json_dumps(jwks, JSON_COMPACT)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (atok_jwks_parse(text, strlen(text), &set, err) != 0) {
		r = ATOK_ERR_UNAVAILABLE;
		goto out;
	}
	ttl = max_age < 0 ? DEFAULT_TTL : max_age;
	if (ttl < ks->min_ttl)
		ttl = ks->min_ttl;
	if (ttl > ks->max_ttl)
		ttl = ks->max_ttl;
	atok_jwks_free(&ks->set);
	ks->set = set;
	set = NULL;
	ks->fetched = now;
	ks->fresh_until = now + ttl;
	save_disk(ks, jwks);
	r = 0;
out:
	atok_jwks_free(&set);
	free(text);
	json_decref(jwks);
	return r;
}

/* Makes sure fresh keys are held, or stale ones within stale_if_error. */
static int ensure_remote(struct atok_keysource *ks, int64_t now,
                         struct atok_error *err)
{
	if (ks->set != NULL && now < ks->fresh_until)
		return 0;
	load_disk(ks);
	if (ks->set != NULL && now < ks->fresh_until)
		return 0;
	if (now - ks->last_attempt >= FAILED_FETCH_BACKOFF || ks->set == NULL) {
		if (fetch(ks, now, err) == 0)
			return 0;
	} else {
		atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		               "keys are stale and the last fetch failed "
		               "moments ago");
	}
	if (ks->set != NULL && now < ks->fresh_until + ks->stale_if_error)
		return 0; /* the identity provider is down: stale keys */
	return ATOK_ERR_UNAVAILABLE;
}

int atok_keysource_select(struct atok_keysource *ks, const char *kid,
                          enum atok_jws_alg alg, int64_t now,
                          const struct atok_jwk **key,
                          struct atok_key_miss *miss, struct atok_error *err)
{
	struct timespec none = {0, 0};
	struct stat st;

	*key = NULL;
	miss->code = ATOK_ERR_INVALID;
	miss->why = NULL;
	if (ks == NULL) {
		miss->why = "no key source configured";
		return 0;
	}
	if (ks->file != NULL) {
		if (now - ks->file_checked >= FILE_RECHECK) {
			ks->file_checked = now;
			if (stat(ks->file, &st) == 0 &&
			    (st.st_mtim.tv_sec != ks->file_mtime.tv_sec ||
			     st.st_mtim.tv_nsec != ks->file_mtime.tv_nsec))
				(void)load_file(ks,
				                err); /* keep old on error */
		}
		(void)none;
		*key = atok_jwks_select(ks->set, kid, alg, miss);
		return 0;
	}
	if (ensure_remote(ks, now, err) != 0) {
		if (err != NULL && err->msg[0] == '\0')
			atok_error_set(err, ATOK_ERR_UNAVAILABLE,
			               "no JWT keys available");
		return ATOK_ERR_UNAVAILABLE;
	}
	*key = atok_jwks_select(ks->set, kid, alg, miss);
	if (*key == NULL && kid != NULL &&
	    now - ks->fetched >= ks->refetch_interval) {
		/* An unknown kid: perhaps the keys rotated.  Another process
		 * may have fetched already; else fetch, at most once per
		 * interval. */
		load_disk(ks);
		*key = atok_jwks_select(ks->set, kid, alg, miss);
		if (*key == NULL && now - ks->fetched >= ks->refetch_interval) {
			/* Whether the key exists is the identity provider's
			 * to say: when it cannot be asked, the token is
			 * UNAVAILABLE, not forged.  A fetch that failed
			 * moments ago is not retried for every such token:
			 * an outage must not make each login wait out a
			 * connect timeout. */
			if (ks->last_attempt > ks->fetched &&
			    now - ks->last_attempt < FAILED_FETCH_BACKOFF)
				return atok_error_set(
				    err, ATOK_ERR_UNAVAILABLE,
				    "the token's kid is not in the cached JWKS "
				    "and the last fetch failed moments ago");
			if (fetch(ks, now, err) != 0)
				return ATOK_ERR_UNAVAILABLE;
			*key = atok_jwks_select(ks->set, kid, alg, miss);
		}
	}
	return 0;
}
