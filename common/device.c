/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device.c - the device-flow login of pam_apitoken (RFC 8628): gates that
 * need no network, the start, and the polling schedule.  The requests
 * themselves are oauth_client.c's; the token obtained is checked by the
 * verifier like a typed one.
 */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64url.h"
#include "cidr.h"
#include "config.h"
#include "device.h"
#include "json.h"
#include "util.h"

#define SECTION "device"
#define PW_BUF  16384 /* bytes for getpwnam_r */

struct atok_device {
	struct atok_oauth_client *client;
	char *scope;    /* or NULL */
	char *resource; /* or NULL */
	long timeout;   /* seconds a flow may run */
	int allow_root;
	int qrcode;
	struct atok_cidr_list from; /* n == 0: any address */
	long max_flows;             /* 0: no limit */
	long flow_window;
	char *state_dir;
	char *group;        /* or NULL */
	char *groups_claim; /* the claim that lists the groups */
};

int atok_device_new(const struct atok_config *cfg, struct atok_device **out,
                    struct atok_error *err)
{
	struct atok_device *d = NULL;
	struct atok_oauth_client_conf cc;
	struct atok_error cerr;
	const char *method, *from;
	int r = ATOK_ERR_NOMEM;

	atok_error_clear(err);
	*out = NULL;
	if (!atok_config_has_section(cfg, ATOK_CFG_SECTION_DEVICE))
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "the device flow needs a [device] "
		                      "section");
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	memset(&cc, 0, sizeof(cc));
	cc.section = SECTION;
	cc.issuer = atok_config_str(cfg, ATOK_CFG_DEVICE_ISSUER);
	cc.token_endpoint =
	    atok_config_str(cfg, ATOK_CFG_DEVICE_TOKEN_ENDPOINT);
	cc.device_endpoint =
	    atok_config_str(cfg, ATOK_CFG_DEVICE_DEVICE_ENDPOINT);
	cc.client_id = atok_config_str(cfg, ATOK_CFG_DEVICE_CLIENT_ID);
	cc.client_secret_file =
	    atok_config_str(cfg, ATOK_CFG_DEVICE_CLIENT_SECRET_FILE);
	cc.private_key_file =
	    atok_config_str(cfg, ATOK_CFG_DEVICE_PRIVATE_KEY_FILE);
	if (cc.client_id == NULL ||
	    (cc.issuer == NULL &&
	     (cc.token_endpoint == NULL || cc.device_endpoint == NULL))) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[device] needs client_id and issuer (or "
		                   "token_endpoint and device_endpoint)");
		goto fail;
	}
	method = atok_config_str(cfg, ATOK_CFG_DEVICE_AUTH_METHOD);
	if (method == NULL)
		method = cc.private_key_file != NULL     ? "private_key_jwt"
		         : cc.client_secret_file != NULL ? "client_secret_basic"
		                                         : "none";
	cc.auth_method = method;
	cc.ca_file = atok_config_str(cfg, ATOK_CFG_DEVICE_CA_FILE);
	cc.timeout_ms =
	    atok_config_int(cfg, ATOK_CFG_DEVICE_HTTP_TIMEOUT) * 1000;
	cc.allow_http_loopback =
	    atok_config_bool(cfg, ATOK_CFG_DEVICE_ALLOW_HTTP_LOOPBACK);
	if ((r = atok_strdup(&d->scope,
	                     atok_config_str(cfg, ATOK_CFG_DEVICE_SCOPE),
	                     err)) != 0 ||
	    (r = atok_strdup(&d->resource,
	                     atok_config_str(cfg, ATOK_CFG_DEVICE_RESOURCE),
	                     err)) != 0 ||
	    (r = atok_strdup(&d->state_dir,
	                     atok_config_str(cfg, ATOK_CFG_DEVICE_STATE_DIR),
	                     err)) != 0 ||
	    (r = atok_strdup(&d->group,
	                     atok_config_str(cfg, ATOK_CFG_DEVICE_GROUP),
	                     err)) != 0 ||
	    (r = atok_strdup(&d->groups_claim,
	                     atok_config_str(cfg, ATOK_CFG_DEVICE_GROUPS_CLAIM),
	                     err)) != 0)
		goto fail;
	if (d->scope != NULL && strlen(d->scope) > ATOK_SCOPES_MAX) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[device] scope is longer than %d bytes",
		                   ATOK_SCOPES_MAX);
		goto fail;
	}
	from = atok_config_str(cfg, ATOK_CFG_DEVICE_FROM);
	if (from != NULL &&
	    atok_cidr_list_parse(from, strlen(from), &d->from, &cerr) != 0) {
		r = atok_error_set(err, ATOK_ERR_CONFIG, "[device] from: %s",
		                   cerr.msg);
		goto fail;
	}
	d->timeout = (long)atok_config_int(cfg, ATOK_CFG_DEVICE_TIMEOUT);
	d->allow_root = atok_config_bool(cfg, ATOK_CFG_DEVICE_ALLOW_ROOT);
	d->qrcode = atok_config_bool(cfg, ATOK_CFG_DEVICE_QRCODE);
	d->max_flows = (long)atok_config_int(cfg, ATOK_CFG_DEVICE_MAX_FLOWS);
	d->flow_window =
	    (long)atok_config_int(cfg, ATOK_CFG_DEVICE_FLOW_WINDOW);
	if ((r = atok_oauth_client_new(&cc, &d->client, err)) != 0)
		goto fail;
	*out = d;
	return 0;
