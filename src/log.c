/* log.c — services' output. Each service's stdout and stderr are pipes read in the
 * event loop and cut into whole lines. A line goes to a sink (tend's stdout, stderr or
 * /dev/fd/N, prefixed `name | `) or to a log file (raw, rotated by size).
 *
 * Policy when a reader of tend's output is slow: every sink has a bounded buffer
 * (SINK_CAP); when a line does not fit, the source stops reading its pipe until the
 * sink drains (back-pressure: the service blocks in write(2), nothing is lost, the
 * event loop never blocks). A sink whose reader is gone (EPIPE) drops and counts.
 * Sinks write whole lines in chunks of at most PIPE_BUF, so lines from different
 * sinks on the same pipe are never torn. Lines longer than LINE_MAX are split. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define SINK_CAP (64 * 1024)

int reopen_nonblocking(int fd);
ssize_t write_nb(int fd, const void *buf, size_t len);

struct log_sink {
	int target; /* the fd number it stands for: 1, 2 or N */
	int fd;     /* our non-blocking handle */
	dev_t dev;
	ino_t ino;
	bool tty, broken;
	char *buf;
	size_t len;
	unsigned long dropped;
	struct watch w;
	struct log_sink *next;
};

static size_t sink_free(const struct log_sink *k) { return SINK_CAP - k->len; }

static void sink_flush(struct tend *t, struct log_sink *k);

static void on_sink_writable(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	struct log_sink *k = container_of(w, struct log_sink, w);
	sink_flush(t, k);
}

/* Write whole lines, at most PIPE_BUF at a time (atomic on pipes). */
static void sink_flush(struct tend *t, struct log_sink *k)
{
	size_t off = 0;
	while (off < k->len && !k->broken) {
		size_t chunk = k->len - off;
		if (chunk > PIPE_BUF) {
			char *nl = memrchr(k->buf + off, '\n', PIPE_BUF);
			chunk = nl ? (size_t)(nl - (k->buf + off)) + 1 : PIPE_BUF;
		}
		ssize_t n = write_nb(k->fd, k->buf + off, chunk);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			k->broken = true; /* reader gone: drop from now on */
			k->dropped += k->len - off;
			off = k->len;
			break;
		}
		off += (size_t)n;
	}
	memmove(k->buf, k->buf + off, k->len - off);
	k->len -= off;
	if (k->len && !k->broken) {
		if (!k->w.events)
			loop_watch(t, &k->w, k->fd, EPOLLOUT, on_sink_writable);
	} else {
		loop_unwatch(t, &k->w);
		if (off) /* never resume sources from here: we may be inside their emit */
			timer_arm(t, &t->resume_tm, 0, logs_resume);
	}
}

static struct log_sink *sink_get(struct tend *t, int target)
{
	struct stat st;
	if (fstat(target, &st) < 0)
		return NULL;
	for (struct log_sink *k = t->sinks; k; k = k->next)
		if (k->target == target || (k->dev == st.st_dev && k->ino == st.st_ino && !S_ISREG(st.st_mode)))
			return k; /* stdout and stderr on one pipe share a sink: no interleaving */
	struct log_sink *k = calloc(1, sizeof *k);
	if (!k || !(k->buf = malloc(SINK_CAP))) {
		free(k);
		return NULL;
	}
	k->target = target;
	k->fd = reopen_nonblocking(target);
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->tty = isatty(target);
	k->broken = k->fd < 0;
	k->next = t->sinks;
	t->sinks = k;
	return k;
}

/* Append one whole line (with its newline); false if it does not fit now. */
static bool sink_put(struct tend *t, struct log_sink *k, const char *line, size_t len)
{
	if (k->broken) {
		k->dropped += len;
		return true;
	}
	if (len > sink_free(k))
		return false;
	memcpy(k->buf + k->len, line, len);
	k->len += len;
	sink_flush(t, k);
	return true;
}

/* tend's own event lines in supervision mode share the stderr sink, so they never
 * tear a service's line; when it is full they are dropped and counted. */
bool logs_say(struct tend *t, const char *line, size_t len)
{
	struct log_sink *k = t->sinks ? sink_get(t, 2) : NULL;
	if (!k)
		return false;
	if (!sink_put(t, k, line, len))
		k->dropped += len;
	return true;
}

