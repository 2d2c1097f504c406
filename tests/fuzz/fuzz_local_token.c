/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_local_token.c - libFuzzer harness for token shapes (common/token.c):
 * classification, the declared opaque shape and atok_local_parse().  An
 * accepted local token must be classified local and point into the input.
 * Input is an opaque token for a declared shape only if it has one of the
 * shape's prefixes, its length is in range and the rest is of the shape's
 * alphabet, checked here again by the plainest code; a JWT has exactly
 * two dots.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atok.h"
#include "token.h"

/* Two declared shapes: prefixes with a narrow alphabet, and none. */
static const struct atok_opaque_shape shape_prefix = {
    .declared = 1,
    .n_prefixes = 2,
    .prefix = {"ory_at_", "op-"},
    .min_len = 10,
    .max_len = 200,
    .charset = ATOK_CHARSET_BASE64URL,
};
static const struct atok_opaque_shape shape_bare = {
    .declared = 1,
    .min_len = 20,
    .max_len = 64,
    .charset = ATOK_CHARSET_HEX,
};

static int oracle(const struct atok_opaque_shape *s, const char *t, size_t len)
{
	static const char b64url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char hex[] = "0123456789abcdefABCDEF";
	const char *alpha = s->charset == ATOK_CHARSET_HEX ? hex : b64url;
	size_t skip = 0, i;

	if (len < s->min_len || len > s->max_len)
		return 0;
	for (i = 0; i < s->n_prefixes; i++) {
		size_t n = strlen(s->prefix[i]);
		if (n < len && memcmp(t, s->prefix[i], n) == 0) {
			skip = n;
			break;
		}
	}
	if (s->n_prefixes > 0 && skip == 0)
		return 0;
	for (i = skip; i < len; i++)
		if (t[i] == '\0' || strchr(alpha, t[i]) == NULL)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tok = (const char *)data;
	struct atok_local_token t;
	unsigned char h[32];
	enum atok_kind kind = atok_classify(tok, size);
	const struct atok_opaque_shape *shapes[] = {&shape_prefix, &shape_bare,
	                                            NULL};
	size_t i;

	if (kind == ATOK_KIND_JWT) {
		size_t dots = 0;
		for (i = 0; i < size; i++)
			dots += tok[i] == '.';
		if (dots != 2)
			abort();
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		enum atok_kind k = atok_classify_declared(shapes[i], tok, size);
		if (kind != ATOK_KIND_OPAQUE && k != kind)
			abort();
		if (kind == ATOK_KIND_OPAQUE &&
		    k != (shapes[i] != NULL && oracle(shapes[i], tok, size)
		              ? ATOK_KIND_OPAQUE
		              : ATOK_KIND_INVALID))
			abort();
	}
	if (atok_local_parse(tok, size, &t) != 0)
		return 0;
	if (kind != ATOK_KIND_LOCAL || size != ATOK_LOCAL_TOKEN_LEN ||
	    t.id != tok + ATOK_LOCAL_PREFIX_LEN ||
	    t.secret != t.id + ATOK_LOCAL_ID_LEN + 1 ||
	    !atok_local_id_valid(t.id, ATOK_LOCAL_ID_LEN))
		abort();
	if (atok_local_hash(&t, h) != 0)
		abort();
	return 0;
}
