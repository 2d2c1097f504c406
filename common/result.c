/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * result.c - filling a struct atok_result, and the core's one table from
 * an error code to a verdict.  A leaf of the core: it includes atok.h,
 * errors.h and libc only, so every validator and front end may use it
 * without depending on the verifier (tests/style/includes.sh).
 */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "atok.h"
#include "errors.h"
#include "result.h"

/*
 * What an error code means for a result.  verifying: the verdict of a
 * token whose verification met the error; setting_up: the verdict (and
 * why) of a verifier that could not be built, when no token was looked at
 * yet.  A code without a row gets the fallback: fail closed.
 */
struct err_meaning {
	int code;
	enum atok_verdict verifying;
	enum atok_verdict setting_up;
	enum atok_why setup_why;
};

static const struct err_meaning err_meanings[] = {
    {ATOK_ERR_NOMEM, ATOK_UNAVAILABLE, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL},
    {ATOK_ERR_INVALID, ATOK_UNAVAILABLE, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_CONFIG, ATOK_CONFIG_ERROR, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_IO, ATOK_UNAVAILABLE, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_PERM, ATOK_CONFIG_ERROR, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_STORE, ATOK_UNAVAILABLE, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_NOT_FOUND, ATOK_REJECT, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_TOO_LONG, ATOK_REJECT, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_MALFORMED, ATOK_REJECT, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_CHECKSUM, ATOK_REJECT, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_EXISTS, ATOK_UNAVAILABLE, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_CRYPTO, ATOK_UNAVAILABLE, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_UNAVAILABLE, ATOK_UNAVAILABLE, ATOK_UNAVAILABLE,
     ATOK_WHY_BACKEND},
    {ATOK_ERR_SCHEMA, ATOK_CONFIG_ERROR, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
    {ATOK_ERR_BUSY, ATOK_UNAVAILABLE, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND},
    {ATOK_ERR_SIGNATURE, ATOK_REJECT, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG},
};

/* A code the table does not know (a new one, or 0 passed by mistake). */
static const struct err_meaning err_unknown = {
    .code = 0,
    .verifying = ATOK_UNAVAILABLE,
    .setting_up = ATOK_CONFIG_ERROR,
    .setup_why = ATOK_WHY_CONFIG,
};

static const struct err_meaning *err_meaning(int code)
{
	size_t i;

	for (i = 0; i < sizeof(err_meanings) / sizeof(err_meanings[0]); i++)
		if (err_meanings[i].code == code)
			return &err_meanings[i];
	return &err_unknown;
}

static void result_vset(struct atok_result *res, enum atok_verdict verdict,
                        enum atok_why why, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void result_vset(struct atok_result *res, enum atok_verdict verdict,
                        enum atok_why why, const char *fmt, va_list ap)
{
	res->verdict = verdict;
	res->why = why;
	/* Truncation is fine: a cut-short reason is still one. */
	(void)vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
}

void atok_result_init(struct atok_result *res)
{
	memset(res, 0, sizeof(*res));
	atok_result_set(res, ATOK_REJECT, ATOK_WHY_INTERNAL, "not verified");
}

void atok_result_set(struct atok_result *res, enum atok_verdict verdict,
                     enum atok_why why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_vset(res, verdict, why, fmt, ap);
	va_end(ap);
}

void atok_result_accept(struct atok_result *res)
{
	res->verdict = ATOK_ACCEPT;
	res->why = ATOK_WHY_NONE;
}

void atok_result_from_err(struct atok_result *res, int err, enum atok_why why,
                          const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_vset(res, err_meaning(err)->verifying, why, fmt, ap);
	va_end(ap);
}

void atok_result_from_setup_err(struct atok_result *res, int err,
                                const char *fmt, ...)
{
	const struct err_meaning *m = err_meaning(err);
	va_list ap;

	va_start(ap, fmt);
	result_vset(res, m->setting_up, m->setup_why, fmt, ap);
	va_end(ap);
}
