/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_apitoken.c - the PAM front end of apitoken.
 *
 * Entry points only translate: get the user and the token from PAM, build
 * a struct atok_request, ask the core, map the struct atok_result to a
 * PAM_* code in the one table below, and log exactly one line per decision
 * (never the token).  Every path that is not an ACCEPT from the core ends
 * in "not authenticated".  No static mutable state, no signal handlers, no
 * output on stdout.
 */
#include "ac_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "atok.h"
#include "util.h"
#include "config.h"
#include "errors.h"
#include "options.h"
#include "device_login.h"
#include "result.h"

#define PAMATOK_EXPORT __attribute__((visibility("default")))

/* pam_set_data() key of the accepted result, read by the account phase. */
#define PAMATOK_DATA_KEY "pam_apitoken_result"
/* pam_set_data() key set by every authenticate on this handle, for setcred.
 * Its value is a constant marker, never freed. */
#define PAMATOK_TRIED_KEY "pam_apitoken_tried"
static const char tried_marker[] = "tried";

#define ENV_ID     "APITOKEN_ID"
#define ENV_SCOPES "APITOKEN_SCOPES"
#define ENV_SOURCE "APITOKEN_SOURCE"
#define ENV_MAX    (sizeof(ENV_SCOPES) + 1 + ATOK_SCOPES_MAX + 1)

#define PAMATOK_RHOST_MAX 256 /* bytes of PAM_RHOST shown in a log line */
#define PAMATOK_DAY       86400

/* Bytes of a log field after escaping: every byte may become \xHH. */

enum phase {
	PHASE_AUTH,
	PHASE_ACCT,
	PHASE_SETCRED,
};

/* What one call of an entry point works with. */
struct ctx {
	pam_handle_t *pamh;
	enum phase phase;
	struct pamatok_opts opts;
	const char *service; /* PAM_SERVICE, or NULL */
	const char *user;    /* PAM_USER, or NULL */
	const char *rhost;   /* PAM_RHOST, or NULL */
	const char *ruser;   /* PAM_RUSER, or NULL */
	long long warn_days; /* [pam] warn_days */
	/* the device flow's fields for the decision line, or "" */
	char note[PAMATOK_DEVICE_NOTE_MAX];
};

/*
 * The one result -> PAM code table.  Rows are tried in order; why
 * ATOK_WHY_NONE matches any reason.  A verdict without a row is an error
 * (PAM_SERVICE_ERR): fail closed.
 */
struct result_map {
	enum atok_verdict verdict;
	enum atok_why why;
	int auth_rc;
	int acct_rc;
	const char *decision; /* the word in the log line */
	int prio;
};

static const struct result_map result_map[] = {
    {ATOK_ACCEPT, ATOK_WHY_NONE, PAM_SUCCESS, PAM_SUCCESS, "accept",
     LOG_NOTICE},
    {ATOK_REJECT, ATOK_WHY_EXPIRED, PAM_AUTH_ERR, PAM_ACCT_EXPIRED, "reject",
     LOG_WARNING},
    {ATOK_REJECT, ATOK_WHY_REVOKED, PAM_AUTH_ERR, PAM_ACCT_EXPIRED, "reject",
     LOG_WARNING},
    {ATOK_REJECT, ATOK_WHY_ROTATED, PAM_AUTH_ERR, PAM_ACCT_EXPIRED, "reject",
     LOG_WARNING},
    {ATOK_REJECT, ATOK_WHY_SCOPE, PAM_AUTH_ERR, PAM_PERM_DENIED, "reject",
     LOG_WARNING},
    {ATOK_REJECT, ATOK_WHY_USER_MISMATCH, PAM_AUTH_ERR, PAM_PERM_DENIED,
     "reject", LOG_WARNING},
    {ATOK_REJECT, ATOK_WHY_NONE, PAM_AUTH_ERR, PAM_PERM_DENIED, "reject",
     LOG_WARNING},
    {ATOK_UNAVAILABLE, ATOK_WHY_NONE, PAM_AUTHINFO_UNAVAIL,
     PAM_AUTHINFO_UNAVAIL, "unavailable", LOG_WARNING},
    {ATOK_CONFIG_ERROR, ATOK_WHY_NONE, PAM_SERVICE_ERR, PAM_SERVICE_ERR,
     "error", LOG_ERR},
};

