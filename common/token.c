/* SPDX-License-Identifier: BSD-3-Clause */
/* token.c - token shapes: classification, the local token format, hashing. */
#include "ac_config.h"

#include <string.h>

#include <openssl/rand.h>

#include "atok.h"
#include "b64url.h"
#include "config.h"
#include "digest.h"
#include "json.h"
#include "jws.h"
#include "token.h"
#include "util.h"

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int is_b62(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

static int all_b62(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_b62((unsigned char)s[i]))
			return 0;
	return 1;
}

uint32_t atok_crc32(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xffffffffu;
}

/* Fixed-width base62 of a CRC: 62^6 > 2^32. */
static void checksum_encode(uint32_t v, char out[ATOK_LOCAL_CHECKSUM_LEN])
{
	int i;

	for (i = ATOK_LOCAL_CHECKSUM_LEN - 1; i >= 0; i--) {
		out[i] = b62[v % 62];
		v /= 62;
	}
}

int atok_local_id_valid(const char *s, size_t len)
{
	return s != NULL && len == ATOK_LOCAL_ID_LEN && all_b62(s, len);
}

int atok_local_parse(const char *token, size_t len,
                     struct atok_local_token *out)
{
	const size_t id_at = ATOK_LOCAL_PREFIX_LEN;
	const size_t sep_at = id_at + ATOK_LOCAL_ID_LEN;
	const size_t secret_at = sep_at + 1;
	const size_t sum_at = secret_at + ATOK_LOCAL_SECRET_LEN;
	char want[ATOK_LOCAL_CHECKSUM_LEN];

	if (len > ATOK_LOCAL_TOKEN_LEN)
		return ATOK_ERR_TOO_LONG;
	if (len != ATOK_LOCAL_TOKEN_LEN ||
	    memcmp(token, ATOK_LOCAL_PREFIX, ATOK_LOCAL_PREFIX_LEN) != 0 ||
	    token[sep_at] != '_' ||
	    !all_b62(token + id_at, ATOK_LOCAL_ID_LEN) ||
	    !all_b62(token + secret_at,
	             ATOK_LOCAL_SECRET_LEN + ATOK_LOCAL_CHECKSUM_LEN))
		return ATOK_ERR_MALFORMED;
	/* The checksum is public (it guards against typos, not attackers), so
	 * a plain compare is right here. */
	checksum_encode(atok_crc32((const unsigned char *)token, sum_at), want);
	if (memcmp(want, token + sum_at, ATOK_LOCAL_CHECKSUM_LEN) != 0)
		return ATOK_ERR_CHECKSUM;
	if (out != NULL) {
		out->id = token + id_at;
		out->secret = token + secret_at;
	}
	return 0;
}

/* n uniform base62 characters by rejection sampling from RAND_bytes. */
static int random_b62(char *out, size_t n)
{
	unsigned char buf[64];
	size_t got = 0, i;

	while (got < n) {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			return ATOK_ERR_CRYPTO;
		for (i = 0; i < sizeof(buf) && got < n; i++) {
			/* 248 = 4 * 62: keep only bytes below it. */
			if (buf[i] < 248)
				out[got++] = b62[buf[i] % 62];
		}
	}
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int atok_local_generate(char out[ATOK_LOCAL_TOKEN_LEN + 1])
{
	const size_t id_at = ATOK_LOCAL_PREFIX_LEN;
	const size_t sep_at = id_at + ATOK_LOCAL_ID_LEN;
	const size_t secret_at = sep_at + 1;
	const size_t sum_at = secret_at + ATOK_LOCAL_SECRET_LEN;
	int r;

	memcpy(out, ATOK_LOCAL_PREFIX, ATOK_LOCAL_PREFIX_LEN);
	out[sep_at] = '_';
	if ((r = random_b62(out + id_at, ATOK_LOCAL_ID_LEN)) != 0 ||
	    (r = random_b62(out + secret_at, ATOK_LOCAL_SECRET_LEN)) != 0) {
		explicit_bzero(out, ATOK_LOCAL_TOKEN_LEN + 1);
		return r;
	}
	checksum_encode(atok_crc32((unsigned char *)out, sum_at), out + sum_at);
	out[ATOK_LOCAL_TOKEN_LEN] = '\0';
	return 0;
}

int atok_local_hash(const struct atok_local_token *t, unsigned char out[32])
{
	static const char domain[] = "apitoken/v1"; /* with its NUL */
	static const unsigned char nul = 0;
	const struct atok_span parts[] = {
	    {domain, sizeof(domain)},
	    {t->id, ATOK_LOCAL_ID_LEN},
	    {&nul, 1},
	    {t->secret, ATOK_LOCAL_SECRET_LEN},
	};

	return atok_sha256_parts(parts, ATOK_ARRAY_SIZE(parts), out);
}

int atok_fingerprint(const char *token, size_t len,
                     char out[ATOK_FINGERPRINT_LEN + 1])
{
	unsigned char md[32];

	out[0] = '\0';
	if (atok_sha256(token, len, md) != 0)
		return ATOK_ERR_CRYPTO;
	atok_fingerprint_of(md, out);
	return 0;
}

void atok_fingerprint_of(const unsigned char digest[32],
                         char out[ATOK_FINGERPRINT_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < ATOK_FINGERPRINT_LEN / 2; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 0xf];
	}
	out[ATOK_FINGERPRINT_LEN] = '\0';
}

