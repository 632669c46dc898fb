/* buf.h — a growable byte buffer with a hard size limit: requests and replies of the
 * control plane are built and held in these, and nothing from outside grows one past
 * its `max`. Once an append would pass it, the buffer is marked `over` and stays so. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;     /* NUL-terminated when not NULL (the NUL is not counted in len) */
	size_t len;
	size_t cap;
	size_t max;  /* most bytes it may hold */
	bool over;   /* an append failed (limit or malloc): the content is incomplete */
};

void buf_init(struct buf *b, size_t max);
bool buf_put(struct buf *b, const void *d, size_t n);
bool buf_puts(struct buf *b, const char *s);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n); /* drop N bytes from the front */
void buf_reset(struct buf *b);             /* empty, keeps the memory, clears `over` */
void buf_free(struct buf *b);
void buf_json_str(struct buf *b, const char *s, size_t n); /* a JSON string, quoted: json_escape() */
/* S's N bytes as the inside of a JSON string (RFC 8259), into OUT's CAP bytes (no NUL): " \
 * \n \t \r escaped, other control bytes and DEL as \u00XX, well-formed UTF-8 as is, every
 * byte of an ill-formed sequence as \ufffd. At most 6 bytes out per byte in (and room for a
 * NUL), so CAP > 6 * N takes it all; *USED says how much of S was taken. Returns the bytes
 * written (no NUL counted; one may follow them). */
size_t json_escape(char *out, size_t cap, const char *s, size_t n, size_t *used);
