/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * clientauth.h - OAuth 2.0 client authentication (RFC 6749 2.3, RFC 7523)
 * and the form bodies it goes into: one code path for the introspection
 * client and the token-endpoint client.
 */
#ifndef ATOK_CLIENTAUTH_H
#define ATOK_CLIENTAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define ATOK_CLIENT_ID_MAX          256         /* bytes of a client_id */
#define ATOK_FORM_MAX               (64 * 1024) /* bytes of one form body */
#define ATOK_CLIENT_KEY_MAX         (1024 * 8) /* bytes of a private key file */
#define ATOK_CLIENT_AUTH_SECRET_MAX 8192 /* bytes of a client secret file */

/* application/x-www-form-urlencoded body, grown as needed, always
 * NUL-terminated; it may hold secrets, so atok_form_clear() wipes it. */
struct atok_form {
	char *buf;
	size_t len, cap;
	int failed; /* an add ran out of memory or over ATOK_FORM_MAX */
};

/* Appends "&name=value" (no '&' first), value form-encoded (len bytes).
 * Errors stick in form->failed; check it once before sending. */
void atok_form_add(struct atok_form *form, const char *name, const char *value,
                   size_t len);

/* Wipes and frees the body; the struct can be reused. */
void atok_form_clear(struct atok_form *form);

struct atok_client_auth;

/*
 * A client's authentication from configuration values: method is
 * "none", "client_secret_basic", "client_secret_post" or
 * "private_key_jwt"; the secret file (basic, post) or the PEM private key
 * file (RS256 with RSA >= 2048 bits or ES256 with P-256; private_key_jwt)
 * is read now, with its permissions checked, so that nothing is read
 * later (a chroot may follow).  section names the configuration section
 * in errors.  Returns 0 with *out, or ATOK_ERR_CONFIG / ATOK_ERR_PERM /
 * ATOK_ERR_NOMEM with err.
 */
int atok_client_auth_new(const char *section, const char *method,
                         const char *client_id, const char *secret_file,
                         const char *key_file, struct atok_client_auth **out,
                         struct atok_error *err);

/* Wipes and frees *cap (NULL fine) and sets it to NULL. */
void atok_client_auth_free(struct atok_client_auth **cap);

/* The client_id (owned by ca). */
const char *atok_client_auth_id(const struct atok_client_auth *ca);

/*
 * Adds the client's authentication to a request for endpoint: client_id
 * (and client_secret, or the RFC 7523 assertion whose aud is endpoint,
 * valid 60 s from now) to form, or for client_secret_basic the header
 * line in *header (owned by ca, NULL otherwise).  Returns 0, or
 * ATOK_ERR_CRYPTO when the assertion cannot be signed.
 */
int atok_client_auth_apply(struct atok_client_auth *ca, const char *endpoint,
                           int64_t now, struct atok_form *form,
                           const char **header, struct atok_error *err);

#endif