/* ---- log files ---- */

static int file_open(struct log_src *s)
{
	s->file_fd = open(s->tgt->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	struct stat st;
	s->file_size = (s->file_fd >= 0 && fstat(s->file_fd, &st) == 0) ? st.st_size : 0;
	return s->file_fd;
}

static void file_rotate(struct tend *t, struct log_src *s)
{
	char from[PATH_MAX], to[PATH_MAX];
	const char *p = s->tgt->path;
	close(s->file_fd);
	if (s->tgt->backups <= 0) {
		if (truncate(p, 0) < 0)
			say(t, V_WARN, "truncate %s: %s", p, strerror(errno));
	} else {
		for (int i = s->tgt->backups - 1; i >= 1; i--) {
			snprintf(from, sizeof from, "%s.%d", p, i);
			snprintf(to, sizeof to, "%s.%d", p, i + 1);
			rename(from, to); /* a missing backup is normal */
		}
		snprintf(to, sizeof to, "%s.1", p);
		if (rename(p, to) < 0)
			say(t, V_WARN, "rename %s: %s", p, strerror(errno));
	}
	if (file_open(s) < 0)
		say(t, V_WARN, "open %s: %s", p, strerror(errno));
}

static void file_put(struct tend *t, struct log_src *s, const char *line, size_t len)
{
	if (s->file_fd < 0)
		return;
	if (s->tgt->maxbytes > 0 && s->file_size > 0 && s->file_size + (long long)len > s->tgt->maxbytes)
		file_rotate(t, s);
	while (len && s->file_fd >= 0) {
		ssize_t n = write(s->file_fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say(t, V_WARN, "write %s: %s", s->tgt->path, strerror(errno));
			return;
		}
		s->file_size += n;
		line += n;
		len -= (size_t)n;
	}
}

/* ---- sources ---- */

static bool emit(struct tend *t, struct log_src *s, const char *p, size_t n)
{
	if (s->tgt->kind == LOG_NONE)
		return true;
	char line[LINE_MAX + 128];
	if (s->tgt->kind == LOG_FILE) {
		memcpy(line, p, n);
		line[n] = '\n';
		file_put(t, s, line, n + 1);
		return true;
	}
	static const char *colours[] = {"32", "33", "34", "35", "36", "31"};
	int m;
	if (s->sink->tty && t->colour_ok)
		m = snprintf(line, 128, "\033[%sm%-*.64s |\033[0m ", colours[s->colour % 6], t->name_width, s->name);
	else
		m = snprintf(line, 128, "%-*.64s | ", t->name_width, s->name);
	if (m >= 128)
		m = 127;
	memcpy(line + m, p, n);
	line[m + (int)n] = '\n';
	return sink_put(t, s->sink, line, (size_t)m + n + 1);
}

/* Emit every complete line; at EOF (or a full buffer) the rest as a line too. */
static bool emit_lines(struct tend *t, struct log_src *s, bool eof)
{
	if (!s->len)
		return true;
	size_t off = 0;
	bool ok = true;
	while (off < s->len) {
		char *nl = memchr(s->buf + off, '\n', s->len - off);
		size_t n = nl ? (size_t)(nl - (s->buf + off)) : s->len - off;
		if (!nl && !eof && s->len - off < LINE_MAX)
			break;
		if (n > LINE_MAX)
			n = LINE_MAX;
		if (!(ok = emit(t, s, s->buf + off, n)))
			break;
		off += n + (nl && s->buf + off + n == nl);
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	return ok;
}

static void src_pause(struct tend *t, struct log_src *s)
{
	loop_unwatch(t, &s->w);
	s->paused = true;
}

static void on_src_readable(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	struct log_src *s = container_of(w, struct log_src, w);
	logs_drain(t, s);
}

void logs_drain(struct tend *t, struct log_src *s)
{
	if (!s->buf && s->fd >= 0 && !(s->buf = malloc(LINE_MAX))) {
		src_pause(t, s); /* out of memory: back-pressure until a later resume */
		return;
	}
	for (int rounds = 0; rounds < 16 && s->fd >= 0; rounds++) {
		if (!emit_lines(t, s, false)) {
			src_pause(t, s);
			return;
		}
		ssize_t n = read(s->fd, s->buf + s->len, LINE_MAX - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* EOF: every writer is gone; deliver an unterminated last line */
			emit_lines(t, s, true);
			loop_unwatch(t, &s->w);
			close(s->fd);
			s->fd = -1;
			return;
		}
		s->len += (size_t)n;
	}
}

/* A run is over (every writer reaped): deliver even an unterminated last line. */
void logs_end_run(struct tend *t, struct log_src *s)
{
	if (s->fd < 0)
		return;
	logs_drain(t, s);
	if (!s->paused)
		emit_lines(t, s, true);
}

/* Run from the loop (a zero timer), never nested in a source's own emit_lines. */
void logs_resume(struct tend *t, struct timer *tm)
{
	(void)tm;
	for (struct log_src *s = t->sources; s; s = s->next)
		if (s->paused && s->fd >= 0) {
			s->paused = false;
			if (loop_watch(t, &s->w, s->fd, EPOLLIN, on_src_readable) < 0)
				say(t, V_WARN, "%s: epoll: %s", s->name, strerror(errno));
			logs_drain(t, s);
		}
}

/* A pipe for one stream of a service; returns the write end for the keeper. */
int logs_open(struct tend *t, struct log_src *s, const char *name, const struct log_target *tgt,
	      int stream, int colour)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	s->fd = p[0];
	s->name = name;
	s->tgt = tgt;
	s->colour = colour;
	s->file_fd = -1;
	if (tgt->kind == LOG_FILE && file_open(s) < 0)
		say(t, V_WARN, "%s: open %s: %s", name, tgt->path, strerror(errno));
	if (tgt->kind == LOG_DEFAULT || tgt->kind == LOG_FD) {
		bool inherited = tgt->fd >= 0 && tgt->fd < 64 && ((t->fds_inherited >> tgt->fd) & 1);
		s->sink = tgt->kind == LOG_FD && !inherited ? NULL : sink_get(t, tgt->kind == LOG_FD ? tgt->fd : stream);
		if (!s->sink) { /* /dev/fd/N was not given to tend: fall back to tend's own stream */
			say(t, V_WARN, "%s: fd %d is not open; logging to fd %d", name, tgt->fd, stream);
			s->sink = sink_get(t, stream);
		}
	}
	if (loop_watch(t, &s->w, s->fd, EPOLLIN, on_src_readable) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		s->fd = -1;
		errno = e;
		return -1;
	}
	s->next = t->sources;
	t->sources = s;
	return p[1];
}

void logs_close(struct tend *t, struct log_src *s)
{
	if (s->fd >= 0) {
		logs_drain(t, s);
		emit_lines(t, s, true);
		loop_unwatch(t, &s->w);
		close(s->fd);
		s->fd = -1;
	}
	if (s->file_fd >= 0)
		close(s->file_fd);
	s->file_fd = -1;
	s->paused = false;
	s->len = 0;
	free(s->buf);
	s->buf = NULL;
	for (struct log_src **pp = &t->sources; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
}

void logs_reopen(struct tend *t)
{
	say(t, V_INFO, "reopening log files");
	for (struct log_src *s = t->sources; s; s = s->next)
		if (s->tgt->kind == LOG_FILE) {
			if (s->file_fd >= 0)
				close(s->file_fd);
			if (file_open(s) < 0)
				say(t, V_WARN, "%s: open %s: %s", s->name, s->tgt->path, strerror(errno));
		}
}

/* Best effort at exit: whatever the sinks can take without blocking. */
void logs_flush_all(struct tend *t)
{
	for (struct log_src *s = t->sources; s; s = s->next)
		if (s->fd >= 0)
			emit_lines(t, s, true);
	for (struct log_sink *k = t->sinks; k; k = k->next)
		sink_flush(t, k);
}

int logs_init(struct tend *t)
{
	t->colour_ok = !getenv("NO_COLOR");
	if (!sink_get(t, 1) || !sink_get(t, 2))
		return -1;
	return 0;
}
