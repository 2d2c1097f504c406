/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/cidr.c: allow-lists and remote addresses. */
#include "ac_config.h"

#include <string.h>

#include "atok.h"
#include "cidr.h"
#include "errors.h"
#include "tap.h"

int main(void)
{
	/* in, canonical out ("" with r != 0), r */
	static const struct {
		const char *in, *out;
		int r;
	} p[] = {
	    {"", "", 0},
	    {"   ", "", 0},
	    {"127.0.0.0/8", "127.0.0.0/8", 0},
	    {"10.0.0.0/8, 192.168.0.0/16", "10.0.0.0/8,192.168.0.0/16", 0},
	    {" 192.0.2.7 ", "192.0.2.7/32", 0},
	    {"2001:db8::/32", "2001:db8::/32", 0},
	    {"2001:DB8:0:0::/64", "2001:db8::/64", 0},
	    {"::1", "::1/128", 0},
	    {"192.0.2.0/24,::1/128", "192.0.2.0/24,::1/128", 0},
	    {"10.0.0.0/32", "10.0.0.0/32", 0},
	    {"0.0.0.0/0", "", ATOK_ERR_MALFORMED},
	    {"::/0", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.1/8", "", ATOK_ERR_MALFORMED},
	    {"2001:db8::1/32", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/33", "", ATOK_ERR_MALFORMED},
	    {"::/129", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/08", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/8x", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/-8", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/+8", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/ 8", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/0008", "", ATOK_ERR_MALFORMED},
	    {"localhost", "", ATOK_ERR_MALFORMED},
	    {"example.com/24", "", ATOK_ERR_MALFORMED},
	    {"127.1", "", ATOK_ERR_MALFORMED},
	    {"010.0.0.0/8", "", ATOK_ERR_MALFORMED},
	    {"0x7f.0.0.1", "", ATOK_ERR_MALFORMED},
	    {"256.0.0.0/8", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/8,", "", ATOK_ERR_MALFORMED},
	    {",10.0.0.0/8", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/8,,::1", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/8 192.168.0.0/16", "", ATOK_ERR_MALFORMED},
	    {"::ffff:10.0.0.0/104", "", ATOK_ERR_MALFORMED},
	    {"::ffff:10.0.0.1", "", ATOK_ERR_MALFORMED},
	    {"fe80::1%eth0", "", ATOK_ERR_MALFORMED},
	    {"[::1]", "", ATOK_ERR_MALFORMED},
	    {"10.0.0.0/8;", "", ATOK_ERR_MALFORMED},
	};
	/* list, remote, parse result of the remote, match */
	static const struct {
		const char *list, *addr;
		int r, match;
	} m[] = {
	    {"127.0.0.0/8", "127.0.0.1", 0, 1},
	    {"127.0.0.0/8", "128.0.0.1", 0, 0},
	    {"127.0.0.0/8", "::ffff:127.0.0.1", 0, 1},
	    {"127.0.0.0/8", "::1", 0, 0},
	    {"::1", "::1", 0, 1},
	    {"::1", "127.0.0.1", 0, 0},
	    {"192.0.2.128/25", "192.0.2.127", 0, 0},
	    {"192.0.2.128/25", "192.0.2.128", 0, 1},
	    {"192.0.2.128/25", "192.0.2.255", 0, 1},
	    {"10.0.0.0/9", "10.127.255.255", 0, 1},
	    {"10.0.0.0/9", "10.128.0.0", 0, 0},
	    {"2001:db8::/33", "2001:db8:7fff::1", 0, 1},
	    {"2001:db8::/33", "2001:db8:8000::1", 0, 0},
	    {"fe80::/10", "fe80::1%eth0", 0, 1},
	    {"192.0.2.0/24,198.51.100.0/24", "198.51.100.9", 0, 1},
	    {"", "192.0.2.1", 0, 0},
	    {"127.0.0.0/8", "localhost", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "127.0.0.1;22", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "127.0.0.1:22", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "127.1", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "%eth0", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "127.0.0.1%lo", ATOK_ERR_MALFORMED, 0},
	    {"127.0.0.0/8", "::1%", ATOK_ERR_MALFORMED, 0},
	};
	struct atok_cidr_list l;
	struct atok_addr a;
	struct atok_error err = {0};
	char out[ATOK_FROM_MAX + 1], big[ATOK_FROM_MAX + 2];
	size_t i, used;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(p); i++) {
		atok_error_clear(&err);
		T_EQ_INT(
		    atok_cidr_list_parse(p[i].in, strlen(p[i].in), &l, &err),
		    p[i].r, "parse row %zu \"%s\"", i, p[i].in);
		if (p[i].r != 0) {
			T_OK(l.n == 0 && err.msg[0] != '\0',
			     "parse row %zu: empty list, a message (%s)", i,
			     err.msg);
			continue;
		}
		T_EQ_INT(atok_cidr_list_format(&l, out, sizeof(out)), 0,
		         "format row %zu", i);
		T_EQ_STR(out, p[i].out, "format row %zu", i);
		/* The canonical form parses to itself. */
		T_EQ_INT(atok_cidr_list_parse(out, strlen(out), &l, &err), 0,
		         "reparse row %zu", i);
	}
	for (i = 0; i < ATOK_ARRAY_SIZE_T(m); i++) {
		T_EQ_INT(atok_cidr_list_parse(m[i].list, strlen(m[i].list), &l,
		                              &err),
		         0, "match row %zu list", i);
		T_EQ_INT(atok_addr_parse(m[i].addr, strlen(m[i].addr), &a),
		         m[i].r, "match row %zu address \"%s\"", i, m[i].addr);
		if (m[i].r == 0)
			T_EQ_INT(atok_cidr_list_match(&l, &a), m[i].match,
			         "match row %zu: %s in %s", i, m[i].addr,
			         m[i].list);
	}
	T_EQ_INT(atok_addr_parse("::ffff:192.0.2.1", 16, &a), 0, "mapped");
	atok_addr_format(&a, out, sizeof(out));
	T_EQ_STR(out, "192.0.2.1", "mapped address shown as IPv4");
	T_EQ_INT(atok_addr_parse("127.0.0.1\0x", 11, &a), ATOK_ERR_MALFORMED,
	         "NUL in address");
	T_EQ_INT(atok_cidr_list_parse("127.0.0.0/8\0", 12, &l, &err),
	         ATOK_ERR_MALFORMED, "NUL in list");

	/* Limits: ATOK_CIDR_ENTRIES_MAX networks, ATOK_FROM_MAX bytes. */
	for (i = 0, used = 0; i < ATOK_CIDR_ENTRIES_MAX; i++)
		used += (size_t)snprintf(big + used, sizeof(big) - used,
		                         "%s10.%zu.0.0/16", i ? "," : "", i);
	T_EQ_INT(atok_cidr_list_parse(big, used, &l, &err), 0, "%d networks",
	         ATOK_CIDR_ENTRIES_MAX);
	T_EQ_INT(l.n, ATOK_CIDR_ENTRIES_MAX, "all of them kept");
	snprintf(big + used, sizeof(big) - used, ",10.99.0.0/16");
	T_EQ_INT(atok_cidr_list_parse(big, strlen(big), &l, &err),
	         ATOK_ERR_TOO_LONG, "one network too many");
	memset(big, ' ', sizeof(big));
	T_EQ_INT(atok_cidr_list_parse(big, ATOK_FROM_MAX, &l, &err), 0,
	         "blanks at the byte limit");
	T_EQ_INT(atok_cidr_list_parse(big, ATOK_FROM_MAX + 1, &l, &err),
	         ATOK_ERR_TOO_LONG, "over the byte limit");
	memset(big, '1', sizeof(big));
	T_EQ_INT(atok_addr_parse(big, ATOK_ADDR_MAX + 1, &a),
	         ATOK_ERR_MALFORMED, "address over its limit");
	T_EQ_INT(atok_cidr_list_format(&l, out, 0), ATOK_ERR_TOO_LONG,
	         "format into nothing");
	return t_done();
}
