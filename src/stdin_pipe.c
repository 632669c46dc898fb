/* stdin_pipe.c — each run's stdin is a pipe, as supervisord gives every process, so that
 * sendProcessStdin can write to it. tend's end is non-blocking and what the process has
 * not read yet waits in a bounded buffer (STDIN_MAX), written as the pipe takes it. */
#include "stdin_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>


void stdin_pipe_close(struct tend *t, struct svc *s)
{
	if (s->in_w < 0)
		return;
	if (s->in_wr.events)
		loop_unwatch(t, &s->in_wr);
	close(s->in_w);
	s->in_w = -1;
	buf_free(&s->in_buf);
}

static void on_stdin_writable(struct tend *t, struct watch *w, uint32_t events);

/* -1 when the reader is gone (EPIPE): what was queued is dropped */
static int stdin_flush(struct tend *t, struct svc *s)
{
	int rc = 0;
	while (s->in_buf.len) {
		ssize_t n = write(s->in_w, s->in_buf.p, s->in_buf.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			buf_reset(&s->in_buf);
			rc = -1;
			break;
		}
		buf_consume(&s->in_buf, (size_t)n);
	}
	if (s->in_buf.len && !s->in_wr.events && loop_watch(t, &s->in_wr, s->in_w, EPOLLOUT, on_stdin_writable) < 0) {
		say(t, V_WARN, "%s: stdin: cannot wait for the pipe (%s); %zu bytes dropped", s->p->name, errstr(),
		    s->in_buf.len);
		buf_reset(&s->in_buf);
		rc = -1;
	} else if (!s->in_buf.len && s->in_wr.events)
		loop_unwatch(t, &s->in_wr);
	return rc;
}

static void on_stdin_writable(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	stdin_flush(t, container_of(w, struct svc, in_wr));
}

int svc_write_stdin(struct tend *t, struct svc *s, const char *d, size_t n)
{
	if (s->in_w < 0)
		return -1;
	if (n > STDIN_MAX - s->in_buf.len || !buf_put(&s->in_buf, d, n))
		return -2;
	return stdin_flush(t, s);
}

int stdin_pipe_open(struct svc *s)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) { /* only tend's end: the process reads as usual */
		close(p[0]);
		close(p[1]);
		return -1;
	}
	s->in_w = p[1];
	buf_init(&s->in_buf, STDIN_MAX);
	return p[0];
}
