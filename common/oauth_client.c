/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oauth_client.c - the token-endpoint client (see oauth_client.h).
 *
 * Responses are read with jansson (duplicate members refused): they are
 * off any login's hot path.  Every value we keep is checked for type,
 * length and characters before it is copied; anything else in an answer
 * is ignored.  A 200 that breaks the rules is a broken server: TEMPORARY,
 * never a token.
 */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "clientauth.h"
#include "digest.h"
#include "oauth_client.h"
#include "util.h"

#define CA_BUNDLE_MAX (4 * 1024 * 1024) /* bytes of a CA bundle file */

struct atok_oauth_client {
	char section[64];
	char issuer[ATOK_HTTP_URL_MAX + 1];
	char token[ATOK_HTTP_URL_MAX + 1], device[ATOK_HTTP_URL_MAX + 1];
	char revocation[ATOK_HTTP_URL_MAX + 1];
	char authorization[ATOK_HTTP_URL_MAX + 1];
	int discovered;
	struct atok_client_auth *auth;
	char *ca_blob;
	struct atok_http_opts http;
	struct atok_http_conn *conn;
};

static void reply_set(struct atok_oauth_reply *rep,
                      enum atok_oauth_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_set(struct atok_oauth_reply *rep,
                      enum atok_oauth_outcome outcome, const char *fmt, ...)
{
	va_list ap;

	rep->outcome = outcome;
	va_start(ap, fmt);
	(void)vsnprintf(rep->detail, sizeof(rep->detail), fmt, ap);
	va_end(ap);
}

static void reply_init(struct atok_oauth_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->retry_after = -1;
}

void atok_oauth_tokens_clear(struct atok_oauth_tokens *t)
{
	if (t == NULL)
		return;
	if (t->access_token != NULL)
		atok_freezero(t->access_token, t->access_len + 1);
	if (t->refresh_token != NULL)
		atok_freezero(t->refresh_token, t->refresh_len + 1);
	memset(t, 0, sizeof(*t));
}

/* A string member of at most max visible bytes: 1 and *s, *n; 0 when
 * absent; -1 when present but wrong. */
static int str_member(json_t *o, const char *name, size_t max, int spaces,
                      const char **s, size_t *n)
{
	json_t *v = json_object_get(o, name);
	size_t i;

	*s = NULL;
	*n = 0;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return -1;
	*s = json_string_value(v);
	*n = json_string_length(v);
	if (spaces) {
		if (*n > max)
			return -1;
		for (i = 0; i < *n; i++)
			if ((unsigned char)(*s)[i] < 0x20 ||
			    (unsigned char)(*s)[i] > 0x7e)
				return -1;
		return 1;
	}
	return atok_visible_ascii(*s, *n, max) ? 1 : -1;
}

/* A positive integer member within [1, max], also as a string of digits
 * (older Microsoft endpoints): 1, 0 absent, -1 wrong. */
static int int_member(json_t *o, const char *name, long long max,
                      long long *out)
{
	json_t *v = json_object_get(o, name);
	const char *s;
	long long n = 0;

	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s == '\0' || strlen(s) > 12)
			return -1;
		for (; *s != '\0'; s++) {
			if (*s < '0' || *s > '9')
				return -1;
			n = n * 10 + (*s - '0');
		}
	} else {
		return -1;
	}
	if (n < 1 || n > max)
		return -1;
	*out = n;
	return 1;
}

static json_t *load_object(const char *body, size_t len)
{
	json_error_t jerr;
	json_t *o;

	if (body == NULL || len > ATOK_OAUTH_RESPONSE_MAX)
		return NULL;
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* RFC 6749 5.2: an error answer's "error", checked (%x20-21 / %x23-5B /
 * %x5D-7E), into rep->error; the outcome it means. */
static enum atok_oauth_outcome error_outcome(json_t *o,
                                             struct atok_oauth_reply *rep)
{
	static const struct {
		const char *code;
		enum atok_oauth_outcome outcome;
	} codes[] = {
	    {"invalid_grant", ATOK_OAUTH_REAUTH},
	    {"authorization_pending", ATOK_OAUTH_PENDING},
	    {"slow_down", ATOK_OAUTH_SLOW_DOWN},
	    {"access_denied", ATOK_OAUTH_DENIED},
	    {"expired_token", ATOK_OAUTH_DENIED},
	    {"temporarily_unavailable", ATOK_OAUTH_TEMPORARY},
	    {"server_error", ATOK_OAUTH_TEMPORARY},
	};
	const char *e = NULL;
	size_t n = 0, i;

