/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_pg_conn.c - the PostgreSQL store's connection: libpq loaded, the
 * environment hidden from it, the conninfo rules, a connection made within
 * the budget, one statement run.  With store_pg.c, the only files that
 * include libpq's header.
 *
 * libpq is loaded with dlopen() the first time this backend is opened, not
 * linked: Debian's libpq pulls in some 20 libraries and costs about 20 ms
 * to load in a fresh process, and sshd and sudo load this module for every
 * login, most of them against the SQLite store.
 *
 * A connection is made at the first query, within [store] timeout for
 * connect plus query, with libpq's non-blocking connect and poll(); every
 * error drops it.
 *
 * libpq reads PG* environment variables (and HOME, for ~/.pgpass and
 * ~/.postgresql/) for every keyword the connection string leaves unset.
 * Under sudo they come from the user who is logging in, so every
 * security-relevant keyword is set here explicitly, and PG* and HOME are
 * hidden from libpq for the duration of each libpq call that reads them.
 */
#include "ac_config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_pg_int.h"
#include "util.h"
#ifndef ATOK_PQ_SONAME
#define ATOK_PQ_SONAME "libpq.so.5"
#endif

#define PG_WHAT        "PostgreSQL token store "
#define PG_ENV_MAX     64    /* PG* variables hidden around a libpq call */
#define PG_IDLE_MAX_MS 60000 /* a pooled connection idle longer is redone */

/* The libpq entry points we use, resolved once. */
struct atok_pq atok_pq;

#define SYM(f)                                                                 \
	{                                                                      \
		"PQ" #f, (void **)&atok_pq.f                                   \
	}
static const struct {
	const char *name;
	void **slot;
} pq_syms[] = {
    SYM(conninfoParse),
    SYM(conninfoFree),
    SYM(connectStartParams),
    SYM(connectPoll),
    SYM(status),
    SYM(socket),
    SYM(errorMessage),
    SYM(finish),
    SYM(sendQueryParams),
    SYM(consumeInput),
    SYM(isBusy),
    SYM(getResult),
    SYM(flush),
    SYM(setnonblocking),
    SYM(resultStatus),
    SYM(resultErrorField),
    SYM(resultErrorMessage),
    SYM(ntuples),
    SYM(nfields),
    SYM(getvalue),
    SYM(getisnull),
    SYM(clear),
    SYM(host),
    SYM(port),
    SYM(user),
    SYM(serverVersion),
    SYM(freemem),
    SYM(setNoticeProcessor),
    SYM(setErrorVerbosity),
    SYM(sendQuery),
    SYM(getCancel),
    SYM(cancel),
    SYM(freeCancel),
};
#undef SYM

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static int pq_ready; /* written once under pq_once */
static char pq_load_error[256];

static void pq_load(void)
{
	/* Never unloaded: libpq initialises OpenSSL for the process. */
	void *h = dlopen(ATOK_PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (h == NULL) {
		snprintf(pq_load_error, sizeof(pq_load_error), "%.200s",
		         dlerror());
		return;
	}
	for (i = 0; i < ATOK_ARRAY_SIZE(pq_syms); i++) {
		if ((*pq_syms[i].slot = dlsym(h, pq_syms[i].name)) == NULL) {
			snprintf(pq_load_error, sizeof(pq_load_error),
			         "%s has no %s", ATOK_PQ_SONAME,
			         pq_syms[i].name);
			memset(&atok_pq, 0, sizeof(atok_pq));
			dlclose(h);
			return;
		}
	}
	pq_ready = 1;
	/* cppcheck-suppress resourceLeak ; h stays loaded on purpose */
}

int atok_pg_load(struct atok_error *err)
{
	if (pthread_once(&pq_once, pq_load) != 0 || !pq_ready)
		return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                      "cannot load libpq for the PostgreSQL "
		                      "token store: %s",
		                      pq_load_error);
	return 0;
}

/*
 * The environment libpq must not see.  glibc's getenv() in other threads
 * may miss these variables for the few microseconds of a libpq call; that
 * is the price of never letting a logging-in user's PGHOSTADDR or
 * PGSSLMODE reach the connection.
 */
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

struct env_saved {
	char *entry[PG_ENV_MAX]; /* "NAME=VALUE" copies */
	size_t n;
};

