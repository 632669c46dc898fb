/* log.c — services' output. Each service's stdout and stderr are pipes read in the
 * event loop. A source's turn (src_pump) is one explicit loop: read until EAGAIN, the
 * end of a run, or the fairness cap (SRC_BUF bytes), emit every complete line read, and
 * then write what the turn collected in as few system calls as the target allows.
 *  - Console (unset/AUTO, /dev/stdout, /dev/stderr, /dev/fd/N): `name | line` through
 *    the shared sink of that fd (sink.c). A line longer than LOG_LINE_MAX is cut into
 *    LOG_LINE_MAX pieces, one console line each; nothing else is added or changed (but a
 *    time stamp, or the JSON object made of it: log_format.c).
 *  - A log path that is a regular file: the bytes unchanged, rotated by size; rotation
 *    is decided on the file's real size (someone may have truncated it meanwhile).
 *  - A log path that is anything else (a FIFO, a tty): the bytes unchanged, through a
 *    sink of its own. A FIFO is opened read-write: open never blocks (no reader yet),
 *    writes never fail with EPIPE, and what no reader takes yet waits (back-pressure).
 * When a sink has no room the source pauses (stops reading its pipe: back-pressure) and
 * is resumed in turn when the sink drains. The end of a run is a position in the pipe
 * (what FIONREAD said when the run's last process was reaped): the run's unterminated
 * last line is delivered there, even when the source was paused meanwhile, and is never
 * joined to the next run's first line. Write failures are told once per change. */
#include "log.h"
#include "buf.h"
#include "capture.h"
#include "events.h"
#include "log_format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_SHOWN_MAX 1024    /* a longer process name is cut in the console prefix */
#define RAW_CHUNK (16 * 1024)  /* queued at a time into a raw sink */
#define EXIT_FLUSH_MS 1000     /* at exit, how long slow readers are waited for */

/* ---- telling what went wrong, once per change ---- */

static void tell(struct tend *t, const char *name, const char *what, struct out_health *h)
{
	const char *sep = name ? ": " : "";
	if (h->err && !h->told) {
		say(t, V_WARN, "%s%s%s: %s; dropping output", name ? name : "", sep, what, strerror(h->err));
		h->told = true;
	} else if (!h->err && h->told) {
		say(t, V_WARN, "%s%s%s: %llu bytes dropped; writing again", name ? name : "", sep, what,
		    (unsigned long long)h->dropped);
		h->told = false;
		h->before += h->dropped;
		h->dropped = 0;
	}
}

static void tell_at_exit(struct tend *t, const char *name, const char *what, const struct out_health *h)
{
	const char *sep = name ? ": " : "";
	if (h->err && h->dropped)
		say(t, V_WARN, "%s%s%s: %llu bytes dropped (%s)", name ? name : "", sep, what,
		    (unsigned long long)h->dropped, strerror(h->err));
}

static void report(struct tend *t, struct log_src *s)
{
	if (s->tgt->kind == LOG_FILE && !s->own_sink)
		tell(t, s->name, s->tgt->path, &s->file);
	if (s->sink)
		tell(t, NULL, s->sink->what, &s->sink->health);
}

/* ---- regular log files ---- */

/* Open the log path without ever blocking; a path that is not a regular file gets a
 * sink of its own. On failure s->file.err says why (told by report()). */
static int file_open(struct tend *t, struct log_src *s)
{
	const char *p = s->tgt->path;
	struct stat st;
	int fd;
	if (stat(p, &st) == 0 && S_ISFIFO(st.st_mode))
		fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	else
		fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENXIO) /* became a FIFO meanwhile, without a reader */
		fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		s->file.err = errno;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode)) { /* O_NONBLOCK means nothing to a regular file */
		s->file_fd = fd;
		s->file_size = st.st_size;
		return 0;
	}
	if (!(s->sink = sink_adopt(t, fd, p))) {
		s->file.err = ENOMEM;
		close(fd);
		return -1;
	}
	s->own_sink = true;
	return 0;
}

static void file_rotate(struct tend *t, struct log_src *s)
{
	char from[PATH_MAX], to[PATH_MAX];
	const char *p = s->tgt->path;
	close(s->file_fd);
	s->file_fd = -1;
	if (s->tgt->backups <= 0) {
		if (truncate(p, 0) < 0)
			say(t, V_WARN, "truncate %s: %s", p, errstr());
	} else {
		for (int i = s->tgt->backups - 1; i >= 1; i--) {
			snprintf(from, sizeof from, "%s.%d", p, i);
			snprintf(to, sizeof to, "%s.%d", p, i + 1);
			rename(from, to); /* a missing backup is normal */
		}
		snprintf(to, sizeof to, "%s.1", p);
		if (rename(p, to) < 0)
			say(t, V_WARN, "rename %s: %s", p, errstr());
	}
	file_open(t, s);
}

