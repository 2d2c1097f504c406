/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * clientauth.c - OAuth 2.0 client authentication and form bodies, shared
 * by the introspection client and the token-endpoint client.
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "b64url.h"
#include "clientauth.h"
#include "jws.h"
#include "util.h"

enum method { M_NONE, M_BASIC, M_POST, M_PRIVATE_KEY_JWT };

struct atok_client_auth {
	enum method method;
	char *client_id;
	char *secret;                   /* basic, post; wiped on free */
	char *auth_header;              /* basic, built once; wiped on free */
	struct atok_jws_signer *signer; /* private_key_jwt */
};

/* application/x-www-form-urlencoded (RFC 6749 appendix B); out holds at
 * least 3 * len + 1 bytes. */
static size_t form_encode(const char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

void atok_form_add(struct atok_form *form, const char *name, const char *value,
                   size_t len)
{
	size_t nl = strlen(name), need;
	char *nb;

	if (form->failed)
		return;
	if (len > ATOK_FORM_MAX || nl > 64) {
		form->failed = 1;
		return;
	}
	need = form->len + 1 + nl + 1 + 3 * len + 1;
	if (need > ATOK_FORM_MAX) {
		form->failed = 1;
		return;
	}
	if (need > form->cap) {
		/* Grown by copying, so no stale secret stays behind. */
		size_t cap = need < 1024 ? 1024 : 2 * need;
		if ((nb = malloc(cap)) == NULL) {
			form->failed = 1;
			return;
		}
		if (form->buf != NULL) {
			memcpy(nb, form->buf, form->len + 1);
			atok_freezero(form->buf, form->cap);
		}
		form->buf = nb;
		form->cap = cap;
	}
	if (form->len > 0)
		form->buf[form->len++] = '&';
	memcpy(form->buf + form->len, name, nl);
	form->len += nl;
	form->buf[form->len++] = '=';
	form->len += form_encode(value, len, form->buf + form->len);
}

void atok_form_clear(struct atok_form *form)
{
	if (form == NULL)
		return;
	if (form->buf != NULL)
		atok_freezero(form->buf, form->cap);
	memset(form, 0, sizeof(*form));
}

/* "Authorization: Basic base64(urlenc(id) ':' urlenc(secret))" (RFC 6749
 * 2.3.1), or NULL when out of memory.  The caller wipes it. */
static char *basic_header(const char *id, const char *secret)
{
	static const char prefix[] = "Authorization: Basic ";
	size_t idl = strlen(id), sl = strlen(secret), plen;
	char *pair = malloc(3 * (idl + sl) + 2), *h;

	if (pair == NULL)
		return NULL;
	h = malloc(sizeof(prefix) - 1 +
	           ATOK_B64_ENCODED_SIZE(3 * (idl + sl) + 1));
	if (h != NULL) {
		plen = form_encode(id, idl, pair);
		pair[plen++] = ':';
		plen += form_encode(secret, sl, pair + plen);
		memcpy(h, prefix, sizeof(prefix));
		atok_b64_encode((unsigned char *)pair, plen,
		                h + sizeof(prefix) - 1);
	}
	atok_freezero(pair, 3 * (idl + sl) + 2);
	return h;
}

static int load_key(struct atok_client_auth *ca, const char *section,
                    const char *key_file, struct atok_error *err)
{
	char *pem = NULL;
	int r;

	if (key_file == NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[%s] private_key_jwt needs "
		                      "private_key_file",
		                      section);
	if ((r = atok_read_private_file(key_file, "private key file",
	                                ATOK_CLIENT_KEY_MAX, &pem, NULL,
	                                err)) != 0)
		return r;
	/* The assertion is RS256 (RSA >= 2048) or ES256 (P-256). */
	r = atok_jws_signer_new(pem, strlen(pem), &ca->signer, err);
	atok_freezero(pem, ATOK_CLIENT_KEY_MAX + 1);
	if (r == ATOK_ERR_NOMEM)
		return r;
	if (r != 0)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "%s is not an RSA (2048 bits or more) "
		                      "or P-256 private key in PEM",
		                      key_file);
	return 0;
}

int atok_client_auth_new(const char *section, const char *method,
                         const char *client_id, const char *secret_file,
                         const char *key_file, struct atok_client_auth **out,
                         struct atok_error *err)
{
	struct atok_client_auth *ca = NULL;
	int r;

