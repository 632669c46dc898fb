/* test_alloc.c — alloc.c (the static build's malloc), compiled here under other names
 * so that it runs beside the sanitizer's allocator: random malloc, calloc, realloc and
 * free of sizes around every class boundary and the large-block threshold; each live
 * block is filled with its own byte and must keep it (no overlap, realloc keeps the
 * contents), calloc's must be zero, every pointer 16-byte aligned. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define TEND_OWN_MALLOC
#define malloc t_malloc
#define calloc t_calloc
#define realloc t_realloc
#define free t_free
#define __libc_malloc t_libc_malloc
#include "../../src/alloc.c"
#undef malloc
#undef calloc
#undef realloc
#undef free

#define LIVE 512

struct blk {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

static bool intact(const struct blk *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->p[i] != b->fill)
			return false;
	return true;
}

static size_t pick_size(unsigned r)
{
	static const size_t edge[] = {0, 1, 15, 16, 17, 31, 32, 33, 1000, 4096, 16383, 16384, 16385,
				      32767, 32768, 32769, 65536, 100000, 300000};
	size_t e = edge[r % (sizeof edge / sizeof *edge)];
	return (r >> 8) % 3 ? e : (r >> 10) % 70000;
}

int main(void)
{
	static struct blk b[LIVE];
	srand(7);
	bool ok = true;
	for (int step = 0; step < 50000 && ok; step++) {
		struct blk *x = &b[(unsigned)rand() % LIVE];
		unsigned r = (unsigned)rand();
		if (x->p && !intact(x)) {
			ok = false;
			break;
		}
		if (x->p && r % 4 == 0) {
			t_free(x->p);
			x->p = NULL;
			continue;
		}
		size_t n = pick_size((unsigned)rand());
		if (x->p) { /* realloc: the common prefix is kept */
			unsigned char *q = t_realloc(x->p, n);
			if (!q) {
				ok = false;
				break;
			}
			x->p = q;
			x->n = n < x->n ? n : x->n;
			ok = intact(x);
		} else if (r % 3 == 0) {
			x->p = t_calloc(1, n);
			x->n = n;
			x->fill = 0;
			ok = x->p && intact(x);
		} else {
			x->p = t_malloc(n);
		}
		if (!x->p || (uintptr_t)x->p % 16) {
			ok = false;
			break;
		}
		x->n = n;
		x->fill = (unsigned char)(r >> 16 | 1);
		memset(x->p, x->fill, n);
	}
	CHECK(ok);
	for (int i = 0; i < LIVE; i++)
		if (b[i].p) {
			CHECK(intact(&b[i]));
			t_free(b[i].p);
		}
	CHECK(t_malloc(0) != NULL);
	CHECK(t_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
	CHECK(t_malloc(SIZE_MAX - 10) == NULL && errno == ENOMEM);
	void *big = t_malloc(100000);
	CHECK(big && t_realloc(big, SIZE_MAX - 10) == NULL); /* the block stays valid */
	t_free(big);
	printf("test_alloc: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
