/* msg.c — tend's own lines ("[tend] ...", "tend: ..."). They go to the stderr sink
 * (sink.c), the one services' stderr output shares, so they never tear a service's line
 * and never block PID 1. A line that finds the sink full even with its reserve is
 * dropped and counted; the next line that fits says how many were lost. */
#include "sink.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int line_start(struct tend *t, bool error, char *line, size_t cap)
{
	if (error)
		return snprintf(line, cap, "%s: ", t->name);
	if (t->opt.persona == PERSONA_TINI)
		return snprintf(line, cap, "[tini (%d)] ", (int)t->self);
	return snprintf(line, cap, "[%s] ", t->name);
}

static void put_line(struct tend *t, const char *line, size_t len)
{
	struct sink *k = sink_for_fd(t, 2);
	if (!k)
		return; /* no stderr at all */
	if (t->msg_dropped) {
		char note[128];
		int n = line_start(t, false, note, sizeof note);
		n += snprintf(note + n, sizeof note - (size_t)n, "%lu messages dropped: stderr was full\n", t->msg_dropped);
		if (n >= (int)sizeof note || !sink_put_own(t, k, note, (size_t)n)) {
			t->msg_dropped++;
			return;
		}
		t->msg_dropped = 0;
	}
	if (!sink_put_own(t, k, line, len))
		t->msg_dropped++;
	ring_put(t, &t->mainlog, line, len);
}

static void vsay(struct tend *t, bool error, const char *fmt, va_list ap)
{
	char line[1024];
	int n = line_start(t, error, line, sizeof line);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m < (int)(sizeof line - (size_t)n - 1) ? m : (int)(sizeof line - (size_t)n - 2);
	line[n++] = '\n';
	put_line(t, line, (size_t)n);
}

void say(struct tend *t, int level, const char *fmt, ...)
{
	if (t->opt.verbosity < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsay(t, false, fmt, ap);
	va_end(ap);
}

void die(struct tend *t, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(t, true, fmt, ap);
	va_end(ap);
	say_finish(t);
	exit(code);
}

void say_finish(struct tend *t)
{
	if (t->msg_dropped)
		put_line(t, "", 0); /* the count, if it fits now */
	sinks_finish(t);
}
