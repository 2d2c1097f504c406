/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pam.c - pam_apitoken.so through the real libpam.
 *
 * Each case writes a service file into a private directory and runs
 * pam_start_confdir() on it, so libpam parses the options, loads the built
 * module by absolute path and dispatches exactly as for sshd or sudo.  The
 * module under test sits on a `[success=done ignore=ignore default=die]`
 * line followed by the test-only pam_probe.so, so the stack's answer is the
 * module's own code, and PAM_IGNORE shows up as PAM_PROBE_MARKER.
 *
 * The store fixture is made with the core's own API.  syslog() is
 * interposed (this program is linked with -export-dynamic), so every case
 * also checks the module's log: one decision line, and never the token.
 */
#include "ac_config.h"
#undef _FORTIFY_SOURCE /* syslog() is defined below */

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <sqlite3.h>

#include "atok.h"
#include "config.h"
#include "local.h"
#include "pam_conv.h"
#include "probe.h"
#include "store.h"
#include "tap.h"
#include "token.h"
#include "tokens.h"

#ifndef PAM_APITOKEN_SO
#error "build with -DPAM_APITOKEN_SO=path of the built module"
#endif
#ifndef PAM_PROBE_SO
#error "build with -DPAM_PROBE_SO=path of the built probe module"
#endif

#define LONG_TOKEN_LEN (20 * 1024)
#define DIR_LEN        256
#define PATH_LEN       512
#define SERVICE        "apitoken-test"

/* ---- syslog capture ------------------------------------------------- */

#define LOG_LINES_MAX 64
#define LOG_LINE_MAX  4096

static struct {
	int prio;
	char msg[LOG_LINE_MAX];
} log_lines[LOG_LINES_MAX];
static int n_log_lines, n_log_dropped;

static void log_capture(int pri, const char *fmt, va_list ap)
{
	if (n_log_lines >= LOG_LINES_MAX) {
		n_log_dropped++;
		return;
	}
	log_lines[n_log_lines].prio = pri & LOG_PRIMASK;
	vsnprintf(log_lines[n_log_lines].msg, LOG_LINE_MAX, fmt, ap);
	n_log_lines++;
}

/* exported (the build hides symbols by default) so libpam binds to them */
#define CAPTURE __attribute__((visibility("default")))

CAPTURE void __syslog_chk(int pri, int flag, const char *fmt, ...);
CAPTURE void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);

CAPTURE void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_capture(pri, fmt, ap);
	va_end(ap);
}

CAPTURE void vsyslog(int pri, const char *fmt, va_list ap)
{
	log_capture(pri, fmt, ap);
}

CAPTURE void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_capture(pri, fmt, ap);
	va_end(ap);
}

CAPTURE void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	log_capture(pri, fmt, ap);
}

static void log_reset(void)
{
	n_log_lines = 0;
	n_log_dropped = 0;
}

/* Our module's lines: pam_syslog() prefixes "pam_apitoken(service:...)". */
static int log_is_ours(int i)
{
	return strncmp(log_lines[i].msg, "pam_apitoken(", 13) == 0;
}

/* How many decision lines (not debug) were logged, and the last one. */
static int log_decisions(const char **last)
{
	int i, n = 0;

	*last = "";
	for (i = 0; i < n_log_lines; i++) {
		if (!log_is_ours(i) || log_lines[i].prio == LOG_DEBUG)
			continue;
		n++;
		*last = log_lines[i].msg;
	}
	return n;
}

static int log_debug_lines(void)
{
	int i, n = 0;

	for (i = 0; i < n_log_lines; i++)
		n += log_is_ours(i) && log_lines[i].prio == LOG_DEBUG;
	return n;
}

/*
 * Whether any log line holds the token, or 16 bytes of it past its first
 * 17 (a local token's id is public and logged as token_id; its secret is
 * not).
 */
static int log_leaks(const char *tok)
{
	char probe[17];
	size_t len = strlen(tok);
	int i;

	if (len < 8)
		return 0;
	memset(probe, 0, sizeof(probe));
	if (len >= 33)
		memcpy(probe, tok + 17, 16);
	for (i = 0; i < n_log_lines; i++) {
		if (strstr(log_lines[i].msg, tok) != NULL)
			return 1;
		if (probe[0] != '\0' && strstr(log_lines[i].msg, probe) != NULL)
			return 1;
	}
	return 0;
}

/* ---- names for failing rows ---------------------------------------- */

