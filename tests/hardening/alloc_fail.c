/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation failure: every verification path runs once per N
 * with the Nth allocation failing, each run in a forked child, for every
 * N until a run makes fewer than N allocations.  It never crashes, never
 * hangs, never accepts what it should not:
 *
 *  - a token that is not good (revoked, another user's, a bad signature,
 *    inactive) is never accepted, at any N, and is refused for its own
 *    reason or fails with an error;
 *  - a good token is accepted only with exactly the failure-free result
 *    (user, scopes, token id, expiry, source, fingerprint, alg, kid,
 *    issuer), else it is an error: UNAVAILABLE, or the configuration or
 *    the verifier could not be made.  Never REJECT: that would refuse its
 *    owner for a reason that is not true, count as a failed login
 *    (pam_faillock) and, for introspection, could be cached.
 *
 * Failures are injected at the process level: this program defines
 * malloc, calloc, realloc, reallocarray and the aligned allocators and
 * forwards to glibc's __libc_* entry points, so our code, SQLite,
 * jansson, the dlopen()ed libcurl (whose default allocator is malloc),
 * the dynamic loader inside dlopen() and glibc's own allocations all
 * count.  The libraries' own hooks are registered too and count through
 * the same counter (once): jansson's json_set_alloc_funcs(), OpenSSL's
 * CRYPTO_set_mem_functions() (which also tells which OpenSSL file
 * failed), SQLite's SQLITE_CONFIG_MALLOC.  libcurl's
 * curl_global_init_mem() is not used: http.c owns libcurl's set-up and
 * would need an entry point for tests, while the interposed malloc sees
 * every libcurl allocation already.
 *
 * Passes, per scenario, each in its own worker process (two at a time):
 *  cold        a fresh process, from configuration load to verifier free,
 *              as a PAM login in a new sshd child: OpenSSL, SQLite and
 *              libcurl initialise under failure too.  Some 5,000 of the
 *              6,000 to 9,000 allocations are OpenSSL's one-time set-up,
 *              so N is strided to about COLD_BUDGET runs (the TAP line
 *              says "N in steps of K"); AF_COLD_BUDGET=0 runs every N
 *              (minutes);
 *  cold persistent  the same, every allocation from the Nth on failing;
 *  primed      the libraries set up by one unarmed verification first,
 *              then the same whole path, every N: as a SASL server (a
 *              verifier per authentication in a long-lived process);
 *  persistent  primed, every allocation from the Nth on failing;
 *  warm        a verifier made and used once, then only atok_verify()
 *              armed (its caches, the kept HTTP connection).
 *
 * Introspection runs against a loopback server forked here: plain HTTP
 * to 127.0.0.1 (allow_http_loopback), client_secret_basic required,
 * "active": true only for OPAQUE_GOOD.
 *
 * OpenSSL 3.0's Ed25519 verification reports its own failed allocations
 * as a bad signature; common/jws.c verifies a bad EdDSA signature again
 * and checks that SHA-512 can be computed, so the EdDSA scenario is held
 * to the same rule as the others.
 *
 * Under AddressSanitizer (or TSan, MSan) the sanitizer owns malloc and
 * this program cannot interpose it: then only the library hooks inject
 * (jansson, OpenSSL, SQLite), which the output says; failures of our own
 * allocations and libcurl's are not injected in that build.
 *
 * Debugging: AF_ONLY=<scenario> and AF_PASS=<pass> (numbers from 0, in
 * the order of the tables below) narrow the run; AF_RUN=<scenario>:<pass>:N
 * repeats one run in the foreground with stderr, for gdb (the TAP
 * diagnostics print the command).
 */
#include "ac_config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "tap.h"

#include "atok.h"
#include "config.h"
#include "fixture.h"
#include "jwt_helper.h"
#include "local.h"
#include "store.h"
#include "timing.h"
#include "tokens.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AF_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||     \
    __has_feature(memory_sanitizer)
#define AF_INTERPOSE 0
#endif
#endif
#ifndef AF_INTERPOSE
#define AF_INTERPOSE 1
#endif

#define CHILD_TIMEOUT  20  /* seconds: a hung child dies of SIGALRM */
#define WORKER_TIMEOUT 600 /* seconds for all passes of one scenario */
#define MAX_N          200000

/* --- the counter ----------------------------------------------------- */

static long af_at;       /* 0: disarmed; else the allocation that fails */
static int af_persist;   /* and, when set, every one after it */
static long af_seen;     /* allocations since armed */
static long af_injected; /* failures injected since armed */
/* Where the first injected failure struck: the allocator's caller, and
 * for OpenSSL its own file and line. */
static const void *af_caller;
static const char *af_file;
static int af_line;

static int af_fail(const void *caller, const char *file, int line)
{
	long n;

	if (__atomic_load_n(&af_at, __ATOMIC_RELAXED) == 0)
		return 0;
	n = __atomic_add_fetch(&af_seen, 1, __ATOMIC_RELAXED);
	if (n == af_at || (af_persist && n > af_at)) {
		if (__atomic_add_fetch(&af_injected, 1, __ATOMIC_RELAXED) ==
		    1) {
			af_caller = caller;
			af_file = file;
			af_line = line;
		}
		return 1;
	}
	return 0;
}

