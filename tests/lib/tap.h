/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tap.h - a small in-tree TAP harness.  Each check is one TAP line, so the
 * run counts cases, not programs; table tests name their failing row.
 *
 *   T_OK(cond, "row %zu: %s", i, rows[i].name);
 *   T_EQ_INT(got, want, "row %zu", i);
 *   T_EQ_STR(got, want, "row %zu", i);
 *   return t_done();
 *
 * The reporting functions are in tap.c (tests/lib/libatoktest.la).
 */
#ifndef ATOK_TAP_H
#define ATOK_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The checks reported so far, and how many of them failed.  A test that
 * prints its own TAP line (a skip) counts it with ++t_n. */
extern int t_n, t_failed;

/*
 * Prints the next TAP line: "ok N - " or "not ok N - ", then fmt with ap;
 * a failure adds "#   at FILE:LINE".  Flushes stdout.
 */
void t_vreport(int ok, const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* t_vreport with a variable argument list; returns ok. */
int t_report(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints the plan "1..N" (N = t_n); returns the exit status of the test:
 * 0 when every check passed, else 1. */
int t_done(void);

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

#endif /* ATOK_TAP_H */