static void file_put(struct log_src *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(s->file_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) { /* disk full, quota, I/O error: drop, count, tell once */
			s->file.err = w < 0 ? errno : EIO;
			s->file.dropped += n;
			return;
		}
		s->file.err = 0;
		s->file_size += w;
		p += w;
		n -= (size_t)w;
	}
}

/* Bytes unchanged, one write for all of them unless a rotation falls in between:
 * whole lines that fit go before it; a single line longer than maxbytes goes alone. */
static void file_write(struct tend *t, struct log_src *s, const char *p, size_t n)
{
	long long max = s->tgt->maxbytes;
	struct stat st;
	bool rotated = false;
	if (max > 0 && s->file_fd >= 0 && fstat(s->file_fd, &st) == 0)
		s->file_size = st.st_size; /* the real size: truncated or appended by others */
	while (n && s->file_fd >= 0) {
		size_t take = n;
		if (max > 0 && s->file_size + (long long)n > max) {
			long long room = max - s->file_size;
			const char *nl = room > 0 ? memrchr(p, '\n', (size_t)room) : NULL;
			if (nl) {
				take = (size_t)(nl - p) + 1;
			} else if (s->file_size > 0 && !rotated) {
				file_rotate(t, s);
				rotated = true;
				continue;
			} else {
				nl = memchr(p, '\n', n);
				take = nl ? (size_t)(nl - p) + 1 : n;
			}
		}
		rotated = false;
		file_put(s, p, take);
		p += take;
		n -= take;
	}
	if (n)
		s->file.dropped += n; /* the file could not be reopened after a rotation */
}

/* ---- emitting ---- */

/* "name | " (padded, coloured on a tty); JSON: `","service":"name","stream":"stdout","line":"` */
static void prefix_make(struct tend *t, struct log_src *s)
{
	static const char *colours[] = {"32", "33", "34", "35", "36", "31"};
	int w = t->name_width;
	size_t cap = 6 * NAME_SHOWN_MAX + (size_t)(w > 0 ? w : 0) + 64, n = strlen(s->name), used;
	char *p = realloc(s->prefix, cap);
	if (!p)
		return; /* keep the old one */
	int m;
	if (t->log_json) {
		m = sprintf(p, "\",\"service\":\"");
		m += (int)json_escape(p + m, 6 * NAME_SHOWN_MAX + 1, s->name, n < NAME_SHOWN_MAX ? n : NAME_SHOWN_MAX, &used);
		m += sprintf(p + m, "\",\"stream\":\"std%s\",\"line\":\"", s->stream == 2 ? "err" : "out");
	} else if (s->sink->tty && t->colour_ok)
		m = snprintf(p, cap, "\033[%sm%-*.*s |\033[0m ", colours[s->colour % 6], w, NAME_SHOWN_MAX, s->name);
	else
		m = snprintf(p, cap, "%-*.*s | ", w, NAME_SHOWN_MAX, s->name);
	s->prefix = p;
	s->prefix_len = m > 0 ? (size_t)m : 0;
	s->prefix_width = w;
}

/* Console: complete lines, pieces of a line known to be longer than LOG_LINE_MAX (JSON: never
 * half a UTF-8 character), at a run's end the rest as a last line. Returns the bytes consumed. */
static size_t emit_console(struct tend *t, struct log_src *s, const char *p, size_t n, bool run_end)
{
	size_t off = 0;
	char head[48];
	size_t hl = log_head(t, head), taken;
	while (off < n) {
		size_t left = n - off, len, used;
		const char *nl = memchr(p + off, '\n', left < LOG_LINE_MAX + 1 ? left : LOG_LINE_MAX + 1);
		if (nl)
			used = (len = (size_t)(nl - (p + off))) + 1;
		else if (left > LOG_LINE_MAX) {
			used = len = LOG_LINE_MAX; /* more of this line follows: a piece of it */
			while (t->log_json && len > LOG_LINE_MAX - 3 && (p[off + len] & 0xc0) == 0x80)
				used = --len;
		} else if (run_end)
			used = len = left;
		else
			break;
		if (t->log_json) /* the line escaped (at most 6 bytes a byte: t->json_line has room) */
			len = json_escape(t->json_line, 6 * LOG_LINE_MAX + 1, p + off, len, &taken);
		struct iovec v[4] = {{head, hl}, {s->prefix ? s->prefix : "", s->prefix ? s->prefix_len : 0},
				     {t->log_json ? t->json_line : (void *)(p + off), len},
				     {(void *)(t->log_json ? "\"}\n" : "\n"), t->log_json ? 3 : 1}};
		if (!sink_putv(t, s->sink, v, 4)) {
			s->blocked = true;
			break;
		}
		off += used;
	}
	return off;
}

