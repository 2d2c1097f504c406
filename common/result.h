/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * result.h - how the core's files fill a struct atok_result (internal).
 */
#ifndef ATOK_RESULT_H
#define ATOK_RESULT_H

#include "atok.h"

/* Sets verdict, why and the formatted reason of res. */
void atok_result_set(struct atok_result *res, enum atok_verdict verdict,
                     enum atok_why why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
