/* fmt_sink.h — what fmt.c's formatter (the printf family's engine) and fmt_stdio.c's
 * standard entry points share. Internal to those two files. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Where the output goes: p[0..cap) holds it; when full, flush() (if any) empties it,
 * else the rest is only counted (snprintf's truncation). */
struct sink {
	char *p;
	size_t cap, len;
	size_t total; /* bytes produced, kept or not: the return value, <= INT_MAX */
	bool (*flush)(struct sink *s); /* empties p; false on a write error */
	void *to;                      /* the FILE * or the &fd of flush */
	bool bad;                      /* failed: nothing more is written */
	int err;                       /* errno to fail with, when the format failed */
};

/* Format F with AP into S: the bytes produced (kept or not), or -1 with errno set. */
int fmt_run(struct sink *s, const char *f, va_list ap);