/* Raw targets take complete lines, a partial line once it is longer than LOG_LINE_MAX (its
 * bytes are unchanged, so nothing is invented), and at a run's end everything. */
static size_t raw_ready(const char *p, size_t n, bool run_end)
{
	if (run_end || !n)
		return n;
	const char *nl = memrchr(p, '\n', n);
	size_t whole = nl ? (size_t)(nl - p) + 1 : 0;
	return n - whole > LOG_LINE_MAX ? n : whole;
}

static size_t emit_raw_sink(struct tend *t, struct log_src *s, const char *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		size_t c = n - off;
		if (c > RAW_CHUNK) {
			const char *nl = memrchr(p + off, '\n', RAW_CHUNK);
			c = nl ? (size_t)(nl - (p + off)) + 1 : RAW_CHUNK;
		}
		struct iovec v = {(void *)(p + off), c};
		if (!sink_putv(t, s->sink, &v, 1)) {
			s->blocked = true;
			break;
		}
		off += c;
	}
	return off;
}

static size_t emit(struct tend *t, struct log_src *s, const char *p, size_t n, bool run_end)
{
	if (!n)
		return 0;
	if (s->sink && !s->own_sink)
		return emit_console(t, s, p, n, run_end);
	size_t ready = raw_ready(p, n, run_end);
	if (s->own_sink)
		return emit_raw_sink(t, s, p, ready);
	if (s->file_fd >= 0)
		file_write(t, s, p, ready);
	else if (s->tgt->kind == LOG_FILE)
		s->file.dropped += ready; /* the file could not be opened */
	return ready; /* NONE: drained and dropped */
}

/* ---- sources ---- */

/* Read again after a pause, with the handler logs_open gave it. */
static void src_watch(struct tend *t, struct log_src *s)
{
	if (s->fd >= 0 && !s->w.events && loop_watch(t, &s->w, s->fd, EPOLLIN, s->w.fn) < 0)
		say(t, V_WARN, "%s: epoll: %s", s->name, errstr());
}

static void src_eof(struct tend *t, struct log_src *s)
{
	loop_unwatch(t, &s->w);
	close(s->fd);
	s->fd = -1;
}

/* A run ended at pipe position `at` (more than SRC_ENDS pending: merged with the last). */
static void add_end(struct log_src *s, uint64_t at)
{
	if (s->nends && s->ends[s->nends - 1] >= at)
		return;
	if (s->nends == SRC_ENDS)
		s->ends[SRC_ENDS - 1] = at;
	else
		s->ends[s->nends++] = at;
}

static void pop_end(struct log_src *s)
{
	memmove(s->ends, s->ends + 1, (size_t)(s->nends - 1) * sizeof s->ends[0]);
	s->nends--;
}

/* Keep what this turn could not emit, for the next one. */
static void keep_rest(struct log_src *s, const char *buf, size_t len)
{
	if (!len) {
		free(s->keep);
		s->keep = NULL;
		return;
	}
	if (!s->keep && !(s->keep = malloc(SRC_BUF))) {
		s->file.dropped += len; /* out of memory: lost (and counted) */
		return;
	}
	memcpy(s->keep, buf, len);
	s->keep_len = len;
}

struct turn {
	char *buf;     /* t->log_buf: what this turn read and has not emitted yet */
	size_t len;
	size_t budget; /* the fairness cap: bytes still to read in this turn */
	bool more;     /* the pipe may hold more */
	bool to_end;   /* read up to the pending run end whatever the cap (FIONREAD bounds it) */
};