#define AF_FAIL() af_fail(__builtin_return_address(0), NULL, 0)

static void af_arm(long at, int persist)
{
	af_seen = af_injected = 0;
	af_caller = NULL;
	af_file = NULL;
	af_persist = persist;
	__atomic_store_n(&af_at, at, __ATOMIC_SEQ_CST);
}

static void af_disarm(void)
{
	__atomic_store_n(&af_at, 0, __ATOMIC_SEQ_CST);
}

#if AF_INTERPOSE
/* glibc's allocator under its own names. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

#define AF_EXPORT          __attribute__((visibility("default")))
#define REAL_MALLOC(n)     __libc_malloc(n)
#define REAL_REALLOC(p, n) __libc_realloc(p, n)
#define REAL_FREE(p)       __libc_free(p)

AF_EXPORT void *malloc(size_t n)
{
	if (AF_FAIL()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

AF_EXPORT void *calloc(size_t n, size_t size)
{
	if (AF_FAIL()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

AF_EXPORT void *realloc(void *p, size_t n)
{
	/* realloc(p, 0) frees: not an allocation. */
	if ((p == NULL || n != 0) && AF_FAIL()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

AF_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

AF_EXPORT void free(void *p)
{
	__libc_free(p);
}

AF_EXPORT void *memalign(size_t align, size_t n)
{
	if (AF_FAIL()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_memalign(align, n);
}

AF_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

AF_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align == 0 || align % sizeof(void *) != 0 ||
	    (align & (align - 1)) != 0)
		return EINVAL;
	if ((p = memalign(align, n)) == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}
#else
#define REAL_MALLOC(n)     malloc(n)
#define REAL_REALLOC(p, n) realloc(p, n)
#define REAL_FREE(p)       free(p)
#endif

/* --- the libraries' own hooks, counted once ------------------------- */

static void *hook_malloc(size_t n)
{
	return AF_FAIL() ? NULL : REAL_MALLOC(n);
}

static void hook_free(void *p)
{
	REAL_FREE(p);
}

static void *ossl_malloc(size_t n, const char *file, int line)
{
	return af_fail(__builtin_return_address(0), file, line)
	           ? NULL
	           : REAL_MALLOC(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	if ((p == NULL || n != 0) &&
	    af_fail(__builtin_return_address(0), file, line))
		return NULL;
	return REAL_REALLOC(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	REAL_FREE(p);
}

static void *sq_malloc(int n)
{
	return n > 0 ? hook_malloc((size_t)n) : NULL;
}

static void *sq_realloc(void *p, int n)
{
	if (n <= 0 || AF_FAIL())
		return NULL;
	return REAL_REALLOC(p, (size_t)n);
}

static int sq_size(void *p)
{
	return p != NULL ? (int)malloc_usable_size(p) : 0;
}

static int sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int sq_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void sq_shutdown(void *arg)
{
	(void)arg;
}

static void hooks_install(void)
{
	static const sqlite3_mem_methods sq = {
	    sq_malloc,  hook_free, sq_realloc,  sq_size,
	    sq_roundup, sq_init,   sq_shutdown, NULL,
	};

	json_set_alloc_funcs(hook_malloc, hook_free);
	if (CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) !=
	        1 ||
	    sqlite3_config(SQLITE_CONFIG_MALLOC, &sq) != SQLITE_OK) {
		printf("Bail out! allocator hooks could not be installed\n");
		exit(99);
	}
}

/* --- fixtures -------------------------------------------------------- */

#define OPAQUE_GOOD     "opq-2YotnFZFEjr1zCsicMWpAA-good"
#define OPAQUE_INACTIVE "opq-2YotnFZFEjr1zCsicMWpAA-gone"

/* What the setup child leaves for everyone else. */
struct fixtures {
	char local[ATOK_LOCAL_TOKEN_LEN + 1];
	char forever[ATOK_LOCAL_TOKEN_LEN + 1]; /* never expires */
	char revoked[ATOK_LOCAL_TOKEN_LEN + 1];
	char hs[1024], hs_bad[1024];
	char rs[1024], rs_bad[1024], es[1024], rs512[1024], ed[1024];
	int ok;
};

static struct fixtures *fx; /* shared with the setup child */
static struct fixtures tok; /* a copy, for the scenario table */
static char conf_local[600], conf_touch[600], conf_hs[600], conf_jwks[600],
    conf_intro[600], conf_cached[600];
/* The PostgreSQL store (tests/pg/alloc_fail.sh): AF_PG names a directory
 * with pg.conf and the tokens good and revoked (of alice, scope ssh);
 * without it those scenarios do not run. */
static char conf_pg[600], pg_good[ATOK_LOCAL_TOKEN_LEN + 1],
    pg_revoked[ATOK_LOCAL_TOKEN_LEN + 1];
static int srv_port;
static int64_t intro_exp;

static const char *path_in(const char *name)
{
	static char p[8][600];
	static int k;
	char *s = p[k++ % 8];

	snprintf(s, 600, "%s/%s", fx_dir, name);
	return s;
}

static void flip_sig(const char *in, char *out, size_t outsz)
{
	char *c;

	snprintf(out, outsz, "%s", in);
	c = strrchr(out, '.') + 8; /* well inside the signature */
	*c = *c == 'A' ? 'B' : 'A';
}

static enum atok_verdict cache_opaque(struct atok_verifier *v,
                                      const char *token)
{
	struct atok_request req;
	struct atok_result res;

	memset(&req, 0, sizeof(req));
	req.token = token;
	req.token_len = strlen(token);
	return atok_verify(v, &req, &res);
}

/* Runs in a child, so that this process starts every run with OpenSSL,
 * SQLite and jansson untouched. */
static void setup_child(void)
{
	struct atok_issue_params p = {"alice", "mail ssh", "af", 0, 0, NULL};
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_store *s = NULL;
	struct atok_error err;
	char *t;

	p.expires = time(NULL) + 86400;
	if (cfg == NULL || atok_config_load_file(cfg, conf_local, &err) != 0 ||
	    atok_store_open(cfg, ATOK_STORE_ADMIN, &s, &err) != 0 ||
	    atok_local_issue(s, &p, fx->local, NULL, &err) != 0 ||
	    atok_local_issue(s, &p, fx->revoked, NULL, &err) != 0)
		_exit(1);
	p.expires = 0;
	if (atok_local_issue(s, &p, fx->forever, NULL, &err) != 0)
		_exit(1);
	if (tk_revoke(s, fx->revoked, time(NULL), &err) != 0)
		_exit(1);
	atok_store_close(&s);
	atok_config_free(&cfg);

	t = jh_token("HS256", jh_header("HS256"), jh_claims("alice", "ssh"));
	snprintf(fx->hs, sizeof(fx->hs), "%s", t);
	free(t);
	flip_sig(fx->hs, fx->hs_bad, sizeof(fx->hs_bad));
	t = jh_token("RS256", jh_header("RS256"), jh_claims("alice", "ssh"));
	snprintf(fx->rs, sizeof(fx->rs), "%s", t);
	free(t);
	flip_sig(fx->rs, fx->rs_bad, sizeof(fx->rs_bad));
	t = jh_token("ES256", jh_header("ES256"), jh_claims("alice", "ssh"));
	snprintf(fx->es, sizeof(fx->es), "%s", t);
	free(t);
	t = jh_token("RS512", jh_header("RS512"), jh_claims("alice", "ssh"));
	snprintf(fx->rs512, sizeof(fx->rs512), "%s", t);
	free(t);
	t = jh_token("EdDSA", jh_header("EdDSA"), jh_claims("alice", "ssh"));
	snprintf(fx->ed, sizeof(fx->ed), "%s", t);
	free(t);
	/* The shared result cache learns both opaque tokens. */
	if ((cfg = atok_config_new()) == NULL ||
	    atok_config_load_file(cfg, conf_cached, &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0 ||
	    cache_opaque(v, OPAQUE_GOOD) != ATOK_ACCEPT ||
	    cache_opaque(v, OPAQUE_INACTIVE) != ATOK_REJECT)
		_exit(1);
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	fx->ok = 1;
	_exit(0);
}

/* --- the loopback introspection endpoint ----------------------------- */

static void srv_answer(int c)
{
	static const char good[] = "token=" OPAQUE_GOOD "&";
	char req[16384], resp[1024], json[512];
	const char *end = NULL, *cl, *body;
	int authed;
	size_t have = 0;
	long clen = 0;
	ssize_t n;

	while (have < sizeof(req) - 1) {
		if ((n = read(c, req + have, sizeof(req) - 1 - have)) <= 0)
			return;
		have += (size_t)n;
		req[have] = '\0';
		if ((end = strstr(req, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(req, "\r\ncontent-length:");
		clen = cl != NULL && cl < end ? strtol(cl + 17, NULL, 10) : 0;
		if (have >= (size_t)(end + 4 - req) + (size_t)clen)
			break;
	}
	if (end == NULL)
		return;
	body = end + 4;
	authed = strcasestr(req, "\r\nauthorization: basic ") != NULL;
	if (!authed)
		snprintf(json, sizeof(json), "{\"error\":\"invalid_client\"}");
	else if (strncmp(body, good, sizeof(good) - 1) == 0)
		snprintf(json, sizeof(json),
		         "{\"active\":true,\"username\":\"alice\",\"scope\":"
		         "\"ssh mail\",\"exp\":%lld,\"jti\":\"intro-1\"}",
		         (long long)intro_exp);
	else
		snprintf(json, sizeof(json), "{\"active\":false}");
	n = snprintf(resp, sizeof(resp),
	             "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	             authed ? "200 OK" : "401 Unauthorized", strlen(json),
	             json);
	if (write(c, resp, (size_t)n) != n)
		return;
}

static pid_t srv_start(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
		printf("Bail out! loopback server: %s\n", strerror(errno));
		exit(99);
	}
	srv_port = ntohs(a.sin_port);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(99);
	}
	if (pid == 0) {
		struct timeval tv = {5, 0};
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGCHLD, SIG_IGN); /* no zombies */
		for (;;) {
			int c = accept(ls, NULL, NULL);
			if (c < 0) {
				if (errno == EINTR)
					continue;
				_exit(0);
			}
			/* One process per connection: a client that
			 * stalls holds up no one else. */
			if (fork() == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv,
				           sizeof(tv));
				srv_answer(c);
				_exit(0);
			}
			close(c);
		}
	}
	close(ls);
	return pid;
}

static void write_configs(void)
{
	char text[2048];
	const char *secret;

	snprintf(text, sizeof(text),
	         "[store]\npath = %s\nupdate_last_used = no\n",
	         path_in("tokens.db"));
	snprintf(conf_local, sizeof(conf_local), "%s",
	         fx_file("local.conf", text, 0600));
	snprintf(text, sizeof(text), "[store]\npath = %s\n",
	         path_in("tokens.db"));
	snprintf(conf_touch, sizeof(conf_touch), "%s",
	         fx_file("touch.conf", text, 0600));

	jh_copy("hmac.secret", "hmac.secret", 0600);
	snprintf(text, sizeof(text),
	         "[jwt]\nissuer = %s\naudience = %s\nalgorithms = HS256\n"
	         "hmac_secret_file = %s\ncache_ttl = 0\n",
	         JH_ISS, JH_AUD, path_in("hmac.secret"));
	snprintf(conf_hs, sizeof(conf_hs), "%s",
	         fx_file("hs.conf", text, 0600));

	jh_copy("jwks.json", "jwks.json", 0600);
	snprintf(text, sizeof(text),
	         "[jwt]\nissuer = %s\naudience = %s\n"
	         "algorithms = RS256 ES256 RS512 EdDSA\njwks_file = %s\n"
	         "cache_ttl = 0\n",
	         JH_ISS, JH_AUD, path_in("jwks.json"));
	snprintf(conf_jwks, sizeof(conf_jwks), "%s",
	         fx_file("jwks.conf", text, 0600));

	secret = fx_file("client.secret", "s3cret-for-the-test\n", 0600);
	snprintf(text, sizeof(text),
	         "[introspection]\nendpoint = "
	         "http://127.0.0.1:%d/introspect\nclient_id = apitoken-af\n"
	         "client_secret_file = %s\nallow_http_loopback = yes\n"
	         "opaque_prefix = opq-\n"
	         "cache_ttl = 0\nnegative_cache_ttl = 0\ntimeout = 5\n"
	         "[cache]\ndir = %s\n",
	         srv_port, secret, path_in("cache"));
	snprintf(conf_intro, sizeof(conf_intro), "%s",
	         fx_file("intro.conf", text, 0600));
	snprintf(text, sizeof(text),
	         "[introspection]\nendpoint = "
	         "http://127.0.0.1:%d/introspect\nclient_id = apitoken-af\n"
	         "client_secret_file = %s\nallow_http_loopback = yes\n"
	         "opaque_prefix = opq-\n"
	         "cache_ttl = 3600\nnegative_cache_ttl = 3600\ntimeout = 5\n"
	         "[cache]\ndir = %s\n",
	         srv_port, secret, path_in("cache2"));
	snprintf(conf_cached, sizeof(conf_cached), "%s",
	         fx_file("cached.conf", text, 0600));
}

/* --- one run ---------------------------------------------------------- */

struct scenario {
	const char *name;
	const char *conf;
	const char *token;
	const char *user;
	int64_t now;       /* 0: the clock */
	int touch;         /* now moves 61 s per run: last_used written */
	enum atok_why why; /* a bad token's verdict; NONE: a good token */
};

enum pass { P_COLD, P_COLD_PERSIST, P_PRIMED, P_PERSIST, P_WARM, P_N };

static const char *const pass_names[P_N] = {"cold", "cold persistent", "primed",
                                            "persistent", "warm"};

enum stage { ST_NONE, ST_CONFIG, ST_VERIFIER, ST_VERIFIED };

/* What a child tells its parent, through shared memory. */
struct report {
	int done;
	enum stage stage;
	long seen, injected;
	char where[160]; /* the first failed allocation's caller */
	struct atok_result res;
};

static struct report *rep; /* this worker's slot of a shared mapping */
static long run_seq;       /* runs forked by this process */

static void verify_once(const struct scenario *s, struct atok_verifier *v,
                        struct atok_result *res)
{
	static const char *const need[] = {"ssh"};
	struct atok_request req;

	memset(&req, 0, sizeof(req));
	req.token = s->token;
	req.token_len = strlen(s->token);
	req.user = s->user;
	req.scopes = need;
	req.n_scopes = 1;
	req.now = s->touch ? (int64_t)time(NULL) + 61 * run_seq : s->now;
	atok_verify(v, &req, res);
}

/* The whole path a fresh process takes, from configuration load. */
static enum stage verify_path(const struct scenario *s, struct atok_result *res)
{
	struct atok_config *cfg = NULL;
	struct atok_verifier *v = NULL;
	struct atok_error err;
	enum stage st = ST_NONE;

	if ((cfg = atok_config_new()) == NULL ||
	    atok_config_load_file(cfg, s->conf, &err) != 0)
		goto out;
	st = ST_CONFIG;
	if (atok_verifier_new(cfg, &v, &err) != 0)
		goto out;
	st = ST_VERIFIER;
	verify_once(s, v, res);
	st = ST_VERIFIED;
out:
	atok_verifier_free(&v);
	atok_config_free(&cfg);
	return st;
}

/* Names the caller of the first failed allocation, once disarmed. */
static void describe_where(char *out, size_t outsz)
{
	Dl_info self, at;
	const char *base;

	out[0] = '\0';
	if (af_file != NULL) {
		while (strncmp(af_file, "../", 3) == 0)
			af_file += 3;
		snprintf(out, outsz, "OpenSSL %s:%d", af_file, af_line);
		return;
	}
	if (af_caller == NULL || dladdr(af_caller, &at) == 0 ||
	    at.dli_fname == NULL)
		return;
	if (dladdr((void *)describe_where, &self) != 0 &&
	    self.dli_fbase == at.dli_fbase) {
		snprintf(out, outsz, "%s%sthis program (common/ or the test)",
		         at.dli_sname ? at.dli_sname : "",
		         at.dli_sname ? " in " : "");
		return;
	}
	base = strrchr(at.dli_fname, '/');
	snprintf(out, outsz, "%s%s%s", base ? base + 1 : at.dli_fname,
	         at.dli_sname ? " " : "", at.dli_sname ? at.dli_sname : "");
}

/* A child's whole life: arm, verify (with warm == NULL from configuration
 * load to free), disarm, report, _exit (the atexit handlers are the
 * parent's; but AF_RUN runs this in the foreground, see debug_run()). */
static __attribute__((noreturn)) void run_child(const struct scenario *s,
                                                struct atok_verifier *warm,
                                                long at, int persist)
{
	struct atok_result res;
	enum stage st = ST_VERIFIER;

	alarm(CHILD_TIMEOUT);
	if (AF_INTERPOSE && getenv("AF_RUN") == NULL) {
		int null = open("/dev/null", O_WRONLY);
		/* Libraries complain on stderr when their constructors
		 * fail (GnuTLS, loaded with libcurl): thousands of lines.
		 * A crash is a signal all the same; AF_RUN shows it all. */
		if (null >= 0)
			dup2(null, 2);
	}
	memset(&res, 0, sizeof(res));
	af_arm(at, persist);
	if (warm == NULL)
		st = verify_path(s, &res);
	else
		verify_once(s, warm, &res);
	af_disarm();
	describe_where(rep->where, sizeof(rep->where));
	rep->stage = warm == NULL ? st : ST_VERIFIED;
	rep->seen = af_seen;
	rep->injected = af_injected;
	rep->res = res;
	__atomic_store_n(&rep->done, 1, __ATOMIC_SEQ_CST);
	if (getenv("AF_RUN") != NULL) {
		/* In the foreground: say what happened, remove the temp
		 * directory (atexit). */
		printf("# N=%ld: %ld allocations, %ld failed (first: %s); "
		       "%s/%s: %s\n",
		       at, af_seen, af_injected, rep->where,
		       atok_verdict_name(res.verdict), atok_why_name(res.why),
		       res.reason);
		exit(0);
	}
	_exit(0);
}

enum outcome {
	O_ACCEPT_SAME,
	O_ACCEPT_OTHER, /* accepted with another result: a failure */
	O_REJECT_SAME,  /* refused for the expected reason */
	O_REJECT_OTHER, /* refused for another reason */
	O_ERROR,        /* UNAVAILABLE, CONFIG_ERROR or no verifier */
	O_CRASH,        /* a signal, or no report */
	O_HANG,         /* SIGALRM */
	O_N
};

static const char *const outcome_names[O_N] = {
    "accept-identical",
    "accept-DIFFERENT",
    "reject",
    "reject-other",
    "error",
    "CRASH",
    "HANG",
};

#define BAD_MAX 16

struct stats {
	int ran;
	long total;  /* allocations in a failure-free run */
	long stride; /* N = 1, 1 + stride, ... */
	long runs;
	long n[O_N];
	struct report base;
	int unfinished;
	long bad[BAD_MAX]; /* the N of the first wrong outcomes */
	int n_bad;
	char bad_why[200];
	double seconds;
};

static int same_result(const struct atok_result *a, const struct atok_result *b)
{
	return a->verdict == b->verdict && a->source == b->source &&
	       strcmp(a->user, b->user) == 0 &&
	       strcmp(a->scopes, b->scopes) == 0 &&
	       strcmp(a->token_id, b->token_id) == 0 &&
	       strcmp(a->fingerprint, b->fingerprint) == 0 &&
	       a->expires == b->expires && strcmp(a->alg, b->alg) == 0 &&
	       strcmp(a->kid, b->kid) == 0 && strcmp(a->issuer, b->issuer) == 0;
}

/* Forks one run; returns its outcome and fills *r. */
static enum outcome run_one(const struct scenario *s,
                            struct atok_verifier *warm, long at, int persist,
                            const struct atok_result *base, struct report *r)
{
	int status;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	run_seq++;
	fflush(stdout);
	if ((pid = fork()) < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		_exit(99);
	}
	if (pid == 0)
		run_child(s, warm, at, persist);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*r = *rep;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGALRM ? O_HANG : O_CRASH;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !r->done)
		return O_CRASH;
	if (r->stage != ST_VERIFIED || r->res.verdict == ATOK_UNAVAILABLE ||
	    r->res.verdict == ATOK_CONFIG_ERROR)
		return O_ERROR;
	if (r->res.verdict == ATOK_ACCEPT)
		return base != NULL && same_result(&r->res, base)
		           ? O_ACCEPT_SAME
		           : O_ACCEPT_OTHER;
	return r->res.why == s->why ? O_REJECT_SAME : O_REJECT_OTHER;
}

static int wrong(const struct scenario *s, enum outcome o)
{
	switch (o) {
	case O_ACCEPT_SAME:
		return s->why != ATOK_WHY_NONE;
	case O_REJECT_SAME:
		return s->why == ATOK_WHY_NONE;
	case O_REJECT_OTHER:
		return 1;
	case O_ERROR:
		return 0;
	default:
		return 1;
	}
}

/*
 * The failure-free run, then N = 1, 1 + stride, ... until a run sees
 * fewer than N allocations.
 */
static void sweep(const struct scenario *s, struct atok_verifier *warm,
                  int persist, long budget, struct stats *st)
{
	double t0 = timing_now();
	struct report r;
	enum outcome o;
	long at;

	memset(st, 0, sizeof(*st));
	st->ran = 1;
	run_one(s, warm, LONG_MAX, 0, NULL, &st->base);
	st->total = st->base.seen;
	st->stride = budget > 0 && st->total > budget
	                 ? (st->total + budget - 1) / budget | 1
	                 : 1;
	if (!st->base.done || st->base.stage != ST_VERIFIED) {
		st->unfinished = 1;
		return;
	}
	for (at = 1; at < MAX_N; at += st->stride) {
		o = run_one(s, warm, at, persist, &st->base.res, &r);
		if (r.done && r.injected == 0) {
			st->seconds = timing_now() - t0;
			return; /* fewer than N allocations: done */
		}
		st->runs++;
		st->n[o]++;
		if (wrong(s, o) && st->n_bad < BAD_MAX) {
			if (st->n_bad == 0)
				snprintf(st->bad_why, sizeof(st->bad_why),
				         "%s %s/%s: %.60s; failed: %.60s",
				         outcome_names[o],
				         atok_verdict_name(r.res.verdict),
				         atok_why_name(r.res.why), r.res.reason,
				         r.where);
			st->bad[st->n_bad++] = at;
		}
	}
	st->unfinished = 1;
}

/* The scenarios, all with the required scope "ssh". */
static const struct scenario sc[] = {
    {.name = "local token",
     .conf = conf_local,
     .token = tok.local,
     .user = "alice",
     .why = ATOK_WHY_NONE},
    {.name = "local token, last_used written",
     .conf = conf_touch,
     .token = tok.forever,
     .user = "alice",
     .touch = 1,
     .why = ATOK_WHY_NONE},
    {.name = "revoked local token",
     .conf = conf_local,
     .token = tok.revoked,
     .user = "alice",
     .why = ATOK_WHY_REVOKED},
    {.name = "local token of another user",
     .conf = conf_local,
     .token = tok.local,
     .user = "bob",
     .why = ATOK_WHY_USER_MISMATCH},
    {.name = "HS256 JWT",
     .conf = conf_hs,
     .token = tok.hs,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_NONE},
    {.name = "HS256 JWT, bad signature",
     .conf = conf_hs,
     .token = tok.hs_bad,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_BAD_SIGNATURE},
    {.name = "RS256 JWT, JWKS file",
     .conf = conf_jwks,
     .token = tok.rs,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_NONE},
    {.name = "ES256 JWT, JWKS file",
     .conf = conf_jwks,
     .token = tok.es,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_NONE},
    {.name = "RS512 JWT, JWKS file",
     .conf = conf_jwks,
     .token = tok.rs512,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_NONE},
    {.name = "EdDSA JWT, JWKS file",
     .conf = conf_jwks,
     .token = tok.ed,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_NONE},
    {.name = "RS256 JWT, bad signature",
     .conf = conf_jwks,
     .token = tok.rs_bad,
     .user = "alice",
     .now = JH_NOW,
     .why = ATOK_WHY_BAD_SIGNATURE},
    {.name = "ES256 JWT of another user",
     .conf = conf_jwks,
     .token = tok.es,
     .user = "bob",
     .now = JH_NOW,
     .why = ATOK_WHY_USER_MISMATCH},
    {.name = "introspected token",
     .conf = conf_intro,
     .token = OPAQUE_GOOD,
     .user = "alice",
     .why = ATOK_WHY_NONE},
    {.name = "inactive introspected token",
     .conf = conf_intro,
     .token = OPAQUE_INACTIVE,
     .user = "alice",
     .why = ATOK_WHY_INACTIVE},
    {.name = "introspected token, result cache",
     .conf = conf_cached,
     .token = OPAQUE_GOOD,
     .user = "alice",
     .why = ATOK_WHY_NONE},
    {.name = "inactive introspected token, result cache",
     .conf = conf_cached,
     .token = OPAQUE_INACTIVE,
     .user = "alice",
     .why = ATOK_WHY_INACTIVE},
    {.name = "local token, PostgreSQL store",
     .conf = conf_pg,
     .token = pg_good,
     .user = "alice",
     .why = ATOK_WHY_NONE},
    {.name = "revoked local token, PostgreSQL store",
     .conf = conf_pg,
     .token = pg_revoked,
     .user = "alice",
     .why = ATOK_WHY_REVOKED},
};

enum { N_SC = ATOK_ARRAY_SIZE_T(sc) };

/* Reads AF_PG's files (see conf_pg); 0 when there is no AF_PG. */
static int pg_fixtures(void)
{
	const char *dir = getenv("AF_PG");
	char path[600];
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return 0;
	snprintf(conf_pg, sizeof(conf_pg), "%s/pg.conf", dir);
	snprintf(path, sizeof(path), "%s/good", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    fgets(pg_good, sizeof(pg_good), f) == NULL)
		return -1;
	fclose(f);
	snprintf(path, sizeof(path), "%s/revoked", dir);
	if ((f = fopen(path, "r")) == NULL ||
	    fgets(pg_revoked, sizeof(pg_revoked), f) == NULL)
		return -1;
	fclose(f);
	return 1;
}

/* --- the passes --------------------------------------------------------- */

/* Cold runs per scenario: N is strided beyond.  Forks cost more under a
 * sanitizer. */
#define COLD_BUDGET (AF_INTERPOSE ? 300 : 120)

static struct stats (*results)[P_N]; /* shared: [scenario][pass] */
static struct report *reports;       /* shared: one per scenario */

/*
 * One scenario in a worker forked from the untouched main process: the
 * cold sweep first, while OpenSSL, SQLite and libcurl are still
 * uninitialised here; then one unarmed verification initialises them
 * (primed, persistent); then a verifier kept across runs (warm).
 */
static void worker(const struct scenario *s, int only, long cold_budget,
                   struct stats *out)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_result res;
	struct atok_error err;

	if (only < 0 || only == P_COLD)
		sweep(s, NULL, 0, cold_budget, &out[P_COLD]);
	if (only < 0 || only == P_COLD_PERSIST)
		sweep(s, NULL, 1, cold_budget, &out[P_COLD_PERSIST]);
	verify_path(s, &res);
	if (only < 0 || only == P_PRIMED)
		sweep(s, NULL, 0, 0, &out[P_PRIMED]);
	if (only < 0 || only == P_PERSIST)
		sweep(s, NULL, 1, 0, &out[P_PERSIST]);
	if (only >= 0 && only != P_WARM)
		return;
	if (cfg == NULL || atok_config_load_file(cfg, s->conf, &err) != 0 ||
	    atok_verifier_new(cfg, &v, &err) != 0) {
		out[P_WARM].ran = out[P_WARM].unfinished = 1;
	} else {
		verify_once(s, v, &res);
		sweep(s, v, 0, 0, &out[P_WARM]);
	}
	atok_verifier_free(&v);
	atok_config_free(&cfg);
}

