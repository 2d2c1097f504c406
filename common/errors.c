/* SPDX-License-Identifier: BSD-3-Clause */
/* errors.c - the core's error space. */
#include "ac_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

const char *atok_err_str(int code)
{
	switch (code) {
	case ATOK_OK:
		return "ok";
	case ATOK_ERR_NOMEM:
		return "out of memory";
	case ATOK_ERR_INVALID:
		return "invalid value";
	case ATOK_ERR_CONFIG:
		return "configuration error";
	case ATOK_ERR_IO:
		return "i/o error";
	case ATOK_ERR_PERM:
		return "unsafe permissions";
	case ATOK_ERR_STORE:
		return "store error";
	case ATOK_ERR_NOT_FOUND:
		return "not found";
	case ATOK_ERR_TOO_LONG:
		return "too long";
	case ATOK_ERR_MALFORMED:
		return "malformed";
	case ATOK_ERR_CHECKSUM:
		return "checksum mismatch";
	case ATOK_ERR_EXISTS:
		return "already exists";
	case ATOK_ERR_CRYPTO:
		return "crypto library error";
	case ATOK_ERR_UNAVAILABLE:
		return "unavailable";
	case ATOK_ERR_SCHEMA:
		return "store schema mismatch";
	case ATOK_ERR_BUSY:
		return "store busy";
	case ATOK_ERR_SIGNATURE:
		return "bad signature";
	}
	return "unknown error";
}

int atok_error_set(struct atok_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	/* Truncation is fine: a cut-short message is still one. */
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void atok_error_clear(struct atok_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