	if (o == NULL ||
	    str_member(o, "error", ATOK_OAUTH_ERROR_MAX, 1, &e, &n) != 1 ||
	    n == 0 || strpbrk(e, "\"\\") != NULL)
		return ATOK_OAUTH_TEMPORARY;
	memcpy(rep->error, e, n);
	rep->error[n] = '\0';
	for (i = 0; i < ATOK_ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, rep->error) == 0)
			return codes[i].outcome;
	return ATOK_OAUTH_CLIENT;
}

/* A non-200 answer: rep filled, ATOK_ERR_UNAVAILABLE. */
static int http_failure(long status, json_t *o, long retry_after,
                        struct atok_oauth_reply *rep)
{
	rep->http_status = status;
	rep->retry_after = retry_after;
	if (status == 429 || status >= 500) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "the authorization server answered HTTP %ld%s",
		          status, status == 429 ? " (too many requests)" : "");
		(void)error_outcome(o, rep);
		return ATOK_ERR_UNAVAILABLE;
	}
	if (status == 400 || status == 401) {
		rep->outcome = error_outcome(o, rep);
		if (rep->error[0] == '\0') {
			reply_set(rep,
			          status == 401 ? ATOK_OAUTH_CLIENT
			                        : ATOK_OAUTH_TEMPORARY,
			          "the authorization server answered HTTP %ld "
			          "without an OAuth error code",
			          status);
			return ATOK_ERR_UNAVAILABLE;
		}
		reply_set(rep, rep->outcome,
		          "the authorization server answered HTTP %ld, "
		          "error \"%s\"",
		          status, rep->error);
		return ATOK_ERR_UNAVAILABLE;
	}
	reply_set(rep, ATOK_OAUTH_CLIENT,
	          "the authorization server answered HTTP %ld%s", status,
	          status >= 300 && status < 400
	              ? " (a redirect: redirects are not followed)"
	              : "");
	return ATOK_ERR_UNAVAILABLE;
}

int atok_oauth_parse_token_response(long status, const char *body, size_t len,
                                    long retry_after, int64_t now,
                                    struct atok_oauth_tokens *t,
                                    struct atok_oauth_reply *rep)
{
	const char *at, *rt, *tt, *sc;
	size_t atl, rtl, ttl, scl;
	long long expires_in = ATOK_OAUTH_EXPIRES_DEFAULT;
	json_t *o;
	int r;

	reply_init(rep);
	memset(t, 0, sizeof(*t));
	o = load_object(body, len);
	if (status != 200) {
		r = http_failure(status, o, retry_after, rep);
		goto out;
	}
	rep->http_status = status;
	r = ATOK_ERR_UNAVAILABLE;
	if (o == NULL) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "token response is not a JSON object with unique "
		          "member names");
		goto out;
	}
	if (str_member(o, "access_token", ATOK_OAUTH_ACCESS_MAX, 0, &at,
	               &atl) != 1) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "token response has no valid access_token");
		goto out;
	}
	if (str_member(o, "token_type", 32, 0, &tt, &ttl) != 1 ||
	    strcasecmp(tt, "bearer") != 0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "token response's token_type is not Bearer");
		goto out;
	}
	if (int_member(o, "expires_in", ATOK_OAUTH_EXPIRES_MAX, &expires_in) <
	    0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "token response's expires_in is not a number of "
		          "seconds from 1 to %lld",
		          ATOK_OAUTH_EXPIRES_MAX);
		goto out;
	}
	if (str_member(o, "refresh_token", ATOK_OAUTH_REFRESH_MAX, 0, &rt,
	               &rtl) < 0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "token response's refresh_token is malformed");
		goto out;
	}
	if (str_member(o, "scope", ATOK_SCOPES_MAX, 1, &sc, &scl) < 0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "token response's scope is malformed");
		goto out;
	}
	if ((t->access_token = malloc(atl + 1)) == NULL ||
	    (rt != NULL && (t->refresh_token = malloc(rtl + 1)) == NULL)) {
		atok_oauth_tokens_clear(t);
		reply_set(rep, ATOK_OAUTH_TEMPORARY, "out of memory");
		r = ATOK_ERR_NOMEM;
		goto out;
	}
	memcpy(t->access_token, at, atl + 1);
	t->access_len = atl;
	if (rt != NULL) {
		memcpy(t->refresh_token, rt, rtl + 1);
		t->refresh_len = rtl;
	}
	if (sc != NULL)
		memcpy(t->scope, sc, scl + 1);
	t->expires_at = now + expires_in;
	reply_set(rep, ATOK_OAUTH_OK, "token issued, expires in %llds%s",
	          expires_in, rt != NULL ? ", with a refresh token" : "");
	r = 0;