/* Character classes for one-pass classification: RFC 6750 b64token
 * characters, and which of them base64url also allows. */
enum { C_NONE = 0, C_B64URL = 1, C_TOKEN = 2, C_DOT = 4, C_EQ = 8 };

static const unsigned char cls[256] = {
    ['-'] = C_B64URL | C_TOKEN,
    ['_'] = C_B64URL | C_TOKEN,
    ['.'] = C_TOKEN | C_DOT | C_B64URL, /* the JWS separator */
    ['~'] = C_TOKEN,
    ['+'] = C_TOKEN,
    ['/'] = C_TOKEN,
    ['='] = C_EQ,
/* NOLINTNEXTLINE(bugprone-macro-parentheses): a designator, not a value */
#define R(a) [a] = C_B64URL | C_TOKEN
    R('0'),
    R('1'),
    R('2'),
    R('3'),
    R('4'),
    R('5'),
    R('6'),
    R('7'),
    R('8'),
    R('9'),
    R('A'),
    R('B'),
    R('C'),
    R('D'),
    R('E'),
    R('F'),
    R('G'),
    R('H'),
    R('I'),
    R('J'),
    R('K'),
    R('L'),
    R('M'),
    R('N'),
    R('O'),
    R('P'),
    R('Q'),
    R('R'),
    R('S'),
    R('T'),
    R('U'),
    R('V'),
    R('W'),
    R('X'),
    R('Y'),
    R('Z'),
    R('a'),
    R('b'),
    R('c'),
    R('d'),
    R('e'),
    R('f'),
    R('g'),
    R('h'),
    R('i'),
    R('j'),
    R('k'),
    R('l'),
    R('m'),
    R('n'),
    R('o'),
    R('p'),
    R('q'),
    R('r'),
    R('s'),
    R('t'),
    R('u'),
    R('v'),
    R('w'),
    R('x'),
    R('y'),
    R('z'),
#undef R
};

/* Whether the first len characters of a JWS decode to a JSON object. */
static int header_is_object(const char *h, size_t len)
{
	unsigned char buf[ATOK_B64URL_DECODED_MAX(ATOK_JWS_HEADER_MAX)];
	struct atok_json_object obj;
	size_t n = 0;

	/* an over-long header is still a JWT: the JWS parser refuses it
	 * with its own reason; "{" is "ey" in base64url */
	if (len > ATOK_JWS_HEADER_MAX)
		return h[0] == 'e' && h[1] == 'y';
	if (atok_b64url_decode(h, len, buf, sizeof(buf), &n) != 0)
		return 0;
	return atok_json_parse_object((const char *)buf, n, &obj) == 0;
}

enum atok_kind atok_classify(const char *token, size_t len)
{
	const unsigned char *t = (const unsigned char *)token;
	unsigned all = C_B64URL | C_TOKEN | C_DOT | C_EQ;
	size_t i = 0, dots = 0, first_dot = 0;

	if (token == NULL || len == 0 || len > ATOK_TOKEN_MAX)
		return ATOK_KIND_INVALID;
	/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
	 * "+" / "/" ) *"=" */
	for (; i < len && (cls[t[i]] & C_TOKEN); i++) {
		all &= cls[t[i]];
		if (t[i] == '.' && dots++ == 0)
			first_dot = i;
	}
	if (i == 0)
		return ATOK_KIND_INVALID;
	if (i < len) {
		all = 0; /* padding: not base64url */
		while (i < len && t[i] == '=')
			i++;
		if (i != len)
			return ATOK_KIND_INVALID;
	}
	if (len >= ATOK_LOCAL_PREFIX_LEN &&
	    memcmp(token, ATOK_LOCAL_PREFIX, ATOK_LOCAL_PREFIX_LEN) == 0)
		return ATOK_KIND_LOCAL;
	/* A JWS compact serialization: header.payload.signature, all
	 * base64url, header and payload non-empty, and the header a JSON
	 * object.  That last test is what keeps "my.pass.word" from being
	 * sent for introspection as a JWT. */
	if ((all & C_B64URL) && dots == 2 && first_dot > 0 &&
	    t[first_dot + 1] != '.' && header_is_object(token, first_dot))
		return ATOK_KIND_JWT;
	return ATOK_KIND_OPAQUE;
}

static const char *const charset_names[] = {
    [ATOK_CHARSET_B64TOKEN] = "b64token",
    [ATOK_CHARSET_BASE64URL] = "base64url",
    [ATOK_CHARSET_ALNUM] = "alnum",
    [ATOK_CHARSET_HEX] = "hex",
};

