/* iptext.c — ip_text(): inet_ntop() for the control server's "connection from" line.
 *
 * Why it exists: the static size budget. It replaces inet_ntop() (musl's inet_ntop.lo,
 * about 0.8 KB), which only that message used. The text is glibc's (RFC 5952): the
 * first longest run of two or more zero groups becomes "::", hex without leading zeros,
 * and the last 32 bits in dotted form for ::ffff:a.b.c.d and ::a.b.c.d. (musl's
 * differed in those last and in which run of equal length it folds; now both builds
 * print what the glibc build printed.) */
#include "iptext.h"

#include <stdio.h>
#include <sys/socket.h>

char *ip_text(int family, const void *addr, char out[INET6_ADDRSTRLEN])
{
	const unsigned char *a = addr;
	if (family == AF_INET) {
		snprintf(out, INET6_ADDRSTRLEN, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return out;
	}
	unsigned w[8];
	int best = -1, len = 1; /* the run folded: a longer one than 1 */
	for (int i = 0, run = 0; i <= 8; i++) {
		if (i < 8 && !(w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1])) {
			run++;
			continue;
		}
		if (run > len)
			best = i - run, len = run;
		run = 0;
	}
	char *p = out;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (len == 6 || (len == 5 && w[5] == 0xffff)))
			return ip_text(AF_INET, a + 12, p), out;
		p += sprintf(p, "%x", w[i]);
	}
	if (best >= 0 && best + len == 8)
		*p++ = ':';
	*p = 0;
	return out;
}
