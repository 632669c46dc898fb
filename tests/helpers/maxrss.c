/* maxrss CMD [ARG...]
 *
 * Test helper: runs CMD and prints "MAXRSS <kilobytes>" (its peak resident set, from
 * wait4) on stderr, then exits with CMD's status (128+N if killed by signal N). A
 * process's peak RSS starts from its parent's at fork/exec, so measuring from a
 * process this small, rather than from pytest, measures CMD alone.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: maxrss CMD [ARG...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("maxrss: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("maxrss: wait4");
		return 2;
	}
	fprintf(stderr, "MAXRSS %ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
