/* test_pathglob.c — [include] globbing (pathglob.c): the matcher's semantics, its bound on
 * work (the old recursive matcher took seconds for a*a*a*a*a*b against 200 a's: issue 7
 * item 6), and path_glob over a real directory tree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathglob.h"

#include "check.h"
#include "config_fixture.h"

#define CHECK_MATCH(pat, name, want)                                                          \
	do {                                                                                  \
		bool got_ = name_match(pat, name);                                            \
		if (got_ == (want))                                                           \
			passed++;                                                             \
		else {                                                                        \
			failed++;                                                             \
			fprintf(stderr, "%s:%d: name_match(\"%s\", \"%s\") = %d, expected %d\n", \
				__FILE__, __LINE__, pat, name, got_, want);                   \
		}                                                                             \
	} while (0)

static void test_semantics(void)
{
	CHECK_MATCH("", "", true);
	CHECK_MATCH("", "a", false);
	CHECK_MATCH("*", "", true);
	CHECK_MATCH("*", "anything", true);
	CHECK_MATCH("**", "x", true);
	CHECK_MATCH("a*", "a", true);
	CHECK_MATCH("a*", "ba", false);
	CHECK_MATCH("*.conf", "web.conf", true);
	CHECK_MATCH("*.conf", "web.conf.bak", false);
	CHECK_MATCH("*.conf", "web.confx", false);
	CHECK_MATCH("*a*b", "xaxxbyb", true);
	CHECK_MATCH("*a*b", "xaxxby", false);
	CHECK_MATCH("a*b*c", "abc", true);
	CHECK_MATCH("a*b*c", "acb", false);
	CHECK_MATCH("?", "", false);
	CHECK_MATCH("?", "x", true);
	CHECK_MATCH("??", "x", false);
	CHECK_MATCH("a?c", "abc", true);
	CHECK_MATCH("*?", "", false);
	CHECK_MATCH("*?", "z", true);
	CHECK_MATCH("[abc]", "b", true);
	CHECK_MATCH("[abc]", "d", false);
	CHECK_MATCH("[a-c]x", "bx", true);
	CHECK_MATCH("[a-c]x", "dx", false);
	CHECK_MATCH("[!a-c]", "d", true);
	CHECK_MATCH("[!a-c]", "b", false);
	CHECK_MATCH("[^a]", "b", true); /* tend's matcher has always taken ^ like ! */
	CHECK_MATCH("[]a]", "]", true);   /* a leading ] is a member */
	CHECK_MATCH("[]a]", "a", true);
	CHECK_MATCH("[!]]", "]", false);
	CHECK_MATCH("[a-]", "-", true);   /* a trailing - is a member */
	CHECK_MATCH("[z-a]", "m", false); /* an empty range */
	CHECK_MATCH("[ab", "[ab", true);  /* unclosed: a literal [ */
	CHECK_MATCH("[ab", "a", false);
	CHECK_MATCH("*[0-9].ini", "x7.ini", true);
	CHECK_MATCH("*[0-9].ini", "x7a.ini", false);
	CHECK_MATCH("\xc3\xa9*", "\xc3\xa9t\xc3\xa9", true); /* bytes, UTF-8 passes */
	/* a leading dot is matched only literally, as by the shell and Python's glob */
	CHECK_MATCH("*", ".hidden", false);
	CHECK_MATCH("?hidden", ".hidden", false);
	CHECK_MATCH("[.]hidden", ".hidden", false);
	CHECK_MATCH(".*", ".hidden", true);
	CHECK_MATCH("*.conf", ".x.conf", false);
	CHECK_MATCH("a*", "a.b", true); /* a dot elsewhere is an ordinary character */
}

/* The obvious dynamic-programming matcher over the same token syntax, as the reference:
 * m[i][j] = pattern tokens i.. match name j.. */