fail:
	atok_device_free(&d);
	return r;
}

void atok_device_free(struct atok_device **dp)
{
	struct atok_device *d;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	atok_oauth_client_free(&d->client);
	free(d->scope);
	free(d->resource);
	free(d->state_dir);
	free(d->group);
	free(d->groups_claim);
	free(d);
	*dp = NULL;
}

int atok_device_group_check(const struct atok_device *d, const char *tok,
                            size_t len, struct atok_error *err)
{
	const char *dot1, *dot2;
	struct atok_json_object *claims = NULL;
	const struct atok_json_member *m;
	unsigned char *payload = NULL;
	size_t plen, n = 0;
	int r;

	atok_error_clear(err);
	if (d == NULL || d->group == NULL)
		return 0;
	if (d->groups_claim == NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG, "no groups_claim");
	if (tok == NULL || len > ATOK_TOKEN_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG, "bad token");
	if ((dot1 = memchr(tok, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - tok))) ==
	        NULL)
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "[device] group needs a JWT access "
		                      "token");
	plen = (size_t)(dot2 - dot1 - 1);
	if ((payload = malloc(ATOK_B64URL_DECODED_MAX(plen) + 1)) == NULL ||
	    (claims = malloc(sizeof(*claims))) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = atok_b64url_decode(dot1 + 1, plen, payload,
	                            ATOK_B64URL_DECODED_MAX(plen), &n)) != 0 ||
	    (r = atok_json_parse_object((const char *)payload, n, claims)) !=
	        0) {
		r = atok_error_set(err, r, "the token's claims do not parse");
		goto out;
	}
	m = atok_json_get(claims, d->groups_claim);
	if (m == NULL) {
		r = atok_error_set(err, ATOK_ERR_PERM,
		                   "the token has no \"%.64s\" claim",
		                   d->groups_claim);
		goto out;
	}
	if (!atok_json_holds_string(m, d->group)) {
		r = atok_error_set(err, ATOK_ERR_PERM,
		                   "not in group \"%.64s\" (claim \"%.64s\")",
		                   d->group, d->groups_claim);
		goto out;
	}
	r = 0;
out:
	free(claims);
	if (payload != NULL)
		atok_freezero(payload, ATOK_B64URL_DECODED_MAX(plen) + 1);
	return r;
}

int atok_device_qrcode(const struct atok_device *d)
{
	return d != NULL && d->qrcode;
}

/*
 * The rate gate: the file state_dir/USER holds the start times of recent
 * flows, one decimal per line.  Under an exclusive lock: drop those older
 * than the window, refuse when max_flows remain, else add now.
 */
