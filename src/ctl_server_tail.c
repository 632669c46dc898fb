/* ctl_server_tail.c — GET /logtail/NAME[/stdout|/stderr] and GET /mainlogtail, as
 * supervisord answers them (`supervisorctl tail -f`, `maintail -f`): 200 with
 * text/plain;charset=utf-8, no length, the last CTL_TAIL_FIRST bytes, then every new
 * byte for as long as the client stays. HTTP/1.1 gets chunked framing (medusa's choice),
 * HTTP/1.0 the raw bytes with Connection: close. No Last-Modified: there is no file.
 *
 * The source is the in-memory ring of the stream (control_ring), not a file. The ring
 * is the buffer: at most CTL_STREAM_QUEUE bytes are queued for one client, and more are
 * taken from the ring only as the client reads, from where it was; a client slower than
 * the output skips what the ring no longer holds. A ring that was cleared
 * (clearProcessLogs) gets supervisord's "==> File truncated <==" line.
 *
 * A ring may be freed by a reload that removes its service: ring_free then clears the
 * waiter's `ring`, and the stream ends (closes) the next time it looks. */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "control.h"
#include "ctl_server.h"
#include "ctl_server_int.h"

#define PUMP_CHUNK (16 * 1024)

static const char truncated[] = "==> File truncated <==\n";

static void on_ring(struct tend *t, struct ring_waiter *w)
{
	(void)t;
	struct conn *c = container_of(w, struct conn, rw);
	if (c->dead || c->dirty || c->out.len)
		return; /* a pending write pumps again when it drains */
	c->dirty = true;
	c->srv->ndirty++;
}

/* Queue one piece of the stream, framed. */
void stream_put(struct conn *c, const char *d, size_t n)
{
	if (c->chunked)
		buf_printf(&c->out, "%zx\r\n", n);
	buf_put(&c->out, d, n);
	if (c->chunked)
		buf_puts(&c->out, "\r\n");
}

void tail_pump(struct tend *t, struct conn *c)
{
	struct ring *r = c->rw.ring;
	if (c->events) {
		events_pump(c);
		return;
	}
	if (!r) { /* the service went away */
		conn_close(t, c);
		return;
	}
	if (c->pos > r->end) { /* cleared since */
		stream_put(c, truncated, sizeof truncated - 1);
		c->pos = 0;
	}
	if (c->pos < ring_start(r))
		c->pos = ring_start(r); /* overwritten before this client took it */
	char tmp[PUMP_CHUNK];
	while (c->out.len + 32 < CTL_STREAM_QUEUE && c->pos < r->end) {
		size_t want = CTL_STREAM_QUEUE - c->out.len - 32;
		size_t n = ring_read(r, c->pos, want < sizeof tmp ? want : sizeof tmp, tmp);
		if (!n)
			break;
		stream_put(c, tmp, n);
		c->pos += n;
	}
}

void tail_flush(struct tend *t, struct conn *c)
{
	if (c->dirty) {
		c->dirty = false;
		c->srv->ndirty--;
	}
	tail_pump(t, c);
	if (!c->dead && c->out.len)
		conn_flush(t, c);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "%41" and the like, as supervisord unquotes the path. */
void url_unquote(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		int hi = p[0] == '%' ? hexval(p[1]) : -1, lo = hi >= 0 ? hexval(p[2]) : -1;
		if (lo >= 0) {
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

/* NAME and channel of /logtail/NAME[/CHANNEL]; false when there is no name. */
static bool parse_logtail(struct conn *c, const char *path)
{
	char p[HTTP_MAX_PATH];
	snprintf(p, sizeof p, "%s", path);
	if (strchr(p, '%'))
		url_unquote(p);
	char *s = p;
	while (*s == '/')
		s++;
	char *rest = strchr(s, '/'); /* past "logtail" */
	if (!rest)
		return false;
	rest++;
	char *chan = strchr(rest, '/');
	if (chan)
		*chan++ = 0;
	if (chan && strcmp(chan, "stdout") && strcmp(chan, "stderr"))
		return false; /* supervisord has no such logfile attribute: 404 */
	c->err_chan = chan && !strcmp(chan, "stderr");
	if (strlen(rest) >= sizeof c->name || strlen(rest) == 0)
		return false;
	strcpy(c->name, rest);
	return true;
}

void tail_begin(struct tend *t, struct conn *c, const char *path)
{
	c->main_log = !strncmp(path, "/mainlogtail", 12);
	if (!c->main_log && !parse_logtail(c, path)) {
		conn_error(t, c, 404, NULL);
		return;
	}
	struct ring *r = NULL;
	int fault;
	if (c->main_log) {
		r = t->mainlog.cap ? &t->mainlog : NULL;
	} else {
		struct svc *s = control_find(t, c->name);
		r = s ? control_ring(t, s, c->err_chan, &fault) : NULL;
	}
	if (!r) { /* supervisord: no such process, or no log file: 404 */
		conn_error(t, c, 404, NULL);
		return;
	}
	c->streaming = true;
	stream_start(t, c, "text/plain;charset=utf-8", c->main_log ? NULL : "X-Accel-Buffering: no\r\n");
	c->pos = r->end >= CTL_TAIL_FIRST ? r->end - CTL_TAIL_FIRST : 0;
	c->rw.fn = on_ring;
	ring_watch(r, &c->rw);
	tail_pump(t, c);
	if (!c->dead)
		conn_flush(t, c);
}

void stream_start(struct tend *t, struct conn *c, const char *type, const char *extra)
{
	c->chunked = c->req.minor >= 1;
	buf_reset(&c->out);
	if (c->chunked)
		http_response_head(&c->out, 200, type, -1, true, extra);
	else
		buf_printf(&c->out, "HTTP/1.0 200 OK\r\nContent-Type: %s\r\n%sConnection: close\r\n\r\n", type,
			   extra ? extra : "");
	c->st = C_STREAM;
	c->close_after = true;
	timer_cancel(t, &c->tm);
}

void tail_end(struct conn *c)
{
	if (c->dirty) {
		c->dirty = false;
		c->srv->ndirty--;
	}
	if (c->streaming)
		ring_unwatch(&c->rw); /* nothing if the ring is gone */
	c->streaming = false;
}
