/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device.h - the device-flow login (RFC 8628) of pam_apitoken: a token
 * source, never a second rule set.  The gates that decide whether a user
 * may start a flow at all (before any request reaches the authorization
 * server), the start, and the polling schedule of RFC 8628 3.4/3.5.  The
 * token a flow obtains is then checked by atok_verify() like a typed one.
 *
 * The front end owns the conversation and the waiting: it shows the code,
 * sleeps (or prompts) until atok_device_flow.next_poll and calls
 * atok_device_poll() until it answers anything but PENDING.
 */
#ifndef ATOK_DEVICE_H
#define ATOK_DEVICE_H

#include <stdint.h>

#include "atok.h"
#include "errors.h"
#include "oauth_client.h"

#define ATOK_DEVICE_BACKOFF_MAX 60  /* seconds between polls after errors */
#define ATOK_DEVICE_RATE_LINE   32  /* bytes of one rate-file line */
#define ATOK_DEVICE_RATE_MAX    100 /* flows one rate file remembers */
#define ATOK_DEVICE_RATE_FILE_MAX                                              \
	(ATOK_DEVICE_RATE_MAX * ATOK_DEVICE_RATE_LINE) /* bytes of it */

struct atok_config;
struct atok_device;

/* What a poll came to. */
enum atok_device_state {
	ATOK_DEVICE_APPROVED = 0, /* tokens received */
	ATOK_DEVICE_PENDING,      /* poll again at flow->next_poll */
	ATOK_DEVICE_DENIED,       /* access_denied or invalid_grant */
	ATOK_DEVICE_EXPIRED,      /* expired_token, expires_in or timeout */
	ATOK_DEVICE_UNAVAILABLE,  /* the server could not be reached (the
	                             last poll before the deadline failed) */
	ATOK_DEVICE_REFUSED,      /* the server refuses our client */
};

/* One running flow.  device_code is a secret: clear with
 * atok_device_flow_clear(). */
struct atok_device_flow {
	struct atok_oauth_device dev;
	int64_t started;   /* when the code was obtained */
	int64_t deadline;  /* the earlier of expires_in and the timeout */
	int64_t next_poll; /* not before */
	long interval;     /* the server's, + 5 s per slow_down */
	long backoff;      /* after failed polls; 0 when the last answered */
	unsigned polls;
	unsigned slow_downs;
	unsigned failures; /* polls that reached no answer */
};

/*
 * A device login from the [device] section of cfg (ATOK_ERR_CONFIG when
 * absent or incomplete).  Files (client secret, key, CA) are read now.
 * 0 with *out, or ATOK_ERR_* with err.
 */
int atok_device_new(const struct atok_config *cfg, struct atok_device **out,
                    struct atok_error *err);
void atok_device_free(struct atok_device **dp);

/*
 * The optional group requirement ([device] group): 0 when none is
 * configured, or when tok (len bytes, a JWT the verifier has accepted)
 * holds group in its groups_claim (a string or an array of strings).
 * Else ATOK_ERR_PERM (not a JWT: an introspected token carries no claims
 * here; claim absent; group not in it), ATOK_ERR_MALFORMED or
 * ATOK_ERR_TOO_LONG, with err.  Fail closed.
 */
int atok_device_group_check(const struct atok_device *d, const char *tok,
                            size_t len, struct atok_error *err);

/* Whether the configuration asks for a QR code of the complete URL. */
int atok_device_qrcode(const struct atok_device *d);

/*
 * The gates, with no network: user must be a local account (getpwnam),
 * not uid 0 unless allow_root, remote_addr (NULL or "" = none) inside
 * `from` when that is set, and fewer than max_flows flows started for
 * user in the last flow_window (counted in a file of state_dir; this call
 * records the new one).  0 when a flow may start; else ATOK_ERR_NOT_FOUND
 * (no such user), ATOK_ERR_PERM (root, address), ATOK_ERR_BUSY (rate) or
 * ATOK_ERR_IO / ATOK_ERR_CONFIG (the rate file), with err saying which.
 */
int atok_device_gate(struct atok_device *d, const char *user,
                     const char *remote_addr, int64_t now,
                     struct atok_error *err);

/*
 * Asks for a device code and a user code (RFC 8628 3.1).  0 with f set
 * (first poll at f->next_poll), or ATOK_ERR_UNAVAILABLE with rep
 * (TEMPORARY: unreachable; CLIENT: refused), or ATOK_ERR_NOMEM.
 */
int atok_device_begin(struct atok_device *d, int64_t now,
                      struct atok_device_flow *f, struct atok_oauth_reply *rep);

/*
 * One poll of the token endpoint at now (the caller has waited until
 * f->next_poll, or f->deadline when that comes first).  APPROVED with t
 * filled; PENDING with f->next_poll moved on (interval, +5 s for
 * slow_down, doubling back-off up to ATOK_DEVICE_BACKOFF_MAX after a
 * timeout, 5xx or 429, never before a Retry-After); otherwise final.  At
 * or past the deadline no request is made: EXPIRED, or UNAVAILABLE when
 * the last poll reached no answer.
 */
enum atok_device_state atok_device_poll(struct atok_device *d,
                                        struct atok_device_flow *f, int64_t now,
                                        struct atok_oauth_tokens *t,
                                        struct atok_oauth_reply *rep);

/* Static name of a state, for logs ("approved", "denied", ...). */
const char *atok_device_state_name(enum atok_device_state s);

/* Wipes the device code. */
void atok_device_flow_clear(struct atok_device_flow *f);

#endif /* ATOK_DEVICE_H */
