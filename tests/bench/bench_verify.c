/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_verify.c - verifications per second of a local token through the
 * core (atok_verify), with a small and a large store.
 *
 * Figures, not pass/fail: this is never part of `make check`.  Run it with
 * `make bench` or directly:
 *
 *   tests/bench/bench_verify [--sizes 1000,1000000] [--iters 200000]
 *                            [--reps 3] [--no-callgrind]
 *
 * For each store size it creates a store in a fresh temp dir (ADMIN open, so
 * the schema exists), inserts the filler rows with SQL in one transaction
 * (issuing a million tokens one fsync'd transaction at a time would take an
 * hour), and issues BENCH_TOKENS measured tokens with atok_local_issue.  Then
 * it times atok_verify over a fixed number of iterations, rotating through
 * the measured tokens, in --reps rounds that visit every store in turn (so a
 * change in the machine's load hits every size alike), and prints the
 * median of the rounds:
 *
 *   no     [store] update_last_used = no: the pure lookup
 *   yes    update_last_used = yes with a fixed clock: the first verify of
 *          each token writes last_used, later ones are within the touch
 *          interval (the steady state of a busy token)
 *   yes/w  update_last_used = yes with the clock moved past the touch
 *          interval on every call: every verify is a write transaction
 *          (the worst case; at most 2000 iterations)
 *
 * When valgrind is on PATH it also runs itself under callgrind in --run mode
 * with two verify counts and reports instructions per verify as
 * (total(N2) - total(N1)) / (N2 - N1), which cancels start-up and setup,
 * for `no` and for `yes/w`.  Instruction counts are stable where wall-clock
 * figures move with the machine's load.
 *
 * Internal mode, used for callgrind:
 *   bench_verify --run DIR CONF N [START]
 *       N verifies against the prepared store; with START the clock starts
 *       there and moves 61 s per verify (the yes/w case)
 *
 * The temp dirs (a million-token store is ~140 MB) are removed at exit and
 * on SIGINT/SIGTERM/SIGHUP.
 */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "atok.h"
#include "config.h"
#include "local.h"
#include "store.h"
#include "timing.h"
#include "token.h"

#define BENCH_TOKENS    16 /* measured tokens, rotated through */
#define BENCH_USER      "alice"
#define BENCH_SCOPES    "read write"
#define BENCH_SCOPE     "read" /* the scope each request requires */
#define WRITE_ITERS_MAX 2000   /* iterations of the every-call-writes case */
#define CG_N1           1000   /* callgrind: verifies in the first run */
#define CG_N2           5000   /* and in the second */
#define MAX_SIZES       8
#define MAX_REPS        15

static const char *const dir_files[] = {
    "tokens.db",   "tokens.db-wal", "tokens.db-shm", "tokens.db-journal",
    "nolast.conf", "last.conf",     "tokens.txt",
};

/* Temp dirs to remove at exit or on a signal (async-signal-safe calls only
 * in remove_dir). */
static char dirs[MAX_SIZES][PATH_MAX];
static volatile sig_atomic_t n_dirs;

static void remove_dir(const char *dir)
{
	char p[PATH_MAX + 32];
	size_t i, n;

	if (dir[0] == '\0')
		return;
	n = strlen(dir);
	for (i = 0; i < sizeof(dir_files) / sizeof(dir_files[0]); i++) {
		size_t m = strlen(dir_files[i]);

		if (n + 1 + m + 1 > sizeof(p))
			continue;
		memcpy(p, dir, n);
		p[n] = '/';
		memcpy(p + n + 1, dir_files[i], m + 1);
		(void)unlink(p);
	}
	(void)rmdir(dir);
}

static void cleanup(void)
{
	sig_atomic_t i;

	for (i = 0; i < n_dirs; i++)
		remove_dir(dirs[i]);
	n_dirs = 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_verify: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup();
	exit(2);
}

/* snprintf that dies instead of truncating (paths, SQL). */
static void xfmt(char *buf, size_t size, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static void xfmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die("path or statement too long: %.64s...", buf);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0)
		die("%s: %s", path, strerror(errno));
}

