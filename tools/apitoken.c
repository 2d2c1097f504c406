/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * apitoken - the administrator's command: issue, list, revoke and rotate
 * local API tokens, verify any token exactly as PAM and SASL would, and
 * check a configuration.  Tokens are read on standard input only.
 */
#include "ac_config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atok.h"
#include "audit.h"
#include "cli.h"
#include "config.h"
#include "device.h"
#include "local.h"
#include "oauth.h"
#include "policy.h"
#include "result.h"
#include "scope.h"
#include "store.h"
#include "store_cmd.h"
#include "token.h"
#include "util.h"

/* Exit codes (apitoken(1)). */
#define EXIT_ACCEPTED 0
#define EXIT_REJECTED 1 /* verify rejected; admin: no such token */
#define EXIT_UNAVAIL  2 /* unavailable, configuration or store error */

struct opts {
	const char *config;
	const char *user;
	const char *name;
	const char *service;
	const char *expires;
	const char *expiring; /* list --expiring DURATION */
	const char *scopes[ATOK_REQ_SCOPES_MAX];
	size_t n_scopes;
	int json;
	int has_from;                 /* --from given (maybe empty) */
	char from[ATOK_FROM_MAX + 1]; /* the --from lists, comma-joined */
	const char *grace;
	const char *remote_addr;
	int postfix; /* check-config --postfix */
};

static void fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* strftime() leaves buf indeterminate when it does not fit. */
	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "-");
}

static int load_config(const struct opts *o, struct atok_config **cfgp)
{
	struct atok_error err = {0};
	struct atok_config *cfg = atok_config_new();

	if (cfg == NULL) {
		fprintf(stderr, "apitoken: out of memory\n");
		return EXIT_UNAVAIL;
	}
	if (atok_config_load_file(cfg, o->config, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		atok_config_free(&cfg);
		return EXIT_UNAVAIL;
	}
	*cfgp = cfg;
	return 0;
}

static int open_admin_store(const struct opts *o, struct atok_config **cfgp,
                            struct atok_store **sp)
{
	struct atok_error err = {0};
	int from = 0, to = 0, r;

	if ((r = load_config(o, cfgp)) != 0)
		return r;
	if (!atok_config_has_section(*cfgp, ATOK_CFG_SECTION_STORE)) {
		fprintf(stderr, "apitoken: %s has no [store] section\n",
		        o->config);
		return EXIT_UNAVAIL;
	}
	if (atok_store_open(*cfgp, ATOK_STORE_ADMIN, sp, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return EXIT_UNAVAIL;
	}
	if (atok_store_migrated(*sp, &from, &to))
		audit_migration(atok_config_str(*cfgp, ATOK_CFG_STORE_PATH),
		                from, to);
	return 0;
}

/* Joins the --scope options into a space-separated list. */
static int join_scopes(const struct opts *o, char *out, size_t n)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < o->n_scopes; i++) {
		size_t l = strlen(o->scopes[i]);
		if (!atok_scope_valid(o->scopes[i], l) || used + l + 2 > n) {
			fprintf(stderr, "apitoken: invalid scope \"%.64s\"\n",
			        o->scopes[i]);
			return -1;
		}
		if (used)
			out[used++] = ' ';
		memcpy(out + used, o->scopes[i], l + 1);
		used += l;
	}
	return 0;
}

