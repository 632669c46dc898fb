/* strspn.c — strspn and strcspn for the static (musl) build only (-DTEND_OWN_STRSPN in the
 * Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's build a 256-bit set of the accepted bytes on the stack first (with its
 * build's stack check, ~0.4 KB of the static binary for the two); these look each byte up
 * with strchr, which is slower for long sets but tend's sets are a few bytes of literal
 * text and the strings are config values, header lines and names. Same results: the
 * length of the initial run of bytes in (strspn) or not in (strcspn) the set, the set's
 * terminating NUL never counting as a member. Checked against musl's own by
 * tests/test_strspn.py (tests/unit/musl_strspn_diff.c). */
#ifdef TEND_OWN_STRSPN
#include <string.h>

size_t strspn(const char *s, const char *c)
{
	const char *a = s;
	while (*a && strchr(c, *a))
		a++;
	return (size_t)(a - s);
}

size_t strcspn(const char *s, const char *c)
{
	const char *a = s;
	while (*a && !strchr(c, *a))
		a++;
	return (size_t)(a - s);
}
#endif
