/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/util.c and common/errors.c. */
#include "ac_config.h"

#include "errors.h"
#include "fixture.h"
#include "tap.h"
#include "util.h"

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
	return t_done();
}
