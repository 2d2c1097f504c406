/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pool.c - verifiers kept across exchanges, a few per process.
 *
 * Building a verifier (read the configuration, open the token store, load
 * keys and secrets) costs far more than an exchange, and a verifier that
 * lives on keeps the core's verified-token cache.  So a finished exchange
 * hands its verifier back to a small process-wide pool and the next
 * exchange with the same effective configuration takes it again:
 *
 *  - Key: SHA-256 over the configuration path, the file's (st_dev, st_ino,
 *    st_size, st_mtim, st_ctim) and every apitoken_<section>_<key>
 *    override read through getopt.  A changed file or option is another
 *    key, so a new verifier.  The key is computed again after a build; a
 *    verifier whose inputs changed while it was built is not pooled.  (An
 *    edit in place that keeps the size within one tick of the kernel's
 *    file clock is not seen; it still is within the staleness bound.)
 *  - Staleness: an entry is taken at most ATOK_SASL_VERIFIER_TTL seconds
 *    after its build started (CLOCK_MONOTONIC), so rotated secrets and key
 *    files the configuration names are read again within that bound.
 *  - Exclusive use: an entry is out of the pool while an exchange uses it
 *    (the core's contract: one thread at a time per verifier).  The mutex
 *    guards only the slot array: no I/O, no allocation, no free under it.
 *  - Fork: each entry records the pid that built it.  One built in another
 *    process (the parent, before fork) is never used or freed here: its
 *    SQLite connection and kept-alive TLS connection belong to the parent,
 *    and freeing it could send a TLS close_notify on the shared socket.  It
 *    is dropped from the slot array unfreed: a bounded leak (at most
 *    POOL_SLOTS verifiers) once per fork, kept reachable in orphans[].
 *
 * No threads, no atexit, no pthread_atfork: libsasl2 may unload the
 * plugin.  server.c's mech_free calls atok_sasl_pool_free().
 */
#include "ac_config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "digest.h"
#include "plugin.h"

#define POOL_SLOTS 8 /* idle verifiers kept per process */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct atok_sasl_lease pool[POOL_SLOTS]; /* v == NULL: free slot */
/* Another process's verifiers, dropped from the pool unfreed: kept here
 * only so that they stay reachable (a leak checker's "still reachable",
 * not "lost"); a ring, so bounded whatever the number of forks. */
static struct atok_verifier *orphans[POOL_SLOTS];
static size_t n_orphans;

/* Drops lease e, built by another process, without freeing its
 * verifier.  Under the lock. */
static void orphan(struct atok_sasl_lease *e)
{
	orphans[n_orphans++ % POOL_SLOTS] = e->v;
	memset(e, 0, sizeof(*e));
}

/* Chains one piece into h: h = SHA-256(h || piece).  0 or -1. */
static int chain(unsigned char h[32], const void *piece, size_t len)
{
	unsigned char buf[32 + 128 + ATOK_CONFIG_VALUE_MAX + 2];
	int r;

	if (len > sizeof(buf) - 32)
		return -1;
	memcpy(buf, h, 32);
	memcpy(buf + 32, piece, len);
	r = atok_sha256(buf, 32 + len, h) == 0 ? 0 : -1;
	explicit_bzero(buf, sizeof(buf)); /* an override may be a secret */
	return r;
}

/*
 * The key of the effective configuration into l->key, l->path_key (the
 * path alone) and l->file_key (path and file identity).  0, or -1 when it
 * cannot be computed (no file, an option the build will refuse): the
 * exchange then builds without the pool and the build reports the error.
 */
static int key_of(const sasl_utils_t *utils, const struct atok_sasl_settings *s,
                  struct atok_sasl_lease *l)
{
	struct {
		int64_t dev, ino, size, mtim_s, mtim_ns, ctim_s, ctim_ns;
	} id;
	char piece[128 + ATOK_CONFIG_VALUE_MAX + 2];
	char value[ATOK_CONFIG_VALUE_MAX + 1];
	const char *path, *section, *key;
	struct atok_error err;
	struct stat st;
	size_t i;
	int n, r = -1;

	path = s->config_path[0] != '\0' ? s->config_path
	                                 : ATOK_CONFIG_DEFAULT_PATH;
	memset(l->path_key, 0, sizeof(l->path_key));
	if (chain(l->path_key, path, strlen(path) + 1) != 0 ||
	    stat(path, &st) != 0)
		return -1;
	memset(&id, 0, sizeof(id));
	id.dev = (int64_t)st.st_dev;
	id.ino = (int64_t)st.st_ino;
	id.size = (int64_t)st.st_size;
	id.mtim_s = (int64_t)st.st_mtim.tv_sec;
	id.mtim_ns = (int64_t)st.st_mtim.tv_nsec;
	id.ctim_s = (int64_t)st.st_ctim.tv_sec;
	id.ctim_ns = (int64_t)st.st_ctim.tv_nsec;
	memcpy(l->file_key, l->path_key, sizeof(l->file_key));
	if (chain(l->file_key, &id, sizeof(id)) != 0)
		return -1;
	memcpy(l->key, l->file_key, sizeof(l->key));
	for (i = 0; atok_sasl_override_name(i, &section, &key) != NULL; i++) {
		n = snprintf(piece, sizeof(piece), OPT_OVERRIDE "%s_%s",
		             section, key);
		if (n < 0 || (size_t)n >= 128 ||
		    atok_sasl_opt_copy(utils, piece, value, sizeof(value),
		                       &err) != 0)
			goto out;
		if (value[0] == '\0')
			continue;
		/* name NUL value NUL: neither holds a NUL */
		memcpy(piece + n + 1, value, strlen(value) + 1);
		if (chain(l->key, piece, (size_t)n + 2 + strlen(value)) != 0)
			goto out;
	}
	r = 0;
out:
	explicit_bzero(value, sizeof(value));
	explicit_bzero(piece, sizeof(piece));
	return r;
}

static void mono_now(struct timespec *ts)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts) != 0)
		memset(ts, 0, sizeof(*ts));
}

