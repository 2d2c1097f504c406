/* SPDX-License-Identifier: BSD-3-Clause */
/* sasl_cb.c - libsasl2 host callbacks for the tests (sasl_cb.h). */
#include "ac_config.h"

#include <string.h>

#include "sasl_cb.h"

int scb_getpath(void *ctx, const char **path)
{
	*path = ctx;
	return SASL_OK;
}

int scb_getopt(void *ctx, const char *plugin, const char *option,
               const char **result, unsigned *len)
{
	const struct scb_opt *o = ctx;
	const char *v;

	(void)plugin;
	for (; o->name != NULL; o++)
		if (strcmp(o->name, option) == 0)
			break;
	if (o->name == NULL)
		return SASL_FAIL;
	v = o->var != NULL ? *o->var : o->value;
	if (v == NULL)
		return SASL_FAIL;
	*result = v;
	if (len != NULL)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}