/* The issuance policy ([store] max_lifetime, ...); expires 0 = never. */
static int check_max_expires(const struct atok_policy *pol, int64_t now,
                             int64_t expires)
{
	struct atok_error err = {0};

	if (atok_policy_check_expires(pol, now, expires, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int load_policy(const struct atok_config *cfg, struct atok_policy *pol)
{
	struct atok_error err = {0};

	if (atok_policy_load(cfg, pol, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* --expires: a duration from now, or "never"; -1 default when absent. */
static int parse_expires(const char *s, const struct atok_policy *pol,
                         int64_t now, int64_t dflt, int64_t *out)
{
	long long d = 0;

	if (s == NULL) {
		*out = dflt;
	} else if (strcmp(s, "never") == 0) {
		*out = 0;
	} else if (atok_parse_duration(s, &d) != 0 || d <= 0) {
		fprintf(stderr,
		        "apitoken: --expires takes a duration such as 90d, "
		        "12h, 30m or never, not \"%.64s\"\n",
		        s);
		return -1;
	} else {
		*out = now + d;
	}
	return *out == -1 ? 0 : check_max_expires(pol, now, *out);
}

/* A duration of seconds ("24h", "0"); -1 when it is not one. */
static int64_t parse_seconds(const char *what, const char *s)
{
	long long d = 0;

	if (atok_parse_duration(s, &d) != 0) {
		fprintf(stderr,
		        "apitoken: %s takes a duration such as 24h, 30m or "
		        "0, not \"%.64s\"\n",
		        what, s);
		return -1;
	}
	return d;
}

static json_t *scopes_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (a != NULL && *p != '\0') {
		size_t n = strcspn(p, " ");
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p += n;
		while (*p == ' ')
			p++;
	}
	return a;
}

static json_t *time_json(int64_t t)
{
	return t == 0 ? json_null() : json_integer(t);
}

/* A token's state for list: rotated tokens are "grace" until their grace
 * period ends, then "rotated". */
static const char *record_status(const struct atok_token_record *r, int64_t now)
{
	if (r->revoked)
		return "revoked";
	if (r->expires && now >= r->expires)
		return r->rotated_to[0] ? "rotated" : "expired";
	return r->rotated_to[0] ? "grace" : "active";
}

static json_t *from_json(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (a != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	return a;
}

static json_t *record_json(const struct atok_token_record *r, int64_t now)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:s, s:s, s:o, s:o, "
	    "s:s}",
	    "id", r->id, "user", r->user, "name", r->name, "scopes",
	    scopes_json(r->scopes), "created", (json_int_t)r->created,
	    "expires", time_json(r->expires), "revoked", time_json(r->revoked),
	    "last_used", time_json(r->last_used), "status",
	    record_status(r, now), "rotated_from", r->rotated_from,
	    "allowed_from", from_json(r->allowed_from), "last_used_from",
	    r->last_used_from[0] ? json_string(r->last_used_from) : json_null(),
	    "rotated_to", r->rotated_to);
}

/* Prints j on stdout and frees it; -1 when it is NULL (out of memory) or
 * could not be written. */
static int print_json(json_t *j)
{
	int r;

	if (j == NULL) {
		fprintf(stderr, "apitoken: out of memory\n");
		return -1;
	}
	r = json_dumpf(j, stdout, JSON_COMPACT | JSON_SORT_KEYS) == 0 &&
	            fputc('\n', stdout) != EOF
	        ? 0
	        : -1;
	json_decref(j);
	return r;
}

/* Flushes stdout; -1 (and says so) when anything written to it was lost. */
static int stdout_ok(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	fprintf(stderr, "apitoken: could not write to standard output\n");
	return -1;
}

/*
 * Prints a freshly minted token once, then wipes it.  Returns -1 when the
 * token did not reach stdout: it is in the store, but nobody has it.
 */
static int show_new_token(const char *verb, char *token,
                          const struct atok_token_record *rec, int json)
{
	char exp[32];
	int r = 0;

	fmt_time(rec->expires, exp, sizeof(exp));
	if (json) {
		json_t *j = record_json(rec, rec->created);
		if (j != NULL &&
		    json_object_set_new(j, "token", json_string(token)) != 0) {
			json_decref(j);
			j = NULL;
		}
		r = print_json(j);
	} else if (printf("%s\n", token) < 0) {
		r = -1;
	}
	if (stdout_ok() != 0)
		r = -1;
	if (r != 0)
		fprintf(stderr,
		        "apitoken: token %s was not shown: revoke it "
		        "(apitoken revoke %s) and issue another\n",
		        rec->id, rec->id);
	else if (!json)
		fprintf(stderr,
		        "%s token %s for %s (scopes: %s; expires: %s; from: "
		        "%s).\n"
		        "This is the only time the token is shown: store it "
		        "now.\n",
		        verb, rec->id, rec->user,
		        rec->scopes[0] ? rec->scopes : "none",
		        rec->expires ? exp : "never",
		        rec->allowed_from[0] ? rec->allowed_from : "anywhere");
	explicit_bzero(token, strlen(token));
	return r;
}

static int cmd_issue(const struct opts *o)
{
	struct atok_config *cfg = NULL;
	struct atok_store *s = NULL;
	struct atok_token_record rec;
	struct atok_error err = {0};
	struct atok_issue_params p = {0};
	struct atok_policy pol;
	char scopes[ATOK_SCOPES_MAX + 1], token[ATOK_LOCAL_TOKEN_LEN + 1];
	int64_t now = atok_now(0), expires;
	int r;

	if (o->user == NULL) {
		fprintf(stderr, "apitoken: issue needs --user\n");
		return EXIT_USAGE;
	}
	if (join_scopes(o, scopes, sizeof(scopes)) != 0)
		return EXIT_USAGE;
	if ((r = open_admin_store(o, &cfg, &s)) != 0)
		goto out;
	if (load_policy(cfg, &pol) != 0) {
		r = EXIT_UNAVAIL;
		goto out;
	}
	if (atok_policy_check_scopes(&pol, scopes, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = EXIT_USAGE;
		goto out;
	}
	if (parse_expires(o->expires, &pol, now, now + pol.default_lifetime,
	                  &expires) != 0) {
		r = EXIT_USAGE;
		goto out;
	}
	p.user = o->user;
	p.scopes = scopes;
	p.name = o->name;
	p.expires = expires;
	p.now = now;
	p.allowed_from = o->has_from ? o->from : NULL;
	if (atok_local_issue(s, &p, token, &rec, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = err.code == ATOK_ERR_INVALID ||
		            err.code == ATOK_ERR_MALFORMED ||
		            err.code == ATOK_ERR_TOO_LONG
		        ? EXIT_USAGE
		        : EXIT_UNAVAIL;
		goto out;
	}
	audit_token("issue", &rec, NULL);
	r = show_new_token("Issued", token, &rec, o->json) == 0 ? 0
	                                                        : EXIT_UNAVAIL;
out:
	explicit_bzero(token, sizeof(token));
	atok_store_close(&s);
	atok_config_free(&cfg);
	return r;
}

static int cmd_rotate(const struct opts *o, const char *id)
{
	struct atok_config *cfg = NULL;
	struct atok_store *s = NULL;
	struct atok_token_record rec, old;
	struct atok_rotate_params p = {0};
	struct atok_error err = {0};
	struct atok_policy pol;
	char token[ATOK_LOCAL_TOKEN_LEN + 1], extra[128], until[32];
	int64_t now = atok_now(0), expires;
	int r;

	memset(token, 0, sizeof(token));
	if (o->grace != NULL &&
	    (p.grace = parse_seconds("--grace", o->grace)) < 0)
		return EXIT_USAGE;
	if ((r = open_admin_store(o, &cfg, &s)) != 0)
		goto out;
	if (load_policy(cfg, &pol) != 0) {
		r = EXIT_UNAVAIL;
		goto out;
	}
	if (o->expires == NULL) {
		/* The same lifetime from now, still within max_lifetime. */
		if (atok_store_lookup(s, id, &old, &err) != 0) {
			fprintf(stderr, "apitoken: %s\n", err.msg);
			r = err.code == ATOK_ERR_NOT_FOUND ? EXIT_REJECTED
			                                   : EXIT_UNAVAIL;
			goto out;
		}
		expires =
		    old.expires == 0 ? 0 : now + (old.expires - old.created);
		if (check_max_expires(&pol, now, expires) != 0) {
			r = EXIT_USAGE;
			goto out;
		}
	} else if (parse_expires(o->expires, &pol, now, -1, &expires) != 0) {
		r = EXIT_USAGE;
		goto out;
	}
	p.expires = expires;
	p.now = now;
	p.allowed_from = o->has_from ? o->from : NULL;
	if (atok_local_rotate(s, id, &p, token, &rec, &old, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = err.code == ATOK_ERR_NOT_FOUND ||
		            err.code == ATOK_ERR_INVALID
		        ? EXIT_REJECTED
		        : EXIT_UNAVAIL;
		if (err.code == ATOK_ERR_MALFORMED ||
		    err.code == ATOK_ERR_TOO_LONG)
			r = EXIT_USAGE;
		goto out;
	}
	/* What the old token became, as the store now says. */
	if (atok_store_lookup(s, id, &old, &err) != 0)
		memset(&old, 0, sizeof(old));
	fmt_time(old.expires, until, sizeof(until));
	snprintf(extra, sizeof(extra), "rotated_from=%s old_until=%s", id,
	         old.revoked ? "revoked" : until);
	audit_token("rotate", &rec, extra);
	r = show_new_token("Rotated: new", token, &rec, o->json) == 0
	        ? 0
	        : EXIT_UNAVAIL;
	if (old.revoked != 0 || old.id[0] == '\0')
		fprintf(stderr, "Token %s is revoked.\n", id);
	else
		fprintf(stderr,
		        "Token %s keeps working until %s, then is refused "
		        "(rotated to %s).\n",
		        id, until, rec.id);
	store_cmd_note(s);
out:
	explicit_bzero(token, sizeof(token));
	atok_store_close(&s);
	atok_config_free(&cfg);
	return r;
}

static int cmd_revoke(const struct opts *o, const char *id)
{
	struct atok_config *cfg = NULL;
	struct atok_store *s = NULL;
	struct atok_token_record rec;
	struct atok_error err = {0};
	int r;

	if ((r = open_admin_store(o, &cfg, &s)) != 0)
		goto out;
	if (atok_store_revoke(s, id, atok_now(0), &err) != 0 ||
	    atok_store_lookup(s, id, &rec, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = err.code == ATOK_ERR_NOT_FOUND ? EXIT_REJECTED
		                                   : EXIT_UNAVAIL;
		goto out;
	}
	audit_token("revoke", &rec, NULL);
	fprintf(stderr, "Token %s is revoked.\n", id);
	store_cmd_note(s);
	r = 0;
out:
	atok_store_close(&s);
	atok_config_free(&cfg);
	return r;
}

struct list_ctx {
	json_t *arr;
	int64_t now;
	int rows;
	int64_t until; /* --expiring: active tokens expiring by then; 0 = all */
};

static int list_row(void *arg, const struct atok_token_record *r)
{
	struct list_ctx *c = arg;
	char created[32], expires[32], used[32];

	if (c->until != 0 && (r->revoked || r->expires == 0 ||
	                      r->expires <= c->now || r->expires > c->until))
		return 0;
	c->rows++;
	if (c->arr != NULL)
		return json_array_append_new(c->arr, record_json(r, c->now)) ==
		               0
		           ? 0
		           : ATOK_ERR_NOMEM;
	fmt_time(r->created, created, sizeof(created));
	fmt_time(r->expires, expires, sizeof(expires));
	fmt_time(r->last_used, used, sizeof(used));
	printf("%-12s  %-12s  %-8s  %-20s  %-20s  %-20s  %-16s  %s\n", r->id,
	       r->user, record_status(r, c->now), created,
	       r->expires ? expires : "never", used,
	       r->scopes[0] ? r->scopes : "-", r->name);
	/* Limits, last use from where and rotation pairs on a line below,
	 * for the tokens that have any. */
	if (r->allowed_from[0] || r->last_used_from[0] || r->rotated_to[0] ||
	    r->rotated_from[0]) {
		char rot[2 * ATOK_TOKEN_ID_MAX + 16];
		if (r->rotated_from[0] && r->rotated_to[0])
			snprintf(rot, sizeof(rot), "from %s, to %s",
			         r->rotated_from, r->rotated_to);
		else if (r->rotated_from[0] || r->rotated_to[0])
			snprintf(rot, sizeof(rot), "%s %s",
			         r->rotated_from[0] ? "from" : "to",
			         r->rotated_from[0] ? r->rotated_from
			                            : r->rotated_to);
		else
			snprintf(rot, sizeof(rot), "-");
		printf("%-12s  from: %s  last used from: %s  rotated: %s\n", "",
		       r->allowed_from[0] ? r->allowed_from : "anywhere",
		       r->last_used_from[0] ? r->last_used_from : "-", rot);
	}
	return 0;
}

static int cmd_list(const struct opts *o)
{
	struct atok_config *cfg = NULL;
	struct atok_store *s = NULL;
	struct atok_error err = {0};
	struct list_ctx c = {NULL, atok_now(0), 0, 0};
	long long within;
	int r;

	if (o->expiring != NULL) {
		if (atok_parse_duration(o->expiring, &within) != 0 ||
		    within <= 0) {
			fprintf(stderr, "apitoken: --expiring takes a duration "
			                "such as 7d, 12h or 3600\n");
			return EXIT_USAGE;
		}
		c.until = c.now + within;
	}
	if ((r = open_admin_store(o, &cfg, &s)) != 0)
		goto out;
	if (o->json && (c.arr = json_array()) == NULL) {
		r = EXIT_UNAVAIL;
		goto out;
	}
	if (!o->json)
		printf("%-12s  %-12s  %-8s  %-20s  %-20s  %-20s  %-16s  %s\n",
		       "ID", "USER", "STATUS", "CREATED", "EXPIRES",
		       "LAST USED", "SCOPES", "NAME");
	if (atok_store_list(s, o->user, list_row, &c, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		json_decref(c.arr);
		r = EXIT_UNAVAIL;
		goto out;
	}
	r = 0;
	if (o->json && print_json(c.arr) != 0)
		r = EXIT_UNAVAIL;
out:
	atok_store_close(&s);
	atok_config_free(&cfg);
	return r;
}

/*
 * Reads the token from stdin (echo off on a terminal).  Reads at most
 * ATOK_TOKEN_MAX + 2 bytes so an over-long token is seen as such by the core.
 * Strips one trailing newline.  Returns the length, or -1.
 */
static ssize_t read_token(char *buf, size_t bufsz)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), echo_off = 0;
	size_t have = 0;
	ssize_t n;

	if (tty) {
		fprintf(stderr, "Token: ");
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			echo_off =
			    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	while (have < bufsz) {
		n = read(STDIN_FILENO, buf + have, bufsz - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (tty && memchr(buf, '\n', have) != NULL)
			break;
	}
	if (echo_off) {
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &old) != 0)
			fprintf(stderr,
			        "\napitoken: could not turn the terminal's "
			        "echo back on (stty echo): %s",
			        strerror(errno));
		(void)fputc('\n', stderr); /* nowhere to report a failure */
	}
	if (tty) {
		char *nl = memchr(buf, '\n', have);
		if (nl != NULL)
			have = (size_t)(nl - buf) + 1;
	}
	if (have > 0 && buf[have - 1] == '\n')
		have--;
	if (have > 0 && buf[have - 1] == '\r')
		have--;
	return (ssize_t)have;
}

static int cmd_verify(const struct opts *o)
{
	struct atok_config *cfg = NULL;
	struct atok_verifier *v = NULL;
	struct atok_error err = {0};
	struct atok_request req = {0};
	struct atok_result res;
	char *buf = NULL, exp[32];
	const size_t bufsz = ATOK_TOKEN_MAX + 2;
	ssize_t len;
	int r;

	atok_result_init(&res);
	if (load_config(o, &cfg) != 0) {
		/* load_config() already said why on stderr. */
		if (!o->json) {
			r = EXIT_UNAVAIL;
			goto out;
		}
		snprintf(err.msg, sizeof(err.msg), "cannot load %.200s",
		         o->config);
		r = EXIT_UNAVAIL;
		goto report_config;
	}
	if (atok_verifier_new(cfg, &v, &err) != 0) {
		r = EXIT_UNAVAIL;
		goto report_config;
	}
	if ((buf = malloc(bufsz)) == NULL) {
		fprintf(stderr, "apitoken: out of memory\n");
		r = EXIT_UNAVAIL;
		goto out;
	}
	if ((len = read_token(buf, bufsz)) < 0) {
		r = EXIT_UNAVAIL;
		goto out;
	}
	req.token = buf;
	req.token_len = (size_t)len;
	req.user = o->user;
	req.service = o->service ? o->service : "apitoken";
	req.scopes = o->scopes;
	req.n_scopes = o->n_scopes;
	req.remote_addr = o->remote_addr;
	atok_verify(v, &req, &res);
	r = res.verdict == ATOK_ACCEPT   ? EXIT_ACCEPTED
	    : res.verdict == ATOK_REJECT ? EXIT_REJECTED
	                                 : EXIT_UNAVAIL;
	goto report;

report_config:
	atok_result_set(&res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG, "%.200s",
	                err.msg);
report:
	fmt_time(res.expires, exp, sizeof(exp));
	if (o->json) {
		json_t *j =
		    json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:o}",
		              "result", atok_verdict_name(res.verdict), "user",
		              res.user, "scopes", scopes_json(res.scopes),
		              "source", atok_source_name(res.source), "reason",
		              res.reason, "why", atok_why_name(res.why),
		              "fingerprint", res.fingerprint, "token_id",
		              res.token_id, "expires", time_json(res.expires));
		if (j != NULL && res.source == ATOK_SRC_JWT && res.alg[0]) {
			json_object_set_new(j, "alg", json_string(res.alg));
			json_object_set_new(j, "kid", json_string(res.kid));
			json_object_set_new(j, "issuer",
			                    json_string(res.issuer));
		}
		/* A verdict nobody could read is no verdict. */
		if (print_json(j) != 0)
			r = EXIT_UNAVAIL;
	} else if (res.verdict == ATOK_CONFIG_ERROR) {
		fprintf(stderr, "apitoken: %s\n", res.reason);
	} else {
		printf("result:      %s\n", atok_verdict_name(res.verdict));
		printf("reason:      %s (%s)\n", res.reason,
		       atok_why_name(res.why));
		printf("source:      %s\n", atok_source_name(res.source));
		printf("user:        %s\n", res.user[0] ? res.user : "-");
		printf("scopes:      %s\n", res.scopes[0] ? res.scopes : "-");
		printf("token id:    %s\n",
		       res.token_id[0] ? res.token_id : "-");
		printf("fingerprint: %s\n",
		       res.fingerprint[0] ? res.fingerprint : "-");
		printf("expires:     %s\n", res.expires ? exp : "never");
		if (res.source == ATOK_SRC_JWT && res.alg[0] != '\0') {
			printf("alg:         %s\n", res.alg);
			printf("kid:         %s\n", res.kid[0] ? res.kid : "-");
			printf("issuer:      %s\n",
			       res.issuer[0] ? res.issuer : "-");
		}
	}
out:
	if (buf != NULL)
		atok_freezero(buf, bufsz);
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	return r;
}

/* What check-config says of [introspection]'s declared opaque shape: the
 * one thing that decides whether a password could ever be sent. */
static void print_opaque_shape(const struct atok_config *cfg)
{
	struct atok_opaque_shape shape;
	struct atok_error err = {0};
	size_t i;

	/* atok_verifier_new() has loaded it already: this cannot fail */
	if (atok_opaque_shape_load(cfg, &shape, &err) != 0)
		return;
	if (!shape.declared) {
		printf("introspection: no opaque token shape declared: only "
		       "JWTs are introspected; set opaque_prefix (see "
		       "apitoken.conf(5))\n");
		return;
	}
	printf("introspection: opaque tokens are");
	if (shape.n_prefixes == 0)
		printf(" any");
	for (i = 0; i < shape.n_prefixes; i++)
		printf("%s %s...", i == 0 ? "" : " or", shape.prefix[i]);
	printf(", %zu to %zu characters, %s; nothing else is ever sent\n",
	       shape.min_len, shape.max_len,
	       atok_config_str(cfg, ATOK_CFG_INTROSPECTION_OPAQUE_CHARSET));
}

/* [device]: the client can be made (files read), and a validator can
 * check the tokens it obtains.  No request is made. */
static int check_device(const struct atok_config *cfg)
{
	struct atok_device *d = NULL;
	struct atok_error err = {0};

	if (atok_device_new(cfg, &d, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return EXIT_UNAVAIL;
	}
	atok_device_free(&d);
	if (!atok_config_has_section(cfg, ATOK_CFG_SECTION_JWT) &&
	    !atok_config_has_section(cfg, ATOK_CFG_SECTION_INTROSPECTION)) {
		fprintf(stderr, "apitoken: [device] needs [jwt] or "
		                "[introspection] to check the tokens it "
		                "obtains\n");
		return EXIT_UNAVAIL;
	}
	printf("device login: client %s at %s\n",
	       atok_config_str(cfg, ATOK_CFG_DEVICE_CLIENT_ID),
	       atok_config_str(cfg, ATOK_CFG_DEVICE_ISSUER) != NULL
	           ? atok_config_str(cfg, ATOK_CFG_DEVICE_ISSUER)
	           : atok_config_str(cfg, ATOK_CFG_DEVICE_DEVICE_ENDPOINT));
	return 0;
}

static int cmd_check_config(const struct opts *o)
{
	struct atok_config *cfg = NULL;
	struct atok_verifier *v = NULL;
	struct atok_store *s = NULL;
	struct atok_error err = {0};
	long long n = 0;
	int version = 0, r;

	if ((r = load_config(o, &cfg)) != 0)
		goto out;
	if (atok_verifier_new(cfg, &v, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = EXIT_UNAVAIL;
		goto out;
	}
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE)) {
		struct atok_policy pol;
		if (load_policy(cfg, &pol) != 0) {
			r = EXIT_UNAVAIL;
			goto out;
		}
	}
	printf("configuration %s: ok\n", o->config);
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE)) {
		if (atok_store_open(cfg, ATOK_STORE_READ, &s, &err) != 0 ||
		    atok_store_info(s, &version, &n, &err) != 0) {
			fprintf(stderr, "apitoken: %s\n", err.msg);
			r = EXIT_UNAVAIL;
			goto out;
		}
		if ((r = store_cmd_describe(s)) < 0) {
			r = EXIT_UNAVAIL;
			goto out;
		}
		if (r == 0)
			printf("store %s: schema %d, %lld tokens, %s\n",
			       atok_config_str(cfg, ATOK_CFG_STORE_PATH),
			       version, n,
			       atok_store_writable(s) ? "writable"
			                              : "read-only");
	}
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_INTROSPECTION))
		print_opaque_shape(cfg);
	if (atok_config_has_section(cfg, ATOK_CFG_SECTION_DEVICE) &&
	    (r = check_device(cfg)) != 0)
		goto out;
	r = 0;
out:
	atok_store_close(&s);
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	return r;
}

/* The options of the commands above, each declared once and listed by the
 * commands that take it.  A key below CLI_LONG_ONLY is its short letter. */
enum { OPT_CONFIG = CLI_LONG_ONLY, OPT_POSTFIX };

static const struct cli_opt opt_config = {"config", required_argument,
                                          OPT_CONFIG};
static const struct cli_opt opt_user = {"user", required_argument, 'u'};
static const struct cli_opt opt_scope = {"scope", required_argument, 's'};
static const struct cli_opt opt_expires = {"expires", required_argument, 'e'};
static const struct cli_opt opt_name = {"name", required_argument, 'n'};
static const struct cli_opt opt_service = {"service", required_argument, 'S'};
static const struct cli_opt opt_from = {"from", required_argument, 'F'};
static const struct cli_opt opt_grace = {"grace", required_argument, 'G'};
static const struct cli_opt opt_remote_addr = {"remote-addr", required_argument,
                                               'R'};
static const struct cli_opt opt_expiring = {"expiring", required_argument, 'x'};
static const struct cli_opt opt_postfix = {"postfix", no_argument, OPT_POSTFIX};

static const struct cli_opt *const issue_opts[] = {
    &opt_user, &opt_scope,    &opt_expires, &opt_name,
    &opt_from, &cli_opt_json, &opt_config,  NULL};
static const struct cli_opt *const list_opts[] = {
    &opt_user, &opt_expiring, &cli_opt_json, &opt_config, NULL};
static const struct cli_opt *const revoke_opts[] = {&opt_config, NULL};
static const struct cli_opt *const rotate_opts[] = {
    &opt_expires, &opt_grace, &opt_from, &cli_opt_json, &opt_config, NULL};
static const struct cli_opt *const verify_opts[] = {
    &opt_user,     &opt_scope,  &opt_service, &opt_remote_addr,
    &cli_opt_json, &opt_config, NULL};
static const struct cli_opt *const check_config_opts[] = {&opt_postfix,
                                                          &opt_config, NULL};

/* One option of command c into struct opts (cli_option_fn). */
static int set_option(const struct cli_cmd *c, void *ctx, int key,
                      const char *arg)
{
	struct opts *o = ctx;

	switch (key) {
	case OPT_CONFIG:
		o->config = arg;
		break;
	case 'u':
		o->user = arg;
		break;
	case 's':
		if (o->n_scopes >= ATOK_REQ_SCOPES_MAX) {
			fprintf(stderr, "apitoken: too many scopes\n");
			return EXIT_USAGE;
		}
		if (!atok_scope_valid(arg, strlen(arg))) {
			fprintf(stderr, "apitoken: invalid scope \"%.64s\"\n",
			        arg);
			return EXIT_USAGE;
		}
		o->scopes[o->n_scopes++] = arg;
		break;
	case 'e':
		o->expires = arg;
		break;
	case 'n':
		o->name = arg;
		break;
	case 'S':
		o->service = arg;
		break;
	case 'F': {
		/* Repeated --from lists add up; checked at issue. */
		size_t used = strlen(o->from), l = strlen(arg);
		if (used + l + 2 > sizeof(o->from)) {
			fprintf(stderr,
			        "apitoken: --from lists longer than %d bytes\n",
			        ATOK_FROM_MAX);
			return EXIT_USAGE;
		}
		if (o->has_from && used > 0 && l > 0)
			o->from[used++] = ',';
		memcpy(o->from + used, arg, l + 1);
		o->has_from = 1;
		break;
	}
	case 'G':
		o->grace = arg;
		break;
	case 'R':
		o->remote_addr = arg;
		break;
	case 'x':
		o->expiring = arg;
		break;
	case 'j':
		o->json = 1;
		break;
	case OPT_POSTFIX:
		o->postfix = 1;
		break;
	default: /* an option of the table this switch does not know */
		return cli_usage_error(c, "option not handled");
	}
	return 0;
}

/* Success means the output arrived: a list or a verdict lost to a full
 * disk or a closed pipe is a failure. */
static int output_done(int r)
{
	if (r == 0 && stdout_ok() != 0)
		r = EXIT_UNAVAIL;
	return r;
}

/* The operand of revoke and rotate: 0 when it is a token id, else
 * EXIT_USAGE.  An argument that is not an id may be a secret: never echo
 * it. */
static int check_id(const char *arg)
{
	if (atok_local_id_valid(arg, strlen(arg)))
		return 0;
	if (strncmp(arg, ATOK_LOCAL_PREFIX, ATOK_LOCAL_PREFIX_LEN) == 0)
		fprintf(stderr, "apitoken: give the token id, never the "
		                "token, on the command line (the id is the 12 "
		                "characters after apt_)\n");
	else
		fprintf(stderr, "apitoken: the argument is not a token id (12 "
		                "letters and digits, as `apitoken list` "
		                "shows)\n");
	return EXIT_USAGE;
}

static int run_issue(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	return output_done(cmd_issue(ctx));
}

static int run_list(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	return output_done(cmd_list(ctx));
}

static int run_revoke(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	if (check_id(argv[0]) != 0)
		return EXIT_USAGE;
	return output_done(cmd_revoke(ctx, argv[0]));
}

static int run_rotate(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	if (check_id(argv[0]) != 0)
		return EXIT_USAGE;
	return output_done(cmd_rotate(ctx, argv[0]));
}

static int run_verify(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	return output_done(cmd_verify(ctx));
}

static int run_check_config(const struct cli_cmd *c, void *ctx, int argc,
                            char **argv)
{
	const struct opts *o = ctx;

	if (o->postfix)
		return cli_oauth_check_postfix(o->config); /* tools/oauth.c */
	return output_done(cmd_check_config(o));
}

static int run_oauth(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const struct opts *o = ctx;

	return cli_oauth(o->config, argc, argv); /* tools/oauth.c */
}

static int run_store(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const struct opts *o = ctx;

	return store_cmd_main(o->config, argc, argv); /* tools/store_cmd.c */
}

/* The commands, as `apitoken --help` lists them (tools/cli.h). */
static const struct cli_cmd commands[] = {
    {"issue",
     "--user USER [--scope S]... [--expires DURATION|never] [--name TEXT] "
     "[--from CIDR[,CIDR...]]... [--json]",
     "Mints a local token for USER and prints it, this once.", issue_opts, 0, 0,
     run_issue, NULL},
    {"list", "[--user USER] [--expiring DURATION] [--json]",
     "Lists the local tokens: ids, users, states, never a token.", list_opts, 0,
     0, run_list, NULL},
    {"revoke", "ID", "Revokes the local token with this id.", revoke_opts, 1, 1,
     run_revoke, NULL},
    {"rotate",
     "ID [--expires DURATION|never] [--grace DURATION] "
     "[--from CIDR[,CIDR...]] [--json]",
     "Replaces token ID by a new one that keeps its user, scopes and name.",
     rotate_opts, 1, 1, run_rotate, NULL},
    {"verify",
     "[--user USER] [--scope S]... [--service NAME] [--remote-addr ADDR] "
     "[--json] < TOKEN",
     "Checks the token on standard input exactly as PAM and SASL would.",
     verify_opts, 0, 0, run_verify, NULL},
    {"check-config", "[--postfix]",
     "Checks the configuration and the store; --postfix: the mail accounts.",
     check_config_opts, 0, 0, run_check_config, NULL},
    {"oauth", NULL, NULL, NULL, 0, 0, run_oauth, &cli_oauth_group},
    {"store", NULL, NULL, NULL, 0, 0, run_store, &store_cmd_group},
};

static const struct cli_group apitoken_group = {
    "",
    "Tokens and configuration",
    commands,
    sizeof(commands) / sizeof(commands[0]),
    set_option,
    "       apitoken --help | --version\n",
    "Default configuration: " ATOK_CONFIG_DEFAULT_PATH ".  See apitoken(1).\n"};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {0};
	int c;

	o.config = ATOK_CONFIG_DEFAULT_PATH;
	/* The options before the command ("+": up to the command). */
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'h':
			cli_group_usage(stdout, &apitoken_group);
			return 0;
		case 'V':
			printf("apitoken %s\n", PACKAGE_VERSION);
			return 0;
		default:
			cli_group_usage(stderr, &apitoken_group);
			return EXIT_USAGE;
		}
	}
	/* The command, its own options and its operands. */
	return cli_dispatch(&apitoken_group, &o, argc - optind, argv + optind);
}
