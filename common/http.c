/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.c - the HTTP client: the only file that includes libcurl.
 *
 * libcurl is loaded with dlopen() the first time a network validator needs
 * it, not linked: Debian's libcurl pulls in some 35 libraries and costs
 * about 17 ms to load in every process (measured here), and sshd and sudo
 * load this module in a fresh process for every login, most of which only
 * ever check a local token or a JWT against a key file.
 */
#include "ac_config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

#ifndef ATOK_CURL_SONAME
#define ATOK_CURL_SONAME "libcurl.so.4"
#endif

/* The libcurl entry points we use, resolved once. */
static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	void (*easy_reset)(CURL *);
} cu;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready; /* written once under curl_once */

static void curl_load(void)
{
	/* Never unloaded: libcurl keeps global state for the process. */
	void *h = dlopen(ATOK_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		return;
	*(void **)&cu.global_init = dlsym(h, "curl_global_init");
	*(void **)&cu.easy_init = dlsym(h, "curl_easy_init");
	*(void **)&cu.easy_setopt = dlsym(h, "curl_easy_setopt");
	*(void **)&cu.easy_perform = dlsym(h, "curl_easy_perform");
	*(void **)&cu.easy_getinfo = dlsym(h, "curl_easy_getinfo");
	*(void **)&cu.easy_cleanup = dlsym(h, "curl_easy_cleanup");
	*(void **)&cu.easy_strerror = dlsym(h, "curl_easy_strerror");
	*(void **)&cu.slist_append = dlsym(h, "curl_slist_append");
	*(void **)&cu.slist_free_all = dlsym(h, "curl_slist_free_all");
	*(void **)&cu.easy_reset = dlsym(h, "curl_easy_reset");
	if (cu.global_init == NULL || cu.easy_init == NULL ||
	    cu.easy_setopt == NULL || cu.easy_perform == NULL ||
	    cu.easy_getinfo == NULL || cu.easy_cleanup == NULL ||
	    cu.easy_strerror == NULL || cu.slist_append == NULL ||
	    cu.slist_free_all == NULL || cu.easy_reset == NULL) {
		/* Not a libcurl we can use: unload it, keep no pointers. */
		memset(&cu, 0, sizeof(cu));
		dlclose(h);
		return;
	}
	curl_ready = cu.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	/* cppcheck-suppress resourceLeak ; h stays loaded on purpose (above) */
}

struct sink {
	struct atok_http_response *resp;
	size_t max;
	int overflow;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;
	char *nb;

	if (s->resp->len + len > s->max) {
		s->overflow = 1;
		return 0; /* aborts the transfer */
	}
	if ((nb = realloc(s->resp->body, s->resp->len + len + 1)) == NULL)
		return 0;
	memcpy(nb + s->resp->len, p, len);
	s->resp->len += len;
	nb[s->resp->len] = '\0';
	s->resp->body = nb;
	return len;
}

/* Picks Cache-Control max-age (and no-store / no-cache) from a header. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;
	char line[512], *v;

	if (len > 12 && len < sizeof(line) &&
	    strncasecmp(p, "retry-after:", 12) == 0) {
		char *end = NULL;
		long d;
		memcpy(line, p + 12, len - 12);
		line[len - 12] = '\0';
		for (v = line; *v == ' ' || *v == '\t'; v++)
			;
		d = isdigit((unsigned char)*v) ? strtol(v, &end, 10) : -1;
		if (end != NULL && (*end == '\r' || *end == '\n' ||
		                    *end == '\0' || *end == ' '))
			s->resp->retry_after = d < 86400 ? d : 86400;
		return len;
	}
	if (len < 14 || len >= sizeof(line) ||
	    strncasecmp(p, "cache-control:", 14) != 0)
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	for (v = line; *v != '\0'; v++)
		*v = (char)tolower((unsigned char)*v);
	if (strstr(line, "no-store") != NULL || strstr(line, "no-cache"))
		s->resp->max_age = 0;
	else if ((v = strstr(line, "max-age=")) != NULL)
		s->resp->max_age = strtol(v + 8, NULL, 10);
	return len;
}

int atok_http_url_allowed(const char *url, int allow_http_loopback,
                          struct atok_error *err)
{
	const char *host;
	size_t n;

	if (url == NULL || strlen(url) > ATOK_HTTP_URL_MAX)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "URL missing or "
		                      "too long");
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "URL %.100s is not https", url);
	n = strcspn(host, "/?#");
	if (memchr(host, '@', n) != NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "URL %.100s holds user info", url);
	if (host == url + 7) {
		int loopback = (n >= 9 && strncmp(host, "127.0.0.1", 9) == 0 &&
		                (n == 9 || host[9] == ':')) ||
		               (n >= 5 && strncmp(host, "[::1]", 5) == 0 &&
		                (n == 5 || host[5] == ':')) ||
		               (n >= 9 && strncmp(host, "localhost", 9) == 0 &&
		                (n == 9 || host[9] == ':'));
		if (!loopback || !allow_http_loopback)
			return atok_error_set(
			    err, ATOK_ERR_CONFIG,
			    "URL %.100s is plain http: only https, or http "
			    "to a loopback address with "
			    "allow_http_loopback = yes",
			    url);
	}
	return 0;
}

int atok_http_preload(void)
{
	pthread_once(&curl_once, curl_load);
	return curl_ready;
}

void atok_http_response_clear(struct atok_http_response *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

struct atok_http_conn {
	CURL *curl;
};

void atok_http_conn_free(struct atok_http_conn **connp)
{
	if (connp == NULL || *connp == NULL)
		return;
	if ((*connp)->curl != NULL)
		cu.easy_cleanup((*connp)->curl);
	free(*connp);
	*connp = NULL;
}

/* Keeps the first failure of a series of calls in *first. */
static void keep(CURLcode *first, CURLcode rc)
{
	if (*first == CURLE_OK)
		*first = rc;
}

static int request(const char *url, const struct atok_http_opts *o,
                   struct atok_http_conn **conn, const char *const *headers,
                   const char *body, size_t body_len,
                   struct atok_http_response *resp, struct atok_error *err)
{
	struct sink s = {resp, o->body_max ? o->body_max : ATOK_HTTP_BODY_MAX,
	                 0};
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *ct = NULL;
	struct curl_slist *hdrs = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int r;

	memset(resp, 0, sizeof(*resp));
	resp->max_age = -1;
	resp->retry_after = -1;
	if ((r = atok_http_url_allowed(url, o->allow_http_loopback, err)) != 0)
		return r;
	pthread_once(&curl_once, curl_load);
	if (curl_ready && conn != NULL && *conn != NULL) {
		/* Options start afresh; the live connection stays. */
		c = (*conn)->curl;
		cu.easy_reset(c);
	} else if (curl_ready) {
		c = cu.easy_init();
	}
	if (c == NULL)
		return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                      "libcurl (%s) could not be loaded",
		                      ATOK_CURL_SONAME);
	/* Every option counts: a CA file or client key that libcurl could
	 * not copy (out of memory) would leave its default in place, the
	 * system's CAs instead of the one configured. */
	rc = cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rc == CURLE_UNKNOWN_OPTION)
		rc = CURLE_OK; /* libcurl < 7.85; the URL was checked above */
	keep(&rc, cu.easy_setopt(c, CURLOPT_URL, url));
	keep(&rc, cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L));
	keep(&rc, cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
	keep(&rc, cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms));
	keep(&rc,
	     cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                    o->timeout_ms / 2 > 0 ? o->timeout_ms / 2 : 1));
	keep(&rc,
	     cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max));
	keep(&rc, cu.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf));
	keep(&rc, cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body));
	keep(&rc, cu.easy_setopt(c, CURLOPT_WRITEDATA, &s));
	keep(&rc, cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header));
	keep(&rc, cu.easy_setopt(c, CURLOPT_HEADERDATA, &s));
	keep(&rc,
	     cu.easy_setopt(c, CURLOPT_USERAGENT, "apitoken/" PACKAGE_VERSION));
	keep(&rc, cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L));
	keep(&rc, cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L));
	/* A configured CA file or hashed directory replaces the system
	 * bundle: parsing the whole bundle costs ~20 ms per process. */
	if (o->ca_blob != NULL) {
		/* libcurl copies the blob (CURL_BLOB_COPY). */
		struct curl_blob blob = {(void *)(uintptr_t)o->ca_blob,
		                         o->ca_blob_len, CURL_BLOB_COPY};
		keep(&rc, cu.easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob));
		keep(&rc, cu.easy_setopt(c, CURLOPT_CAINFO, NULL));
		keep(&rc, cu.easy_setopt(c, CURLOPT_CAPATH, NULL));
	} else if (o->ca_file != NULL) {
		keep(&rc, cu.easy_setopt(c, CURLOPT_CAINFO, o->ca_file));
	}
	if (o->ca_dir != NULL) {
		keep(&rc, cu.easy_setopt(c, CURLOPT_CAPATH, o->ca_dir));
		if (o->ca_file == NULL)
			keep(&rc, cu.easy_setopt(c, CURLOPT_CAINFO, NULL));
	}
	if (o->client_cert != NULL)
		keep(&rc, cu.easy_setopt(c, CURLOPT_SSLCERT, o->client_cert));
	if (o->client_key != NULL)
		keep(&rc, cu.easy_setopt(c, CURLOPT_SSLKEY, o->client_key));
	for (; headers != NULL && *headers != NULL; headers++) {
		struct curl_slist *n = cu.slist_append(hdrs, *headers);
		if (n == NULL) {
			r = atok_error_set(err, ATOK_ERR_NOMEM,
			                   "out of memory");
			goto out;
		}
		hdrs = n;
	}
	if (body != NULL) {
		/* libcurl sends application/x-www-form-urlencoded itself. */
		keep(&rc, cu.easy_setopt(c, CURLOPT_POST, 1L));
		keep(&rc, cu.easy_setopt(c, CURLOPT_POSTFIELDS, body));
		keep(&rc, cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                         (curl_off_t)body_len));
	}
	if (hdrs != NULL)
		keep(&rc, cu.easy_setopt(c, CURLOPT_HTTPHEADER, hdrs));
	if (rc != CURLE_OK) {
		r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                   "libcurl refused an option for %.100s: %s",
		                   url, cu.easy_strerror(rc));
		goto out;
	}
	rc = cu.easy_perform(c);
	if (rc != CURLE_OK) {
		r = atok_error_set(err, ATOK_ERR_UNAVAILABLE, "%s %.100s: %s",
		                   body != NULL ? "POST" : "GET", url,
		                   s.overflow ? "response larger than the limit"
		                   : errbuf[0] ? errbuf
		                               : cu.easy_strerror(rc));
		atok_http_response_clear(resp);
		goto out;
	}
	cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (cu.easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		snprintf(resp->content_type, sizeof(resp->content_type), "%s",
		         ct);
	if (resp->body == NULL && (resp->body = calloc(1, 1)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	if (conn != NULL &&
	    (*conn != NULL || (*conn = calloc(1, sizeof(**conn))) != NULL))
		(*conn)->curl = c; /* kept for the next request */
	else
		cu.easy_cleanup(c);
	if (hdrs != NULL)
		cu.slist_free_all(hdrs); /* the caller wipes its own copies */
	return r;
}

int atok_http_get(const char *url, const struct atok_http_opts *o,
                  struct atok_http_response *resp, struct atok_error *err)
{
	return request(url, o, NULL, NULL, NULL, 0, resp, err);
}

int atok_http_post_form(const char *url, const struct atok_http_opts *o,
                        struct atok_http_conn **conn,
                        const char *const *headers, const char *body,
                        size_t body_len, struct atok_http_response *resp,
                        struct atok_error *err)
{
	return request(url, o, conn, headers, body, body_len, resp, err);
}

/* Whether host:port names a loopback address. */
static int loopback_host(const char *hostport)
{
	return strncmp(hostport, "127.", 4) == 0 ||
	       strncmp(hostport, "[::1]", 5) == 0 ||
	       (strncmp(hostport, "localhost", 9) == 0 &&
	        (hostport[9] == ':' || hostport[9] == '\0'));
}

int atok_http_mail_login(const char *proto, const char *hostport,
                         const char *mech, const char *user, const char *token,
                         const struct atok_http_opts *o, struct atok_error *err)
{
	char url[ATOK_HTTP_URL_MAX], errbuf[CURL_ERROR_SIZE] = "", opts[32];
	int implicit =
	    strcmp(proto, "smtps") == 0 || strcmp(proto, "imaps") == 0;
	CURL *c = NULL;
	CURLcode rc;
	int r;

	if ((strcmp(proto, "smtp") != 0 && strcmp(proto, "imap") != 0 &&
	     !implicit) ||
	    strpbrk(hostport, "/@?# ") != NULL ||
	    (strcmp(mech, "XOAUTH2") != 0 &&
	     strcmp(mech, "OAUTHBEARER") != 0) ||
	    (size_t)snprintf(url, sizeof(url), "%s://%s/", proto, hostport) >=
	        sizeof(url))
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "bad protocol, server or mechanism");
	snprintf(opts, sizeof(opts), "AUTH=%s", mech);
	pthread_once(&curl_once, curl_load);
	if (!curl_ready || (c = cu.easy_init()) == NULL)
		return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                      "libcurl (%s) could not be loaded",
		                      ATOK_CURL_SONAME);
	rc = cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps,imap,imaps");
	if (rc == CURLE_UNKNOWN_OPTION)
		rc = CURLE_OK;
	keep(&rc, cu.easy_setopt(c, CURLOPT_URL, url));
	keep(&rc, cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
	keep(&rc, cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms));
	keep(&rc, cu.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf));
	keep(&rc, cu.easy_setopt(c, CURLOPT_USERNAME, user));
	keep(&rc, cu.easy_setopt(c, CURLOPT_XOAUTH2_BEARER, token));
	keep(&rc, cu.easy_setopt(c, CURLOPT_LOGIN_OPTIONS, opts));
	keep(&rc, cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, "NOOP"));
	keep(&rc, cu.easy_setopt(c, CURLOPT_NOBODY, 1L));
	keep(&rc, cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L));
	keep(&rc, cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L));
	if (!implicit)
		keep(&rc, cu.easy_setopt(c, CURLOPT_USE_SSL,
		                         loopback_host(hostport)
		                             ? (long)CURLUSESSL_TRY
		                             : (long)CURLUSESSL_ALL));
	if (o->ca_blob != NULL) {
		struct curl_blob blob = {(void *)(uintptr_t)o->ca_blob,
		                         o->ca_blob_len, CURL_BLOB_COPY};
		keep(&rc, cu.easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob));
	}
	if (rc != CURLE_OK) {
		r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                   "libcurl refused an option: %s",
		                   cu.easy_strerror(rc));
		goto out;
	}
	rc = cu.easy_perform(c);
	if (rc == CURLE_OK)
		r = 0;
	else
		r = atok_error_set(err,
		                   rc == CURLE_LOGIN_DENIED
		                       ? ATOK_ERR_SIGNATURE
		                       : ATOK_ERR_UNAVAILABLE,
		                   "%s %s: %s", proto, hostport,
		                   errbuf[0] ? errbuf : cu.easy_strerror(rc));
out:
	/* libcurl frees its copy of the token without wiping it: a limit of
	 * its API (a short-lived command's memory). */
	cu.easy_cleanup(c);
	return r;
}