/* Reproduces one run in the foreground, for a debugger:
 * AF_RUN=scenario:pass:N (numbers as in the TAP lines, from 0). */
static int debug_run(const char *arg)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_verifier *v = NULL;
	struct atok_result res;
	struct atok_error err;
	long i = -1, p = -1, at = 0;

	if (sscanf(arg, "%ld:%ld:%ld", &i, &p, &at) != 3 || i < 0 ||
	    i >= N_SC || p < 0 || p >= P_N || at <= 0) {
		printf("Bail out! AF_RUN=scenario:pass:N\n");
		return 99;
	}
	rep = &reports[i];
	if (p != P_COLD && p != P_COLD_PERSIST)
		verify_path(&sc[i], &res);
	if (p == P_WARM && (atok_config_load_file(cfg, sc[i].conf, &err) != 0 ||
	                    atok_verifier_new(cfg, &v, &err) != 0)) {
		printf("Bail out! %s\n", err.msg);
		return 99;
	}
	if (v != NULL)
		verify_once(&sc[i], v, &res);
	run_child(&sc[i], v, at, p == P_PERSIST || p == P_COLD_PERSIST);
}

static void report(const struct scenario *s, size_t i, enum pass p,
                   const struct stats *st)
{
	int good = s->why == ATOK_WHY_NONE;
	const struct atok_result *b = &st->base.res;
	char line[600];
	size_t k, o;
	int j;

	if (!st->ran)
		return;
	k = (size_t)snprintf(line, sizeof(line), "%s, %s: %ld allocations",
	                     s->name, pass_names[p], st->total);
	if (st->stride > 1)
		k += (size_t)snprintf(line + k, sizeof(line) - k,
		                      ", N in steps of %ld", st->stride);
	k += (size_t)snprintf(line + k, sizeof(line) - k,
	                      ", %ld runs (%.1f s):", st->runs, st->seconds);
	for (o = 0; o < O_N && k < sizeof(line); o++)
		if (st->n[o] > 0)
			k += (size_t)snprintf(line + k, sizeof(line) - k,
			                      " %ld %s", st->n[o],
			                      outcome_names[o]);
	T_DIAG("%s", line);
	if (st->n_bad > 0) {
		T_DIAG("  first: %s", st->bad_why);
		printf("#   at N =");
		for (j = 0; j < st->n_bad; j++)
			printf(" %ld", st->bad[j]);
		printf(" (reproduce: AF_RUN=%zu:%d:N)\n", i, (int)p);
	}
	T_OK(!st->unfinished && st->base.done &&
	         st->base.stage == ST_VERIFIED &&
	         (good ? b->verdict == ATOK_ACCEPT
	               : b->verdict == ATOK_REJECT && b->why == s->why),
	     "%s, %s: without failures the verdict is %s", s->name,
	     pass_names[p], good ? "accept" : atok_why_name(s->why));
	T_OK(st->n[O_CRASH] == 0 && st->n[O_HANG] == 0,
	     "%s, %s: no crash, no hang", s->name, pass_names[p]);
	if (!good) {
		T_OK(st->n[O_ACCEPT_SAME] == 0 && st->n[O_ACCEPT_OTHER] == 0 &&
		         st->n[O_REJECT_OTHER] == 0,
		     "%s, %s: never accepted; refused as %s or an error",
		     s->name, pass_names[p], atok_why_name(s->why));
		return;
	}
	T_OK(st->n[O_ACCEPT_OTHER] == 0 && st->n[O_REJECT_SAME] == 0 &&
	         st->n[O_REJECT_OTHER] == 0,
	     "%s, %s: accepted with the same result, or an error; never "
	     "refused",
	     s->name, pass_names[p]);
}