/* Whether an entry built at *built may no longer be taken at *now. */
static int expired(const struct timespec *built, const struct timespec *now)
{
	if (now->tv_sec < built->tv_sec)
		return 1;
	return now->tv_sec - built->tv_sec >= ATOK_SASL_VERIFIER_TTL;
}

int atok_sasl_pool_take(const sasl_utils_t *utils,
                        const struct atok_sasl_settings *s,
                        struct atok_sasl_lease *lease, struct atok_error *err)
{
	struct atok_verifier *evict[POOL_SLOTS];
	struct atok_sasl_lease again;
	struct timespec now;
	size_t i, n_evict = 0;
	int have_key, found = 0, r;
	pid_t pid = getpid();

	memset(lease, 0, sizeof(*lease));
	atok_error_clear(err);
	have_key = key_of(utils, s, lease) == 0;
	mono_now(&now);
	if (have_key) {
		pthread_mutex_lock(&pool_mu);
		for (i = 0; i < POOL_SLOTS; i++) {
			struct atok_sasl_lease *e = &pool[i];

			if (e->v == NULL)
				continue;
			if (e->pid != pid) {
				/* the parent's: dropped, never freed here */
				orphan(e);
				continue;
			}
			if (expired(&e->built, &now) ||
			    (memcmp(e->path_key, lease->path_key,
			            sizeof(e->path_key)) == 0 &&
			     memcmp(e->file_key, lease->file_key,
			            sizeof(e->file_key)) != 0)) {
				/* too old, or its file has changed since */
				evict[n_evict++] = e->v;
				memset(e, 0, sizeof(*e));
				continue;
			}
			if (!found &&
			    memcmp(e->key, lease->key, sizeof(e->key)) == 0) {
				*lease = *e;
				memset(e, 0, sizeof(*e));
				found = 1;
			}
		}
		pthread_mutex_unlock(&pool_mu);
	}
	for (i = 0; i < n_evict; i++)
		atok_verifier_free(&evict[i]);
	if (found) {
		lease->poolable = 1;
		return 0;
	}
	if ((r = atok_sasl_verifier_build(utils, s, &lease->v, err)) != 0)
		return r;
	lease->pid = pid;
	lease->built = now; /* before the build read anything */
	/* Pooled only if nothing changed while it was built. */
	lease->poolable = have_key && key_of(utils, s, &again) == 0 &&
	                  memcmp(again.key, lease->key, sizeof(again.key)) == 0;
	return 0;
}

void atok_sasl_pool_give(struct atok_sasl_lease *lease, int keep)
{
	struct timespec now;
	size_t i;
	int kept = 0;

	if (lease->v == NULL)
		return;
	if (lease->pid != 0 && lease->pid != getpid()) {
		/* built before a fork that happened mid-exchange: the
		 * parent's, never freed here (see the top of this file) */
		pthread_mutex_lock(&pool_mu);
		orphan(lease);
		pthread_mutex_unlock(&pool_mu);
		return;
	}
	mono_now(&now);
	if (keep && lease->poolable && lease->pid == getpid() &&
	    !expired(&lease->built, &now)) {
		pthread_mutex_lock(&pool_mu);
		for (i = 0; i < POOL_SLOTS && !kept; i++) {
			if (pool[i].v != NULL && pool[i].pid == lease->pid)
				continue;
			if (pool[i].v != NULL)
				orphan(&pool[i]); /* the parent's */
			pool[i] = *lease;
			kept = 1;
		}
		pthread_mutex_unlock(&pool_mu);
	}
	if (!kept)
		atok_verifier_free(&lease->v);
	memset(lease, 0, sizeof(*lease));
}

void atok_sasl_pool_free(void)
{
	struct atok_verifier *own[POOL_SLOTS];
	size_t i, n = 0;
	pid_t pid = getpid();

	pthread_mutex_lock(&pool_mu);
	for (i = 0; i < POOL_SLOTS; i++) {
		if (pool[i].v != NULL && pool[i].pid == pid)
			own[n++] = pool[i].v;
		else if (pool[i].v != NULL)
			orphan(&pool[i]);
		memset(&pool[i], 0, sizeof(pool[i]));
	}
	pthread_mutex_unlock(&pool_mu);
	for (i = 0; i < n; i++)
		atok_verifier_free(&own[i]);
}