out:
	if (o != NULL) {
		/* jansson's copies of the tokens: wipe before freeing. */
		json_t *v;
		if ((v = json_object_get(o, "access_token")) != NULL &&
		    json_is_string(v))
			explicit_bzero((char *)json_string_value(v),
			               json_string_length(v));
		if ((v = json_object_get(o, "refresh_token")) != NULL &&
		    json_is_string(v))
			explicit_bzero((char *)json_string_value(v),
			               json_string_length(v));
		json_decref(o);
	}
	return r;
}

static int copy_url(json_t *o, const char *name, char *out, int required,
                    struct atok_oauth_reply *rep)
{
	const char *s;
	size_t n;
	int e = str_member(o, name, ATOK_HTTP_URL_MAX, 0, &s, &n);

	if (e < 0 || (e == 0 && required)) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "\"%s\" is missing or malformed", name);
		return -1;
	}
	if (e == 1)
		memcpy(out, s, n + 1);
	return 0;
}

int atok_oauth_parse_device_response(long status, const char *body, size_t len,
                                     int64_t now, struct atok_oauth_device *dev,
                                     struct atok_oauth_reply *rep)
{
	const char *s;
	size_t n;
	long long expires_in = 0, interval = ATOK_OAUTH_INTERVAL_DEFAULT;
	json_t *o;
	int r = ATOK_ERR_UNAVAILABLE;

	reply_init(rep);
	memset(dev, 0, sizeof(*dev));
	o = load_object(body, len);
	if (status != 200) {
		r = http_failure(status, o, -1, rep);
		goto out;
	}
	rep->http_status = status;
	if (o == NULL) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "device authorization response is not a JSON "
		          "object with unique member names");
		goto out;
	}
	if (str_member(o, "device_code", ATOK_OAUTH_DEVICE_CODE_MAX, 0, &s,
	               &n) != 1) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "device authorization response has no valid "
		          "device_code");
		goto out;
	}
	memcpy(dev->device_code, s, n + 1);
	if (str_member(o, "user_code", ATOK_OAUTH_USER_CODE_MAX, 0, &s, &n) !=
	    1) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "device authorization response has no valid "
		          "user_code");
		goto out;
	}
	memcpy(dev->user_code, s, n + 1);
	/* Google says verification_url. */
	if (json_object_get(o, "verification_uri") == NULL &&
	    json_object_get(o, "verification_url") != NULL) {
		if (copy_url(o, "verification_url", dev->verification_uri, 1,
		             rep) != 0)
			goto out;
	} else if (copy_url(o, "verification_uri", dev->verification_uri, 1,
	                    rep) != 0) {
		goto out;
	}
	if (copy_url(o, "verification_uri_complete",
	             dev->verification_uri_complete, 0, rep) != 0)
		goto out;
	if (int_member(o, "expires_in", ATOK_OAUTH_EXPIRES_MAX, &expires_in) !=
	        1 ||
	    int_member(o, "interval", ATOK_OAUTH_INTERVAL_MAX, &interval) < 0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "device authorization response's expires_in or "
		          "interval is malformed");
		goto out;
	}
	dev->expires_at = now + expires_in;
	dev->interval = (long)interval;
	reply_set(rep, ATOK_OAUTH_OK, "device authorization started");
	r = 0;
out:
	if (r != 0)
		explicit_bzero(dev, sizeof(*dev));
	json_decref(o);
	return r;
}

