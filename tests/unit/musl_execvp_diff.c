/* musl_execvp_diff.c — src/execvp.c against musl's own execvp: each case runs in two forked
 * children, one per implementation, with the same PATH (unset, empty, empty elements, missing
 * directories, a file as a directory, a directory with a non-executable file of the name,
 * an element of PATH_MAX bytes) and name (empty, with '/', over NAME_MAX, found, not found);
 * what is compared is the child's exit status: the program's own (sh -c 'exit 42') when the
 * exec worked, else 100 + errno. Built by tests/test_execvp.py with musl-gcc -static and run
 * in a scratch directory; prints one line per difference, exits 1 if any. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEND_OWN_EXECVP
#define execvp t_execvp
#include "../../src/execvp.c"
#undef execvp

static int run(int own, const char *path, const char *file)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (path)
			setenv("PATH", path, 1);
		else
			unsetenv("PATH");
		char *argv[] = {(char *)file, "-c", "exit 42", NULL};
		if (own)
			t_execvp(file, argv);
		else
			execvp(file, argv);
		_exit(100 + errno);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	if (argc != 2 || chdir(argv[1]) < 0)
		return perror("usage: musl_execvp_diff DIR"), 2;
	mkdir("noexec", 0755);
	close(open("noexec/sh", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	close(open("afile", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	static char longel[PATH_MAX + 40], longname[NAME_MAX + 5];
	memset(longel, 'd', sizeof longel - 1);
	strcpy(longel + PATH_MAX + 10, ":/bin"); /* skipped: longer than musl reads of PATH */
	memset(longname, 'n', sizeof longname - 1);
	char cwd_sh[PATH_MAX];
	snprintf(cwd_sh, sizeof cwd_sh, "%s/noexec/sh", argv[1]);
	const char *paths[] = {NULL, "", ":", "/bin", "/nonexistent:/bin", "::/bin", "noexec:/bin", "noexec",
			       "afile:/bin", "afile", "/nonexistent", longel, "/usr/bin:/bin:", "noexec::/nonexistent"};
	const char *files[] = {"sh", "", "/bin/sh", "./sh", "nosuch", "noexec/sh", longname, "true", cwd_sh};
	int bad = 0, cases = 0;
	for (size_t p = 0; p < sizeof paths / sizeof *paths; p++)
		for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
			int a = run(0, paths[p], files[f]), b = run(1, paths[p], files[f]);
			cases++;
			if (a != b) {
				printf("PATH %.40s file %.40s: musl %d, tend %d\n", paths[p] ? paths[p] : "(unset)", files[f], a, b);
				bad++;
			}
		}
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
