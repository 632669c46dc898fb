/* intparse.c — str_to_ll(), tend's one integer scanner.
 *
 * Why it exists: the static size budget. It replaces strtol(), strtoll() and strtoull(),
 * which pulled musl's strtol.lo, intscan.lo and shgetc.lo (about 2.5 KB: a FILE-based
 * scanner shared with scanf) into the static binary; no libc member tend links needs
 * them. The semantics are strtoll()'s, so each caller keeps its checks as they were. */
#include "intparse.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

long long str_to_ll(const char *s, char **end, int base)
{
	const char *p = s;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	bool neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	/* the magnitude, up to LLONG_MAX + 1 (LLONG_MIN's) before it counts as too big */
	unsigned long long v = 0, max = (unsigned long long)LLONG_MAX + neg;
	bool digits = false, over = false;
	for (;; p++, digits = true) {
		unsigned d = *p >= '0' && *p <= '9'   ? (unsigned)(*p - '0')
			     : *p >= 'a' && *p <= 'z' ? (unsigned)(*p - 'a' + 10)
			     : *p >= 'A' && *p <= 'Z' ? (unsigned)(*p - 'A' + 10)
						      : 36;
		if (d >= (unsigned)base)
			break;
		if (v > (max - d) / (unsigned)base)
			over = true;
		else
			v = v * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(digits ? p : s);
	if (over) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}