static int env_hidden_name(const char *e)
{
	return strncmp(e, "PG", 2) == 0 || strncmp(e, "HOME=", 5) == 0;
}

/* Takes env_lock and removes PG* and HOME from the environment; fails
 * closed (and restores) if there are more than PG_ENV_MAX of them
 * (ATOK_ERR_CONFIG) or memory is short (ATOK_ERR_NOMEM). */
static int env_hide(struct env_saved *sv)
{
	char **e;
	size_t i;
	int r = ATOK_ERR_CONFIG;

	sv->n = 0;
	pthread_mutex_lock(&env_lock);
	for (e = environ; e != NULL && *e != NULL; e++) {
		if (!env_hidden_name(*e))
			continue;
		if (sv->n == PG_ENV_MAX || strchr(*e, '=') == NULL)
			goto fail;
		if ((sv->entry[sv->n] = strdup(*e)) == NULL) {
			r = ATOK_ERR_NOMEM;
			goto fail;
		}
		sv->n++;
	}
	for (i = 0; i < sv->n; i++) {
		char *eq = strchr(sv->entry[i], '=');

		*eq = '\0';
		unsetenv(sv->entry[i]);
		*eq = '=';
	}
	return 0;
fail:
	for (i = 0; i < sv->n; i++)
		atok_free_string(sv->entry[i]);
	sv->n = 0;
	pthread_mutex_unlock(&env_lock);
	return r;
}

