/* clock.c — clock_gettime and time for the static (musl) build only (-DTEND_OWN_CLOCK in the
 * Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's clock_gettime first looks up and calls the vDSO's, and the ELF walk that finds
 * it (__vdsosym) is ~0.9 KB of the static binary with its caller. The system call gives the
 * same time, return value and errno (musl makes it too when the vDSO is missing or fails);
 * it only takes longer (~0.1 µs more), and tend reads the clock a few times per loop turn.
 * musl's time() and mkdtemp() (its __randname) call clock_gettime through musl's internal
 * name, so they are here too, as musl 1.2.3 has them: the same names from the same clock
 * and thread id, the same 100 tries while mkdir fails with EEXIST, the same errors. */
#ifdef TEND_OWN_CLOCK
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, (long)clk, ts);
}

time_t time(time_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

char *mkdtemp(char *template)
{
	size_t l = strlen(template);
	if (l < 6 || memcmp(template + l - 6, "XXXXXX", 6))
		return errno = EINVAL, NULL;
	char *x = template + l - 6;
	int retries = 100;
	do {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long r = (unsigned long)ts.tv_sec + (unsigned long)ts.tv_nsec +
				  (unsigned long)syscall(SYS_gettid) * 65537UL;
		for (int i = 0; i < 6; i++, r >>= 5)
			x[i] = (char)('A' + (r & 15) + (r & 16) * 2);
		if (!mkdir(template, 0700))
			return template;
	} while (--retries && errno == EEXIST);
	memcpy(x, "XXXXXX", 6);
	return NULL;
}
#endif
