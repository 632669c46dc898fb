/* alloc.c — malloc, calloc, realloc and free for the static (musl) build only.
 *
 * Why: musl's mallocng is ~8.5 KB of the static binary; this file is ~0.6 KB. It is
 * compiled only with -DTEND_OWN_MALLOC (the Makefile's STATIC_FLAGS): the glibc build
 * keeps glibc's malloc and the ASan builds keep ASan's. An executable's definitions take
 * precedence over libc's, so musl's own callers (strdup, getline, opendir...) use these
 * too, and __libc_malloc (musl's __tz.c, never freed) is this malloc as well.
 *
 * Blocks of up to SMALL_MAX bytes come in size classes of 16 << k bytes, carved from
 * CHUNK-sized mappings (a chunk's tail too small for the next block stays unused); a
 * freed block goes to its class's list and is reused by the next allocation of that
 * class. Larger blocks are mappings of their own, unmapped by free and resized by
 * mremap. Each block is preceded by a 16-byte header holding its capacity, so every
 * pointer returned is 16-byte aligned, as musl's. The cost: a small block uses up to
 * twice its size, and freed small blocks stay with tend (mallocng returns some).
 *
 * Not thread-safe, on purpose: only tend's main thread allocates (sink.c's relay thread
 * never does), and a forked child inherits a consistent heap. */
#ifdef TEND_OWN_MALLOC
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define HDR 16
#define NCLASS 12                    /* 16 .. 32 KiB */
#define SMALL_MAX (16u << (NCLASS - 1))
#define CHUNK (256u * 1024)
#define PAGE 4096u

struct heap {
	void *free[NCLASS]; /* each free block's first word is the next one */
	char *cur, *end;    /* what is left of the current chunk */
};

static struct heap heap;

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p; /* errno is ENOMEM */
}

static unsigned class_of(size_t n)
{
	unsigned k = 0;
	while ((16u << k) < n)
		k++;
	return k;
}

void *malloc(size_t n)
{
	char *h;
	if (n > SMALL_MAX) {
		if (n > PTRDIFF_MAX - 2 * PAGE) {
			errno = ENOMEM;
			return NULL;
		}
		size_t len = (n + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
		if (!(h = map(len)))
			return NULL;
		*(size_t *)h = len;
		return h + HDR;
	}
	unsigned k = class_of(n);
	size_t size = HDR + (16u << k);
	if ((h = heap.free[k])) {
		heap.free[k] = *(void **)h;
	} else {
		if ((size_t)(heap.end - heap.cur) < size) {
			char *c = map(CHUNK);
			if (!c)
				return NULL;
			heap.cur = c;
			heap.end = c + CHUNK;
		}
		h = heap.cur;
		heap.cur += size;
	}
	*(size_t *)h = 16u << k;
	return h + HDR;
}

void *__libc_malloc(size_t n) /* musl's internal name: without it, lite_malloc.lo links */
{
	return malloc(n);
}

void free(void *p)
{
	if (!p)
		return;
	char *h = (char *)p - HDR;
	size_t cap = *(size_t *)h;
	if (cap > SMALL_MAX) {
		munmap(h, cap); /* cannot fail: a whole mapping of ours */
		return;
	}
	unsigned k = class_of(cap);
	*(void **)h = heap.free[k];
	heap.free[k] = h;
}

void *calloc(size_t m, size_t n)
{
	if (n && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(m * n);
	if (p && m * n <= SMALL_MAX)
		memset(p, 0, m * n); /* a large block is a fresh mapping: zero already */
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	char *h = (char *)p - HDR;
	size_t cap = *(size_t *)h;
	if (cap > SMALL_MAX && n > SMALL_MAX && n <= PTRDIFF_MAX - 2 * PAGE) {
		size_t len = (n + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
		void *m = mremap(h, cap, len, MREMAP_MAYMOVE);
		if (m == MAP_FAILED)
			return NULL;
		*(size_t *)m = len;
		return (char *)m + HDR;
	}
	if (cap <= SMALL_MAX && n <= cap)
		return p;
	void *q = malloc(n);
	if (!q)
		return NULL;
	size_t have = cap > SMALL_MAX ? cap - HDR : cap; /* a mapping's header counts itself */
	memcpy(q, p, n < have ? n : have);
	free(p);
	return q;
}
#endif
