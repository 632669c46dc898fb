/* capture.c — supervisord's capture mode (stdout/stderr_capture_maxbytes): what a service
 * writes between <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> is taken out of its
 * log and sent as one PROCESS_COMMUNICATION_STDOUT/STDERR event, at most maxbytes of it
 * (the last ones, as supervisord's bounded buffer keeps). The stream is filtered in
 * place as it is read; a token cut by a read is held until the next one. */
#include "capture.h"
#include "events.h"
#include "memfind.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

#define CAPTURE_MAX (EV_PAYLOAD_MAX - 4096) /* tend's bound: the event's first line fits too */

static const char begin_tok[] = "<!--XSUPERVISOR:BEGIN-->", end_tok[] = "<!--XSUPERVISOR:END-->";

struct capture {
	bool on;                 /* between the tokens */
	char held[CAPTURE_HOLD]; /* the end of the last read: maybe a token's start */
	size_t nheld;
	char *data;              /* what was captured so far (the last `max` bytes) */
	size_t len, max;
};

long long capture_max(const struct log_src *s)
{
	const struct program *p = s->svc ? s->svc->p : NULL;
	return !p ? 0 : s == &s->svc->err ? p->err_capture : p->out_capture;
}

static void keep(struct capture *c, const char *p, size_t n)
{
	if (!c->data && !(c->data = malloc(c->max)))
		return;
	if (n >= c->max) {
		memcpy(c->data, p + n - c->max, c->max);
		c->len = c->max;
		return;
	}
	if (c->len + n > c->max) { /* the oldest bytes go */
		memmove(c->data, c->data + (c->len + n - c->max), c->max - n);
		c->len = c->max - n;
	}
	memcpy(c->data + c->len, p, n);
	c->len += n;
}

/* The longest end of P that is a proper start of TOK. */
static size_t partial(const char *p, size_t n, const char *tok, size_t m)
{
	for (size_t k = m - 1 < n ? m - 1 : n; k; k--)
		if (!memcmp(p + n - k, tok, k))
			return k;
	return 0;
}

size_t capture_filter(struct tend *t, struct log_src *s, char *p, size_t n)
{
	struct capture *c = s->cap;
	if (!c && !(c = s->cap = calloc(1, sizeof *c)))
		return n; /* out of memory: the log gets everything */
	long long max = capture_max(s);
	c->max = (size_t)(max < CAPTURE_MAX ? max : CAPTURE_MAX);
	if (c->nheld) { /* the held bytes first (the caller left room for them) */
		memmove(p + c->nheld, p, n);
		memcpy(p, c->held, c->nheld);
		n += c->nheld;
		c->nheld = 0;
	}
	size_t i = 0, w = 0;
	while (i < n) {
		const char *tok = c->on ? end_tok : begin_tok;
		size_t m = c->on ? sizeof end_tok - 1 : sizeof begin_tok - 1;
		const char *at = mem_find(p + i, n - i, tok, m);
		size_t seg = at ? (size_t)(at - (p + i)) : n - i;
		if (!at) {
			c->nheld = partial(p + i, seg, tok, m);
			seg -= c->nheld;
			memcpy(c->held, p + i + seg, c->nheld);
		}
		if (c->on)
			keep(c, p + i, seg);
		else
			memmove(p + w, p + i, seg), w += seg;
		i += seg + (at ? m : c->nheld);
		if (!at)
			break;
		if (c->on && s->svc)
			events_output(t, s->svc, s, c->data ? c->data : "", c->len, true);
		c->on = !c->on;
		c->len = 0;
	}
	return w;
}

size_t capture_release(struct log_src *s, char *p, size_t room)
{
	struct capture *c = s->cap;
	size_t n = c->nheld;
	if (c->on || n > room)
		n = 0; /* inside a capture they were the capture's: it never ends */
	memcpy(p, c->held, n);
	c->nheld = 0;
	return n;
}

void capture_free(struct log_src *s)
{
	if (s->cap)
		free(s->cap->data);
	free(s->cap);
	s->cap = NULL;
}
