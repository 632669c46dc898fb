/* arena.h — the memory of one loaded config: bump allocation in chunks, freed all at once,
 * under a byte budget. Instances of a [program:x] share whatever does not differ between
 * them, so nothing in a config is owned by a single field; the budget is what keeps an
 * adversarial file (a large environment= times numprocs) from eating the machine. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_BYTES (64u << 20) /* everything one config stores, after expansion */

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* the chunk being filled first; big blocks behind it */
	size_t used;              /* bytes taken from malloc, chunk headers included */
	size_t limit;             /* 0 = CONFIG_MAX_BYTES */
	bool over_budget;         /* an allocation failed because of `limit`, not of malloc */
};

/* N bytes aligned for any type; NULL when out of memory or over the budget. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s); /* NULL in, NULL out */
/* "A" + "B" (either may be NULL = empty). */
char *arena_concat(struct arena *a, const char *x, const char *y);
/* A NULL-terminated copy of the N pointers of V (the strings are not copied). */
char **arena_ptrv(struct arena *a, char *const *v, size_t n);
void arena_free(struct arena *a);