static const struct result_map result_fallback = {
    .verdict = ATOK_CONFIG_ERROR,
    .why = ATOK_WHY_NONE,
    .auth_rc = PAM_SERVICE_ERR,
    .acct_rc = PAM_SERVICE_ERR,
    .decision = "error",
    .prio = LOG_ERR,
};

static const struct result_map *result_lookup(const struct atok_result *res)
{
	size_t i;

	for (i = 0; i < sizeof(result_map) / sizeof(result_map[0]); i++) {
		if (result_map[i].verdict == res->verdict &&
		    (result_map[i].why == ATOK_WHY_NONE ||
		     result_map[i].why == res->why))
			return &result_map[i];
	}
	return &result_fallback;
}

static int result_rc(enum phase phase, const struct atok_result *res)
{
	const struct result_map *m = result_lookup(res);

	return phase == PHASE_ACCT ? m->acct_rc : m->auth_rc;
}

/*
 * Core errors outside a result (loading the configuration, opening the
 * store): their PAM code.  Their verdict is the core's
 * (atok_result_from_setup_err()).  Any other code is PAM_SERVICE_ERR.
 */
struct err_map {
	int code;
	int rc;
};

static const struct err_map err_map[] = {
    {ATOK_ERR_NOMEM, PAM_BUF_ERR},
    {ATOK_ERR_BUSY, PAM_AUTHINFO_UNAVAIL},
    {ATOK_ERR_UNAVAILABLE, PAM_AUTHINFO_UNAVAIL},
};

static int err_rc(int code)
{
	size_t i;

	for (i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++) {
		if (err_map[i].code == code)
			return err_map[i].rc;
	}
	return PAM_SERVICE_ERR;
}

/*
 * Front-end failures (options, configuration, conversation, memory) are
 * carried in a result so they are logged by the same line, as
 * decision=error (atok_result_set(res, ATOK_CONFIG_ERROR, ...)); the PAM
 * code is chosen by the caller.  A result starts as such an error.
 */
static void res_init(struct atok_result *res)
{
	atok_result_init(res);
	atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
	                "internal error");
}

/* The one log line of a decision. */
static void log_decision(const struct ctx *c, const struct atok_result *res)
{
	const struct result_map *m = result_lookup(res);
	char service[ATOK_LOG_FIELD_MAX(64)],
	    user[ATOK_LOG_FIELD_MAX(ATOK_USER_MAX)];
	char id[ATOK_LOG_FIELD_MAX(ATOK_TOKEN_ID_MAX)];
	char fp[ATOK_LOG_FIELD_MAX(ATOK_FINGERPRINT_LEN)];
	char reason[ATOK_LOG_FIELD_MAX(ATOK_REASON_MAX)];
	char rhost[ATOK_LOG_FIELD_MAX(PAMATOK_RHOST_MAX)];
	char ruser[ATOK_LOG_FIELD_MAX(ATOK_USER_MAX)];

	atok_log_escape(c->service, 0, service, sizeof(service));
	atok_log_escape(c->user, 0, user, sizeof(user));
	atok_log_escape(res->token_id, 0, id, sizeof(id));
	atok_log_escape(res->fingerprint, 0, fp, sizeof(fp));
	atok_log_escape(res->reason, 1, reason, sizeof(reason));
	/* rhost= and ruser= last (fail2ban's filter reads rhost=): "-" when
	 * the application did not set them */
	atok_log_escape(c->rhost, 0, rhost, sizeof(rhost));
	atok_log_escape(c->ruser, 0, ruser, sizeof(ruser));
	pam_syslog(c->pamh, m->prio,
	           "%sdecision=%s service=%s user=%s token_id=%s "
	           "fingerprint=%s source=%s reason=\"%s\"%s rhost=%s ruser=%s",
	           c->phase == PHASE_ACCT ? "account " : "", m->decision,
	           service, user, id, fp,
	           res->source == ATOK_SRC_NONE ? "-"
	                                        : atok_source_name(res->source),
	           reason, c->note, rhost, ruser);
}

/* LOG_DEBUG detail of a result, under `debug`.  Never the token. */
static void log_debug_result(const struct ctx *c, const struct atok_result *res)
{
	char user[ATOK_LOG_FIELD_MAX(ATOK_USER_MAX)];
	char scopes[ATOK_LOG_FIELD_MAX(ATOK_SCOPES_MAX)];

	if (!c->opts.debug)
		return;
	atok_log_escape(res->user, 0, user, sizeof(user));
	atok_log_escape(res->scopes, 1, scopes, sizeof(scopes));
	pam_syslog(c->pamh, LOG_DEBUG,
	           "debug: verdict=%s why=%s token_user=%s scopes=\"%s\" "
	           "expires=%lld",
	           atok_verdict_name(res->verdict), atok_why_name(res->why),
	           user, scopes, (long long)res->expires);
}

