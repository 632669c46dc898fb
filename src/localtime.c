/* localtime.c — gmtime_r and localtime_r for the static (musl) build only (-DTEND_OWN_TIME
 * in the Makefile's STATIC_FLAGS; the glibc build keeps its own).
 *
 * Why: musl's gmtime_r refers to the "UTC" of its time zone code, so either call brings
 * all of it (TZ parsing, the zoneinfo reader, tzset's lock and globals, strftime's zone
 * lookup): this file is ~4 KB smaller. tend calls them for status lines (stop dates) and
 * event times; the results are musl's (1.2.3), field for field, tm_gmtoff and tm_zone's
 * text included (tests/test_localtime.py compares them, tests/unit/musl_time_diff.c):
 *  - TZ unset means /etc/localtime, TZ="" means UTC. A TZ that starts with a zone name
 *    followed by an offset, or with UTC or GMT, is a POSIX TZ string (std offset
 *    [dst [offset] [,rule,rule]], names up to 6 bytes, <quoted> names, Jn n Mm.w.d rules
 *    with /time, 02:00 by default). Any other, ":X" or X, names a TZif file: X itself
 *    when it starts with '/' or '.' (in a secure exec only /etc/localtime), else, without
 *    '.' and at most NAME_MAX bytes, the first of /usr/share/zoneinfo/X,
 *    /share/zoneinfo/X, /etc/zoneinfo/X that is one. No file, or one that is not TZif,
 *    means UTC.
 *  - A file's transitions apply within their range (the 64-bit data, unless its version
 *    is '1', as musl reads them); before the first, its first
 *    standard type; from the last one on, its footer TZ string, or without one the
 *    file's first standard and daylight types, as musl.
 *  - The zone is read again only when TZ's text changes, as musl.
 * Not done (tend does not need them): tzset(), the tzname/timezone/daylight globals,
 * mktime, strftime %Z (they still come from musl if something calls them: the two
 * zone codes would then coexist). Where musl reads out of bounds, this does not: a file
 * whose tables pass its end is taken as UTC, an M rule's month outside 1..12 as 1 or 12. */
#ifdef TEND_OWN_TIME
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct rule {
	int kind; /* 'J', 'M' or 0 (a zero-based day) */
	int a, b, c; /* day, or month, week, weekday */
	int at;      /* seconds after midnight, local time */
};

static struct {
	bool have;
	char tz[PATH_MAX + 2];                   /* the TZ text it was made from */
	unsigned char *file;                     /* a TZif file, or NULL */
	const unsigned char *trans, *idx, *types; /* its transitions, their types, the types */
	const char *abbr;
	size_t ntrans, ntypes;
	int wide;                    /* 64-bit transition times */
	char name[2][TZNAME_MAX + 1]; /* standard, daylight */
	const char *zname[2];
	long west[2]; /* seconds west of UTC */
	bool dst;
	struct rule r[2]; /* daylight starts, ends */
} z;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int num(const char **p)
{
	unsigned x = 0;
	while ((unsigned)(**p - '0') < 10U)
		x = 10 * x + (unsigned)(*(*p)++ - '0');
	return (int)x;
}

/* [+-]hh[:mm[:ss]] in seconds */
static int offset(const char **p)
{
	int neg = **p == '-';
	if (neg || **p == '+')
		++*p;
	int s = 3600 * num(p);
	for (int m = 60; m && **p == ':'; m /= 60) {
		++*p;
		s += m * num(p);
	}
	return neg ? -s : s;
}

static void zone_name(char *d, const char **p)
{
	size_t i = 0;
	const char *s = *p;
	if (*s == '<') {
		for (s++; s[i] && s[i] != '>'; i++)
			;
		*p = s + i + (s[i] != 0);
	} else {
		while ((unsigned)((s[i] | 32) - 'a') < 26U)
			i++;
		*p = s + i;
	}
	size_t n = i < TZNAME_MAX ? i : TZNAME_MAX;
	memcpy(d, s, n);
	d[n] = 0;
}

static void get_rule(const char **p, struct rule *r)
{
	r->kind = **p;
	if (r->kind == 'M') {
		++*p;
		r->a = num(p);
		++*p;
		r->b = num(p);
		++*p;
		r->c = num(p);
	} else {
		if (r->kind == 'J')
			++*p;
		else
			r->kind = 0;
		r->a = num(p);
	}
	r->at = 7200;
	if (**p == '/') {
		++*p;
		r->at = offset(p);
	}
}

static void posix(const char *s)
{
	zone_name(z.name[0], &s);
	z.west[0] = offset(&s);
	zone_name(z.name[1], &s);
	z.dst = z.name[1][0];
	z.west[1] = z.west[0];
	if (z.dst)
		z.west[1] = *s == '+' || *s == '-' || (unsigned)(*s - '0') < 10U ? offset(&s) : z.west[0] - 3600;
	for (int i = 0; i < 2 && *s == ','; i++) {
		s++;
		get_rule(&s, &z.r[i]);
	}
	z.zname[0] = z.name[0];
	z.zname[1] = z.name[1];
}

