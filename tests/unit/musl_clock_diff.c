/* musl_clock_diff.c — src/clock.c against musl's own clock_gettime, time and mkdtemp: the
 * return value and errno of clock_gettime for valid, invalid and dynamic (fd) clock ids,
 * and that both read the same clock (tend's between two reads of musl's); time() with and
 * without its pointer; mkdtemp's errors (EINVAL, ENOENT, ENOTDIR, EACCES as nobody when
 * root) with the template restored, and its names (6 letters from the same alphabet, a
 * 0700 directory, different for each call). Built by tests/test_clock.py with musl-gcc
 * -static and run in a scratch directory; prints one line per difference, exits 1 if any. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEND_OWN_CLOCK
#define clock_gettime t_clock_gettime
#define time t_time
#define mkdtemp t_mkdtemp
#include "../../src/clock.c"
#undef clock_gettime
#undef time
#undef mkdtemp

static int bad, cases;

#define CHECK(cond, ...)                                                                 \
	do {                                                                             \
		cases++;                                                                 \
		if (!(cond)) {                                                           \
			printf(__VA_ARGS__);                                             \
			putchar('\n');                                                   \
			bad++;                                                           \
		}                                                                        \
	} while (0)

static long long ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void clocks(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	clockid_t fdclock = (clockid_t)((~(unsigned)fd << 3) | 3); /* FD_TO_CLOCKID */
	clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
			   CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
			   CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_TAI, 12, 16, 100, -1, -2, -8, fdclock,
			   (clockid_t)0x7fffffff};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		struct timespec a = {0, 0}, b = {0, 0}, c = {0, 0};
		errno = 0;
		int ra = clock_gettime(ids[i], &a);
		int ea = errno;
		errno = 0;
		int rb = t_clock_gettime(ids[i], &b);
		int eb = errno;
		clock_gettime(ids[i], &c);
		CHECK(ra == rb && ea == eb, "clock %d: musl %d errno %d, tend %d errno %d", (int)ids[i], ra, ea, rb, eb);
		if (ra == 0 && ids[i] != CLOCK_PROCESS_CPUTIME_ID && ids[i] != CLOCK_THREAD_CPUTIME_ID)
			CHECK(ns(&a) <= ns(&b) + 20000000 && ns(&b) <= ns(&c) + 20000000, /* coarse: a tick */
			      "clock %d: tend's %lld not between musl's %lld and %lld", (int)ids[i], ns(&b), ns(&a), ns(&c));
	}
	close(fd);
	time_t before = time(NULL), p = 0, r = t_time(&p), after = time(NULL);
	CHECK(r == p && before <= r && r <= after, "time: %lld (stored %lld), musl's %lld..%lld", (long long)r,
	      (long long)p, (long long)before, (long long)after);
	CHECK(t_time(NULL) >= r, "time(NULL) went back");
}

static void mkdtemp_error(const char *tmpl)
{
	char a[256], b[256];
	strcpy(a, tmpl);
	strcpy(b, tmpl);
	errno = 0;
	char *ra = mkdtemp(a);
	int ea = errno;
	errno = 0;
	char *rb = t_mkdtemp(b);
	int eb = errno;
	CHECK(!ra == !rb && ea == eb && !strcmp(ra ? tmpl : a, ra ? tmpl : b),
	      "mkdtemp %s: musl %s errno %d (%s), tend %s errno %d (%s)", tmpl, ra ? "ok" : "NULL", ea, a,
	      rb ? "ok" : "NULL", eb, b);
	if (ra)
		rmdir(a);
	if (rb)
		rmdir(b);
}

static void mkdtemps(void)
{
	const char *errs[] = {"", "XXXXX", "abcXXXXX", "dXXXXXx", "XXXXXXX/", "missing/dXXXXXX", "file/dXXXXXX",
			      "xXXXXXY"};
	for (size_t i = 0; i < sizeof errs / sizeof *errs; i++)
		mkdtemp_error(errs[i]);
	char prev[64] = "";
	for (int i = 0; i < 50; i++) {
		char d[64] = "d.XXXXXX";
		char *r = t_mkdtemp(d);
		struct stat st;
		int ok = r == d && !stat(d, &st) && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == (0700 & ~022 & 0700);
		for (int k = 2; ok && k < 8; k++)
			ok = (d[k] >= 'A' && d[k] <= 'P') || (d[k] >= 'a' && d[k] <= 'p');
		CHECK(ok && strcmp(d, prev), "mkdtemp d.XXXXXX: %s (previous %s)", r ? d : "NULL", prev);
		strcpy(prev, d);
	}
	if (geteuid() == 0) { /* EACCES, as nobody in a directory only root may write */
		pid_t pid = fork();
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(2);
			mkdtemp_error("d.XXXXXX");
			_exit(bad != 0);
		}
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mkdtemp as nobody: status %d", st);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || chdir(argv[1]) < 0) /* a scratch directory */
		return perror("usage: musl_clock_diff DIR"), 2;
	umask(022);
	close(open("file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	clocks();
	mkdtemps();
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
