/* SPDX-License-Identifier: BSD-3-Clause */
/* cidr.c - CIDR allow-lists and remote addresses (see cidr.h). */
#include "ac_config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "util.h"

/* ::ffff:0:0/96, IPv4-mapped IPv6. */
static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                           0, 0, 0, 0, 0xff, 0xff};

/* One address of n bytes, without a prefix: the text inet_pton() takes
 * (which already refuses "127.1", octal and leading zeros in IPv4). */
static int addr_text(const char *s, size_t n, struct atok_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(buf))
		return ATOK_ERR_MALFORMED;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n) == NULL) {
		out->family = AF_INET;
		return inet_pton(AF_INET, buf, out->bytes) == 1
		           ? 0
		           : ATOK_ERR_MALFORMED;
	}
	out->family = AF_INET6;
	return inet_pton(AF_INET6, buf, out->bytes) == 1 ? 0
	                                                 : ATOK_ERR_MALFORMED;
}

static unsigned addr_bits(const struct atok_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

/* Whether a and net agree on the first prefix bits. */
static int prefix_equal(const struct atok_addr *a, const struct atok_addr *net,
                        unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(a->bytes, net->bytes, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a->bytes[full] ^ net->bytes[full]) &
	        (unsigned char)(0xff << (8 - rest))) == 0;
}

/* Whether a has no bit set past prefix. */
static int host_bits_clear(const struct atok_addr *a, unsigned prefix)
{
	unsigned i;

	for (i = prefix; i < addr_bits(a); i++)
		if (a->bytes[i / 8] & (0x80u >> (i % 8)))
			return 0;
	return 1;
}

/* "10.0.0.0/8" or a bare address, n bytes without blanks. */
static int parse_entry(const char *s, size_t n, struct atok_cidr *c,
                       struct atok_error *err)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - s) : n;
	unsigned prefix = 0, max;
	size_t i;

	if (addr_text(s, alen, &c->net) != 0)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "\"%.*s\" is not a numeric IPv4 or IPv6 "
		                      "network",
		                      (int)(n > 64 ? 64 : n), s);
	max = addr_bits(&c->net);
	if (slash == NULL) {
		prefix = max;
	} else {
		const char *p = slash + 1, *end = s + n;
		if (p == end || p + 3 < end || (*p == '0' && p + 1 != end))
			goto bad_prefix;
		for (i = 0; p + i < end; i++) {
			if (p[i] < '0' || p[i] > '9')
				goto bad_prefix;
			prefix = prefix * 10 + (unsigned)(p[i] - '0');
		}
		if (prefix > max)
			goto bad_prefix;
	}
	if (prefix == 0)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "\"%.*s\" allows every address: leave "
		                      "the list empty instead",
		                      (int)n, s);
	if (c->net.family == AF_INET6 &&
	    memcmp(c->net.bytes, v4mapped, sizeof(v4mapped)) == 0)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "\"%.*s\" is IPv4-mapped: write the IPv4 "
		                      "network",
		                      (int)n, s);
	if (!host_bits_clear(&c->net, prefix))
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "\"%.*s\" has bits set past the /%u "
		                      "prefix",
		                      (int)n, s, prefix);
	c->prefix = prefix;
	return 0;
bad_prefix:
	return atok_error_set(err, ATOK_ERR_MALFORMED,
	                      "\"%.*s\": the prefix must be 1 to %u", (int)n, s,
	                      max);
}

int atok_cidr_list_parse(const char *s, size_t len, struct atok_cidr_list *out,
                         struct atok_error *err)
{
	const char *p = s, *end = s + len;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > ATOK_FROM_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "address list longer than %d bytes",
		                      ATOK_FROM_MAX);
	if (memchr(s, '\0', len) != NULL)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "address list holds a NUL byte");
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return 0; /* empty: unlimited */
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma != NULL ? comma : end;
		const char *b = p;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b == e) {
			r = atok_error_set(err, ATOK_ERR_MALFORMED,
			                   "empty entry in address list");
			goto fail;
		}
		if (out->n == ATOK_CIDR_ENTRIES_MAX) {
			r = atok_error_set(err, ATOK_ERR_TOO_LONG,
			                   "more than %d networks",
			                   ATOK_CIDR_ENTRIES_MAX);
			goto fail;
		}
		if ((r = parse_entry(b, (size_t)(e - b), &out->e[out->n],
		                     err)) != 0)
			goto fail;
		out->n++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
fail:
	memset(out, 0, sizeof(*out));
	return r;
}

void atok_addr_format(const struct atok_addr *a, char *out, size_t outsz)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->bytes, buf, sizeof(buf)) == NULL)
		snprintf(buf, sizeof(buf), "?");
	snprintf(out, outsz, "%s", buf);
}

int atok_cidr_list_format(const struct atok_cidr_list *l, char *out,
                          size_t outsz)
{
	char a[INET6_ADDRSTRLEN];
	size_t i, used = 0;
	int n;

	if (outsz == 0)
		return ATOK_ERR_TOO_LONG;
	out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		atok_addr_format(&l->e[i].net, a, sizeof(a));
		n = snprintf(out + used, outsz - used, "%s%s/%u",
		             i > 0 ? "," : "", a, l->e[i].prefix);
		if (n < 0 || (size_t)n >= outsz - used) {
			out[0] = '\0';
			return ATOK_ERR_TOO_LONG;
		}
		used += (size_t)n;
	}
	return 0;
}

int atok_addr_parse(const char *s, size_t len, struct atok_addr *out)
{
	const char *pct;

	memset(out, 0, sizeof(*out));
	if (s == NULL || len == 0 || len > ATOK_ADDR_MAX ||
	    memchr(s, '\0', len) != NULL)
		return ATOK_ERR_MALFORMED;
	/* fe80::1%eth0: the zone names a local interface, not a network. */
	pct = memchr(s, '%', len);
	if (pct != NULL) {
		if (memchr(s, ':', (size_t)(pct - s)) == NULL ||
		    pct + 1 == s + len)
			return ATOK_ERR_MALFORMED;
		len = (size_t)(pct - s);
	}
	if (addr_text(s, len, out) != 0) {
		memset(out, 0, sizeof(*out));
		return ATOK_ERR_MALFORMED;
	}
	if (out->family == AF_INET6 &&
	    memcmp(out->bytes, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(out->bytes, out->bytes + 12, 4);
		memset(out->bytes + 4, 0, 12);
		out->family = AF_INET;
	}
	return 0;
}

int atok_cidr_list_match(const struct atok_cidr_list *l,
                         const struct atok_addr *a)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].net.family == a->family &&
		    prefix_equal(a, &l->e[i].net, l->e[i].prefix))
			return 1;
	return 0;
}
