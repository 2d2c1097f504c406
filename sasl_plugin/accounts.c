/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * accounts.c - the client mechanisms' named accounts ("apitoken:NAME" as
 * the SASL password): opened at sasl_client_plug_init, which Postfix runs
 * as root before its chroot, so the configuration, the client secrets and
 * the CA bundle are in memory when the chrooted smtp process needs them;
 * the state files are found inside the jail by [client] chroot.
 *
 * One process-wide table, guarded by a mutex; each account has its own
 * lock, held while one exchange gets its token (the token-endpoint
 * client's kept connection is used by one thread at a time).  Freed by
 * the client mechanism's mech_free.
 */
#include "ac_config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "config.h"
#include "http.h"
#include "plugin.h"
#include "util.h"

#define ACCOUNTS_MAX ATOK_CONFIG_INSTANCES_MAX

struct slot {
	char name[ATOK_CONFIG_INSTANCE_MAX + 1];
	struct atok_account *a;
	pthread_mutex_t mu;
	int mu_ready;
};

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot table[ACCOUNTS_MAX];
static size_t n_table;
static int loaded;
/* Why the configuration could not be read: logged only when an account
 * is asked for, not by every libsasl2 client that loads the plugin. */
static char load_error[ATOK_ERROR_MSG_MAX];

static void log_line(const sasl_utils_t *u, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_line(const sasl_utils_t *u, int level, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	if (u == NULL || u->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u->log(u->conn, level, "%s", buf);
}

/* The configuration path: apitoken_config through getopt, else the
 * default. */
static void config_path(const sasl_utils_t *u, char *out, size_t outsz)
{
	struct atok_error err = {0};

	if (atok_sasl_opt_copy(u, OPT_CONFIG, out, outsz, &err) != 0 ||
	    out[0] == '\0')
		snprintf(out, outsz, "%s", ATOK_CONFIG_DEFAULT_PATH);
}

/* Opens every [account:NAME] (once; under table_mu).  A failure is
 * logged, never fatal: the mechanisms still work with literal tokens. */
static void load_locked(const sasl_utils_t *u)
{
	char path[ATOK_SASL_PATH_MAX + 1], esc[ATOK_LOG_FIELD_MAX(80)];
	struct atok_config *cfg = NULL;
	struct atok_error err = {0};
	const char *name;
	size_t i;

	if (loaded)
		return;
	loaded = 1;
	config_path(u, path, sizeof(path));
	if ((cfg = atok_config_new()) == NULL)
		return;
	if (atok_config_load_file(cfg, path, &err) != 0) {
		if (err.code != ATOK_ERR_CONFIG ||
		    strstr(err.msg, "does not exist") == NULL)
			log_line(u, SASL_LOG_ERR,
			         "apitoken: client accounts: %s", err.msg);
		goto out;
	}
	for (i = 0; n_table < ACCOUNTS_MAX &&
	            (name = atok_config_instance(cfg, ATOK_CFG_SECTION_ACCOUNT,
	                                         i)) != NULL;
	     i++) {
		struct slot *s = &table[n_table];
		atok_error_clear(&err);
		if (atok_account_open(cfg, name, &s->a, &err) != 0) {
			atok_log_escape(name, 0, esc, sizeof(esc));
			log_line(u, SASL_LOG_ERR,
			         "apitoken: account=%s event=config-error "
			         "detail=\"%s\"",
			         esc, err.msg);
			continue;
		}
		snprintf(s->name, sizeof(s->name), "%s", name);
		if (!s->mu_ready) {
			pthread_mutex_init(&s->mu, NULL);
			s->mu_ready = 1;
		}
		n_table++;
	}
	/* libcurl (and the TLS library under it) cannot be loaded from
	 * inside a chroot: load them now. */
	if (n_table > 0 && !atok_http_preload())
		log_line(u, SASL_LOG_ERR,
		         "apitoken: client accounts: libcurl could not be "
		         "loaded");
out:
	atok_config_free(&cfg);
}

void atok_sasl_accounts_load(const sasl_utils_t *utils)
{
	pthread_mutex_lock(&table_mu);
	load_locked(utils);
	pthread_mutex_unlock(&table_mu);
}

void atok_sasl_accounts_free(void)
{
	size_t i;

	pthread_mutex_lock(&table_mu);
	for (i = 0; i < n_table; i++) {
		atok_account_free(&table[i].a);
		table[i].name[0] = '\0';
	}
	n_table = 0;
	loaded = 0;
	load_error[0] = '\0';
	pthread_mutex_unlock(&table_mu);
}

static struct slot *find(const char *name)
{
	size_t i;

	for (i = 0; i < n_table; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

static void log_event(const sasl_utils_t *u, const char *name,
                      const struct atok_account_event *ev, int failed)
{
	char detail[ATOK_LOG_FIELD_MAX(200)], code[ATOK_LOG_FIELD_MAX(64)],
	    action[ATOK_CONFIG_INSTANCE_MAX + 64] = "";

	atok_log_escape(ev->detail, 1, detail, sizeof(detail));
	atok_log_escape(ev->error, 0, code, sizeof(code));
	/* name is an account name: letters, digits, '_' and '-' only. */
	if (ev->health == ATOK_ACCOUNT_REAUTH)
		snprintf(action, sizeof(action),
		         " action=\"run: apitoken oauth login %s\"", name);
	log_line(u,
	         !ev->log ? SASL_LOG_DEBUG
	         : failed ? SASL_LOG_ERR
	                  : SASL_LOG_NOTE,
	         "apitoken: account=%s event=%s generation=%llu error=%s "
	         "detail=\"%s\"%s",
	         name, ev->event ? ev->event : "-",
	         (unsigned long long)ev->generation, code, detail, action);
}

int atok_sasl_accounts_token(const sasl_utils_t *u, const char *name,
                             char **token, size_t *len, char *user,
                             size_t usersz)
{
	struct atok_account_event ev = {0};
	struct atok_error err = {0};
	struct slot *s;
	int r;

	*token = NULL;
	*len = 0;
	user[0] = '\0';
	pthread_mutex_lock(&table_mu);
	load_locked(u); /* not yet loaded: a client that never ran init */
	s = find(name);
	pthread_mutex_unlock(&table_mu);
	if (s == NULL) {
		log_line(
		    u, SASL_LOG_ERR,
		    "apitoken: account=%s event=unknown-account detail=\"no "
		    "usable [account:%s] in the configuration\"",
		    name, name);
		return SASL_TRYAGAIN;
	}
	pthread_mutex_lock(&s->mu);
	r = atok_account_token(s->a, (int64_t)time(NULL), 0, token, len, &ev,
	                       &err);
	if (atok_account_user(s->a) != NULL)
		snprintf(user, usersz, "%s", atok_account_user(s->a));
	pthread_mutex_unlock(&s->mu);
	if (r != 0) {
		if (ev.detail[0] == '\0')
			snprintf(ev.detail, sizeof(ev.detail), "%.200s",
			         err.msg);
		log_event(u, name, &ev, 1);
		u->seterror(u->conn, 0,
		            "apitoken: no token for account %s (%s): a "
		            "temporary failure",
		            name, ev.event ? ev.event : "error");
		return SASL_TRYAGAIN;
	}
	log_event(u, name, &ev, 0);
	return SASL_OK;
}

void atok_sasl_accounts_refused(const sasl_utils_t *u, const char *name,
                                const char *token, size_t len,
                                const char *status)
{
	struct atok_account_event ev = {0};
	struct atok_error err = {0};
	struct slot *s;

	pthread_mutex_lock(&table_mu);
	s = find(name);
	pthread_mutex_unlock(&table_mu);
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	(void)atok_account_token_refused(s->a, token, len, (int64_t)time(NULL),
	                                 &ev, &err);
	pthread_mutex_unlock(&s->mu);
	snprintf(ev.error, sizeof(ev.error), "%s", status);
	snprintf(ev.detail, sizeof(ev.detail), "%.200s",
	         err.msg[0] ? err.msg
	                    : "the server refused the token: refreshed "
	                      "at the next use");
	log_event(u, name, &ev, 1);
}
