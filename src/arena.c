/* arena.c — see arena.h. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64u << 10)
#define BIG_BLOCK (CHUNK_SIZE / 4) /* larger requests get a chunk of their own */

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	max_align_t data[]; /* aligned for anything */
};

static struct arena_chunk *new_chunk(struct arena *a, size_t size)
{
	size_t limit = a->limit ? a->limit : CONFIG_MAX_BYTES;
	if (size > limit || sizeof(struct arena_chunk) + size > limit ||
	    a->used > limit - sizeof(struct arena_chunk) - size) {
		a->over_budget = true;
		return NULL;
	}
	struct arena_chunk *c = malloc(sizeof(struct arena_chunk) + size);
	if (!c)
		return NULL;
	c->size = size;
	c->used = 0;
	a->used += sizeof(struct arena_chunk) + size;
	return c;
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	if (n > SIZE_MAX - align)
		return NULL;
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	struct arena_chunk *c = a->head;
	if (n >= BIG_BLOCK) { /* behind the head, so the head's free space is not wasted */
		struct arena_chunk *b = new_chunk(a, n);
		if (!b)
			return NULL;
		b->used = n;
		if (c) {
			b->next = c->next;
			c->next = b;
		} else {
			b->next = NULL;
			a->head = b;
		}
		return b->data;
	}
	if (!c || c->size - c->used < n) {
		if (!(c = new_chunk(a, CHUNK_SIZE)))
			return NULL;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_concat(struct arena *a, const char *x, const char *y)
{
	size_t nx = x ? strlen(x) : 0, ny = y ? strlen(y) : 0;
	char *d = arena_alloc(a, nx + ny + 1);
	if (d) {
		memcpy(d, x ? x : "", nx);
		memcpy(d + nx, y ? y : "", ny + 1);
	}
	return d;
}

char **arena_ptrv(struct arena *a, char *const *v, size_t n)
{
	char **d = n < SIZE_MAX / sizeof *d ? arena_alloc(a, (n + 1) * sizeof *d) : NULL;
	if (d) {
		if (n)
			memcpy(d, v, n * sizeof *d);
		d[n] = NULL;
	}
	return d;
}

void arena_free(struct arena *a)
{
	for (struct arena_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
	a->over_budget = false;
}
