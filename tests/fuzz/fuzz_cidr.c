/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_cidr.c - libFuzzer harness for common/cidr.c: the allow-list parser
 * (`apitoken issue --from`, and what the store holds) and the remote
 * address parser (PAM_RHOST, SASL ipremoteport).  An accepted list must
 * format to a canonical text that parses to the same list and formats to
 * itself; an accepted address must format to text that parses again.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atok.h"
#include "cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct atok_cidr_list l, again;
	struct atok_addr a, b;
	struct atok_error err;
	char out[ATOK_FROM_MAX + 1], out2[ATOK_FROM_MAX + 1];
	const char *s = (const char *)data;

	if (atok_addr_parse(s, size, &a) == 0) {
		atok_addr_format(&a, out, sizeof(out));
		if (atok_addr_parse(out, strlen(out), &b) != 0 ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			abort();
	}
	if (atok_cidr_list_parse(s, size, &l, &err) != 0)
		return 0;
	if (atok_cidr_list_format(&l, out, sizeof(out)) != 0 ||
	    atok_cidr_list_parse(out, strlen(out), &again, &err) != 0 ||
	    again.n != l.n ||
	    atok_cidr_list_format(&again, out2, sizeof(out2)) != 0 ||
	    strcmp(out, out2) != 0)
		abort();
	/* Bytes that are both an address and a list are a bare address,
	 * which lies in its own /32 or /128. */
	if (atok_addr_parse(s, size, &a) == 0 && !atok_cidr_list_match(&l, &a))
		abort();
	return 0;
}
