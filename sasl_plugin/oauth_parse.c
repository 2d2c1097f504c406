/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oauth_parse.c - strict, length-based parsers and builders of the
 * OAUTHBEARER (RFC 7628 section 3.1) and XOAUTH2 client messages.
 *
 *   client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
 *   gs2-header  = gs2-cb-flag "," [ "a=" saslname ] ","      (RFC 5801)
 *   kvpair      = key "=" value kvsep
 *   key         = 1*ALPHA
 *   value       = *(VCHAR / SP / HTAB / CR / LF)
 *   auth-value  = "Bearer" 1*SP b64token                     (RFC 6750)
 *   b64token    = 1*(ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/")
 *                 *"="
 *
 * Stricter than the grammar where it costs no client anything: only the
 * exact escapes "=2C" and "=3D", authorization ids are well-formed UTF-8
 * without controls or spaces, NUL is refused anywhere.  Unknown keys of
 * the grammar are ignored, as section 3.1 requires.
 */
#include "ac_config.h"

#include <stdio.h>
#include <string.h>

#include "oauth_parse.h"

#define BEARER     "bearer"
#define BEARER_LEN 6

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* value = *(VCHAR / SP / HTAB / CR / LF) */
static int is_value_char(unsigned char c)
{
	return is_vchar(c) || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * Whether s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) without C0 controls, SP or DEL.
 */
static int name_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned long cp, min;

	while (i < len) {
		unsigned char c = s[i];

		if (c <= 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* RFC 6750 b64token. */
static int b64token_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-' ||
	                   s[i] == '.' || s[i] == '_' || s[i] == '~' ||
	                   s[i] == '+' || s[i] == '/'))
		i++;
	if (i == 0)
		return 0;
	while (i < len && s[i] == '=')
		i++;
	return i == len;
}

/*
 * Checks "Bearer" 1*SP b64token in v[0..len) and points *tok at the
 * token.  Returns OAUTH_OK or an error.
 */
static int parse_auth_value(const char *v, size_t len, const char **tok,
                            size_t *toklen)
{
	size_t i;

	if (len < BEARER_LEN + 1)
		return OAUTH_E_SCHEME;
	for (i = 0; i < BEARER_LEN; i++) {
		if (lower((unsigned char)v[i]) != BEARER[i])
			return OAUTH_E_SCHEME;
	}
	if (v[i] != ' ')
		return OAUTH_E_SCHEME;
	while (i < len && v[i] == ' ')
		i++;
	if (i == len)
		return OAUTH_E_TOKEN;
	if (len - i > ATOK_TOKEN_MAX)
		return OAUTH_E_TOKEN_TOO_LONG;
	if (!b64token_valid((const unsigned char *)v + i, len - i))
		return OAUTH_E_TOKEN;
	*tok = v + i;
	*toklen = len - i;
	return OAUTH_OK;
}

/* Checks the limits every message shares. */
static int precheck(const char *buf, size_t len, struct oauth_msg *out)
{
	if (buf == NULL || out == NULL)
		return OAUTH_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (len > OAUTH_MSG_MAX)
		return OAUTH_E_TOO_LONG;
	if (memchr(buf, '\0', len) != NULL)
		return OAUTH_E_NUL;
	if (len == 0)
		return OAUTH_E_TRUNCATED;
	if (len == 1 && buf[0] == OAUTH_KVSEP)
		return OAUTH_ERROR_REPLY;
	return OAUTH_OK;
}

/*
 * Decodes the saslname s[0..len) (only "=2C" and "=3D" escapes) into
 * out->authzid and checks it.
 */
static int decode_saslname(const char *s, size_t len, struct oauth_msg *out)
{
	size_t i = 0, o = 0;
	char c;

	if (len == 0)
		return OAUTH_E_AUTHZID;
	while (i < len) {
		c = s[i];
		if (c == '=') {
			if (len - i < 3)
				return OAUTH_E_AUTHZID;
			if (s[i + 1] == '2' && s[i + 2] == 'C')
				c = ',';
			else if (s[i + 1] == '3' && s[i + 2] == 'D')
				c = '=';
			else
				return OAUTH_E_AUTHZID;
			i += 3;
		} else {
			i++;
		}
		if (o >= OAUTH_AUTHZID_MAX)
			return OAUTH_E_AUTHZID;
		out->authzid[o++] = c;
	}
	out->authzid[o] = '\0';
	out->authzid_len = o;
	if (!name_valid((const unsigned char *)out->authzid, o))
		return OAUTH_E_AUTHZID;
	return OAUTH_OK;
}

