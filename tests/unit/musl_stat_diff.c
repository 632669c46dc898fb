/* musl_stat_diff.c — src/stat.c against musl's own stat, lstat, fstat and fstatat: each call
 * is made through both into structs filled with the same pattern, and the return value,
 * errno and every byte of the struct (padding included; untouched on failure) must be the
 * same. Paths: files, directories, symlinks (good, dangling, a loop), missing, through a
 * file (ENOTDIR), "", over PATH_MAX; descriptors: a file, a directory, O_PATH ones, a pipe,
 * a socket, /dev/null, a closed one, -1 and AT_FDCWD; fstatat with relative and absolute
 * paths, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, an invalid flag. Built by tests/test_stat.py
 * with musl-gcc -static and run in a scratch directory; prints one line per difference,
 * exits 1 if any. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEND_OWN_STAT
#define stat(p, s) t_stat(p, s)
#define lstat t_lstat
#define fstat t_fstat
#define fstatat t_fstatat
#include "../../src/stat.c"
#undef stat
#undef lstat
#undef fstat
#undef fstatat

static int bad, cases;

enum { STAT, LSTAT, FSTAT, FSTATAT };

static int call(int own, int what, int fd, const char *path, int flag, struct stat *st)
{
	switch (what) {
	case STAT: return own ? t_stat(path, st) : stat(path, st);
	case LSTAT: return own ? t_lstat(path, st) : lstat(path, st);
	case FSTAT: return own ? t_fstat(fd, st) : fstat(fd, st);
	default: return own ? t_fstatat(fd, path, st, flag) : fstatat(fd, path, st, flag);
	}
}

static void compare(int what, int fd, const char *path, int flag)
{
	struct stat a, b;
	memset(&a, 0xa5, sizeof a);
	memset(&b, 0xa5, sizeof b);
	errno = 0;
	int ra = call(0, what, fd, path, flag, &a), ea = errno;
	errno = 0;
	int rb = call(1, what, fd, path, flag, &b), eb = errno;
	cases++;
	if (ra != rb || ea != eb || memcmp(&a, &b, sizeof a)) {
		printf("call %d fd %d path %.40s flag %#x: musl %d errno %d, tend %d errno %d, structs %s\n", what, fd,
		       path ? path : "(null)", flag, ra, ea, rb, eb, memcmp(&a, &b, sizeof a) ? "differ" : "same");
		bad++;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || chdir(argv[1]) < 0)
		return perror("usage: musl_stat_diff DIR"), 2;
	close(open("file", O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
	mkdir("dir", 0750);
	symlink("file", "link");
	symlink("missing", "dangling");
	symlink("loop", "loop");
	static char longpath[PATH_MAX + 10];
	memset(longpath, 'a', sizeof longpath - 1);
	char abs[PATH_MAX];
	snprintf(abs, sizeof abs, "%s/link", argv[1]);
	const char *paths[] = {"file", "dir", "link", "dangling", "loop", "missing", "file/x", "", ".", "/", "/proc/self/exe",
			       "/dev/null", longpath, abs, "dir/../file", "link/"};
	int p[2], sv[2];
	if (pipe(p) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return perror("pipe"), 2;
	int closed = open("file", O_RDONLY);
	close(closed);
	int fds[] = {open("file", O_RDONLY), open("dir", O_RDONLY | O_DIRECTORY), open("file", O_PATH),
		     open("dir", O_PATH), open("link", O_PATH | O_NOFOLLOW), p[0], p[1], sv[0], open("/dev/null", O_RDWR),
		     closed, -1, AT_FDCWD, 0};
	int flags[] = {0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0x40000000, AT_NO_AUTOMOUNT};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		compare(STAT, 0, paths[i], 0);
		compare(LSTAT, 0, paths[i], 0);
	}
	for (size_t f = 0; f < sizeof fds / sizeof *fds; f++) {
		compare(FSTAT, fds[f], NULL, 0);
		for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
			for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
				compare(FSTATAT, fds[f], paths[i], flags[k]);
	}
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
