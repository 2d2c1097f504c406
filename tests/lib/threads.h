/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * threads.h - what each thread of the threaded tests reports: how many
 * runs it made and, per case, how many did not end as the case says, with
 * the last such ending to show; and their sum over the threads.  In
 * tests/lib/libatoktest.la.
 */
#ifndef ATOK_TEST_THREADS_H
#define ATOK_TEST_THREADS_H

#include <pthread.h>
#include <stddef.h>

#include "atok.h"

#define TT_CASES_MAX 8                      /* cases a test may have */
#define TT_LAST_MAX  (ATOK_REASON_MAX + 32) /* bytes of an ending shown */

/* One thread's report, zeroed before it starts. */
struct tt_worker {
	int ready;               /* its own set-up done (when it has one) */
	int done;                /* runs made */
	int wrong[TT_CASES_MAX]; /* per case: wrong endings */
	char last[TT_CASES_MAX][TT_LAST_MAX]; /* the last one of each */
};

/* Zeroes w[0..n) and starts up to n threads, the i-th running fn(&w[i]);
 * returns how many started, their handles in t[0..started). */
int tt_start(pthread_t *t, struct tt_worker *w, int n, void *(*fn)(void *));

/* Joins the threads tt_start started; returns the sum of their done
 * runs, and puts the sum of their ready flags in *ready unless NULL. */
int tt_join(pthread_t *t, const struct tt_worker *w, int started, int *ready);

/* Counts a wrong ending of case c (below TT_CASES_MAX) in w and keeps
 * fmt's text, cut to TT_LAST_MAX - 1 bytes, as its last one. */
void tt_wrong(struct tt_worker *w, size_t c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The wrong endings of case c over the n workers w[0..n), and in *last
 * the last one of the highest-numbered worker that had any ("" when none;
 * it points into w). */
int tt_tally(const struct tt_worker *w, int n, size_t c, const char **last);

#endif
