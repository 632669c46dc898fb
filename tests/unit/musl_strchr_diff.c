/* musl_strchr_diff.c — src/strchr.c against musl's own strchr, strchrnul and getenv: the
 * returned addresses for crafted and 200,000 random strings with bytes above 127, and every
 * C from -300 to 300 (0 and values beyond a byte included); getenv for names that are set,
 * unset, empty, with '=', prefixes of set names and set twice, in environments with
 * entries without '='. Built by tests/test_strchr.py with musl-gcc -static; prints one line
 * per difference (at most 20), exits 1 if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEND_OWN_STRCHR
#define strchr t_strchr
#define strchrnul t_strchrnul
#define getenv t_getenv
#include "../../src/strchr.c"
#undef strchr
#undef strchrnul
#undef getenv

static int bad, cases;

static void compare(const char *s, int c)
{
	char *a = strchr(s, c), *b = t_strchr(s, c), *x = strchrnul(s, c), *y = t_strchrnul(s, c);
	cases++;
	if (a != b || x != y)
		if (bad++ < 20)
			printf("\"%s\" %d: musl %td %td, tend %td %td\n", s, c, a ? a - s : -1, x - s, b ? b - s : -1, y - s);
}

static void env(const char *name)
{
	char *a = getenv(name), *b = t_getenv(name);
	cases++;
	if (a != b)
		if (bad++ < 20)
			printf("getenv %s: musl %s, tend %s\n", name ? name : "(null)", a ? a : "(null)", b ? b : "(null)");
}

int main(void)
{
	const char *crafted[] = {"", "a", "abc", "\xff\x80", "a=b", "\x01\x7f\xff", "hello world"};
	for (size_t i = 0; i < sizeof crafted / sizeof *crafted; i++)
		for (int c = -300; c <= 300; c++)
			compare(crafted[i], c);
	static const char alpha[] = "ab= \x80\xff\x01";
	srand(3);
	for (int n = 0; n < 200000; n++) {
		char s[32];
		int l = rand() % 32;
		for (int i = 0; i < l; i++)
			s[i] = alpha[rand() % (int)(sizeof alpha - 1)];
		s[l] = 0;
		compare(s, "ab= \x80\xff\x01"[rand() % 7] + (rand() % 3 == 0 ? 256 * (rand() % 3 - 1) : 0));
	}
	const char *names[] = {"A", "AB", "ABC", "B", "", "A=", "A=1", "X", "EMPTY", "NOEQ", "DUP", "=", "a"};
	char *envs[][8] = {
		{NULL},
		{"A=1", "AB=2", "EMPTY=", "NOEQ", "DUP=first", "DUP=second", "=x", NULL},
		{"AB=2", "A=1", "B", "B=3", NULL},
	};
	for (size_t e = 0; e < sizeof envs / sizeof *envs; e++) {
		environ = envs[e];
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			env(names[i]);
	}
	environ = NULL;
	env("A");
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
