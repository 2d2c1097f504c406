/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oauth_client.h - the token-endpoint client: what an OAuth 2.0 client
 * asks of an authorization server's token side.  Discovery (OpenID
 * Connect / RFC 8414), the token endpoint (refresh_token,
 * client_credentials, device_code, authorization_code with PKCE), the
 * device authorization endpoint (RFC 8628) and revocation (RFC 7009),
 * with the client authentication of clientauth.h.  Form-encoded POSTs,
 * no redirects, a timeout and a size limit on every request.
 *
 * One function per grant; all fill the same struct atok_oauth_tokens and
 * struct atok_oauth_reply.  The caller owns both and clears the tokens.
 */
#ifndef ATOK_OAUTH_CLIENT_H
#define ATOK_OAUTH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "atok.h"
#include "errors.h"
#include "http.h"

#define ATOK_OAUTH_RESPONSE_MAX     (64 * 1024)    /* bytes of any response */
#define ATOK_OAUTH_ACCESS_MAX       ATOK_TOKEN_MAX /* bytes of an access token */
#define ATOK_OAUTH_REFRESH_MAX      8192 /* bytes of a refresh token */
#define ATOK_OAUTH_ERROR_MAX        64   /* bytes of an "error" code */
#define ATOK_OAUTH_DEVICE_CODE_MAX  2048 /* bytes of a device_code */
#define ATOK_OAUTH_USER_CODE_MAX    64   /* bytes of a user_code */
#define ATOK_OAUTH_EXPIRES_MAX      (366LL * 24 * 3600) /* expires_in */
#define ATOK_OAUTH_EXPIRES_DEFAULT  3600 /* when expires_in is absent */
#define ATOK_OAUTH_INTERVAL_DEFAULT 5    /* RFC 8628 3.2 */
#define ATOK_OAUTH_INTERVAL_MAX     300
#define ATOK_OAUTH_PKCE_LEN         43   /* chars of verifier, challenge */
#define ATOK_OAUTH_CODE_MAX         2048 /* bytes of an authorization code */
#define ATOK_OAUTH_STATE_LEN        32   /* chars of our random state */
#define ATOK_OAUTH_REDIRECT_MAX     8192 /* bytes of a redirect we read */

/* What a request came to, for the caller's state machine. */
enum atok_oauth_outcome {
	ATOK_OAUTH_OK = 0,
	ATOK_OAUTH_REAUTH,  /* invalid_grant: the grant is gone; log in again */
	ATOK_OAUTH_PENDING, /* device flow: authorization_pending */
	ATOK_OAUTH_SLOW_DOWN, /* device flow: slow_down (interval += 5) */
	ATOK_OAUTH_DENIED,    /* device flow: access_denied, expired_token */
	ATOK_OAUTH_CLIENT,    /* our client or request is refused
	                         (invalid_client, invalid_scope, 4xx...) */
	ATOK_OAUTH_TEMPORARY, /* network, timeout, 5xx, 429, malformed */
};

struct atok_oauth_reply {
	enum atok_oauth_outcome outcome;
	long http_status;                     /* 0: no HTTP answer */
	long retry_after;                     /* seconds; -1 absent */
	char error[ATOK_OAUTH_ERROR_MAX + 1]; /* the server's code, or "" */
	char detail[ATOK_REASON_MAX];         /* for logs: never a token */
};

struct atok_oauth_tokens {
	char *access_token; /* NUL-terminated; wiped by ..._clear() */
	size_t access_len;
	char *refresh_token; /* NULL when the answer had none */
	size_t refresh_len;
	int64_t expires_at;
	char scope[ATOK_SCOPES_MAX + 1]; /* as granted, "" when not said */
};

void atok_oauth_tokens_clear(struct atok_oauth_tokens *t);

struct atok_oauth_device {
	char device_code[ATOK_OAUTH_DEVICE_CODE_MAX + 1]; /* a secret */
	char user_code[ATOK_OAUTH_USER_CODE_MAX + 1];
	char verification_uri[ATOK_HTTP_URL_MAX + 1];
	char verification_uri_complete[ATOK_HTTP_URL_MAX + 1]; /* or "" */
	int64_t expires_at;
	long interval;
};

/* Where the client goes; NULL endpoints come from discovery at issuer. */
struct atok_oauth_client_conf {
	const char *section; /* names the configuration in errors */
	const char *issuer;
	const char *token_endpoint;
	const char *device_endpoint;
	const char *revocation_endpoint;
	const char *authorization_endpoint;
	const char *client_id;
	const char *auth_method; /* none, client_secret_basic, ... */
	const char *client_secret_file;
	const char *private_key_file;
	const char *ca_file; /* read into memory now; NULL: system CAs */
	long timeout_ms;
	int allow_http_loopback;
};

struct atok_oauth_client;

/*
 * A client from conf.  Everything from files (secret, key, CA bundle) is
 * read now, so the client works after a chroot.  Returns 0 with *out, or
 * ATOK_ERR_CONFIG / ATOK_ERR_PERM / ATOK_ERR_NOMEM with err.
 */
int atok_oauth_client_new(const struct atok_oauth_client_conf *conf,
                          struct atok_oauth_client **out,
                          struct atok_error *err);