int main(void)
{
	const char *only_sc = getenv("AF_ONLY"), *only_p = getenv("AF_PASS");
	const char *budget = getenv("AF_COLD_BUDGET");
	int pg_only = getenv("AF_PG_ONLY") != NULL, have_pg;
	pid_t srv, pid, pids[N_SC] = {0};
	int status, p, worker_ok[N_SC] = {0};
	size_t i, next = 0, running = 0;

	hooks_install();
#if !AF_INTERPOSE
	T_DIAG("sanitizer build: malloc belongs to the sanitizer; only "
	       "jansson's, OpenSSL's and SQLite's allocation hooks inject "
	       "failures");
#endif
	fx = mmap(NULL, sizeof(*fx), PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	results = mmap(NULL, sizeof(*results) * N_SC, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	reports = mmap(NULL, sizeof(*reports) * N_SC, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fx == MAP_FAILED || results == MAP_FAILED ||
	    reports == MAP_FAILED) {
		printf("Bail out! mmap\n");
		return 99;
	}
	memset(results, 0, sizeof(*results) * N_SC);
	fx_tmpdir();
	intro_exp = (int64_t)time(NULL) + 7200;
	srv = srv_start();
	write_configs();
	fflush(stdout);
	if ((pid = fork()) == 0)
		setup_child();
	waitpid(pid, &status, 0);
	if (!fx->ok) {
		printf("Bail out! setup failed\n");
		return 99;
	}
	tok = *fx;
	if ((have_pg = pg_fixtures()) < 0) {
		printf(
		    "Bail out! AF_PG: cannot read the PostgreSQL fixtures\n");
		return 99;
	}
	if (getenv("AF_RUN") != NULL)
		return debug_run(getenv("AF_RUN"));

	/* Two workers at a time, one scenario each. */
	while (next < N_SC || running > 0) {
		if (next < N_SC && running < 2) {
			i = next++;
			if (only_sc != NULL && (size_t)atoi(only_sc) != i)
				continue;
			/* PostgreSQL scenarios only with AF_PG; AF_PG_ONLY:
			 * nothing else. */
			if (sc[i].conf == conf_pg ? !have_pg : pg_only)
				continue;
			fflush(stdout);
			if ((pids[i] = fork()) < 0) {
				printf("Bail out! fork: %s\n", strerror(errno));
				return 99;
			}
			if (pids[i] == 0) {
				alarm(WORKER_TIMEOUT);
				rep = &reports[i];
				worker(&sc[i], only_p ? atoi(only_p) : -1,
				       budget ? atol(budget) : COLD_BUDGET,
				       results[i]);
				_exit(0);
			}
			running++;
			continue;
		}
		if ((pid = wait(&status)) < 0)
			break;
		for (i = 0; i < N_SC; i++)
			if (pids[i] == pid) {
				worker_ok[i] = WIFEXITED(status) &&
				               WEXITSTATUS(status) == 0;
				running--;
			}
	}
	kill(srv, SIGKILL);
	waitpid(srv, &status, 0);
	for (i = 0; i < N_SC; i++) {
		if (pids[i] == 0)
			continue;
		for (p = 0; p < P_N; p++)
			report(&sc[i], i, (enum pass)p, &results[i][p]);
		T_OK(worker_ok[i], "%s: every pass finished", sc[i].name);
	}
	return t_done();
}
