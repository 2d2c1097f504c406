/* SPDX-License-Identifier: BSD-3-Clause */
/* timing.h - durations for the tests and benchmarks (tests/lib). */
#ifndef ATOK_TEST_TIMING_H
#define ATOK_TEST_TIMING_H

/* Now in seconds on the monotonic clock: only differences mean anything. */
double timing_now(void);

#endif
