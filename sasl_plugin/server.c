/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * server.c - the OAUTHBEARER (RFC 7628) and XOAUTH2 server mechanisms.
 *
 * One exchange: parse the client's message (oauth_parse.c), ask the core
 * (atok_verify), map the result in plugin.c's table.  A refused token gets
 * the JSON error challenge and the exchange ends after the client's
 * dummy reply; an unavailable or misconfigured validator ends it at once
 * (SASL_UNAVAIL, SASL_FAIL), a malformed message with SASL_BADPROT.
 *
 * The verifier comes from pool.c's process-wide pool and goes back to it
 * before mech_step returns: one exchange uses it at a time, it is built
 * again when the configuration file or an option changes, at most every
 * ATOK_SASL_VERIFIER_TTL (30) seconds so rotated secrets and key files are
 * read again within that bound, and never used or freed across a fork.  A
 * verifier whose exchange ended UNAVAILABLE or CONFIG_ERROR is freed, not
 * pooled.  The connection state holds no secret (the token stays in
 * libsasl2's buffer).
 */
#include "ac_config.h"

#include <stdio.h>
#include <string.h>

#include "oauth_parse.h"
#include "result.h"
#include "util.h"
#include "plugin.h"

/* Bytes of the JSON error challenge: three keys and two bounded values. */
#define CHALLENGE_MAX (128 + 2 * 6 * (ATOK_SCOPE_MAX + ATOK_SASL_PATH_MAX))

/* Bytes of the remote address shown as rhost= (an IPv6 address with a
 * scope fits). */
#define ATOK_SASL_RHOST_MAX 64

enum server_state {
	SRV_START = 0,  /* waiting for the client's message */
	SRV_FAILED = 1, /* error challenge sent; waiting for the dummy reply */
	SRV_DONE = 2,   /* exchange over */
};

struct server_ctx {
	enum mech_kind mech;
	enum server_state state;
	int final_rc;          /* returned after the dummy reply */
	const char *final_msg; /* client-visible, static */
	char challenge[CHALLENGE_MAX];
};

static const char *mech_name(enum mech_kind m)
{
	return m == MECH_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER";
}

/* The one log line of a decision.  Never the token. */
static void log_decision(const struct server_ctx *c, sasl_server_params_t *sp,
                         int level, const char *decision, const char *authzid,
                         const struct atok_result *res)
{
	char service[ATOK_LOG_FIELD_MAX(64)],
	    user[ATOK_LOG_FIELD_MAX(ATOK_USER_MAX)];
	char authz[ATOK_LOG_FIELD_MAX(OAUTH_AUTHZID_MAX)];
	char id[ATOK_LOG_FIELD_MAX(ATOK_TOKEN_ID_MAX)];
	char reason[ATOK_LOG_FIELD_MAX(ATOK_REASON_MAX)];
	char remote[ATOK_LOG_FIELD_MAX(64)];
	char host[ATOK_SASL_RHOST_MAX + 1],
	    rhost[ATOK_LOG_FIELD_MAX(ATOK_SASL_RHOST_MAX)];
	size_t n = 0;

	atok_log_escape(sp->service, 0, service, sizeof(service));
	atok_log_escape(sp->ipremoteport, 0, remote, sizeof(remote));
	/* rhost=: the address alone ("a.b.c.d;port" -> "a.b.c.d"), last on
	 * the line as in pam_apitoken's, for fail2ban */
	if (sp->ipremoteport != NULL)
		n = strcspn(sp->ipremoteport, ";");
	if (n > ATOK_SASL_RHOST_MAX)
		n = 0;
	memcpy(host, n > 0 ? sp->ipremoteport : "", n);
	host[n] = '\0';
	atok_log_escape(host, 0, rhost, sizeof(rhost));
	atok_log_escape(res->user, 0, user, sizeof(user));
	atok_log_escape(authzid, 0, authz, sizeof(authz));
	atok_log_escape(res->token_id, 0, id, sizeof(id));
	atok_log_escape(res->reason, 1, reason, sizeof(reason));
	sp->utils->log(
	    sp->utils->conn, level,
	    "apitoken: %s decision=%s service=%s remote=%s "
	    "user=%s authzid=%s token_id=%s fingerprint=%s "
	    "source=%s reason=\"%s\" rhost=%s",
	    mech_name(c->mech), decision, service, remote, user, authz, id,
	    res->fingerprint[0] ? res->fingerprint : "-",
	    res->source == ATOK_SRC_NONE ? "-" : atok_source_name(res->source),
	    reason, rhost);
}

/*
 * The client's address from the host's ipremoteport ("192.0.2.1;25",
 * "2001:db8::1;143"): the part before the last ';'.  "" when the host
 * gave none or it is longer than an address, which a token limited to
 * networks refuses.
 */
static void remote_addr(const char *ipport, char out[ATOK_ADDR_MAX + 1])
{
	const char *semi;
	size_t n;

	out[0] = '\0';
	if (ipport == NULL)
		return;
	semi = strrchr(ipport, ';');
	n = semi != NULL ? (size_t)(semi - ipport) : strlen(ipport);
	if (n <= ATOK_ADDR_MAX) {
		memcpy(out, ipport, n);
		out[n] = '\0';
	}
}

/*
 * Builds the error challenge into c->challenge.  OAUTHBEARER (RFC 7628
 * 3.2.2): {"status":..., "scope":..., "openid-configuration":...};
 * XOAUTH2: {"status":"401", "schemes":"bearer", "scope":...}.  Returns
 * its length or -1.
 */
static long challenge_build(struct server_ctx *c,
                            const struct atok_sasl_settings *s,
                            const char *status, const char *xstatus)
{
	char scope[2 * 6 * ATOK_SCOPE_MAX], openid[6 * ATOK_SASL_PATH_MAX + 3];
	int n;

	if (oauth_json_string(s->scope, strlen(s->scope), scope,
	                      sizeof(scope)) < 0 ||
	    oauth_json_string(s->openid, strlen(s->openid), openid,
	                      sizeof(openid)) < 0)
		return -1;
	if (c->mech == MECH_XOAUTH2)
		n = snprintf(c->challenge, sizeof(c->challenge),
		             "{\"status\":\"%s\",\"schemes\":\"bearer\""
		             "%s%s}",
		             xstatus, s->scope[0] ? ",\"scope\":" : "",
		             s->scope[0] ? scope : "");
	else
		n = snprintf(c->challenge, sizeof(c->challenge),
		             "{\"status\":\"%s\"%s%s%s%s}", status,
		             s->scope[0] ? ",\"scope\":" : "",
		             s->scope[0] ? scope : "",
		             s->openid[0] ? ",\"openid-configuration\":" : "",
		             s->openid[0] ? openid : "");
	if (n < 0 || (size_t)n >= sizeof(c->challenge))
		return -1;
	return n;
}

/*
 * Hands the identities to libsasl2: the token's user is the
 * authentication id; the requested authzid, when there is one and it
 * differs, is the authorization id, which the host's proxy policy
 * (SASL_CB_PROXY_POLICY) then checks, in proxy_check().
 * SASL_CU_EXTERNALLY_VERIFIED only tells the auxprop lookup that a user
 * without auxprop entries (or no auxprop plugin at all) is not an error:
 * the token proved the authentication id, and whether it may act as the
 * authorization id is the proxy policy's decision, not the lookup's.
 */
static int identities_set(sasl_server_params_t *sp, const char *authid,
                          const char *authzid, sasl_out_params_t *op)
{
	int r;

	if (authzid[0] == '\0' || strcmp(authzid, authid) == 0)
		return sp->canon_user(sp->utils->conn, authid, 0,
		                      SASL_CU_AUTHID | SASL_CU_AUTHZID |
		                          SASL_CU_EXTERNALLY_VERIFIED,
		                      op);
	r = sp->canon_user(sp->utils->conn, authid, 0,
	                   SASL_CU_AUTHID | SASL_CU_EXTERNALLY_VERIFIED, op);
	if (r != SASL_OK)
		return r;
	return sp->canon_user(sp->utils->conn, authzid, 0,
	                      SASL_CU_AUTHZID | SASL_CU_EXTERNALLY_VERIFIED,
	                      op);
}

/*
 * The host's proxy policy (SASL_CB_PROXY_POLICY; libsasl2's default allows
 * only authzid == authid), run here, in the mechanism, so that the log
 * line and the error challenge tell the real outcome: libsasl2 runs it
 * again after a SASL_OK, too late for either.  op holds the canonical
 * identities from identities_set().  SASL_OK or the policy's refusal;
 * fails closed when there is no policy to ask.
 */
static int proxy_check(sasl_server_params_t *sp, const sasl_out_params_t *op)
{
	sasl_authorize_t *proc = NULL;
	void *context = NULL;
	const char *realm =
	    sp->user_realm != NULL ? sp->user_realm : sp->serverFQDN;

	if (op->user == NULL || op->authid == NULL)
		return SASL_NOAUTHZ;
	if (op->ulen == op->alen && memcmp(op->user, op->authid, op->alen) == 0)
		return SASL_OK;
	if (sp->utils->getcallback(sp->utils->conn, SASL_CB_PROXY_POLICY,
	                           (sasl_callback_ft *)&proc,
	                           &context) != SASL_OK ||
	    proc == NULL)
		return SASL_NOAUTHZ;
	return proc(sp->utils->conn, context, op->user, op->ulen, op->authid,
	            op->alen, realm,
	            realm != NULL ? (unsigned)strlen(realm) : 0, sp->propctx);
}

static void oparams_done(sasl_out_params_t *op)
{
	op->doneflag = 1;
	op->mech_ssf = 0;
	op->maxoutbuf = 0;
	op->encode_context = NULL;
	op->encode = NULL;
	op->decode_context = NULL;
	op->decode = NULL;
	op->param_version = 0;
}

/* The dummy reply after an error challenge ends the exchange. */
static int step_after_challenge(struct server_ctx *c, sasl_server_params_t *sp,
                                const char *clientin, unsigned clientinlen)
{
	c->state = SRV_DONE;
	if (clientinlen == 0 || (clientinlen == 1 && clientin != NULL &&
	                         clientin[0] == OAUTH_KVSEP)) {
		sp->utils->seterror(sp->utils->conn, SASL_NOLOG, "%s",
		                    c->final_msg);
		return c->final_rc;
	}
	sp->utils->seterror(sp->utils->conn, SASL_NOLOG,
	                    "%s: expected the client's error acknowledgement",
	                    mech_name(c->mech));
	sp->utils->log(sp->utils->conn, SASL_LOG_FAIL,
	               "apitoken: %s: the reply to the error challenge was "
	               "not %%x01",
	               mech_name(c->mech));
	return SASL_BADPROT;
}

static int server_step(void *conn_context, sasl_server_params_t *sp,
                       const char *clientin, unsigned clientinlen,
                       const char **serverout, unsigned *serveroutlen,
                       sasl_out_params_t *op)
{
	struct server_ctx *c = conn_context;
	const struct result_map *m;
	struct atok_sasl_lease lease = {0};
	struct atok_sasl_settings s;
	struct atok_request req;
	struct atok_result res;
	struct atok_error err;
	struct oauth_msg msg;
	const char *scopes[1];
	char why[ATOK_ERROR_MSG_MAX], remote[ATOK_ADDR_MAX + 1];
	long n = -1;
	int r, prc, keep = 0;

	if (c == NULL || sp == NULL || serverout == NULL ||
	    serveroutlen == NULL || op == NULL)
		return SASL_BADPARAM;
	*serverout = NULL;
	*serveroutlen = 0;
	if (c->state == SRV_FAILED)
		return step_after_challenge(c, sp, clientin, clientinlen);
	if (c->state != SRV_START) {
		sp->utils->seterror(sp->utils->conn, SASL_NOLOG,
		                    "%s: exchange already finished",
		                    mech_name(c->mech));
		return SASL_BADPROT;
	}
	c->state = SRV_DONE;

	prc = clientin == NULL ? OAUTH_E_TRUNCATED
	      : c->mech == MECH_XOAUTH2
	          ? oauth_parse_xoauth2(clientin, clientinlen, &msg)
	          : oauth_parse_oauthbearer(clientin, clientinlen, &msg);
	if (prc != OAUTH_OK) {
		snprintf(why, sizeof(why), "malformed %s message: %s",
		         mech_name(c->mech),
		         prc == OAUTH_ERROR_REPLY
		             ? "error reply without an error challenge"
		             : oauth_parse_strerror(prc));
		atok_result_init(&res);
		atok_result_set(&res, ATOK_REJECT, ATOK_WHY_MALFORMED, "%s",
		                why);
		log_decision(c, sp, SASL_LOG_FAIL, "malformed", NULL, &res);
		sp->utils->seterror(sp->utils->conn, SASL_NOLOG, "%s", why);
		return SASL_BADPROT;
	}

	if ((r = atok_sasl_settings_read(sp->utils, &s, &err)) != 0 ||
	    (r = atok_sasl_pool_take(sp->utils, &s, &lease, &err)) != 0) {
		atok_result_init(&res);
		atok_result_from_setup_err(&res, r, "%s", err.msg);
		r = atok_sasl_err_rc(r);
		m = atok_sasl_result_lookup(&res);
		log_decision(c, sp, m->level, m->decision, msg.authzid, &res);
		sp->utils->seterror(sp->utils->conn, SASL_NOLOG, "%s", m->text);
		goto out;
	}

	if (msg.token == NULL) {
		/* "auth=" with no value: the client asks what to present. */
		atok_result_init(&res);
		atok_result_set(&res, ATOK_REJECT, ATOK_WHY_EMPTY,
		                "empty auth (discovery request)");
		log_decision(c, sp, SASL_LOG_NOTE, "discovery", msg.authzid,
		             &res);
		keep = 1; /* not used */
		c->final_rc = SASL_BADAUTH;
		c->final_msg = "no bearer token presented";
		n = challenge_build(c, &s, "invalid_request", "400");
		goto challenge;
	}

	memset(&req, 0, sizeof(req));
	req.token = msg.token;
	req.token_len = msg.token_len;
	req.user = NULL; /* the token names the user; see identities_set */
	req.service = sp->service;
	remote_addr(sp->ipremoteport, remote);
	req.remote_addr = remote;
	if (s.scope[0] != '\0') {
		scopes[0] = s.scope;
		req.scopes = scopes;
		req.n_scopes = 1;
	}
	atok_verify(lease.v, &req, &res);
	m = atok_sasl_result_lookup(&res);
	/* A verifier in a failure state (store, provider) is not kept. */
	keep = res.verdict == ATOK_ACCEPT || res.verdict == ATOK_REJECT;

	if (res.verdict == ATOK_ACCEPT) {
		r = identities_set(sp, res.user, msg.authzid, op);
		if (r != SASL_OK) {
			snprintf(res.reason, sizeof(res.reason),
			         "canon_user refused the identity (%d)", r);
			log_decision(c, sp, SASL_LOG_FAIL, "reject",
			             msg.authzid, &res);
			goto out;
		}
		if ((r = proxy_check(sp, op)) == SASL_OK) {
			log_decision(c, sp, m->level, m->decision, msg.authzid,
			             &res);
			oparams_done(op);
			goto out;
		}
		/* a valid token, but not for the identity asked for: the
		 * host sees no identity */
		op->user = op->authid = NULL;
		op->ulen = op->alen = 0;
		atok_result_set(&res, ATOK_REJECT, ATOK_WHY_USER_MISMATCH,
		                "the proxy policy refused the authzid (%d)", r);
		m = atok_sasl_result_lookup(&res);
	}
	log_decision(c, sp, m->level, m->decision, msg.authzid, &res);
	if (m->status == NULL) {
		/* unavailable or misconfigured: no challenge, end now */
		sp->utils->seterror(sp->utils->conn, SASL_NOLOG, "%s", m->text);
		r = m->final_rc;
		goto out;
	}
	c->final_rc = m->final_rc;
	c->final_msg = m->text;
	n = challenge_build(c, &s, m->status, m->xstatus);
challenge:
	if (n < 0) {
		sp->utils->seterror(sp->utils->conn, SASL_NOLOG,
		                    "cannot build the error challenge");
		r = SASL_FAIL;
		goto out;
	}
	c->state = SRV_FAILED;
	*serverout = c->challenge;
	*serveroutlen = (unsigned)n;
	r = SASL_CONTINUE;
out:
	atok_sasl_pool_give(&lease, keep);
	explicit_bzero(&msg, sizeof(msg));
	explicit_bzero(&req, sizeof(req));
	return r;
}

static int server_new(void *glob_context, sasl_server_params_t *sp,
                      const char *challenge, unsigned challen,
                      void **conn_context)
{
	const enum mech_kind *kind = glob_context;
	struct server_ctx *c;

	if (sp == NULL || conn_context == NULL || kind == NULL)
		return SASL_BADPARAM;
	if ((c = sp->utils->malloc(sizeof(*c))) == NULL) {
		sp->utils->seterror(sp->utils->conn, 0, "out of memory");
		return SASL_NOMEM;
	}
	memset(c, 0, sizeof(*c));
	c->mech = *kind;
	c->state = SRV_START;
	*conn_context = c;
	return SASL_OK;
}

static void server_dispose(void *conn_context, const sasl_utils_t *utils)
{
	struct server_ctx *c = conn_context;

	if (c == NULL || utils == NULL)
		return;
	explicit_bzero(c, sizeof(*c));
	utils->free(c);
}

/* libsasl2's teardown (sasl_done): free the pooled verifiers.  Called once
 * per mechanism; the second call finds the pool empty. */
static void server_free(void *glob_context, const sasl_utils_t *utils)
{
	(void)glob_context;
	(void)utils;
	atok_sasl_pool_free();
}

/* Offered only when the plugin is configured (see plugin.c). */
static int server_avail(void *glob_context, sasl_server_params_t *sp,
                        void **conn_context)
{
	if (sp == NULL || !atok_sasl_configured(sp->utils))
		return SASL_NOMECH;
	return SASL_OK;
}

static const enum mech_kind kind_oauthbearer = MECH_OAUTHBEARER;
static const enum mech_kind kind_xoauth2 = MECH_XOAUTH2;

sasl_server_plug_t atok_server_plugs[] = {
    {
        .mech_name = "OAUTHBEARER",
        .max_ssf = 0,
        .security_flags = SASL_SEC_NOANONYMOUS,
        .features = SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY,
        .glob_context = (void *)&kind_oauthbearer,
        .mech_new = server_new,
        .mech_step = server_step,
        .mech_dispose = server_dispose,
        .mech_free = server_free,
        .mech_avail = server_avail,
    },
    {
        .mech_name = "XOAUTH2",
        .max_ssf = 0,
        .security_flags = SASL_SEC_NOANONYMOUS,
        .features = SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY,
        .glob_context = (void *)&kind_xoauth2,
        .mech_new = server_new,
        .mech_step = server_step,
        .mech_dispose = server_dispose,
        .mech_free = server_free,
        .mech_avail = server_avail,
    },
};
const int atok_server_nplugs =
    (int)(sizeof(atok_server_plugs) / sizeof(atok_server_plugs[0]));