int atok_oauth_parse_metadata(const char *body, size_t len, const char *issuer,
                              char *token, char *device, char *revocation,
                              char *authorization, struct atok_oauth_reply *rep)
{
	const char *s;
	size_t n;
	json_t *o;
	int r = ATOK_ERR_UNAVAILABLE;

	reply_init(rep);
	if ((o = load_object(body, len)) == NULL) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "metadata is not a JSON object with unique member "
		          "names");
		goto out;
	}
	/* RFC 8414 3.3: the issuer must be the one we asked. */
	if (str_member(o, "issuer", ATOK_HTTP_URL_MAX, 0, &s, &n) != 1 ||
	    issuer == NULL || strcmp(s, issuer) != 0) {
		reply_set(rep, ATOK_OAUTH_CLIENT,
		          "metadata \"issuer\" is not %.100s",
		          issuer ? issuer : "-");
		goto out;
	}
	if ((token[0] == '\0' &&
	     copy_url(o, "token_endpoint", token, 1, rep) != 0) ||
	    (device[0] == '\0' && copy_url(o, "device_authorization_endpoint",
	                                   device, 0, rep) != 0) ||
	    (revocation[0] == '\0' &&
	     copy_url(o, "revocation_endpoint", revocation, 0, rep) != 0) ||
	    (authorization[0] == '\0' &&
	     copy_url(o, "authorization_endpoint", authorization, 0, rep) != 0))
		goto out;
	reply_set(rep, ATOK_OAUTH_OK, "metadata read");
	r = 0;
out:
	json_decref(o);
	return r;
}

/* --- the client ------------------------------------------------------ */

static int set_url(char *dst, const char *src, const char *what,
                   const struct atok_oauth_client_conf *conf,
                   struct atok_error *err)
{
	int r;

	if (src == NULL)
		return 0;
	if ((r = atok_http_url_allowed(src, conf->allow_http_loopback, err)) !=
	    0)
		return r;
	if (strpbrk(src, "\"\\") != NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[%s] %s may not hold '\"' or '\\'",
		                      conf->section, what);
	snprintf(dst, ATOK_HTTP_URL_MAX + 1, "%s", src);
	return 0;
}

/* A CA bundle: public, so world-readable is fine, but it must be safe
 * (atok_check_path_safe) and a regular file of 1 to CA_BUNDLE_MAX bytes. */
static int read_ca(const char *path, char **out, size_t *len,
                   struct atok_error *err)
{
	struct stat st;
	size_t have = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	if (atok_check_path_safe(path, "CA file", err) != 0)
		return ATOK_ERR_CONFIG;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "cannot open CA file %s: %s", path,
		                      strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > CA_BUNDLE_MAX ||
	    (*out = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "CA file %s is not a regular file of 1 to "
		    "%d bytes",
		    path, CA_BUNDLE_MAX);
	}
	while (have < (size_t)st.st_size &&
	       (n = read(fd, *out + have, (size_t)st.st_size - have)) > 0)
		have += (size_t)n;
	close(fd);
	if (have != (size_t)st.st_size) {
		free(*out);
		*out = NULL;
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "cannot read CA file %s", path);
	}
	(*out)[have] = '\0';
	*len = have;
	return 0;
}

int atok_oauth_client_new(const struct atok_oauth_client_conf *conf,
                          struct atok_oauth_client **out,
                          struct atok_error *err)
{
	struct atok_oauth_client *c = NULL;
	size_t blob_len = 0;
	int r;

	*out = NULL;
	atok_jansson_init();
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	snprintf(c->section, sizeof(c->section), "%s", conf->section);
	if (conf->issuer == NULL && conf->token_endpoint == NULL) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[%s] needs issuer or token_endpoint",
		                   conf->section);
		goto fail;
	}
	if ((r = set_url(c->issuer, conf->issuer, "issuer", conf, err)) != 0 ||
	    (r = set_url(c->token, conf->token_endpoint, "token_endpoint", conf,
	                 err)) != 0 ||
	    (r = set_url(c->device, conf->device_endpoint, "device_endpoint",
	                 conf, err)) != 0 ||
	    (r = set_url(c->revocation, conf->revocation_endpoint,
	                 "revocation_endpoint", conf, err)) != 0 ||
	    (r = set_url(c->authorization, conf->authorization_endpoint,
	                 "authorization_endpoint", conf, err)) != 0)
		goto fail;
	c->discovered = conf->issuer == NULL;
	if ((r = atok_client_auth_new(conf->section, conf->auth_method,
	                              conf->client_id, conf->client_secret_file,
	                              conf->private_key_file, &c->auth, err)) !=
	    0)
		goto fail;
	/* In memory: nothing in a chroot needs the file. */
	if (conf->ca_file != NULL &&
	    (r = read_ca(conf->ca_file, &c->ca_blob, &blob_len, err)) != 0)
		goto fail;
	c->http.ca_blob = c->ca_blob;
	c->http.ca_blob_len = blob_len;
	c->http.timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 10000;
	c->http.allow_http_loopback = conf->allow_http_loopback;
	c->http.body_max = ATOK_OAUTH_RESPONSE_MAX;
	*out = c;
	return 0;
