/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oauth.c - `apitoken oauth login|token|refresh|status|logout NAME`.
 *
 * Exit codes: 0 ok; 1 the account needs a new authorization (log in
 * again); 2 temporary trouble or an error of configuration or state;
 * 64 usage.  Tokens go to standard output only (`token`), never to argv
 * or to standard error.
 */
#include "ac_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "account.h"
#include "config.h"
#include "http.h"
#include "oauth.h"
#include "oauth_client.h"
#include "util.h"

#define EXIT_OK     0
#define EXIT_REAUTH 1
#define EXIT_TEMP   2

#define LOGIN_WAIT_S    300   /* seconds a browser login may take */
#define REQUEST_WAIT_MS 10000 /* for the redirect's request line */

struct oopts {
	const char *config;
	const char *owner;
	const char *proto, *server, *mech; /* test */
	int all, json, device, force, browser, paste;
};

static int load(const struct oopts *o, struct atok_config **cfgp)
{
	struct atok_error err = {0};
	struct atok_config *cfg = atok_config_new();

	if (cfg == NULL) {
		fprintf(stderr, "apitoken: out of memory\n");
		return EXIT_TEMP;
	}
	if (atok_config_load_file(cfg, o->config, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		atok_config_free(&cfg);
		return EXIT_TEMP;
	}
	*cfgp = cfg;
	return 0;
}

static int open_account(const struct oopts *o, const char *name,
                        struct atok_config **cfgp, struct atok_account **ap)
{
	struct atok_error err = {0};
	int r;

	if ((r = load(o, cfgp)) != 0)
		return r;
	if (atok_account_open(*cfgp, name, ap, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		atok_config_free(cfgp);
		return EXIT_TEMP;
	}
	return 0;
}

static int exit_of(const struct atok_account_event *ev)
{
	return ev->health == ATOK_ACCOUNT_REAUTH ? EXIT_REAUTH : EXIT_TEMP;
}

static void fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "-");
}

