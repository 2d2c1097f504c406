/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sasl_cb.h - the host callbacks a test or a benchmark hands libsasl2:
 * where the plugins are (SASL_CB_GETPATH) and the options
 * (SASL_CB_GETOPT), answered from a table.  In tests/lib/libatoktest.la.
 *
 *   static const struct scb_opt opts[] = {
 *       {"apitoken_config", .var = &conf_path},
 *       {"apitoken_scope", "imap"},
 *       {.name = NULL},
 *   };
 *   static sasl_callback_t cbs[] = {
 *       {SASL_CB_GETPATH, SCB_FN(&scb_getpath), (void *)SASL_PLUGIN_DIR},
 *       {SASL_CB_GETOPT, SCB_FN(&scb_getopt), (void *)opts},
 *       {SASL_CB_LIST_END, NULL, NULL},
 *   };
 */
#ifndef ATOK_TEST_SASL_CB_H
#define ATOK_TEST_SASL_CB_H

#include <sasl/sasl.h>

/* libsasl2 stores callbacks as int (*)(void). */
#define SCB_FN(f) ((sasl_callback_ft)(void (*)(void))(f))

/* One option the host knows: its value, or, when var is not NULL, the
 * value *var holds at the time of the call.  A NULL value is not set. */
struct scb_opt {
	const char *name;
	const char *value;
	const char *const *var;
};

/* SASL_CB_GETPATH: ctx is the plugin search path (a string), handed back
 * as it is.  Returns SASL_OK. */
int scb_getpath(void *ctx, const char **path);

/*
 * SASL_CB_GETOPT: ctx is an array of struct scb_opt ended by a NULL name.
 * Answers the value of the entry named option, and its length when len is
 * not NULL; SASL_FAIL when there is no such entry or its value is not set.
 * The value stays the table's (or the variable's).
 */
int scb_getopt(void *ctx, const char *plugin, const char *option,
               const char **result, unsigned *len);

#endif
