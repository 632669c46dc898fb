/* getline.c — getdelim and getline for the static (musl) build only (-DTEND_OWN_GETLINE in
 * the Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's getdelim copies from the FILE's buffer with memchr and memcpy, which needs
 * its internal FILE layout and more code (~0.8 KB of the static binary more than this byte
 * loop). tend reads lines in two places only: /etc/passwd and /etc/group (passwd.c) and
 * the interactive `tend ctl` shell's stdin (ctl.c), where bytes per call are few.
 * What stays as musl does it: the returned length and bytes (NUL bytes included, the
 * delimiter kept, a last line without one returned, -1 at the end or on a read error with
 * the bytes read so far in the buffer), the NUL after them, a NULL *S taken as capacity 0,
 * and EINVAL or ENOMEM with the stream's error flag set (musl's FILE starts with its flags
 * word; F_ERR is 32, src/internal/stdio_impl.h), so ferror() tells them apart from the end.
 * What differs: the capacity chosen when growing (musl: the bytes needed + 2, times 1.5 while
 * no delimiter is buffered; here: times 1.5 always), so after ENOMEM the bytes consumed can
 * differ; both tend callers stop reading then (passwd.c's lookup ends, the shell's EOF
 * quits). A delimiter above 127 is compared as an unsigned byte (musl compares it as
 * memchr does, except for a byte read past its buffer); tend passes only '\n'.
 * Checked against musl's own by tests/test_getline.py (tests/unit/musl_getline_diff.c). */
#ifdef TEND_OWN_GETLINE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

static ssize_t fail(FILE *f, int err)
{
	*(unsigned *)f |= 32; /* F_ERR */
	errno = err;
	return -1;
}

ssize_t getdelim(char **restrict s, size_t *restrict n, int delim, FILE *restrict f)
{
	if (!s || !n)
		return fail(f, EINVAL);
	if (!*s)
		*n = 0;
	size_t i = 0;
	for (;;) {
		if (i + 1 >= *n) { /* room for a byte and the NUL */
			size_t m = i + 2;
			m += m / 2;
			char *t = realloc(*s, m);
			if (!t)
				return fail(f, ENOMEM);
			*s = t;
			*n = m;
		}
		int c = getc_unlocked(f);
		if (c == EOF) {
			if (!i || !feof(f))
				return -1;
			break;
		}
		(*s)[i++] = (char)c;
		if (c == (unsigned char)delim)
			break;
	}
	(*s)[i] = 0;
	return (ssize_t)i;
}

ssize_t getline(char **restrict s, size_t *restrict n, FILE *restrict f)
{
	return getdelim(s, n, '\n', f);
}
#endif
