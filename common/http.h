/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.h - the HTTP client for JWKS, discovery and introspection: the only
 * file that includes libcurl.  libcurl is initialised lazily, once, and only
 * when a network validator is configured.
 */
#ifndef ATOK_HTTP_H
#define ATOK_HTTP_H

#include <stddef.h>

#include "errors.h"

#define ATOK_HTTP_BODY_MAX (256 * 1024) /* bytes of a response body */
#define ATOK_HTTP_URL_MAX  2048

struct atok_http_opts {
	long timeout_ms;         /* total; connect gets half */
	const char *ca_file;     /* NULL: the system's trust store */
	const char *ca_dir;      /* a hashed CA directory, looked up lazily */
	const char *client_cert; /* PEM, for mutual TLS (RFC 8705) */
	const char *client_key;
	int allow_http_loopback; /* plain http only to 127.0.0.1 / ::1 */
	size_t body_max;         /* 0: ATOK_HTTP_BODY_MAX */
	/* A PEM CA bundle held in memory (read before a chroot); used
	 * instead of ca_file when set.  Not copied: must outlive the call. */
	const char *ca_blob;
	size_t ca_blob_len;
};

struct atok_http_response {
	long status;
	char *body; /* NUL-terminated; free with atok_http_response_clear */
	size_t len;
	char content_type[128];
	long max_age; /* Cache-Control max-age, -1 when absent, 0 no-store */
	long retry_after; /* Retry-After in seconds (RFC 9110 10.2.3, the
	                     delay form only), -1 when absent or a date */
};

/*
 * Checks a URL against policy: https, or http to a loopback address when
 * allowed; no user info; at most ATOK_HTTP_URL_MAX bytes.
 */
int atok_http_url_allowed(const char *url, int allow_http_loopback,
                          struct atok_error *err);

/*
 * GETs url.  No redirects are followed; a 3xx is returned as is.  Returns 0
 * with *resp filled (any status), or ATOK_ERR_UNAVAILABLE (connection,
 * timeout, TLS, oversize) with the reason in err.
 */
int atok_http_get(const char *url, const struct atok_http_opts *o,
                  struct atok_http_response *resp, struct atok_error *err);

/*
 * Loads and initialises libcurl now, not at the first request: for a
 * process about to chroot (Postfix's smtp), where libcurl.so is not
 * reachable later.  Returns 1 when libcurl is ready.
 */
int atok_http_preload(void);

/* A connection kept between requests of a long-lived process: pass the
 * same struct atok_http_conn * (NULL at first) to reuse it. */
struct atok_http_conn;

/*
 * POSTs body (application/x-www-form-urlencoded) with the extra header
 * lines in headers (NULL-terminated; may be NULL).  As atok_http_get()
 * otherwise.  The caller wipes body and headers: they may hold secrets.
 */
int atok_http_post_form(const char *url, const struct atok_http_opts *o,
                        struct atok_http_conn **conn,
                        const char *const *headers, const char *body,
                        size_t body_len, struct atok_http_response *resp,
                        struct atok_error *err);

/*
 * Logs in to a mail server with a bearer token and quits: proto "smtp"
 * (STARTTLS, then AUTH and NOOP) or "imap" (STARTTLS, AUTHENTICATE, NOOP)
 * at host:port, or "smtps" / "imaps" (implicit TLS); mech "XOAUTH2" or
 * "OAUTHBEARER"; user the SASL user.  TLS is required, except to a
 * loopback address, where it is used when offered.  Returns 0 when the
 * server accepted the token, ATOK_ERR_SIGNATURE when it refused it (err
 * holds its answer), ATOK_ERR_UNAVAILABLE otherwise.  For `apitoken
 * oauth test`.
 */
int atok_http_mail_login(const char *proto, const char *hostport,
                         const char *mech, const char *user, const char *token,
                         const struct atok_http_opts *o,
                         struct atok_error *err);

/* Closes a kept connection (NULL fine) and sets *connp to NULL. */
void atok_http_conn_free(struct atok_http_conn **connp);

void atok_http_response_clear(struct atok_http_response *resp);

#endif
