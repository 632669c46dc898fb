/* ring.h — the recent output of one stream kept in memory, for `supervisorctl tail`
 * whatever the log target is (/dev/stdout included). Positions are absolute (bytes ever
 * written), so a reader asks "from byte N" and learns what was overwritten. Memory grows
 * with the output up to the cap, never past it. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct tend;

/* Someone streaming the ring (GET /logtail/...): told after every append. When the
 * ring is freed (its service removed), `ring` becomes NULL: the waiter then holds no
 * reference and ring_unwatch() does nothing. */
struct ring_waiter {
	void (*fn)(struct tend *t, struct ring_waiter *w);
	struct ring *ring;
	struct ring_waiter *next;
};

struct ring {
	char *p;
	size_t size;   /* allocated; grows to cap while the ring has not wrapped */
	size_t cap;    /* 0: keep nothing */
	uint64_t end;  /* bytes ever appended (after a clear: since the clear) */
	struct ring_waiter *waiters;
};

void ring_init(struct ring *r, size_t cap);
void ring_put(struct tend *t, struct ring *r, const char *d, size_t n);
uint64_t ring_start(const struct ring *r); /* oldest position still held */
/* Copy at most N bytes from position FROM (clamped to what is held) into DST; returns
 * the count. */
size_t ring_read(const struct ring *r, uint64_t from, size_t n, char *dst);
void ring_clear(struct ring *r);
void ring_free(struct tend *t, struct ring *r);
void ring_watch(struct ring *r, struct ring_waiter *w);
void ring_unwatch(struct ring_waiter *w);
