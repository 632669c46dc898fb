/* inet_pton.c — inet_pton for the static (musl) build only (-DTEND_OWN_INET_PTON in the
 * Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's is ~0.8 KB of the static binary (its build adds a stack check around the
 * address array); this is musl 1.2.3's code at tend's -Oz. The same rules: IPv4 as four
 * decimal parts of up to 3 digits, no leading zero, each <= 255; IPv6 with at most one
 * "::", groups of up to 4 hex digits and a dotted IPv4 tail; 0 for what does not parse
 * (the output may be partly written then, as musl's is; where an IPv6 address's IPv4 tail
 * does not parse, musl leaves an uninitialised group of its stack array in the last two
 * bytes and this leaves zero; tend never reads the output after a failure), -1 with
 * EAFNOSUPPORT for another family. Checked against musl's own by tests/test_inet_pton.py
 * (tests/unit/musl_inet_pton_diff.c). */
#ifdef TEND_OWN_INET_PTON
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

static int hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 32;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

static int pton4(const char *s, unsigned char *a)
{
	for (int i = 0; i < 4; i++) {
		int v = 0, j;
		for (j = 0; j < 3 && (unsigned)s[j] - '0' < 10; j++)
			v = 10 * v + s[j] - '0';
		if (j == 0 || (j > 1 && s[0] == '0') || v > 255)
			return 0;
		a[i] = (unsigned char)v;
		if (s[j] == 0 && i == 3)
			return 1;
		if (s[j] != '.')
			return 0;
		s += j + 1;
	}
	return 0;
}

int inet_pton(int af, const char *restrict s, void *restrict a0)
{
	uint16_t ip[8];
	unsigned char *a = a0;
	int i, j, v, d, brk = -1, need_v4 = 0;

	if (af == AF_INET)
		return pton4(s, a);
	if (af != AF_INET6)
		return errno = EAFNOSUPPORT, -1;
	if (*s == ':' && *++s != ':')
		return 0;
	for (i = 0;; i++) {
		if (s[0] == ':' && brk < 0) {
			brk = i;
			ip[i & 7] = 0;
			if (!*++s)
				break;
			if (i == 7)
				return 0;
			continue;
		}
		for (v = j = 0; j < 4 && (d = hexval((unsigned char)s[j])) >= 0; j++)
			v = 16 * v + d;
		if (j == 0)
			return 0;
		ip[i & 7] = (uint16_t)v;
		if (!s[j] && (brk >= 0 || i == 7))
			break;
		if (i == 7)
			return 0;
		if (s[j] != ':') {
			if (s[j] != '.' || (i < 6 && brk < 0))
				return 0;
			need_v4 = 1;
			i++;
			ip[i & 7] = 0;
			break;
		}
		s += j + 1;
	}
	if (brk >= 0) {
		memmove(ip + brk + 7 - i, ip + brk, 2 * (size_t)(i + 1 - brk));
		for (j = 0; j < 7 - i; j++)
			ip[brk + j] = 0;
	}
	for (j = 0; j < 8; j++) {
		*a++ = (unsigned char)(ip[j] >> 8);
		*a++ = (unsigned char)ip[j];
	}
	if (need_v4 && pton4(s, a - 4) <= 0)
		return 0;
	return 1;
}
#endif
