/* SPDX-License-Identifier: BSD-3-Clause */
/* threads.c - the threaded tests' reports (threads.h). */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "threads.h"

int tt_start(pthread_t *t, struct tt_worker *w, int n, void *(*fn)(void *))
{
	int started = 0;

	memset(w, 0, (size_t)n * sizeof(*w));
	while (started < n &&
	       pthread_create(&t[started], NULL, fn, &w[started]) == 0)
		started++;
	return started;
}

int tt_join(pthread_t *t, const struct tt_worker *w, int started, int *ready)
{
	int i, done = 0;

	if (ready != NULL)
		*ready = 0;
	for (i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		done += w[i].done;
		if (ready != NULL)
			*ready += w[i].ready;
	}
	return done;
}

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
