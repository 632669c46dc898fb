/* listener_proto.c — the listener's output judged as supervisord judges it: ACKNOWLEDGED
 * wants `READY\n` (anything else: UNKNOWN); READY wants nothing (anything: UNKNOWN); BUSY
 * wants `RESULT N\n` and N bytes, `OK` accepting, anything else rejecting; UNKNOWN drops
 * everything. Bounded: at most LSN_LINE_MAX bytes wait for a line's end. */
#include "listener_proto.h"

#include <string.h>

void lsn_reset(struct lsn_proto *l)
{
	l->state = L_ACKNOWLEDGED;
	l->want = -1;
	l->len = 0;
}

void lsn_sent(struct lsn_proto *l)
{
	l->state = L_BUSY;
	l->want = -1;
}

static void consume(struct lsn_proto *l, size_t n)
{
	memmove(l->buf, l->buf + n, l->len - n);
	l->len -= n;
}

static bool blank(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Python's int() of the RESULT line after its first 7 bytes (supervisord does not check
 * that they are "RESULT "): blanks around an optional + and digits; -1 if not. */
static long long result_len(const char *p, size_t n)
{
	if (n < 7)
		return -1;
	p += 7, n -= 7;
	while (n && blank(*p))
		p++, n--;
	while (n && blank(p[n - 1]))
		n--;
	if (n && *p == '+')
		p++, n--;
	if (!n || n > 12)
		return -1;
	long long v = 0;
	for (; n; p++, n--) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

static void unknown(struct lsn_proto *l, lsn_fn *fn, void *ctx)
{
	l->state = L_UNKNOWN;
	l->len = 0;
	fn(ctx, LO_UNKNOWN, NULL, 0);
}

/* BUSY: the RESULT line, then its body; false when more bytes are needed. */
static bool busy(struct lsn_proto *l, lsn_fn *fn, void *ctx)
{
	if (l->want < 0) {
		char *nl = memchr(l->buf, '\n', l->len);
		if (!nl && l->len < sizeof l->buf)
			return false;
		size_t n = nl ? (size_t)(nl - l->buf) : l->len;
		if ((l->want = result_len(l->buf, n)) < 0) {
			fn(ctx, LO_BAD_RESULT, l->buf, n);
			unknown(l, fn, ctx);
			return false;
		}
		consume(l, n + (nl != NULL));
		l->got = 0;
		l->ok = true;
	}
	size_t n = l->want - l->got < (long long)l->len ? (size_t)(l->want - l->got) : l->len;
	for (size_t i = 0; i < n; i++)
		l->ok = l->ok && l->got + (long long)i < 2 && l->buf[i] == "OK"[l->got + i];
	l->got += (long long)n;
	consume(l, n);
	if (l->got < l->want)
		return false;
	l->state = L_ACKNOWLEDGED;
	fn(ctx, l->ok && l->want == 2 ? LO_OK : LO_REJECTED, NULL, 0);
	l->want = -1;
	return true;
}

static void judge(struct lsn_proto *l, lsn_fn *fn, void *ctx)
{
	while (l->len) {
		switch (l->state) {
		case L_UNKNOWN:
			l->len = 0;
			return;
		case L_ACKNOWLEDGED:
			if (l->len < 6)
				return;
			if (memcmp(l->buf, "READY\n", 6)) {
				unknown(l, fn, ctx);
				return;
			}
			consume(l, 6);
			l->state = L_READY;
			fn(ctx, LO_READY, NULL, 0);
			break;
		case L_READY: /* spurious output: supervisord is strict about it */
			unknown(l, fn, ctx);
			return;
		case L_BUSY:
			if (!busy(l, fn, ctx))
				return;
			break;
		}
	}
}

void lsn_feed(struct lsn_proto *l, const char *p, size_t n, lsn_fn *fn, void *ctx)
{
	while (n) { /* in pieces that fit: judging never leaves the buffer full */
		size_t room = sizeof l->buf - l->len, k = n < room ? n : room;
		memcpy(l->buf + l->len, p, k);
		l->len += k;
		p += k, n -= k;
		judge(l, fn, ctx);
	}
}