/* Emit, read, emit... until EAGAIN, the cap, a run's end (to_end), or a full sink. */
static void src_turn(struct tend *t, struct log_src *s, struct turn *u)
{
	for (;;) {
		bool at_end = s->nends && s->pos == s->ends[0];
		if (at_end && s->cap)
			u->len += capture_release(s, u->buf + u->len, SRC_BUF - u->len);
		if (t->ev && s->svc && u->len && !events_output_room(t, s->svc, s)) {
			s->ev_blocked = true; /* PROCESS_LOG: a pool it feeds is full */
			return;
		}
		size_t used = emit(t, s, u->buf, u->len, at_end);
		if (t->ev && s->svc && used)
			events_output(t, s->svc, s, u->buf, used, false);
		if (used && used < u->len)
			memmove(u->buf, u->buf + used, u->len - used);
		u->len -= used;
		if (s->blocked)
			return;
		if (at_end) {
			pop_end(s);
			if (u->to_end && !s->nends)
				return; /* that run's output is out */
			continue;
		}
		if (!u->more || s->fd < 0)
			return;
		bool cap = s->svc && capture_max(s) > 0;
		size_t want = SRC_BUF - u->len;
		if (cap && want <= CAPTURE_HOLD)
			return; /* the held bytes of a token need room in the buffer */
		want -= cap ? CAPTURE_HOLD : 0;
		if (s->nends && s->ends[0] - s->pos < want)
			want = (size_t)(s->ends[0] - s->pos); /* never past a run's end */
		if (!u->to_end || !s->nends)
			want = u->budget < want ? u->budget : want;
		if (!want)
			return;
		ssize_t r = read(s->fd, u->buf + u->len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			u->more = false;
			if (u->to_end && s->nends)
				s->ends[0] = s->pos; /* less than FIONREAD said: the run ends here */
			continue;
		}
		if (r <= 0) { /* EOF (every write end closed): whatever is left is a last line */
			src_eof(t, s);
			add_end(s, s->pos);
			continue;
		}
		if (s->ring)
			ring_put(t, s->ring, u->buf + u->len, (size_t)r);
		if (s->tap)
			s->tap(t, s, u->buf + u->len, (size_t)r);
		if (s->proto)
			s->proto(t, s, u->buf + u->len, (size_t)r);
		u->len += cap ? capture_filter(t, s, u->buf + u->len, (size_t)r) : (size_t)r;
		s->pos += (uint64_t)r;
		u->budget -= (size_t)r < u->budget ? (size_t)r : u->budget;
		if ((size_t)r < want)
			u->more = false; /* the pipe is empty now: no EAGAIN read needed */
	}
}

/* One turn of a source (see the top), then what the turn collected is written, and the
 * source pauses if its sink is still full. */
static void src_pump(struct tend *t, struct log_src *s, bool to_end)
{
	struct turn u = {.buf = t->log_buf, .budget = SRC_BUF, .more = true, .to_end = to_end};
	if (s->sink && !s->own_sink && s->prefix_width != t->name_width)
		prefix_make(t, s); /* a reload brought a longer name */
	if (s->keep_len) {
		memcpy(u.buf, s->keep, s->keep_len);
		u.len = s->keep_len;
		s->keep_len = 0;
	}
	for (int tries = 0;; tries++) {
		s->blocked = s->ev_blocked = false;
		src_turn(t, s, &u);
		if (!s->blocked || tries == 2)
			break;
		sink_flush(t, s->sink);
		if (s->sink->len > SINK_CAP / 2)
			break; /* still full: wait until it drains */
	}
	keep_rest(s, u.buf, u.len);
	if (s->sink)
		sink_flush(t, s->sink); /* one write (or a few) for the whole turn */
	if (s->blocked) {
		if (!s->paused) {
			loop_unwatch(t, &s->w);
			s->paused = true;
		}
		sink_wait(t, s->sink, &s->waiter);
	} else if (s->ev_blocked) {
		if (!s->paused) {
			loop_unwatch(t, &s->w);
			s->paused = true;
		}
	} else if (s->paused) {
		if (s->sink)
			sink_unwait(s->sink, &s->waiter);
		s->paused = false;
		src_watch(t, s);
	}
	report(t, s);
}

static void on_src_readable(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	src_pump(t, container_of(w, struct log_src, w), false);
}

/* The sink has room again and it is this source's turn. */
static void src_resume(struct tend *t, struct sink_waiter *w)
{
	src_pump(t, container_of(w, struct log_src, waiter), false);
}

void logs_resume(struct tend *t, struct log_src *s)
{
	src_pump(t, s, false);
}

void logs_end_run(struct tend *t, struct log_src *s)
{
	int n = 0;
	if (s->fd < 0 && !s->keep_len)
		return;
	if (s->fd >= 0 && ioctl(s->fd, FIONREAD, &n) < 0)
		n = 0;
	add_end(s, s->pos + (uint64_t)(n > 0 ? n : 0));
	src_pump(t, s, true);
}

