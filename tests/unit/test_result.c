/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/result.c: the one error code -> verdict table. */
#include "ac_config.h"

#include "atok.h"
#include "errors.h"
#include "result.h"
#include "tap.h"

/* Every ATOK_ERR_*: its verdict while verifying a token, and its verdict
 * and why while building a verifier. */
static const struct {
	int code;
	enum atok_verdict verifying;
	enum atok_verdict setting_up;
	enum atok_why setup_why;
} rows[] = {
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

/* Codes no ATOK_ERR_* has: a new code, 0 by mistake, garbage. */
static const int unknown[] = {0, 1, -17, -100, 42, -2147483647 - 1};

static int row_of(int code)
{
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++)
		if (rows[i].code == code)
			return (int)i;
	return -1;
}

static void test_table(void)
{
	struct atok_result res;
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		const char *name = atok_err_str(rows[i].code);

		atok_result_init(&res);
		atok_result_from_err(&res, rows[i].code, ATOK_WHY_BACKEND,
		                     "row %zu", i);
		T_EQ_INT(res.verdict, rows[i].verifying, "verifying: %s -> %s",
		         name, atok_verdict_name(rows[i].verifying));
		T_EQ_INT(res.why, ATOK_WHY_BACKEND, "verifying: %s keeps why",
		         name);
		atok_result_init(&res);
		atok_result_from_setup_err(&res, rows[i].code, "row %zu", i);
		T_EQ_INT(res.verdict, rows[i].setting_up,
		         "setting up: %s -> %s", name,
		         atok_verdict_name(rows[i].setting_up));
		T_EQ_INT(res.why, rows[i].setup_why, "setting up: %s -> why %s",
		         name, atok_why_name(rows[i].setup_why));
	}
	/* Every code errors.c names has a row here: a new code gets its
	 * verdict decided, not defaulted. */
	for (i = 1; i <= 64; i++) {
		int code = -(int)i;
		T_OK(strcmp(atok_err_str(code), "unknown error") == 0 ||
		         row_of(code) >= 0,
		     "code %d (%s) has a row", code, atok_err_str(code));
	}
}

static void test_fail_closed(void)
{
	struct atok_result res;
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(unknown); i++) {
		atok_result_init(&res);
		atok_result_accept(&res); /* a stale ACCEPT must not survive */
		atok_result_from_err(&res, unknown[i], ATOK_WHY_INTERNAL, "x");
		T_EQ_INT(res.verdict, ATOK_UNAVAILABLE,
		         "verifying: unknown code %d is unavailable",
		         unknown[i]);
		atok_result_accept(&res);
		atok_result_from_setup_err(&res, unknown[i], "x");
		T_EQ_INT(res.verdict, ATOK_CONFIG_ERROR,
		         "setting up: unknown code %d is a config error",
		         unknown[i]);
		T_EQ_INT(res.why, ATOK_WHY_CONFIG,
		         "setting up: unknown code %d: why config", unknown[i]);
	}
	/* No code, known or not, is ever an ACCEPT. */
	for (i = 0; i <= 64; i++) {
		int code = -(int)i;
		int ok;

		atok_result_accept(&res);
		atok_result_from_err(&res, code, ATOK_WHY_NONE, "x");
		ok = res.verdict != ATOK_ACCEPT;
		atok_result_accept(&res);
		atok_result_from_setup_err(&res, code, "x");
		T_OK(ok && res.verdict != ATOK_ACCEPT, "code %d never accepts",
		     code);
	}
}

static void test_fill(void)
{
	struct atok_result res;
	char long_text[2 * ATOK_REASON_MAX];

	memset(&res, 0x5a, sizeof(res));
	atok_result_init(&res);
	T_EQ_INT(res.verdict, ATOK_REJECT, "init: REJECT");
	T_EQ_INT(res.why, ATOK_WHY_INTERNAL, "init: why internal");
	T_EQ_STR(res.reason, "not verified", "init: reason");
	T_EQ_STR(res.user, "", "init: no user");
	T_EQ_INT(res.source, ATOK_SRC_NONE, "init: no source");
	T_EQ_INT(res.expires, 0, "init: no expiry");

	snprintf(res.user, sizeof(res.user), "alice");
	atok_result_set(&res, ATOK_REJECT, ATOK_WHY_EXPIRED, "expired at %d",
	                7);
	T_EQ_INT(res.why, ATOK_WHY_EXPIRED, "set: why");
	T_EQ_STR(res.reason, "expired at 7", "set: reason formatted");
	T_EQ_STR(res.user, "alice", "set: other fields kept");

	atok_result_accept(&res);
	T_EQ_INT(res.verdict, ATOK_ACCEPT, "accept: ACCEPT");
	T_EQ_INT(res.why, ATOK_WHY_NONE, "accept: why none");
	T_EQ_STR(res.reason, "expired at 7", "accept: reason left");

	memset(long_text, 'r', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	atok_result_from_err(&res, ATOK_ERR_STORE, ATOK_WHY_BACKEND, "%s",
	                     long_text);
	T_EQ_INT(strlen(res.reason), ATOK_REASON_MAX - 1,
	         "a long reason is cut to fit");
}

int main(void)
{
	test_table();
	test_fail_closed();
	test_fill();
	return t_done();
}
