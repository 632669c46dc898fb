/* test_sort.c — sort.c's qsort() against a reference order: random arrays of many sizes
 * and element sizes, with many equal keys, already sorted, reversed; a total order must
 * come out exactly as glibc's qsort gives it, and a partial one sorted by its key. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef void qsort_fn(void *, size_t, size_t, int (*)(const void *, const void *));

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* 13-byte records: a key in the first byte only (ties), an index after (a total order) */
struct rec {
	unsigned char key;
	uint32_t index;
	char pad[8];
} __attribute__((packed));

static int by_key(const void *a, const void *b)
{
	return ((const struct rec *)a)->key - ((const struct rec *)b)->key;
}

static int by_key_index(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->key != y->key)
		return x->key - y->key;
	return (x->index > y->index) - (x->index < y->index);
}

static unsigned long rng = 1;
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

int main(void)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	qsort_fn *glibc_qsort = libc ? (qsort_fn *)dlsym(libc, "qsort") : NULL;
	CHECK(glibc_qsort && glibc_qsort != qsort);
	if (!glibc_qsort || glibc_qsort == qsort)
		return fprintf(stderr, "glibc's qsort not found\n"), 1;
	static int a[3000], b[3000];
	static struct rec r[1200], s[1200], t[1200], u[1200];
	qsort(a, 0, sizeof *a, by_int); /* nothing to sort */
	for (int round = 0; round < 400; round++) {
		int n = round < 40 ? round : (int)rnd(3000), range = round % 3 ? 1000000 : 5;
		for (int i = 0; i < n; i++)
			a[i] = round % 7 == 1 ? i : round % 7 == 2 ? n - i : (int)rnd((unsigned)range) - range / 2;
		memcpy(b, a, (size_t)n * sizeof *a);
		qsort(a, (size_t)n, sizeof *a, by_int);
		glibc_qsort(b, (size_t)n, sizeof *b, by_int);
		CHECK(!memcmp(a, b, (size_t)n * sizeof *a));

		int m = n % 1200;
		for (int i = 0; i < m; i++) {
			u[i] = (struct rec){.key = (unsigned char)rnd(round % 2 ? 4 : 256), .index = (uint32_t)i};
			memset(u[i].pad, (int)rnd(256), sizeof u[i].pad);
		}
		memcpy(r, u, (size_t)m * sizeof *r);
		memcpy(s, u, (size_t)m * sizeof *r);
		memcpy(t, u, (size_t)m * sizeof *r);
		qsort(r, (size_t)m, sizeof *r, by_key_index);
		glibc_qsort(s, (size_t)m, sizeof *s, by_key_index);
		CHECK(!memcmp(r, s, (size_t)m * sizeof *r));
		/* ties: sorted by key, and still a permutation (every record once, intact) */
		qsort(t, (size_t)m, sizeof *t, by_key);
		static unsigned char seen[1200];
		memset(seen, 0, sizeof seen);
		bool ok = true;
		for (int i = 0; ok && i < m; i++)
			ok = (i == 0 || t[i - 1].key <= t[i].key) && t[i].index < (uint32_t)m && !seen[t[i].index]++ &&
			     !memcmp(&u[t[i].index], &t[i], sizeof t[i]);
		CHECK(ok);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
