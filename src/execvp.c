/* execvp.c — execvp for the static (musl) build only (-DTEND_OWN_EXECVP in the Makefile's
 * STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: ~0.3 KB smaller than musl's (its build adds stack checks around the path buffer).
 * This is musl 1.2.3's __execvpe with the environment: ENOENT for an empty name, a name
 * with '/' run as it is, PATH (or "/usr/local/bin:/bin:/usr/bin" without one) searched in
 * order, an empty element meaning the current directory, an element of PATH_MAX bytes or
 * more skipped, ENAMETOOLONG for a name over NAME_MAX, the search going on past EACCES,
 * ENOENT and ENOTDIR only, and EACCES at the end if one was seen. */
#ifdef TEND_OWN_EXECVP
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int execvp(const char *file, char *const argv[])
{
	const char *p, *z, *path = getenv("PATH");
	int seen_eacces = 0;
	errno = ENOENT;
	if (!*file)
		return -1;
	if (strchr(file, '/'))
		return execve(file, argv, environ);
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	size_t k = strnlen(file, NAME_MAX + 1);
	if (k > NAME_MAX)
		return errno = ENAMETOOLONG, -1;
	size_t l = strnlen(path, PATH_MAX - 1) + 1;
	for (p = path;; p = z) {
		char b[l + k + 1];
		z = strchrnul(p, ':');
		if ((size_t)(z - p) < l) {
			memcpy(b, p, (size_t)(z - p));
			b[z - p] = '/';
			memcpy(b + (z - p) + (z > p), file, k + 1);
			execve(b, argv, environ);
			if (errno == EACCES)
				seen_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return -1;
		}
		if (!*z++)
			break;
	}
	if (seen_eacces)
		errno = EACCES;
	return -1;
}
#endif
