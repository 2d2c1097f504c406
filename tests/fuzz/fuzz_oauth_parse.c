/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_oauth_parse.c - libFuzzer harness for sasl_plugin/oauth_parse.c.
 * Built by configure --enable-fuzzers and run by `make fuzz` (see
 * tests/fuzz/README.md); by hand, from the top of the tree:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icommon \
 *       -Isasl_plugin tests/fuzz/fuzz_oauth_parse.c \
 *       sasl_plugin/oauth_parse.c -o fuzz_oauth_parse
 *   ./fuzz_oauth_parse -max_len=70000 -max_total_time=300
 *
 * Both parsers get every input; an accepted message must describe bytes
 * inside the input and must survive a rebuild and a second parse.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth_parse.h"

static char rebuilt[OAUTH_MSG_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct oauth_msg m, m2;
	long n;

	if (oauth_parse_oauthbearer(buf, size, &m) == OAUTH_OK &&
	    m.token != NULL) {
		if (m.token < buf || m.token + m.token_len > buf + size)
			abort();
		n = oauth_build_oauthbearer(m.authzid, NULL, 0, m.token,
		                            m.token_len, rebuilt,
		                            sizeof(rebuilt));
		if (n < 0 ||
		    oauth_parse_oauthbearer(rebuilt, (size_t)n, &m2) !=
		        OAUTH_OK ||
		    strcmp(m.authzid, m2.authzid) != 0 ||
		    m.token_len != m2.token_len)
			abort();
	}
	if (oauth_parse_xoauth2(buf, size, &m) == OAUTH_OK) {
		n = oauth_build_xoauth2(m.authzid, m.token, m.token_len,
		                        rebuilt, sizeof(rebuilt));
		if (n < 0 ||
		    oauth_parse_xoauth2(rebuilt, (size_t)n, &m2) != OAUTH_OK)
			abort();
	}
	return 0;
}
