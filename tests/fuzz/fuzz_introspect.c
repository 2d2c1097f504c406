/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_introspect.c - libFuzzer harness for the RFC 7662 response rules
 * (atok_introspect_parse_response, on a client built once with issuer,
 * audience and username_field set) and the result cache file reader
 * (atok_icache_parse_entry); every input goes to both.
 *
 * The response is the authorization server's word, so any user it names
 * may be accepted; the oracle is jansson, an independent reader: an
 * ACCEPT needs "active" to be exactly true, iss, aud, exp and nbf to hold,
 * the user to be exactly the "username" string, and the required scope
 * "read" to be present exactly when the "scope" string names it.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "introspect.h"
#include "introspect_cache.h"
#include "scope.h"

#define FUZZ_NOW 1800000000LL
#define ISS      "https://issuer.test"
#define AUD      "api://apitoken"
/* the keyed hash that the cache entry seeds name */
#define HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static struct atok_introspect *in;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz_introspect.XXXXXX", sec[64], kv[128];
	const char *fixed[] = {"introspection.endpoint=https://as.test/i",
	                       "introspection.client_id=fuzz-rs",
	                       "introspection.issuer=" ISS,
	                       "introspection.audience=" AUD,
	                       "introspection.username_field=username",
	                       "introspection.cache_ttl=0",
	                       "introspection.negative_cache_ttl=0"};
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	FILE *f;
	size_t i;

	umask(077);
	if (cfg == NULL || mkdtemp(dir) == NULL)
		abort();
	snprintf(sec, sizeof(sec), "%s/secret", dir);
	if ((f = fopen(sec, "w")) == NULL || fputs("s3cret\n", f) < 0 ||
	    fclose(f) != 0)
		abort();
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (atok_config_set_dotted(cfg, fixed[i], &err) != 0)
			abort();
	snprintf(kv, sizeof(kv), "introspection.client_secret_file=%s", sec);
	if (atok_config_set_dotted(cfg, kv, &err) != 0 ||
	    atok_introspect_new(cfg, &in, &err) != 0) {
		fprintf(stderr, "fuzz_introspect: %s\n", err.msg);
		abort();
	}
	atok_config_free(&cfg); /* the secret is read once, in _new */
	remove(sec);
	remove(dir);
	return 0;
}

static int str_is(const json_t *v, const char *s, size_t n)
{
	return json_is_string(v) && json_string_length(v) == n &&
	       memcmp(json_string_value(v), s, n) == 0;
}

/* The scope string names "read" as a whole space-separated word. */
static int names_read(const json_t *v)
{
	const char *s = json_string_value(v), *end = s + json_string_length(v);

	while (s != NULL && s < end) {
		size_t n = strcspn(s, " ");
		if (n == 4 && memcmp(s, "read", 4) == 0)
			return 1;
		s += n + 1;
	}
	return 0;
}

static void check_accept(const uint8_t *data, size_t size,
                         const struct atok_result *res)
{
	static const char *const need[] = {"read"};
	json_error_t jerr;
	/* No JSON_REJECT_DUPLICATES: ours refuses repeated names only at the
	 * top level (json.h), and of a top-level repeat that it missed,
	 * jansson would keep the last value, which the checks then see. */
	json_t *o = json_loadb((const char *)data, size,
	                       JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &jerr);
	json_t *aud, *v, *e;
	size_t i;
	int ok;

	/* jansson refuses numbers beyond a double, which ours need not read
	 * (outside exp and nbf): no oracle for those inputs. */
	if (o == NULL && json_error_code(&jerr) == json_error_numeric_overflow)
		return;
	if (!json_is_object(o) || !json_is_true(json_object_get(o, "active")))
		abort();
	if (!str_is(json_object_get(o, "username"), res->user,
	            strlen(res->user)) ||
	    !str_is(json_object_get(o, "iss"), ISS, strlen(ISS)))
		abort();
	aud = json_object_get(o, "aud");
	ok = str_is(aud, AUD, strlen(AUD));
	json_array_foreach(aud, i, e) ok |= str_is(e, AUD, strlen(AUD));
	if (!ok)
		abort();
	if ((v = json_object_get(o, "exp")) != NULL &&
	    (!json_is_number(v) || !(json_number_value(v) > FUZZ_NOW) ||
	     res->expires <= FUZZ_NOW))
		abort();
	if ((v = json_object_get(o, "nbf")) != NULL &&
	    (!json_is_number(v) || json_number_value(v) >= FUZZ_NOW + 1))
		abort();
	v = json_object_get(o, "scope");
	if ((v != NULL && !json_is_string(v)) ||
	    (atok_scope_missing(res->scopes, need, 1) == NULL) !=
	        (v != NULL && names_read(v)))
		abort();
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct atok_result res;
	int64_t until = 0;

	memset(&res, 0, sizeof(res));
	atok_introspect_parse_response(in, (const char *)data, size, FUZZ_NOW,
	                               &res);
	if (res.verdict == ATOK_ACCEPT)
		check_accept(data, size, &res);
	else if (res.user[0] != '\0')
		abort();
	if (getenv("FUZZ_INTROSPECT_DEBUG") != NULL) /* to check the seeds */
		fprintf(stderr, "response %s: %s\n",
		        atok_verdict_name(res.verdict), res.reason);

	/* A corrupt cache file is a miss; an entry is served before its end
	 * only, and never with more than the limits. */
	memset(&res, 0, sizeof(res));
	if (atok_icache_parse_entry((const char *)data, size, HEX, FUZZ_NOW,
	                            &res, &until)) {
		if (until <= FUZZ_NOW ||
		    (res.verdict != ATOK_ACCEPT &&
		     res.verdict != ATOK_REJECT) ||
		    memchr(res.user, '\0', sizeof(res.user)) == NULL ||
		    memchr(res.scopes, '\0', sizeof(res.scopes)) == NULL)
			abort();
		if (getenv("FUZZ_INTROSPECT_DEBUG") != NULL)
			fprintf(stderr, "cache entry %s: %s\n",
			        atok_verdict_name(res.verdict), res.reason);
	} else if (res.verdict != 0 || res.reason[0] != '\0') {
		abort();
	}
	return 0;
}
