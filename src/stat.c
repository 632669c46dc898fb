/* stat.c — stat, lstat, fstat and fstatat for the static (musl) build on x86-64 only
 * (-DTEND_OWN_STAT in the Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's fstatat (~0.6 KB of the static binary) picks a system call per case, works
 * around fstat failing on O_PATH descriptors (Linux < 3.6) and copies the kernel's stat
 * into its own struct field by field. On x86-64 the two structs are the same, and the
 * kernel zeroes the padding as musl's copy does, so newfstatat into the caller's struct
 * gives the same bytes, return value and errno (on failure the struct is left as it was,
 * as musl leaves it). fstat of a negative descriptor is EBADF, as musl has it, never the
 * current directory. Checked against musl's own by tests/test_stat.py
 * (tests/unit/musl_stat_diff.c). */
#if defined(TEND_OWN_STAT) && defined(__x86_64__)
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int fstatat(int fd, const char *restrict path, struct stat *restrict st, int flag)
{
	return (int)syscall(SYS_newfstatat, (long)fd, path, st, (long)flag);
}

int fstat(int fd, struct stat *st)
{
	if (fd < 0)
		return errno = EBADF, -1;
	return fstatat(fd, "", st, AT_EMPTY_PATH);
}

int stat(const char *restrict path, struct stat *restrict st)
{
	return fstatat(AT_FDCWD, path, st, 0);
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}
#endif
