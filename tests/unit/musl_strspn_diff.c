/* musl_strspn_diff.c — src/strspn.c against musl's own strspn and strcspn: crafted cases
 * (empty string or set, sets of one byte, all bytes, high bytes) and 400,000 random strings
 * and sets over a small alphabet with bytes above 127. Built by tests/test_strspn.py with
 * musl-gcc -static; prints one line per difference (at most 20), exits 1 if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEND_OWN_STRSPN
#define strspn t_strspn
#define strcspn t_strcspn
#include "../../src/strspn.c"
#undef strspn
#undef strcspn

static int bad, cases;

static void compare(const char *s, const char *c)
{
	size_t a = strspn(s, c), b = t_strspn(s, c), x = strcspn(s, c), y = t_strcspn(s, c);
	cases++;
	if (a != b || x != y) {
		if (bad++ < 20)
			printf("\"%s\" \"%s\": musl %zu %zu, tend %zu %zu\n", s, c, a, x, b, y);
	}
}

int main(void)
{
	static char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	const char *crafted[] = {"", "a", "ab", "abc", " \t", "\xff", "\x80\x81", "=", ":/", "a\xff", all};
	for (size_t i = 0; i < sizeof crafted / sizeof *crafted; i++)
		for (size_t k = 0; k < sizeof crafted / sizeof *crafted; k++)
			compare(crafted[i], crafted[k]);
	static const char alpha[] = "abc =:\t\x80\xff\x01";
	srand(7);
	for (int n = 0; n < 400000; n++) {
		char s[40], c[12];
		int ls = rand() % 40, lc = rand() % 12;
		for (int i = 0; i < ls; i++)
			s[i] = alpha[rand() % (int)(sizeof alpha - 1)];
		for (int i = 0; i < lc; i++)
			c[i] = alpha[rand() % (int)(sizeof alpha - 1)];
		s[ls] = c[lc] = 0;
		compare(s, c);
	}
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
