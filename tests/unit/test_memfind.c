/* test_memfind.c — mem_find() (memfind.c) against glibc's memmem() on random buffers
 * over small alphabets (so that near misses abound), every needle length up to 6, needles
 * at the very start and end, and the empty cases. */
#include <stdio.h>
#include <string.h>

#include "memfind.h"

#include "check.h"

static unsigned long rng = 7;
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

int main(void)
{
	static char hay[300], needle[8];
	CHECK(mem_find(hay, 0, "", 0) == hay);
	CHECK(mem_find(hay, 0, "a", 1) == NULL);
	CHECK(mem_find("abc", 3, "", 0) != NULL);
	CHECK(mem_find("abc", 2, "bc", 2) == NULL); /* never past N */
	CHECK(mem_find("-->", 3, "-->", 3) != NULL);
	CHECK(mem_find("x-->", 4, "-->", 3) != NULL);
	CHECK(mem_find("x-->", 3, "-->", 3) == NULL);
	for (int round = 0; round < 200000; round++) {
		unsigned alpha = 1 + rnd(4);
		size_t n = rnd(sizeof hay + 1), m = rnd(7);
		for (size_t i = 0; i < n; i++)
			hay[i] = (char)('a' + rnd(alpha));
		for (size_t i = 0; i < m; i++)
			needle[i] = (char)('a' + rnd(alpha));
		if (round % 5 == 0 && n >= m) /* a sure occurrence, at the end or the start */
			memcpy(round % 10 ? hay + n - m : hay, needle, m);
		/* the search is over hay[0..n): what is after must not matter */
		if (n < sizeof hay)
			hay[n] = needle[0];
		CHECK(mem_find(hay, n, needle, m) == memmem(hay, n, needle, m));
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
