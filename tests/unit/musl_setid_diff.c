/* musl_setid_diff.c — src/setid.c against musl's own setuid, setgid, setgroups and
 * setrlimit: each case runs in two forked children (one thread, as in spawn.c), one
 * with musl's call and one with tend's, from the same start; each reports the return
 * value, errno and the resulting ids, groups or limit. Built by tests/test_setid.py with
 * musl-gcc -static and run as root (also with a child that has dropped to nobody, for
 * the EPERM paths); prints one line per difference, exits 1 if any. */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEND_OWN_SETID
#define setuid t_setuid
#define setgid t_setgid
#define setgroups t_setgroups
#define setrlimit t_setrlimit
#include "../../src/setid.c"
#undef setuid
#undef setgid
#undef setgroups
#undef setrlimit

enum { UID, GID, GROUPS, RLIMIT };

struct result {
	int ret, err;
	uid_t r, e, s;
	gid_t gr, ge, gs;
	int ngroups;
	gid_t groups[64];
	struct rlimit lim;
};

static int bad, cases;

/* One call in a forked child (dropped to uid 65534 first when `nobody`); the result
 * comes back through a pipe. */
static struct result run(int what, bool own, bool nobody, long a, size_t n, const gid_t *g, const struct rlimit *rl)
{
	struct result res;
	memset(&res, 0, sizeof res);
	int p[2];
	if (pipe(p) < 0)
		return perror("pipe"), res;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (nobody && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
			_exit(2);
		errno = 0;
		switch (what) {
		case UID: res.ret = own ? t_setuid((uid_t)a) : setuid((uid_t)a); break;
		case GID: res.ret = own ? t_setgid((gid_t)a) : setgid((gid_t)a); break;
		case GROUPS: res.ret = own ? t_setgroups(n, g) : setgroups(n, g); break;
		default: res.ret = own ? t_setrlimit((int)a, rl) : setrlimit((int)a, rl); break;
		}
		res.err = errno;
		getresuid(&res.r, &res.e, &res.s);
		getresgid(&res.gr, &res.ge, &res.gs);
		res.ngroups = getgroups(64, res.groups);
		if (what == RLIMIT)
			getrlimit((int)a, &res.lim);
		if (write(p[1], &res, sizeof res) != sizeof res)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &res, sizeof res) != sizeof res)
		res.ret = -100;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return res;
}

static void compare(const char *name, int what, bool nobody, long a, size_t n, const gid_t *g, const struct rlimit *rl)
{
	struct result m = run(what, false, nobody, a, n, g, rl), t = run(what, true, nobody, a, n, g, rl);
	cases++;
	if (m.ret == -100 || memcmp(&m, &t, sizeof m)) {
		printf("%s(%ld)%s: musl %d errno %d uid %u gid %u ngroups %d; tend %d errno %d uid %u gid %u ngroups %d\n",
		       name, a, nobody ? " as nobody" : "", m.ret, m.err, m.e, m.ge, m.ngroups, t.ret, t.err, t.e, t.ge,
		       t.ngroups);
		bad = 1;
	}
}

int main(void)
{
	static const long ids[] = {0, 1, 1000, 65534, 65535, 2147483647L, 4294967294L, 4294967295L, -1};
	for (int nb = 0; nb < 2; nb++) {
		for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
			compare("setuid", UID, nb, ids[i], 0, NULL, NULL);
			compare("setgid", GID, nb, ids[i], 0, NULL, NULL);
		}
		static gid_t g[70];
		for (int i = 0; i < 70; i++)
			g[i] = (gid_t)(i * 37 + 1);
		static const size_t ns[] = {0, 1, 2, 32, 64, 65, 70, 65537, (size_t)-1};
		for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
			compare("setgroups", GROUPS, nb, (long)ns[i], ns[i], g, NULL);
		compare("setgroups(NULL)", GROUPS, nb, 3, 3, NULL, NULL);
		static const int res[] = {RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, RLIMIT_STACK, RLIMIT_AS, -1, 16, 1000};
		static const struct rlimit lims[] = {{0, 0}, {10, 20}, {20, 10}, {1024, 4096}, {1024, RLIM_INFINITY},
						     {RLIM_INFINITY, RLIM_INFINITY}, {1 << 20, 1 << 20}, {RLIM_INFINITY, 5}};
		for (size_t i = 0; i < sizeof res / sizeof *res; i++)
			for (size_t j = 0; j < sizeof lims / sizeof *lims; j++)
				compare("setrlimit", RLIMIT, nb, res[i], 0, NULL, &lims[j]);
		compare("setrlimit(NULL)", RLIMIT, nb, RLIMIT_NOFILE, 0, NULL, NULL);
	}
	if (cases < 100)
		printf("only %d cases\n", cases), bad = 1;
	return bad;
}