static bool reference_match(const char *pat, const char *name)
{
	size_t np = strlen(pat), ns = strlen(name);
	if (name[0] == '.' && pat[0] != '.')
		return false;
	bool *m = calloc((np + 1) * (ns + 1), 1);
	if (!m)
		exit(2);
#define M(i, j) m[(i) * (ns + 1) + (j)]
	for (size_t i = np + 1; i-- > 0;)
		for (size_t j = ns + 1; j-- > 0;) {
			if (i == np) {
				M(i, j) = j == ns;
				continue;
			}
			if (pat[i] == '*') {
				M(i, j) = M(i + 1, j) || (j < ns && M(i, j + 1));
				continue;
			}
			/* one-character token: find its end and whether it takes name[j] */
			size_t end = i + 1;
			bool ok = j < ns && (pat[i] == '?' || pat[i] == name[j]);
			if (pat[i] == '[') {
				size_t k = i + 1;
				bool neg = pat[k] == '!' || pat[k] == '^', in = false;
				k += neg;
				for (bool first = true; pat[k] && (first || pat[k] != ']'); first = false, k++) {
					if (pat[k + 1] == '-' && pat[k + 2] && pat[k + 2] != ']') {
						in |= j < ns && (unsigned char)name[j] >= (unsigned char)pat[k] &&
						      (unsigned char)name[j] <= (unsigned char)pat[k + 2];
						k += 2;
					} else {
						in |= j < ns && name[j] == pat[k];
					}
				}
				if (pat[k] == ']') {
					end = k + 1;
					ok = j < ns && (in ^ neg);
				}
			}
			M(i, j) = ok && M(end, j + 1); /* ok implies j < ns */
		}
	bool r = M(0, 0);
#undef M
	free(m);
	return r;
}

/* Random short patterns and names over a small alphabet, against the reference. */
static void test_against_reference(void)
{
	static const char pchars[] = "ab*?[]!-.", nchars[] = "ab-].";
	char pat[12], name[12];
	int mismatches = 0;
	srand(4242);
	for (int t = 0; t < 200000 && mismatches < 5; t++) {
		int lp = rand() % 10, ln = rand() % 10;
		for (int i = 0; i < lp; i++)
			pat[i] = pchars[rand() % (sizeof pchars - 1)];
		for (int i = 0; i < ln; i++)
			name[i] = nchars[rand() % (sizeof nchars - 1)];
		pat[lp] = name[ln] = 0;
		if (name_match(pat, name) != reference_match(pat, name)) {
			fprintf(stderr, "  name_match(\"%s\", \"%s\") = %d, reference %d\n", pat, name,
				name_match(pat, name), reference_match(pat, name));
			mismatches++;
		}
	}
	CHECK(mismatches == 0);
}

/* The work is bounded by (|name| + 1) * (|pattern| + 1) steps, whatever the input. */
static void test_work_is_bounded(void)
{
	char name[201], pat[64];
	memset(name, 'a', 200);
	name[200] = 0;
	static const char *const pats[] = {"a*a*a*a*a*b", "a*a*a*a*a*a*a*a*a*a*a*b", "*a*a*a*a*a*a*?b",
					   "*[a]*[a]*[a]*[a]*[!a]", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a"};
	for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
		unsigned long steps = 0;
		bool m = name_match_counted(pats[i], name, &steps);
		unsigned long bound = (strlen(name) + 1) * (strlen(pats[i]) + 1);
		if (steps > bound)
			fprintf(stderr, "  %s against 200 a's: %lu steps, bound %lu\n", pats[i], steps, bound);
		CHECK(steps <= bound);
		CHECK(m == (i == 4)); /* only the last can match */
	}
	/* random inputs, too */
	srand(99);
	for (int t = 0; t < 20000; t++) {
		int lp = rand() % 30, ln = rand() % 60;
		for (int i = 0; i < lp; i++)
			pat[i] = "a*?[]!b"[rand() % 7];
		for (int i = 0; i < ln; i++)
			name[i] = "ab"[rand() % 2];
		pat[lp] = name[ln] = 0;
		unsigned long steps = 0;
		name_match_counted(pat, name, &steps);
		if (steps > (unsigned long)(ln + 1) * (lp + 1)) {
			fprintf(stderr, "  \"%s\" against \"%s\": %lu steps\n", pat, name, steps);
			CHECK(!"bounded work");
			break;
		}
	}
}

static bool has(char **v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], path))
			return true;
	return false;
}

