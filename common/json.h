/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json.h - a strict, allocation-free JSON reader for JWT headers and claims.
 *
 * Why not jansson here: jansson builds a DOM with an allocation per value;
 * measured with callgrind it cost 64,000 instructions per token (half of an
 * HS256 verification, 14% of an RS256 one), which alone misses the
 * project's speed goals.  A JWT needs far less: one object, its top-level
 * members found by name, strings, NumericDates and arrays of strings.
 * jansson still parses JWKS documents and everything off the hot path.
 *
 * The whole input is validated (RFC 8259: grammar, strings without control
 * characters, escapes, UTF-8 without overlongs or surrogates, numbers,
 * nesting at most ATOK_JSON_DEPTH_MAX); top-level member names must be
 * unique (compared after unescaping).  Nested objects are validated but not
 * indexed: nothing in a JWT that we read is nested deeper than an array.
 */
#ifndef ATOK_JSON_H
#define ATOK_JSON_H

#include <stddef.h>
#include <stdint.h>

#define ATOK_JSON_MEMBERS_MAX 64  /* top-level members of one object */
#define ATOK_JSON_DEPTH_MAX   16  /* nesting of arrays and objects */
#define ATOK_JSON_NAME_MAX    256 /* bytes of a decoded member name */
#define ATOK_JSON_NUMBER_MAX  39  /* characters of a NumericDate literal */

enum atok_json_type {
	ATOK_JSON_STRING = 1,
	ATOK_JSON_NUMBER,
	ATOK_JSON_OBJECT,
	ATOK_JSON_ARRAY,
	ATOK_JSON_TRUE,
	ATOK_JSON_FALSE,
	ATOK_JSON_NULL,
};

/* Spans point into the caller's buffer, which must outlive them. */
struct atok_json_member {
	const char *name; /* between the quotes, still escaped */
	size_t name_len;
	enum atok_json_type type;
	const char *value; /* strings: between the quotes; others: the text */
	size_t value_len;
	unsigned char name_escaped, value_escaped;
};

struct atok_json_object {
	size_t n;
	struct atok_json_member m[ATOK_JSON_MEMBERS_MAX];
};

/*
 * Parses buf[0..len) as exactly one JSON object (whitespace around it
 * allowed).  Returns 0, or ATOK_ERR_MALFORMED (any grammar, encoding or
 * duplicate-name error) or ATOK_ERR_TOO_LONG (members or depth over limit).
 */
int atok_json_parse_object(const char *buf, size_t len,
                           struct atok_json_object *out);

/* The member named name (plain ASCII, compared exactly), or NULL. */
const struct atok_json_member *atok_json_get(const struct atok_json_object *o,
                                             const char *name);

/*
 * Decodes a string member (or one array element span, see below) into out
 * with a NUL; *outlen (may be NULL) gets the length.  Returns 0, or
 * ATOK_ERR_MALFORMED (not a string, or it holds U+0000) or ATOK_ERR_TOO_LONG.
 */
int atok_json_string(const struct atok_json_member *m, char *out, size_t outsz,
                     size_t *outlen);

/* Whether m is the string s, or an array holding the string s (an "aud"
 * claim: RFC 7519 4.1.3).  NULL holds nothing. */
int atok_json_holds_string(const struct atok_json_member *m, const char *s);

/* Whether the string member m equals s (after unescaping). */
int atok_json_string_eq(const struct atok_json_member *m, const char *s);

/*
 * A NumericDate (RFC 7519): a number, truncated to whole seconds, within
 * 0..253402300799 (year 9999).  Returns 0 or ATOK_ERR_MALFORMED.
 */
int atok_json_numeric_date(const struct atok_json_member *m, int64_t *out);

/*
 * Walks an array member's elements: *pos starts at 0; each call fills *elem
 * (type, value span, escaped flag) and returns 1, or 0 at the end.  The
 * array was validated by atok_json_parse_object().
 */
int atok_json_array_next(const struct atok_json_member *arr, size_t *pos,
                         struct atok_json_member *elem);

#endif /* ATOK_JSON_H */