/* Parses the options and reads PAM_SERVICE.  Fills res on failure. */
static int ctx_setup(struct ctx *c, pam_handle_t *pamh, enum phase phase,
                     int argc, const char **argv, struct atok_result *res)
{
	const void *item = NULL;
	struct atok_error err;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->phase = phase;
	if (pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS)
		c->service = item;
	/* for the log line until the entry point has the user it trusts */
	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS)
		c->user = item;
	if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS)
		c->rhost = item;
	if (pam_get_item(pamh, PAM_RUSER, &item) == PAM_SUCCESS)
		c->ruser = item;
	if (pamatok_opts_parse(argc, argv, &c->opts, &err) != 0) {
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG, "%s",
		                err.msg);
		return PAM_SERVICE_ERR;
	}
	if (c->opts.debug) {
		pam_syslog(pamh, LOG_DEBUG,
		           "debug: config=%s scopes=%zu use_first_pass=%d "
		           "try_first_pass=%d",
		           c->opts.config_path, c->opts.n_scopes,
		           c->opts.use_first_pass, c->opts.try_first_pass);
		for (i = 0; i < c->opts.n_scopes; i++)
			pam_syslog(pamh, LOG_DEBUG, "debug: required scope %s",
			           c->opts.scopes[i]);
	}
	return PAM_SUCCESS;
}

/*
 * Loads the configuration, adds the scopes [pam] service_scopes requires
 * of this service, reads [pam] warn_days and makes a verifier.  Fills res
 * on failure.
 */
static int verifier_setup(struct ctx *c, struct atok_verifier **vp,
                          struct atok_result *res)
{
	struct atok_config *cfg = NULL;
	struct atok_error err;
	size_t i, n0 = c->opts.n_scopes;
	int r;

	atok_error_clear(&err);
	if ((r = pamatok_config_load(&c->opts, &cfg, &err)) != 0 ||
	    (r = pamatok_service_scopes(
	         &c->opts, atok_config_str(cfg, ATOK_CFG_PAM_SERVICE_SCOPES),
	         c->service, &err)) != 0 ||
	    (r = atok_verifier_new(cfg, vp, &err)) != 0) {
		atok_result_from_setup_err(
		    res, r, "%s",
		    err.msg[0] != '\0' ? err.msg : atok_err_str(r));
		r = err_rc(r);
		goto out;
	}
	c->warn_days = atok_config_int(cfg, ATOK_CFG_PAM_WARN_DAYS);
	if (c->opts.debug)
		for (i = n0; i < c->opts.n_scopes; i++)
			pam_syslog(c->pamh, LOG_DEBUG,
			           "debug: required scope %s (service_scopes)",
			           c->opts.scopes[i]);
	r = PAM_SUCCESS;
out:
	atok_config_free(&cfg);
	return r;
}

static void request_init(const struct ctx *c, struct atok_request *req)
{
	const void *rhost = NULL;

	memset(req, 0, sizeof(*req));
	req->user = c->user;
	req->service = c->service;
	req->scopes = c->opts.scopes;
	req->n_scopes = c->opts.n_scopes;
	req->now = 0;
	/* The client's address for tokens limited to networks: sshd sets
	 * PAM_RHOST to its numeric address (a name only under UseDNS yes,
	 * which a limited token refuses). */
	if (pam_get_item(c->pamh, PAM_RHOST, &rhost) == PAM_SUCCESS)
		req->remote_addr = rhost;
}

/*
 * Asks the conversation for the token (PAM_PROMPT_ECHO_OFF).  Called
 * directly rather than through pam_prompt(), which logs a line of its own
 * when the application's conversation fails.  *respp receives the answer,
 * which the caller wipes and frees.
 */
