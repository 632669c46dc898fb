/* procinfo [ENVNAME...]
 *
 * Test helper: prints facts about itself on stdout, one per line:
 *   IDS <pid> <ppid> <pgid> <sid>
 *   CWD <path>
 *   FDS <fd> <fd> ...        (open fds, excluding the one used to list them)
 *   SigBlk: / SigIgn: / SigCgt: lines copied from /proc/self/status
 *   ENV <name>=<value>       for each argument (ENV <name> UNSET if absent)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	printf("IDS %d %d %d %d\n", (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0));
	char cwd[4096];
	printf("CWD %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");

	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		perror("opendir /proc/self/fd");
		return 1;
	}
	int self = dirfd(d);
	printf("FDS");
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd == self)
			continue;
		printf(" %d", fd);
	}
	printf("\n");
	closedir(d);

	FILE *f = fopen("/proc/self/status", "r");
	if (!f) {
		perror("/proc/self/status");
		return 1;
	}
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7) ||
		    !strncmp(line, "SigCgt:", 7))
			fputs(line, stdout);
	}
	fclose(f);
	for (int i = 1; i < argc; i++) {
		const char *v = getenv(argv[i]);
		if (v)
			printf("ENV %s=%s\n", argv[i], v);
		else
			printf("ENV %s UNSET\n", argv[i]);
	}
	return 0;
}