/* gs2-header, then the kvsep that follows it.  *pos is advanced. */
static int parse_gs2_header(const char *buf, size_t len, size_t *pos,
                            struct oauth_msg *out)
{
	const char *comma;
	size_t i = 0;
	int r;

	if (buf[0] == 'p')
		return OAUTH_E_CBIND;
	if (buf[0] != 'n' && buf[0] != 'y')
		return OAUTH_E_GS2;
	out->gs2_cbflag = buf[0];
	if (len < 2)
		return OAUTH_E_TRUNCATED;
	if (buf[1] != ',')
		return OAUTH_E_GS2;
	i = 2;
	if (i == len)
		return OAUTH_E_TRUNCATED;
	if (buf[i] == 'a') {
		if (i + 1 == len)
			return OAUTH_E_TRUNCATED;
		if (buf[i + 1] != '=')
			return OAUTH_E_GS2;
		i += 2;
		comma = memchr(buf + i, ',', len - i);
		if (comma == NULL)
			return OAUTH_E_TRUNCATED;
		if ((r = decode_saslname(buf + i, (size_t)(comma - (buf + i)),
		                         out)) != OAUTH_OK)
			return r;
		i = (size_t)(comma - buf);
	}
	if (buf[i] != ',')
		return OAUTH_E_GS2;
	i++;
	if (i == len)
		return OAUTH_E_TRUNCATED;
	if (buf[i] != OAUTH_KVSEP)
		return OAUTH_E_GS2;
	*pos = i + 1;
	return OAUTH_OK;
}

/*
 * One kvpair at buf[*pos]: key and value (without the kvsep) are
 * returned and *pos moves past the kvsep.
 */
static int parse_kvpair(const char *buf, size_t len, size_t *pos,
                        const char **key, size_t *keylen, const char **val,
                        size_t *vallen)
{
	size_t i = *pos, start = *pos;

	while (i < len && is_alpha((unsigned char)buf[i]))
		i++;
	if (i == len)
		return OAUTH_E_TRUNCATED;
	if (buf[i] != '=' || i == start)
		return OAUTH_E_KVPAIR;
	*key = buf + start;
	*keylen = i - start;
	start = ++i;
	while (i < len && buf[i] != OAUTH_KVSEP) {
		if (!is_value_char((unsigned char)buf[i]))
			return OAUTH_E_KVPAIR;
		i++;
	}
	if (i == len)
		return OAUTH_E_TRUNCATED;
	*val = buf + start;
	*vallen = i - start;
	*pos = i + 1;
	return OAUTH_OK;
}

static int key_is(const char *key, size_t keylen, const char *name)
{
	return keylen == strlen(name) && memcmp(key, name, keylen) == 0;
}

static int parse_port(const char *v, size_t len)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > OAUTH_PORT_MAX)
		return OAUTH_E_HOST;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)v[i]))
			return OAUTH_E_HOST;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	return n <= 65535 ? OAUTH_OK : OAUTH_E_HOST;
}

static int parse_host(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || len > OAUTH_HOST_MAX)
		return OAUTH_E_HOST;
	for (i = 0; i < len; i++) {
		if (!is_vchar((unsigned char)v[i]))
			return OAUTH_E_HOST;
	}
	return OAUTH_OK;
}

static int parse_oauthbearer(const char *buf, size_t len, struct oauth_msg *out)
{
	const char *key, *val;
	size_t pos = 0, keylen, vallen, npairs = 0;
	int r, have_auth = 0;

	if ((r = precheck(buf, len, out)) != OAUTH_OK)
		return r;
	if ((r = parse_gs2_header(buf, len, &pos, out)) != OAUTH_OK)
		return r;
	for (;;) {
		if (pos == len)
			return OAUTH_E_TRUNCATED;
		if (buf[pos] == OAUTH_KVSEP)
			break;
		if (++npairs > OAUTH_KV_MAX)
			return OAUTH_E_TOO_MANY;
		r = parse_kvpair(buf, len, &pos, &key, &keylen, &val, &vallen);
		if (r != OAUTH_OK)
			return r;
		if (key_is(key, keylen, "auth")) {
			if (have_auth++)
				return OAUTH_E_DUPLICATE;
			if (vallen == 0)
				continue; /* discovery: token stays NULL */
			r = parse_auth_value(val, vallen, &out->token,
			                     &out->token_len);
			if (r != OAUTH_OK)
				return r;
		} else if (key_is(key, keylen, "host")) {
			if (out->host != NULL)
				return OAUTH_E_DUPLICATE;
			if ((r = parse_host(val, vallen)) != OAUTH_OK)
				return r;
			out->host = val;
			out->host_len = vallen;
		} else if (key_is(key, keylen, "port")) {
			if (out->port != NULL)
				return OAUTH_E_DUPLICATE;
			if ((r = parse_port(val, vallen)) != OAUTH_OK)
				return r;
			out->port = val;
			out->port_len = vallen;
		}
		/* other keys: ignored (RFC 7628 section 3.1) */
	}
	if (pos + 1 != len)
		return OAUTH_E_TRAILING;
	if (!have_auth)
		return OAUTH_E_NO_AUTH;
	return OAUTH_OK;
}

