/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * audit.h - the audit trail of the apitoken command: one syslog line
 * (LOG_AUTHPRIV | LOG_NOTICE, ident "apitoken") per administrative change,
 * naming the action, the token, its user, scopes, expiry and source
 * limits, and who did it (the real uid and, under sudo, SUDO_USER).
 * Never the token.
 */
#ifndef APITOKEN_AUDIT_H
#define APITOKEN_AUDIT_H

#include "store.h"

/*
 * One line for an action on rec ("issue", "revoke", "rotate"); extra (may
 * be NULL) is appended as is: the caller builds it from escaped fields.
 */
void audit_token(const char *action, const struct atok_token_record *rec,
                 const char *extra);

/* One line for a schema migration of the store at path. */
void audit_migration(const char *path, int from, int to);

#endif /* APITOKEN_AUDIT_H */