/* A regular file's whole contents, NUL-terminated; NULL if it cannot be read. */
static unsigned char *slurp(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	unsigned char *b = NULL;
	if (fstat(fd, &st) < 0) {
		b = NULL;
	} else if (!st.st_size || !S_ISREG(st.st_mode)) {
		errno = st.st_size ? ENODEV : EINVAL; /* what musl's mmap of it leaves */
	} else if ((b = malloc((size_t)st.st_size + 1))) {
		*size = (size_t)st.st_size;
		if (read(fd, b, *size) != (ssize_t)*size) {
			free(b);
			b = NULL;
		} else {
			b[*size] = 0;
		}
	}
	close(fd);
	return b;
}

static unsigned char *tz_file(const char *s, size_t *size)
{
	if (*s == '/' || *s == '.')
		return getauxval(AT_SECURE) && strcmp(s, "/etc/localtime") ? NULL : slurp(s, size);
	static const char *const dirs[] = {"/usr/share/zoneinfo/", "/share/zoneinfo/", "/etc/zoneinfo/"};
	char path[NAME_MAX + 24];
	size_t l = strlen(s);
	unsigned char *b = NULL;
	for (size_t i = 0; !b && l <= NAME_MAX && !strchr(s, '.') && i < 3; i++) {
		size_t d = strlen(dirs[i]);
		memcpy(path, dirs[i], d);
		memcpy(path + d, s, l + 1);
		b = slurp(path, size);
	}
	return b;
}

/* The file's tables (false if they do not fit in it); *footer: its TZ string, or NULL
 * when it has none and the zone comes from its types. */
static bool read_tzif(unsigned char *f, size_t size, const char **footer)
{
	const unsigned char *h = f;
	z.wide = f[4] != '1';
	if (z.wide) {
		static const unsigned char w[6] = {1, 1, 8, 5, 6, 1};
		size_t skip = 44;
		for (int i = 0; i < 6; i++)
			skip += (size_t)be32(f + 20 + 4 * i) * w[i];
		if (skip + 44 > size)
			return false;
		h = f + skip;
	}
	z.ntrans = be32(h + 32);
	z.ntypes = be32(h + 36);
	z.trans = h + 44;
	z.idx = z.trans + (z.ntrans << (2 + z.wide));
	z.types = z.idx + z.ntrans;
	z.abbr = (const char *)z.types + 6 * z.ntypes;
	if ((size_t)((const unsigned char *)z.abbr + be32(h + 40) - f) > size)
		return false;
	if (f[size - 1] == '\n') {
		const char *s = (const char *)f + size - 2;
		while (s > (const char *)f && *s != '\n')
			s--;
		*footer = s + 1;
		return true;
	}
	*footer = NULL;
	z.zname[0] = z.zname[1] = NULL;
	z.west[0] = z.west[1] = 0;
	z.dst = false;
	for (const unsigned char *t = z.types; t < (const unsigned char *)z.abbr; t += 6) {
		int d = t[4] != 0;
		if (!z.zname[d]) {
			z.zname[d] = z.abbr + t[5];
			z.west[d] = -(long)(int32_t)be32(t);
			z.dst |= d;
		}
	}
	if (!z.zname[0])
		z.zname[0] = z.zname[1] ? z.zname[1] : "UTC";
	if (!z.dst) {
		z.zname[1] = z.zname[0];
		z.west[1] = z.west[0];
	}
	return true;
}

static void load(void)
{
	const char *s = getenv("TZ");
	if (!s)
		s = "/etc/localtime";
	if (!*s)
		s = "UTC";
	if (z.have && !strcmp(s, z.tz))
		return;
	memset(z.r, 0, sizeof z.r);
	free(z.file);
	z.file = NULL;
	size_t l = strlen(s), size = 0;
	if (l > PATH_MAX + 1)
		s = "UTC", l = 3;
	memcpy(z.tz, s, l + 1);
	z.have = true;
	const char *p = s;
	char name[TZNAME_MAX + 1];
	zone_name(name, &p);
	bool posix_form = *s != ':' && p != s && (*p == '+' || *p == '-' || (unsigned)(*p - '0') < 10U ||
						 !strcmp(name, "UTC") || !strcmp(name, "GMT"));
	if (!posix_form) {
		z.file = tz_file(s + (*s == ':'), &size);
		if (!z.file)
			s = "UTC";
	}
	if (z.file && (size < 44 || memcmp(z.file, "TZif", 4) || !read_tzif(z.file, size, &s))) {
		free(z.file);
		z.file = NULL;
		s = "UTC";
	}
	if (s)
		posix(s);
}