static int converse(const struct ctx *c, char **respp)
{
	const void *item = NULL;
	const struct pam_conv *pc;
	struct pam_message msg = {PAM_PROMPT_ECHO_OFF, c->opts.prompt};
	const struct pam_message *msgp = &msg;
	struct pam_response *resp = NULL;
	int r;

	*respp = NULL;
	r = pam_get_item(c->pamh, PAM_CONV, &item);
	if (r != PAM_SUCCESS || (pc = item) == NULL || pc->conv == NULL)
		return PAM_CONV_ERR;
	r = pc->conv(1, &msgp, &resp, pc->appdata_ptr);
	if (r == PAM_SUCCESS && (resp == NULL || resp[0].resp == NULL))
		r = PAM_CONV_ERR;
	if (r == PAM_SUCCESS) {
		*respp = resp[0].resp;
		resp[0].resp = NULL;
	}
	if (resp != NULL) {
		if (resp[0].resp != NULL) {
			explicit_bzero(resp[0].resp, strlen(resp[0].resp));
			free(resp[0].resp);
		}
		free(resp);
	}
	return r;
}

/*
 * Gets the token: PAM_AUTHTOK under use_first_pass / try_first_pass, else
 * the conversation, whose answer becomes PAM_AUTHTOK for later modules.
 * *tokp points to PAM's item or to *copyp, which the caller wipes and
 * frees.  Fills res on failure.
 */
static int token_get(const struct ctx *c, const char **tokp, char **copyp,
                     struct atok_result *res)
{
	const void *item = NULL;
	char *resp = NULL;
	int r;

	*tokp = NULL;
	*copyp = NULL;
	if (c->opts.use_first_pass || c->opts.try_first_pass) {
		r = pam_get_item(c->pamh, PAM_AUTHTOK, &item);
		if (r == PAM_SUCCESS && item != NULL) {
			*tokp = item;
			return PAM_SUCCESS;
		}
		if (c->opts.use_first_pass) {
			atok_result_set(
			    res, ATOK_CONFIG_ERROR, ATOK_WHY_EMPTY,
			    "use_first_pass: no token from an earlier "
			    "module");
			return PAM_AUTHTOK_RECOVERY_ERR;
		}
	}
	if ((r = converse(c, &resp)) != PAM_SUCCESS) {
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "conversation failed: %s",
		                pam_strerror(c->pamh, r));
		r = r == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_CONV_ERR;
		goto out;
	}
	if ((r = pam_set_item(c->pamh, PAM_AUTHTOK, resp)) != PAM_SUCCESS) {
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "cannot set PAM_AUTHTOK: %s",
		                pam_strerror(c->pamh, r));
		goto out;
	}
	*tokp = *copyp = resp;
	resp = NULL;
	r = PAM_SUCCESS;
out:
	if (resp != NULL) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
	}
	return r;
}

static void result_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	if (data == NULL)
		return;
	explicit_bzero(data, sizeof(struct atok_result));
	free(data);
}

/* The result an earlier authenticate of this module left, or NULL. */
static const struct atok_result *result_recall(pam_handle_t *pamh)
{
	const void *data = NULL;

	if (pam_get_data(pamh, PAMATOK_DATA_KEY, &data) != PAM_SUCCESS)
		return NULL;
	return data;
}

/* Drops what an earlier authenticate left: a new attempt starts clean. */
static void result_forget(pam_handle_t *pamh)
{
	static const char *const names[] = {ENV_ID, ENV_SCOPES, ENV_SOURCE};
	size_t i;

	if (result_recall(pamh) != NULL)
		(void)pam_set_data(pamh, PAMATOK_DATA_KEY, NULL, NULL);
	/* libpam logs deleting a variable that is not there */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (pam_getenv(pamh, names[i]) != NULL)
			(void)pam_putenv(pamh, names[i]);
}

static int env_put(pam_handle_t *pamh, const char *name, const char *value)
{
	char buf[ENV_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "%s=%s", name, value);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return PAM_BUF_ERR;
	return pam_putenv(pamh, buf);
}

/*
 * Keeps an accepted result for the account phase and exports it to the
 * PAM environment.  All or nothing.  Fills res on failure.
 */
