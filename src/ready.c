/* ready.c — when a run counts as ready (ready=): a newline on fd N (s6), READY=1 on the
 * sd_notify socket (notify.c), a TCP port that accepts, an HTTP answer 2xx/3xx or a
 * command that exits 0 (probe.c, every ready_interval), or a line of the service's output
 * that matches (log:REGEX). A front door: it only tells service.c (svc_ready,
 * svc_start_failed); ready_timeout is counted from the spawn. */
#include "service.h"
#include "regex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define LOG_MATCH_MAX 4096 /* bytes of a line the regex sees; the rest of a longer line is not matched */

static void timed_out(struct tend *t, struct timer *tm)
{
	struct svc *s = container_of(tm, struct svc, life.ready_tm);
	char why[120];
	snprintf(why, sizeof why, "not ready within %lld ms (ready_timeout)", s->p->lc.ready_timeout);
	svc_start_failed(t, s, why);
}

/* ---- fd:N ---- */

static void fd_readable(struct tend *t, struct watch *w, uint32_t events)
{
	struct svc *s = container_of(w, struct svc, life.ready_fd);
	char buf[512];
	(void)events;
	for (int i = 0; i < 8; i++) { /* bounded: a service writing without end cannot hold the loop */
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n > 0 && memchr(buf, '\n', (size_t)n)) {
			svc_ready(t, s);
			return;
		}
		if (n <= 0) {
			say(t, V_INFO, "%s: closed its readiness fd %d without a newline", s->p->name, s->p->lc.ready.fd);
			ready_end(t, s);
			return;
		}
	}
}

int ready_prepare(struct tend *t, struct svc *s)
{
	int p[2];
	(void)t;
	if (s->p->lc.ready.kind != PROBE_FD)
		return -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		say(t, V_WARN, "%s: readiness pipe: %s (it can only time out)", s->p->name, errstr());
		return -1;
	}
	fcntl(p[1], F_SETFL, 0); /* the service's end blocks as an ordinary fd would */
	s->life.ready_fd.fd = p[0];
	return p[1];
}

/* ---- log:REGEX ---- */

static void match_line(struct tend *t, struct svc *s, const char *line, size_t n)
{
	if (n && line[n - 1] == '\r')
		n--;
	if (s->life.log_re && rx_search(s->life.log_re, line, n))
		svc_ready(t, s);
}

/* Lines are assembled per stream (stdout and stderr interleave); a line longer than
 * LOG_MATCH_MAX is matched on its first LOG_MATCH_MAX bytes. */
static void log_tap(struct tend *t, struct log_src *src, const char *p, size_t n)
{
	struct svc *s = src->tap_ctx;
	struct log_line *l = &s->life.lines[src == &s->err];
	while (n && s->life.log_re) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		size_t room = LOG_MATCH_MAX - l->len;
		memcpy(l->buf + l->len, p, take < room ? take : room);
		l->len += take < room ? take : room;
		if (!nl)
			return;
		match_line(t, s, l->buf, l->len);
		if (!s->life.lines)
			return; /* it matched: ready_end freed the lines */
		l->len = 0;
		p = nl + 1;
		n -= take + 1;
	}
}

static void log_begin(struct tend *t, struct svc *s)
{
	char err[128];
	s->life.lines = calloc(2, sizeof *s->life.lines);
	s->life.log_re = s->life.lines ? rx_compile(s->p->lc.ready.arg, err, sizeof err) : NULL;
	if (!s->life.log_re) { /* checked at load: only memory can fail here */
		say(t, V_WARN, "%s: cannot watch its output for readiness: out of memory", s->p->name);
		return;
	}
	s->out.tap = s->err.tap = log_tap;
	s->out.tap_ctx = s->err.tap_ctx = s;
}

/* ---- polled checks ---- */

static void polled_result(struct tend *t, struct probe *pr, bool ok, const char *why)
{
	if (ok)
		svc_ready(t, pr->s);
	else
		say(t, V_DEBUG, "%s: not ready yet: %s", pr->s->p->name, why);
}

void ready_begin(struct tend *t, struct svc *s)
{
	const struct lifecycle *lc = &s->p->lc;
	s->life.ready = false;
	if (lc->ready.kind == PROBE_NONE)
		return;
	timer_arm(t, &s->life.ready_tm, (uint64_t)lc->ready_timeout, timed_out);
	switch (lc->ready.kind) {
	case PROBE_FD:
		if (s->life.ready_fd.fd >= 0 && loop_watch(t, &s->life.ready_fd, s->life.ready_fd.fd, EPOLLIN, fd_readable) < 0)
			say(t, V_WARN, "%s: epoll: %s", s->p->name, errstr());
		break;
	case PROBE_LOG:
		log_begin(t, s);
		break;
	case PROBE_TCP:
	case PROBE_HTTP:
	case PROBE_EXEC: /* one check may take the interval, at least 1 s; ready_timeout bounds them all */
		probe_start(t, &s->life.ready_probe, s, &lc->ready, lc->ready_interval,
			    lc->ready_interval > 1000 ? lc->ready_interval : 1000, polled_result);
		break;
	default: /* notify: notify.c calls svc_ready */
		break;
	}
}

/* Idempotent: at readiness, at the main process's exit, at the end of the run. */
void ready_end(struct tend *t, struct svc *s)
{
	timer_cancel(t, &s->life.ready_tm);
	if (s->life.ready_fd.fd >= 0) {
		loop_unwatch(t, &s->life.ready_fd);
		close(s->life.ready_fd.fd);
		s->life.ready_fd.fd = -1;
	}
	probe_stop(t, &s->life.ready_probe);
	s->out.tap = s->err.tap = NULL;
	rx_free(s->life.log_re);
	s->life.log_re = NULL;
	free(s->life.lines);
	s->life.lines = NULL;
}
