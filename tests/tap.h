/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tap.h - a small in-tree TAP harness.  Each check is one TAP line, so the
 * run counts cases, not programs; table tests name their failing row.
 *
 *   T_OK(cond, "row %zu: %s", i, rows[i].name);
 *   T_EQ_INT(got, want, "row %zu", i);
 *   T_EQ_STR(got, want, "row %zu", i);
 *   return t_done();
 */
#ifndef ATOK_TAP_H
#define ATOK_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_n, t_failed;

static void t_vreport(int ok, const char *file, int line, const char *fmt,
                      va_list ap) __attribute__((format(printf, 4, 0)));
static void t_vreport(int ok, const char *file, int line, const char *fmt,
                      va_list ap)
{
	t_n++;
	if (!ok)
		t_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", t_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!ok)
		printf("#   at %s:%d\n", file, line);
	fflush(stdout);
}

static int t_report(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));
static int t_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	t_vreport(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

#define T_OK(cond, ...) t_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define T_EQ_INT(got, want, ...)                                               \
	do {                                                                   \
		long long t_g_ = (long long)(got), t_w_ = (long long)(want);   \
		if (!T_OK(t_g_ == t_w_, __VA_ARGS__))                          \
			printf("#   got %lld, want %lld\n", t_g_, t_w_);       \
	} while (0)

#define T_EQ_STR(got, want, ...)                                               \
	do {                                                                   \
		const char *t_g_ = (got), *t_w_ = (want);                      \
		int t_ok_ =                                                    \
		    (t_g_ && t_w_) ? strcmp(t_g_, t_w_) == 0 : t_g_ == t_w_;   \
		if (!T_OK(t_ok_, __VA_ARGS__))                                 \
			printf("#   got \"%s\", want \"%s\"\n",                \
			       t_g_ ? t_g_ : "(null)",                         \
			       t_w_ ? t_w_ : "(null)");                        \
	} while (0)

#define ATOK_ARRAY_SIZE_T(a) (sizeof(a) / sizeof((a)[0]))

#define T_DIAG(...)                                                            \
	do {                                                                   \
		printf("# ");                                                  \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

static int t_done(void) __attribute__((unused));
static int t_done(void)
{
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}

#endif /* ATOK_TAP_H */
