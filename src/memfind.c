/* memfind.c — mem_find(), a naive search for short needles.
 *
 * Why it exists: the static size budget. It replaces memmem() (xml_tree.c) and strstr()
 * (config_program.c), whose musl two-way implementations (memmem.lo, strstr.lo) are about
 * 1.3 KB each in the static binary; no libc member tend links uses either. Two-way only
 * pays off for long needles; tend's are a few bytes, so memchr() for the first byte and
 * memcmp() for the rest is linear in practice, also on hostile XML-RPC bodies. */
#include "memfind.h"

#include <string.h>

const char *mem_find(const char *hay, size_t n, const char *needle, size_t m)
{
	if (!m)
		return hay;
	for (const char *p = hay, *end = hay + n; (size_t)(end - p) >= m; p++) {
		if (!(p = memchr(p, needle[0], (size_t)(end - p) - m + 1)))
			return NULL;
		if (!memcmp(p + 1, needle + 1, m - 1))
			return p;
	}
	return NULL;
}