static int cmd_token(const struct oopts *o, const char *name)
{
	struct atok_config *cfg = NULL;
	struct atok_account *a = NULL;
	struct atok_account_event ev;
	struct atok_error err = {0};
	char *tok = NULL;
	size_t len = 0;
	int r;

	if ((r = open_account(o, name, &cfg, &a)) != 0)
		return r;
	if (atok_account_token(a, (int64_t)time(NULL), 0, &tok, &len, &ev,
	                       &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = exit_of(&ev);
		goto out;
	}
	if (fwrite(tok, 1, len, stdout) != len || putchar('\n') == EOF ||
	    fflush(stdout) != 0) {
		r = EXIT_TEMP;
		goto out;
	}
	r = EXIT_OK;
out:
	if (tok != NULL)
		atok_freezero(tok, len + 1);
	atok_account_free(&a);
	atok_config_free(&cfg);
	return r;
}

static int refresh_one(struct atok_config *cfg, const char *name)
{
	struct atok_account *a = NULL;
	struct atok_account_event ev = {0};
	struct atok_error err = {0};
	char *tok = NULL;
	size_t len = 0;
	int r;

	if (atok_account_open(cfg, name, &a, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return EXIT_TEMP;
	}
	if (atok_account_token(a, (int64_t)time(NULL), ATOK_ACCOUNT_FORCE, &tok,
	                       &len, &ev, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = exit_of(&ev);
	} else if (strcmp(ev.event, "refreshed") != 0) {
		/* The cached token is still good, the refresh was not. */
		fprintf(stderr, "apitoken: account %s: refresh failed: %s\n",
		        name, ev.detail);
		r = EXIT_TEMP;
	} else {
		printf("%s: %s, generation %llu\n", name, ev.event,
		       (unsigned long long)ev.generation);
		r = EXIT_OK;
	}
	if (tok != NULL)
		atok_freezero(tok, len + 1);
	atok_account_free(&a);
	return r;
}

/* The worse of two exit codes: 1 (act now) over 2 over 0. */
static int worse(int a, int b)
{
	if (a == EXIT_REAUTH || b == EXIT_REAUTH)
		return EXIT_REAUTH;
	return a > b ? a : b;
}

static int cmd_refresh(const struct oopts *o, const char *name)
{
	struct atok_config *cfg = NULL;
	const char *n;
	size_t i;
	int r = EXIT_OK;

	if ((r = load(o, &cfg)) != 0)
		return r;
	if (name != NULL)
		r = refresh_one(cfg, name);
	for (i = 0; o->all && (n = atok_config_instance(
	                           cfg, ATOK_CFG_SECTION_ACCOUNT, i)) != NULL;
	     i++)
		r = worse(r, refresh_one(cfg, n));
	atok_config_free(&cfg);
	return r;
}

static const char *health_name(enum atok_account_health h)
{
	return h == ATOK_ACCOUNT_HEALTHY  ? "ok"
	       : h == ATOK_ACCOUNT_REAUTH ? "reauthorization-required"
	                                  : "trouble";
}

/* One account's status: printed (or added to arr), its exit code. */
static int status_one(struct atok_config *cfg, const char *name, json_t *arr)
{
	struct atok_account_state st = {0};
	struct atok_account *a = NULL;
	struct atok_error err = {0};
	enum atok_account_health h = ATOK_ACCOUNT_TROUBLE;
	char exp[32], errat[32], next[32];
	int64_t now = (int64_t)time(NULL);
	const char *problem = NULL;
	int r;

	if (atok_account_open(cfg, name, &a, &err) != 0) {
		problem = err.msg;
	} else if ((r = atok_account_read(a, &st, &err)) != 0) {
		/* Never logged in, or a state we refuse: log in again. */
		h = r == ATOK_ERR_NOT_FOUND || r == ATOK_ERR_MALFORMED
		        ? ATOK_ACCOUNT_REAUTH
		        : ATOK_ACCOUNT_TROUBLE;
		if (r == ATOK_ERR_NOT_FOUND &&
		    atok_account_is_client_credentials(a))
			h = ATOK_ACCOUNT_HEALTHY; /* fetched at first use */
		problem = err.msg;
	} else {
		h = atok_account_health_of(a, &st, now);
		problem = st.error[0] ? st.error : NULL;
	}
	fmt_time(st.expires_at, exp, sizeof(exp));
	fmt_time(st.error_at, errat, sizeof(errat));
	fmt_time(st.next_attempt, next, sizeof(next));
	if (arr != NULL) {
		json_t *j = json_pack(
		    "{s:s, s:s, s:I, s:s, s:b, s:I, s:s?, s:s?, s:s, s:s}",
		    "account", name, "status", health_name(h), "generation",
		    (json_int_t)st.generation, "expires", exp, "refresh_token",
		    st.refresh_token != NULL, "failures",
		    (json_int_t)st.failures, "error", problem, "error_code",
		    st.error_code[0] ? st.error_code : NULL, "error_at", errat,
		    "next_attempt", next);
		if (j != NULL)
			json_array_append_new(arr, j);
	} else {
		printf("%s: %s; generation %llu, access token until %s, %s "
		       "refresh token",
		       name, health_name(h), (unsigned long long)st.generation,
		       exp, st.refresh_token != NULL ? "a" : "no");
		if (problem != NULL)
			printf("; last error at %s: %s%s%s", errat, problem,
			       st.error_code[0] ? " (" : "",
			       st.error_code[0] ? st.error_code : "");
		if (st.error_code[0])
			printf(")");
		if (st.next_attempt > now)
			printf("; next attempt %s", next);
		if (h == ATOK_ACCOUNT_REAUTH)
			printf("; run: apitoken oauth login %s", name);
		printf("\n");
	}
	atok_account_state_clear(&st);
	atok_account_free(&a);
	return h == ATOK_ACCOUNT_HEALTHY  ? EXIT_OK
	       : h == ATOK_ACCOUNT_REAUTH ? EXIT_REAUTH
	                                  : EXIT_TEMP;
}

static int cmd_status(const struct oopts *o, const char *name)
{
	struct atok_config *cfg = NULL;
	json_t *arr = NULL;
	const char *n;
	size_t i;
	int r = EXIT_OK;

	if ((r = load(o, &cfg)) != 0)
		return r;
	if (o->json && (arr = json_array()) == NULL) {
		atok_config_free(&cfg);
		return EXIT_TEMP;
	}
	if (name != NULL)
		r = status_one(cfg, name, arr);
	for (i = 0;
	     name == NULL &&
	     (n = atok_config_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, i));
	     i++)
		r = worse(r, status_one(cfg, n, arr));
	if (arr != NULL) {
		char *s = json_dumps(arr, JSON_COMPACT);
		if (s == NULL || printf("%s\n", s) < 0)
			r = EXIT_TEMP;
		free(s);
		json_decref(arr);
	}
	atok_config_free(&cfg);
	return r;
}

/* A user's uid and primary gid: 1 found, 0 not. */
static int lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd pwd, *pw = NULL;
	char buf[4096];

	if (getpwnam_r(name, &pwd, buf, sizeof(buf), &pw) != 0 || pw == NULL)
		return 0;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 1;
}

/* --owner USER: the store, state and lock go to USER and USER's group. */
static int give(struct atok_account *a, const char *owner)
{
	struct atok_error err = {0};
	uid_t uid;
	gid_t gid;

	if (owner == NULL)
		return 0;
	if (!lookup_user(owner, &uid, &gid)) {
		fprintf(stderr, "apitoken: no user \"%.64s\"\n", owner);
		return EXIT_USAGE;
	}
	if (atok_account_chown(a, uid, gid, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		return EXIT_TEMP;
	}
	return 0;
}

/* RFC 8628: show the code, poll at the interval until approved. */
static int login_device(struct atok_account *a, struct atok_oauth_tokens *t)
{
	struct atok_oauth_client *c = atok_account_client(a);
	struct atok_oauth_device dev;
	struct atok_oauth_reply rep;
	int64_t now = (int64_t)time(NULL);
	long interval;
	int r;

	if (atok_oauth_device_start(c, atok_account_scope(a),
	                            atok_account_resource(a), now, &dev,
	                            &rep) != 0) {
		fprintf(stderr, "apitoken: device authorization failed: %s\n",
		        rep.detail);
		return rep.outcome == ATOK_OAUTH_TEMPORARY ? EXIT_TEMP
		                                           : EXIT_REAUTH;
	}
	/* The code goes to stdout for scripts; the words to stderr. */
	fprintf(stderr,
	        "To sign in, open %s and enter the code below "
	        "(valid for %llds).\n",
	        dev.verification_uri, (long long)(dev.expires_at - now));
	if (dev.verification_uri_complete[0])
		fprintf(stderr, "Or open %s\n", dev.verification_uri_complete);
	printf("user_code %s\n", dev.user_code);
	(void)fflush(stdout);
	interval = dev.interval;
	for (;;) {
		sleep((unsigned)interval);
		now = (int64_t)time(NULL);
		if (now >= dev.expires_at) {
			fprintf(stderr, "apitoken: the code expired\n");
			r = EXIT_REAUTH;
			break;
		}
		r = atok_oauth_device_poll(c, dev.device_code, now, t, &rep);
		if (r == 0)
			break;
		if (rep.outcome == ATOK_OAUTH_PENDING)
			continue;
		if (rep.outcome == ATOK_OAUTH_SLOW_DOWN) {
			interval += 5; /* RFC 8628 3.5 */
			continue;
		}
		if (rep.outcome == ATOK_OAUTH_TEMPORARY) {
			/* RFC 8628 3.5: back off on a connection timeout */
			interval = interval * 2 < 60 ? interval * 2 : 60;
			fprintf(stderr, "apitoken: %s; retrying\n", rep.detail);
			continue;
		}
		fprintf(stderr, "apitoken: sign-in failed: %s\n", rep.detail);
		r = EXIT_REAUTH;
		break;
	}
	explicit_bzero(dev.device_code, sizeof(dev.device_code));
	return r == 0 ? 0 : r;
}

/* A loopback listener on 127.0.0.1 (RFC 8252 7.3): fd and *port. */
static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* One request line from a connection, within REQUEST_WAIT_MS. */
static size_t read_request(int c, char *buf, size_t bufsz)
{
	struct pollfd p = {c, POLLIN, 0};
	size_t n = 0;
	ssize_t got;

	while (n + 1 < bufsz && poll(&p, 1, REQUEST_WAIT_MS) == 1) {
		if ((got = read(c, buf + n, bufsz - 1 - n)) <= 0)
			break;
		n += (size_t)got;
		buf[n] = '\0';
		if (strstr(buf, "\r\n") != NULL)
			break;
	}
	buf[n] = '\0';
	return n;
}

static void answer_browser(int c, const char *text)
{
	char page[512];
	int n = snprintf(page, sizeof(page),
	                 "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
	                 "charset=utf-8\r\nCache-Control: no-store\r\n"
	                 "Connection: close\r\n\r\napitoken: %s\n",
	                 text);
	if (n > 0 && write(c, page, (size_t)n) < 0)
		return; /* the browser went away: nothing to do */
}

/*
 * RFC 6749 4.1 with PKCE (RFC 7636) and a loopback redirect (RFC 8252):
 * --browser listens on 127.0.0.1 for the redirect; --paste reads the
 * URL the browser ended on (http://127.0.0.1/?code=...) from stdin.
 */
static int login_code(struct atok_account *a, int browser,
                      struct atok_oauth_tokens *t)
{
	struct atok_oauth_client *c = atok_account_client(a);
	char verifier[ATOK_OAUTH_PKCE_LEN + 1],
	    challenge[ATOK_OAUTH_PKCE_LEN + 1], state[ATOK_OAUTH_STATE_LEN + 1],
	    redirect[64], url[2 * ATOK_HTTP_URL_MAX],
	    code[ATOK_OAUTH_CODE_MAX + 1], *buf = NULL;
	unsigned char rnd[ATOK_OAUTH_STATE_LEN / 2];
	struct atok_oauth_reply rep;
	unsigned port = 0;
	time_t until;
	int lfd = -1, r = EXIT_TEMP;
	size_t i, n;

	if (atok_oauth_discover(c, &rep) != 0) {
		fprintf(stderr, "apitoken: %s\n", rep.detail);
		return EXIT_TEMP;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
	    atok_oauth_pkce_new(verifier, challenge) != 0) {
		fprintf(stderr, "apitoken: no randomness\n");
		return EXIT_TEMP;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(state + 2 * i, 3, "%02x", rnd[i]);
	if (browser) {
		if ((lfd = listen_loopback(&port)) < 0) {
			fprintf(stderr,
			        "apitoken: cannot listen on "
			        "127.0.0.1: %s\n",
			        strerror(errno));
			goto out;
		}
		snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u/",
		         port);
	} else {
		snprintf(redirect, sizeof(redirect), "http://127.0.0.1/");
	}
	if (atok_oauth_authorization_url(
	        c, redirect, atok_account_scope(a), atok_account_resource(a),
	        state, challenge, atok_account_authorize_extra(a), url,
	        sizeof(url)) != 0) {
		fprintf(stderr, "apitoken: the authorization server has no "
		                "authorization endpoint\n");
		r = EXIT_USAGE;
		goto out;
	}
	fprintf(stderr, "Open this URL in a browser%s and sign in:\n",
	        browser ? " on this host" : "");
	printf("url %s\n", url);
	(void)fflush(stdout);
	if (!browser)
		fprintf(stderr,
		        "Then paste here the address the browser ends on "
		        "(http://127.0.0.1/?code=...; the page itself "
		        "will not load):\n");
	if ((buf = malloc(ATOK_OAUTH_REDIRECT_MAX + 2)) == NULL)
		goto out;
	until = time(NULL) + LOGIN_WAIT_S;
	for (;;) {
		if (browser) {
			struct pollfd p = {lfd, POLLIN, 0};
			int cfd;
			if (time(NULL) >= until ||
			    poll(&p, 1, (int)(until - time(NULL)) * 1000) !=
			        1) {
				fprintf(stderr,
				        "apitoken: no sign-in within "
				        "%ds\n",
				        LOGIN_WAIT_S);
				r = EXIT_REAUTH;
				goto out;
			}
			struct sockaddr_in peer;
			socklen_t pl = sizeof(peer);
			if ((cfd = accept4(lfd, (struct sockaddr *)&peer, &pl,
			                   SOCK_CLOEXEC)) < 0)
				continue;
			(void)read_request(cfd, buf,
			                   ATOK_OAUTH_REDIRECT_MAX + 1);
			if (strncmp(buf, "GET ", 4) != 0) {
				close(cfd);
				continue;
			}
			r = atok_oauth_parse_redirect(buf, strcspn(buf, "\r\n"),
			                              state, code, sizeof(code),
			                              &rep);
			answer_browser(cfd, r == 0 ? "signed in; you can close "
			                             "this window."
			                           : "sign-in failed; see the "
			                             "terminal.");
			close(cfd);
			/* Another local client, not the redirect: wait on. */
			if (r != 0 && rep.outcome == ATOK_OAUTH_CLIENT)
				continue;
		} else {
			if (fgets(buf, ATOK_OAUTH_REDIRECT_MAX + 1, stdin) ==
			    NULL) {
				r = EXIT_USAGE;
				goto out;
			}
			n = strcspn(buf, "\r\n");
			r = atok_oauth_parse_redirect(buf, n, state, code,
			                              sizeof(code), &rep);
		}
		break;
	}
	if (r != 0) {
		fprintf(stderr, "apitoken: %s\n", rep.detail);
		r = EXIT_REAUTH;
		goto out;
	}
	if (atok_oauth_code_exchange(c, code, redirect, verifier,
	                             (int64_t)time(NULL), t, &rep) != 0) {
		fprintf(stderr, "apitoken: the code exchange failed: %s\n",
		        rep.detail);
		r = rep.outcome == ATOK_OAUTH_TEMPORARY ? EXIT_TEMP
		                                        : EXIT_REAUTH;
		goto out;
	}
	r = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (buf != NULL)
		atok_freezero(buf, ATOK_OAUTH_REDIRECT_MAX + 2);
	explicit_bzero(code, sizeof(code));
	explicit_bzero(verifier, sizeof(verifier));
	return r;
}

static int cmd_login(const struct oopts *o, const char *name)
{
	struct atok_oauth_tokens t = {0};
	struct atok_oauth_reply rep;
	struct atok_config *cfg = NULL;
	struct atok_account *a = NULL;
	struct atok_account_event ev;
	struct atok_error err = {0};
	int r;

	if ((r = open_account(o, name, &cfg, &a)) != 0)
		return r;
	if (atok_account_is_client_credentials(a)) {
		r = atok_oauth_client_credentials(
		    atok_account_client(a), atok_account_scope(a),
		    atok_account_resource(a), (int64_t)time(NULL), &t, &rep);
		if (r != 0) {
			fprintf(stderr, "apitoken: %s\n", rep.detail);
			r = EXIT_TEMP;
			goto out;
		}
	} else if (o->device) {
		if ((r = login_device(a, &t)) != 0)
			goto out;
	} else if (o->browser || o->paste) {
		if ((r = login_code(a, o->browser, &t)) != 0)
			goto out;
	} else {
		fprintf(stderr, "apitoken: give --device, --browser or "
		                "--paste\n");
		r = EXIT_USAGE;
		goto out;
	}
	if (atok_account_save(a, &t, (int64_t)time(NULL), &ev, &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = EXIT_TEMP;
		goto out;
	}
	if ((r = give(a, o->owner)) != 0)
		goto out;
	fprintf(stderr, "apitoken: account %s logged in (generation %llu%s)\n",
	        name, (unsigned long long)ev.generation,
	        t.refresh_token != NULL ? ", with a refresh token"
	                                : ", no refresh token");
	r = EXIT_OK;
out:
	atok_oauth_tokens_clear(&t);
	atok_account_free(&a);
	atok_config_free(&cfg);
	return r;
}

/* Logs in to a mail server with the account's token, then quits. */
static int cmd_test(const struct oopts *o, const char *name)
{
	struct atok_http_opts http = {0};
	struct atok_config *cfg = NULL;
	struct atok_account *a = NULL;
	struct atok_account_event ev;
	struct atok_error err = {0};
	char *tok = NULL;
	size_t len = 0;
	int r;

	if ((r = open_account(o, name, &cfg, &a)) != 0)
		return r;
	if (atok_account_user(a) == NULL) {
		fprintf(stderr,
		        "apitoken: [account:%s] has no user to log in "
		        "as\n",
		        name);
		r = EXIT_USAGE;
		goto out;
	}
	if (atok_account_token(a, (int64_t)time(NULL), 0, &tok, &len, &ev,
	                       &err) != 0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = exit_of(&ev);
		goto out;
	}
	http.timeout_ms = 30000;
	r = atok_http_mail_login(o->proto, o->server,
	                         o->mech != NULL ? o->mech : "XOAUTH2",
	                         atok_account_user(a), tok, &http, &err);
	if (r == 0) {
		printf("%s: %s %s as %s: authenticated\n", name, o->proto,
		       o->server, atok_account_user(a));
		r = EXIT_OK;
	} else {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = r == ATOK_ERR_SIGNATURE ? EXIT_REAUTH
		    : r == ATOK_ERR_INVALID ? EXIT_USAGE
		                            : EXIT_TEMP;
	}
out:
	if (tok != NULL)
		atok_freezero(tok, len + 1);
	atok_account_free(&a);
	atok_config_free(&cfg);
	return r;
}

static int cmd_logout(const struct oopts *o, const char *name)
{
	struct atok_config *cfg = NULL;
	struct atok_account *a = NULL;
	struct atok_account_event ev;
	struct atok_error err = {0};
	int r;

	if ((r = open_account(o, name, &cfg, &a)) != 0)
		return r;
	if (atok_account_logout(a, (int64_t)time(NULL), o->force, &ev, &err) !=
	    0) {
		fprintf(stderr, "apitoken: %s\n", err.msg);
		r = EXIT_TEMP;
	} else {
		fprintf(stderr, "apitoken: account %s logged out (%s)\n", name,
		        ev.detail[0] ? ev.detail : "no token held");
		r = EXIT_OK;
	}
	atok_account_free(&a);
	atok_config_free(&cfg);
	return r;
}

static int problems;

static void finding(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void finding(int ok, const char *fmt, ...)
{
	va_list ap;

	if (!ok)
		problems++;
	printf("%s: ", ok ? "ok" : "PROBLEM");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Postfix's own settings that decide whether our mechanisms are used:
 * `postconf -h` (no shell; MAIL_CONFIG passes through). */
static void check_postconf(void)
{
	char *const argv[] = {"postconf", "-h", "smtp_sasl_security_options",
	                      "smtp_sasl_tls_security_options", NULL};
	char line[256];
	int fds[2], n = 0, status;
	FILE *p;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (dup2(fds[1], 1) < 0 || (null >= 0 && dup2(null, 2) < 0))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0 || (p = fdopen(fds[0], "r")) == NULL) {
		close(fds[0]);
		if (pid > 0)
			(void)waitpid(pid, &status, 0);
		return;
	}
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		n++;
		/* OAUTHBEARER and XOAUTH2 send a bearer token in the clear
		 * (SASL_SEC_NOPLAINTEXT is not set): noplaintext hides them. */
		finding(strstr(line, "noplaintext") == NULL,
		        "postconf %s = %s%s",
		        n == 1 ? "smtp_sasl_security_options"
		               : "smtp_sasl_tls_security_options",
		        line,
		        strstr(line, "noplaintext") != NULL
		            ? " (hides OAUTHBEARER and XOAUTH2: use "
		              "noanonymous, with TLS required)"
		            : "");
	}
	(void)fclose(p);
	(void)waitpid(pid, &status, 0);
}

int cli_oauth_check_postfix(const char *config)
{
	static const char *const resolver[] = {"etc/resolv.conf", "etc/hosts",
	                                       "etc/nsswitch.conf"};
	struct oopts o = {0};
	struct atok_config *cfg = NULL;
	uid_t pf_uid = 0;
	gid_t pf_gid = 0;
	int have_pf = lookup_user("postfix", &pf_uid, &pf_gid);
	const char *chroot, *store, *name;
	char path[4096];
	struct stat st;
	size_t i;
	int r;

	o.config = config;
	problems = 0;
	if ((r = load(&o, &cfg)) != 0)
		return r;
	chroot = atok_config_str(cfg, ATOK_CFG_CLIENT_CHROOT);
	store = atok_config_str(cfg, ATOK_CFG_CLIENT_STORE);
	finding(have_pf, "user postfix %s", have_pf ? "exists" : "is missing");
	if (chroot == NULL) {
		finding(1, "[client] chroot is not set: for an smtp that is "
		           "not chrooted (master.cf column 5 = n)");
	} else {
		finding(stat(chroot, &st) == 0 && S_ISDIR(st.st_mode),
		        "[client] chroot %s is a directory (Postfix's "
		        "queue_directory)",
		        chroot);
		for (i = 0; i < sizeof(resolver) / sizeof(resolver[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", chroot,
			         resolver[i]);
			finding(
			    stat(path, &st) == 0,
			    "%s is in the jail (the token endpoint's name "
			    "is resolved there; Postfix copies it at start)",
			    path);
		}
	}
	if (lstat(store, &st) != 0) {
		finding(0,
		        "[client] store %s is missing: run apitoken oauth "
		        "login NAME --owner postfix",
		        store);
	} else {
		finding(S_ISDIR(st.st_mode) && (st.st_mode & 077) == 0 &&
		            have_pf && st.st_uid == pf_uid,
		        "[client] store %s is postfix's, mode 0700 (uid %u, "
		        "mode %04o)",
		        store, (unsigned)st.st_uid,
		        (unsigned)(st.st_mode & 07777));
	}
	for (i = 0; (name = atok_config_instance(cfg, ATOK_CFG_SECTION_ACCOUNT,
	                                         i)) != NULL;
	     i++) {
		struct atok_account *a = NULL;
		struct atok_error err = {0};

		if (atok_account_open(cfg, name, &a, &err) != 0) {
			finding(0, "account %s: %s", name, err.msg);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s.state", store, name);
		if (lstat(path, &st) != 0)
			finding(0,
			        "account %s: no state: run apitoken oauth "
			        "login %s --owner postfix",
			        name, name);
		else
			finding(S_ISREG(st.st_mode) &&
			            (st.st_mode & 077) == 0 && have_pf &&
			            st.st_uid == pf_uid,
			        "account %s: %s is postfix's, mode 0600 (uid "
			        "%u, mode %04o)%s",
			        name, path, (unsigned)st.st_uid,
			        (unsigned)(st.st_mode & 07777),
			        have_pf && st.st_uid != pf_uid
			            ? ": run apitoken oauth login NAME "
			              "--owner postfix"
			            : "");
		atok_account_free(&a);
	}
	check_postconf();
	atok_config_free(&cfg);
	printf("%d problem%s\n", problems, problems == 1 ? "" : "s");
	return problems == 0 ? EXIT_OK : EXIT_TEMP;
}

/* The options of the oauth commands (their keys have no short letters). */
enum {
	OPT_ALL = CLI_LONG_ONLY,
	OPT_DEVICE,
	OPT_BROWSER,
	OPT_PASTE,
	OPT_FORCE,
	OPT_OWNER,
	OPT_SMTP,
	OPT_SMTPS,
	OPT_IMAP,
	OPT_IMAPS,
	OPT_MECH,
};

static const struct cli_opt opt_all = {"all", no_argument, OPT_ALL};
static const struct cli_opt opt_device = {"device", no_argument, OPT_DEVICE};
static const struct cli_opt opt_browser = {"browser", no_argument, OPT_BROWSER};
static const struct cli_opt opt_paste = {"paste", no_argument, OPT_PASTE};
static const struct cli_opt opt_force = {"force", no_argument, OPT_FORCE};
static const struct cli_opt opt_owner = {"owner", required_argument, OPT_OWNER};
static const struct cli_opt opt_smtp = {"smtp", required_argument, OPT_SMTP};
static const struct cli_opt opt_smtps = {"smtps", required_argument, OPT_SMTPS};
static const struct cli_opt opt_imap = {"imap", required_argument, OPT_IMAP};
static const struct cli_opt opt_imaps = {"imaps", required_argument, OPT_IMAPS};
static const struct cli_opt opt_mech = {"mech", required_argument, OPT_MECH};

static const struct cli_opt *const login_opts[] = {
    &opt_device, &opt_browser, &opt_paste, &opt_owner, NULL};
static const struct cli_opt *const refresh_opts[] = {&opt_all, NULL};
static const struct cli_opt *const status_opts[] = {&cli_opt_json, NULL};
static const struct cli_opt *const logout_opts[] = {&opt_force, NULL};
static const struct cli_opt *const test_opts[] = {
    &opt_smtp, &opt_smtps, &opt_imap, &opt_imaps, &opt_mech, NULL};

/* One option of command c into struct oopts (cli_option_fn). */
static int set_option(const struct cli_cmd *c, void *ctx, int key,
                      const char *arg)
{
	struct oopts *o = ctx;

	switch (key) {
	case OPT_ALL:
		o->all = 1;
		break;
	case 'j':
		o->json = 1;
		break;
	case OPT_DEVICE:
		o->device = 1;
		break;
	case OPT_BROWSER:
		o->browser = 1;
		break;
	case OPT_PASTE:
		o->paste = 1;
		break;
	case OPT_FORCE:
		o->force = 1;
		break;
	case OPT_OWNER:
		o->owner = arg;
		break;
	case OPT_SMTP:
	case OPT_SMTPS:
	case OPT_IMAP:
	case OPT_IMAPS:
		o->proto = key == OPT_SMTP    ? "smtp"
		           : key == OPT_SMTPS ? "smtps"
		           : key == OPT_IMAP  ? "imap"
		                              : "imaps";
		o->server = arg;
		break;
	case OPT_MECH:
		if (strcasecmp(arg, "oauthbearer") == 0)
			o->mech = "OAUTHBEARER";
		else if (strcasecmp(arg, "xoauth2") == 0)
			o->mech = "XOAUTH2";
		else
			return cli_usage_error(c, "--mech takes XOAUTH2 or "
			                          "OAUTHBEARER");
		break;
	default: /* an option of the table this switch does not know */
		return cli_usage_error(c, "option not handled");
	}
	return 0;
}

/* The account name of the operands (NULL when there is none); -1 when it
 * is not a valid name, said on stderr. */
static int account_name(int argc, char **argv, const char **name)
{
	*name = argc > 0 ? argv[0] : NULL;
	if (*name != NULL &&
	    !atok_config_instance_name_valid(*name, strlen(*name))) {
		/* Never echo it: it may be a pasted secret. */
		fprintf(stderr, "apitoken: expected one account name (letters, "
		                "digits, '_', '-')\n");
		return -1;
	}
	return 0;
}

static int run_login(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const char *name;

	if (account_name(argc, argv, &name) != 0)
		return EXIT_USAGE;
	return cmd_login(ctx, name);
}

static int run_token(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const char *name;

	if (account_name(argc, argv, &name) != 0)
		return EXIT_USAGE;
	return cmd_token(ctx, name);
}

static int run_refresh(const struct cli_cmd *c, void *ctx, int argc,
                       char **argv)
{
	const struct oopts *o = ctx;
	const char *name;

	if (account_name(argc, argv, &name) != 0)
		return EXIT_USAGE;
	if ((name == NULL) == !o->all)
		return cli_usage_error(c, "give either an account NAME or "
		                          "--all");
	return cmd_refresh(o, name);
}

static int run_status(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const char *name;

	if (account_name(argc, argv, &name) != 0)
		return EXIT_USAGE;
	return cmd_status(ctx, name);
}

static int run_logout(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const char *name;

	if (account_name(argc, argv, &name) != 0)
		return EXIT_USAGE;
	return cmd_logout(ctx, name);
}

static int run_test(const struct cli_cmd *c, void *ctx, int argc, char **argv)
{
	const struct oopts *o = ctx;
	const char *name;

	if (account_name(argc, argv, &name) != 0)
		return EXIT_USAGE;
	if (o->proto == NULL)
		return cli_usage_error(c, "give --smtp, --smtps, --imap or "
		                          "--imaps HOST:PORT");
	return cmd_test(o, name);
}

/* `apitoken oauth COMMAND` (tools/cli.h). */
static const struct cli_cmd oauth_commands[] = {
    {"oauth login", "NAME [--device | --browser | --paste] [--owner USER]",
     "Obtains the account's first tokens and stores them.", login_opts, 1, 1,
     run_login, NULL},
    {"oauth token", "NAME", "Prints a fresh access token on standard output.",
     NULL, 1, 1, run_token, NULL},
    {"oauth refresh", "NAME | --all",
     "Refreshes now (keeps refresh tokens alive).", refresh_opts, 0, 1,
     run_refresh, NULL},
    {"oauth status", "[NAME] [--json]",
     "Prints each account's state; exit 0 ok, 1 log in again, 2 trouble.",
     status_opts, 0, 1, run_status, NULL},
    {"oauth logout", "NAME [--force]",
     "Revokes the tokens at the server, deletes the state.", logout_opts, 1, 1,
     run_logout, NULL},
    {"oauth test",
     "NAME --smtp|--smtps|--imap|--imaps HOST:PORT "
     "[--mech XOAUTH2|OAUTHBEARER]",
     "Logs in to a mail server with the account's token, then quits.",
     test_opts, 1, 1, run_test, NULL},
};

const struct cli_group cli_oauth_group = {
    "oauth",
    "OAuth client accounts for mail clients",
    oauth_commands,
    sizeof(oauth_commands) / sizeof(oauth_commands[0]),
    set_option,
    NULL,
    NULL};

int cli_oauth(const char *config, int argc, char **argv)
{
	struct oopts o = {0};

	o.config = config;
	return cli_dispatch(&cli_oauth_group, &o, argc - 1, argv + 1);
}
