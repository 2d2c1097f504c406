/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * overrides.c - the apitoken_<section>_<key> option names: every key of
 * the core's configuration.  No SASL headers, so tests can check the list.
 */
#include "ac_config.h"

#include <stddef.h>

#include "config.h"
#include "plugin.h"

const char *atok_sasl_override_name(size_t i, const char **section,
                                    const char **key)
{
	/* Every key of the core's configuration table, so a key added to the
	 * core is overridable at once. */
	if (!atok_config_key(i, section, key))
		return NULL;
	return *key;
}
