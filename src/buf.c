/* buf.c — see buf.h. Once `over` is set every later append fails too: a reply with a
 * hole in the middle must never look complete. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->over = false;
}

/* Room for N more bytes plus the NUL; false (and `over`) when past max or out of memory. */
static bool reserve(struct buf *b, size_t n)
{
	if (b->over)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->over = true;
		return false;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	if (b->max < (size_t)-1 && cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->over = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

bool buf_put(struct buf *b, const void *d, size_t n)
{
	if (!reserve(b, n))
		return false;
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = 0;
	return true;
}

bool buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

bool buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->over = true;
		return false;
	}
	if ((size_t)n < sizeof small)
		return buf_put(b, small, (size_t)n);
	if (!reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

#define BUF_KEEP (64 * 1024) /* an emptied buffer larger than this gives its memory back */

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len)
		n = b->len;
	if (!b->p)
		return;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = 0;
	if (!b->len && b->cap > BUF_KEEP) { /* one big request must not pin its memory for good */
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->over = false;
	if (b->p)
		b->p[0] = 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}

/* ---- JSON ------------------------------------------------------------------------- */
void buf_json_str(struct buf *b, const char *s, size_t n)
{
	buf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch == '\n')
			buf_puts(b, "\\n");
		else if (ch == '\t')
			buf_puts(b, "\\t");
		else if (ch == '\r')
			buf_puts(b, "\\r");
		else if (ch < 0x20 || ch == 0x7f)
			buf_printf(b, "\\u%04x", ch);
		else if (ch >= 0x80) {
			/* pass valid UTF-8 through; anything else becomes U+FFFD */
			size_t len = ch >= 0xf0 && ch < 0xf5 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc2 && ch < 0xe0 ? 2 : 0;
			bool ok = len && i + len <= n;
			for (size_t k = 1; ok && k < len; k++)
				ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
			if (ok) {
				buf_put(b, s + i, len);
				i += len - 1;
			} else {
				buf_puts(b, "\\ufffd");
			}
		} else
			buf_put(b, s + i, 1);
	}
	buf_put(b, "\"", 1);
}