static void env_restore(struct env_saved *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++) {
		char *eq = strchr(sv->entry[i], '=');

		*eq = '\0';
		(void)setenv(sv->entry[i], eq + 1, 1);
		*eq = '=';
		atok_free_string(sv->entry[i]);
	}
	sv->n = 0;
	pthread_mutex_unlock(&env_lock);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline: 1 ready, 0 timed
 * out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	long long left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static void no_notices(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* One line from libpq's possibly multi-line message. */
static void one_line(const char *in, char *out, size_t n)
{
	size_t i, j = 0;

	if (in == NULL)
		in = "";
	for (i = 0; in[i] != '\0' && j + 3 < n; i++) {
		/* libpq's verbose form: the server's source location, and
		 * libpq's indented hints, are noise here. */
		if ((i == 0 || in[i - 1] == '\n') &&
		    (strncmp(in + i, "LOCATION:", 9) == 0 || in[i] == '\t')) {
			i += strcspn(in + i, "\n");
			if (in[i] == '\0')
				break;
			continue;
		}
		if (in[i] == '\n') {
			if (in[i + 1] != '\0' && j > 0) {
				out[j++] = ';';
				out[j++] = ' ';
			}
			continue;
		}
		if ((unsigned char)in[i] < 0x20)
			out[j++] = ' ';
		else
			out[j++] = in[i];
	}
	while (j > 0 && (out[j - 1] == ' ' || out[j - 1] == ';'))
		j--;
	out[j] = '\0';
}

/* "host:port" of conn, or the configured hosts. */
void atok_pg_where(const struct pg_store *s, char *out, size_t n)
{
	const char *h = s->conn != NULL ? atok_pq.host(s->conn) : NULL;
	const char *p = s->conn != NULL ? atok_pq.port(s->conn) : NULL;

	if (h != NULL && *h != '\0')
		snprintf(out, n, "%.120s:%.12s", h, p != NULL ? p : "");
	else
		snprintf(out, n, "%.150s", s->hosts);
}

/*
 * Whether a SQLSTATE means the server cannot serve now: connection
 * exceptions (08), operator intervention (57P0x: shutdown, crash,
 * recovery), too many connections (53300), out of resources (53), a
 * statement timeout or cancel (57014).
 */
static int sqlstate_unavailable(const char *st)
{
	if (st == NULL || strlen(st) != 5)
		return 1; /* no answer from a server: a transport failure */
	return strncmp(st, "08", 2) == 0 || strncmp(st, "57P0", 4) == 0 ||
	       strncmp(st, "53", 2) == 0 || strcmp(st, "57014") == 0 ||
	       strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0;
}

static int sqlstate_code(const char *st)
{
	if (sqlstate_unavailable(st))
		return ATOK_ERR_UNAVAILABLE;
	if (strcmp(st, "42883") == 0 || strcmp(st, "3F000") == 0 ||
	    strcmp(st, "42P01") == 0)
		return ATOK_ERR_SCHEMA; /* no such function, schema, table */
	if (strcmp(st, "42501") == 0 || strncmp(st, "28", 2) == 0 ||
	    strcmp(st, "3D000") == 0)
		return ATOK_ERR_CONFIG; /* privilege, auth, no database */
	if (strcmp(st, "23505") == 0)
		return ATOK_ERR_EXISTS;
	return ATOK_ERR_STORE;
}

/*
 * The SQLSTATE of a failed connection, from libpq's verbose message
 * ("FATAL:  3D000: database ... does not exist"); NULL when the server
 * never answered (refused, timed out, TLS failed).
 */
static const char *connect_sqlstate(const char *msg, char st[6])
{
	const char *p;

	for (p = msg; p != NULL && (p = strstr(p, ":  ")) != NULL; p += 3) {
		if (strlen(p + 3) >= 6 && p[8] == ':' &&
		    strspn(p + 3, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") >=
		        5) {
			memcpy(st, p + 3, 5);
			st[5] = '\0';
			return st;
		}
	}
	return NULL;
}

/* Closes the connection.  In a child of the process that made it, the
 * socket is the parent's too: it is pointed at /dev/null first, so the
 * goodbye libpq sends never reaches (and ends) the parent's session. */
void atok_pg_drop(struct pg_store *s)
{
	int fd, devnull;

	if (s == NULL || s->conn == NULL)
		return;
	if (s->pid != getpid() && (fd = atok_pq.socket(s->conn)) >= 0 &&
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(devnull, fd);
		close(devnull);
	}
	atok_pq.finish(s->conn);
	s->conn = NULL;
	s->txn = 0; /* and the transaction with it */
}

/* Connects to the host(s) kw/val name now, within deadline. */
static int pg_connect_one(struct pg_store *s, long long deadline,
                          struct atok_error *err)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	struct env_saved sv;
	char msg[ATOK_ERROR_MSG_MAX / 2], at[160], state[6];
	const char *sqlstate;
	long long budget = deadline - now_ms();
	char *p;
	int fd, w, code, r;

	if ((r = env_hide(&sv)) != 0)
		return atok_error_set(err, r,
		                      r == ATOK_ERR_NOMEM
		                          ? "out of memory"
		                          : "more than %d PG* environment "
		                            "variables",
		                      PG_ENV_MAX);
	s->conn = atok_pq.connectStartParams(s->kw, s->val, 0);
	env_restore(&sv);
	s->pid = getpid();
	if (s->conn == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	atok_pq.setNoticeProcessor(s->conn, no_notices, NULL);
	atok_pq.setErrorVerbosity(s->conn, PQERRORS_VERBOSE);
	while (atok_pq.status(s->conn) != CONNECTION_BAD) {
		if (st == PGRES_POLLING_OK)
			break;
		if (st == PGRES_POLLING_FAILED)
			break;
		fd = atok_pq.socket(s->conn);
		w = fd < 0 ? -1
		           : wait_fd(fd,
		                     st == PGRES_POLLING_READING ? POLLIN
		                                                 : POLLOUT,
		                     deadline);
		if (w == 0) {
			atok_pg_where(s, at, sizeof(at));
			atok_pg_drop(s);
			return atok_error_set(
			    err, ATOK_ERR_UNAVAILABLE,
			    "PostgreSQL token store %s: no connection within "
			    "%lld ms",
			    at, budget);
		}
		if (w < 0)
			break;
		if (env_hide(&sv) != 0)
			break;
		st = atok_pq.connectPoll(s->conn);
		env_restore(&sv);
	}
	if (st == PGRES_POLLING_OK &&
	    atok_pq.status(s->conn) == CONNECTION_OK) {
		if (atok_pq.setnonblocking(s->conn, 1) != 0)
			goto fail;
		s->last_io_ms = now_ms();
		return 0;
	}
fail:
	atok_pg_where(s, at, sizeof(at));
	one_line(atok_pq.errorMessage(s->conn), msg, sizeof(msg));
	/* "connection to server at "h", port p failed: " says again what
	 * `at` says. */
	if (strncmp(msg, "connection to server ", 21) == 0 &&
	    (p = strstr(msg, " failed: ")) != NULL)
		memmove(msg, p + 9, strlen(p + 9) + 1);
	sqlstate = connect_sqlstate(msg, state);
	code = sqlstate_code(sqlstate);
	atok_pg_drop(s);
	return atok_error_set(err,
	                      code == ATOK_ERR_STORE ? ATOK_ERR_CONFIG : code,
	                      "PostgreSQL token store %s: %s", at, msg);
}

/*
 * Connects within deadline.  With several hosts, each is tried alone, in
 * order, within an equal share of what is left, so a black-holed first
 * host leaves time for the next; the error then names every host.  Any
 * host unavailable makes the whole UNAVAILABLE, else it is the hosts'
 * configuration error.
 */
static int pg_connect(struct pg_store *s, long long deadline,
                      struct atok_error *err)
{
	struct atok_error e1 = {0};
	char all[ATOK_ERROR_MSG_MAX];
	size_t i, used = 0;
	long long left;
	int r, code = ATOK_ERR_CONFIG;

	if (s->nhosts <= 1)
		return pg_connect_one(s, deadline, err);
	all[0] = '\0';
	for (i = 0; i < s->nhosts; i++) {
		if ((left = deadline - now_ms()) <= 0)
			break;
		s->val[s->at_kw[0]] = s->one[i][0];
		if (s->at_kw[1] >= 0)
			s->val[s->at_kw[1]] = s->one[s->nports == 1 ? 0 : i][1];
		if (s->at_kw[2] >= 0)
			s->val[s->at_kw[2]] = s->one[i][2];
		r = pg_connect_one(
		    s, now_ms() + left / (long long)(s->nhosts - i), &e1);
		if (r == 0 || r == ATOK_ERR_NOMEM)
			return r == 0 ? 0
			              : atok_error_set(err, r, "%s", e1.msg);
		if (r == ATOK_ERR_UNAVAILABLE)
			code = r;
		if (used < sizeof(all) - 1)
			used += (size_t)snprintf(
			    all + used, sizeof(all) - used, "%s%s",
			    used > 0 ? "; " : "",
			    e1.msg + (strncmp(e1.msg, PG_WHAT, strlen(PG_WHAT))
			                  ? 0
			                  : strlen(PG_WHAT)));
	}
	if (i < s->nhosts)
		code = ATOK_ERR_UNAVAILABLE; /* out of time */
	return atok_error_set(err, code, PG_WHAT "%s",
	                      all[0] != '\0' ? all : "no host tried");
}

/* Asks the server to end the running statement; 0 when it was asked. */
static int pg_cancel(struct pg_store *s)
{
	PGcancel *c = atok_pq.getCancel(s->conn);
	char buf[256];
	int ok;

	if (c == NULL)
		return -1;
	ok = atok_pq.cancel(c, buf, sizeof(buf));
	atok_pq.freeCancel(c);
	return ok ? 0 : -1;
}

/*
 * Runs one statement with text parameters and waits for its one result
 * within deadline.  *resp (NULL on error) is the caller's to PQclear.
 */
static int pg_run(struct pg_store *s, const char *sql, int n,
                  const char *const *params, long long deadline,
                  PGresult **resp, struct atok_error *err)
{
	PGresult *res = NULL, *extra;
	ExecStatusType rs;
	char msg[ATOK_ERROR_MSG_MAX / 2], at[160];
	const char *st;
	int f, code;

	*resp = NULL;
	/* Without parameters, the simple protocol: a migration is several
	 * statements in one string. */
	if (!(params == NULL ? atok_pq.sendQuery(s->conn, sql)
	                     : atok_pq.sendQueryParams(s->conn, sql, n, NULL,
	                                               params, NULL, NULL, 0)))
		goto conn_failed;
	while ((f = atok_pq.flush(s->conn)) == 1)
		if (wait_fd(atok_pq.socket(s->conn), POLLOUT, deadline) <= 0)
			goto timed_out;
	if (f < 0)
		goto conn_failed;
wait_result:
	while (atok_pq.isBusy(s->conn)) {
		if (wait_fd(atok_pq.socket(s->conn), POLLIN, deadline) <= 0)
			goto timed_out;
		if (!atok_pq.consumeInput(s->conn))
			goto conn_failed;
	}
	/* Drain every result (several for a multi-statement string); keep
	 * the first failure, else the last. */
	while ((extra = atok_pq.getResult(s->conn)) != NULL) {
		if (res != NULL &&
		    (atok_pq.resultStatus(res) == PGRES_TUPLES_OK ||
		     atok_pq.resultStatus(res) == PGRES_COMMAND_OK)) {
			atok_pq.clear(res);
			res = NULL;
		}
		if (res == NULL)
			res = extra;
		else
			atok_pq.clear(extra);
		if (atok_pq.isBusy(s->conn)) {
			if (wait_fd(atok_pq.socket(s->conn), POLLIN,
			            deadline) <= 0)
				goto timed_out;
			if (!atok_pq.consumeInput(s->conn))
				goto conn_failed;
		}
	}
	s->last_io_ms = now_ms();
	rs = res != NULL ? atok_pq.resultStatus(res) : PGRES_FATAL_ERROR;
	if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK) {
		*resp = res;
		return 0;
	}
	if (res == NULL)
		goto conn_failed;
	atok_pg_where(s, at, sizeof(at));
	st = atok_pq.resultErrorField(res, PG_DIAG_SQLSTATE);
	one_line(atok_pq.resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), msg,
	         sizeof(msg));
	code = sqlstate_code(st);
	code = atok_error_set(err, code, "PostgreSQL token store %s: %s (%s)",
	                      at, msg, st != NULL ? st : "no SQLSTATE");
	atok_pq.clear(res);
	atok_pg_drop(s); /* every error drops the connection */
	return code;
timed_out:
	/* A revoking COMMIT that waits past the budget is waiting for a
	 * synchronous standby: it is committed on the primary, and a cancel
	 * ends the wait (the server answered this transaction's statements
	 * a moment ago, so PQcancel's blocking connect meets a live server).
	 * The caller reports the confirmation as pending. */
	if (s->sync_commit && !s->sync_pending && pg_cancel(s) == 0) {
		s->sync_pending = 1;
		deadline = now_ms() + s->timeout_ms;
		goto wait_result;
	}
	/* Otherwise no PQcancel(): it blocks on a fresh connection to the
	 * same, unresponsive, server.  Closing ours is what the server sees;
	 * the role's statement_timeout bounds what it still does. */
	atok_pg_where(s, at, sizeof(at));
	atok_pg_drop(s);
	return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
	                      "PostgreSQL token store %s: no answer within "
	                      "%d ms",
	                      at, s->timeout_ms);
