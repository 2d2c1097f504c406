/*
 * store_pg.c - the PostgreSQL token store: the only file that includes
 * libpq's header.
 *
 * libpq is loaded with dlopen() the first time this backend is opened, not
 * linked: Debian's libpq pulls in some 20 libraries and costs about 20 ms
 * to load in a fresh process, and sshd and sudo load this module for every
 * login, most of them against the SQLite store.
 *
 * A verification is one round trip on an open connection: SELECT
 * apitoken.lookup_token($1), a SECURITY DEFINER function that returns the
 * schema version with the row, so no extra query checks the version.  A
 * connection is made at the first query, within [store] timeout for
 * connect plus query, with libpq's non-blocking connect and poll(); every
 * error drops it.  No row is ever cached.
 *
 * libpq reads PG* environment variables (and HOME, for ~/.pgpass and
 * ~/.postgresql/) for every keyword the connection string leaves unset.
 * Under sudo they come from the user who is logging in, so every
 * security-relevant keyword is set here explicitly, and PG* and HOME are
 * hidden from libpq for the duration of each libpq call that reads them.
 */
#include "ac_config.h"

#include <ctype.h>
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

#include <libpq-fe.h>

#include "config.h"
#include "store_pg.h"
#include "util.h"

#ifndef ATOK_PQ_SONAME
#define ATOK_PQ_SONAME "libpq.so.5"
#endif

#define PG_WHAT         "PostgreSQL token store "
#define PG_KEYWORDS_MAX 80    /* keywords one connection is given */
#define PG_ENV_MAX      64    /* PG* variables hidden around a libpq call */
#define PG_IDLE_MAX_MS  60000 /* a pooled connection idle longer is redone */

/* The libpq entry points we use, resolved once. */
static struct {
	PQconninfoOption *(*conninfoParse)(const char *, char **);
	void (*conninfoFree)(PQconninfoOption *);
	PGconn *(*connectStartParams)(const char *const *, const char *const *,
	                              int);
	PostgresPollingStatusType (*connectPoll)(PGconn *);
	ConnStatusType (*status)(const PGconn *);
	int (*socket)(const PGconn *);
	char *(*errorMessage)(const PGconn *);
	void (*finish)(PGconn *);
	int (*sendQuery)(PGconn *, const char *);
	int (*sendQueryParams)(PGconn *, const char *, int, const Oid *,
	                       const char *const *, const int *, const int *,
	                       int);
	int (*consumeInput)(PGconn *);
	int (*isBusy)(PGconn *);
	PGresult *(*getResult)(PGconn *);
	int (*flush)(PGconn *);
	int (*setnonblocking)(PGconn *, int);
	ExecStatusType (*resultStatus)(const PGresult *);
	char *(*resultErrorField)(const PGresult *, int);
	char *(*resultErrorMessage)(const PGresult *);
	int (*ntuples)(const PGresult *);
	int (*nfields)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	void (*clear)(PGresult *);
	char *(*host)(const PGconn *);
	char *(*port)(const PGconn *);
	char *(*user)(const PGconn *);
	int (*serverVersion)(const PGconn *);
	void (*freemem)(void *);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor,
	                                        void *);
	PGVerbosity (*setErrorVerbosity)(PGconn *, PGVerbosity);
	PGcancel *(*getCancel)(PGconn *);
	int (*cancel)(PGcancel *, char *, int);
	void (*freeCancel)(PGcancel *);
} pq;

#define SYM(f)                                                                 \
	{                                                                      \
		"PQ" #f, (void **)&pq.f                                        \
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
			memset(&pq, 0, sizeof(pq));
			dlclose(h);
			return;
		}
	}
	pq_ready = 1;
	/* cppcheck-suppress resourceLeak ; h stays loaded on purpose */
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