/* Matches the literal lit at buf[*pos]: OK, TRUNCATED or KVPAIR. */
static int expect(const char *buf, size_t len, size_t *pos, const char *lit)
{
	size_t n = strlen(lit), avail = len - *pos;

	if (memcmp(buf + *pos, lit, avail < n ? avail : n) != 0)
		return OAUTH_E_KVPAIR;
	if (avail < n)
		return OAUTH_E_TRUNCATED;
	*pos += n;
	return OAUTH_OK;
}

static int parse_xoauth2(const char *buf, size_t len, struct oauth_msg *out)
{
	const char *end, *val;
	size_t pos = 0, vallen;
	int r;

	if ((r = precheck(buf, len, out)) != OAUTH_OK)
		return r;
	if ((r = expect(buf, len, &pos, "user=")) != OAUTH_OK)
		return r;
	if ((end = memchr(buf + pos, OAUTH_KVSEP, len - pos)) == NULL)
		return OAUTH_E_TRUNCATED;
	vallen = (size_t)(end - (buf + pos));
	if (vallen == 0 || vallen > OAUTH_AUTHZID_MAX ||
	    !name_valid((const unsigned char *)buf + pos, vallen))
		return OAUTH_E_AUTHZID;
	memcpy(out->authzid, buf + pos, vallen);
	out->authzid[vallen] = '\0';
	out->authzid_len = vallen;
	pos += vallen + 1;
	if ((r = expect(buf, len, &pos, "auth=")) != OAUTH_OK)
		return r;
	val = buf + pos;
	while (pos < len && buf[pos] != OAUTH_KVSEP) {
		if (!is_value_char((unsigned char)buf[pos]))
			return OAUTH_E_KVPAIR;
		pos++;
	}
	if (pos == len)
		return OAUTH_E_TRUNCATED;
	vallen = (size_t)(buf + pos - val);
	if ((r = parse_auth_value(val, vallen, &out->token, &out->token_len)) !=
	    OAUTH_OK)
		return r;
	pos++;
	if (pos == len)
		return OAUTH_E_TRUNCATED;
	if (buf[pos] != OAUTH_KVSEP)
		return OAUTH_E_KVPAIR;
	if (pos + 1 != len)
		return OAUTH_E_TRAILING;
	return OAUTH_OK;
}

int oauth_parse_oauthbearer(const char *buf, size_t len, struct oauth_msg *out)
{
	int r = parse_oauthbearer(buf, len, out);

	if (r != OAUTH_OK && out != NULL)
		memset(out, 0, sizeof(*out));
	return r;
}

int oauth_parse_xoauth2(const char *buf, size_t len, struct oauth_msg *out)
{
	int r = parse_xoauth2(buf, len, out);

	if (r != OAUTH_OK && out != NULL)
		memset(out, 0, sizeof(*out));
	return r;
}

const char *oauth_parse_strerror(int rc)
{
	switch (rc) {
	case OAUTH_OK:
		return "ok";
	case OAUTH_ERROR_REPLY:
		return "error reply (a lone kvsep)";
	case OAUTH_E_TOO_LONG:
		return "message too long";
	case OAUTH_E_NUL:
		return "NUL byte in message";
	case OAUTH_E_GS2:
		return "malformed GS2 header";
	case OAUTH_E_CBIND:
		return "channel binding is not supported";
	case OAUTH_E_AUTHZID:
		return "malformed authorization identity";
	case OAUTH_E_KVPAIR:
		return "malformed key/value pair";
	case OAUTH_E_DUPLICATE:
		return "duplicate key";
	case OAUTH_E_NO_AUTH:
		return "no auth key";
	case OAUTH_E_SCHEME:
		return "auth scheme is not Bearer";
	case OAUTH_E_TOKEN:
		return "malformed bearer token";
	case OAUTH_E_TOKEN_TOO_LONG:
		return "bearer token too long";
	case OAUTH_E_TRUNCATED:
		return "message truncated (no final separator)";
	case OAUTH_E_TRAILING:
		return "bytes after the final separator";
	case OAUTH_E_TOO_MANY:
		return "too many key/value pairs";
	case OAUTH_E_HOST:
		return "malformed host or port";
	case OAUTH_E_INVALID:
		return "invalid argument";
	}
	return "unknown";
}

