/* SPDX-License-Identifier: BSD-3-Clause */
/* audit.c - the audit trail of the apitoken command (see audit.h). */
#include "ac_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "util.h"

#define SUDO_USER_MAX 64 /* bytes of SUDO_USER shown */

static void audit_open(void)
{
	static int opened;

	if (!opened) {
		openlog("apitoken", LOG_PID, LOG_AUTHPRIV);
		opened = 1;
	}
}

/* "by_uid=0 sudo_user=alice" (sudo_user=- without sudo).  SUDO_USER is
 * the environment's word: escaped, and next to the uid that is not. */
static void who(char *out, size_t n)
{
	char sudo[ATOK_LOG_FIELD_MAX(SUDO_USER_MAX)];
	const char *s = getenv("SUDO_USER");
	char cut[SUDO_USER_MAX + 1];

	snprintf(cut, sizeof(cut), "%s", s != NULL ? s : "");
	atok_log_escape(cut, 0, sudo, sizeof(sudo));
	snprintf(out, n, "by_uid=%u euid=%u sudo_user=%s", (unsigned)getuid(),
	         (unsigned)geteuid(), sudo);
}

static const char *iso(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, t == 0 ? "never" : "%lld", (long long)t);
	return buf;
}

void audit_token(const char *action, const struct atok_token_record *rec,
                 const char *extra)
{
	char id[ATOK_LOG_FIELD_MAX(ATOK_TOKEN_ID_MAX)];
	char user[ATOK_LOG_FIELD_MAX(ATOK_USER_MAX)];
	char scopes[ATOK_LOG_FIELD_MAX(ATOK_SCOPES_MAX)];
	char from[ATOK_LOG_FIELD_MAX(ATOK_FROM_MAX)];
	char by[ATOK_LOG_FIELD_MAX(SUDO_USER_MAX) + 64], exp[32];

	atok_log_escape(rec->id, 0, id, sizeof(id));
	atok_log_escape(rec->user, 0, user, sizeof(user));
	atok_log_escape(rec->scopes, 1, scopes, sizeof(scopes));
	atok_log_escape(rec->allowed_from, 0, from, sizeof(from));
	who(by, sizeof(by));
	audit_open();
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	       "audit action=%s token_id=%s user=%s scopes=\"%s\" expires=%s "
	       "from=%s %s%s%s",
	       action, id, user, scopes, iso(rec->expires, exp), from, by,
	       extra != NULL ? " " : "", extra != NULL ? extra : "");
}

void audit_migration(const char *path, int from, int to)
{
	char p[ATOK_LOG_FIELD_MAX(256)];
	char by[ATOK_LOG_FIELD_MAX(SUDO_USER_MAX) + 64];

	atok_log_escape(path, 1, p, sizeof(p));
	who(by, sizeof(by));
	audit_open();
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	       "audit action=migrate store=\"%s\" schema_from=%d schema_to=%d "
	       "%s",
	       p, from, to, by);
}
