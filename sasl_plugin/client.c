/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client.c - the OAUTHBEARER and XOAUTH2 client mechanisms, so Cyrus-SASL
 * clients (imtest, Postfix's smtp client) can log in with a token.
 *
 * The token comes from SASL_CB_PASS, the user from SASL_CB_USER (an
 * authorization id) or else SASL_CB_AUTHNAME, host and port from the
 * connection.  The first step sends the message; a later server challenge
 * can only be the JSON error, answered with the dummy reply.  The message
 * buffer holds the token: it is wiped when the exchange moves on and in
 * mech_dispose.
 */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "oauth_parse.h"
#include "plugin.h"
#include "util.h"

/* Bytes of the server's "status" shown in the client's error text. */
#define STATUS_SHOW_MAX 32

enum client_state {
	CLI_START = 0,
	CLI_SENT = 1,
	CLI_DONE = 2,
};

/* The SASL password that names an account instead of giving a token. */
#define ACCOUNT_PREFIX     "apitoken:"
#define ACCOUNT_PREFIX_LEN 9

struct client_ctx {
	enum mech_kind mech;
	enum client_state state;
	char *out; /* the message, from utils->malloc; holds the token */
	size_t outsz;
	char
	    account[ATOK_CONFIG_INSTANCE_MAX + 1]; /* "" with a literal token */
	char *acct_token; /* the account's token sent (malloc); wiped */
	size_t acct_len;
};

static void acct_wipe(struct client_ctx *c)
{
	if (c->acct_token != NULL)
		atok_freezero(c->acct_token, c->acct_len + 1);
	c->acct_token = NULL;
	c->acct_len = 0;
}

static void out_wipe(struct client_ctx *c, const sasl_utils_t *utils)
{
	if (c->out != NULL) {
		explicit_bzero(c->out, c->outsz);
		utils->free(c->out);
	}
	c->out = NULL;
	c->outsz = 0;
}

/* The answer to prompt id in *prompts, or NULL. */
static const sasl_interact_t *prompt_find(sasl_interact_t *prompts,
                                          unsigned long id)
{
	const sasl_interact_t *p;

	for (p = prompts; p != NULL && p->id != SASL_CB_LIST_END; p++)
		if (p->id == id && p->result != NULL)
			return p;
	return NULL;
}

/*
 * A simple value (SASL_CB_USER, SASL_CB_AUTHNAME): from the prompts, else
 * the callback.  SASL_OK with *val (may be ""), SASL_INTERACT when neither
 * has it.
 */
static int get_simple(const sasl_utils_t *utils, sasl_interact_t *prompts,
                      unsigned long id, const char **val, unsigned *len)
{
	const sasl_interact_t *p;
	sasl_getsimple_t *cb = NULL;
	void *ctx = NULL;
	int r;

	*val = NULL;
	*len = 0;
	if ((p = prompt_find(prompts, id)) != NULL) {
		*val = p->result;
		*len = p->len;
		return SASL_OK;
	}
	r = utils->getcallback(utils->conn, id, (sasl_callback_ft *)&cb, &ctx);
	if (r != SASL_OK || cb == NULL)
		return SASL_INTERACT;
	r = cb(ctx, (int)id, val, len);
	if (r != SASL_OK || *val == NULL)
		return r == SASL_OK ? SASL_INTERACT : r;
	if (*len == 0)
		*len = (unsigned)strlen(*val);
	return SASL_OK;
}

/* The token: from the prompts, else SASL_CB_PASS. */
static int get_token(const sasl_utils_t *utils, sasl_interact_t *prompts,
                     const char **val, size_t *len)
{
	const sasl_interact_t *p;
	sasl_getsecret_t *cb = NULL;
	sasl_secret_t *secret = NULL;
	void *ctx = NULL;
	int r;

	*val = NULL;
	*len = 0;
	if ((p = prompt_find(prompts, SASL_CB_PASS)) != NULL) {
		*val = p->result;
		*len = p->len;
		return SASL_OK;
	}
	r = utils->getcallback(utils->conn, SASL_CB_PASS,
	                       (sasl_callback_ft *)&cb, &ctx);
	if (r != SASL_OK || cb == NULL)
		return SASL_INTERACT;
	r = cb(utils->conn, ctx, SASL_CB_PASS, &secret);
	if (r != SASL_OK || secret == NULL)
		return r == SASL_OK ? SASL_INTERACT : r;
	*val = (const char *)secret->data;
	*len = secret->len;
	return SASL_OK;
}

/* Asks the application for what is missing. */
static int prompts_make(const sasl_utils_t *utils, sasl_interact_t **need,
                        int want_name, int want_token)
{
	sasl_interact_t *p;
	size_t n = (size_t)want_name + (size_t)want_token + 1, i = 0;

	if (need == NULL)
		return SASL_BADPARAM;
	if ((p = utils->malloc(n * sizeof(*p))) == NULL)
		return SASL_NOMEM;
	memset(p, 0, n * sizeof(*p));
	if (want_name) {
		p[i].id = SASL_CB_AUTHNAME;
		p[i].challenge = "Authentication name";
		p[i].prompt = "User name: ";
		i++;
	}
	if (want_token) {
		p[i].id = SASL_CB_PASS;
		p[i].challenge = "Bearer token";
		p[i].prompt = "Token: ";
		i++;
	}
	p[i].id = SASL_CB_LIST_END;
	*need = p;
	return SASL_INTERACT;
}

/* The server's port from "addr;port", or 0. */
static unsigned remote_port(const char *ipport)
{
	const char *semi;
	unsigned long n = 0;

	if (ipport == NULL || (semi = strrchr(ipport, ';')) == NULL)
		return 0;
	for (semi++; *semi != '\0'; semi++) {
		if (*semi < '0' || *semi > '9' || n > 65535)
			return 0;
		n = n * 10 + (unsigned long)(*semi - '0');
	}
	return n <= 65535 ? (unsigned)n : 0;
}

static int step_first(struct client_ctx *c, sasl_client_params_t *cp,
                      sasl_interact_t **prompt_need, const char **clientout,
                      unsigned *clientoutlen, sasl_out_params_t *op)
{
	const sasl_utils_t *u = cp->utils;
	sasl_interact_t *prompts = prompt_need ? *prompt_need : NULL;
	const char *user = NULL, *authname = NULL, *token = NULL, *host;
	unsigned ulen = 0, alen = 0;
	char name[OAUTH_AUTHZID_MAX + 1], acct_user[ATOK_USER_MAX + 1] = "";
	size_t toklen = 0;
	long n;
	int r, ru, ra, rt;

	ru = get_simple(u, prompts, SASL_CB_USER, &user, &ulen);
	ra = get_simple(u, prompts, SASL_CB_AUTHNAME, &authname, &alen);
	rt = get_token(u, prompts, &token, &toklen);
	if (prompt_need != NULL && *prompt_need != NULL) {
		u->free(*prompt_need);
		*prompt_need = NULL;
	}
	if ((ru != SASL_OK && ru != SASL_INTERACT) ||
	    (ra != SASL_OK && ra != SASL_INTERACT) ||
	    (rt != SASL_OK && rt != SASL_INTERACT))
		return ru != SASL_OK && ru != SASL_INTERACT   ? ru
		       : ra != SASL_OK && ra != SASL_INTERACT ? ra
		                                              : rt;
	/* "apitoken:NAME": the account's fresh token (and its user when the
	 * application gives none).  A literal token is sent as it is. */
	if (rt == SASL_OK && toklen > ACCOUNT_PREFIX_LEN &&
	    memcmp(token, ACCOUNT_PREFIX, ACCOUNT_PREFIX_LEN) == 0 &&
	    atok_config_instance_name_valid(token + ACCOUNT_PREFIX_LEN,
	                                    toklen - ACCOUNT_PREFIX_LEN)) {
		memcpy(c->account, token + ACCOUNT_PREFIX_LEN,
		       toklen - ACCOUNT_PREFIX_LEN);
		c->account[toklen - ACCOUNT_PREFIX_LEN] = '\0';
		acct_wipe(c);
		r = atok_sasl_accounts_token(u, c->account, &c->acct_token,
		                             &c->acct_len, acct_user,
		                             sizeof(acct_user));
		if (r != SASL_OK)
			return r;
		token = c->acct_token;
		toklen = c->acct_len;
		if ((ru != SASL_OK || ulen == 0) &&
		    (ra != SASL_OK || alen == 0) && acct_user[0] != '\0') {
			authname = acct_user;
			alen = (unsigned)strlen(acct_user);
			ra = SASL_OK;
		}
	}
	/* The name sent is the authorization id when one is asked for, else
	 * the authentication name. */
	if (ru == SASL_OK && ulen > 0) {
		authname = user;
		alen = ulen;
	} else if (ra != SASL_OK || alen == 0) {
		authname = NULL;
		alen = 0;
	}
	if ((alen == 0 && (ra == SASL_INTERACT || c->mech == MECH_XOAUTH2)) ||
	    rt == SASL_INTERACT) {
		if (prompts != NULL) {
			/* asked already and still nothing: do not loop */
			u->seterror(u->conn, 0, "no %s given",
			            rt == SASL_INTERACT ? "token"
			                                : "user name");
			return SASL_BADPARAM;
		}
		return prompts_make(u, prompt_need, alen == 0,
		                    rt == SASL_INTERACT);
	}
	if (alen > OAUTH_AUTHZID_MAX) {
		u->seterror(u->conn, 0, "user name too long");
		return SASL_BADPARAM;
	}
	if (alen > 0)
		memcpy(name, authname, alen);
	name[alen] = '\0';

	c->outsz = toklen + 3 * OAUTH_AUTHZID_MAX + OAUTH_HOST_MAX + 64;
	if (toklen > ATOK_TOKEN_MAX) {
		u->seterror(u->conn, 0, "bearer token too long");
		return SASL_BADPARAM;
	}
	if ((c->out = u->malloc(c->outsz)) == NULL) {
		c->outsz = 0;
		return SASL_NOMEM;
	}
	host = cp->serverFQDN;
	if (host != NULL && (host[0] == '\0' || strlen(host) > OAUTH_HOST_MAX))
		host = NULL;
	if (c->mech == MECH_XOAUTH2)
		n = oauth_build_xoauth2(name, token, toklen, c->out, c->outsz);
	else
		n = oauth_build_oauthbearer(name, host,
		                            remote_port(cp->ipremoteport),
		                            token, toklen, c->out, c->outsz);
	if (n < 0) {
		u->seterror(u->conn, 0, "%s: cannot build the message: %s",
		            c->mech == MECH_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER",
		            oauth_parse_strerror((int)n));
		return SASL_BADPARAM;
	}
	if (alen > 0) {
		r = cp->canon_user(u->conn, name, 0,
		                   SASL_CU_AUTHID | SASL_CU_AUTHZID, op);
		if (r != SASL_OK)
			return r;
	} else {
		r = cp->canon_user(u->conn, "", 0,
		                   SASL_CU_AUTHID | SASL_CU_AUTHZID, op);
		if (r != SASL_OK)
			return r;
	}
	op->mech_ssf = 0;
	op->maxoutbuf = 0;
	op->encode = NULL;
	op->decode = NULL;
	op->param_version = 0;
	*clientout = c->out;
	*clientoutlen = (unsigned)n;
	c->state = CLI_SENT;
	return SASL_OK;
}

/* Copies the printable "status" of a JSON challenge, or "". */
static void challenge_status(const char *in, unsigned len, char *out,
                             size_t outsz)
{
	static const char key[] = "\"status\":\"";
	size_t i, k, o = 0;

	out[0] = '\0';
	for (i = 0; i + sizeof(key) - 1 <= len; i++) {
		if (memcmp(in + i, key, sizeof(key) - 1) != 0)
			continue;
		for (k = i + sizeof(key) - 1;
		     k < len && in[k] != '"' && o + 1 < outsz; k++) {
			if (in[k] < 0x21 || in[k] > 0x7e)
				break;
			out[o++] = in[k];
		}
		out[o] = '\0';
		return;
	}
}

static int client_step(void *conn_context, sasl_client_params_t *cp,
                       const char *serverin, unsigned serverinlen,
                       sasl_interact_t **prompt_need, const char **clientout,
                       unsigned *clientoutlen, sasl_out_params_t *op)
{
	struct client_ctx *c = conn_context;
	char status[STATUS_SHOW_MAX + 1];

	if (c == NULL || cp == NULL || clientout == NULL ||
	    clientoutlen == NULL || op == NULL)
		return SASL_BADPARAM;
	*clientout = NULL;
	*clientoutlen = 0;
	switch (c->state) {
	case CLI_START:
		return step_first(c, cp, prompt_need, clientout, clientoutlen,
		                  op);
	case CLI_SENT:
		/* Any challenge now is the error: the token was refused. */
		out_wipe(c, cp->utils);
		c->state = CLI_DONE;
		if (serverin == NULL || serverinlen == 0) {
			cp->utils->seterror(
			    cp->utils->conn, 0,
			    "unexpected empty server challenge");
			return SASL_BADPROT;
		}
		challenge_status(serverin, serverinlen, status, sizeof(status));
		if (c->account[0] != '\0' && c->acct_token != NULL)
			atok_sasl_accounts_refused(
			    cp->utils, c->account, c->acct_token, c->acct_len,
			    status[0] ? status : "unknown");
		acct_wipe(c);
		cp->utils->seterror(cp->utils->conn, 0,
		                    "the server refused the bearer token "
		                    "(status %s)",
		                    status[0] ? status : "unknown");
		*clientout = "\x01";
		*clientoutlen = c->mech == MECH_XOAUTH2 ? 0 : 1;
		return SASL_CONTINUE;
	default:
		cp->utils->seterror(cp->utils->conn, 0,
		                    "exchange already finished");
		return SASL_BADPROT;
	}
}

static int client_new(void *glob_context, sasl_client_params_t *cp,
                      void **conn_context)
{
	const enum mech_kind *kind = glob_context;
	struct client_ctx *c;

	if (cp == NULL || conn_context == NULL || kind == NULL)
		return SASL_BADPARAM;
	if ((c = cp->utils->malloc(sizeof(*c))) == NULL)
		return SASL_NOMEM;
	memset(c, 0, sizeof(*c));
	c->mech = *kind;
	*conn_context = c;
	return SASL_OK;
}

static void client_dispose(void *conn_context, const sasl_utils_t *utils)
{
	struct client_ctx *c = conn_context;

	if (c == NULL || utils == NULL)
		return;
	out_wipe(c, utils);
	acct_wipe(c);
	explicit_bzero(c, sizeof(*c));
	utils->free(c);
}

/* libsasl2's teardown (sasl_done): the named accounts. */
static void client_free(void *glob_context, const sasl_utils_t *utils)
{
	(void)glob_context;
	(void)utils;
	atok_sasl_accounts_free();
}

static const enum mech_kind kind_oauthbearer = MECH_OAUTHBEARER;
static const enum mech_kind kind_xoauth2 = MECH_XOAUTH2;

/* The token is required; the name has libsasl2's default ($USER). */
static const unsigned long required_prompts[] = {SASL_CB_PASS,
                                                 SASL_CB_LIST_END};

sasl_client_plug_t atok_client_plugs[] = {
    {
        .mech_name = "OAUTHBEARER",
        .max_ssf = 0,
        .security_flags = SASL_SEC_NOANONYMOUS,
        .features = SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY,
        .required_prompts = required_prompts,
        .glob_context = (void *)&kind_oauthbearer,
        .mech_new = client_new,
        .mech_step = client_step,
        .mech_dispose = client_dispose,
        .mech_free = client_free,
    },
    {
        .mech_name = "XOAUTH2",
        .max_ssf = 0,
        .security_flags = SASL_SEC_NOANONYMOUS,
        .features = SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY,
        .required_prompts = required_prompts,
        .glob_context = (void *)&kind_xoauth2,
        .mech_new = client_new,
        .mech_step = client_step,
        .mech_dispose = client_dispose,
        .mech_free = client_free,
    },
};
const int atok_client_nplugs =
    (int)(sizeof(atok_client_plugs) / sizeof(atok_client_plugs[0]));
