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

/* The length of the well-formed UTF-8 sequence at S (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0. */
__attribute__((noinline)) static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (s[0] < 0xc2 || s[0] > 0xf4 || len > n)
		return 0;
	unsigned cp = s[0] & (0x3f >> (len - 1));
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	static const unsigned least[] = {0, 0, 0x80, 0x800, 0x10000};
	return cp < least[len] || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff ? 0 : len;
}

size_t json_escape(char *out, size_t cap, const char *s, size_t n, size_t *used)
{
	static const char from[] = "\"\\\n\t\r", to[] = "\"\\ntr";
	size_t i = 0, o = 0;
	while (i < n && o + 7 <= cap) {
		unsigned char ch = (unsigned char)s[i];
		const char *e = memchr(from, ch, 5);
		size_t len = ch >= 0x80 ? utf8_len((const unsigned char *)s + i, n - i) : 1;
		if (e) {
			out[o++] = '\\';
			out[o++] = to[e - from];
		} else if (len && ch >= 0x20 && ch != 0x7f) {
			memcpy(out + o, s + i, len);
			o += len;
		} else { /* a control byte, or a byte of no well-formed sequence (U+FFFD) */
			o += (size_t)sprintf(out + o, "\\u%04x", len ? ch : 0xfffd);
			len = 1;
		}
		i += len;
	}
	*used = i;
	return o;
}

void buf_json_str(struct buf *b, const char *s, size_t n)
{
	char tmp[512];
	buf_put(b, "\"", 1);
	for (size_t used; n; s += used, n -= used)
		buf_put(b, tmp, json_escape(tmp, sizeof tmp, s, n, &used));
	buf_put(b, "\"", 1);
}