struct pg_store {
	const struct atok_store_ops *ops; /* first: see store.c */
	enum atok_store_mode mode;
	PQconninfoOption *parsed; /* owns the strings kw/val point into */
	const char *kw[PG_KEYWORDS_MAX + 1];
	const char *val[PG_KEYWORDS_MAX + 1];
	char appname[64];
	char hosts[256]; /* the configured hosts, for messages */
	/* Several hosts are tried here one by one, each within its share of
	 * the budget (libpq would give a black-holed first host all of it):
	 * the host, port and hostaddr lists, split at the commas, and where
	 * kw/val hold them. */
	char split[3][ATOK_PG_CONNINFO_MAX + 1];
	const char *one[ATOK_PG_HOSTS_MAX][3];
	size_t nhosts, nports;
	int at_kw[3]; /* index in kw of host, port, hostaddr; -1: absent */
	PGconn *conn;
	pid_t pid;            /* the process that made conn */
	long long last_io_ms; /* monotonic time conn was last used */
	int timeout_ms;
	long long touch_interval;
	int txn;          /* inside BEGIN: never reconnect silently */
	int sync_commit;  /* the running statement is a revoking COMMIT */
	int sync_pending; /* a synchronous standby had not confirmed it */
};

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
static void where(const struct pg_store *s, char *out, size_t n)
{
	const char *h = s->conn != NULL ? pq.host(s->conn) : NULL;
	const char *p = s->conn != NULL ? pq.port(s->conn) : NULL;

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
static void pg_drop(struct pg_store *s)
{
	int fd, devnull;

	if (s == NULL || s->conn == NULL)
		return;
	if (s->pid != getpid() && (fd = pq.socket(s->conn)) >= 0 &&
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(devnull, fd);
		close(devnull);
	}
	pq.finish(s->conn);
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
	s->conn = pq.connectStartParams(s->kw, s->val, 0);
	env_restore(&sv);
	s->pid = getpid();
	if (s->conn == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	pq.setNoticeProcessor(s->conn, no_notices, NULL);
	pq.setErrorVerbosity(s->conn, PQERRORS_VERBOSE);
	while (pq.status(s->conn) != CONNECTION_BAD) {
		if (st == PGRES_POLLING_OK)
			break;
		if (st == PGRES_POLLING_FAILED)
			break;
		fd = pq.socket(s->conn);
		w = fd < 0 ? -1
		           : wait_fd(fd,
		                     st == PGRES_POLLING_READING ? POLLIN
		                                                 : POLLOUT,
		                     deadline);
		if (w == 0) {
			where(s, at, sizeof(at));
			pg_drop(s);
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
		st = pq.connectPoll(s->conn);
		env_restore(&sv);
	}
	if (st == PGRES_POLLING_OK && pq.status(s->conn) == CONNECTION_OK) {
		if (pq.setnonblocking(s->conn, 1) != 0)
			goto fail;
		s->last_io_ms = now_ms();
		return 0;
	}
fail:
	where(s, at, sizeof(at));
	one_line(pq.errorMessage(s->conn), msg, sizeof(msg));
	/* "connection to server at "h", port p failed: " says again what
	 * `at` says. */
	if (strncmp(msg, "connection to server ", 21) == 0 &&
	    (p = strstr(msg, " failed: ")) != NULL)
		memmove(msg, p + 9, strlen(p + 9) + 1);
	sqlstate = connect_sqlstate(msg, state);
	code = sqlstate_code(sqlstate);
	pg_drop(s);
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
	PGcancel *c = pq.getCancel(s->conn);
	char buf[256];
	int ok;

	if (c == NULL)
		return -1;
	ok = pq.cancel(c, buf, sizeof(buf));
	pq.freeCancel(c);
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
	if (!(params == NULL ? pq.sendQuery(s->conn, sql)
	                     : pq.sendQueryParams(s->conn, sql, n, NULL, params,
	                                          NULL, NULL, 0)))
		goto conn_failed;
	while ((f = pq.flush(s->conn)) == 1)
		if (wait_fd(pq.socket(s->conn), POLLOUT, deadline) <= 0)
			goto timed_out;
	if (f < 0)
		goto conn_failed;
wait_result:
	while (pq.isBusy(s->conn)) {
		if (wait_fd(pq.socket(s->conn), POLLIN, deadline) <= 0)
			goto timed_out;
		if (!pq.consumeInput(s->conn))
			goto conn_failed;
	}
	/* Drain every result (several for a multi-statement string); keep
	 * the first failure, else the last. */
	while ((extra = pq.getResult(s->conn)) != NULL) {
		if (res != NULL && (pq.resultStatus(res) == PGRES_TUPLES_OK ||
		                    pq.resultStatus(res) == PGRES_COMMAND_OK)) {
			pq.clear(res);
			res = NULL;
		}
		if (res == NULL)
			res = extra;
		else
			pq.clear(extra);
		if (pq.isBusy(s->conn)) {
			if (wait_fd(pq.socket(s->conn), POLLIN, deadline) <= 0)
				goto timed_out;
			if (!pq.consumeInput(s->conn))
				goto conn_failed;
		}
	}
	s->last_io_ms = now_ms();
	rs = res != NULL ? pq.resultStatus(res) : PGRES_FATAL_ERROR;
	if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK) {
		*resp = res;
		return 0;
	}
	if (res == NULL)
		goto conn_failed;
	where(s, at, sizeof(at));
	st = pq.resultErrorField(res, PG_DIAG_SQLSTATE);
	one_line(pq.resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), msg,
	         sizeof(msg));
	code = sqlstate_code(st);
	code = atok_error_set(err, code, "PostgreSQL token store %s: %s (%s)",
	                      at, msg, st != NULL ? st : "no SQLSTATE");
	pq.clear(res);
	pg_drop(s); /* every error drops the connection */
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
	where(s, at, sizeof(at));
	pg_drop(s);
	return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
	                      "PostgreSQL token store %s: no answer within "
	                      "%d ms",
	                      at, s->timeout_ms);
conn_failed:
	where(s, at, sizeof(at));
	one_line(pq.errorMessage(s->conn), msg, sizeof(msg));
	pq.clear(res);
	pg_drop(s);
	return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
	                      "PostgreSQL token store %s: %s", at, msg);
}

