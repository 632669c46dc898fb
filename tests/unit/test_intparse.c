/* test_intparse.c — str_to_ll() (intparse.c) against glibc's strtoll(): the value, where
 * the scan ended and errno, on the edges (blanks, signs, no digits, LLONG_MIN/MAX and one
 * past) and on random strings over an alphabet of digits, letters, signs and blanks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intparse.h"

#include "check.h"

static int shown;

static void same(const char *s, int base)
{
	char *e1, *e2;
	errno = 0;
	long long v1 = str_to_ll(s, &e1, base);
	int err1 = errno;
	errno = 0;
	long long v2 = strtoll(s, &e2, base);
	int err2 = errno;
	CHECK(v1 == v2 && e1 == e2 && err1 == err2);
	if ((v1 != v2 || e1 != e2 || err1 != err2) && shown++ < 20)
		fprintf(stderr, "  \"%s\" base %d: tend %lld +%d errno %d, glibc %lld +%d errno %d\n", s, base, v1,
			(int)(e1 - s), err1, v2, (int)(e2 - s), err2);
}

static unsigned long rng = 3;
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

int main(void)
{
	/* no "0x1f": str_to_ll() does not take base 16's prefix */
	static const char *const fixed[] = {
		"", " ", "-", "+", "+-1", "-+1", " -", "0", "-0", "+0", "7", "8", "9", "12x", " \t\n\v\f\r42",
		"\x1c" "5", "1 ", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "99999999999999999999999", "-99999999999999999999999",
		"777777777777777777777", "1000000000000000000000", "-1000000000000000000000",
		"1777777777777777777777", "0777", "0o17", "x1f", "z", "Z", "zz", "-zz", "0000000000000000000000001",
	};
	static const int bases[] = {2, 8, 10, 16, 36};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
			same(fixed[i], bases[b]);
	CHECK(str_to_ll("12", NULL, 10) == 12);
	static const char alpha[] = "0123456789789aAzZ+- \t";
	char s[40];
	for (int round = 0; round < 300000; round++) {
		size_t n = rnd(sizeof s);
		for (size_t i = 0; i < n; i++)
			s[i] = alpha[rnd(round % 3 ? 10 : sizeof alpha - 1)];
		s[n] = 0;
		same(s, bases[rnd(sizeof bases / sizeof *bases)]);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
