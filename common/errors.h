/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * errors.h - the core's one error space, and the detail that travels with it.
 *
 * Functions return 0 or a negative ATOK_ERR_*; the human detail goes into a
 * caller-provided struct atok_error (no allocation, so it works when memory
 * is short).  Front ends map codes in exactly one table each.
 */
#ifndef ATOK_ERRORS_H
#define ATOK_ERRORS_H

#define ATOK_ERROR_MSG_MAX 512

enum atok_err {
	ATOK_OK = 0,
	ATOK_ERR_NOMEM = -1,        /* allocation failed */
	ATOK_ERR_INVALID = -2,      /* bad argument or value */
	ATOK_ERR_CONFIG = -3,       /* configuration is wrong */
	ATOK_ERR_IO = -4,           /* a file could not be read or written */
	ATOK_ERR_PERM = -5,         /* unsafe ownership or permissions */
	ATOK_ERR_STORE = -6,        /* the token store failed */
	ATOK_ERR_NOT_FOUND = -7,    /* no such record */
	ATOK_ERR_TOO_LONG = -8,     /* input over its named limit */
	ATOK_ERR_MALFORMED = -9,    /* input does not parse */
	ATOK_ERR_CHECKSUM = -10,    /* local token checksum mismatch */
	ATOK_ERR_EXISTS = -11,      /* record already exists */
	ATOK_ERR_CRYPTO = -12,      /* OpenSSL failed */
	ATOK_ERR_UNAVAILABLE = -13, /* a backend cannot be reached now */
	ATOK_ERR_SCHEMA = -14,      /* store schema needs migration / too new */
	ATOK_ERR_BUSY = -15,        /* store locked longer than busy_timeout */
	ATOK_ERR_SIGNATURE = -16,   /* a signature does not verify */
};

struct atok_error {
	int code;
	char msg[ATOK_ERROR_MSG_MAX];
};

/* Static name of a code, e.g. "permission". Never NULL. */
const char *atok_err_str(int code);

/*
 * Sets err (NULL allowed) to code and the formatted message; returns code so
 * callers can write `return atok_error_set(err, ATOK_ERR_IO, "...")`.
 */
int atok_error_set(struct atok_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err (NULL allowed). */
void atok_error_clear(struct atok_error *err);

#endif /* ATOK_ERRORS_H */