static int rate_gate(const struct atok_device *d, const char *user, int64_t now,
                     struct atok_error *err)
{
	char path[4096], buf[ATOK_DEVICE_RATE_FILE_MAX + 1];
	char out[ATOK_DEVICE_RATE_FILE_MAX + ATOK_DEVICE_RATE_LINE];
	long long t;
	size_t len = 0, olen = 0;
	ssize_t got;
	char *p, *end;
	long kept = 0;
	int fd = -1, n, r;
	struct stat st;

	if (d->max_flows == 0)
		return 0;
	if ((r = atok_private_dir(d->state_dir, err)) != 0) {
		if (r == ATOK_ERR_NOT_FOUND)
			r = atok_error_set(err, ATOK_ERR_IO,
			                   "[device] state_dir %s cannot be "
			                   "created",
			                   d->state_dir);
		return r;
	}
	n = snprintf(path, sizeof(path), "%s/%s", d->state_dir, user);
	if (n < 0 || (size_t)n >= sizeof(path))
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "rate file path too long");
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot open %s: %s", path,
		                   strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		r = atok_error_set(err, ATOK_ERR_PERM,
		                   "%s must be a private regular file", path);
		goto out;
	}
	if (flock(fd, LOCK_EX) != 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot lock %s", path);
		goto out;
	}
	while (len < sizeof(buf) - 1 &&
	       (got = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = atok_error_set(err, ATOK_ERR_IO, "cannot read %s",
			                   path);
			goto out;
		}
		len += (size_t)got;
	}
	buf[len] = '\0';
	/* Keep the starts inside the window; a line that does not parse
	 * (a torn write) is dropped.  At most max_flows are ever kept. */
	for (p = buf; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		errno = 0;
		t = strtoll(p, &end, 10);
		if (end == p || errno != 0 || (*end != '\n' && *end != '\0')) {
			end = strchr(p, '\n');
			if (end == NULL)
				break;
			continue;
		}
		if (t > now - d->flow_window && t <= now &&
		    kept < d->max_flows) {
			n = snprintf(out + olen, sizeof(out) - olen, "%lld\n",
			             t);
			if (n < 0 || (size_t)n >= sizeof(out) - olen)
				break;
			olen += (size_t)n;
			kept++;
		}
	}
	if (kept >= d->max_flows) {
		r = atok_error_set(err, ATOK_ERR_BUSY,
		                   "%ld device logins started in the last %lds",
		                   kept, d->flow_window);
		goto out;
	}
	n = snprintf(out + olen, sizeof(out) - olen, "%lld\n", (long long)now);
	if (n < 0 || (size_t)n >= sizeof(out) - olen) {
		r = atok_error_set(err, ATOK_ERR_TOO_LONG, "rate file full");
		goto out;
	}
	olen += (size_t)n;
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, out, olen, 0) != (ssize_t)olen) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot write %s", path);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd); /* drops the lock */
	return r;
}

int atok_device_gate(struct atok_device *d, const char *user,
                     const char *remote_addr, int64_t now,
                     struct atok_error *err)
{
	struct passwd pw, *pwp = NULL;
	struct atok_addr addr;
	char *pwbuf = NULL;
	int r;

	atok_error_clear(err);
	if (d == NULL || user == NULL)
		return atok_error_set(err, ATOK_ERR_INVALID, "bad argument");
	if (!atok_name_valid(user, strlen(user)) || user[0] == '.' ||
	    strchr(user, '/') != NULL)
		return atok_error_set(err, ATOK_ERR_NOT_FOUND,
		                      "not a valid user name");
	if ((pwbuf = malloc(PW_BUF)) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	r = getpwnam_r(user, &pw, pwbuf, PW_BUF, &pwp);
	if (r != 0 || pwp == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOT_FOUND,
		                   "no such local user");
		goto out;
	}
	if (pw.pw_uid == 0 && !d->allow_root) {
		r = atok_error_set(err, ATOK_ERR_PERM,
		                   "uid 0 without [device] allow_root");
		goto out;
	}
	if (d->from.n > 0) {
		if (remote_addr == NULL || *remote_addr == '\0' ||
		    atok_addr_parse(remote_addr, strlen(remote_addr), &addr) !=
		        0 ||
		    !atok_cidr_list_match(&d->from, &addr)) {
			r = atok_error_set(err, ATOK_ERR_PERM,
			                   "client address outside [device] "
			                   "from");
			goto out;
		}
	}
	r = rate_gate(d, user, now, err);
out:
	free(pwbuf);
	return r;
}