fail:
	atok_oauth_client_free(&c);
	return r;
}

void atok_oauth_client_free(struct atok_oauth_client **cp)
{
	struct atok_oauth_client *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	atok_client_auth_free(&c->auth);
	atok_http_conn_free(&c->conn);
	free(c->ca_blob);
	free(c);
	*cp = NULL;
}

const char *atok_oauth_endpoint(const struct atok_oauth_client *c,
                                const char *which)
{
	const char *e = strcmp(which, "token") == 0        ? c->token
	                : strcmp(which, "device") == 0     ? c->device
	                : strcmp(which, "revocation") == 0 ? c->revocation
	                                                   : c->authorization;

	return e[0] != '\0' ? e : NULL;
}

static int get_metadata(struct atok_oauth_client *c, const char *suffix,
                        struct atok_oauth_reply *rep)
{
	struct atok_http_response resp = {0};
	struct atok_error err = {0};
	char url[ATOK_HTTP_URL_MAX + 64];
	size_t il = strlen(c->issuer);
	int r;

	/* Without a trailing slash of the issuer. */
	if (il > 0 && c->issuer[il - 1] == '/')
		il--;
	snprintf(url, sizeof(url), "%.*s%s", (int)il, c->issuer, suffix);
	if (atok_http_get(url, &c->http, &resp, &err) != 0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY, "%.200s", err.msg);
		return ATOK_ERR_UNAVAILABLE;
	}
	if (resp.status != 200) {
		r = http_failure(resp.status, NULL, resp.retry_after, rep);
		atok_http_response_clear(&resp);
		return r;
	}
	r = atok_oauth_parse_metadata(resp.body, resp.len, c->issuer, c->token,
	                              c->device, c->revocation,
	                              c->authorization, rep);
	atok_http_response_clear(&resp);
	return r;
}

int atok_oauth_discover(struct atok_oauth_client *c,
                        struct atok_oauth_reply *rep)
{
	struct atok_error err = {0};
	int r;

	reply_init(rep);
	if (c->discovered)
		return 0;
	r = get_metadata(c, "/.well-known/openid-configuration", rep);
	if (r != 0 && rep->http_status == 404)
		r = get_metadata(c, "/.well-known/oauth-authorization-server",
		                 rep);
	if (r != 0)
		return r;
	/* What the metadata names obeys the same URL rules. */
	if ((c->token[0] != '\0' &&
	     atok_http_url_allowed(c->token, c->http.allow_http_loopback,
	                           &err) != 0) ||
	    (c->device[0] != '\0' &&
	     atok_http_url_allowed(c->device, c->http.allow_http_loopback,
	                           &err) != 0) ||
	    (c->revocation[0] != '\0' &&
	     atok_http_url_allowed(c->revocation, c->http.allow_http_loopback,
	                           &err) != 0)) {
		reply_set(rep, ATOK_OAUTH_CLIENT, "metadata: %.200s", err.msg);
		c->token[0] = c->device[0] = c->revocation[0] = '\0';
		return ATOK_ERR_UNAVAILABLE;
	}
	c->discovered = 1;
	return 0;
}

/* POSTs form (plus our client authentication) to endpoint. */
static int post(struct atok_oauth_client *c, const char *endpoint,
                struct atok_form *form, int64_t now,
                struct atok_http_response *resp, struct atok_oauth_reply *rep)
{
	const char *headers[2] = {NULL, NULL};
	struct atok_error err = {0};