static struct atok_config *load_config(const char *path)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};

	if (cfg == NULL)
		die("out of memory");
	if (atok_config_load_file(cfg, path, &err) != 0)
		die("%s: %s", path, err.msg);
	return cfg;
}

/* Tokens of a prepared dir: BENCH_TOKENS lines in DIR/tokens.txt. */
struct tokens {
	char tok[BENCH_TOKENS][ATOK_LOCAL_TOKEN_LEN + 1];
};

static void read_tokens(const char *dir, struct tokens *t)
{
	char p[PATH_MAX + 32];
	FILE *f;
	int i;

	xfmt(p, sizeof(p), "%s/tokens.txt", dir);
	if ((f = fopen(p, "r")) == NULL)
		die("%s: %s", p, strerror(errno));
	for (i = 0; i < BENCH_TOKENS; i++) {
		char line[ATOK_LOCAL_TOKEN_LEN + 8];

		if (fgets(line, sizeof(line), f) == NULL ||
		    strlen(line) != ATOK_LOCAL_TOKEN_LEN + 1)
			die("%s: short or bad token line", p);
		memcpy(t->tok[i], line, ATOK_LOCAL_TOKEN_LEN);
		t->tok[i][ATOK_LOCAL_TOKEN_LEN] = '\0';
	}
	fclose(f);
}

static void sql_exec(sqlite3 *db, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", what, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
}

/*
 * Creates DIR with a store of n tokens: n - BENCH_TOKENS filler rows by SQL,
 * then BENCH_TOKENS measured ones by atok_local_issue (written to
 * DIR/tokens.txt, mode 0600).
 */
static void prepare(const char *dir, long long n, struct tokens *t)
{
	char db_path[PATH_MAX + 32], p[PATH_MAX + 32], conf[2 * PATH_MAX];
	char sql[1024];
	struct atok_config *cfg;
	struct atok_store *s = NULL;
	struct atok_error err = {0};
	struct atok_issue_params ip = {0};
	sqlite3 *db = NULL;
	long long filler = n - BENCH_TOKENS, have = 0;
	int one = 1, i, schema = 0;
	double t0;
	FILE *f;

	xfmt(db_path, sizeof(db_path), "%s/tokens.db", dir);
	xfmt(conf, sizeof(conf), "[store]\npath = %s\nupdate_last_used = no\n",
	     db_path);
	xfmt(p, sizeof(p), "%s/nolast.conf", dir);
	write_file(p, conf);
	xfmt(conf, sizeof(conf), "[store]\npath = %s\nupdate_last_used = yes\n",
	     db_path);
	xfmt(p, sizeof(p), "%s/last.conf", dir);
	write_file(p, conf);

	xfmt(p, sizeof(p), "%s/nolast.conf", dir);
	cfg = load_config(p);
	if (atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0)
		die("create store: %s", err.msg);
	atok_store_close(&s);

	/* Filler: one transaction, ids in key order (12 digits are base62). */
	t0 = timing_now();
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		die("sqlite3_open %s: %s", db_path, sqlite3_errmsg(db));
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sql_exec(db, "PRAGMA cache_size = -65536", "cache_size");
	if (filler > 0) {
		xfmt(sql, sizeof(sql),
		     "BEGIN;"
		     "WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL "
		     "  SELECT n + 1 FROM c WHERE n + 1 < %lld) "
		     "INSERT INTO tokens (id, user, name, scopes, hash, "
		     "  created, expires, revoked, last_used, rotated_from) "
		     "SELECT printf('%%012d', n), 'user' || (n %% 1000), "
		     "  'filler ' || n, 'read write', randomblob(32), "
		     "  1700000000 + n, 0, 0, 0, '' FROM c;"
		     "COMMIT;",
		     filler);
		sql_exec(db, sql, "insert filler");
	}
	sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint");
	sqlite3_close(db);

	/* The measured tokens, through the real issue path. */
	if (atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0)
		die("open store: %s", err.msg);
	ip.user = BENCH_USER;
	ip.scopes = BENCH_SCOPES;
	ip.name = "bench";
	for (i = 0; i < BENCH_TOKENS; i++)
		if (atok_local_issue(s, &ip, t->tok[i], NULL, &err) != 0)
			die("issue: %s", err.msg);
	if (atok_store_info(s, &schema, &have, &err) != 0)
		die("info: %s", err.msg);
	atok_store_close(&s);
	atok_config_free(&cfg);
	if (have != n) {
		fprintf(stderr,
		        "bench_verify: store holds %lld tokens, not %lld\n",
		        have, n);
		cleanup();
		exit(2);
	}

	xfmt(p, sizeof(p), "%s/tokens.txt", dir);
	if ((f = fopen(p, "w")) == NULL)
		die("%s: %s", p, strerror(errno));
	for (i = 0; i < BENCH_TOKENS; i++)
		fprintf(f, "%s\n", t->tok[i]);
	if (fclose(f) != 0)
		die("%s: %s", p, strerror(errno));
	fprintf(stderr, "  store of %lld tokens ready in %.1f s\n", n,
	        timing_now() - t0);
}