static int in_charset(enum atok_charset cs, unsigned char c)
{
	switch (cs) {
	case ATOK_CHARSET_B64TOKEN:
		return (cls[c] & (C_TOKEN | C_EQ)) != 0;
	case ATOK_CHARSET_BASE64URL:
		return (cls[c] & C_B64URL) != 0 && c != '.';
	case ATOK_CHARSET_ALNUM:
		return is_b62(c);
	case ATOK_CHARSET_HEX:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		       (c >= 'A' && c <= 'F');
	}
	return 0;
}

int atok_opaque_shape_load(const struct atok_config *cfg,
                           struct atok_opaque_shape *out,
                           struct atok_error *err)
{
	const char *prefixes, *charset, *p;
	long long min, max;
	size_t n, i;

	memset(out, 0, sizeof(*out));
	if (!atok_config_has_section(cfg, ATOK_CFG_SECTION_INTROSPECTION))
		return 0;
	prefixes = atok_config_str(cfg, ATOK_CFG_INTROSPECTION_OPAQUE_PREFIX);
	charset = atok_config_str(cfg, ATOK_CFG_INTROSPECTION_OPAQUE_CHARSET);
	min = atok_config_int(cfg, ATOK_CFG_INTROSPECTION_OPAQUE_MIN_LENGTH);
	max = atok_config_int(cfg, ATOK_CFG_INTROSPECTION_OPAQUE_MAX_LENGTH);
	for (p = prefixes; p != NULL && *p != '\0';) {
		while (*p == ' ')
			p++;
		if ((n = strcspn(p, " ")) == 0)
			break;
		if (out->n_prefixes == ATOK_OPAQUE_PREFIXES_MAX)
			return atok_error_set(
			    err, ATOK_ERR_CONFIG,
			    "introspection.opaque_prefix: more than %d "
			    "prefixes",
			    ATOK_OPAQUE_PREFIXES_MAX);
		if (n > ATOK_OPAQUE_PREFIX_MAX)
			return atok_error_set(
			    err, ATOK_ERR_CONFIG,
			    "introspection.opaque_prefix: \"%.*s\" is longer "
			    "than %d bytes",
			    (int)n, p, ATOK_OPAQUE_PREFIX_MAX);
		for (i = 0; i < n; i++)
			if (!(cls[(unsigned char)p[i]] & C_TOKEN))
				return atok_error_set(
				    err, ATOK_ERR_CONFIG,
				    "introspection.opaque_prefix: \"%.*s\" "
				    "holds bytes no token may hold",
				    (int)n, p);
		memcpy(out->prefix[out->n_prefixes], p, n);
		out->prefix[out->n_prefixes++][n] = '\0';
		p += n;
	}
	/* min/max are 0 when unset (the table gives no default) */
	if (out->n_prefixes == 0 && min == 0)
		return 0; /* nothing declared: no opaque token at all */
	if (out->n_prefixes == 0 && min < ATOK_OPAQUE_BARE_MIN)
		return atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "introspection: opaque tokens declared without "
		    "opaque_prefix need opaque_min_length of at least %d "
		    "(shorter input is too easily a password)",
		    ATOK_OPAQUE_BARE_MIN);
	if (max == 0)
		max = ATOK_TOKEN_MAX;
	if (min > max)
		return atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "introspection: opaque_min_length %lld is "
		    "over opaque_max_length %lld",
		    min, max);
	for (i = 0; i < ATOK_ARRAY_SIZE(charset_names); i++)
		if (charset != NULL && strcmp(charset, charset_names[i]) == 0)
			out->charset = (enum atok_charset)i;
	out->min_len = min > 0 ? (size_t)min : 1;
	out->max_len = (size_t)max;
	out->declared = 1;
	return 0;
}

/* Whether token has one of the shape's prefixes (any, when none is
 * declared); *skip gets the prefix's length. */
static int prefix_match(const struct atok_opaque_shape *s, const char *token,
                        size_t len, size_t *skip)
{
	size_t i, n;

	*skip = 0;
	if (s->n_prefixes == 0)
		return 1;
	for (i = 0; i < s->n_prefixes; i++) {
		n = strlen(s->prefix[i]);
		/* a plain compare: the prefixes are public configuration,
		 * and nothing here is a secret yet */
		if (n <= len && memcmp(token, s->prefix[i], n) == 0) {
			*skip = n;
			return 1;
		}
	}
	return 0;
}

enum atok_kind atok_classify_declared(const struct atok_opaque_shape *shape,
                                      const char *token, size_t len)
{
	enum atok_kind kind = atok_classify(token, len);
	size_t i, skip;

	if (kind != ATOK_KIND_OPAQUE)
		return kind;
	if (shape == NULL || !shape->declared || len < shape->min_len ||
	    len > shape->max_len || !prefix_match(shape, token, len, &skip) ||
	    skip == len)
		return ATOK_KIND_INVALID;
	for (i = skip; i < len; i++)
		if (!in_charset(shape->charset, (unsigned char)token[i]))
			return ATOK_KIND_INVALID;
	return ATOK_KIND_OPAQUE;
}