/*
 * Runs sql on the store's connection, connecting first when there is none
 * (or it was made by another process, or idle too long).  The whole of it
 * fits in [store] timeout.  A reused connection that fails with a
 * transport error (the server closed an idle session) is redone once.
 */
static int pg_exec(struct pg_store *s, const char *sql, int n,
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
		pg_drop(s);
	reused = s->conn != NULL;
	if (!reused && (r = pg_connect(s, deadline, err)) != 0)
		return r;
	r = pg_run(s, sql, n, params, deadline, resp, err);
	if (r == ATOK_ERR_UNAVAILABLE && reused && !in_txn &&
	    now_ms() < deadline && pg_connect(s, deadline, err) == 0)
		r = pg_run(s, sql, n, params, deadline, resp, err);
	return r;
}

/* Parses a bigint column. */
static int get_i64(const PGresult *res, int row, int col, int64_t *out)
{
	const char *v = pq.getvalue(res, row, col);
	char *end = NULL;
	long long n;

	if (pq.getisnull(res, row, col) || v == NULL || *v == '\0')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)n;
	return 0;
}

static int get_text(const PGresult *res, int row, int col, char *dst,
                    size_t dstsz)
{
	const char *v = pq.getvalue(res, row, col);

	if (pq.getisnull(res, row, col) || v == NULL)
		return -1;
	return atok_strlcpy(dst, v, strlen(v), dstsz);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Columns: schema_version, id, user, name, scopes, hex(hash), created,
 * expires, revoked, last_used, rotated_from, allowed_from, last_used_from,
 * rotated_to. */
#define PG_COLUMNS 14
static int row_to_record(const PGresult *res, int row,
                         struct atok_token_record *rec, struct atok_error *err)
{
	const char *h;
	int i, hi, lo;

	memset(rec, 0, sizeof(*rec));
	if (get_text(res, row, 1, rec->id, sizeof(rec->id)) ||
	    get_text(res, row, 2, rec->user, sizeof(rec->user)) ||
	    get_text(res, row, 3, rec->name, sizeof(rec->name)) ||
	    get_text(res, row, 4, rec->scopes, sizeof(rec->scopes)) ||
	    get_text(res, row, 10, rec->rotated_from,
	             sizeof(rec->rotated_from)) ||
	    get_text(res, row, 11, rec->allowed_from,
	             sizeof(rec->allowed_from)) ||
	    get_text(res, row, 12, rec->last_used_from,
	             sizeof(rec->last_used_from)) ||
	    get_text(res, row, 13, rec->rotated_to, sizeof(rec->rotated_to)) ||
	    get_i64(res, row, 6, &rec->created) ||
	    get_i64(res, row, 7, &rec->expires) ||
	    get_i64(res, row, 8, &rec->revoked) ||
	    get_i64(res, row, 9, &rec->last_used))
		return atok_error_set(err, ATOK_ERR_STORE,
		                      "PostgreSQL token store: bad row");
	h = pq.getvalue(res, row, 5);
	if (pq.getisnull(res, row, 5) || strlen(h) != 2 * ATOK_HASH_LEN)
		return atok_error_set(err, ATOK_ERR_STORE,
		                      "PostgreSQL token store: bad hash for %s",
		                      rec->id);
	for (i = 0; i < ATOK_HASH_LEN; i++) {
		if ((hi = hexval(h[2 * i])) < 0 ||
		    (lo = hexval(h[2 * i + 1])) < 0)
			return atok_error_set(err, ATOK_ERR_STORE,
			                      "PostgreSQL token store: bad "
			                      "hash for %s",
			                      rec->id);
		rec->hash[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int check_version(struct pg_store *s, const PGresult *res,
                         struct atok_error *err)
{
	int64_t v = 0;
	char at[160];

	if (pq.ntuples(res) != 1 || pq.nfields(res) != PG_COLUMNS ||
	    get_i64(res, 0, 0, &v) != 0)
		return atok_error_set(err, ATOK_ERR_SCHEMA,
		                      "PostgreSQL token store: "
		                      "lookup_token() answers in an unknown "
		                      "shape");
	if (v != atok_pg_schema_version()) {
		where(s, at, sizeof(at));
		return atok_error_set(
		    err, ATOK_ERR_SCHEMA,
		    "PostgreSQL token store %s has schema version %lld, this "
		    "apitoken needs %d: run `apitoken store migrate`",
		    at, (long long)v, atok_pg_schema_version());
	}
	return 0;
}

static int schema_error(struct atok_error *err)
{
	if (err != NULL && err->code == ATOK_ERR_SCHEMA)
		return atok_error_set(err, ATOK_ERR_SCHEMA,
		                      "%.300s: the database has no apitoken "
		                      "schema (version 0), this apitoken "
		                      "needs %d: run `apitoken store migrate`",
		                      err->msg, atok_pg_schema_version());
	return err != NULL ? err->code : ATOK_ERR_STORE;
}

static int pg_lookup(struct atok_store *base, const char *id,
                     struct atok_token_record *rec, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const char *params[1] = {id};
	PGresult *res = NULL;
	int r;

	if ((r = pg_exec(s, "SELECT * FROM apitoken.lookup_token($1)", 1,
	                 params, &res, err)) != 0)
		return r == ATOK_ERR_SCHEMA ? schema_error(err) : r;
	if ((r = check_version(s, res, err)) != 0)
		goto out;
	if (pq.getisnull(res, 0, 1)) {
		r = atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s", id);
		goto out;
	}
	r = row_to_record(res, 0, rec, err);
out:
	pq.clear(res);
	return r;
}

static void fmt_i64(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
}

static int insert_row(struct pg_store *s, const struct atok_token_record *rec,
                      struct atok_error *err)
{
	char hash[2 * ATOK_HASH_LEN + 1], c[24], e[24], rv[24], lu[24];
	const char *params[13] = {rec->id,
	                          rec->user,
	                          rec->name,
	                          rec->scopes,
	                          hash,
	                          c,
	                          e,
	                          rv,
	                          lu,
	                          rec->rotated_from,
	                          rec->allowed_from,
	                          rec->last_used_from,
	                          rec->rotated_to};
	PGresult *res = NULL;
	int r;

	atok_hex(rec->hash, ATOK_HASH_LEN, hash);
	fmt_i64(c, sizeof(c), rec->created);
	fmt_i64(e, sizeof(e), rec->expires);
	fmt_i64(rv, sizeof(rv), rec->revoked);
	fmt_i64(lu, sizeof(lu), rec->last_used);
	r = pg_exec(s,
	            "INSERT INTO apitoken.tokens (id, user_name, name, scopes, "
	            "hash, created, expires, revoked, last_used, rotated_from, "
	            "allowed_from, last_used_from, rotated_to) "
	            "VALUES ($1, $2, $3, $4, decode($5, 'hex'), $6, $7, $8, "
	            "$9, $10, $11, $12, $13)",
	            13, params, &res, err);
	pq.clear(res);
	if (r == ATOK_ERR_EXISTS)
		return atok_error_set(err, ATOK_ERR_EXISTS,
		                      "token id %s already exists", rec->id);
	return r;
}

static int pg_insert(struct atok_store *base,
                     const struct atok_token_record *rec,
                     struct atok_error *err)
{
	return insert_row((struct pg_store *)base, rec, err);
}

static int pg_list(struct atok_store *base, const char *user,
                   atok_store_list_cb cb, void *arg, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct atok_token_record rec;
	const char *params[1] = {user};
	PGresult *res = NULL;
	int i, n, r;

	r = pg_exec(s,
	            "SELECT 1, id, user_name, name, scopes, encode(hash, "
	            "'hex'), created, expires, revoked, last_used, "
	            "rotated_from, allowed_from, last_used_from, rotated_to "
	            "FROM apitoken.tokens WHERE $1::text IS NULL "
	            "OR user_name = $1 ORDER BY created, id",
	            1, params, &res, err);
	if (r != 0)
		return r;
	n = pq.ntuples(res);
	for (i = 0; i < n; i++) {
		if ((r = row_to_record(res, i, &rec, err)) != 0 ||
		    (r = cb(arg, &rec)) != 0)
			break;
	}
	pq.clear(res);
	return r;
}

/* Simple statements of a transaction, no parameters. */
static int pg_simple(struct pg_store *s, const char *sql,
                     struct atok_error *err)
{
	PGresult *res = NULL;
	int r = pg_exec(s, sql, 0, NULL, &res, err);

	pq.clear(res);
	return r;
}

static void pg_rollback(struct pg_store *s)
{
	struct atok_error ignored;

	/* A failed statement already dropped the connection (and with it
	 * the transaction); otherwise roll back, or drop on failure. */
	if (s->conn != NULL && pg_simple(s, "ROLLBACK", &ignored) != 0)
		pg_drop(s);
	s->txn = 0;
}

/*
 * BEGIN, with the commit waiting for a synchronous standby to apply it
 * when the operator runs one (remote_apply is local commit without one).
 */
static int pg_begin(struct pg_store *s, struct atok_error *err)
{
	int r;

	if ((r = pg_simple(s, "BEGIN", err)) != 0)
		return r;
	s->txn = 1;
	if ((r = pg_simple(s, "SET LOCAL synchronous_commit = remote_apply",
	                   err)) != 0)
		pg_rollback(s);
	return r;
}

/* COMMIT of a revocation: waits for a synchronous standby within the
 * budget, then stops waiting and says so (sync_pending). */
static int pg_commit_revocation(struct pg_store *s, struct atok_error *err)
{
	int r;

	s->sync_commit = 1;
	r = pg_simple(s, "COMMIT", err);
	s->sync_commit = 0;
	if (r == 0)
		s->txn = 0;
	return r;
}

static int revoke_row(struct pg_store *s, const char *id, int64_t now,
                      struct atok_error *err)
{
	char when[24];
	const char *params[2] = {id, when};
	PGresult *res = NULL;
	const char *v;
	int r;

	fmt_i64(when, sizeof(when), now);
	r = pg_exec(s,
	            "WITH u AS (UPDATE apitoken.tokens SET revoked = $2 "
	            "WHERE id = $1 AND revoked = 0 RETURNING 1) "
	            "SELECT EXISTS (SELECT 1 FROM apitoken.tokens WHERE id = "
	            "$1), (SELECT count(*) FROM u)",
	            2, params, &res, err);
	if (r != 0)
		return r;
	v = pq.ntuples(res) == 1 ? pq.getvalue(res, 0, 0) : NULL;
	r = v != NULL && strcmp(v, "t") == 0
	        ? 0
	        : atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s", id);
	pq.clear(res);
	return r;
}

static int pg_revoke(struct atok_store *base, const char *id, int64_t now,
                     struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	int r;

	if ((r = pg_begin(s, err)) != 0)
		return r;
	if ((r = revoke_row(s, id, now, err)) != 0 ||
	    (r = pg_commit_revocation(s, err)) != 0)
		pg_rollback(s);
	return r;
}

/* Marks old_id rotated to new_id inside the transaction: revoked at now
 * when until is 0, else expiring at until (never later than it was). */
static int rotate_row(struct pg_store *s, const char *old_id,
                      const char *new_id, int64_t now, int64_t until,
                      struct atok_error *err)
{
	char when[24];
	const char *params[3] = {old_id, new_id, when};
	PGresult *res = NULL;
	int r;

	fmt_i64(when, sizeof(when), until == 0 ? now : until);
	r = pg_exec(s,
	            until == 0
	                ? "UPDATE apitoken.tokens SET rotated_to = $2, "
	                  "revoked = $3 WHERE id = $1"
	                : "UPDATE apitoken.tokens SET rotated_to = $2, "
	                  "expires = CASE WHEN expires = 0 OR expires > $3 "
	                  "THEN $3::bigint ELSE expires END WHERE id = $1",
	            3, params, &res, err);
	pq.clear(res);
	return r;
}

static int pg_replace(struct atok_store *base, const char *old_id,
                      const struct atok_token_record *new_rec, int64_t now,
                      int64_t until, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const char *params[1] = {old_id};
	PGresult *res = NULL;
	int64_t revoked = 0;
	int r;

	if ((r = pg_begin(s, err)) != 0)
		return r;
	if ((r = pg_exec(s,
	                 "SELECT revoked, rotated_to FROM apitoken.tokens "
	                 "WHERE id = $1 FOR UPDATE",
	                 1, params, &res, err)) != 0)
		goto fail;
	if (pq.ntuples(res) != 1) {
		r = atok_error_set(err, ATOK_ERR_NOT_FOUND, "no token %s",
		                   old_id);
		goto fail;
	}
	if (get_i64(res, 0, 0, &revoked) != 0 || revoked != 0) {
		r = atok_error_set(err, ATOK_ERR_INVALID,
		                   "token %s is revoked; issue a new one",
		                   old_id);
		goto fail;
	}
	if (!pq.getisnull(res, 0, 1) && pq.getvalue(res, 0, 1)[0] != '\0') {
		r = atok_error_set(err, ATOK_ERR_INVALID,
		                   "token %s was already rotated to %.64s; "
		                   "rotate that one",
		                   old_id, pq.getvalue(res, 0, 1));
		goto fail;
	}
	if ((r = insert_row(s, new_rec, err)) != 0 ||
	    (r = rotate_row(s, old_id, new_rec->id, now, until, err)) != 0 ||
	    (r = pg_commit_revocation(s, err)) != 0)
		goto fail;
	pq.clear(res);
	return 0;
fail:
	pq.clear(res);
	pg_rollback(s);
	return r;
}

static int pg_touch(struct atok_store *base, const char *id, int64_t now,
                    const char *from, struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	char interval[24];
	const char *params[3] = {id, interval, from != NULL ? from : ""};
	PGresult *res = NULL;
	int r;

	(void)now; /* the server's clock decides */
	fmt_i64(interval, sizeof(interval), s->touch_interval);
	r = pg_exec(s, "SELECT apitoken.record_use($1, $2, $3)", 3, params,
	            &res, err);
	pq.clear(res);
	return r;
}

static int pg_writable(const struct atok_store *base)
{
	(void)base;
	return 1;
}

static int pg_info(struct atok_store *base, int *version, long long *n,
                   struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const char *params[1] = {""};
	PGresult *res = NULL;
	int64_t v = 0, count = -1;
	int r;

	if (s->mode == ATOK_STORE_ADMIN) {
		r = pg_exec(s,
		            "SELECT (SELECT version FROM apitoken.meta), "
		            "count(*) FROM apitoken.tokens",
		            0, NULL, &res, err);
		if (r == 0 &&
		    (get_i64(res, 0, 0, &v) || get_i64(res, 0, 1, &count)))
			r = atok_error_set(err, ATOK_ERR_STORE,
			                   "PostgreSQL token store: bad row");
	} else {
		/* The verifier may not count: the version comes with a
		 * lookup of no token. */
		r = pg_exec(s, "SELECT * FROM apitoken.lookup_token($1)", 1,
		            params, &res, err);
		if (r == 0 && check_version(s, res, err) != 0)
			r = err->code;
		v = atok_pg_schema_version();
	}
	pq.clear(res);
	if (r != 0)
		return r == ATOK_ERR_SCHEMA ? schema_error(err) : r;
	*version = (int)v;
	*n = count;
	return 0;
}

static void pg_close(struct atok_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	if (s == NULL)
		return;
	pg_drop(s);
	if (s->parsed != NULL)
		pq.conninfoFree(s->parsed);
	free(s);
}

static const struct atok_store_ops pg_ops = {
    .name = "postgresql",
    .lookup = pg_lookup,
    .insert = pg_insert,
    .list = pg_list,
    .revoke = pg_revoke,
    .replace = pg_replace,
    .touch = pg_touch,
    .info = pg_info,
    .writable = pg_writable,
    .close = pg_close,
};

int atok_store_pg_sync_pending(const struct atok_store *base, char *where_,
                               size_t n)
{
	const struct pg_store *s = (const struct pg_store *)base;

	if (!atok_store_is_pg(base) || !s->sync_pending)
		return 0;
	snprintf(where_, n, "%s", s->hosts);
	return s->timeout_ms / 1000;
}

int atok_store_is_pg(const struct atok_store *s)
{
	return s != NULL && *(const struct atok_store_ops *const *)s == &pg_ops;
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
static int validate(struct pg_store *s, const char *key, const char *conninfo,
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
	if ((s->parsed = pq.conninfoParse(conninfo, &perr)) == NULL) {
		one_line(perr != NULL ? perr : "out of memory", msg,
		         sizeof(msg));
		if (perr != NULL)
			pq.freemem(perr);
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
static const char *front_end(void)
{
	Dl_info at;
	const char *base;

	if (dladdr((void *)front_end, &at) == 0 || at.dli_fname == NULL)
		return "cli";
	base = strrchr(at.dli_fname, '/');
	base = base != NULL ? base + 1 : at.dli_fname;
	if (strncmp(base, "pam_apitoken", 12) == 0)
		return "pam";
	if (strncmp(base, "libapitoken", 11) == 0)
		return "sasl";
	return "cli";
}

static int pg_new(const struct atok_config *cfg, enum atok_store_mode mode,
                  const char *key, struct pg_store **sp, struct atok_error *err)
{
	struct pg_store *s = NULL;
	const char *conninfo = atok_config_str(cfg, "store", key);
	int r;

	*sp = NULL;
	if (pthread_once(&pq_once, pq_load) != 0 || !pq_ready)
		return atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                      "cannot load libpq for the PostgreSQL "
		                      "token store: %s",
		                      pq_load_error);
	if (conninfo == NULL && strcmp(key, "conninfo") != 0)
		conninfo = atok_config_str(cfg, "store", "conninfo");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	s->ops = &pg_ops;
	s->mode = mode;
	s->timeout_ms = (int)atok_config_int(cfg, "store", "timeout") * 1000;
	s->touch_interval = atok_config_int(cfg, "store", "last_used_interval");
	snprintf(s->appname, sizeof(s->appname), "apitoken-%s-%.40s",
	         front_end(), program_invocation_short_name);
	if ((r = validate(
	         s, key, conninfo,
	         atok_config_bool(cfg, "store", "allow_insecure_transport"),
	         err)) != 0) {
		pg_close((struct atok_store *)s);
		return r;
	}
	*sp = s;
	return 0;
}

int atok_store_pg_open(const struct atok_config *cfg, enum atok_store_mode mode,
                       struct atok_store **sp, struct atok_error *err)
{
	struct pg_store *s = NULL;
	PGresult *res = NULL;
	int64_t v = 0;
	int r;

	*sp = NULL;
	if ((r = pg_new(cfg, mode,
	                mode == ATOK_STORE_ADMIN ? "admin_conninfo"
	                                         : "conninfo",
	                &s, err)) != 0)
		return r;
	/* An admin open checks the schema now (it never runs DDL: that is
	 * `apitoken store migrate`); a verify open connects at the first
	 * lookup, which checks it with every row. */
	if (mode == ATOK_STORE_ADMIN) {
		r = pg_exec(s, "SELECT version FROM apitoken.meta", 0, NULL,
		            &res, err);
		if (r == ATOK_ERR_SCHEMA)
			r = schema_error(err);
		else if (r == 0 &&
		         (pq.ntuples(res) != 1 || get_i64(res, 0, 0, &v) != 0))
			r = atok_error_set(err, ATOK_ERR_SCHEMA,
			                   "PostgreSQL token store: no schema "
			                   "version in apitoken.meta");
		else if (r == 0 && v != atok_pg_schema_version())
			r = atok_error_set(
			    err, ATOK_ERR_SCHEMA,
			    "PostgreSQL token store has schema version %lld, "
			    "this apitoken needs %d: run `apitoken store "
			    "migrate`",
			    (long long)v, atok_pg_schema_version());
		pq.clear(res);
		if (r != 0) {
			pg_close((struct atok_store *)s);
			return r;
		}
	}
	*sp = (struct atok_store *)s;
	return 0;
}

int atok_store_pg_migrate(const struct atok_config *cfg, int *from, int *to,
                          struct atok_error *err)
{
	struct pg_store *s = NULL;
	PGresult *res = NULL;
	const char *key =
	    atok_config_str(cfg, "store", "owner_conninfo") != NULL
	        ? "owner_conninfo"
	        : "admin_conninfo";
	int64_t v = 0;
	int r, exists;

	*from = *to = 0;
	if ((r = pg_new(cfg, ATOK_STORE_ADMIN, key, &s, err)) != 0 || s == NULL)
		return r != 0 ? r : ATOK_ERR_NOMEM;
	s->timeout_ms *= 10; /* DDL takes locks: a longer budget */
	if ((r = pg_simple(s, "BEGIN", err)) != 0)
		goto out;
	s->txn = 1;
	if ((r = pg_simple(s, "SET LOCAL ROLE apitoken_owner", err)) != 0 ||
	    (r = pg_simple(s, "SET LOCAL lock_timeout = '10s'", err)) != 0 ||
	    (r = pg_exec(s, "SELECT to_regclass('apitoken.meta') IS NOT NULL",
	                 0, NULL, &res, err)) != 0)
		goto out;
	exists = strcmp(pq.getvalue(res, 0, 0), "t") == 0;
	pq.clear(res);
	res = NULL;
	if (exists) {
		if ((r = pg_exec(s,
		                 "SELECT version FROM apitoken.meta FOR UPDATE",
		                 0, NULL, &res, err)) != 0)
			goto out;
		if (pq.ntuples(res) != 1 || get_i64(res, 0, 0, &v) != 0) {
			r = atok_error_set(err, ATOK_ERR_SCHEMA,
			                   "apitoken.meta holds no version");
			goto out;
		}
	}
	*from = *to = (int)v;
	if (v > atok_pg_schema_version()) {
		r = atok_error_set(err, ATOK_ERR_SCHEMA,
		                   "PostgreSQL token store has schema version "
		                   "%lld, newer than this apitoken (%d)",
		                   (long long)v, atok_pg_schema_version());
		goto out;
	}
	for (; v < atok_pg_schema_version(); v++) {
		if ((r = pg_simple(s, atok_pg_migration_sql((int)v), err)) != 0)
			goto out;
		if (v > 0) {
			char sql[64];

			snprintf(sql, sizeof(sql),
			         "UPDATE apitoken.meta SET version = %d",
			         (int)v + 1);
			if ((r = pg_simple(s, sql, err)) != 0)
				goto out;
		}
	}
	if ((r = pg_simple(s, "COMMIT", err)) != 0)
		goto out;
	s->txn = 0;
	*to = (int)v;
out:
	pq.clear(res);
	if (r != 0)
		pg_rollback(s);
	pg_close((struct atok_store *)s);
	return r;
}

int atok_store_pg_describe(struct atok_store *base, char *buf, size_t n,
                           struct atok_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	PGresult *res = NULL;
	char at[160];
	int r, ver;

	if (!atok_store_is_pg(base))
		return atok_error_set(err, ATOK_ERR_INVALID, "not PostgreSQL");
	r = pg_exec(s,
	            "SELECT current_user, "
	            "split_part(current_setting('server_version'), ' ', 1), "
	            "pg_is_in_recovery(), "
	            "(SELECT schema_version FROM apitoken.lookup_token('')), "
	            "has_function_privilege("
	            "'apitoken.record_use(text,bigint,text)', 'EXECUTE'), "
	            "has_table_privilege('apitoken.tokens', 'SELECT'), "
	            "has_table_privilege('apitoken.tokens', 'INSERT'), "
	            "has_column_privilege('apitoken.tokens', 'revoked', "
	            "'UPDATE'), "
	            "has_table_privilege('apitoken.tokens', 'DELETE')",
	            0, NULL, &res, err);
	if (r != 0)
		return r == ATOK_ERR_SCHEMA ? schema_error(err) : r;
	where(s, at, sizeof(at));
	ver = (int)strtol(pq.getvalue(res, 0, 3), NULL, 10);
#define YES(c) (strcmp(pq.getvalue(res, 0, (c)), "t") == 0)
	snprintf(buf, n,
	         "postgresql %s (server %s%s), role %s, schema %d%s, may: "
	         "lookup%s%s%s%s%s",
	         at, pq.getvalue(res, 0, 1), YES(2) ? ", STANDBY" : "",
	         pq.getvalue(res, 0, 0), ver,
	         ver == atok_pg_schema_version() ? "" : " (MISMATCH)",
	         YES(4) ? " record-use" : "", YES(5) ? " select" : "",
	         YES(6) ? " insert" : "", YES(7) ? " revoke" : "",
	         YES(8) ? " DELETE" : "");
#undef YES
	pq.clear(res);
	return 0;
}
