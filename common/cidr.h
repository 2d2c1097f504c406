/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cidr.h - source-address limits of local tokens: a strict parser for
 * CIDR allow-lists ("10.0.0.0/8,2001:db8::/32") and for the numeric remote
 * address a front end knows (PAM_RHOST, SASL ipremoteport, --remote-addr).
 *
 * Strict: numeric addresses only (no host names), a prefix in decimal with
 * no leading zero, no bits set past the prefix, no /0 (an empty list is
 * the only way to say "anywhere"), IPv4-mapped IPv6 written as IPv4.  An
 * IPv4-mapped remote address (::ffff:192.0.2.1) is compared as IPv4.
 */
#ifndef ATOK_CIDR_H
#define ATOK_CIDR_H

#include <stddef.h>

#include "atok.h"
#include "errors.h"

#define ATOK_CIDR_ENTRIES_MAX 16 /* networks in one allow-list */

struct atok_addr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char bytes[16]; /* network order; 4 used for AF_INET */
};

struct atok_cidr {
	struct atok_addr net;
	unsigned prefix; /* 1..32 or 1..128 */
};

struct atok_cidr_list {
	size_t n; /* 0 = unlimited */
	struct atok_cidr e[ATOK_CIDR_ENTRIES_MAX];
};

/*
 * Parses a comma-separated allow-list of len bytes (at most ATOK_FROM_MAX;
 * blanks around entries allowed; "" gives an empty list) into *out.  A bare
 * address is a /32 or /128.  Returns 0, ATOK_ERR_TOO_LONG or
 * ATOK_ERR_MALFORMED, with the offending entry in err.
 */
int atok_cidr_list_parse(const char *s, size_t len, struct atok_cidr_list *out,
                         struct atok_error *err);

/*
 * Writes l in canonical form ("10.0.0.0/8,2001:db8::/32", what the store
 * keeps) to out of outsz bytes.  0 or ATOK_ERR_TOO_LONG.
 */
int atok_cidr_list_format(const struct atok_cidr_list *l, char *out,
                          size_t outsz);

/*
 * Parses a remote address of len bytes (at most ATOK_ADDR_MAX): IPv4
 * dotted quad, or IPv6 with an optional %zone (ignored).  IPv4-mapped IPv6
 * becomes IPv4.  0 or ATOK_ERR_MALFORMED (a host name, a port, anything
 * else).
 */
int atok_addr_parse(const char *s, size_t len, struct atok_addr *out);

/* Writes a in its numeric form to out (at least ATOK_ADDR_MAX + 1). */
void atok_addr_format(const struct atok_addr *a, char *out, size_t outsz);

/* Whether a lies in one of l's networks; 0 for an empty list. */
int atok_cidr_list_match(const struct atok_cidr_list *l,
                         const struct atok_addr *a);

#endif /* ATOK_CIDR_H */
