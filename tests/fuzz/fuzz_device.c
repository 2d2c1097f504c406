/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_device.c - libFuzzer harness for the device login's group check
 * (common/device.c, atok_device_group_check): the input is an access
 * token; the device login is built once with [device] group = ssh.  An
 * accepted token must be a JWT whose payload, re-read with jansson, has a
 * "groups" claim that is "ssh" or an array holding "ssh".
 */
#include "ac_config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atok.h"
#include "b64url.h"
#include "config.h"
#include "device.h"

static struct atok_device *dev;

static void setup(void)
{
	static const char conf[] =
	    "[device]\nclient_id = fuzz\n"
	    "token_endpoint = http://127.0.0.1:1/token\n"
	    "device_endpoint = http://127.0.0.1:1/device\n"
	    "allow_http_loopback = yes\ngroup = ssh\n";
	struct atok_config *cfg = atok_config_new();
	struct atok_error err;

	if (cfg == NULL ||
	    atok_config_load_buffer(cfg, conf, sizeof(conf) - 1, "fuzz",
	                            &err) != 0 ||
	    atok_device_new(cfg, &dev, &err) != 0)
		abort();
	atok_config_free(&cfg);
}

/* Whether the payload of tok holds group "ssh", by jansson. */
static int oracle(const char *tok, size_t len)
{
	const char *d1 = memchr(tok, '.', len), *d2;
	unsigned char *p;
	size_t plen, n = 0, i;
	json_t *o, *g;
	int ok = 0;

	if (d1 == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))) == NULL)
		return 0;
	plen = (size_t)(d2 - d1 - 1);
	if ((p = malloc(ATOK_B64URL_DECODED_MAX(plen) + 1)) == NULL)
		abort();
	if (atok_b64url_decode(d1 + 1, plen, p, ATOK_B64URL_DECODED_MAX(plen),
	                       &n) == 0 &&
	    (o = json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL)) !=
	        NULL) {
		g = json_object_get(o, "groups");
		if (json_is_string(g))
			ok = strcmp(json_string_value(g), "ssh") == 0;
		for (i = 0; json_is_array(g) && i < json_array_size(g); i++)
			if (json_is_string(json_array_get(g, i)) &&
			    strcmp(json_string_value(json_array_get(g, i)),
			           "ssh") == 0)
				ok = 1;
		json_decref(o);
	}
	free(p);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct atok_error err;
	char *tok;

	if (dev == NULL)
		setup();
	/* a token is NUL-free text; the PAM module hands over a C string */
	if (memchr(data, '\0', size) != NULL ||
	    (tok = malloc(size + 1)) == NULL)
		return 0;
	memcpy(tok, data, size);
	tok[size] = '\0';
	if (atok_device_group_check(dev, tok, size, &err) == 0 &&
	    !oracle(tok, size))
		abort();
	free(tok);
	return 0;
}