	if (atok_client_auth_apply(c->auth, endpoint, now, form, &headers[0],
	                           &err) != 0) {
		reply_set(rep, ATOK_OAUTH_CLIENT, "%.200s", err.msg);
		return ATOK_ERR_UNAVAILABLE;
	}
	if (form->failed) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY,
		          "out of memory or request over %d bytes",
		          ATOK_FORM_MAX);
		return ATOK_ERR_NOMEM;
	}
	if (atok_http_post_form(endpoint, &c->http, &c->conn, headers,
	                        form->buf, form->len, resp, &err) != 0) {
		reply_set(rep, ATOK_OAUTH_TEMPORARY, "%.200s", err.msg);
		return ATOK_ERR_UNAVAILABLE;
	}
	return 0;
}

static void add_opt(struct atok_form *form, const char *name, const char *v)
{
	if (v != NULL && *v != '\0')
		atok_form_add(form, name, v, strlen(v));
}

/* The token endpoint with form; the answer into t and rep. */
static int token_request(struct atok_oauth_client *c, struct atok_form *form,
                         int64_t now, struct atok_oauth_tokens *t,
                         struct atok_oauth_reply *rep)
{
	struct atok_http_response resp = {0};
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = atok_oauth_discover(c, rep)) != 0)
		goto out;
	if ((r = post(c, c->token, form, now, &resp, rep)) != 0)
		goto out;
	r = atok_oauth_parse_token_response(resp.status, resp.body, resp.len,
	                                    resp.retry_after, now, t, rep);
out:
	if (resp.body != NULL)
		explicit_bzero(resp.body, resp.len);
	atok_http_response_clear(&resp);
	atok_form_clear(form);
	return r;
}

int atok_oauth_refresh(struct atok_oauth_client *c, const char *refresh_token,
                       const char *scope, const char *resource, int64_t now,
                       struct atok_oauth_tokens *t,
                       struct atok_oauth_reply *rep)
{
	struct atok_form form = {0};

	atok_form_add(&form, "grant_type", "refresh_token", 13);
	atok_form_add(&form, "refresh_token", refresh_token,
	              strlen(refresh_token));
	add_opt(&form, "scope", scope);
	add_opt(&form, "resource", resource);
	return token_request(c, &form, now, t, rep);
}

int atok_oauth_client_credentials(struct atok_oauth_client *c,
                                  const char *scope, const char *resource,
                                  int64_t now, struct atok_oauth_tokens *t,
                                  struct atok_oauth_reply *rep)
{
	struct atok_form form = {0};

	atok_form_add(&form, "grant_type", "client_credentials", 18);
	add_opt(&form, "scope", scope);
	add_opt(&form, "resource", resource);
	return token_request(c, &form, now, t, rep);
}

int atok_oauth_device_poll(struct atok_oauth_client *c, const char *device_code,
                           int64_t now, struct atok_oauth_tokens *t,
                           struct atok_oauth_reply *rep)
{
	static const char grant[] = "urn:ietf:params:oauth:grant-type:"
	                            "device_code";
	struct atok_form form = {0};

	atok_form_add(&form, "grant_type", grant, sizeof(grant) - 1);
	atok_form_add(&form, "device_code", device_code, strlen(device_code));
	return token_request(c, &form, now, t, rep);
}

int atok_oauth_code_exchange(struct atok_oauth_client *c, const char *code,
                             const char *redirect_uri,
                             const char *code_verifier, int64_t now,
                             struct atok_oauth_tokens *t,
                             struct atok_oauth_reply *rep)
{
	struct atok_form form = {0};

	atok_form_add(&form, "grant_type", "authorization_code", 18);
	atok_form_add(&form, "code", code, strlen(code));
	atok_form_add(&form, "redirect_uri", redirect_uri,
	              strlen(redirect_uri));
	atok_form_add(&form, "code_verifier", code_verifier,
	              strlen(code_verifier));
	return token_request(c, &form, now, t, rep);
}

int atok_oauth_device_start(struct atok_oauth_client *c, const char *scope,
                            const char *resource, int64_t now,
                            struct atok_oauth_device *dev,
                            struct atok_oauth_reply *rep)
{
	struct atok_http_response resp = {0};
	struct atok_form form = {0};
	int r;

