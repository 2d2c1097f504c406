/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config.c - libFuzzer harness for the configuration parser
 * (common/config.c, atok_config_load_buffer).  Every input either loads
 * or fails with an error message; nothing else may happen.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	int r;

	if (cfg == NULL)
		abort();
	r = atok_config_load_buffer(cfg, (const char *)data, size, "fuzz",
	                            &err);
	if (r > 0 || (r < 0 && err.msg[0] == '\0'))
		abort();
	atok_config_free(&cfg);
	if (cfg != NULL)
		abort();
	return 0;
}
