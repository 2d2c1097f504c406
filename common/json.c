/* SPDX-License-Identifier: BSD-3-Clause */
/* json.c - a strict, allocation-free JSON reader for JWT headers/claims.
 * Why it exists instead of jansson on this path: see json.h. */
#include "ac_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "json.h"

struct cursor {
	const unsigned char *s;
	size_t len, i;
	int depth;
};

static void skip_ws(struct cursor *c)
{
	while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t' ||
	                         c->s[c->i] == '\n' || c->s[c->i] == '\r'))
		c->i++;
}

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits of a \u escape at s[0..4). */
static long hex4(const unsigned char *s, size_t avail)
{
	long v = 0;
	int k, h;

	if (avail < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((h = hexval(s[k])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Length of one valid UTF-8 sequence at s (first byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		if (b == 0xe0)
			lo = 0xa0; /* no overlongs */
		else if (b == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f; /* <= U+10FFFF */
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Scans a string at c->i (on the opening quote). */
static int scan_string(struct cursor *c, const char **start, size_t *slen,
                       unsigned char *escaped)
{
	size_t i = c->i + 1, n;
	long u, u2;

	*escaped = 0;
	*start = (const char *)c->s + i;
	while (i < c->len) {
		unsigned char ch = c->s[i];
		if (ch == '"') {
			*slen = i - (c->i + 1);
			c->i = i + 1;
			return 0;
		}
		if (ch < 0x20)
			return ATOK_ERR_MALFORMED;
		if (ch == '\\') {
			*escaped = 1;
			if (++i >= c->len)
				return ATOK_ERR_MALFORMED;
			switch (c->s[i]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				i++;
				continue;
			case 'u':
				u = hex4(c->s + i + 1, c->len - i - 1);
				/* U+0000 never belongs in a name or claim. */
				if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
					return ATOK_ERR_MALFORMED;
				i += 5;
				if (u >= 0xd800 && u <= 0xdbff) {
					if (i + 6 > c->len || c->s[i] != '\\' ||
					    c->s[i + 1] != 'u')
						return ATOK_ERR_MALFORMED;
					u2 = hex4(c->s + i + 2, c->len - i - 2);
					if (u2 < 0xdc00 || u2 > 0xdfff)
						return ATOK_ERR_MALFORMED;
					i += 6;
				}
				continue;
			default:
				return ATOK_ERR_MALFORMED;
			}
		}
		if (ch >= 0x80) {
			if ((n = utf8_len(c->s + i, c->len - i)) == 0)
				return ATOK_ERR_MALFORMED;
			i += n;
			continue;
		}
		i++;
	}
	return ATOK_ERR_MALFORMED;
}

static int digits(struct cursor *c)
{
	size_t start = c->i;

	while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i > start;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct cursor *c)
{
	if (c->i < c->len && c->s[c->i] == '-')
		c->i++;
	if (c->i >= c->len)
		return ATOK_ERR_MALFORMED;
	if (c->s[c->i] == '0')
		c->i++;
	else if (!digits(c))
		return ATOK_ERR_MALFORMED;
	if (c->i < c->len && c->s[c->i] == '.') {
		c->i++;
		if (!digits(c))
			return ATOK_ERR_MALFORMED;
	}
	if (c->i < c->len && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (c->i < c->len && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (!digits(c))
			return ATOK_ERR_MALFORMED;
	}
	return 0;
}

static int scan_literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if (c->len - c->i < n || memcmp(c->s + c->i, word, n) != 0)
		return ATOK_ERR_MALFORMED;
	c->i += n;
	return 0;
}

static int scan_value(struct cursor *c, struct atok_json_member *m);

/* An object or array nested in a value: validated, not indexed.  Recurses
 * through scan_value(), at most ATOK_JSON_DEPTH_MAX deep. */
/* NOLINTNEXTLINE(misc-no-recursion): depth capped, see c->depth */
static int scan_container(struct cursor *c, unsigned char open)
{
	struct atok_json_member tmp;
	unsigned char close = open == '{' ? '}' : ']';
	int first = 1, r;

	if (++c->depth > ATOK_JSON_DEPTH_MAX)
		return ATOK_ERR_TOO_LONG;
	c->i++;
	for (;;) {
		skip_ws(c);
		if (c->i >= c->len)
			return ATOK_ERR_MALFORMED;
		if (c->s[c->i] == close && first) {
			c->i++;
			break;
		}
		if (open == '{') {
			if (c->s[c->i] != '"' ||
			    scan_string(c, &tmp.name, &tmp.name_len,
			                &tmp.name_escaped) != 0)
				return ATOK_ERR_MALFORMED;
			skip_ws(c);
			if (c->i >= c->len || c->s[c->i] != ':')
				return ATOK_ERR_MALFORMED;
			c->i++;
			skip_ws(c);
		}
		if ((r = scan_value(c, &tmp)) != 0)
			return r;
		skip_ws(c);
		if (c->i >= c->len)
			return ATOK_ERR_MALFORMED;
		if (c->s[c->i] == close) {
			c->i++;
			break;
		}
		if (c->s[c->i] != ',')
			return ATOK_ERR_MALFORMED;
		c->i++;
		first = 0;
	}
	c->depth--;
	return 0;
}

/* NOLINTNEXTLINE(misc-no-recursion): depth capped in scan_container() */
static int scan_value(struct cursor *c, struct atok_json_member *m)
{
	size_t start = c->i;
	int r;

	if (c->i >= c->len)
		return ATOK_ERR_MALFORMED;
	m->value_escaped = 0;
	switch (c->s[c->i]) {
	case '"':
		m->type = ATOK_JSON_STRING;
		return scan_string(c, &m->value, &m->value_len,
		                   &m->value_escaped);
	case '{':
	case '[':
		m->type =
		    c->s[c->i] == '{' ? ATOK_JSON_OBJECT : ATOK_JSON_ARRAY;
		r = scan_container(c, c->s[c->i]);
		break;
	case 't':
		m->type = ATOK_JSON_TRUE;
		r = scan_literal(c, "true");
		break;
	case 'f':
		m->type = ATOK_JSON_FALSE;
		r = scan_literal(c, "false");
		break;
	case 'n':
		m->type = ATOK_JSON_NULL;
		r = scan_literal(c, "null");
		break;
	default:
		m->type = ATOK_JSON_NUMBER;
		r = scan_number(c);
		break;
	}
	m->value = (const char *)c->s + start;
	m->value_len = c->i - start;
	return r;
}

/* Decodes a string span; out may be NULL to only measure. */
static int decode(const char *s, size_t len, int escaped, char *out,
                  size_t outsz, size_t *outlen)
{
	size_t i = 0, o = 0;
	long u, u2;

	if (!escaped) {
		if (len >= outsz)
			return ATOK_ERR_TOO_LONG;
		memcpy(out, s, len);
		out[len] = '\0';
		if (outlen != NULL)
			*outlen = len;
		return 0;
	}
	while (i < len) {
		unsigned char ch = (unsigned char)s[i];
		char tmp[4];
		size_t n = 1;

		if (ch != '\\') {
			tmp[0] = (char)ch;
			i++;
		} else {
			switch (s[i + 1]) {
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u':
				/* Validated by scan_string(). */
				u = hex4((const unsigned char *)s + i + 2, 4);
				i += 6;
				if (u >= 0xd800 && u <= 0xdbff) {
					u2 = hex4((const unsigned char *)s + i +
					              2,
					          4);
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (u2 - 0xdc00);
					i += 6;
				}
				if (u < 0x80) {
					tmp[0] = (char)u;
				} else if (u < 0x800) {
					tmp[0] = (char)(0xc0 | u >> 6);
					tmp[1] = (char)(0x80 | (u & 0x3f));
					n = 2;
				} else if (u < 0x10000) {
					tmp[0] = (char)(0xe0 | u >> 12);
					tmp[1] =
					    (char)(0x80 | ((u >> 6) & 0x3f));
					tmp[2] = (char)(0x80 | (u & 0x3f));
					n = 3;
				} else {
					tmp[0] = (char)(0xf0 | u >> 18);
					tmp[1] =
					    (char)(0x80 | ((u >> 12) & 0x3f));
					tmp[2] =
					    (char)(0x80 | ((u >> 6) & 0x3f));
					tmp[3] = (char)(0x80 | (u & 0x3f));
					n = 4;
				}
				goto put;
			default: /* " \ / */
				tmp[0] = s[i + 1];
				break;
			}
			i += 2;
		}
	put:
		if (o + n >= outsz)
			return ATOK_ERR_TOO_LONG;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

static int names_equal(const struct atok_json_member *a,
                       const struct atok_json_member *b)
{
	char da[ATOK_JSON_NAME_MAX + 1], db[ATOK_JSON_NAME_MAX + 1];
	size_t la, lb;

	if (!a->name_escaped && !b->name_escaped)
		return a->name_len == b->name_len &&
		       memcmp(a->name, b->name, a->name_len) == 0;
	/* Parsed names always decode (their length is checked then); a name
	 * asked for that does not fit the limit equals none of them. */
	if (decode(a->name, a->name_len, a->name_escaped, da, sizeof(da),
	           &la) != 0 ||
	    decode(b->name, b->name_len, b->name_escaped, db, sizeof(db),
	           &lb) != 0)
		return 0;
	return la == lb && memcmp(da, db, la) == 0;
}

/* Whether an escaped name decodes within ATOK_JSON_NAME_MAX bytes. */
static int name_fits(const struct atok_json_member *m)
{
	char tmp[ATOK_JSON_NAME_MAX + 1];

	return decode(m->name, m->name_len, 1, tmp, sizeof(tmp), NULL) == 0;
}

int atok_json_parse_object(const char *buf, size_t len,
                           struct atok_json_object *out)
{
	struct cursor c = {(const unsigned char *)buf, len, 0, 1};
	struct atok_json_member *m;
	size_t j, k;
	int r;

	out->n = 0;
	skip_ws(&c);
	if (c.i >= c.len || c.s[c.i] != '{')
		return ATOK_ERR_MALFORMED;
	c.i++;
	skip_ws(&c);
	if (c.i < c.len && c.s[c.i] == '}') {
		c.i++;
		goto end;
	}
	for (;;) {
		if (out->n >= ATOK_JSON_MEMBERS_MAX)
			return ATOK_ERR_TOO_LONG;
		m = &out->m[out->n];
		skip_ws(&c);
		if (c.i >= c.len || c.s[c.i] != '"' ||
		    scan_string(&c, &m->name, &m->name_len, &m->name_escaped) !=
		        0)
			return ATOK_ERR_MALFORMED;
		if (!m->name_escaped ? m->name_len > ATOK_JSON_NAME_MAX
		                     : !name_fits(m))
			return ATOK_ERR_TOO_LONG;
		skip_ws(&c);
		if (c.i >= c.len || c.s[c.i] != ':')
			return ATOK_ERR_MALFORMED;
		c.i++;
		skip_ws(&c);
		if ((r = scan_value(&c, m)) != 0)
			return r;
		out->n++;
		skip_ws(&c);
		if (c.i >= c.len)
			return ATOK_ERR_MALFORMED;
		if (c.s[c.i] == '}') {
			c.i++;
			break;
		}
		if (c.s[c.i] != ',')
			return ATOK_ERR_MALFORMED;
		c.i++;
	}
end:
	skip_ws(&c);
	if (c.i != c.len)
		return ATOK_ERR_MALFORMED;
	for (j = 0; j < out->n; j++)
		for (k = j + 1; k < out->n; k++)
			if (names_equal(&out->m[j], &out->m[k]))
				return ATOK_ERR_MALFORMED;
	return 0;
}

const struct atok_json_member *atok_json_get(const struct atok_json_object *o,
                                             const char *name)
{
	struct atok_json_member want;
	size_t j;

	want.name = name;
	want.name_len = strlen(name);
	want.name_escaped = 0;
	for (j = 0; j < o->n; j++)
		if (names_equal(&o->m[j], &want))
			return &o->m[j];
	return NULL;
}

int atok_json_string(const struct atok_json_member *m, char *out, size_t outsz,
                     size_t *outlen)
{
	if (m == NULL || m->type != ATOK_JSON_STRING || outsz == 0)
		return ATOK_ERR_MALFORMED;
	return decode(m->value, m->value_len, m->value_escaped, out, outsz,
	              outlen);
}

int atok_json_string_eq(const struct atok_json_member *m, const char *s)
{
	char buf[1024];
	size_t n = strlen(s), got;

	if (m == NULL || m->type != ATOK_JSON_STRING)
		return 0;
	if (!m->value_escaped)
		return m->value_len == n && memcmp(m->value, s, n) == 0;
	if (decode(m->value, m->value_len, 1, buf, sizeof(buf), &got) != 0)
		return 0;
	return got == n && memcmp(buf, s, n) == 0;
}

int atok_json_numeric_date(const struct atok_json_member *m, int64_t *out)
{
	/* Exact decimal arithmetic, no strtod(): the host's LC_NUMERIC (a
	 * PAM or SASL host may have called setlocale) must not change what
	 * a token means.  The grammar was checked by the parser. */
	char d[64];
	size_t i = 0, n = 0, intlen = 0, k;
	long exp = 0;
	int64_t v = 0;
	long point;

	if (m == NULL || m->type != ATOK_JSON_NUMBER || m->value[0] == '-' ||
	    m->value_len > ATOK_JSON_NUMBER_MAX)
		return ATOK_ERR_MALFORMED;
	for (; i < m->value_len && m->value[i] >= '0' && m->value[i] <= '9';
	     i++)
		if (n < sizeof(d))
			d[n++] = m->value[i];
		else
			return ATOK_ERR_MALFORMED;
	intlen = n;
	if (i < m->value_len && m->value[i] == '.')
		for (i++; i < m->value_len && m->value[i] >= '0' &&
		          m->value[i] <= '9';
		     i++)
			if (n < sizeof(d))
				d[n++] = m->value[i];
	if (i < m->value_len && (m->value[i] == 'e' || m->value[i] == 'E')) {
		int neg = 0;
		i++;
		if (m->value[i] == '+' || m->value[i] == '-')
			neg = m->value[i++] == '-';
		for (; i < m->value_len; i++) {
			exp = exp * 10 + (m->value[i] - '0');
			if (exp > 1000)
				exp = 1000; /* far out of range either way */
		}
		if (neg)
			exp = -exp;
	}
	/* The value is 0.d[0]d[1]... x 10^point: drop leading zeros of
	 * the digits (each one lowers point), then keep the whole seconds. */
	point = (long)intlen + exp;
	for (k = 0; k < n && d[k] == '0'; k++)
		point--;
	if (k == n) { /* all zeros */
		*out = 0;
		return 0;
	}
	if (point > 12) /* >= 10^12 with a non-zero first digit */
		return ATOK_ERR_MALFORMED;
	{
		size_t first = k;
		for (; (long)(k - first) < point; k++)
			v = v * 10 + (k < n ? d[k] - '0' : 0);
	}
	/* The range holds for the value itself, not just its whole part. */
	if (v == 253402300799LL)
		for (; (long)k < (long)n; k++)
			if (d[k] != '0')
				return ATOK_ERR_MALFORMED;
	if (v > 253402300799LL)
		return ATOK_ERR_MALFORMED;
	*out = v;
	return 0;
}

int atok_json_array_next(const struct atok_json_member *arr, size_t *pos,
                         struct atok_json_member *elem)
{
	struct cursor c;

	if (arr == NULL || arr->type != ATOK_JSON_ARRAY)
		return 0;
	c.s = (const unsigned char *)arr->value;
	c.len = arr->value_len;
	c.i = *pos;
	c.depth = 1;
	if (c.i == 0)
		c.i = 1; /* past '[' */
	skip_ws(&c);
	if (c.i >= c.len || c.s[c.i] == ']')
		return 0;
	if (c.s[c.i] == ',') {
		c.i++;
		skip_ws(&c);
	}
	memset(elem, 0, sizeof(*elem));
	if (scan_value(&c, elem) != 0)
		return 0;
	*pos = c.i;
	return 1;
}

int atok_json_holds_string(const struct atok_json_member *m, const char *s)
{
	struct atok_json_member e;
	size_t pos = 0;

	if (m == NULL)
		return 0;
	if (m->type == ATOK_JSON_STRING)
		return atok_json_string_eq(m, s);
	while (atok_json_array_next(m, &pos, &e))
		if (atok_json_string_eq(&e, s))
			return 1;
	return 0;
}
