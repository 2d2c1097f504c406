/*
 * fuzz_local_token.c - libFuzzer harness for the local token format
 * (common/token.c): classification and atok_local_parse().  An accepted
 * token must be classified local and point into the input.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>

#include "atok.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tok = (const char *)data;
	struct atok_local_token t;
	unsigned char h[32];
	enum atok_kind kind = atok_classify(tok, size);

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