	memset(dev, 0, sizeof(*dev));
	if ((r = atok_oauth_discover(c, rep)) != 0)
		goto out;
	if (c->device[0] == '\0') {
		reply_set(rep, ATOK_OAUTH_CLIENT,
		          "the authorization server has no device "
		          "authorization endpoint");
		r = ATOK_ERR_UNAVAILABLE;
		goto out;
	}
	add_opt(&form, "scope", scope);
	add_opt(&form, "resource", resource);
	if ((r = post(c, c->device, &form, now, &resp, rep)) != 0)
		goto out;
	r = atok_oauth_parse_device_response(resp.status, resp.body, resp.len,
	                                     now, dev, rep);
out:
	atok_http_response_clear(&resp);
	atok_form_clear(&form);
	return r;
}

int atok_oauth_revoke(struct atok_oauth_client *c, const char *token,
                      const char *hint, int64_t now,
                      struct atok_oauth_reply *rep)
{
	struct atok_http_response resp = {0};
	struct atok_form form = {0};
	int r;

	if ((r = atok_oauth_discover(c, rep)) != 0)
		return r;
	if (c->revocation[0] == '\0') {
		reply_set(rep, ATOK_OAUTH_OK,
		          "the authorization server has no revocation "
		          "endpoint: nothing revoked");
		return 0;
	}
	atok_form_add(&form, "token", token, strlen(token));
	add_opt(&form, "token_type_hint", hint);
	if ((r = post(c, c->revocation, &form, now, &resp, rep)) != 0)
		goto out;
	if (resp.status != 200) {
		json_t *o = load_object(resp.body, resp.len);
		r = http_failure(resp.status, o, resp.retry_after, rep);
		json_decref(o);
		goto out;
	}
	rep->http_status = 200;
	reply_set(rep, ATOK_OAUTH_OK, "token revoked");
out:
	atok_http_response_clear(&resp);
	atok_form_clear(&form);
	return r;
}