static void test_path_glob(void)
{
	char **v, pat[600], fifo[300];
	size_t n;
	mkdir(at("g"), 0755);
	mkdir(at("g/d1"), 0755);
	mkdir(at("g/d2"), 0755);
	put("g/d1/b.conf", "");
	put("g/d1/a.conf", "");
	put("g/d2/c.conf", "");
	put("g/d2/.hidden.conf", "");
	put("g/x.txt", "");
	snprintf(fifo, sizeof fifo, "%s", at("g/d2/fifo.conf"));
	CHECK(mkfifo(fifo, 0644) == 0);
	snprintf(pat, sizeof pat, "%s/g/d*/*.conf", dir);
	watchdog(60, "path_glob with a FIFO in the tree");
	if (path_glob(pat, &v, &n) == 0) {
		CHECK(n == 4); /* a FIFO matches by name; ini.c refuses to read it */
		CHECK(n >= 4 && !strcmp(v[0], at("g/d1/a.conf")) && !strcmp(v[1], at("g/d1/b.conf")) &&
		      !strcmp(v[2], at("g/d2/c.conf")) && !strcmp(v[3], fifo));
		CHECK(!has(v, n, at("g/d2/.hidden.conf")));
		path_globfree(v, n);
	} else
		CHECK(!"path_glob");
	/* a FIFO where a directory would be: not opened, nothing matches below it */
	snprintf(pat, sizeof pat, "%s/g/d2/fifo.conf/*", dir);
	if (path_glob(pat, &v, &n) == 0) {
		CHECK(n == 0);
		path_globfree(v, n);
	}
	snprintf(pat, sizeof pat, "%s/g/d2/fifo*/*", dir);
	if (path_glob(pat, &v, &n) == 0) {
		CHECK(n == 0);
		path_globfree(v, n);
	}
	watchdog(0, NULL);
	/* no magic: the path itself if it exists */
	snprintf(pat, sizeof pat, "%s/g/x.txt", dir);
	if (path_glob(pat, &v, &n) == 0) {
		CHECK(n == 1 && !strcmp(v[0], at("g/x.txt")));
		path_globfree(v, n);
	}
	snprintf(pat, sizeof pat, "%s/g/nope/*.conf", dir);
	if (path_glob(pat, &v, &n) == 0) {
		CHECK(n == 0);
		path_globfree(v, n);
	}
	unlink(fifo);
	/* bounded: path components (each is a stack frame), matches, entries visited */
	size_t o = (size_t)snprintf(pat, sizeof pat, "%s", dir);
	for (int i = 0; i < GLOB_MAX_DEPTH + 2; i++)
		o += (size_t)snprintf(pat + o, sizeof pat - o, "/.");
	CHECK(path_glob(pat, &v, &n) == -2);
	char deep[600];
	o = (size_t)snprintf(pat, sizeof pat, "%s/g", dir); /* g/n/n/n/... all exist */
	snprintf(deep, sizeof deep, "%s", pat);
	for (int i = 0; i < GLOB_MAX_DEPTH + 2; i++) {
		strcat(deep, "/n");
		mkdir(deep, 0755);
		o += (size_t)snprintf(pat + o, sizeof pat - o, "/n*");
	}
	CHECK(path_glob(pat, &v, &n) == -2);
	for (int i = 0; i < 40; i++) { /* 40 x 40 x 40 = 64,000 matches */
		char d[64];
		snprintf(d, sizeof d, "g/m%02d", i);
		mkdir(at(d), 0755);
		for (int j = 0; j < 40; j++) {
			char f[64];
			snprintf(f, sizeof f, "g/m%02d/%02d", i, j);
			mkdir(at(f), 0755);
		}
	}
	snprintf(pat, sizeof pat, "%s/g/m*/*", dir);
	if (path_glob(pat, &v, &n) == 0) { /* 1,600: fine */
		CHECK(n == 1600);
		path_globfree(v, n);
	} else
		CHECK(!"1,600 matches");
	snprintf(pat, sizeof pat, "%s/g/m*/*/../*", dir); /* 1,600 x 42 entries each */
	CHECK(path_glob(pat, &v, &n) == -2);
}

static void cases(void)
{
	test_semantics();
	test_against_reference();
	watchdog(120, "pathological glob patterns (exponential matcher?)");
	test_work_is_bounded();
	watchdog(0, NULL);
	test_path_glob();
}

int main(void)
{
	return fixture_run("pathglob", cases);
}