/* A bounded writer for the builders. */
struct out {
	char *p;
	size_t sz, n;
	int overflow;
};

static void put(struct out *o, const char *s, size_t len)
{
	if (o->overflow || o->sz - o->n < len + 1) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
	o->p[o->n] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static long finish(struct out *o)
{
	if (o->overflow) {
		if (o->sz > 0)
			o->p[0] = '\0';
		return OAUTH_E_TOO_LONG;
	}
	return (long)o->n;
}

static int check_token(const char *token, size_t token_len)
{
	if (token == NULL || token_len == 0)
		return OAUTH_E_TOKEN;
	if (token_len > ATOK_TOKEN_MAX)
		return OAUTH_E_TOKEN_TOO_LONG;
	if (!b64token_valid((const unsigned char *)token, token_len))
		return OAUTH_E_TOKEN;
	return OAUTH_OK;
}

long oauth_build_oauthbearer(const char *authzid, const char *host,
                             unsigned port, const char *token, size_t token_len,
                             char *out, size_t outsz)
{
	struct out o = {out, outsz, 0, 0};
	char portbuf[8];
	size_t i, alen;
	int r;

	if (out == NULL)
		return OAUTH_E_INVALID;
	if ((r = check_token(token, token_len)) != OAUTH_OK)
		return r;
	alen = authzid != NULL ? strlen(authzid) : 0;
	if (alen > OAUTH_AUTHZID_MAX ||
	    !name_valid((const unsigned char *)authzid, alen))
		return OAUTH_E_AUTHZID;
	if (host != NULL && parse_host(host, strlen(host)) != OAUTH_OK)
		return OAUTH_E_HOST;
	if (port > 65535)
		return OAUTH_E_HOST;
	if (outsz > 0)
		out[0] = '\0';
	puts_(&o, "n,");
	if (alen > 0) {
		puts_(&o, "a=");
		for (i = 0; i < alen; i++) {
			if (authzid[i] == ',')
				puts_(&o, "=2C");
			else if (authzid[i] == '=')
				puts_(&o, "=3D");
			else
				put(&o, authzid + i, 1);
		}
	}
	puts_(&o, ",\x01");
	if (host != NULL) {
		puts_(&o, "host=");
		puts_(&o, host);
		puts_(&o, "\x01");
	}
	if (port != 0) {
		snprintf(portbuf, sizeof(portbuf), "%u", port);
		puts_(&o, "port=");
		puts_(&o, portbuf);
		puts_(&o, "\x01");
	}
	puts_(&o, "auth=Bearer ");
	put(&o, token, token_len);
	puts_(&o, "\x01\x01");
	return finish(&o);
}

long oauth_build_xoauth2(const char *user, const char *token, size_t token_len,
                         char *out, size_t outsz)
{
	struct out o = {out, outsz, 0, 0};
	size_t ulen;
	int r;

	if (out == NULL)
		return OAUTH_E_INVALID;
	if ((r = check_token(token, token_len)) != OAUTH_OK)
		return r;
	ulen = user != NULL ? strlen(user) : 0;
	if (ulen == 0 || ulen > OAUTH_AUTHZID_MAX ||
	    !name_valid((const unsigned char *)user, ulen))
		return OAUTH_E_AUTHZID;
	if (outsz > 0)
		out[0] = '\0';
	puts_(&o, "user=");
	put(&o, user, ulen);
	puts_(&o, "\x01"
	          "auth=Bearer ");
	put(&o, token, token_len);
	puts_(&o, "\x01\x01");
	return finish(&o);
}

long oauth_json_string(const char *s, size_t len, char *out, size_t outsz)
{
	struct out o = {out, outsz, 0, 0};
	char esc[7];
	size_t i;
	unsigned char c;

	if (out == NULL || (s == NULL && len > 0))
		return -1;
	if (outsz > 0)
		out[0] = '\0';
	puts_(&o, "\"");
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(&o, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(&o, esc, 6);
		} else {
			put(&o, s + i, 1);
		}
	}
	puts_(&o, "\"");
	return o.overflow ? -1 : (long)o.n;
}