static const char *rc_name(int rc)
{
	static const struct {
		int rc;
		const char *name;
	} names[] = {
	    {PAM_SUCCESS, "PAM_SUCCESS"},
	    {PAM_AUTH_ERR, "PAM_AUTH_ERR"},
	    {PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL"},
	    {PAM_SERVICE_ERR, "PAM_SERVICE_ERR"},
	    {PAM_BUF_ERR, "PAM_BUF_ERR"},
	    {PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN"},
	    {PAM_CONV_ERR, "PAM_CONV_ERR"},
	    {PAM_AUTHTOK_RECOVERY_ERR, "PAM_AUTHTOK_RECOVERY_ERR"},
	    {PAM_IGNORE, "PAM_IGNORE"},
	    {PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED"},
	    {PAM_PERM_DENIED, "PAM_PERM_DENIED"},
	    {PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR"},
	    {PAM_CRED_ERR, "PAM_CRED_ERR"},
	    {PAM_ABORT, "PAM_ABORT"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rc == rc)
			return names[i].name;
	return "PAM_(other)";
}

#define T_EQ_RC(got, want, fmt, ...)                                           \
	do {                                                                   \
		int t_g_ = (got), t_w_ = (want);                               \
		if (!T_OK(t_g_ == t_w_, fmt, __VA_ARGS__))                     \
			printf("#   got %s (%d), want %s (%d)\n",              \
			       rc_name(t_g_), t_g_, rc_name(t_w_), t_w_);      \
	} while (0)

/* ---- the fixture ----------------------------------------------------- */

enum tok {
	TOK_NONE = 0,  /* no token: the conversation fails */
	TOK_ALICE,     /* alice, scopes "read" */
	TOK_ALICE_SSH, /* alice, scopes "ssh read" */
	TOK_BOB,       /* bob */
	TOK_EXPIRED,   /* alice, expired */
	TOK_REVOKED,   /* alice, revoked */
	TOK_LATE,      /* alice, revoked between authenticate and account */
	TOK_BADSECRET, /* an issued id with another secret */
	TOK_UNKNOWN,   /* well-formed, never issued */
	TOK_BADSUM,    /* TOK_ALICE with its checksum broken */
	TOK_MALFORMED, /* apt_ prefix, wrong shape */
	TOK_OPAQUE,    /* not local: no validator configured */
	TOK_BINARY,    /* bytes no token may hold */
	TOK_LONG,      /* 20 KB */
	TOK_EMPTY,     /* "" */
	TOK_LIM_LO,    /* alice, "read", from 127.0.0.0/8 only */
	TOK_LIM_FAR,   /* alice, "read", from 192.0.2.0/24 only */
	TOK_SOON,      /* alice, scopes "read", expires in 3 days */
	N_TOK,
};

struct fixture {
	char dir[DIR_LEN];
	char conf[PATH_LEN];
	char db[PATH_LEN];
	char tok[N_TOK][ATOK_LOCAL_TOKEN_LEN + 1];
	char id[N_TOK][ATOK_TOKEN_ID_MAX + 1];
	char scopes[N_TOK][ATOK_SCOPES_MAX + 1];
	char *longtok;
};

static const char *tok_str(const struct fixture *fx, enum tok t)
{
	switch (t) {
	case TOK_NONE:
		return NULL;
	case TOK_MALFORMED:
		return "apt_short_token";
	case TOK_OPAQUE:
		return "2YotnFZFEjr1zCsicMWpAA";
	case TOK_BINARY:
		return "apt_\x01\x02\x7f";
	case TOK_LONG:
		return fx->longtok;
	case TOK_EMPTY:
		return "";
	default:
		return fx->tok[t];
	}
}

static int write_file(const char *path, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int write_file(const char *path, mode_t mode, const char *fmt, ...)
{
	va_list ap;
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	va_start(ap, fmt);
	if (vfprintf(f, fmt, ap) < 0)
		r = -1;
	va_end(ap);
	if (fclose(f) != 0)
		r = -1;
	if (r == 0 && chmod(path, mode) != 0)
		r = -1;
	return r;
}

static int issue(struct fixture *fx, struct atok_store *s, enum tok t,
                 const char *user, const char *scopes, int64_t now,
                 int64_t expires)
{
	struct atok_issue_params p = {
	    .user = user,
	    .scopes = scopes,
	    .name = "pam test",
	    .expires = expires,
	    .now = now,
	};
	struct atok_token_record rec;
	struct atok_error err;

	if (atok_local_issue(s, &p, fx->tok[t], &rec, &err) != 0) {
		T_DIAG("issue %d: %s", (int)t, err.msg);
		return -1;
	}
	strcpy(fx->id[t], rec.id);
	strcpy(fx->scopes[t], rec.scopes);
	return 0;
}

/* An issued id whose stored hash is of another secret. */
static int insert_bad_secret(struct fixture *fx, struct atok_store *s,
                             int64_t now)
{
	char other[ATOK_LOCAL_TOKEN_LEN + 1];
	struct atok_local_token a, b, mix;
	struct atok_token_record rec;
	struct atok_error err;

	if (atok_local_generate(fx->tok[TOK_BADSECRET]) != 0 ||
	    atok_local_generate(other) != 0 ||
	    atok_local_parse(fx->tok[TOK_BADSECRET], ATOK_LOCAL_TOKEN_LEN,
	                     &a) != 0 ||
	    atok_local_parse(other, ATOK_LOCAL_TOKEN_LEN, &b) != 0)
		return -1;
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, a.id, ATOK_LOCAL_ID_LEN);
	strcpy(rec.user, "alice");
	strcpy(rec.name, "bad secret");
	strcpy(rec.scopes, "read");
	mix.id = a.id;
	mix.secret = b.secret;
	if (atok_local_hash(&mix, rec.hash) != 0)
		return -1;
	rec.created = now;
	if (atok_store_insert(s, &rec, &err) != 0) {
		T_DIAG("insert: %s", err.msg);
		return -1;
	}
	strcpy(fx->id[TOK_BADSECRET], rec.id);
	return 0;
}

static char *fx_path(const struct fixture *fx, const char *name,
                     char path[PATH_LEN])
{
	snprintf(path, PATH_LEN, "%s/%s", fx->dir, name);
	return path;
}

static int fixture_setup(struct fixture *fx)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_LEN];
	struct atok_store *s = NULL;
	struct atok_error err;
	int64_t now = (int64_t)time(NULL);
	size_t n;
	int r = -1;

	memset(fx, 0, sizeof(*fx));
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fx->dir, sizeof(fx->dir), "%s/pam_apitoken.XXXXXX", tmp);
	if (mkdtemp(fx->dir) == NULL) {
		T_DIAG("mkdtemp %s: %s", fx->dir, strerror(errno));
		return -1;
	}
	snprintf(fx->conf, sizeof(fx->conf), "%s/apitoken.conf", fx->dir);
	snprintf(fx->db, sizeof(fx->db), "%s/tokens.db", fx->dir);

	if (tk_store_open(fx->db, &s, &err) != 0) {
		T_DIAG("store: %s", err.msg);
		goto out;
	}
	if (issue(fx, s, TOK_ALICE, "alice", "read", 0, 0) != 0 ||
	    issue(fx, s, TOK_ALICE_SSH, "alice", "ssh read", 0, 0) != 0 ||
	    issue(fx, s, TOK_BOB, "bob", "read", 0, 0) != 0 ||
	    issue(fx, s, TOK_EXPIRED, "alice", "read", now - 1000, now - 500) !=
	        0 ||
	    issue(fx, s, TOK_REVOKED, "alice", "read", 0, 0) != 0 ||
	    issue(fx, s, TOK_SOON, "alice", "read", now, now + 3 * 86400) !=
	        0 ||
	    issue(fx, s, TOK_LATE, "alice", "read", 0, 0) != 0 ||
	    insert_bad_secret(fx, s, now) != 0)
		goto out;
	{
		struct atok_issue_params p = {"alice", "read", "pam test",
		                              0,       0,      "127.0.0.0/8"};
		if (atok_local_issue(s, &p, fx->tok[TOK_LIM_LO], NULL, &err) !=
		        0 ||
		    (p.allowed_from = "192.0.2.0/24",
		     atok_local_issue(s, &p, fx->tok[TOK_LIM_FAR], NULL,
		                      &err) != 0)) {
			T_DIAG("issue limited: %s", err.msg);
			goto out;
		}
	}
	if (atok_store_revoke(s, fx->id[TOK_REVOKED], now, &err) != 0) {
		T_DIAG("revoke: %s", err.msg);
		goto out;
	}
	if (atok_local_generate(fx->tok[TOK_UNKNOWN]) != 0)
		goto out;
	strcpy(fx->tok[TOK_BADSUM], fx->tok[TOK_ALICE]);
	n = ATOK_LOCAL_TOKEN_LEN - 1;
	fx->tok[TOK_BADSUM][n] = fx->tok[TOK_BADSUM][n] == 'A' ? 'B' : 'A';

	if ((fx->longtok = malloc(LONG_TOKEN_LEN + 1)) == NULL)
		goto out;
	memcpy(fx->longtok, "apt_", 4);
	memset(fx->longtok + 4, 'x', LONG_TOKEN_LEN - 4);
	fx->longtok[LONG_TOKEN_LEN] = '\0';

	/* the configuration, and variants: a wrong store, unsafe, broken */
	if (write_file(fx->conf, 0600, "# pam tests\n[store]\npath = %s\n",
	               fx->db) != 0 ||
	    write_file(fx_path(fx, "wrong-store.conf", path), 0600,
	               "[store]\npath = %s/nonexistent/tokens.db\n",
	               fx->dir) != 0 ||
	    write_file(fx_path(fx, "group-writable.conf", path), 0620,
	               "[store]\npath = %s\n", fx->db) != 0 ||
	    write_file(fx_path(fx, "syntax.conf", path), 0600,
	               "[store\npath = %s\n", fx->db) != 0 ||
	    write_file(fx_path(fx, "services.conf", path), 0600,
	               "[store]\npath = %s\n[pam]\n"
	               "service_scopes = sshd:ssh sudo:read\n",
	               fx->db) != 0 ||
	    write_file(fx_path(fx, "other", path), 0644,
	               "# libpam wants a default service\n") != 0) {
		T_DIAG("writing configuration files: %s", strerror(errno));
		goto out;
	}
	r = 0;
out:
	atok_store_close(&s);
	return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
	return remove(path);
}

static void fixture_teardown(struct fixture *fx)
{
	if (getenv("PAM_TEST_KEEP") != NULL)
		T_DIAG("kept %s", fx->dir);
	else if (fx->dir[0] != '\0')
		nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx->longtok);
}

static int revoke_now(const struct fixture *fx, enum tok t)
{
	struct atok_store *s = NULL;
	struct atok_error err;
	int r = -1;

	if (tk_store_open(fx->db, &s, &err) != 0 ||
	    atok_store_revoke(s, fx->id[t], (int64_t)time(NULL), &err) != 0) {
		T_DIAG("revoke: %s", err.msg);
		goto out;
	}
	r = 0;
out:
	atok_store_close(&s);
	return r;
}

/*
 * Holds the store's database lock (exclusive locking mode) until
 * store_unlock(), so the module finds it busy.
 */
static sqlite3 *store_lock(const struct fixture *fx)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READWRITE, NULL) !=
	        SQLITE_OK ||
	    sqlite3_exec(db,
	                 "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; "
	                 "UPDATE tokens SET last_used = last_used;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		T_DIAG("lock: %s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static void store_unlock(sqlite3 *db)
{
	if (db == NULL)
		return;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
}

/* ---- service files ------------------------------------------------- */

/* Copies in to out with @DIR@ replaced by the fixture directory. */
static void subst(const struct fixture *fx, const char *in, char *out,
                  size_t outsz)
{
	size_t o = 0, dl = strlen(fx->dir);

	for (; in != NULL && *in != '\0' && o + 1 < outsz;) {
		if (strncmp(in, "@DIR@", 5) == 0 && o + dl + 1 < outsz) {
			memcpy(out + o, fx->dir, dl);
			o += dl;
			in += 5;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

struct stack {
	enum tok preset;      /* pam_probe sets PAM_AUTHTOK to this first */
	const char *pre_args; /* an earlier, optional pam_apitoken auth line */
	const char *auth_args;
	const char *acct_args;
};

#define UNDER_TEST "[success=done ignore=ignore default=die]"

static int write_service(const struct fixture *fx, const struct stack *st)
{
	char path[PATH_LEN], args[1024], pre[2048], auth[1024], acct[1024];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, SERVICE);
	pre[0] = '\0';
	if (st->preset != TOK_NONE)
		snprintf(pre, sizeof(pre),
		         "auth optional %s rc=ignore authtok=%s\n",
		         PAM_PROBE_SO, tok_str(fx, st->preset));
	if (st->pre_args != NULL) {
		subst(fx, st->pre_args, args, sizeof(args));
		snprintf(pre, sizeof(pre), "auth optional %s config=%s %s\n",
		         PAM_APITOKEN_SO, fx->conf, args);
	}
	subst(fx, st->auth_args, auth, sizeof(auth));
	subst(fx, st->acct_args, acct, sizeof(acct));
	return write_file(path, 0644,
	                  "%s"
	                  "auth " UNDER_TEST " %s config=%s %s\n"
	                  "auth required %s\n"
	                  "account " UNDER_TEST " %s config=%s %s\n"
	                  "account required %s\n",
	                  pre, PAM_APITOKEN_SO, fx->conf, auth, PAM_PROBE_SO,
	                  PAM_APITOKEN_SO, fx->conf, acct, PAM_PROBE_SO);
}

/* ---- the conversation ---------------------------------------------- */

struct conv_state {
	const char *user;  /* answer to PAM_PROMPT_ECHO_ON; NULL: fail */
	const char *token; /* answer to PAM_PROMPT_ECHO_OFF; NULL: fail */
	int n_echo_off, n_echo_on, n_info;
	char prompt[512]; /* the last PAM_PROMPT_ECHO_OFF text */
	char info[512];   /* the last PAM_TEXT_INFO / PAM_ERROR_MSG text */
};

/* One message: the token for ECHO_OFF, the user for ECHO_ON, "" for the
 * others; each counted, the last prompt and message kept. */
static int conv_answer(const struct pam_message *m, char **resp, void *appdata)
{
	struct conv_state *cs = appdata;
	const char *a;

	switch (m->msg_style) {
	case PAM_PROMPT_ECHO_OFF:
		cs->n_echo_off++;
		snprintf(cs->prompt, sizeof(cs->prompt), "%s", m->msg);
		a = cs->token;
		break;
	case PAM_PROMPT_ECHO_ON:
		cs->n_echo_on++;
		a = cs->user;
		break;
	default: /* PAM_ERROR_MSG, PAM_TEXT_INFO: no answer needed */
		cs->n_info++;
		snprintf(cs->info, sizeof(cs->info), "%s", m->msg);
		a = "";
		break;
	}
	if (a == NULL || (*resp = strdup(a)) == NULL)
		return -1;
	return 0;
}

/* ---- running a case ------------------------------------------------ */

struct run {
	struct conv_state cs;
	struct tpc_answerer answerer; /* conv_answer with cs */
	pam_handle_t *pamh;
	int rc_start;
};

/* Starts a handle on the stack st; user NULL means "ask". */
static int run_start(struct run *run, const struct fixture *fx,
                     const struct stack *st, const char *user, enum tok answer)
{
	struct pam_conv pc = {tpc_conv, &run->answerer};

	memset(run, 0, sizeof(*run));
	run->answerer.answer = conv_answer;
	run->answerer.ctx = &run->cs;
	/* asked for the user, answer alice; or fail when there is no token
	 * either */
	run->cs.user = user != NULL         ? user
	               : answer == TOK_NONE ? NULL
	                                    : "alice";
	run->cs.token = tok_str(fx, answer);
	log_reset();
	if (write_service(fx, st) != 0) {
		T_DIAG("writing the service file: %s", strerror(errno));
		return -1;
	}
	run->rc_start =
	    pam_start_confdir(SERVICE, user, &pc, fx->dir, &run->pamh);
	if (run->rc_start != PAM_SUCCESS) {
		T_DIAG("pam_start_confdir: %d", run->rc_start);
		return -1;
	}
	return 0;
}

/* The code of the module under test, PAM_IGNORE included. */
static int module_rc(int rc)
{
	return rc == PAM_PROBE_MARKER ? PAM_IGNORE : rc;
}

static const char *user_now(pam_handle_t *pamh)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

/* ---- authenticate ---------------------------------------------------- */

struct auth_row {
	const char *name;
	const char *args;     /* the auth line, after config=CONF */
	enum tok answer;      /* the conversation's answer */
	const char *user;     /* PAM_USER at pam_start; NULL: asked */
	enum tok preset;      /* PAM_AUTHTOK set by an earlier module */
	const char *pre_args; /* an earlier pam_apitoken auth line */
	int want;
	int want_prompts;        /* ECHO_OFF prompts; -1: any */
	const char *want_prompt; /* NULL: not checked */
	const char *want_log;    /* in the last decision line */
	enum tok want_tok;       /* the token accepted (env checks) */
};

static const struct auth_row auth_rows[] = {
    /* accepted */
    {.name = "valid token",
     .args = "",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_prompt = "Token: ",
     .want_log = "decision=accept service=" SERVICE " user=alice ",
     .want_tok = TOK_ALICE},
    {.name = "valid token, debug",
     .args = "debug",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "scope held",
     .args = "scope=read",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "scopes held (list)",
     .args = "scope=ssh,read",
     .answer = TOK_ALICE_SSH,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "source=local",
     .want_tok = TOK_ALICE_SSH},
    {.name = "scopes held (repeated)",
     .args = "scope=ssh scope=read",
     .answer = TOK_ALICE_SSH,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE_SSH},
    {.name = "user asked through the conversation",
     .args = "",
     .answer = TOK_ALICE,
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "user=alice",
     .want_tok = TOK_ALICE},
    {.name = "no PAM_RHOST, PAM_RUSER: rhost=- ruser=- last",
     .args = "",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "\" rhost=- ruser=-",
     .want_tok = TOK_ALICE},
    /* [pam] service_scopes, for this service (SERVICE) */
    {.name = "service_scopes: this service's scope held",
     .args = "pam.service_scopes=" SERVICE ":ssh",
     .answer = TOK_ALICE_SSH,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE_SSH},
    {.name = "service_scopes: and scope= too",
     .args = "scope=read [pam.service_scopes=x:y " SERVICE ":ssh]",
     .answer = TOK_ALICE_SSH,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE_SSH},
    {.name = "service_scopes: * for the rest",
     .args = "[pam.service_scopes=sshd:ssh *:read]",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "service_scopes: service= names the entry",
     .args = "service=sshd [pam.service_scopes=sshd:read *:ssh]",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "argv override after the file",
     .args = "config=@DIR@/wrong-store.conf "
             "store.path=@DIR@/tokens.db",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    /* rejected */
    {.name = "scope missing",
     .args = "scope=ssh",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "one of two scopes missing",
     .args = "scope=read,admin",
     .answer = TOK_ALICE_SSH,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "service_scopes: this service's scope missing",
     .args = "pam.service_scopes=" SERVICE ":ssh",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "service_scopes: unlisted service needs a scope of its name",
     .args = "pam.service_scopes=sshd:read",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "service_scopes: scope= still required",
     .args = "scope=admin "
             "pam.service_scopes=" SERVICE ":read",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "wrong secret",
     .args = "",
     .answer = TOK_BADSECRET,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "unknown token id",
     .args = "",
     .answer = TOK_UNKNOWN,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "another user's token",
     .args = "",
     .answer = TOK_BOB,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject service=" SERVICE " user=alice "},
    {.name = "expired",
     .args = "",
     .answer = TOK_EXPIRED,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "revoked",
     .args = "",
     .answer = TOK_REVOKED,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "bad checksum",
     .args = "",
     .answer = TOK_BADSUM,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "malformed local token",
     .args = "",
     .answer = TOK_MALFORMED,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "opaque token, no validator",
     .args = "",
     .answer = TOK_OPAQUE,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "control characters",
     .args = "",
     .answer = TOK_BINARY,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "20 KB token",
     .args = "",
     .answer = TOK_LONG,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "20 KB token, debug",
     .args = "debug",
     .answer = TOK_LONG,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "empty token",
     .args = "",
     .answer = TOK_EMPTY,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    /* prompts */
    {.name = "custom prompt",
     .args = "prompt=Code:",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_prompt = "Code:",
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "custom prompt with spaces",
     .args = "[prompt=API token for sshd: ]",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_prompt = "API token for sshd: ",
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    /* where the token comes from */
    {.name = "use_first_pass without PAM_AUTHTOK",
     .args = "use_first_pass",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_AUTHTOK_RECOVERY_ERR,
     .want_log = "decision=error"},
    {.name = "use_first_pass with PAM_AUTHTOK",
     .args = "use_first_pass",
     .answer = TOK_BOB,
     .user = "alice",
     .preset = TOK_ALICE,
     .want = PAM_SUCCESS,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "use_first_pass with a wrong PAM_AUTHTOK",
     .args = "use_first_pass",
     .answer = TOK_ALICE,
     .user = "alice",
     .preset = TOK_BOB,
     .want = PAM_AUTH_ERR,
     .want_log = "decision=reject"},
    {.name = "try_first_pass with PAM_AUTHTOK",
     .args = "try_first_pass",
     .answer = TOK_BOB,
     .user = "alice",
     .preset = TOK_ALICE,
     .want = PAM_SUCCESS,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "PAM_AUTHTOK not used by default",
     .args = "",
     .answer = TOK_ALICE,
     .user = "alice",
     .preset = TOK_BOB,
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_prompt = "Token: ",
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "try_first_pass without PAM_AUTHTOK",
     .args = "try_first_pass",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_prompt = "Token: ",
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "prompted token becomes PAM_AUTHTOK",
     .args = "use_first_pass",
     .answer = TOK_ALICE,
     .user = "alice",
     .pre_args = "scope=nosuchscope",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    /* PAM errors */
    {.name = "conversation fails",
     .args = "",
     .answer = TOK_NONE,
     .user = "alice",
     .want = PAM_CONV_ERR,
     .want_prompts = 1,
     .want_log = "decision=error"},
    {.name = "conversation fails asking the user",
     .args = "",
     .answer = TOK_NONE,
     .want = PAM_CONV_ERR,
     .want_log = "decision=error"},
    {.name = "empty user",
     .args = "",
     .answer = TOK_ALICE,
     .user = "",
     .want = PAM_USER_UNKNOWN,
     .want_log = "decision=error"},
    /* configuration errors: refused before asking for a token */
    {.name = "unknown option",
     .args = "bogus",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "reason=\"unknown option \\\"bogus\\\"\""},
    {.name = "unknown option with a value",
     .args = "secret=hunter2",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "option without its value",
     .args = "config",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "needs a value"},
    {.name = "debug with a value",
     .args = "debug=1",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "unknown option \\\"debug\\\""},
    /* the device-flow login (its flows: tests/integration/device.sh) */
    {.name = "device without a [device] section",
     .args = "device",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "needs a [device] section\" flow=device outcome=error"},
    {.name = "device with a value",
     .args = "device=yes",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "unknown option \\\"device\\\""},
    {.name = "maxtries without device asks for a token",
     .args = "maxtries",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SUCCESS,
     .want_prompts = 1,
     .want_prompt = "Token: ",
     .want_log = "decision=accept",
     .want_tok = TOK_ALICE},
    {.name = "maxtries without device: a wrong token is PAM_AUTH_ERR",
     .args = "maxtries",
     .answer = TOK_BOB,
     .user = "alice",
     .want = PAM_AUTH_ERR,
     .want_prompts = 1,
     .want_log = "decision=reject"},
    {.name = "dotted word without a value",
     .args = "store.path",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "prompt too long",
     .args =
         "prompt=0123456789012345678901234567890123456789012345678901234567890"
         "12345678901234567890123456789012345678901234567890123456789012345678"
         "90123456789012345678901234567890123456789012345678901234567890123456"
         "789012345678901234567890123456789012345678901234567890123456789",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "empty scope",
     .args = "scope=",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "empty scope in a list",
     .args = "scope=read,,ssh",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "invalid scope",
     .args = "scope=a\\b",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "33 scopes",
     .args = "scope=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"
             "20,21,22,23,24,25,26,27,28,29,30,31,32,33",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "service_scopes: entry without a colon",
     .args = "pam.service_scopes=sshd",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "SERVICE:SCOPE"},
    {.name = "service_scopes: bad entry for another service",
     .args = "[pam.service_scopes=" SERVICE ":read sshd:]",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "service_scopes: invalid scope",
     .args = "pam.service_scopes=" SERVICE ":a\\b",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "invalid scope in [pam] service_scopes"},
    {.name = "service_scopes: empty scope",
     .args = "pam.service_scopes=" SERVICE ":read,,x",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "service= without a value",
     .args = "service=",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "warn_days out of range",
     .args = "pam.warn_days=366",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "unknown override key",
     .args = "store.nosuchkey=1",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "unknown override section",
     .args = "nosuch.key=1",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "bad override value",
     .args = "store.busy_timeout=soon",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "override to a missing store",
     .args = "store.path=@DIR@/nonexistent/t.db",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "missing config file",
     .args = "config=@DIR@/missing.conf",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "group-writable config file",
     .args = "config=@DIR@/group-writable.conf",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "config file syntax error",
     .args = "config=@DIR@/syntax.conf",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
    {.name = "unconfigured validator",
     .args = "jwt.issuer=https://issuer.example",
     .answer = TOK_ALICE,
     .user = "alice",
     .want = PAM_SERVICE_ERR,
     .want_log = "decision=error"},
};

static void check_env(pam_handle_t *pamh, const struct fixture *fx, enum tok t,
                      const char *name)
{
	if (t == TOK_NONE) {
		T_OK(pam_getenv(pamh, "APITOKEN_ID") == NULL &&
		         pam_getenv(pamh, "APITOKEN_SCOPES") == NULL &&
		         pam_getenv(pamh, "APITOKEN_SOURCE") == NULL,
		     "%s: nothing exported", name);
		return;
	}
	T_EQ_STR(pam_getenv(pamh, "APITOKEN_ID"), fx->id[t], "%s: APITOKEN_ID",
	         name);
	T_EQ_STR(pam_getenv(pamh, "APITOKEN_SCOPES"), fx->scopes[t],
	         "%s: APITOKEN_SCOPES", name);
	T_EQ_STR(pam_getenv(pamh, "APITOKEN_SOURCE"), "local",
	         "%s: APITOKEN_SOURCE", name);
}

/* The checks every case shares: log and PAM_USER. */
static void check_common(const struct run *run, const struct fixture *fx,
                         const char *name, int n_decisions,
                         const char *want_log, const char *want_user,
                         int want_debug)
{
	const char *last;
	int t, i, n = log_decisions(&last);

	T_EQ_INT(n, n_decisions, "%s: %d decision line(s) logged", name,
	         n_decisions);
	if (n != n_decisions || getenv("PAM_TEST_LOG") != NULL)
		for (i = 0; i < n_log_lines; i++)
			T_DIAG("log %d: %s", log_lines[i].prio,
			       log_lines[i].msg);
	if (want_log != NULL && !T_OK(strstr(last, want_log) != NULL,
	                              "%s: log line has '%s'", name, want_log))
		T_DIAG("log: %s", last);
	if (want_debug >= 0)
		T_OK((log_debug_lines() > 0) == want_debug,
		     "%s: debug lines %s", name,
		     want_debug ? "logged" : "not logged");
	for (t = TOK_ALICE; t < N_TOK; t++)
		if (log_leaks(tok_str(fx, (enum tok)t)))
			break;
	T_OK(t == N_TOK && n_log_dropped == 0, "%s: no token in the log", name);
	T_EQ_STR(user_now(run->pamh), want_user, "%s: PAM_USER unchanged",
	         name);
}

static void test_authenticate(const struct fixture *fx)
{
	const struct auth_row *row;
	struct stack st;
	struct run run;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(auth_rows) / sizeof(auth_rows[0]); i++) {
		row = &auth_rows[i];
		memset(&st, 0, sizeof(st));
		st.preset = row->preset;
		st.pre_args = row->pre_args;
		st.auth_args = row->args;
		st.acct_args = "";
		if (run_start(&run, fx, &st, row->user, row->answer) != 0) {
			T_OK(0, "auth %zu %s: pam_start", i, row->name);
			continue;
		}
		rc = module_rc(pam_authenticate(run.pamh, 0));
		T_EQ_RC(rc, row->want, "auth %zu %s: return code", i,
		        row->name);
		if (row->want_prompts >= 0)
			T_EQ_INT(run.cs.n_echo_off, row->want_prompts,
			         "auth %zu %s: token prompts", i, row->name);
		if (row->want_prompt != NULL)
			T_EQ_STR(run.cs.prompt, row->want_prompt,
			         "auth %zu %s: prompt text", i, row->name);
		check_common(&run, fx, row->name, row->pre_args ? 2 : 1,
		             row->want_log, run.cs.user,
		             strcmp(row->args, "debug") == 0);
		check_env(run.pamh, fx, row->want_tok, row->name);
		pam_end(run.pamh, rc);
	}
}

/* The store is locked longer than busy_timeout: PAM_AUTHINFO_UNAVAIL. */
static void test_unavailable(const struct fixture *fx)
{
	struct stack st = {TOK_NONE, NULL, "store.busy_timeout=50",
	                   "store.busy_timeout=50"};
	struct run run;
	sqlite3 *lock;
	int rc;

	/* authenticate while the store is locked */
	if ((lock = store_lock(fx)) == NULL ||
	    run_start(&run, fx, &st, "alice", TOK_ALICE) != 0) {
		T_OK(0, "unavailable: set-up");
		store_unlock(lock);
		return;
	}
	rc = module_rc(pam_authenticate(run.pamh, 0));
	T_EQ_RC(rc, PAM_AUTHINFO_UNAVAIL, "%s", "auth with the store locked");
	check_common(&run, fx, "auth with the store locked", 1,
	             "decision=unavailable", "alice", 0);
	pam_end(run.pamh, rc);
	store_unlock(lock);

	/* authenticate, then the store is locked for the account phase */
	if (run_start(&run, fx, &st, "alice", TOK_ALICE) != 0) {
		T_OK(0, "unavailable: set-up");
		return;
	}
	rc = module_rc(pam_authenticate(run.pamh, 0));
	T_EQ_RC(rc, PAM_SUCCESS, "%s", "account with the store locked: auth");
	lock = store_lock(fx);
	log_reset();
	rc = module_rc(pam_acct_mgmt(run.pamh, 0));
	store_unlock(lock);
	T_EQ_RC(rc, PAM_AUTHINFO_UNAVAIL, "%s",
	        "account with the store locked");
	check_common(&run, fx, "account with the store locked", 1,
	             "account decision=unavailable", "alice", 0);
	pam_end(run.pamh, rc);
}

/* ---- account --------------------------------------------------------- */

enum between {
	BETWEEN_NOTHING,
	BETWEEN_REVOKE,     /* the token is revoked */
	BETWEEN_SET_USER,   /* the application changes PAM_USER to bob */
	BETWEEN_CLEAR_USER, /* the application unsets PAM_USER */
};

struct acct_row {
	const char *name;
	const char *auth_args; /* NULL: pam_authenticate is not called */
	const char *acct_args;
	enum tok answer;
	enum between between;
	int want_auth;
	int want;
	const char *want_log; /* NULL: no decision line expected */
};

static const struct acct_row acct_rows[] = {
    {.name = "not authenticated by pam_apitoken",
     .acct_args = "",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want = PAM_IGNORE},
    {.name = "authentication failed",
     .auth_args = "",
     .acct_args = "",
     .answer = TOK_BOB,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_AUTH_ERR,
     .want = PAM_IGNORE},
    {.name = "accepted",
     .auth_args = "",
     .acct_args = "",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_SUCCESS,
     .want = PAM_SUCCESS,
     .want_log = "account decision=accept service=" SERVICE " user=alice "},
    {.name = "scope held on the account line",
     .auth_args = "",
     .acct_args = "scope=ssh",
     .answer = TOK_ALICE_SSH,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_SUCCESS,
     .want = PAM_SUCCESS,
     .want_log = "account decision=accept"},
    {.name = "scope missing on the account line",
     .auth_args = "",
     .acct_args = "scope=ssh",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_SUCCESS,
     .want = PAM_PERM_DENIED,
     .want_log = "account decision=reject"},
    {.name = "revoked between the phases",
     .auth_args = "",
     .acct_args = "",
     .answer = TOK_LATE,
     .between = BETWEEN_REVOKE,
     .want_auth = PAM_SUCCESS,
     .want = PAM_ACCT_EXPIRED,
     .want_log = "account decision=reject"},
    {.name = "PAM_USER changed between the phases",
     .auth_args = "",
     .acct_args = "",
     .answer = TOK_ALICE,
     .between = BETWEEN_SET_USER,
     .want_auth = PAM_SUCCESS,
     .want = PAM_PERM_DENIED,
     .want_log = "account decision=reject service=" SERVICE " user=bob "},
    {.name = "PAM_USER unset between the phases",
     .auth_args = "",
     .acct_args = "",
     .answer = TOK_ALICE,
     .between = BETWEEN_CLEAR_USER,
     .want_auth = PAM_SUCCESS,
     .want = PAM_USER_UNKNOWN,
     .want_log = "account decision=error service=" SERVICE " user=- "},
    {.name = "unknown option on the account line",
     .auth_args = "",
     .acct_args = "bogus",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_SUCCESS,
     .want = PAM_SERVICE_ERR,
     .want_log = "account decision=error"},
    {.name = "unknown option, not authenticated",
     .acct_args = "bogus",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want = PAM_SERVICE_ERR,
     .want_log = "account decision=error"},
    {.name = "missing config on the account line",
     .auth_args = "",
     .acct_args = "config=@DIR@/missing.conf",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_SUCCESS,
     .want = PAM_SERVICE_ERR,
     .want_log = "account decision=error"},
    {.name = "bad override on the account line",
     .auth_args = "",
     .acct_args = "store.busy_timeout=-1",
     .answer = TOK_ALICE,
     .between = BETWEEN_NOTHING,
     .want_auth = PAM_SUCCESS,
     .want = PAM_SERVICE_ERR,
     .want_log = "account decision=error"},
};

static void test_acct_mgmt(const struct fixture *fx)
{
	static const char *const want_user[] = {
	    [BETWEEN_NOTHING] = "alice",
	    [BETWEEN_REVOKE] = "alice",
	    [BETWEEN_SET_USER] = "bob",
	    [BETWEEN_CLEAR_USER] = NULL,
	};
	const struct acct_row *row;
	struct stack st;
	struct run run;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(acct_rows) / sizeof(acct_rows[0]); i++) {
		row = &acct_rows[i];
		memset(&st, 0, sizeof(st));
		st.auth_args = row->auth_args != NULL ? row->auth_args : "";
		st.acct_args = row->acct_args;
		if (run_start(&run, fx, &st, "alice", row->answer) != 0) {
			T_OK(0, "acct %zu %s: pam_start", i, row->name);
			continue;
		}
		if (row->auth_args != NULL) {
			rc = module_rc(pam_authenticate(run.pamh, 0));
			T_EQ_RC(rc, row->want_auth, "acct %zu %s: authenticate",
			        i, row->name);
		}
		if (row->between == BETWEEN_REVOKE)
			T_OK(revoke_now(fx, row->answer) == 0,
			     "acct %zu %s: revoke", i, row->name);
		if (row->between == BETWEEN_SET_USER)
			T_EQ_RC(pam_set_item(run.pamh, PAM_USER, "bob"),
			        PAM_SUCCESS, "acct %zu %s: set PAM_USER", i,
			        row->name);
		if (row->between == BETWEEN_CLEAR_USER)
			T_EQ_RC(pam_set_item(run.pamh, PAM_USER, NULL),
			        PAM_SUCCESS, "acct %zu %s: unset PAM_USER", i,
			        row->name);
		log_reset();
		rc = module_rc(pam_acct_mgmt(run.pamh, 0));
		T_EQ_RC(rc, row->want, "acct %zu %s: return code", i,
		        row->name);
		check_common(&run, fx, row->name, row->want_log ? 1 : 0,
		             row->want_log, want_user[row->between], 0);
		pam_end(run.pamh, rc);
	}
}

/* ---- PAM_RHOST: source-address limits ---------------------------------- */

static void test_rhost(const struct fixture *fx)
{
	static const struct {
		const char *name;
		enum tok answer;
		const char *rhost;      /* NULL: not set */
		const char *acct_rhost; /* set between the phases; NULL: same */
		int want_auth, want_acct; /* want_acct -1: not run */
		const char *want_log;     /* in the last decision line */
	} rows[] = {
	    {.name = "limited token from its network",
	     .answer = TOK_LIM_LO,
	     .rhost = "127.0.0.1",
	     .want_auth = PAM_SUCCESS,
	     .want_acct = PAM_SUCCESS,
	     .want_log = "account decision=accept"},
	    {.name = "limited token from another network",
	     .answer = TOK_LIM_FAR,
	     .rhost = "127.0.0.1",
	     .want_auth = PAM_AUTH_ERR,
	     .want_acct = -1,
	     .want_log = "may not be used from 127.0.0.1 "},
	    {.name = "limited token without PAM_RHOST",
	     .answer = TOK_LIM_LO,
	     .want_auth = PAM_AUTH_ERR,
	     .want_acct = -1,
	     .want_log = "remote address is unknown"},
	    {.name = "limited token, PAM_RHOST a host name",
	     .answer = TOK_LIM_LO,
	     .rhost = "host.example",
	     .want_auth = PAM_AUTH_ERR,
	     .want_acct = -1,
	     .want_log = "not numeric"},
	    {.name = "unlimited token without PAM_RHOST",
	     .answer = TOK_ALICE,
	     .want_auth = PAM_SUCCESS,
	     .want_acct = PAM_SUCCESS,
	     .want_log = "account decision=accept"},
	    {.name = "PAM_RHOST changed between the phases",
	     .answer = TOK_LIM_LO,
	     .rhost = "127.0.0.1",
	     .acct_rhost = "192.0.2.1",
	     .want_auth = PAM_SUCCESS,
	     .want_acct = PAM_PERM_DENIED,
	     .want_log = "may not be used from 192.0.2.1 "},
	};
	struct stack st;
	struct run run;
	const char *last;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&st, 0, sizeof(st));
		st.auth_args = "";
		st.acct_args = "";
		if (run_start(&run, fx, &st, "alice", rows[i].answer) != 0) {
			T_OK(0, "rhost %zu %s: pam_start", i, rows[i].name);
			continue;
		}
		if (rows[i].rhost != NULL)
			pam_set_item(run.pamh, PAM_RHOST, rows[i].rhost);
		rc = module_rc(pam_authenticate(run.pamh, 0));
		T_EQ_RC(rc, rows[i].want_auth, "rhost %zu %s: authenticate", i,
		        rows[i].name);
		if (rows[i].want_acct != -1) {
			if (rows[i].acct_rhost != NULL)
				pam_set_item(run.pamh, PAM_RHOST,
				             rows[i].acct_rhost);
			rc = module_rc(pam_acct_mgmt(run.pamh, 0));
			T_EQ_RC(rc, rows[i].want_acct, "rhost %zu %s: account",
			        i, rows[i].name);
		}
		log_decisions(&last);
		T_OK(strstr(last, rows[i].want_log) != NULL,
		     "rhost %zu %s: log has \"%s\" (%s)", i, rows[i].name,
		     rows[i].want_log, last);
		pam_end(run.pamh, rc);
	}
}

/* ---- setcred --------------------------------------------------------- */

/*
 * libpam replays the auth stack for pam_setcred() with each line's action
 * chosen by its *authenticate* code, so after a failed authenticate the
 * stack answers PAM_PERM_DENIED whatever the module says.  The module's
 * own answer is therefore also read from its `debug` line.
 */
struct setcred_row {
	const char *name;
	const char *auth_args;
	int authenticate; /* call pam_authenticate first */
	enum tok answer;
	int flag;
	int want;               /* the stack's answer */
	const char *want_debug; /* the module's, from its debug line */
};

static const struct setcred_row setcred_rows[] = {
    /* as in sshd's parent, which never saw the authentication */
    {.name = "no authenticate on this handle",
     .auth_args = "debug",
     .answer = TOK_ALICE,
     .flag = PAM_ESTABLISH_CRED,
     .want = PAM_SUCCESS,
     .want_debug = "flags=0x2: success, not authenticated on this handle"},
    {.name = "delete, no authenticate on this handle",
     .auth_args = "",
     .answer = TOK_ALICE,
     .flag = PAM_DELETE_CRED,
     .want = PAM_SUCCESS},
    {.name = "authentication failed",
     .auth_args = "debug",
     .authenticate = 1,
     .answer = TOK_BOB,
     .flag = PAM_ESTABLISH_CRED,
     .want = PAM_PERM_DENIED,
     .want_debug = "flags=0x2: ignore, token not accepted"},
    {.name = "authentication failed, delete",
     .auth_args = "debug",
     .authenticate = 1,
     .answer = TOK_EXPIRED,
     .flag = PAM_DELETE_CRED,
     .want = PAM_PERM_DENIED,
     .want_debug = "flags=0x4: ignore, token not accepted"},
    {.name = "establish",
     .auth_args = "debug",
     .authenticate = 1,
     .answer = TOK_ALICE,
     .flag = PAM_ESTABLISH_CRED,
     .want = PAM_SUCCESS,
     .want_debug = "flags=0x2: success, token accepted"},
    {.name = "reinitialize",
     .auth_args = "debug",
     .authenticate = 1,
     .answer = TOK_ALICE,
     .flag = PAM_REINITIALIZE_CRED,
     .want = PAM_SUCCESS,
     .want_debug = "flags=0x8: success, token accepted"},
    {.name = "refresh",
     .auth_args = "debug",
     .authenticate = 1,
     .answer = TOK_ALICE,
     .flag = PAM_REFRESH_CRED,
     .want = PAM_SUCCESS,
     .want_debug = "flags=0x10: success, token accepted"},
    {.name = "delete",
     .auth_args = "debug",
     .authenticate = 1,
     .answer = TOK_ALICE,
     .flag = PAM_DELETE_CRED,
     .want = PAM_SUCCESS,
     .want_debug = "flags=0x4: success, token accepted"},
    {.name = "unknown option",
     .auth_args = "bogus",
     .answer = TOK_ALICE,
     .flag = PAM_ESTABLISH_CRED,
     .want = PAM_SERVICE_ERR},
    {.name = "invalid scope",
     .auth_args = "scope=a\\b",
     .answer = TOK_ALICE,
     .flag = PAM_DELETE_CRED,
     .want = PAM_SERVICE_ERR},
};

static int log_has(const char *s)
{
	int i;

	for (i = 0; i < n_log_lines; i++)
		if (log_is_ours(i) && strstr(log_lines[i].msg, s) != NULL)
			return 1;
	return 0;
}

static void test_setcred(const struct fixture *fx)
{
	const struct setcred_row *row;
	struct stack st;
	struct run run;
	const char *last;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(setcred_rows) / sizeof(setcred_rows[0]); i++) {
		row = &setcred_rows[i];
		memset(&st, 0, sizeof(st));
		st.auth_args = row->auth_args;
		st.acct_args = "";
		if (run_start(&run, fx, &st, "alice", row->answer) != 0) {
			T_OK(0, "setcred %zu %s: pam_start", i, row->name);
			continue;
		}
		if (row->authenticate)
			(void)pam_authenticate(run.pamh, 0);
		log_reset();
		rc = module_rc(pam_setcred(run.pamh, row->flag));
		T_EQ_RC(rc, row->want, "setcred %zu %s: return code", i,
		        row->name);
		if (row->want_debug != NULL)
			T_OK(log_has(row->want_debug),
			     "setcred %zu %s: module says '%s'", i, row->name,
			     row->want_debug);
		/* only a configuration error is worth a line */
		T_EQ_INT(log_decisions(&last), row->want == PAM_SERVICE_ERR,
		         "setcred %zu %s: log lines", i, row->name);
		pam_end(run.pamh, rc);
	}
}

/* A second authenticate on the same handle forgets the first. */
static void test_reauthenticate(const struct fixture *fx)
{
	struct stack st = {TOK_NONE, NULL, "debug", ""};
	struct run run;
	int rc;

	if (run_start(&run, fx, &st, "alice", TOK_ALICE) != 0) {
		T_OK(0, "reauthenticate: pam_start");
		return;
	}
	rc = module_rc(pam_authenticate(run.pamh, 0));
	T_EQ_RC(rc, PAM_SUCCESS, "%s", "reauthenticate: first");
	run.cs.token = tok_str(fx, TOK_BOB);
	rc = module_rc(pam_authenticate(run.pamh, 0));
	T_EQ_RC(rc, PAM_AUTH_ERR, "%s", "reauthenticate: second");
	check_env(run.pamh, fx, TOK_NONE, "reauthenticate");
	rc = module_rc(pam_acct_mgmt(run.pamh, 0));
	T_EQ_RC(rc, PAM_IGNORE, "%s", "reauthenticate: account ignores");
	log_reset();
	(void)pam_setcred(run.pamh, PAM_ESTABLISH_CRED);
	T_OK(log_has("ignore, token not accepted"), "%s",
	     "reauthenticate: setcred ignores");
	pam_end(run.pamh, rc);
}

/* ---- one configuration, two services -------------------------------- */

struct service_row {
	const char *service;
	enum tok answer;
	int want;
};

/* services.conf: [pam] service_scopes = sshd:ssh sudo:read */
static const struct service_row service_rows[] = {
    {"sshd", TOK_ALICE_SSH, PAM_SUCCESS},
    {"sshd", TOK_ALICE, PAM_AUTH_ERR}, /* "read" only */
    {"sudo", TOK_ALICE, PAM_SUCCESS},
    {"sudo", TOK_ALICE_SSH, PAM_SUCCESS},   /* "ssh read" */
    {"sudo", TOK_BOB, PAM_AUTH_ERR},        /* another user */
    {"login", TOK_ALICE_SSH, PAM_AUTH_ERR}, /* needs scope "login" */
};

static void test_services(const struct fixture *fx)
{
	const struct service_row *row;
	struct conv_state cs;
	struct tpc_answerer answerer = {conv_answer, &cs};
	struct pam_conv pc = {tpc_conv, &answerer};
	pam_handle_t *pamh = NULL;
	char path[PATH_LEN], want[128];
	const char *last;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(service_rows) / sizeof(service_rows[0]); i++) {
		row = &service_rows[i];
		memset(&cs, 0, sizeof(cs));
		cs.token = tok_str(fx, row->answer);
		log_reset();
		snprintf(path, sizeof(path), "%s/%s", fx->dir, row->service);
		if (write_file(path, 0644,
		               "auth " UNDER_TEST
		               " %s config=%s/services.conf\n"
		               "auth required %s\n",
		               PAM_APITOKEN_SO, fx->dir, PAM_PROBE_SO) != 0 ||
		    pam_start_confdir(row->service, "alice", &pc, fx->dir,
		                      &pamh) != PAM_SUCCESS) {
			T_OK(0, "service %zu %s: set-up", i, row->service);
			continue;
		}
		(void)pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
		(void)pam_set_item(pamh, PAM_RUSER, "alice@client");
		rc = module_rc(pam_authenticate(pamh, 0));
		T_EQ_RC(rc, row->want, "service %zu %s, token %d: return code",
		        i, row->service, (int)row->answer);
		snprintf(want, sizeof(want), "service=%s user=alice ",
		         row->service);
		T_EQ_INT(log_decisions(&last), 1, "service %zu %s: one line", i,
		         row->service);
		T_OK(strstr(last, want) != NULL &&
		         strstr(last, " rhost=192.0.2.7 ruser=alice@client") !=
		             NULL,
		     "service %zu %s: log line has service, rhost, ruser", i,
		     row->service);
		pam_end(pamh, rc);
	}
}

/* ---- the expiry warning of the account phase ------------------------- */

struct warn_row {
	const char *name;
	const char *acct_args;
	enum tok answer;
	int flags;
	int want_info; /* 1: the warning is shown */
};

static const struct warn_row warn_rows[] = {
    {.name = "expires in 3 days, default warn_days 7",
     .acct_args = "",
     .answer = TOK_SOON,
     .want_info = 1},
    {.name = "expires in 3 days, warn_days=3",
     .acct_args = "pam.warn_days=3",
     .answer = TOK_SOON,
     .want_info = 1},
    {.name = "PAM_SILENT",
     .acct_args = "",
     .answer = TOK_SOON,
     .flags = PAM_SILENT},
    {.name = "warn_days=2", .acct_args = "pam.warn_days=2", .answer = TOK_SOON},
    {.name = "warn_days=0 turns it off",
     .acct_args = "pam.warn_days=0",
     .answer = TOK_SOON},
    {.name = "never expires", .acct_args = "", .answer = TOK_ALICE},
};

static void test_expiry_warning(const struct fixture *fx)
{
	const struct warn_row *row;
	struct stack st;
	struct run run;
	char want[128];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(warn_rows) / sizeof(warn_rows[0]); i++) {
		row = &warn_rows[i];
		memset(&st, 0, sizeof(st));
		st.auth_args = "";
		st.acct_args = row->acct_args;
		if (run_start(&run, fx, &st, "alice", row->answer) != 0) {
			T_OK(0, "warn %zu %s: pam_start", i, row->name);
			continue;
		}
		rc = module_rc(pam_authenticate(run.pamh, 0));
		T_EQ_RC(rc, PAM_SUCCESS, "warn %zu %s: authenticate", i,
		        row->name);
		run.cs.n_info = 0;
		run.cs.info[0] = '\0';
		rc = module_rc(pam_acct_mgmt(run.pamh, row->flags));
		T_EQ_RC(rc, PAM_SUCCESS, "warn %zu %s: account", i, row->name);
		T_EQ_INT(run.cs.n_info, row->want_info,
		         "warn %zu %s: messages shown", i, row->name);
		snprintf(want, sizeof(want),
		         "Your API token %s expires in 3 days (",
		         fx->id[row->answer]);
		if (row->want_info &&
		    !T_OK(strncmp(run.cs.info, want, strlen(want)) == 0 &&
		              strstr(run.cs.info, " UTC); replace it with") !=
		                  NULL,
		          "warn %zu %s: the message", i, row->name))
			T_DIAG("message: %s", run.cs.info);
		pam_end(run.pamh, rc);
	}
}

int main(void)
{
	struct fixture fx;

	if (fixture_setup(&fx) != 0) {
		T_OK(0, "fixture");
		fixture_teardown(&fx);
		return t_done();
	}
	test_authenticate(&fx);
	test_unavailable(&fx);
	test_acct_mgmt(&fx);
	test_rhost(&fx);
	test_setcred(&fx);
	test_reauthenticate(&fx);
	test_services(&fx);
	test_expiry_warning(&fx);
	fixture_teardown(&fx);
	return t_done();
}
