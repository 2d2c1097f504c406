/* SPDX-License-Identifier: BSD-3-Clause */
/* tap.c - the TAP lines of tap.h. */
#include "ac_config.h"

#include "tap.h"

int t_n, t_failed;

void t_vreport(int ok, const char *file, int line, const char *fmt, va_list ap)
{
	t_n++;
	if (!ok)
		t_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", t_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!ok)
		printf("#   at %s:%d\n", file, line);
	(void)fflush(stdout);
}

int t_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vreport(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

int t_done(void)
{
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
