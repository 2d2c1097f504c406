/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * atok.h - the validation core's interface for front ends (PAM, SASL, CLI).
 *
 * A front end builds a struct atok_request, calls atok_verify() and maps the
 * struct atok_result it gets back.  Everything that decides lives behind this
 * header; nothing here includes PAM, SASL, OpenSSL, SQLite or libcurl.
 */
#ifndef ATOK_H
#define ATOK_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* Named limits for every input. */
#define ATOK_TOKEN_MAX       16384 /* bytes of any token (a JWT may be long) */
#define ATOK_USER_MAX        256   /* bytes of a user name */
#define ATOK_SCOPES_MAX      1024  /* bytes of a space-separated scope list */
#define ATOK_SCOPE_MAX       128   /* bytes of one scope */
#define ATOK_REQ_SCOPES_MAX  32    /* scopes one request may require */
#define ATOK_TOKEN_ID_MAX    64    /* bytes of a token id (local id or jti) */
#define ATOK_NAME_MAX        256   /* bytes of a token's free-text name */
#define ATOK_REASON_MAX      256   /* bytes of a result's reason text */
#define ATOK_FINGERPRINT_LEN 16    /* hex digits of SHA-256(token) in logs */
#define ATOK_KID_MAX         128   /* bytes of a JWS key id */
#define ATOK_ISSUER_MAX      256   /* bytes of an issuer shown in a result */
#define ATOK_ADDR_MAX        64    /* bytes of a client's remote address */
#define ATOK_FROM_MAX        1024  /* bytes of a token's CIDR allow-list */

enum atok_verdict {
	ATOK_ACCEPT = 0,
	ATOK_REJECT = 1,
	ATOK_UNAVAILABLE = 2,
	ATOK_CONFIG_ERROR = 3,
};

enum atok_source {
	ATOK_SRC_NONE = 0,
	ATOK_SRC_LOCAL,
	ATOK_SRC_JWT,
	ATOK_SRC_INTROSPECTION,
};

/*
 * Why a token was not accepted, for the front ends' mapping tables
 * (PAM_ACCT_EXPIRED vs PAM_PERM_DENIED, SASL invalid_token vs
 * insufficient_scope).  The human text is in atok_result.reason.
 */
enum atok_why {
	ATOK_WHY_NONE = 0,
	ATOK_WHY_EMPTY,      /* no token bytes */
	ATOK_WHY_TOO_LONG,   /* over ATOK_TOKEN_MAX or the kind's limit */
	ATOK_WHY_MALFORMED,  /* bad characters, bad shape */
	ATOK_WHY_CHECKSUM,   /* local token whose checksum does not match */
	ATOK_WHY_UNKNOWN,    /* no such token id */
	ATOK_WHY_BAD_SECRET, /* id known, secret wrong */
	ATOK_WHY_EXPIRED,
	ATOK_WHY_REVOKED,
	ATOK_WHY_NOT_YET_VALID,
	ATOK_WHY_USER_MISMATCH, /* token's user is not the user asked for */
	ATOK_WHY_SCOPE,         /* a required scope is missing */
	ATOK_WHY_NO_VALIDATOR,  /* no validator configured for this kind */
	ATOK_WHY_BACKEND,       /* store / server unavailable */
	ATOK_WHY_CONFIG,        /* configuration error */
	ATOK_WHY_INTERNAL,      /* allocation failure, library error */
	ATOK_WHY_BAD_SIGNATURE, /* JWS signature does not verify */
	ATOK_WHY_BAD_ALG,       /* alg not allowed, or not the key's */
	ATOK_WHY_NO_KEY,        /* no key for the token's kid */
	ATOK_WHY_ISSUER,        /* iss is not the configured issuer */
	ATOK_WHY_AUDIENCE,      /* aud lacks the configured audience */
	ATOK_WHY_CLAIMS,        /* a claim is missing or of the wrong type */
	ATOK_WHY_INACTIVE,      /* introspection says active: false */
	ATOK_WHY_NOT_TOKEN,     /* matches no enabled token kind (a password?):
	                           refused here, never sent anywhere */
	ATOK_WHY_SOURCE,        /* used from outside its allowed networks */
	ATOK_WHY_ROTATED,       /* rotated, and its grace period is over */
};