enum clock_mode { CLOCK_FIXED, CLOCK_ADVANCE };

/* The clock of CLOCK_ADVANCE: it only moves forward, across reps and
 * callgrind child runs too, so that every verify is past the previous
 * one's touch interval (61 s per call). */
static int64_t advanced;

/* Runs iters verifies; returns seconds taken.  Every one must accept. */
static double run_verifies(struct atok_verifier *v, const struct tokens *t,
                           long iters, enum clock_mode cm)
{
	static const char *const scopes[] = {BENCH_SCOPE};
	struct atok_request req[BENCH_TOKENS];
	struct atok_result res;
	int64_t base = (int64_t)time(NULL);
	long i, bad = 0;
	double t0;
	int k;

	for (k = 0; k < BENCH_TOKENS; k++) {
		memset(&req[k], 0, sizeof(req[k]));
		req[k].token = t->tok[k];
		req[k].token_len = ATOK_LOCAL_TOKEN_LEN;
		req[k].user = BENCH_USER;
		req[k].service = "bench";
		req[k].scopes = scopes;
		req[k].n_scopes = 1;
		req[k].now = base;
	}
	t0 = timing_now();
	for (i = 0; i < iters; i++) {
		struct atok_request *r = &req[i % BENCH_TOKENS];

		if (cm == CLOCK_ADVANCE) {
			if (advanced < base)
				advanced = base;
			advanced += 61;
			r->now = advanced;
		}
		if (atok_verify(v, r, &res) != ATOK_ACCEPT && bad++ == 0)
			fprintf(stderr, "bench_verify: rejected: %s\n",
			        res.reason);
	}
	t0 = timing_now() - t0;
	if (bad != 0) {
		fprintf(stderr, "bench_verify: %ld of %ld verifies failed\n",
		        bad, iters);
		cleanup();
		exit(2);
	}
	return t0;
}

static struct atok_verifier *open_verifier(const char *conf)
{
	struct atok_config *cfg = load_config(conf);
	struct atok_verifier *v = NULL;
	struct atok_error err = {0};

