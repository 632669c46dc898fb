/* msg.c — tend's own lines ("[tend] ...", "tend: ..."). They go to the stderr sink
 * (sink.c), the one services' stderr output shares, so they never tear a service's line
 * and never block PID 1. A line that finds the sink full even with its reserve is
 * dropped and counted; the next line that fits says how many were lost. */
#include "log_format.h"
#include "sink.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int line_start(struct tend *t, bool error, char *line, size_t cap)
{
	if (error)
		return snprintf(line, cap, "%s: ", t->name);
	if (t->opt.persona == PERSONA_TINI)
		return snprintf(line, cap, "[tini (%d)] ", (int)t->self);
	return snprintf(line, cap, "[%s] ", t->name);
}

/* MSG (N <= LOG_OWN_MAX bytes, no newline) at LEVEL (LOG_ERROR: die's) as its console line. */
static size_t frame(struct tend *t, int level, const char *msg, size_t n, char *line)
{
	size_t o = log_head(t, line);
	if (t->log_json)
		return o + log_own_json(t, level, msg, n, line + o);
	o += (size_t)line_start(t, level == LOG_ERROR, line + o, 64);
	memcpy(line + o, msg, n);
	line[o + n] = '\n';
	return o + n + 1;
}

static void put_line(struct tend *t, int level, const char *msg, size_t n)
{
	struct sink *k = sink_for_fd(t, 2);
	char line[LOG_OWN_LINE];
	if (!k)
		return; /* no stderr at all */
	if (t->msg_dropped) {
		char note[64];
		int m = snprintf(note, sizeof note, "%lu messages dropped: stderr was full", t->msg_dropped);
		size_t len = frame(t, V_WARN, note, (size_t)m, line);
		if (!sink_put_own(t, k, line, len)) {
			t->msg_dropped++;
			return;
		}
		t->msg_dropped = 0;
	}
	if (!n)
		return; /* say_finish: only the count */
	n = frame(t, level, msg, n, line);
	if (!sink_put_own(t, k, line, n))
		t->msg_dropped++;
	ring_put(t, &t->mainlog, line, n);
}

static void vsay(struct tend *t, int level, const char *fmt, va_list ap)
{
	char msg[LOG_OWN_MAX];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n > 0)
		put_line(t, level, msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1);
}

void say(struct tend *t, int level, const char *fmt, ...)
{
	if (t->opt.verbosity < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsay(t, level, fmt, ap);
	va_end(ap);
}

void die(struct tend *t, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(t, LOG_ERROR, fmt, ap);
	va_end(ap);
	say_finish(t);
	exit(code);
}

const char *errstr(void)
{
	return strerror(errno);
}

void say_finish(struct tend *t)
{
	if (t->msg_dropped)
		put_line(t, LOG_ERROR, "", 0); /* the count, if it fits now */
	sinks_finish(t);
}
