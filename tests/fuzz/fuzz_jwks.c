/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_jwks.c - libFuzzer harness for the JWKS parser (common/jwk.c,
 * atok_jwks_parse) and key selection on what it accepts.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>

#include "jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct atok_jwks *ks = NULL;
	struct atok_error err = {0};
	struct atok_key_miss miss;
	int a;

	if (size > ATOK_JWKS_MAX)
		return 0;
	if (atok_jwks_parse((const char *)data, size, &ks, &err) != 0) {
		if (ks != NULL)
			abort();
		return 0;
	}
	for (a = ATOK_ALG_RS256; a < ATOK_ALG_COUNT; a++) {
		if (atok_jwks_select(ks, NULL, (enum atok_jws_alg)a, &miss) ==
		        NULL &&
		    (miss.why == NULL || miss.code != ATOK_ERR_INVALID))
			abort();
		if (atok_jwks_select(ks, "rsa-a", (enum atok_jws_alg)a,
		                     &miss) == NULL &&
		    miss.why == NULL)
			abort();
	}
	atok_jwks_free(&ks);
	return 0;
}
