/* SPDX-License-Identifier: BSD-3-Clause */
/* util.c - small helpers shared by the core. */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atok.h"
#include "util.h"

void atok_freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void atok_free_string(char *s)
{
	if (s == NULL)
		return;
	atok_freezero(s, strlen(s));
}

int atok_strlcpy(char *dst, const char *src, size_t srclen, size_t dstsz)
{
	if (dstsz == 0)
		return ATOK_ERR_TOO_LONG;
	if (srclen >= dstsz) {
		dst[0] = '\0';
		return ATOK_ERR_TOO_LONG;
	}
	memcpy(dst, src, srclen);
	dst[srclen] = '\0';
	return 0;
}

int atok_strdup(char **dst, const char *src, struct atok_error *err)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	if ((*dst = strdup(src)) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	return 0;
}

void atok_hex(const unsigned char *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

int atok_check_path_safe(const char *path, const char *what,
                         struct atok_error *err)
{
	struct stat st;
	char dirbuf[PATH_MAX];
	const char *dir;

	if (path == NULL || *path == '\0')
		return atok_error_set(err, ATOK_ERR_INVALID, "%s: no path",
		                      what);
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return atok_error_set(err, ATOK_ERR_NOT_FOUND,
			                      "%s %s does not exist", what,
			                      path);
		return atok_error_set(err, ATOK_ERR_IO, "%s %s: %s", what, path,
		                      strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "%s %s is not a regular file", what,
		                      path);
	if (!owner_ok(&st))
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "%s %s is owned by uid %u, not root or "
		                      "uid %u",
		                      what, path, (unsigned)st.st_uid,
		                      (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "%s %s is group- or world-writable "
		                      "(mode %04o); chmod go-w it",
		                      what, path,
		                      (unsigned)(st.st_mode & 07777));

	if (atok_strlcpy(dirbuf, path, strlen(path), sizeof(dirbuf)) != 0)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "%s path too long", what);
	dir = dirname(dirbuf);
	if (stat(dir, &st) != 0)
		return atok_error_set(err, ATOK_ERR_IO, "%s directory %s: %s",
		                      what, dir, strerror(errno));
	if (!owner_ok(&st))
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "directory %s of %s is owned by uid %u, "
		                      "not root or uid %u",
		                      dir, what, (unsigned)st.st_uid,
		                      (unsigned)geteuid());
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "directory %s of %s is group- or "
		                      "world-writable (mode %04o)",
		                      dir, what,
		                      (unsigned)(st.st_mode & 07777));
	return 0;
}

int64_t atok_now(int64_t req_now)
{
	return req_now != 0 ? req_now : (int64_t)time(NULL);
}

void atok_log_escape(const char *s, int quoted, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char ch;

	if (s == NULL || *s == '\0')
		s = "-";
	for (; *s != '\0' && o + 5 < outsz; s++) {
		ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if ((ch > 0x20 && ch < 0x7f) || (ch == ' ' && quoted)) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 0xf];
		}
	}
	out[o] = '\0';
}

int atok_name_valid(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n == 0 || n > ATOK_USER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"')
			return 0;
	return 1;
}

int atok_read_private_file(const char *path, const char *what, size_t max,
                           char **out, size_t *len, struct atok_error *err)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, r;

	*out = NULL;
	if ((r = atok_check_path_safe(path, what, err)) != 0)
		return r == ATOK_ERR_NOT_FOUND ? ATOK_ERR_CONFIG : r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return atok_error_set(err, ATOK_ERR_IO, "cannot open %s: %s",
		                      path, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & S_IROTH)) {
		close(fd);
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "%s %s is world-readable", what, path);
	}
	if ((buf = calloc(1, max + 1)) == NULL) {
		close(fd);
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	}
	/* One byte more than allowed tells "too large" from "just fits". */
	n = read(fd, buf, max + 1);
	close(fd);
	if (n <= 0 || (size_t)n > max) {
		atok_freezero(buf, max + 1);
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "%s %s is empty, unreadable or over %zu "
		                      "bytes",
		                      what, path, max);
	}
	if (buf[n - 1] == '\n')
		buf[--n] = '\0';
	*out = buf;
	if (len != NULL)
		*len = (size_t)n;
	return 0;
}