	*out = NULL;
	if (client_id == NULL || *client_id == '\0' ||
	    strlen(client_id) > ATOK_CLIENT_ID_MAX)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[%s] needs a client_id of at most %d "
		                      "bytes",
		                      section, ATOK_CLIENT_ID_MAX);
	/* client_id goes verbatim into the private_key_jwt assertion (JSON)
	 * and into log lines: no quotes or backslashes. */
	if (strpbrk(client_id, "\"\\") != NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[%s] client_id may not hold '\"' or "
		                      "'\\'",
		                      section);
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->client_id = strdup(client_id)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (method == NULL || strcmp(method, "client_secret_basic") == 0)
		ca->method = M_BASIC;
	else if (strcmp(method, "client_secret_post") == 0)
		ca->method = M_POST;
	else if (strcmp(method, "private_key_jwt") == 0)
		ca->method = M_PRIVATE_KEY_JWT;
	else if (strcmp(method, "none") == 0)
		ca->method = M_NONE;
	else {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[%s] unknown auth_method \"%.40s\"",
		                   section, method);
		goto fail;
	}
	if (ca->method == M_PRIVATE_KEY_JWT) {
		if ((r = load_key(ca, section, key_file, err)) != 0)
			goto fail;
	} else if (ca->method == M_BASIC || ca->method == M_POST) {
		if (secret_file == NULL) {
			r = atok_error_set(err, ATOK_ERR_CONFIG,
			                   "[%s] needs client_secret_file for "
			                   "%s",
			                   section, method);
			goto fail;
		}
		if ((r = atok_read_private_file(secret_file,
		                                "client secret file",
		                                ATOK_CLIENT_AUTH_SECRET_MAX,
		                                &ca->secret, NULL, err)) != 0)
			goto fail;
		if (ca->method == M_BASIC &&
		    (ca->auth_header =
		         basic_header(ca->client_id, ca->secret)) == NULL) {
			r = atok_error_set(err, ATOK_ERR_NOMEM,
			                   "out of memory");
			goto fail;
		}
	}
	*out = ca;
	return 0;
fail:
	atok_client_auth_free(&ca);
	return r;
}

void atok_client_auth_free(struct atok_client_auth **cap)
{
	struct atok_client_auth *ca;

	if (cap == NULL || (ca = *cap) == NULL)
		return;
	free(ca->client_id);
	if (ca->secret != NULL)
		atok_freezero(ca->secret, ATOK_CLIENT_AUTH_SECRET_MAX + 1);
	if (ca->auth_header != NULL)
		atok_free_string(ca->auth_header);
	atok_jws_signer_free(&ca->signer);
	free(ca);
	*cap = NULL;
}

const char *atok_client_auth_id(const struct atok_client_auth *ca)
{
	return ca != NULL ? ca->client_id : NULL;
}

/* An RFC 7523 client assertion signed with our private key. */
static char *client_assertion(const struct atok_client_auth *ca,
                              const char *aud, int64_t now)
{
	char claims[4096], jti_hex[33], *out = NULL;
	unsigned char jti[16];
	int n;

	/* aud goes into JSON verbatim: the caller's URL was checked, but
	 * refuse what would need escaping anyway. */
	if (strpbrk(aud, "\"\\") != NULL || RAND_bytes(jti, sizeof(jti)) != 1)
		return NULL;
	atok_hex(jti, sizeof(jti), jti_hex);
	n = snprintf(claims, sizeof(claims),
	             "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\","
	             "\"jti\":\"%s\",\"iat\":%lld,\"exp\":%lld}",
	             ca->client_id, ca->client_id, aud, jti_hex, (long long)now,
	             (long long)now + 60);
	if (n < 0 || (size_t)n >= sizeof(claims) ||
	    atok_jws_sign(ca->signer, claims, (size_t)n, &out, NULL) != 0)
		return NULL;
	return out;
}

int atok_client_auth_apply(struct atok_client_auth *ca, const char *endpoint,
                           int64_t now, struct atok_form *form,
                           const char **header, struct atok_error *err)
{
	static const char assertion_type[] =
	    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
	char *assertion;

	*header = NULL;
	switch (ca->method) {
	case M_BASIC:
		*header = ca->auth_header;
		return 0;
	case M_NONE:
		atok_form_add(form, "client_id", ca->client_id,
		              strlen(ca->client_id));
		return 0;
	case M_POST:
		atok_form_add(form, "client_id", ca->client_id,
		              strlen(ca->client_id));
		atok_form_add(form, "client_secret", ca->secret,
		              strlen(ca->secret));
		return 0;
	case M_PRIVATE_KEY_JWT:
		if ((assertion = client_assertion(ca, endpoint, now)) == NULL)
			return atok_error_set(
			    err, ATOK_ERR_CRYPTO,
			    "could not sign the client assertion");
		/* client_id form-encoded like every other value: an '&' or
		 * '=' in it must not add a parameter. */
		atok_form_add(form, "client_id", ca->client_id,
		              strlen(ca->client_id));
		atok_form_add(form, "client_assertion_type", assertion_type,
		              sizeof(assertion_type) - 1);
		atok_form_add(form, "client_assertion", assertion,
		              strlen(assertion));
		free(assertion);
		return 0;
	}
	return atok_error_set(err, ATOK_ERR_CONFIG, "bad auth method");
}