	if (atok_verifier_new(cfg, &v, &err) != 0)
		die("verifier: %s: %s", conf, err.msg);
	atok_config_free(&cfg);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Verifies per second over iters verifies, in a fresh verifier (after one
 * warm-up pass over the measured tokens). */
static double measure(const char *dir, const char *conf_name,
                      const struct tokens *t, long iters, enum clock_mode cm)
{
	char conf[PATH_MAX + 32];
	struct atok_verifier *v;
	double rate;

	xfmt(conf, sizeof(conf), "%s/%s", dir, conf_name);
	v = open_verifier(conf);
	(void)run_verifies(v, t, BENCH_TOKENS, CLOCK_FIXED);
	rate = (double)iters / run_verifies(v, t, iters, cm);
	atok_verifier_free(&v);
	return rate;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* Instructions callgrind counts for `self --run dir conf n`, or -1. */
static long long callgrind_total(const char *self, const char *dir,
                                 const char *conf, long n, int advance)
{
	char cmd[3 * PATH_MAX], line[512], start[32] = "";
	long long total = -1;
	FILE *p;

	if (advance) {
		if (advanced < (int64_t)time(NULL))
			advanced = (int64_t)time(NULL);
		xfmt(start, sizeof(start), "%lld", (long long)advanced);
		advanced += 61 * (int64_t)(n + 1);
	}
	xfmt(cmd, sizeof(cmd),
	     "valgrind --tool=callgrind --callgrind-out-file=/dev/null "
	     "'%s' --run '%s' '%s' %ld %s 2>&1 >/dev/null",
	     self, dir, conf, n, start);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		char *c = strstr(line, "Collected :");

		if (c != NULL)
			total = strtoll(c + strlen("Collected :"), NULL, 10);
	}
	if (pclose(p) != 0)
		return -1;
	return total;
}

static double callgrind_per_verify(const char *self, const char *dir,
                                   const char *conf, int advance)
{
	long long a = callgrind_total(self, dir, conf, CG_N1, advance);
	long long b =
	    a < 0 ? -1 : callgrind_total(self, dir, conf, CG_N2, advance);

	if (a < 0 || b < 0)
		return -1;
	return (double)(b - a) / (double)(CG_N2 - CG_N1);
}

static int have_valgrind(void)
{
	return system("valgrind --version >/dev/null 2>&1") == 0;
}

static int run_mode(const char *dir, const char *conf_name, long n,
                    const char *start)
{
	char conf[PATH_MAX + 32];
	struct tokens t;
	struct atok_verifier *v;

	xfmt(conf, sizeof(conf), "%s/%s", dir, conf_name);
	read_tokens(dir, &t);
	v = open_verifier(conf);
	if (start != NULL)
		advanced = (int64_t)strtoll(start, NULL, 10);
	(void)run_verifies(v, &t, n,
	                   start != NULL ? CLOCK_ADVANCE : CLOCK_FIXED);
	atok_verifier_free(&v);
	explicit_bzero(&t, sizeof(t));
	return 0;
}

/* Wall-clock figures move with the load: say what it was. */
static void print_load(void)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	{ /* the first three fields */
		char *c = buf;
		int sp = 0;

		while (*c != '\0' && *c != '\n' && !(*c == ' ' && ++sp == 3))
			c++;
		*c = '\0';
	}
	printf("load average: %s; %ld CPUs\n", buf[0] ? buf : "unknown",
	       sysconf(_SC_NPROCESSORS_ONLN));
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: bench_verify [--sizes N,N...] [--iters N] [--reps N] "
	        "[--no-callgrind]\n"
	        "       bench_verify --run DIR CONF N [START]\n");
	exit(2);
}

struct row {
	long long size;
	double no, yes, yes_w; /* verifies per second */
	double ir_no, ir_yes;  /* instr/verify (no, yes/w), -1 if none */
};

static const char *fmt_ir(double ir, char *buf, size_t len)
{
	if (ir < 0)
		xfmt(buf, len, "n/a");
	else
		xfmt(buf, len, "%.0f", ir);
	return buf;
}

