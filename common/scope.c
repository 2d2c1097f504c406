/* SPDX-License-Identifier: BSD-3-Clause */
/* scope.c - OAuth scope lists, compared as whole words. */
#include "ac_config.h"

#include <string.h>

#include "atok.h"
#include "scope.h"

static int scope_char(unsigned char c)
{
	/* RFC 6749: %x21 / %x23-5B / %x5D-7E */
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	       (c >= 0x5d && c <= 0x7e);
}

int atok_scope_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > ATOK_SCOPE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!scope_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Whether the list holds the word w (wlen bytes). */
static int has_word(const char *have, const char *w, size_t wlen)
{
	const char *p = have;

	while (p != NULL && *p != '\0') {
		const char *end;
		size_t n;

		while (*p == ' ')
			p++;
		end = strchr(p, ' ');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == wlen && n != 0 && memcmp(p, w, n) == 0)
			return 1;
		p = end;
	}
	return 0;
}

int atok_scope_normalize(const char *in, char *out, size_t outsz)
{
	const char *p = in;
	size_t used = 0;

	if (outsz == 0)
		return ATOK_ERR_TOO_LONG;
	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (!atok_scope_valid(p, n)) {
			out[0] = '\0';
			return ATOK_ERR_MALFORMED;
		}
		if (!has_word(out, p, n)) {
			if (used + (used ? 1 : 0) + n >= outsz) {
				out[0] = '\0';
				return ATOK_ERR_TOO_LONG;
			}
			if (used)
				out[used++] = ' ';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		p += n;
	}
	return 0;
}

int atok_scope_has(const char *have, const char *s)
{
	if (have == NULL || s == NULL)
		return 0;
	return has_word(have, s, strlen(s));
}

const char *atok_scope_missing(const char *have, const char *const *need,
                               size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!atok_scope_has(have, need[i]))
			return need[i];
	return NULL;
}