/* The file's type for t, or -1 where its footer (or its fallback zone) applies. */
static long file_type(long long t)
{
	size_t n = z.ntrans, a = 0;
	if (!n)
		return 0;
	for (size_t lo = 0, len = n; len > 1;) { /* the last transition at or before t, from 1 */
		size_t m = lo + len / 2;
		const unsigned char *p = z.trans + (m << (2 + z.wide));
		int64_t x = z.wide ? (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)) : (int32_t)be32(p);
		if (t < x) {
			len /= 2;
		} else {
			lo = a = m;
			len -= len / 2;
		}
	}
	if (a == n - 1)
		return -1;
	int64_t first = z.wide ? (int64_t)((uint64_t)be32(z.trans) << 32 | be32(z.trans + 4)) : (int32_t)be32(z.trans);
	if (a == 0 && t < first) {
		size_t i = 0;
		while (i < z.ntypes && z.types[6 * i + 4])
			i++;
		return i < z.ntypes ? (long)i : 0;
	}
	return z.idx[a];
}

static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static bool leap(long long y)
{
	return !(y % 4) && (y % 100 || !(y % 400));
}

/* Seconds from the epoch to 1 January of 1900 + y, UTC */
static long long year_secs(long long y)
{
	return 86400 * days_from_civil(1900 + y, 1, 1);
}

static long long rule_secs(const struct rule *r, long long y)
{
	long long t = year_secs(y);
	bool lp = leap(1900 + y);
	if (r->kind != 'M') {
		t += 86400LL * (r->a - (r->kind == 'J' && (r->a < 60 || !lp)));
	} else {
		int m = r->a < 1 ? 1 : r->a > 12 ? 12 : r->a, n = r->b;
		t = 86400 * days_from_civil(1900 + y, m, 1);
		int wday = (int)((t + 4 * 86400) % (7 * 86400)) / 86400;
		int days = r->c - wday;
		if (days < 0)
			days += 7;
		int mdays = m == 2 ? 28 + lp : 30 + ((0xad5 >> (m - 1)) & 1);
		if (n == 5 && days + 28 >= mdays)
			n = 4;
		t += 86400LL * (days + 7 * (n - 1));
	}
	return t + r->at;
}

/* Which of z's two zones (0 standard, 1 daylight) applies at t outside a file's range */
static int rule_zone(long long t)
{
	if (!z.dst)
		return 0;
	long long y = t / 31556952 + 70;
	while (year_secs(y) > t)
		y--;
	while (year_secs(y + 1) < t)
		y++;
	long long t0 = rule_secs(&z.r[0], y) + z.west[0], t1 = rule_secs(&z.r[1], y) + z.west[1];
	if (t0 < t1)
		return t >= t0 && t < t1;
	return !(t >= t1 && t < t0);
}

/* Broken-down UTC time of t; false if the year does not fit tm_year (EOVERFLOW). */
static bool to_tm(long long t, struct tm *tm)
{
	if (t < INT_MIN * 31622400LL || t > INT_MAX * 31622400LL)
		return false;
	long long days = t / 86400, secs = t % 86400;
	if (secs < 0)
		secs += 86400, days--;
	long long z0 = days + 719468, era = (z0 >= 0 ? z0 : z0 - 146096) / 146097;
	long long doe = z0 - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	long long y = yoe + era * 400 + (m <= 2);
	if (y - 1900 > INT_MAX || y - 1900 < INT_MIN)
		return false;
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = m - 1;
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_yday = (int)(days - days_from_civil(y, 1, 1));
	tm->tm_wday = (int)(((days + 4) % 7 + 7) % 7);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	return true;
}

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	if (!to_tm(*t, tm)) {
		errno = EOVERFLOW;
		return NULL;
	}
	tm->tm_isdst = 0;
	tm->tm_gmtoff = 0;
	tm->tm_zone = "UTC";
	return tm;
}

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	if (*t < INT_MIN * 31622400LL || *t > INT_MAX * 31622400LL) {
		errno = EOVERFLOW;
		return NULL;
	}
	load();
	long i = z.file ? file_type(*t) : -1;
	if (i >= 0) {
		const unsigned char *ty = z.types + 6 * i;
		tm->tm_isdst = ty[4];
		tm->tm_gmtoff = (int32_t)be32(ty);
		tm->tm_zone = z.abbr + ty[5];
	} else {
		int d = rule_zone(*t);
		tm->tm_isdst = d;
		tm->tm_gmtoff = -z.west[d];
		tm->tm_zone = z.zname[d];
	}
	if (!to_tm(*t + tm->tm_gmtoff, tm)) {
		errno = EOVERFLOW;
		return NULL;
	}
	return tm;
}
#endif
