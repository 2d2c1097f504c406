/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_json.c - libFuzzer harness for the JWT JSON reader (common/json.c).
 * An accepted object must describe bytes inside the input; every accessor
 * runs on every member and every array element.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int inside(const char *p, size_t n, const uint8_t *d, size_t size)
{
	return p >= (const char *)d && p + n <= (const char *)d + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct atok_json_object o;
	struct atok_json_member e;
	char buf[512];
	int64_t t;
	size_t j, pos, n;

	if (atok_json_parse_object((const char *)data, size, &o) != 0)
		return 0;
	for (j = 0; j < o.n; j++) {
		const struct atok_json_member *m = &o.m[j];
		if (!inside(m->name, m->name_len, data, size) ||
		    !inside(m->value, m->value_len, data, size))
			abort();
		(void)atok_json_string(m, buf, sizeof(buf), &n);
		(void)atok_json_string_eq(m, "fuzz");
		if (atok_json_numeric_date(m, &t) == 0) {
			/* Its own decimal arithmetic, checked against strtod()
			 * (the C locale here), allowing for double rounding. */
			char num[64];
			double d;
			if (m->value_len >= sizeof(num))
				abort();
			memcpy(num, m->value, m->value_len);
			num[m->value_len] = '\0';
			d = strtod(num, NULL);
			if (t < 0 || t > 253402300799LL ||
			    !(d > (double)t - 1.0 && d < (double)t + 2.0))
				abort();
		}
		for (pos = 0; atok_json_array_next(m, &pos, &e);) {
			if (!inside(e.value, e.value_len, data, size))
				abort();
			(void)atok_json_string(&e, buf, sizeof(buf), &n);
		}
	}
	(void)atok_json_get(&o, "sub");
	return 0;
}
