/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_pg_int.h - what the PostgreSQL store's two files share; private
 * to common/store_pg.c and common/store_pg_conn.c, which alone include
 * libpq's header.
 */
#ifndef ATOK_STORE_PG_INT_H
#define ATOK_STORE_PG_INT_H

#include <stdint.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "store_pg.h"

#define PG_KEYWORDS_MAX 80 /* keywords one connection is given */

/* The libpq entry points, resolved once by atok_pg_load(). */
struct atok_pq {
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
};
extern struct atok_pq atok_pq;

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

/* Loads libpq once per process; ATOK_ERR_UNAVAILABLE when it cannot. */
int atok_pg_load(struct atok_error *err);

/*
 * Parses conninfo with libpq's parser and checks it against the rules of
 * apitoken.conf(5); fills s->kw/s->val with it and the keywords set here.
 * key names the configuration key in errors.
 */
int atok_pg_validate(struct pg_store *s, const char *key, const char *conninfo,
                     int allow_insecure, struct atok_error *err);

/* "pam", "sasl" or "cli": the front end this core is linked into. */
const char *atok_pg_front_end(void);

/*
 * Runs sql (with n text parameters, or NULL: the simple protocol) on the
 * store's connection, connecting first when needed, within [store]
 * timeout.  *resp (NULL on error) is the caller's to PQclear.  Every error
 * drops the connection.
 */
int atok_pg_exec(struct pg_store *s, const char *sql, int n,
                 const char *const *params, PGresult **resp,
                 struct atok_error *err);

/* Closes the connection (NULL fine); never on a parent's behalf. */
void atok_pg_drop(struct pg_store *s);

/* "host:port" of the connection, or the configured hosts. */
void atok_pg_where(const struct pg_store *s, char *out, size_t n);

#endif /* ATOK_STORE_PG_INT_H */