int logs_open(struct tend *t, struct log_src *s, const char *name, const struct log_target *tgt,
	      int stream, int colour)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*s = (struct log_src){.fd = p[0], .name = name, .tgt = tgt, .colour = colour, .file_fd = -1, .stream = stream};
	s->waiter.resume = src_resume;
	if (tgt->kind == LOG_FILE)
		file_open(t, s);
	if (tgt->kind == LOG_DEFAULT || tgt->kind == LOG_FD) {
		bool inherited = tgt->fd >= 0 && tgt->fd < 64 && ((t->fds_inherited >> tgt->fd) & 1);
		s->sink = tgt->kind == LOG_FD && !inherited ? NULL : sink_for_fd(t, tgt->kind == LOG_FD ? tgt->fd : stream);
		if (!s->sink) { /* /dev/fd/N was not given to tend: fall back to tend's own stream */
			say(t, V_WARN, "%s: fd %d is not open; logging to fd %d", name, tgt->fd, stream);
			s->sink = sink_for_fd(t, stream);
		}
		if (s->sink)
			prefix_make(t, s);
	}
	if (loop_watch(t, &s->w, s->fd, EPOLLIN, on_src_readable) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		s->fd = -1;
		if (s->own_sink)
			sink_close(t, s->sink);
		if (s->file_fd >= 0)
			close(s->file_fd);
		free(s->prefix);
		errno = e;
		return -1;
	}
	s->next = t->sources;
	t->sources = s;
	report(t, s); /* a log path that cannot be opened is told now */
	return p[1];
}

void logs_close(struct tend *t, struct log_src *s)
{
	logs_end_run(t, s); /* deliver what is in the pipe, as far as the sink takes it */
	int n = 0;
	if (s->fd >= 0 && ioctl(s->fd, FIONREAD, &n) < 0)
		n = 0;
	if (s->keep_len || n > 0)
		say(t, V_WARN, "%s: %zu bytes of output dropped: %s is not reading", s->name,
		    s->keep_len + (size_t)(n > 0 ? n : 0), s->sink ? s->sink->what : "the log");
	if (s->paused && s->sink)
		sink_unwait(s->sink, &s->waiter);
	events_forget_src(t, s);
	if (s->fd >= 0)
		src_eof(t, s);
	if (s->file_fd >= 0)
		close(s->file_fd);
	if (s->own_sink)
		sink_close(t, s->sink);
	free(s->keep);
	free(s->prefix);
	capture_free(s);
	for (struct log_src **pp = &t->sources; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	*s = (struct log_src){.fd = -1, .file_fd = -1};
}

void logs_reopen(struct tend *t)
{
	say(t, V_INFO, "reopening log files");
	for (struct log_src *s = t->sources; s; s = s->next)
		if (s->tgt->kind == LOG_FILE && !s->own_sink) {
			if (s->file_fd >= 0)
				close(s->file_fd);
			s->file_fd = -1;
			file_open(t, s);
			report(t, s);
		}
}

/* At exit every run is over: deliver everything, waiting at most EXIT_FLUSH_MS for slow
 * readers, then tell what could not be delivered. */
void logs_flush_all(struct tend *t)
{
	uint64_t deadline = now_ms() + EXIT_FLUSH_MS;
	for (;;) {
		bool waiting = false;
		for (struct log_src *s = t->sources; s; s = s->next) {
			logs_end_run(t, s);
			waiting |= s->blocked;
		}
		if (!waiting || !sinks_exit_flush(t, deadline))
			break;
	}
	for (struct log_src *s = t->sources; s; s = s->next) {
		int n = 0;
		if (s->fd >= 0 && ioctl(s->fd, FIONREAD, &n) < 0)
			n = 0;
		if (s->keep_len || n > 0)
			say(t, V_WARN, "%s: %zu bytes of output not delivered: %s is not reading", s->name,
			    s->keep_len + (size_t)(n > 0 ? n : 0), s->sink ? s->sink->what : "the log");
		if (s->tgt->kind == LOG_FILE && !s->own_sink)
			tell_at_exit(t, s->name, s->tgt->path, &s->file);
	}
	for (struct sink *k = t->sinks; k; k = k->next)
		tell_at_exit(t, NULL, k->what, &k->health);
}

int logs_init(struct tend *t)
{
	t->colour_ok = !getenv("NO_COLOR");
	if (!t->log_buf && !(t->log_buf = malloc(SRC_BUF)))
		return -1;
	if (t->log_json && !t->json_line && !(t->json_line = malloc(6 * LOG_LINE_MAX + 1)))
		return -1;
	if (!sink_for_fd(t, 1) || !sink_for_fd(t, 2))
		return -1;
	return 0;
}
