/* SPDX-License-Identifier: BSD-3-Clause */
/* threads.c - the threaded tests' reports (threads.h). */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>

#include "threads.h"

void tt_wrong(struct tt_worker *w, size_t c, const char *fmt, ...)
{
	va_list ap;

	w->wrong[c]++;
	va_start(ap, fmt);
	(void)vsnprintf(w->last[c], sizeof(w->last[c]), fmt, ap); /* cut */
	va_end(ap);
}

int tt_tally(const struct tt_worker *w, int n, size_t c, const char **last)
{
	int i, wrong = 0;

	*last = "";
	for (i = 0; i < n; i++) {
		wrong += w[i].wrong[c];
		if (w[i].wrong[c] > 0)
			*last = w[i].last[c];
	}
	return wrong;
}
