/* SPDX-License-Identifier: BSD-3-Clause */
/* timing.c - the monotonic clock in seconds (timing.h). */
#include "ac_config.h"

#include <time.h>

#include "timing.h"

double timing_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
