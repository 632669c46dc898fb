/* envlist.h — an ordered list of "K=V" strings with dict semantics (a key set again keeps
 * its first position and takes the later value, like the Python dicts supervisord builds)
 * and a hash index on the keys, so building and looking up are linear in the pairs. */
#pragma once
#include <stddef.h>

struct arena;

struct envlist {
	char **v;     /* n "K=V" strings, not owned (they live in the config's arena) */
	size_t n, cap;
	size_t *slot; /* open addressing on the key: index in v + 1, 0 = free */
	size_t scap;  /* a power of two, more than twice n */
	size_t probes; /* slots looked at so far: the unit test's measure of linear work */
};

/* Set the pair KV ("K=V", not copied). 0, or -1 when out of memory. */
int envlist_put(struct envlist *e, char *kv);
/* The value of KEY (KLEN bytes), or NULL. E may be NULL. */
const char *envlist_get(const struct envlist *e, const char *key, size_t klen);
/* The pairs as a NULL-terminated vector in A (NULL when out of memory or over budget). */
char **envlist_vector(const struct envlist *e, struct arena *a);
/* BASE's pairs, then OWN's, a key in both once at BASE's position with OWN's value
 * (supervisord: env = section.environment.copy(); env.update(proc.environment)). */
char **envlist_merge(const struct envlist *base, const struct envlist *own, struct arena *a);
void envlist_free(struct envlist *e);
