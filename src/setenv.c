/* setenv.c — setenv for the static (musl) build only (-DTEND_OWN_SETENV in the Makefile's
 * STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's setenv comes with putenv and, through putenv, unsetenv (~1 KB of the static
 * binary with the stack checks of musl's build); tend calls only setenv (main.c: the
 * server's URL; spawn.c: a child's SUPERVISOR_* and environment= before exec). This is
 * musl 1.2.3's setenv, __putenv and __env_rm_add without them: the same EINVAL for an empty
 * name or one with '=', the same entry replaced in place or appended at the end (so a
 * child's environment has the same order), the same freeing of a string it set before,
 * -1 with ENOMEM from malloc. */
#ifdef TEND_OWN_SETENV
#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern char **__environ;

/* musl's __env_rm_add: remembers the strings setenv allocated; frees OLD if it is one */
static void rm_add(char *old, char *new)
{
	static char **alloced;
	static size_t n;
	for (size_t i = 0; i < n; i++)
		if (alloced[i] == old) {
			alloced[i] = new;
			free(old);
			return;
		} else if (!alloced[i] && new) {
			alloced[i] = new;
			new = NULL;
		}
	if (!new)
		return;
	char **t = realloc(alloced, sizeof *t * (n + 1));
	if (t)
		(alloced = t)[n++] = new;
}

int setenv(const char *var, const char *value, int overwrite)
{
	size_t l1 = var ? (size_t)(strchrnul(var, '=') - var) : 0;
	if (!l1 || var[l1])
		return errno = EINVAL, -1;
	if (!overwrite && getenv(var))
		return 0;
	size_t l2 = strlen(value), i = 0;
	char *s = malloc(l1 + l2 + 2);
	if (!s)
		return -1;
	memcpy(s, var, l1);
	s[l1] = '=';
	memcpy(s + l1 + 1, value, l2 + 1);
	for (char **e = __environ; e && *e; e++, i++)
		if (!strncmp(s, *e, l1 + 1)) {
			char *old = *e;
			*e = s;
			rm_add(old, s);
			return 0;
		}
	static char **oldenv;
	char **env;
	if (__environ == oldenv) {
		env = realloc(oldenv, sizeof *env * (i + 2));
	} else if ((env = malloc(sizeof *env * (i + 2)))) {
		if (i)
			memcpy(env, __environ, sizeof *env * i);
		free(oldenv);
	}
	if (!env)
		return free(s), -1;
	env[i] = s;
	env[i + 1] = NULL;
	__environ = oldenv = env;
	rm_add(NULL, s);
	return 0;
}
#endif
