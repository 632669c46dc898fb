/* musl_passwd_diff.c — src/passwd.c against musl's own getpwnam, getpwuid, getgrnam,
 * getgrgid and getgrouplist, on whatever /etc/passwd and /etc/group are (test_passwd.py
 * bind-mounts fixtures over them in a mount namespace). Built by that test with
 * musl-gcc -static; prints one line per difference, exits 1 if any. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gid_t set[64];
static size_t nset;

static int capture_setgroups(size_t n, const gid_t *g)
{
	memcpy(set, g, n * sizeof *g);
	nset = n;
	return 0;
}

#define TEND_OWN_PASSWD
#define getpwnam t_getpwnam
#define getpwuid t_getpwuid
#define getgrnam t_getgrnam
#define getgrgid t_getgrgid
#define initgroups t_initgroups
#define setgroups capture_setgroups
#include "../../src/passwd.c"
#undef getpwnam
#undef getpwuid
#undef getgrnam
#undef getgrgid
#undef initgroups
#undef setgroups

static int bad;

static char *pw_text(const struct passwd *p)
{
	static char b[2][8192];
	static int k;
	char *o = b[k ^= 1];
	if (!p)
		return strcpy(o, "(none)");
	snprintf(o, sizeof b[0], "%s|%s|%u|%u|%s|%s|%s", p->pw_name, p->pw_passwd, p->pw_uid, p->pw_gid,
		 p->pw_gecos, p->pw_dir, p->pw_shell);
	return o;
}

static char *gr_text(const struct group *g)
{
	static char b[2][8192];
	static int k;
	char *o = b[k ^= 1];
	if (!g)
		return strcpy(o, "(none)");
	int n = snprintf(o, sizeof b[0], "%s|%s|%u|", g->gr_name, g->gr_passwd, g->gr_gid);
	for (char **m = g->gr_mem; *m && n < 8000; m++)
		n += snprintf(o + n, sizeof b[0] - n, "[%s]", *m);
	return o;
}

static void same(const char *what, const char *key, const char *mine, const char *musl)
{
	if (strcmp(mine, musl)) {
		printf("%s(%s): tend %s, musl %s\n", what, key, mine, musl);
		bad = 1;
	}
}

int main(int argc, char **argv)
{
	char key[32];
	for (int i = 1; i < argc; i++) { /* names to look up */
		same("getpwnam", argv[i], pw_text(t_getpwnam(argv[i])), pw_text(getpwnam(argv[i])));
		same("getgrnam", argv[i], gr_text(t_getgrnam(argv[i])), gr_text(getgrnam(argv[i])));
		gid_t g[40];
		int n = 32;
		errno = 4321; /* a failure leaves errno as it was: both must */
		int r = getgrouplist(argv[i], 4242, g, &n), e = errno;
		nset = 0;
		errno = 4321;
		int mine = t_initgroups(argv[i], 4242);
		if ((mine < 0) != (r < 0) || (r < 0 && errno != e) || (r >= 0 && ((size_t)r != nset || memcmp(g, set, nset * sizeof *g)))) {
			printf("initgroups(%s): tend %d (errno %d, %zu groups), musl %d (errno %d, %d groups)\n", argv[i], mine, errno, nset, r, e, n);
			bad = 1;
		}
	}
	for (unsigned id = 0; id < 1100; id++) {
		snprintf(key, sizeof key, "%u", id);
		same("getpwuid", key, pw_text(t_getpwuid(id)), pw_text(getpwuid(id)));
		same("getgrgid", key, gr_text(t_getgrgid(id)), gr_text(getgrgid(id)));
	}
	return bad;
}