conn_failed:
	atok_pg_where(s, at, sizeof(at));
	one_line(atok_pq.errorMessage(s->conn), msg, sizeof(msg));
	atok_pq.clear(res);
	atok_pg_drop(s);
	return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
	                      "PostgreSQL token store %s: %s", at, msg);
}

/*
 * Runs sql on the store's connection, connecting first when there is none
 * (or it was made by another process, or idle too long).  The whole of it
 * fits in [store] timeout.  A reused connection that fails with a
 * transport error (the server closed an idle session) is redone once.
 */
int atok_pg_exec(struct pg_store *s, const char *sql, int n,
                 const char *const *params, PGresult **resp,
                 struct atok_error *err)
{
	long long start = now_ms(), deadline = start + s->timeout_ms;
	int reused, in_txn = s->txn, r;

	/* A statement of a transaction whose connection is gone must not
	 * run alone on a new one. */
	if (in_txn && s->conn == NULL)
		return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                      "PostgreSQL token store: the connection "
		                      "was lost inside a transaction");
	if (s->conn != NULL && !in_txn &&
	    (s->pid != getpid() || start - s->last_io_ms > PG_IDLE_MAX_MS))
		atok_pg_drop(s);
	reused = s->conn != NULL;
	if (!reused && (r = pg_connect(s, deadline, err)) != 0)
		return r;
	r = pg_run(s, sql, n, params, deadline, resp, err);
	if (r == ATOK_ERR_UNAVAILABLE && reused && !in_txn &&
	    now_ms() < deadline && pg_connect(s, deadline, err) == 0)
		r = pg_run(s, sql, n, params, deadline, resp, err);
	return r;
}

