/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/util.c and common/errors.c. */
#include "ac_config.h"

#include "errors.h"
#include "fixture.h"
#include "tap.h"
#include "util.h"

static int n_entries;

static int count_entry(const char *p, const struct stat *st, int flag,
                       struct FTW *ftw)
{
	(void)p;
	(void)st;
	(void)flag;
	n_entries += ftw->level > 0;
	return 0;
}

/* Files and directories under dir, itself not counted. */
static int entries(const char *dir)
{
	n_entries = 0;
	if (nftw(dir, count_entry, 4, FTW_PHYS) != 0)
		return -1;
	return n_entries;
}

/* The contents of path, or "" when it cannot be read. */
static const char *contents(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* atok_write_private_file: atomic, 0600, no temp file left behind. */
static void test_write_private_file(void)
{
	static const struct atok_private_write keep = {(uid_t)-1, (gid_t)-1,
	                                               true};
	struct atok_error err = {0};
	struct stat st;
	char dir[600], p[700], q[700], longp[8192];

	snprintf(dir, sizeof(dir), "%s/w", fx_dir);
	mkdir(dir, 0700);
	snprintf(p, sizeof(p), "%s/a.json", dir);
	T_EQ_INT(atok_write_private_file(p, "first", 5, NULL, &err), 0,
	         "write: a new file (%s)", err.msg);
	T_EQ_STR(contents(p), "first", "write: its contents");
	T_OK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	         st.st_nlink == 1,
	     "write: mode 0600, one link");
	T_EQ_INT(entries(dir), 1, "write: no temp file left");
	T_EQ_INT(atok_write_private_file(p, "second!", 7, NULL, &err), 0,
	         "write: replaces (%s)", err.msg);
	T_EQ_STR(contents(p), "second!", "write: the new contents");
	T_EQ_INT(atok_write_private_file(p, "", 0, NULL, &err), 0,
	         "write: an empty file (%s)", err.msg);
	T_EQ_STR(contents(p), "", "write: empty");

	/* keep_existing: the first file wins, nothing is left over. */
	T_EQ_INT(atok_write_private_file(p, "third", 5, &keep, &err),
	         ATOK_ERR_EXISTS, "keep_existing: an existing file stays");
	T_EQ_STR(contents(p), "", "keep_existing: its contents unchanged");
	T_EQ_INT(entries(dir), 1, "keep_existing: no temp file left");
	snprintf(q, sizeof(q), "%s/b.key", dir);
	T_EQ_INT(atok_write_private_file(q, "key", 3, &keep, &err), 0,
	         "keep_existing: a new file (%s)", err.msg);
	T_OK(stat(q, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	         st.st_nlink == 1,
	     "keep_existing: mode 0600, one link (the temp name is gone)");
	T_EQ_STR(contents(q), "key", "keep_existing: its contents");
	T_EQ_INT(entries(dir), 2, "keep_existing: no temp file left");

	/* A symlink at path is replaced, never followed. */
	snprintf(q, sizeof(q), "%s/target", dir);
	T_EQ_INT(atok_write_private_file(q, "target", 6, NULL, &err), 0,
	         "symlink: the target (%s)", err.msg);
	snprintf(p, sizeof(p), "%s/link", dir);
	T_OK(symlink(q, p) == 0, "symlink: made");
	T_EQ_INT(atok_write_private_file(p, "new", 3, NULL, &err), 0,
	         "symlink: replaced (%s)", err.msg);
	T_EQ_STR(contents(q), "target", "symlink: its target untouched");
	T_OK(lstat(p, &st) == 0 && S_ISREG(st.st_mode),
	     "symlink: now a regular file");
	T_OK(symlink(q, p) == 0 || (unlink(p) == 0 && symlink(q, p) == 0),
	     "symlink: made again");
	T_EQ_INT(atok_write_private_file(p, "x", 1, &keep, &err),
	         ATOK_ERR_EXISTS, "symlink: keep_existing keeps it");
	T_EQ_STR(contents(q), "target", "symlink: its target still untouched");

	/* Where no file can be made: ATOK_ERR_NOT_FOUND, the caller may go
	 * without. */
	snprintf(p, sizeof(p), "%s/missing/a.json", dir);
	T_EQ_INT(atok_write_private_file(p, "x", 1, NULL, &err),
	         ATOK_ERR_NOT_FOUND, "a missing directory (%s)", err.msg);
	T_OK(strstr(err.msg, "cannot create") != NULL,
	     "a missing directory: the message says so (%s)", err.msg);
	if (geteuid() != 0) {
		snprintf(q, sizeof(q), "%s/ro", dir);
		mkdir(q, 0500);
		snprintf(p, sizeof(p), "%s/ro/a.json", dir);
		T_EQ_INT(atok_write_private_file(p, "x", 1, NULL, &err),
		         ATOK_ERR_NOT_FOUND, "a read-only directory (%s)",
		         err.msg);
		chmod(q, 0700);
	} else {
		/* root: give the file away before it appears */
		struct atok_private_write to = {65534, 65534, false};

		snprintf(p, sizeof(p), "%s/given.json", dir);
		T_EQ_INT(atok_write_private_file(p, "x", 1, &to, &err), 0,
		         "owner: written (%s)", err.msg);
		T_OK(stat(p, &st) == 0 && st.st_uid == 65534 &&
		         st.st_gid == 65534 && (st.st_mode & 07777) == 0600,
		     "owner: 65534:65534, mode 0600");
	}
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	T_EQ_INT(atok_write_private_file(longp, "x", 1, NULL, &err),
	         ATOK_ERR_TOO_LONG, "a path too long");
}

int main(void)
{
	struct atok_error err;
	char buf[8], hex[9];
	static const unsigned char bytes[] = {0x00, 0x7f, 0xab, 0xff};
	int code;

	for (code = 0; code >= -15; code--)
		T_OK(strcmp(atok_err_str(code), "unknown error") != 0,
		     "error %d has a name (%s)", code, atok_err_str(code));
	T_EQ_STR(atok_err_str(-999), "unknown error", "unknown code");
	T_EQ_INT(atok_error_set(&err, ATOK_ERR_IO, "x=%d", 5), ATOK_ERR_IO,
	         "error_set returns code");
	T_EQ_STR(err.msg, "x=5", "error_set formats");
	T_EQ_INT(atok_error_set(NULL, ATOK_ERR_IO, "x"), ATOK_ERR_IO,
	         "error_set with NULL");
	atok_error_clear(&err);
	T_EQ_INT(err.code, 0, "clear");
	atok_error_clear(NULL);

	T_EQ_INT(atok_strlcpy(buf, "abc", 3, sizeof(buf)), 0, "strlcpy fits");
	T_EQ_STR(buf, "abc", "strlcpy copies");
	T_EQ_INT(atok_strlcpy(buf, "abcdefgh", 8, sizeof(buf)),
	         ATOK_ERR_TOO_LONG, "strlcpy too long");
	T_EQ_STR(buf, "", "strlcpy empties on overflow");
	atok_hex(bytes, 4, hex);
	T_EQ_STR(hex, "007fabff", "hex");
	T_EQ_INT(atok_now(42), 42, "now from request");
	T_OK(atok_now(0) > 1700000000, "now from clock");
	atok_freezero(NULL, 10);
	atok_free_string(NULL);
	atok_free_string(strdup("secret"));

	fx_tmpdir();
	{
		static const struct {
			const char *name;
			mode_t mode;
			int want;
		} rows[] = {
		    {"a", 0600, 0},
		    {"b", 0640, 0},
		    {"c", 0660, ATOK_ERR_PERM},
		    {"d", 0606, ATOK_ERR_PERM},
		};
		size_t i;
		for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
			const char *p =
			    fx_file(rows[i].name, "x", rows[i].mode);
			T_EQ_INT(atok_check_path_safe(p, "test file", &err),
			         rows[i].want, "path row %zu mode %04o (%s)", i,
			         (unsigned)rows[i].mode, err.msg);
		}
	}
	T_EQ_INT(atok_check_path_safe("/nonexistent/x", "f", &err),
	         ATOK_ERR_NOT_FOUND, "missing path");
	T_EQ_INT(atok_check_path_safe("", "f", &err), ATOK_ERR_INVALID,
	         "empty path");
	T_EQ_INT(atok_check_path_safe(NULL, "f", &err), ATOK_ERR_INVALID,
	         "NULL path");
	/* A sticky world-writable directory (like /tmp) is acceptable. */
	{
		char p[600];
		snprintf(p, sizeof(p), "%s/sticky", fx_dir);
		mkdir(p, 0700);
		chmod(p, 01777);
		snprintf(p, sizeof(p), "%s/sticky/f", fx_dir);
		FILE *f = fopen(p, "w");
		fclose(f);
		chmod(p, 0600);
		T_EQ_INT(atok_check_path_safe(p, "f", &err), 0,
		         "file in sticky dir (%s)", err.msg);
		if (geteuid() == 0) {
			T_OK(chown(p, 65534, 65534) == 0, "chown to nobody");
			T_EQ_INT(
			    atok_check_path_safe(p, "f", &err), ATOK_ERR_PERM,
			    "file owned by another user refused (%s)", err.msg);
		}
	}
	/* atok_strdup: a copy, NULL for NULL. */
	{
		char *d = (char *)&err;

		T_EQ_INT(atok_strdup(&d, "copy me", &err), 0, "strdup");
		T_EQ_STR(d, "copy me", "strdup copies");
		free(d);
		d = (char *)&err;
		T_EQ_INT(atok_strdup(&d, NULL, &err), 0, "strdup of NULL");
		T_OK(d == NULL, "strdup of NULL is NULL");
	}
	test_write_private_file();
	return t_done();
}