static int result_remember(const struct ctx *c, struct atok_result *res)
{
	struct atok_result *copy = NULL;
	int r;

	if ((r = env_put(c->pamh, ENV_ID, res->token_id)) != PAM_SUCCESS ||
	    (r = env_put(c->pamh, ENV_SCOPES, res->scopes)) != PAM_SUCCESS ||
	    (r = env_put(c->pamh, ENV_SOURCE, atok_source_name(res->source))) !=
	        PAM_SUCCESS)
		goto out;
	if ((copy = malloc(sizeof(*copy))) == NULL) {
		r = PAM_BUF_ERR;
		goto out;
	}
	memcpy(copy, res, sizeof(*copy));
	r = pam_set_data(c->pamh, PAMATOK_DATA_KEY, copy, result_cleanup);
	if (r != PAM_SUCCESS)
		goto out;
	copy = NULL;
	r = PAM_SUCCESS;
out:
	if (r != PAM_SUCCESS) {
		result_forget(c->pamh);
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "accepted, but cannot keep the result: %s",
		                pam_strerror(c->pamh, r));
	}
	result_cleanup(c->pamh, copy, 0);
	return r;
}

PAMATOK_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
                                       const char **argv)
{
	struct ctx c;
	struct atok_verifier *v = NULL;
	struct atok_device *dev = NULL;
	struct atok_request req;
	struct atok_result res;
	const char *token = NULL;
	char *copy = NULL;
	int r;

	res_init(&res);
	result_forget(pamh);
	(void)pam_set_data(pamh, PAMATOK_TRIED_KEY, (void *)tried_marker, NULL);
	if ((r = ctx_setup(&c, pamh, PHASE_AUTH, argc, argv, &res)) !=
	    PAM_SUCCESS)
		goto out;
	r = pam_get_user(pamh, &c.user, NULL);
	if (r != PAM_SUCCESS || c.user == NULL || *c.user == '\0') {
		if (r == PAM_SUCCESS)
			r = PAM_USER_UNKNOWN;
		c.user = NULL;
		atok_result_set(&res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "no user: %s", pam_strerror(pamh, r));
		goto out;
	}
	/* a configuration that cannot work is found before asking for a
	 * secret */
	if ((r = verifier_setup(&c, &v, &res)) != PAM_SUCCESS)
		goto out;
	if (c.opts.device) { /* a token source: checked as a typed one */
		request_init(&c, &req);
		r = pamatok_device_token(pamh, &c.opts, c.user, req.remote_addr,
		                         &copy, &dev, &res, c.note,
		                         sizeof(c.note));
		token = copy;
	} else {
		r = token_get(&c, &token, &copy, &res);
	}
	if (r != PAM_SUCCESS)
		goto out;

	request_init(&c, &req);
	req.token = token;
	req.token_len = strlen(token);
	atok_verify(v, &req, &res);
	pamatok_device_after(dev, copy, &res); /* [device] group */
	log_debug_result(&c, &res);
	r = result_rc(PHASE_AUTH, &res);
	if (res.verdict == ATOK_ACCEPT) {
		if (r != PAM_SUCCESS) { /* the table says otherwise: fail */
			atok_result_set(&res, ATOK_CONFIG_ERROR,
			                ATOK_WHY_INTERNAL, "bad result table");
			goto out;
		}
		r = result_remember(&c, &res);
	}
out:
	if (r == PAM_SUCCESS && res.verdict != ATOK_ACCEPT) {
		/* unreachable; a success is only ever an ACCEPT */
		atok_result_set(&res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "internal error");
		r = PAM_SERVICE_ERR;
	}
	/* maxtries: a refused device login ends the host's retries */
	if (c.opts.device && c.opts.maxtries && r == PAM_AUTH_ERR)
		r = PAM_MAXTRIES;
	log_decision(&c, &res);
	if (copy != NULL) {
		explicit_bzero(copy, strlen(copy));
		free(copy);
	}
	explicit_bzero(&res, sizeof(res));
	atok_device_free(&dev);
	atok_verifier_free(&v);
	return r;
}

PAMATOK_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
                                  const char **argv)
{
	struct ctx c;
	struct atok_result res;
	const void *data = NULL;
	const char *why;
	int r;

	res_init(&res);
	if ((r = ctx_setup(&c, pamh, PHASE_SETCRED, argc, argv, &res)) !=
	    PAM_SUCCESS) {
		log_decision(&c, &res);
		return r;
	}
	/*
	 * Tokens carry no credentials to establish, refresh or delete.
	 * PAM_IGNORE when authenticate ran on this handle and did not accept.
	 * When it did not run here at all, the user was authenticated
	 * elsewhere: sshd runs keyboard-interactive authentication (and the
	 * account phase) in a forked child and calls pam_setcred() in the
	 * parent, whose handle never saw our data.  PAM_IGNORE there would
	 * make a stack of pam_apitoken alone answer PAM_PERM_DENIED and sshd
	 * drop the login, so answer PAM_SUCCESS, as pam_unix does.
	 */
	if (result_recall(pamh) != NULL) {
		r = PAM_SUCCESS;
		why = "success, token accepted";
	} else if (pam_get_data(pamh, PAMATOK_TRIED_KEY, &data) ==
	               PAM_SUCCESS &&
	           data != NULL) {
		r = PAM_IGNORE;
		why = "ignore, token not accepted";
	} else {
		r = PAM_SUCCESS;
		why = "success, not authenticated on this handle";
	}
	if (c.opts.debug)
		pam_syslog(pamh, LOG_DEBUG, "debug: setcred flags=%#x: %s",
		           (unsigned)flags, why);
	return r;
}