void atok_oauth_client_free(struct atok_oauth_client **cp);

/*
 * Fills the endpoints conf left NULL from the issuer's metadata (once per
 * client; the grants call it themselves).  0 or ATOK_ERR_UNAVAILABLE with
 * rep (TEMPORARY, or CLIENT when the metadata lacks what is needed).
 */
int atok_oauth_discover(struct atok_oauth_client *c,
                        struct atok_oauth_reply *rep);

/* The endpoint in use ("token", "device", "revocation",
 * "authorization"), or NULL when none is known yet. */
const char *atok_oauth_endpoint(const struct atok_oauth_client *c,
                                const char *which);

/*
 * The grants.  Each returns 0 with t filled and rep->outcome OK, or
 * ATOK_ERR_UNAVAILABLE with rep saying why (t then empty), or
 * ATOK_ERR_NOMEM.  scope and resource may be NULL.
 */
int atok_oauth_refresh(struct atok_oauth_client *c, const char *refresh_token,
                       const char *scope, const char *resource, int64_t now,
                       struct atok_oauth_tokens *t,
                       struct atok_oauth_reply *rep);
int atok_oauth_client_credentials(struct atok_oauth_client *c,
                                  const char *scope, const char *resource,
                                  int64_t now, struct atok_oauth_tokens *t,
                                  struct atok_oauth_reply *rep);
int atok_oauth_device_poll(struct atok_oauth_client *c, const char *device_code,
                           int64_t now, struct atok_oauth_tokens *t,
                           struct atok_oauth_reply *rep);
int atok_oauth_code_exchange(struct atok_oauth_client *c, const char *code,
                             const char *redirect_uri,
                             const char *code_verifier, int64_t now,
                             struct atok_oauth_tokens *t,
                             struct atok_oauth_reply *rep);

/* RFC 8628 3.1: starts a device authorization. */
int atok_oauth_device_start(struct atok_oauth_client *c, const char *scope,
                            const char *resource, int64_t now,
                            struct atok_oauth_device *dev,
                            struct atok_oauth_reply *rep);

/* RFC 7009: revokes token (hint "refresh_token" or "access_token").  0
 * also when the server has no revocation endpoint (rep says so). */
int atok_oauth_revoke(struct atok_oauth_client *c, const char *token,
                      const char *hint, int64_t now,
                      struct atok_oauth_reply *rep);

/* RFC 7636: a random S256 code verifier and its challenge, each
 * ATOK_OAUTH_PKCE_LEN characters and a NUL.  0 or ATOK_ERR_CRYPTO. */
int atok_oauth_pkce_new(char verifier[ATOK_OAUTH_PKCE_LEN + 1],
                        char challenge[ATOK_OAUTH_PKCE_LEN + 1]);

/*
 * The authorization request URL (RFC 6749 4.1.1 with RFC 7636 S256) for
 * redirect_uri, state and challenge, into out of outsz bytes; extra
 * (may be NULL) is appended verbatim ("&access_type=offline").  0, or
 * ATOK_ERR_CONFIG (no authorization endpoint) / ATOK_ERR_TOO_LONG.
 */
int atok_oauth_authorization_url(struct atok_oauth_client *c,
                                 const char *redirect_uri, const char *scope,
                                 const char *resource, const char *state,
                                 const char *challenge, const char *extra,
                                 char *out, size_t outsz);

/*
 * The authorization response (RFC 6749 4.1.2) in what the redirect
 * brought: the request line of the loopback HTTP request ("GET
 * /?code=...&state=... HTTP/1.1"), or a URL or bare query pasted by the
 * user (len bytes, at most ATOK_OAUTH_REDIRECT_MAX).  The state must be
 * state (compared in constant time).  0 with code (codesz bytes, at
 * least ATOK_OAUTH_CODE_MAX + 1) filled; else ATOK_ERR_UNAVAILABLE with
 * rep: DENIED for an error answer (rep->error holds it), CLIENT for a
 * wrong or missing state or a malformed answer.  Separate for tests and
 * the fuzzer.
 */
int atok_oauth_parse_redirect(const char *s, size_t len, const char *state,
                              char *code, size_t codesz,
                              struct atok_oauth_reply *rep);

/*
 * The response rules alone, for tests and the fuzzer (no network):
 * a token endpoint's answer (HTTP status, body of len bytes, Retry-After
 * or -1) into t and rep; a device authorization answer into dev; a
 * metadata document into the endpoints it names (each a buffer of
 * ATOK_HTTP_URL_MAX + 1 bytes, left untouched when absent).  Same
 * returns as the grants.
 */
int atok_oauth_parse_token_response(long status, const char *body, size_t len,
                                    long retry_after, int64_t now,
                                    struct atok_oauth_tokens *t,
                                    struct atok_oauth_reply *rep);
int atok_oauth_parse_device_response(long status, const char *body, size_t len,
                                     int64_t now, struct atok_oauth_device *dev,
                                     struct atok_oauth_reply *rep);
int atok_oauth_parse_metadata(const char *body, size_t len, const char *issuer,
                              char *token, char *device, char *revocation,
                              char *authorization,
                              struct atok_oauth_reply *rep);

#endif