/* Appends "&name=" and value form-encoded to out (o bytes used). */
static int url_add(char *out, size_t outsz, size_t *o, const char *name,
                   const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(name);
	const unsigned char *v;

	if (value == NULL || *value == '\0')
		return 0;
	if (*o + n + 2 >= outsz)
		return ATOK_ERR_TOO_LONG;
	out[(*o)++] = '&';
	memcpy(out + *o, name, n);
	*o += n;
	out[(*o)++] = '=';
	for (v = (const unsigned char *)value; *v != '\0'; v++) {
		if (*o + 4 >= outsz)
			return ATOK_ERR_TOO_LONG;
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
		    (*v >= '0' && *v <= '9') || *v == '-' || *v == '.' ||
		    *v == '_' || *v == '~') {
			out[(*o)++] = (char)*v;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[*v >> 4];
			out[(*o)++] = hex[*v & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

int atok_oauth_authorization_url(struct atok_oauth_client *c,
                                 const char *redirect_uri, const char *scope,
                                 const char *resource, const char *state,
                                 const char *challenge, const char *extra,
                                 char *out, size_t outsz)
{
	size_t o;
	int r;

	if (c->authorization[0] == '\0')
		return ATOK_ERR_CONFIG;
	o = (size_t)snprintf(out, outsz, "%s%sresponse_type=code",
	                     c->authorization,
	                     strchr(c->authorization, '?') ? "&" : "?");
	if (o >= outsz)
		return ATOK_ERR_TOO_LONG;
	if ((r = url_add(out, outsz, &o, "client_id",
	                 atok_client_auth_id(c->auth))) != 0 ||
	    (r = url_add(out, outsz, &o, "redirect_uri", redirect_uri)) != 0 ||
	    (r = url_add(out, outsz, &o, "scope", scope)) != 0 ||
	    (r = url_add(out, outsz, &o, "resource", resource)) != 0 ||
	    (r = url_add(out, outsz, &o, "state", state)) != 0 ||
	    (r = url_add(out, outsz, &o, "code_challenge", challenge)) != 0 ||
	    (r = url_add(out, outsz, &o, "code_challenge_method", "S256")) != 0)
		return r;
	if (extra != NULL) {
		if (o + strlen(extra) >= outsz)
			return ATOK_ERR_TOO_LONG;
		memcpy(out + o, extra, strlen(extra) + 1);
	}
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The value of parameter name in query q (n bytes), percent- and
 * '+'-decoded into out: 1 found, 0 absent, -1 malformed, too long,
 * repeated or not visible ASCII once decoded. */
static int query_param(const char *q, size_t n, const char *name, char *out,
                       size_t outsz)
{
	size_t nl = strlen(name), i = 0, o, found = 0;

	while (i < n) {
		size_t end = i;
		while (end < n && q[end] != '&')
			end++;
		if (end - i > nl && memcmp(q + i, name, nl) == 0 &&
		    q[i + nl] == '=') {
			if (found++)
				return -1; /* twice: which one? neither */
			o = 0;
			for (i += nl + 1; i < end; i++) {
				int ch = (unsigned char)q[i], h, l;
				if (ch == '%') {
					if (i + 2 >= end)
						return -1;
					if ((h = hexval(q[i + 1])) < 0 ||
					    (l = hexval(q[i + 2])) < 0)
						return -1;
					ch = h * 16 + l;
					i += 2;
				} else if (ch == '+') {
					ch = ' ';
				}
				if (ch < 0x21 || ch > 0x7e || o + 1 >= outsz)
					return -1;
				out[o++] = (char)ch;
			}
			if (o == 0)
				return -1; /* "code=": nothing */
			out[o] = '\0';
		}
		i = end + 1;
	}
	return found ? 1 : 0;
}

int atok_oauth_parse_redirect(const char *s, size_t len, const char *state,
                              char *code, size_t codesz,
                              struct atok_oauth_reply *rep)
{
	char got[ATOK_OAUTH_STATE_LEN * 2 + 1], err[ATOK_OAUTH_ERROR_MAX + 1];
	const char *q, *end;
	size_t n;
	int e;

	reply_init(rep);
	code[0] = '\0';
	if (len > ATOK_OAUTH_REDIRECT_MAX || memchr(s, '\0', len) != NULL) {
		reply_set(rep, ATOK_OAUTH_CLIENT,
		          "redirect too long or "
		          "holds a NUL");
		return ATOK_ERR_UNAVAILABLE;
	}
	/* The query: after the first '?', else the whole text (a bare
	 * query pasted); up to a space (the HTTP version), '#' or the end
	 * of the line. */
	q = memchr(s, '?', len);
	q = q != NULL ? q + 1 : s;
	for (end = q; end < s + len && *end != ' ' && *end != '#' &&
	              *end != '\r' && *end != '\n';
	     end++)
		;
	n = (size_t)(end - q);
	if ((e = query_param(q, n, "error", err, sizeof(err))) != 0) {
		if (e > 0)
			snprintf(rep->error, sizeof(rep->error), "%s", err);
		reply_set(rep, ATOK_OAUTH_DENIED,
		          "the authorization server answered error \"%s\"",
		          e > 0 ? rep->error : "(malformed)");
		return ATOK_ERR_UNAVAILABLE;
	}
	if (query_param(q, n, "state", got, sizeof(got)) != 1 ||
	    strlen(got) != strlen(state) ||
	    CRYPTO_memcmp(got, state, strlen(state)) != 0) {
		reply_set(rep, ATOK_OAUTH_CLIENT,
		          "the redirect's state is missing or not ours: "
		          "ignored");
		return ATOK_ERR_UNAVAILABLE;
	}
	if (codesz < 2 || query_param(q, n, "code", code,
	                              codesz < ATOK_OAUTH_CODE_MAX + 1
	                                  ? codesz
	                                  : ATOK_OAUTH_CODE_MAX + 1) != 1) {
		code[0] = '\0';
		reply_set(rep, ATOK_OAUTH_CLIENT,
		          "the redirect has no valid code");
		return ATOK_ERR_UNAVAILABLE;
	}
	reply_set(rep, ATOK_OAUTH_OK, "authorization code received");
	return 0;
}

int atok_oauth_pkce_new(char verifier[ATOK_OAUTH_PKCE_LEN + 1],
                        char challenge[ATOK_OAUTH_PKCE_LEN + 1])
{
	unsigned char rnd[32], md[32];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return ATOK_ERR_CRYPTO;
	atok_b64url_encode(rnd, sizeof(rnd), verifier);
	explicit_bzero(rnd, sizeof(rnd));
	if (atok_sha256(verifier, ATOK_OAUTH_PKCE_LEN, md) != 0)
		return ATOK_ERR_CRYPTO;
	atok_b64url_encode(md, sizeof(md), challenge);
	return 0;
}
