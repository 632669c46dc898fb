/* ring.c — see ring.h. A byte at position P lives at p[P % size] once the ring has
 * wrapped (size == cap); before that the buffer is linear and doubles as it fills. */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

#define RING_FIRST 4096

void ring_init(struct ring *r, size_t cap)
{
	*r = (struct ring){.cap = cap};
}

static int grow(struct ring *r, size_t need)
{
	size_t size = r->size ? r->size : RING_FIRST;
	while (size < need && size < r->cap)
		size *= 2;
	if (size > r->cap)
		size = r->cap;
	if (size == r->size)
		return 0;
	char *p = realloc(r->p, size);
	if (!p)
		return -1;
	r->p = p;
	r->size = size;
	return 0;
}

void ring_put(struct tend *t, struct ring *r, const char *d, size_t n)
{
	if (!r->cap || !n)
		return;
	/* grow only while linear: once wrapped, positions map through this size */
	if (r->end + n > r->size && r->end <= r->size && r->size < r->cap)
		grow(r, (size_t)(r->end + n));
	if (!r->size)
		return; /* out of memory before the first byte: nothing kept */
	r->end += n;
	if (n > r->size) { /* only the last `size` bytes can stay */
		d += n - r->size;
		n = r->size;
	}
	size_t at = (size_t)((r->end - n) % r->size), first = r->size - at < n ? r->size - at : n;
	memcpy(r->p + at, d, first);
	memcpy(r->p, d + first, n - first);
	for (struct ring_waiter *w = r->waiters, *next; w; w = next) {
		next = w->next; /* a waiter may leave the list */
		w->fn(t, w);
	}
}

uint64_t ring_start(const struct ring *r)
{
	return r->end > r->size ? r->end - r->size : 0;
}

size_t ring_read(const struct ring *r, uint64_t from, size_t n, char *dst)
{
	uint64_t start = ring_start(r);
	if (from < start)
		from = start;
	if (from >= r->end)
		return 0;
	if (n > r->end - from)
		n = (size_t)(r->end - from);
	size_t at = (size_t)(from % r->size), first = r->size - at < n ? r->size - at : n;
	memcpy(dst, r->p + at, first);
	memcpy(dst + first, r->p, n - first);
	return n;
}

void ring_clear(struct ring *r)
{
	free(r->p);
	r->p = NULL;
	r->size = 0;
	r->end = 0;
}

void ring_free(struct tend *t, struct ring *r)
{
	ring_clear(r);
	struct ring_waiter *w = r->waiters;
	r->waiters = NULL;
	while (w) { /* told, so that a stream of a removed service ends now, not at its next byte */
		struct ring_waiter *next = w->next;
		w->ring = NULL;
		w->next = NULL;
		if (w->fn)
			w->fn(t, w);
		w = next;
	}
}

void ring_watch(struct ring *r, struct ring_waiter *w)
{
	w->ring = r;
	w->next = r->waiters;
	r->waiters = w;
}

void ring_unwatch(struct ring_waiter *w)
{
	struct ring *r = w->ring;
	w->ring = NULL;
	if (!r)
		return;
	for (struct ring_waiter **pp = &r->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}
