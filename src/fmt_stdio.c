/* fmt_stdio.c — the standard names of tend's printf family (snprintf, vsnprintf, sprintf,
 * vsprintf, asprintf, vasprintf, dprintf, vdprintf, fprintf, vfprintf, printf, vprintf):
 * where fmt.c's output goes (a buffer, a FILE, a descriptor). Why tend has its own printf,
 * and what it prints, is at the top of fmt.c. */
#include "fmt_sink.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int to_buf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s = {.p = buf, .cap = n ? n - 1 : 0};
	int r = fmt_run(&s, fmt, ap);
	if (n)
		buf[s.len] = 0;
	return r;
}

int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap)
{
	return to_buf(buf, n, fmt, ap);
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return to_buf(buf, SIZE_MAX, fmt, ap);
}

/* Short output is formatted once; longer, twice (vsnprintf only copies ap, which stays
 * good for the second pass). */
int vasprintf(char **out, const char *fmt, va_list ap)
{
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	char *p = n < 0 ? NULL : malloc((size_t)n + 1);
	if (!p)
		return -1;
	if ((size_t)n < sizeof small)
		memcpy(p, small, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	*out = p;
	return n;
}

static bool to_file(struct sink *s)
{
	bool ok = fwrite(s->p, 1, s->len, s->to) == s->len;
	s->len = 0;
	return ok;
}

static bool to_fd(struct sink *s)
{
	size_t off = 0;
	while (off < s->len) {
		ssize_t w = write(*(int *)s->to, s->p + off, s->len - off);
		if (w > 0)
			off += w;
		else if (!w || errno != EINTR)
			break;
	}
	bool ok = off == s->len;
	s->len = 0;
	return ok;
}

/* Formats in pieces of a stack buffer, each handed to flush as it fills: up to PIPE_BUF
 * bytes are one write, which a pipe takes whole (glibc's unbuffered stderr: 8 KB). */
static int via(bool (*flush)(struct sink *), void *to, const char *fmt, va_list ap)
{
	char buf[PIPE_BUF];
	struct sink s = {.p = buf, .cap = sizeof buf, .flush = flush, .to = to};
	int r = fmt_run(&s, fmt, ap);
	if (s.len && (s.err || !s.bad)) /* after a format error too, as glibc's stream has it */
		s.bad |= !s.flush(&s);
	return s.bad ? -1 : r;
}

/* Output longer than the buffer reaches the stream in several fwrite()s, not under one
 * lock as in glibc: tend uses stdio from one thread only (the relay thread of sink.c
 * writes descriptors), and flockfile would cost ~540 bytes of the static build. */
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	return via(to_file, f, fmt, ap);
}

int vdprintf(int fd, const char *restrict fmt, va_list ap)
{
	return via(to_fd, &fd, fmt, ap);
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

#define VA(last, call)                \
	va_list ap;                   \
	va_start(ap, last);           \
	int r = call;                 \
	va_end(ap);                   \
	return r

int snprintf(char *restrict b, size_t n, const char *restrict f, ...)
{
	VA(f, vsnprintf(b, n, f, ap));
}
int sprintf(char *restrict b, const char *restrict f, ...)
{
	VA(f, vsprintf(b, f, ap));
}
int asprintf(char **out, const char *f, ...)
{
	VA(f, vasprintf(out, f, ap));
}
int dprintf(int fd, const char *restrict f, ...)
{
	VA(f, vdprintf(fd, f, ap));
}
int fprintf(FILE *restrict fp, const char *restrict f, ...)
{
	VA(f, vfprintf(fp, f, ap));
}
int printf(const char *restrict f, ...)
{
	VA(f, vfprintf(stdout, f, ap));
}
