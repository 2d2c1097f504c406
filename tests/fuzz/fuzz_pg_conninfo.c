/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pg_conninfo.c - libFuzzer harness for the PostgreSQL store's
 * conninfo rules (common/store_pg.c: libpq's PQconninfoParse, then the
 * keyword checks, the host list, the TLS rule).  The bytes are [store]
 * conninfo; the store is opened for verification, which connects lazily,
 * so nothing touches the network.  Every input either opens or fails with
 * an error message; nothing else may happen.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_store *s = NULL;
	struct atok_error err = {0};
	char *conninfo;
	int r;

	if (cfg == NULL || (conninfo = malloc(size + 1)) == NULL)
		abort();
	memcpy(conninfo, data, size);
	conninfo[size] = '\0';
	if (atok_config_set(cfg, "store", "backend", "postgresql", &err) != 0)
		abort();
	/* The configuration's own checks (length, control characters) come
	 * first, as for the file. */
	if (atok_config_set(cfg, "store", "conninfo", conninfo, &err) == 0) {
		r = atok_store_open(cfg, ATOK_STORE_READ, &s, &err);
		if (r > 0 || (r < 0 && err.msg[0] == '\0') ||
		    (r == 0) != (s != NULL))
			abort();
		atok_store_close(&s);
	}
	free(conninfo);
	atok_config_free(&cfg);
	return 0;
}
