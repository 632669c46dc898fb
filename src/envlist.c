/* envlist.c — see envlist.h. */
#include "envlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

static size_t key_len(const char *kv)
{
	return strcspn(kv, "=");
}

static size_t key_hash(const char *s, size_t n)
{
	size_t h = 2166136261u; /* FNV-1a */
	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot holding KEY, or the free slot where it would go. */
static size_t find_slot(const struct envlist *e, const char *key, size_t klen, size_t *probes)
{
	size_t mask = e->scap - 1, i = key_hash(key, klen) & mask;
	for (++*probes; e->slot[i]; i = (i + 1) & mask, ++*probes) {
		const char *kv = e->v[e->slot[i] - 1];
		if (!strncmp(kv, key, klen) && kv[klen] == '=')
			break;
	}
	return i;
}

static int grow_index(struct envlist *e)
{
	if (e->n * 2 + 2 < e->scap)
		return 0;
	size_t cap = e->scap ? e->scap * 2 : 16;
	size_t *old = e->slot;
	if (cap > SIZE_MAX / sizeof *old || !(e->slot = calloc(cap, sizeof *old))) {
		e->slot = old;
		return -1;
	}
	e->scap = cap;
	for (size_t i = 0; i < e->n; i++)
		e->slot[find_slot(e, e->v[i], key_len(e->v[i]), &e->probes)] = i + 1;
	free(old);
	return 0;
}

int envlist_put(struct envlist *e, char *kv)
{
	if (grow_index(e))
		return -1;
	size_t s = find_slot(e, kv, key_len(kv), &e->probes);
	if (e->slot[s]) {
		e->v[e->slot[s] - 1] = kv;
		return 0;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		char **v = cap < SIZE_MAX / sizeof *v ? realloc(e->v, cap * sizeof *v) : NULL;
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = kv;
	e->slot[s] = e->n;
	return 0;
}

const char *envlist_get(const struct envlist *e, const char *key, size_t klen)
{
	if (!e || !e->scap)
		return NULL;
	size_t probes = 0, s = find_slot(e, key, klen, &probes);
	return e->slot[s] ? e->v[e->slot[s] - 1] + klen + 1 : NULL;
}

char **envlist_vector(const struct envlist *e, struct arena *a)
{
	return arena_ptrv(a, e->v, e->n);
}

char **envlist_merge(const struct envlist *base, const struct envlist *own, struct arena *a)
{
	size_t n = base->n;
	if (own->n > SIZE_MAX / sizeof(char *) - n - 1)
		return NULL;
	char **v = arena_alloc(a, (n + own->n + 1) * sizeof *v);
	if (!v)
		return NULL;
	if (n)
		memcpy(v, base->v, n * sizeof *v);
	for (size_t i = 0; i < own->n; i++) {
		const char *kv = own->v[i];
		size_t klen = key_len(kv), s, probes = 0;
		if (base->scap && base->slot[s = find_slot(base, kv, klen, &probes)])
			v[base->slot[s] - 1] = own->v[i];
		else
			v[n++] = own->v[i];
	}
	v[n] = NULL;
	return v;
}

void envlist_free(struct envlist *e)
{
	free(e->v);
	free(e->slot);
	memset(e, 0, sizeof *e);
}
