/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_oauth_client.c - libFuzzer harness for the token-endpoint client's
 * response parsers (common/oauth_client.c): token, device authorization
 * and metadata answers, a browser login's redirect, and the account
 * state file (common/account.c).
 * The first byte picks the parser and the HTTP status; what a parser
 * accepts must obey its limits.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "oauth_client.h"

#define FUZZ_NOW 1800000000LL

static const long statuses[] = {200, 200, 200, 400, 401, 429, 503, 302};

static void check_visible(const char *s, size_t n, size_t max)
{
	size_t i;

	if (s == NULL || n == 0 || n > max || strlen(s) != n)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct atok_oauth_device dev;
	static char tok[ATOK_HTTP_URL_MAX + 1], devu[ATOK_HTTP_URL_MAX + 1],
	    rev[ATOK_HTTP_URL_MAX + 1], authz[ATOK_HTTP_URL_MAX + 1];
	struct atok_oauth_tokens t;
	struct atok_oauth_reply rep;
	const char *body = (const char *)data + 1;
	long status;

	if (size < 1)
		return 0;
	status = statuses[data[0] & 7];
	switch ((data[0] >> 3) % 5) {
	case 0:
		if (atok_oauth_parse_token_response(status, body, size - 1, 7,
		                                    FUZZ_NOW, &t, &rep) == 0) {
			check_visible(t.access_token, t.access_len,
			              ATOK_OAUTH_ACCESS_MAX);
			if (t.refresh_token != NULL)
				check_visible(t.refresh_token, t.refresh_len,
				              ATOK_OAUTH_REFRESH_MAX);
			if (status != 200 || rep.outcome != ATOK_OAUTH_OK ||
			    t.expires_at <= FUZZ_NOW ||
			    t.expires_at > FUZZ_NOW + ATOK_OAUTH_EXPIRES_MAX)
				abort();
		} else if (t.access_token != NULL ||
		           rep.outcome == ATOK_OAUTH_OK) {
			abort();
		}
		atok_oauth_tokens_clear(&t);
		break;
	case 1:
		if (atok_oauth_parse_device_response(
		        status, body, size - 1, FUZZ_NOW, &dev, &rep) == 0) {
			check_visible(dev.device_code, strlen(dev.device_code),
			              ATOK_OAUTH_DEVICE_CODE_MAX);
			check_visible(dev.user_code, strlen(dev.user_code),
			              ATOK_OAUTH_USER_CODE_MAX);
			if (dev.interval < 1 ||
			    dev.interval > ATOK_OAUTH_INTERVAL_MAX ||
			    dev.expires_at <= FUZZ_NOW)
				abort();
		}
		break;
	case 4: {
		static char code[ATOK_OAUTH_CODE_MAX + 1];
		if (atok_oauth_parse_redirect(body, size - 1, "fuzzstate", code,
		                              sizeof(code), &rep) == 0)
			check_visible(code, strlen(code), ATOK_OAUTH_CODE_MAX);
		else if (code[0] != '\0')
			abort();
		break;
	}
	case 3: {
		struct atok_account_state st;
		if (atok_account_parse_state(body, size - 1, &st) == 0) {
			if (st.access_token != NULL)
				check_visible(st.access_token, st.access_len,
				              ATOK_OAUTH_ACCESS_MAX);
			if (st.refresh_token != NULL)
				check_visible(st.refresh_token, st.refresh_len,
				              ATOK_OAUTH_REFRESH_MAX);
		}
		atok_account_state_clear(&st);
		return 0;
	}
	default:
		tok[0] = devu[0] = rev[0] = authz[0] = '\0';
		if (atok_oauth_parse_metadata(body, size - 1,
		                              "https://issuer.test", tok, devu,
		                              rev, authz, &rep) == 0)
			check_visible(tok, strlen(tok), ATOK_HTTP_URL_MAX);
		break;
	}
	if (strlen(rep.error) > ATOK_OAUTH_ERROR_MAX)
		abort();
	return 0;
}
