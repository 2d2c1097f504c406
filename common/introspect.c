/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * introspect.c - RFC 7662 token introspection: the client built from
 * [introspection], the POST, and the rules its answer must meet.  Results
 * are kept in the cache of introspect_cache.c, which this file sees only
 * through introspect_cache.h.
 */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clientauth.h"
#include "config.h"
#include "http.h"
#include "json.h"
#include "introspect.h"
#include "introspect_cache.h"
#include "scope.h"
#include "util.h"
#include "result.h"

struct atok_introspect {
	char *endpoint, *client_id, *username_field, *issuer, *audience;
	char *ca_file, *ca_dir, *client_cert, *client_key;
	struct atok_client_auth *auth; /* holds the secret or key */
	struct atok_http_opts http;
	struct atok_icache *cache;   /* the result cache */
	struct atok_http_conn *conn; /* kept in long-lived processes */
};

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

	if ((r = atok_client_auth_new("introspection", method, in->client_id,
	                              secret, pkey, &in->auth, err)) != 0)
		goto fail;
	if ((r = atok_icache_new(cfg, &in->cache, err)) != 0)
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
	atok_icache_free(&in->cache);
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

void atok_introspect_verify(struct atok_introspect *in, const char *tok,
                            size_t len, int64_t now, struct atok_result *res)
{
	struct atok_http_response resp = {0};
	struct atok_error err = {0};

	res->source = ATOK_SRC_INTROSPECTION;
	if (atok_icache_get(in->cache, tok, len, now, res))
		return;
	if (post(in, tok, len, now, &resp, &err) != 0) {
		atok_result_set(res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		                "%.200s", err.msg);
		return;
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
	atok_icache_put(in->cache, tok, len, now, res);
out:
	atok_http_response_clear(&resp);
}
