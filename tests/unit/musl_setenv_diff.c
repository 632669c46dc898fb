/* musl_setenv_diff.c — src/setenv.c against musl's own setenv: the same sequences of calls
 * (new names, replaced ones, overwrite 0 on set and unset names, empty values, values with
 * '=', the EINVAL names "", "A=B" and NULL) from the same starting environments (none, an
 * empty one, a few entries with duplicates), each in a forked child; every call's return
 * value and errno and the resulting environment, in order, must be the same. Built by
 * tests/test_setenv.py with musl-gcc -static; prints one line per difference, exits 1 if any. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEND_OWN_SETENV
#define setenv t_setenv
#include "../../src/setenv.c"
#undef setenv

struct call {
	const char *var, *value;
	int overwrite;
};

static const struct call seq[] = {
	{"AB", "0", 1}, {"A", "1", 1}, {"B", "2", 1}, {"A", "3", 1}, {"A", "4", 0}, {"C", "", 0}, {"C", "x=y", 1},
	{"", "v", 1}, {"D=E", "v", 1}, {NULL, "v", 1}, {"PATH", "/bin", 1}, {"HOME", "/root", 0},
	{"B", "5", 1}, {"A", "6", 1}, {"E", "7", 0}, {"AB", "8", 1}, {"A", "9", 1}, {"HOME", "/h", 1},
};

/* The calls from START; one line per call and the environment after, into OUT. */
static void run(int own, char **start, char *out, size_t cap)
{
	int p[2];
	if (pipe(p) < 0)
		exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		FILE *f = fdopen(p[1], "w");
		__environ = start;
		for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
			errno = 0;
			int r = own ? t_setenv(seq[i].var, seq[i].value, seq[i].overwrite)
				    : setenv(seq[i].var, seq[i].value, seq[i].overwrite);
			fprintf(f, "%zu: %d %d |", i, r, errno);
			for (char **e = __environ; e && *e; e++)
				fprintf(f, " %s", *e);
			fputc('\n', f);
		}
		fclose(f);
		_exit(0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < cap && (k = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = 0;
	close(p[0]);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	static char a[65536], b[65536];
	char *none[] = {NULL};
	char *some[] = {"PATH=/usr/bin", "A=0", "X", "HOME=/", "A=dup", NULL};
	char *one[] = {"B=1", NULL};
	char **starts[] = {NULL, none, some, one};
	int bad = 0;
	for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
		run(0, starts[s], a, sizeof a);
		run(1, starts[s], b, sizeof b);
		if (strcmp(a, b) || !*a) {
			printf("start %zu:\nmusl:\n%stend:\n%s", s, a, b);
			bad++;
		}
	}
	return bad != 0;
}