/* A passfile or client key: safe to trust and not world-readable. */
static int check_private(const char *path, const char *what,
                         struct atok_error *err)
{
	struct stat st;
	int r;

	if ((r = atok_check_path_safe(path, what, err)) != 0)
		return r == ATOK_ERR_NOT_FOUND ? ATOK_ERR_CONFIG : r;
	if (stat(path, &st) != 0 || (st.st_mode & S_IROTH))
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "%s %s is world-readable (mode %04o); "
		                      "chmod o-r it",
		                      what, path,
		                      (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Keywords a host configuration may not use, and why. */
static const struct {
	const char *kw;
	const char *why;
} refused[] = {
    {"password", "a password in the configuration file: use passfile= "
                 "(a private file) or a client certificate"},
    {"sslpassword", "a key passphrase in the configuration file: use an "
                    "unencrypted private key file"},
    {"service", "a service file is read from the environment: give the "
                "keywords themselves"},
    {"replication", "a replication connection cannot query tokens"},
};

static int set_kw(struct pg_store *s, size_t *n, const char *kw,
                  const char *val, struct atok_error *err)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(s->kw[i], kw) == 0) {
			s->val[i] = val;
			return 0;
		}
	if (*n >= PG_KEYWORDS_MAX)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "conninfo has too many keywords");
	s->kw[*n] = kw;
	s->val[*n] = val;
	(*n)++;
	return 0;
}