int main(int argc, char **argv)
{
	long long sizes[MAX_SIZES] = {1000, 1000000};
	int n_sizes = 2, reps = 3, use_cg = 1, i, r;
	long iters = 200000, wi;
	struct row rows[MAX_SIZES];
	static struct tokens toks[MAX_SIZES];
	static double no[MAX_SIZES][MAX_REPS], yes[MAX_SIZES][MAX_REPS],
	    yes_w[MAX_SIZES][MAX_REPS];
	char self[PATH_MAX];
	ssize_t sl;
	const char *tmp;

	umask(077);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "--run") == 0)
		return run_mode(argv[2], argv[3], strtol(argv[4], NULL, 10),
		                argc == 6 ? argv[5] : NULL);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
			char *s = argv[++i], *end;

			for (n_sizes = 0; n_sizes < MAX_SIZES && *s;) {
				sizes[n_sizes] = strtoll(s, &end, 10);
				if (end == s || sizes[n_sizes] < BENCH_TOKENS)
					usage();
				n_sizes++;
				s = *end == ',' ? end + 1 : end;
				if (*end != ',' && *end != '\0')
					usage();
			}
		} else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) {
			iters = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--no-callgrind") == 0) {
			use_cg = 0;
		} else {
			usage();
		}
	}
	if (iters < BENCH_TOKENS || reps < 1 || reps > MAX_REPS || n_sizes < 1)
		usage();
	wi = iters < WRITE_ITERS_MAX ? iters : WRITE_ITERS_MAX;
	if (use_cg && !have_valgrind()) {
		fprintf(stderr,
		        "  valgrind not found: no instruction counts\n");
		use_cg = 0;
	}
	if ((sl = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	self[sl] = '\0';
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";

	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	printf("bench_verify: atok_verify of a local token (user %s, scope "
	       "%s), %ld iterations x %d reps, median\n",
	       BENCH_USER, BENCH_SCOPE, iters, reps);
	print_load();
	fflush(stdout);
	/* Every store first, then the reps interleaved across stores, so that
	 * a change in the machine's load hits every size alike. */
	for (i = 0; i < n_sizes; i++) {
		char *dir = dirs[i];

		xfmt(dir, PATH_MAX, "%s/bench_verify.XXXXXX", tmp);
		if (mkdtemp(dir) == NULL)
			die("mkdtemp %s: %s", dir, strerror(errno));
		n_dirs = i + 1;
		fprintf(stderr, "  %lld tokens in %s\n", sizes[i], dir);
		prepare(dir, sizes[i], &toks[i]);
		rows[i].size = sizes[i];
	}
	for (r = 0; r < reps; r++) {
		for (i = 0; i < n_sizes; i++) {
			no[i][r] = measure(dirs[i], "nolast.conf", &toks[i],
			                   iters, CLOCK_FIXED);
			yes[i][r] = measure(dirs[i], "last.conf", &toks[i],
			                    iters, CLOCK_FIXED);
			yes_w[i][r] = measure(dirs[i], "last.conf", &toks[i],
			                      wi, CLOCK_ADVANCE);
			fprintf(stderr,
			        "  rep %d, %lld tokens: %.0f verifies/s\n",
			        r + 1, sizes[i], no[i][r]);
		}
	}
	for (i = 0; i < n_sizes; i++) {
		struct row *rw = &rows[i];

		rw->no = median(no[i], reps);
		rw->yes = median(yes[i], reps);
		rw->yes_w = median(yes_w[i], reps);
		rw->ir_no = rw->ir_yes = -1;
		if (use_cg) {
			fprintf(stderr, "  callgrind, %lld tokens\n", sizes[i]);
			rw->ir_no = callgrind_per_verify(self, dirs[i],
			                                 "nolast.conf", 0);
			rw->ir_yes =
			    callgrind_per_verify(self, dirs[i], "last.conf", 1);
		}
		explicit_bzero(&toks[i], sizeof(toks[i]));
		remove_dir(dirs[i]);
		dirs[i][0] = '\0';
	}

	printf("\n| store tokens | verifies/s (last_used=no) | us/verify "
	       "| verifies/s (yes) | verifies/s (yes, every call writes) "
	       "| instr/verify (no) | instr/verify (every call writes) |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n_sizes; i++) {
		char a[32], b[32];

		printf("| %lld | %.0f | %.2f | %.0f | %.0f | %s | %s |\n",
		       rows[i].size, rows[i].no, 1e6 / rows[i].no, rows[i].yes,
		       rows[i].yes_w, fmt_ir(rows[i].ir_no, a, sizeof(a)),
		       fmt_ir(rows[i].ir_yes, b, sizeof(b)));
	}
	if (n_sizes >= 2) {
		const struct row *lo = &rows[0], *hi = &rows[n_sizes - 1];
		double ratio = lo->no / hi->no;

		printf("\ncost ratio %lld vs %lld tokens (last_used=no): "
		       "%.2fx time per verify (goal: within 2x: %s)\n",
		       hi->size, lo->size, ratio,
		       ratio <= 2.0 ? "met" : "NOT met");
		printf("cost ratio (last_used=yes): %.2fx\n",
		       lo->yes / hi->yes);
		if (lo->ir_no > 0 && hi->ir_no > 0)
			printf("instruction ratio (last_used=no): %.2fx\n",
			       hi->ir_no / lo->ir_no);
	}
	return 0;
}