/*
 * The account phase's warning, as pam_unix's for a password about to
 * expire: a local token that expires within [pam] warn_days days gets one
 * PAM_TEXT_INFO message, never under PAM_SILENT.  Best effort: a
 * conversation that fails changes no decision.
 */
static void warn_expiry(const struct ctx *c, int flags,
                        const struct atok_result *res)
{
	int64_t now = atok_now(0), left;
	long long days;
	time_t t;
	struct tm tm;
	char date[32];

	if ((flags & PAM_SILENT) != 0 || c->warn_days <= 0 ||
	    res->source != ATOK_SRC_LOCAL || res->expires == 0)
		return;
	left = res->expires - now;
	if (left <= 0 || left > (int64_t)c->warn_days * PAMATOK_DAY)
		return;
	days = (long long)((left + PAMATOK_DAY - 1) / PAMATOK_DAY);
	t = (time_t)res->expires;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return;
	(void)pam_info(c->pamh,
	               "Your API token %s expires in %lld day%s (%s); replace "
	               "it with a new token before then.",
	               res->token_id[0] != '\0' ? res->token_id : "(no id)",
	               days, days == 1 ? "" : "s", date);
	if (c->opts.debug)
		pam_syslog(c->pamh, LOG_DEBUG,
		           "debug: account: expiry warning, %lld day(s) left",
		           days);
}

PAMATOK_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
                                    const char **argv)
{
	struct ctx c;
	struct atok_verifier *v = NULL;
	struct atok_request req;
	struct atok_result res;
	const struct atok_result *prev;
	const void *item = NULL;
	int r;

	res_init(&res);
	if ((r = ctx_setup(&c, pamh, PHASE_ACCT, argc, argv, &res)) !=
	    PAM_SUCCESS)
		goto out;
	if ((prev = result_recall(pamh)) == NULL) {
		/* this module did not authenticate the user: no opinion */
		if (c.opts.debug)
			pam_syslog(pamh, LOG_DEBUG,
			           "debug: account: not authenticated by "
			           "pam_apitoken, ignoring");
		return PAM_IGNORE;
	}
	/* keep the token's identity in the log line of every outcome */
	memcpy(res.token_id, prev->token_id, sizeof(res.token_id));
	memcpy(res.fingerprint, prev->fingerprint, sizeof(res.fingerprint));
	res.source = prev->source;
	r = pam_get_item(pamh, PAM_USER, &item);
	if (r != PAM_SUCCESS || item == NULL || *(const char *)item == '\0') {
		atok_result_set(&res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "no user");
		r = PAM_USER_UNKNOWN;
		goto out;
	}
	c.user = item;
	if ((r = verifier_setup(&c, &v, &res)) != PAM_SUCCESS)
		goto out;

	request_init(&c, &req);
	atok_recheck(v, prev, &req, &res);
	if (res.fingerprint[0] == '\0')
		memcpy(res.fingerprint, prev->fingerprint,
		       sizeof(res.fingerprint));
	if (res.token_id[0] == '\0')
		memcpy(res.token_id, prev->token_id, sizeof(res.token_id));
	log_debug_result(&c, &res);
	r = result_rc(PHASE_ACCT, &res);
	if (r == PAM_SUCCESS && res.verdict == ATOK_ACCEPT) {
		if (res.expires == 0)
			res.expires = prev->expires;
		warn_expiry(&c, flags, &res);
	}
out:
	if (r == PAM_SUCCESS && res.verdict != ATOK_ACCEPT) {
		atok_result_set(&res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "internal error");
		r = PAM_SERVICE_ERR;
	}
	log_decision(&c, &res);
	explicit_bzero(&res, sizeof(res));
	atok_verifier_free(&v);
	return r;
}
