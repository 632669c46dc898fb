/* strchr.c — strchr, strchrnul and getenv for the static (musl) build only
 * (-DTEND_OWN_STRCHR in the Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's strchrnul scans a word at a time (~0.2 KB of the static binary); tend's
 * strchr calls look at names, config values and header lines of a few dozen bytes, where a
 * byte loop costs nothing noticeable. musl's strchr and getenv reach strchrnul through its
 * internal name, so they are here too, as musl 1.2.3 has them: strchr finds the first C
 * (converted to unsigned char; 0 finds the terminating NUL), strchrnul returns the NUL's
 * address when there is none, getenv matches NAME (which must be non-empty and without
 * '=') against the environment's entries in order. Checked against musl's own by
 * tests/test_strchr.py (tests/unit/musl_strchr_diff.c). */
#ifdef TEND_OWN_STRCHR
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *strchrnul(const char *s, int c)
{
	while (*s && *(const unsigned char *)s != (unsigned char)c)
		s++;
	return (char *)s;
}

char *strchr(const char *s, int c)
{
	char *r = strchrnul(s, c);
	return *(unsigned char *)r == (unsigned char)c ? r : NULL;
}

char *getenv(const char *name)
{
	size_t l = (size_t)(strchrnul(name, '=') - name);
	if (l && !name[l] && environ)
		for (char **e = environ; *e; e++)
			if (!strncmp(name, *e, l) && (*e)[l] == '=')
				return *e + l + 1;
	return NULL;
}
#endif
