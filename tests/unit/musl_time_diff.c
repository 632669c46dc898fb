/* musl_time_diff.c — src/localtime.c against musl's own gmtime_r and localtime_r: every
 * field of struct tm (tm_zone's text), the result and errno, for many times under each TZ
 * given on the command line ("-" for TZ unset), set in turn so that the zone changes
 * (after --light: fewer times, for walking every zone file).
 * Built by tests/test_localtime.py with musl-gcc -static; prints one line per difference
 * (at most 20), the number of comparisons on stderr; exits 1 if any differed. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEND_OWN_TIME
#define gmtime_r t_gmtime_r
#define localtime_r t_localtime_r
#include "../../src/localtime.c"
#undef gmtime_r
#undef localtime_r

static int bad, light; /* light: the edges and each transition of a file only */
static long count;

static void show(char *d, size_t n, const struct tm *r, const struct tm *tm, int e)
{
	if (!r)
		snprintf(d, n, "NULL errno %d", e);
	else
		snprintf(d, n, "%d-%d-%d %d:%d:%d wd %d yd %d dst %d off %ld zone %s", tm->tm_year, tm->tm_mon,
			 tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, tm->tm_wday, tm->tm_yday, tm->tm_isdst,
			 tm->tm_gmtoff, tm->tm_zone ? tm->tm_zone : "(null)");
}

static void one(const char *tz, long long v, int local)
{
	time_t t = (time_t)v;
	struct tm a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	errno = 0;
	struct tm *ra = local ? localtime_r(&t, &a) : gmtime_r(&t, &a);
	int ea = errno;
	errno = 0;
	struct tm *rb = local ? t_localtime_r(&t, &b) : t_gmtime_r(&t, &b);
	int eb = errno;
	count++;
	char sa[160], sb[160];
	show(sa, sizeof sa, ra, &a, ea);
	show(sb, sizeof sb, rb, &b, eb);
	if (!ra != !rb || ea != eb || strcmp(sa, sb)) {
		if (bad++ < 20)
			printf("TZ=%s %s(%lld): musl %s errno %d; tend %s errno %d\n", tz, local ? "localtime_r" : "gmtime_r", v, sa, ea, sb, eb);
	}
}

static uint64_t rnd = 88172645463325252ULL;

static long long next(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return (long long)rnd;
}

static void times(const char *tz, int local)
{
	static const long long edges[] = {0, -1, 1, 86399, 86400, -86400, -86401, 951782400, 951868800,
					  INT32_MAX, INT32_MIN, 4102444800LL, -2208988800LL, -62135596800LL,
					  253402300799LL, INT_MAX * 31622400LL, INT_MAX * 31622400LL + 1,
					  INT_MIN * 31622400LL, INT_MIN * 31622400LL - 1, LLONG_MAX, LLONG_MIN,
					  67767976233316800LL, -67768040609740800LL};
	for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
		one(tz, edges[i], local);
	for (long long t = -2300000000LL; light && t < 4200000000LL; t += 86400 * 5 + 3607)
		one(tz, t, local);
	for (long long t = -2300000000LL; !light && t < 4200000000LL; t += 3600 * 7 + 1234) /* 1897..2103 */
		one(tz, t, local);
	for (long long t = 1672531200LL; !light && t < 1672531200LL + 31556952LL; t += 900) /* 2023, densely */
		for (int d = -1; d <= 1; d++)
			one(tz, t + d, local);
	for (long long y = -400; !light && y < 3000; y += 7) /* rules' edges: each hour of New Year's Eve and Day */
		for (long long h = -24; h < 24; h++)
			for (int d = -1; d <= 1; d++)
				one(tz, year_secs(y) + 3600 * h + d, local);
	if (local && z.file) /* each transition of the file, and its neighbours */
		for (size_t i = 0; i < z.ntrans; i++) {
			const unsigned char *p = z.trans + (i << (2 + z.wide));
			long long x = z.wide ? (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)) : (int32_t)be32(p);
			for (int d = -3601; d <= 3601; d += light ? 3601 : d == -3601 || d == 3599 ? 3599 : 1)
				one(tz, x + d, local);
		}
	for (int i = 0; !light && i < 5000; i++) {
		long long r = next();
		one(tz, r % 20000000000LL, local); /* years -600..2600 */
		one(tz, r >> (r & 31), local);
	}
}

int main(int argc, char **argv)
{
	times("(gmtime)", 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--light")) {
			light = 1;
			continue;
		}
		if (!strcmp(argv[i], "-"))
			unsetenv("TZ");
		else
			setenv("TZ", argv[i], 1);
		one(argv[i], 0, 1); /* loads both zones (errno included): times() reads the transitions */
		times(argv[i], 1);
	}
	fprintf(stderr, "%ld comparisons\n", count);
	return bad != 0;
}
