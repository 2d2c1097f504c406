/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util.h - small helpers shared by the core: secret wiping, bounded string
 * copies, file safety checks, hex.
 */
#ifndef ATOK_UTIL_H
#define ATOK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "errors.h"

#define ATOK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Wipes then frees p (NULL fine). */
void atok_freezero(void *p, size_t len);

/* Wipes and frees a NUL-terminated string (NULL fine). */
void atok_free_string(char *s);

/* Copies src (srclen bytes) into dst of dstsz with a NUL; returns 0, or
 * ATOK_ERR_TOO_LONG (dst then holds "").  */
int atok_strlcpy(char *dst, const char *src, size_t srclen, size_t dstsz);

/*
 * Sets *dst to a copy of src (from malloc, the caller frees it), or to
 * NULL when src is NULL.  Returns 0, or ATOK_ERR_NOMEM with err set to
 * "out of memory" (*dst then NULL).
 */
int atok_strdup(char **dst, const char *src, struct atok_error *err);

/*
 * strcpy() from one char array into another, with the sizes checked by the
 * compiler: both must be arrays (not pointers) and dst at least as large
 * as src.  Copies up to src's first NUL or its last byte, and terminates.
 */
#define ATOK_IS_ARRAY(a)                                                       \
	(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))
#define ATOK_STRCPY_ARRAY(dst, src)                                            \
	do {                                                                   \
		_Static_assert(ATOK_IS_ARRAY(dst) && ATOK_IS_ARRAY(src) &&     \
		                   sizeof(dst) >= sizeof(src),                 \
		               "ATOK_STRCPY_ARRAY(" #dst ", " #src ")");       \
		size_t atok_n_ = strnlen((src), sizeof(src) - 1);              \
		memcpy((dst), (src), atok_n_);                                 \
		(dst)[atok_n_] = '\0';                                         \
	} while (0)

/* Hex of p[0..len) into out (2*len+1 bytes), lower case. */
void atok_hex(const unsigned char *p, size_t len, char *out);

/*
 * Checks that path is safe to trust: a regular file (or, with want_dir, a
 * directory) owned by root or the effective uid, not writable by group or
 * others; and that its parent directory is owned by root or euid and not
 * writable by group or others unless sticky.  `what` names it in errors.
 * Returns 0, ATOK_ERR_PERM, ATOK_ERR_NOT_FOUND or ATOK_ERR_IO.
 */
int atok_check_path_safe(const char *path, const char *what,
                         struct atok_error *err);

/* Bytes a log field of n input bytes may need once escaped, with a NUL. */
#define ATOK_LOG_FIELD_MAX(n) (4 * (n) + 2)

/*
 * Copies s into out for a log line that front ends write: `"` and `\`
 * get a backslash, bytes outside printable ASCII (and the space, unless
 * the field is quoted) become \xHH, so no client-chosen name can forge
 * fields or lines.  NULL or empty becomes "-".  Truncates to fit.
 */
void atok_log_escape(const char *s, int quoted, char *out, size_t outsz);

/* Whether s (n bytes) is a user name or token id we report: 1 to
 * ATOK_USER_MAX bytes, no space, control character or '"'. */
int atok_name_valid(const char *s, size_t n);

/*
 * Reads a small private file (a secret or a key): safe as
 * atok_check_path_safe() says and not world-readable, 1 to max bytes, one
 * trailing newline dropped.  *out is a NUL-terminated buffer of max + 1
 * bytes the caller wipes and frees with atok_freezero(*out, max + 1);
 * *len (may be NULL) its length.  `what` names the file in errors.
 */
int atok_read_private_file(const char *path, const char *what, size_t max,
                           char **out, size_t *len, struct atok_error *err);

/* How atok_write_private_file() makes its file; NULL: as the writer. */
struct atok_private_write {
	uid_t uid;          /* give the file to uid:gid before it appears, */
	gid_t gid;          /* or (uid_t)-1 and (gid_t)-1: keep the writer's */
	bool keep_existing; /* never replace path: ATOK_ERR_EXISTS if it is
	                       there, and nothing is written */
};

/*
 * Replaces the file path with len bytes of data, atomically and durably:
 * a new temp file ".NAME.XXXXXX" in path's directory, created with
 * O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (then given to how->uid:gid),
 * written in full, fsynced, renamed over path (with keep_existing, linked
 * to path, which fails if it exists), then the directory fsynced.  The
 * temp file is removed on every failure.  Checks nothing of the directory:
 * the caller has (atok_private_dir(), its own owner checks).  Returns 0;
 * ATOK_ERR_NOT_FOUND when no file can be created in that directory (the
 * caller may go without: a read-only cache); ATOK_ERR_EXISTS
 * (keep_existing); ATOK_ERR_TOO_LONG for a path too long; ATOK_ERR_IO
 * when writing, syncing or renaming failed.  err says which file and why.
 */
int atok_write_private_file(const char *path, const void *data, size_t len,
                            const struct atok_private_write *how,
                            struct atok_error *err);

/*
 * Makes sure dir is a private cache directory, creating it (0700) when
 * missing: 0; ATOK_ERR_NOT_FOUND when it is missing and cannot be created
 * (the caller works without a disk cache); ATOK_ERR_PERM with err filled
 * when it is not a directory owned by root or the effective user, or is
 * group- or world-writable.
 */
int atok_private_dir(const char *dir, struct atok_error *err);

/*
 * Seeds jansson's hash function once per process, before the caller's
 * first jansson call.  Jansson seeds itself lazily in the first
 * json_object() of any thread, unsynchronised with threads that read the
 * seed, and asks threaded programs to seed before starting threads; a
 * plugin cannot, so every constructor that leads to jansson calls this
 * first, and its lock orders the seeding before all of our jansson calls
 * in every thread.
 */
void atok_jansson_init(void);

/* Whether s (n bytes) is 1..max bytes of visible ASCII (0x21-0x7e). */
int atok_visible_ascii(const char *s, size_t n, size_t max);

/* The time now in seconds, or req_now when it is not 0. */
int64_t atok_now(int64_t req_now);

#endif /* ATOK_UTIL_H */