/* Writes all len bytes of p to fd, again after EINTR: 0, or -1 (errno). */
static int write_all(int fd, const char *p, size_t len)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

int atok_write_private_file(const char *path, const void *data, size_t len,
                            const struct atok_private_write *how,
                            struct atok_error *err)
{
	char tmp[PATH_MAX + 32], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	int fd = -1, dfd = -1, r;

	if (dlen >= sizeof(dir) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)dlen,
	                     path, path + dlen) >= sizeof(tmp))
		return atok_error_set(err, ATOK_ERR_TOO_LONG, "path too long");
	/* The directory whose entry changes: "." for a bare name, "/" for
	 * "/name", else path up to its last '/'. */
	if (dlen == 0) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		memcpy(dir, path, dlen);
		dir[dlen > 1 ? dlen - 1 : 1] = '\0';
	}
	/* mkostemp adds O_RDWR | O_CREAT | O_EXCL, mode 0600. */
	if ((fd = mkostemp(tmp, O_NOFOLLOW | O_CLOEXEC)) < 0)
		return atok_error_set(err, ATOK_ERR_NOT_FOUND,
		                      "cannot create %s: %s", tmp,
		                      strerror(errno));
	if (fchmod(fd, 0600) != 0 ||
	    (how != NULL && (how->uid != (uid_t)-1 || how->gid != (gid_t)-1) &&
	     fchown(fd, how->uid, how->gid) != 0)) {
		r = atok_error_set(err, ATOK_ERR_IO, "%s: %s", tmp,
		                   strerror(errno));
		goto fail;
	}
	if (write_all(fd, data, len) != 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot write %s: %s", tmp,
		                   strerror(errno));
		goto fail;
	}
	r = fsync(fd);
	if (close(fd) != 0)
		r = -1;
	fd = -1;
	if (r != 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot sync %s: %s", tmp,
		                   strerror(errno));
		goto fail;
	}
	if (how != NULL && how->keep_existing) {
		/* link() never replaces: the first writer's file stays. */
		if (link(tmp, path) != 0) {
			r = errno == EEXIST
			        ? atok_error_set(err, ATOK_ERR_EXISTS,
			                         "%s already exists", path)
			        : atok_error_set(err, ATOK_ERR_IO,
			                         "cannot link %s to %s: %s",
			                         tmp, path, strerror(errno));
			goto fail;
		}
		(void)unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot rename to %s: %s",
		                   path, strerror(errno));
		goto fail;
	}
	/* The new entry itself must be durable before the file is relied
	 * on. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot sync %s: %s", dir,
		                   strerror(errno));
		goto out;
	}
	r = 0;
	goto out;
fail:
	(void)unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

int atok_private_dir(const char *dir, struct atok_error *err)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT ||
		    (mkdir(dir, 0700) != 0 && errno != EEXIST) ||
		    lstat(dir, &st) != 0)
			return ATOK_ERR_NOT_FOUND;
	}
	if (!S_ISDIR(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return atok_error_set(
		    err, ATOK_ERR_PERM,
		    "cache directory %s must be a directory "
		    "owned by root or uid %u and not group- or "
		    "world-writable",
		    dir, (unsigned)geteuid());
	return 0;
}

/* json_object_seed() does nothing once jansson is seeded (by us or by the
 * host).  A mutex rather than pthread_once: helgrind models mutexes but
 * not pthread_once, and this runs once per verifier, not per token. */
static pthread_mutex_t jansson_lock = PTHREAD_MUTEX_INITIALIZER;
static int jansson_seeded; /* under jansson_lock */

void atok_jansson_init(void)
{
	pthread_mutex_lock(&jansson_lock);
	if (!jansson_seeded) {
		json_object_seed(0); /* 0: from the system's entropy */
		jansson_seeded = 1;
	}
	pthread_mutex_unlock(&jansson_lock);
}

int atok_visible_ascii(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}
