/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * result.h - how a struct atok_result is filled: by the core's validators,
 * and by the front ends for the failures they meet before or around the
 * core (options, configuration, conversation).  A leaf: result.c uses
 * nothing of the core but atok.h and errors.h.
 */
#ifndef ATOK_RESULT_H
#define ATOK_RESULT_H

#include "atok.h"

/*
 * Clears res and starts it as a refusal nobody has decided yet (REJECT,
 * ATOK_WHY_INTERNAL, "not verified"), so a path that forgets to fill it
 * never accepts.
 */
void atok_result_init(struct atok_result *res);

/*
 * Sets verdict, why and the formatted reason of res (truncated to fit);
 * leaves every other field as it is.
 */
void atok_result_set(struct atok_result *res, enum atok_verdict verdict,
                     enum atok_why why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Marks res accepted (ACCEPT, ATOK_WHY_NONE) and leaves its reason for the
 * verifier's last word (bind_and_scope() in verifier.c).  Only for a
 * validator whose every check passed.
 */
void atok_result_accept(struct atok_result *res);

/*
 * For an error met while verifying a token (err: a negative ATOK_ERR_*):
 * sets res's verdict to what err means for that token in the core's one
 * table (result.c): the token is at fault (NOT_FOUND, TOO_LONG, MALFORMED,
 * CHECKSUM, SIGNATURE) -> REJECT; the configuration is (CONFIG, PERM,
 * SCHEMA) -> CONFIG_ERROR; anything else, and any code the table does not
 * know, -> UNAVAILABLE.  Never ACCEPT.  why and the formatted reason as
 * atok_result_set().
 */
void atok_result_from_err(struct atok_result *res, int err, enum atok_why why,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * For an error met while building a verifier (loading the configuration,
 * opening the store), before any token is looked at: sets res's verdict
 * and why from the same table (BUSY, UNAVAILABLE -> UNAVAILABLE and
 * ATOK_WHY_BACKEND; NOMEM -> CONFIG_ERROR and ATOK_WHY_INTERNAL; anything
 * else, known or not -> CONFIG_ERROR and ATOK_WHY_CONFIG), and the
 * formatted reason.  Never ACCEPT.
 */
void atok_result_from_setup_err(struct atok_result *res, int err,
                                const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