enum atok_kind {
	ATOK_KIND_INVALID = 0, /* not a token: empty, too long, bytes no token
	                          may hold, or (atok_classify_declared) not
	                          of the declared opaque shape */
	ATOK_KIND_LOCAL,       /* apt_... */
	ATOK_KIND_JWT,         /* three base64url parts, the first a JSON
	                          object: never a password */
	ATOK_KIND_OPAQUE,      /* anything else of RFC 6750 b64token form */
};

struct atok_request {
	const char *token; /* token bytes, not NUL-terminated needed */
	size_t token_len;
	const char *user;          /* user the client claims; NULL = any */
	const char *service;       /* "sshd", "imap", ...; may be NULL */
	const char *const *scopes; /* required scopes */
	size_t n_scopes;
	int64_t now; /* seconds since the epoch; 0 = time(NULL) */
	/* The client's numeric address (PAM_RHOST, SASL ipremoteport without
	 * the port, `verify --remote-addr`); NULL or "" = unknown, which a
	 * token limited to networks refuses. */
	const char *remote_addr;
};

struct atok_result {
	enum atok_verdict verdict;
	enum atok_why why;
	enum atok_source source;
	char user[ATOK_USER_MAX + 1];     /* the identity the token proves */
	char scopes[ATOK_SCOPES_MAX + 1]; /* space-separated */
	char token_id[ATOK_TOKEN_ID_MAX + 1]; /* local id, jti, or "" */
	char fingerprint[ATOK_FINGERPRINT_LEN + 1];
	int64_t expires; /* seconds since the epoch; 0 = never */
	char reason[ATOK_REASON_MAX];
	/* JWT only, for `apitoken verify` and debug logs: */
	char alg[16];
	char kid[ATOK_KID_MAX + 1];
	char issuer[ATOK_ISSUER_MAX + 1];
};

struct atok_config;
struct atok_verifier;

/*
 * Creates a verifier from a loaded configuration: checks that every enabled
 * validator can be set up (store permissions, schema version).  On failure
 * returns a negative ATOK_ERR_* and fills *err.  The verifier does not keep
 * a pointer to cfg; free it with atok_verifier_free().  A verifier is used
 * by one thread at a time; verifiers in different threads may verify at
 * once (tests/hardening/test_threads.c).
 */
int atok_verifier_new(const struct atok_config *cfg, struct atok_verifier **vp,
                      struct atok_error *err);

/* Frees *vp (NULL is fine) and sets it to NULL. */
void atok_verifier_free(struct atok_verifier **vp);

/*
 * The one path every authentication takes.  Always fills *res completely
 * (res->verdict is also the return value).  Never accepts on an error path.
 */
enum atok_verdict atok_verify(struct atok_verifier *v,
                              const struct atok_request *req,
                              struct atok_result *res);

/*
 * Re-checks a token accepted earlier (PAM's account phase) without its
 * secret: for a local token the store is read again by prev->token_id
 * (revoked, expired), for other kinds prev->expires is compared with now.
 * The user in req must still equal prev->user, and req's scopes must be
 * held.  Fills *res as atok_verify() does.
 */
enum atok_verdict atok_recheck(struct atok_verifier *v,
                               const struct atok_result *prev,
                               const struct atok_request *req,
                               struct atok_result *res);

/* Which kind of token these bytes are, by shape only. */
enum atok_kind atok_classify(const char *token, size_t len);

/* Lower-case names for logs and JSON: "accept", "local", "expired". */
const char *atok_verdict_name(enum atok_verdict v);
const char *atok_source_name(enum atok_source s);
const char *atok_why_name(enum atok_why w);

/*
 * Writes the first ATOK_FINGERPRINT_LEN hex digits of SHA-256(token) and a
 * NUL to out.  Returns 0, or a negative ATOK_ERR_* on a library error.
 */
int atok_fingerprint(const char *token, size_t len,
                     char out[ATOK_FINGERPRINT_LEN + 1]);

#endif /* ATOK_H */
