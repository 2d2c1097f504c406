/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/scope.c. */
#include "ac_config.h"

#include <string.h>

#include "atok.h"
#include "errors.h"
#include "scope.h"
#include "tap.h"

int main(void)
{
	static const struct {
		const char *s;
		int valid;
	} v[] = {
	    {"ssh", 1},         {"repo:read", 1},
	    {"a!#[]~", 1},      {"", 0},
	    {"has space", 0},   {"quote\"", 0},
	    {"back\\slash", 0}, {"tab\t", 0},
	    {"caf\xc3\xa9", 0},
	};
	static const struct {
		const char *in, *out;
		int r;
	} n[] = {
	    {"", "", 0},
	    {"ssh", "ssh", 0},
	    {"  ssh   imap ", "ssh imap", 0},
	    {"ssh imap ssh", "ssh imap", 0},
	    {"a\"b", "", ATOK_ERR_MALFORMED},
	};
	static const struct {
		const char *have, *s;
		int want;
	} h[] = {
	    {"ssh imap", "ssh", 1}, {"ssh imap", "imap", 1},
	    {"ssh imap", "ss", 0},  {"sshd imap", "ssh", 0},
	    {"ssh", "ssh imap", 0}, {"", "ssh", 0},
	    {"a:b", "a", 0},        {"x ssh", "ssh", 1},
	};
	char out[64], big[ATOK_SCOPE_MAX + 2];
	const char *need[] = {"ssh", "imap"};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(v); i++)
		T_EQ_INT(atok_scope_valid(v[i].s, strlen(v[i].s)), v[i].valid,
		         "valid row %zu \"%s\"", i, v[i].s);
	memset(big, 'a', sizeof(big));
	T_OK(atok_scope_valid(big, ATOK_SCOPE_MAX), "scope at limit");
	T_OK(!atok_scope_valid(big, ATOK_SCOPE_MAX + 1), "scope over limit");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(n); i++) {
		T_EQ_INT(atok_scope_normalize(n[i].in, out, sizeof(out)),
		         n[i].r, "normalize row %zu", i);
		T_EQ_STR(out, n[i].out, "normalize row %zu output", i);
	}
	T_EQ_INT(atok_scope_normalize("aaaa bbbb", out, 6), ATOK_ERR_TOO_LONG,
	         "normalize overflow");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(h); i++)
		T_EQ_INT(atok_scope_has(h[i].have, h[i].s), h[i].want,
		         "has row %zu (%s in \"%s\")", i, h[i].s, h[i].have);
	T_OK(atok_scope_missing("imap ssh", need, 2) == NULL, "none missing");
	T_EQ_STR(atok_scope_missing("ssh", need, 2), "imap", "imap missing");
	T_OK(atok_scope_missing("", need, 0) == NULL, "nothing needed");
	return t_done();
}