/* Whether the i-th entry of a comma-separated host list is TCP. */
static int any_tcp(const char *host, const char *hostaddr, size_t *nhosts)
{
	const char *p = host;
	size_t len;
	int tcp = hostaddr != NULL && *hostaddr != '\0';

	*nhosts = 0;
	while (p != NULL) {
		len = strcspn(p, ",");
		(*nhosts)++;
		if (len > 0 && p[0] != '/' && p[0] != '@')
			tcp = 1;
		p = p[len] == ',' ? p + len + 1 : NULL;
	}
	return tcp;
}

/* Splits list (NULL: none) at its commas into s->split[k] and
 * s->one[i][k]; returns the number of entries. */
static size_t split_list(struct pg_store *s, int k, const char *list)
{
	char *p;
	size_t n = 0;

	if (list == NULL)
		return 0;
	memcpy(s->split[k], list, strlen(list) + 1); /* fits: checked */
	for (p = s->split[k]; n < ATOK_PG_HOSTS_MAX; n++) {
		s->one[n][k] = p;
		if ((p = strchr(p, ',')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	return n;
}

/* The per-host lists: as many ports (or one) and hostaddrs as hosts. */
static int split_hosts(struct pg_store *s, const char *key, const char *host,
                       const char *port, const char *hostaddr,
                       struct atok_error *err)
{
	size_t nh = split_list(s, 0, host);
	size_t np = split_list(s, 1, port), na = split_list(s, 2, hostaddr);

	if ((port != NULL && np != 1 && np != nh) ||
	    (hostaddr != NULL && na != nh))
		return atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "[store] %s: port= and hostaddr= need one "
		    "entry per host (or, for port=, one for "
		    "all)",
		    key);
	s->nhosts = nh;
	s->nports = np;
	return 0;
}

/*
 * Parses conninfo with libpq's parser and checks it against this file's
 * rules; fills s->kw/s->val with it and the keywords set here.
 */
int atok_pg_validate(struct pg_store *s, const char *key, const char *conninfo,
                     int allow_insecure, struct atok_error *err)
{
	PQconninfoOption *o;
	const char *host = NULL, *hostaddr = NULL, *sslmode = NULL;
	const char *rootcert = NULL, *tsa = NULL, *user = NULL, *db = NULL;
	const char *port = NULL;
	char *perr = NULL, msg[200];
	size_t i, n = 0, nhosts = 0;
	int tcp, r;

	if (conninfo == NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] backend = postgresql needs %s",
		                      key);
	if (strlen(conninfo) > ATOK_PG_CONNINFO_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "[store] %s is longer than %d bytes", key,
		                      ATOK_PG_CONNINFO_MAX);
	if ((s->parsed = atok_pq.conninfoParse(conninfo, &perr)) == NULL) {
		one_line(perr != NULL ? perr : "out of memory", msg,
		         sizeof(msg));
		if (perr != NULL)
			atok_pq.freemem(perr);
		return atok_error_set(err, ATOK_ERR_CONFIG, "[store] %s: %s",
		                      key, msg);
	}
	for (o = s->parsed; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		for (i = 0; i < ATOK_ARRAY_SIZE(refused); i++)
			if (strcmp(o->keyword, refused[i].kw) == 0)
				return atok_error_set(
				    err, ATOK_ERR_CONFIG,
				    "[store] %s: %s= is not allowed: %s", key,
				    o->keyword, refused[i].why);
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			sslmode = o->val;
		else if (strcmp(o->keyword, "sslrootcert") == 0)
			rootcert = o->val;
		else if (strcmp(o->keyword, "target_session_attrs") == 0)
			tsa = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if ((strcmp(o->keyword, "passfile") == 0 ||
		          strcmp(o->keyword, "sslkey") == 0) &&
		         (r = check_private(o->val, o->keyword, err)) != 0)
			return r;
		if ((r = set_kw(s, &n, o->keyword, o->val, err)) != 0)
			return r;
	}
	if (host == NULL || *host == '\0' || user == NULL || db == NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] %s must name host=, dbname= and "
		                      "user= (nothing is taken from the "
		                      "environment)",
		                      key);
	tcp = any_tcp(host, hostaddr, &nhosts);
	if (nhosts > ATOK_PG_HOSTS_MAX)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] %s names more than %d hosts",
		                      key, ATOK_PG_HOSTS_MAX);
	if (tcp && !allow_insecure &&
	    (sslmode == NULL || strcmp(sslmode, "verify-full") != 0 ||
	     rootcert == NULL || *rootcert == '\0'))
		return atok_error_set(
		    err, ATOK_ERR_CONFIG,
		    "[store] %s: a TCP host needs sslmode=verify-full and "
		    "sslrootcert= (allow_insecure_transport = yes is for "
		    "tests only)",
		    key);
	if (tsa != NULL && strcmp(tsa, "read-write") != 0 &&
	    strcmp(tsa, "primary") != 0)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "[store] %s: target_session_attrs=%s may "
		                      "reach a standby that serves revoked "
		                      "tokens: use read-write",
		                      key, tsa);
	snprintf(s->hosts, sizeof(s->hosts), "%.200s", host);
	if ((r = split_hosts(s, key, host, port, hostaddr, err)) != 0)
		return r;
	/* Everything security-relevant explicit, never from the
	 * environment. */
	if ((sslmode == NULL &&
	     (r = set_kw(s, &n, "sslmode", tcp ? "verify-full" : "disable",
	                 err)) != 0) ||
	    (tsa == NULL && (r = set_kw(s, &n, "target_session_attrs",
	                                "read-write", err)) != 0))
		return r;
	for (o = s->parsed; o->keyword != NULL; o++) {
		if (o->val != NULL)
			continue;
		if (strcmp(o->keyword, "gssencmode") == 0)
			r = set_kw(s, &n, "gssencmode", "disable", err);
		else if (strcmp(o->keyword, "application_name") == 0)
			r = set_kw(s, &n, "application_name", s->appname, err);
		else if (strcmp(o->keyword, "sslsni") == 0)
			r = set_kw(s, &n, "sslsni", "1", err);
		else if (strcmp(o->keyword, "ssl_min_protocol_version") == 0)
			r = set_kw(s, &n, o->keyword, "TLSv1.2", err);
		else if (strcmp(o->keyword, "channel_binding") == 0)
			r = set_kw(s, &n, o->keyword, "prefer", err);
		else
			r = 0;
		if (r != 0)
			return r;
	}
	s->kw[n] = NULL;
	s->val[n] = NULL;
	s->at_kw[0] = s->at_kw[1] = s->at_kw[2] = -1;
	for (i = 0; i < n; i++) {
		if (strcmp(s->kw[i], "host") == 0)
			s->at_kw[0] = (int)i;
		else if (strcmp(s->kw[i], "port") == 0)
			s->at_kw[1] = (int)i;
		else if (strcmp(s->kw[i], "hostaddr") == 0)
			s->at_kw[2] = (int)i;
	}
	return 0;
}

/*
 * The front end this core is linked into, for application_name: the
 * object holding this code is pam_apitoken.so (pam), the SASL plugin
 * libapitoken.so (sasl), or a program (cli: apitoken, tests).
 */
const char *atok_pg_front_end(void)
{
	Dl_info at;
	const char *base;

	if (dladdr((void *)atok_pg_front_end, &at) == 0 || at.dli_fname == NULL)
		return "cli";
	base = strrchr(at.dli_fname, '/');
	base = base != NULL ? base + 1 : at.dli_fname;
	if (strncmp(base, "pam_apitoken", 12) == 0)
		return "pam";
	if (strncmp(base, "libapitoken", 11) == 0)
		return "sasl";
	return "cli";
}