int atok_device_begin(struct atok_device *d, int64_t now,
                      struct atok_device_flow *f, struct atok_oauth_reply *rep)
{
	int r;

	memset(f, 0, sizeof(*f));
	r = atok_oauth_device_start(d->client, d->scope, d->resource, now,
	                            &f->dev, rep);
	if (r != 0)
		return r;
	f->started = now;
	f->deadline = now + d->timeout;
	if (f->dev.expires_at < f->deadline)
		f->deadline = f->dev.expires_at;
	f->interval =
	    f->dev.interval > 0 ? f->dev.interval : ATOK_OAUTH_INTERVAL_DEFAULT;
	f->next_poll = now + f->interval;
	return 0;
}

enum atok_device_state atok_device_poll(struct atok_device *d,
                                        struct atok_device_flow *f, int64_t now,
                                        struct atok_oauth_tokens *t,
                                        struct atok_oauth_reply *rep)
{
	long wait;

	memset(rep, 0, sizeof(*rep));
	rep->retry_after = -1;
	if (now >= f->deadline) {
		(void)snprintf(rep->detail, sizeof(rep->detail),
		               "no approval before the deadline (%llds)",
		               (long long)(f->deadline - f->started));
		return f->backoff > 0 ? ATOK_DEVICE_UNAVAILABLE
		                      : ATOK_DEVICE_EXPIRED;
	}
	f->polls++;
	if (atok_oauth_device_poll(d->client, f->dev.device_code, now, t,
	                           rep) == 0)
		return ATOK_DEVICE_APPROVED;
	switch (rep->outcome) {
	case ATOK_OAUTH_OK: /* no tokens: cannot happen; fail closed */
		return ATOK_DEVICE_REFUSED;
	case ATOK_OAUTH_PENDING:
		f->backoff = 0;
		wait = f->interval;
		break;
	case ATOK_OAUTH_SLOW_DOWN: /* RFC 8628 3.5: for this and later */
		f->backoff = 0;
		f->slow_downs++;
		if (f->interval <= ATOK_OAUTH_INTERVAL_MAX)
			f->interval += 5;
		wait = f->interval;
		break;
	case ATOK_OAUTH_TEMPORARY: /* RFC 8628 3.5: back off */
		f->failures++;
		f->backoff = f->backoff == 0 ? f->interval * 2 : f->backoff * 2;
		if (f->backoff > ATOK_DEVICE_BACKOFF_MAX)
			f->backoff = ATOK_DEVICE_BACKOFF_MAX;
		if (f->backoff < f->interval)
			f->backoff = f->interval;
		wait = f->backoff;
		if (rep->retry_after > wait &&
		    rep->retry_after <= ATOK_OAUTH_INTERVAL_MAX)
			wait = rep->retry_after;
		break;
	case ATOK_OAUTH_DENIED:
		return strcmp(rep->error, "expired_token") == 0
		           ? ATOK_DEVICE_EXPIRED
		           : ATOK_DEVICE_DENIED;
	case ATOK_OAUTH_REAUTH:
		return ATOK_DEVICE_DENIED;
	case ATOK_OAUTH_CLIENT:
	default:
		return ATOK_DEVICE_REFUSED;
	}
	f->next_poll = now + wait;
	return ATOK_DEVICE_PENDING;
}

const char *atok_device_state_name(enum atok_device_state s)
{
	switch (s) {
	case ATOK_DEVICE_APPROVED:
		return "approved";
	case ATOK_DEVICE_PENDING:
		return "pending";
	case ATOK_DEVICE_DENIED:
		return "denied";
	case ATOK_DEVICE_EXPIRED:
		return "expired";
	case ATOK_DEVICE_UNAVAILABLE:
		return "unavailable";
	case ATOK_DEVICE_REFUSED:
		return "refused";
	}
	return "?";
}

void atok_device_flow_clear(struct atok_device_flow *f)
{
	if (f != NULL)
		explicit_bzero(f, sizeof(*f));
}
