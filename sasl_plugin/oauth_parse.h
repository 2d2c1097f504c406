/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oauth_parse.h - the strict parsers and builders of the OAUTHBEARER
 * (RFC 7628) and XOAUTH2 client messages.
 *
 * Pure functions over (buf, len): no SASL headers, no allocation, no
 * strlen() on client bytes, so they can be fuzzed on their own
 * (tests/fuzz/fuzz_oauth_parse.c).  Parsed strings point into the
 * caller's buffer, except the authorization id, which is decoded into
 * struct oauth_msg.
 */
#ifndef ATOK_OAUTH_PARSE_H
#define ATOK_OAUTH_PARSE_H

#include <stddef.h>

#include "atok.h"

/* Named limits. */
#define OAUTH_MSG_MAX     (64 * 1024)   /* bytes of one client message */
#define OAUTH_AUTHZID_MAX ATOK_USER_MAX /* bytes of a decoded a= / user= */
#define OAUTH_KV_MAX      32            /* key/value pairs in a message */
#define OAUTH_HOST_MAX    255           /* bytes of host= (a DNS name) */
#define OAUTH_PORT_MAX    5             /* digits of port= */
#define OAUTH_KVSEP       '\x01'

/*
 * Results.  OAUTH_OK: a complete message; OAUTH_ERROR_REPLY: the message
 * is the lone \x01 that is only valid as the reply to an error challenge
 * (the caller decides whether it is); every other value is a protocol
 * error (SASL_BADPROT), named so tests and logs can tell which rule fired.
 */
enum oauth_parse_rc {
	OAUTH_OK = 0,
	OAUTH_ERROR_REPLY = 1,
	OAUTH_E_TOO_LONG = -1,        /* message over OAUTH_MSG_MAX */
	OAUTH_E_NUL = -2,             /* a NUL byte anywhere */
	OAUTH_E_GS2 = -3,             /* GS2 header is not n, / y, ... , */
	OAUTH_E_CBIND = -4,           /* p= channel binding requested */
	OAUTH_E_AUTHZID = -5,         /* a= / user= is empty, badly escaped,
	                                 not UTF-8, has controls, too long */
	OAUTH_E_KVPAIR = -6,          /* key or value outside the grammar */
	OAUTH_E_DUPLICATE = -7,       /* auth, host or port given twice */
	OAUTH_E_NO_AUTH = -8,         /* no auth key */
	OAUTH_E_SCHEME = -9,          /* auth scheme is not Bearer SP */
	OAUTH_E_TOKEN = -10,          /* not an RFC 6750 b64token */
	OAUTH_E_TOKEN_TOO_LONG = -11, /* token over ATOK_TOKEN_MAX */
	OAUTH_E_TRUNCATED = -12,      /* the final \x01\x01 is missing */
	OAUTH_E_TRAILING = -13,       /* bytes after the final \x01\x01 */
	OAUTH_E_TOO_MANY = -14,       /* more than OAUTH_KV_MAX pairs */
	OAUTH_E_HOST = -15,           /* host= or port= is malformed */
	OAUTH_E_INVALID = -16,        /* NULL arguments */
};

/* One parsed client message.  Pointers are into the parsed buffer. */
struct oauth_msg {
	char gs2_cbflag; /* 'n' or 'y' (OAUTHBEARER), 0 (XOAUTH2) */
	char authzid[OAUTH_AUTHZID_MAX + 1]; /* decoded; "" when absent */
	size_t authzid_len;
	const char *token; /* the b64token; NULL for an empty auth= */
	size_t token_len;
	const char *host; /* NULL when absent */
	size_t host_len;
	const char *port; /* NULL when absent; 1..OAUTH_PORT_MAX digits */
	size_t port_len;
};

/*
 * Parses an OAUTHBEARER client response (RFC 7628 section 3.1):
 *   gs2-header %x01 *(key "=" value %x01) %x01   or a lone %x01
 * Exactly one auth=Bearer <b64token> (scheme case-insensitive, 1*SP), at
 * most one host and one port, other keys of the grammar ignored (3.1).
 * An empty "auth=" is a discovery request: OAUTH_OK with token NULL.
 * Returns an enum oauth_parse_rc; *out is zeroed unless OAUTH_OK.
 */
int oauth_parse_oauthbearer(const char *buf, size_t len, struct oauth_msg *out);

/*
 * Parses an XOAUTH2 client response:
 *   "user=" user %x01 "auth=" "Bearer" 1*SP b64token %x01 %x01
 * in that order and nothing else; or a lone %x01 (OAUTH_ERROR_REPLY).
 */
int oauth_parse_xoauth2(const char *buf, size_t len, struct oauth_msg *out);

/* Static text of a parse result for the operator's log.  Never NULL. */
const char *oauth_parse_strerror(int rc);

/*
 * Builds a client message into out (outsz bytes): OAUTHBEARER with the
 * authzid escaped as an RFC 5801 saslname (NULL or "" = none), host (may
 * be NULL) and port (0 = none); XOAUTH2 with user (required).  Returns
 * the length written (no NUL counted; one is added when it fits), or a
 * negative oauth_parse_rc: OAUTH_E_TOO_LONG when out is too small,
 * OAUTH_E_AUTHZID / OAUTH_E_TOKEN / OAUTH_E_HOST for values the parser
 * would refuse.
 */
long oauth_build_oauthbearer(const char *authzid, const char *host,
                             unsigned port, const char *token, size_t token_len,
                             char *out, size_t outsz);
long oauth_build_xoauth2(const char *user, const char *token, size_t token_len,
                         char *out, size_t outsz);

/*
 * Writes s (len bytes) into out as a JSON string with quotes, escaping
 * '"', '\\' and controls.  Returns the length written or -1 when out is
 * too small.  For the server's error challenge.
 */
long oauth_json_string(const char *s, size_t len, char *out, size_t outsz);

#endif /* ATOK_OAUTH_PARSE_H */
