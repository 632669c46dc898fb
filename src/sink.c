/* sink.c — the I/O policy for every output tend writes that could stall it (its own
 * stdout and stderr, /dev/fd/N, a log path that is a FIFO or a tty), in one place.
 *
 *  - The handle is non-blocking and tend's own. An inherited pipe, FIFO or tty is
 *    reopened through /proc/self/fd/N: a new open file description, so the children who
 *    share the original one keep it blocking. Regular files and devices that are not
 *    ttys never block and are used as they are (a duplicate); sockets get MSG_DONTWAIT.
 *  - Without /proc (or when the reopen is refused) the write end stays blocking, and a
 *    blocking write must never come from the loop: a relay thread owns that handle.
 *    tend writes to a pipe of its own, non-blocking; the thread copies it to the target
 *    with blocking writes. Costs: one thread (small stack), one pipe, one more copy of
 *    each byte, and up to one more pipe of bytes in flight. A thread, not a process:
 *    nothing to reap, nothing kill(-1) reaches, nothing that looks like an orphan.
 *  - Each sink queues at most SINK_CAP bytes of whole lines (tend's own lines may use
 *    SINK_RESERVE more). A producer that finds no room waits (back-pressure: the service
 *    blocks in write(2), nothing is lost) and is resumed in turn when the sink drains.
 *  - Writes take as much as the target allows in one call. On a pipe that another
 *    process writes too (`-- CMD` inherits tend's stdout and stderr; anyone may open a
 *    FIFO) at most PIPE_BUF bytes ending at a newline, which the kernel writes atomically:
 *    the other writer's lines never tear tend's, nor tend's theirs.
 *  - A reader gone for good (EPIPE, EIO on a hung-up tty) makes the sink broken: output
 *    is dropped and counted. Any other failure (ENOSPC) drops what was queued, counts it,
 *    and the next write tries again. log.c reports each change once. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define RELAY_BUF (16 * 1024)
#define RELAY_STACK (64 * 1024)
#define EXIT_FLUSH_MS 1000 /* at exit, how long a slow reader is waited for */

struct relay {
	int in;            /* the thread's end of tend's pipe */
	int out;           /* the blocking target */
	int done_r, done_w; /* done_w is closed by the thread when it has finished */
	_Atomic int err;   /* the target failed: the thread drops from then on */
	char *buf;
};

/* ---- the relay thread: the only place a blocking write happens ---- */

/* The thread's system calls: the result, or -errno. In the static build on x86-64
 * (-DTEND_OWN_THREAD) the thread is a bare clone() that musl does not know of (without
 * pthread_create, ~2.7 KB smaller): it shares the main thread's TLS, so it must not
 * touch errno or any libc state, and makes its system calls itself. */
static long relay_sys(long nr, long fd, void *p, size_t len)
{
#if defined(TEND_OWN_THREAD) && defined(__x86_64__)
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(fd), "S"(p), "d"(len) : "rcx", "r11", "memory");
	return r;
#else
	long r = nr == SYS_close ? close((int)fd) : nr == SYS_read ? read((int)fd, p, len) : write((int)fd, p, len);
	return r < 0 ? -errno : r;
#endif
}

/* Write whole lines, at most PIPE_BUF bytes a time; keep a partial line unless `all`.
 * Returns how many bytes are left at the start of buf. */
static size_t relay_out(struct relay *r, size_t len, bool all)
{
	size_t off = 0;
	while (off < len) {
		char *p = r->buf + off;
		size_t c = len - off;
		char *nl = memrchr(p, '\n', c < PIPE_BUF ? c : PIPE_BUF);
		if (nl)
			c = (size_t)(nl - p) + 1;
		else if (c > PIPE_BUF)
			c = PIPE_BUF;
		else if (!all)
			break;
		for (size_t done = 0; done < c && !r->err;) {
			long n = relay_sys(SYS_write, r->out, p + done, c - done);
			if (n == -EINTR)
				continue;
			if (n <= 0)
				r->err = n < 0 ? (int)-n : EIO;
			else
				done += (size_t)n;
		}
		off += c;
	}
	memmove(r->buf, r->buf + off, len - off);
	return len - off;
}

static int relay_main(void *arg)
{
	struct relay *r = arg;
	size_t len = 0;
	for (;;) {
		long n = relay_sys(SYS_read, r->in, r->buf + len, RELAY_BUF - len);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break; /* tend closed its end: the rest is out, finish */
		len = relay_out(r, len + (size_t)n, false);
	}
	relay_out(r, len, true);
	relay_sys(SYS_close, r->done_w, NULL, 0);
	return 0;
}

#if !(defined(TEND_OWN_THREAD) && defined(__x86_64__))
static void *relay_pthread(void *arg)
{
	relay_main(arg);
	return NULL;
}
#endif

/* Start the thread (it inherits tend's mask: all blocked); 0 or an errno. */
static int relay_thread(struct relay *r)
{
#if defined(TEND_OWN_THREAD) && defined(__x86_64__)
	char *stack = malloc(RELAY_STACK); /* lives as long as the thread: to exit */
	if (!stack)
		return ENOMEM;
	int fl = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	if (clone(relay_main, stack + RELAY_STACK, fl, r) < 0) {
		int e = errno;
		free(stack);
		return e;
	}
	return 0;
#else
	pthread_attr_t a;
	pthread_t th;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, RELAY_STACK);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int e = pthread_create(&th, &a, relay_pthread, r);
	pthread_attr_destroy(&a);
	return e;
#endif
}

/* Start a relay for blocking fd `target`; returns tend's non-blocking end, or -1. */
static int relay_start(struct sink *k, int target)
{
	struct relay *r = calloc(1, sizeof *r);
	int p[2] = {-1, -1}, d[2] = {-1, -1};
	if (!r || !(r->buf = malloc(RELAY_BUF)) || pipe2(p, O_CLOEXEC) < 0 || pipe2(d, O_CLOEXEC) < 0)
		goto fail;
	r->in = p[0];
	r->done_r = d[0];
	r->done_w = d[1];
	if ((r->out = fcntl(target, F_DUPFD_CLOEXEC, 3)) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	int e = relay_thread(r);
	if (e) {
		close(r->out);
		errno = e;
		goto fail;
	}
	k->relay = r;
	return p[1];
fail:
	e = errno;
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		if (d[i] >= 0)
			close(d[i]);
	}
	if (r)
		free(r->buf);
	free(r);
	errno = e;
	return -1;
}

/* ---- opening ---- */

/* A non-blocking handle of tend's own on inherited fd `fd` (see the top). */
static int own_handle(struct sink *k, int fd, const struct stat *st, bool shared)
{
	bool fifo = S_ISFIFO(st->st_mode);
	k->socket = S_ISSOCK(st->st_mode);
	k->atomic = fifo && shared;
	bool may_block = fifo || (S_ISCHR(st->st_mode) && k->tty);
	int fl = fcntl(fd, F_GETFL);
	if (!may_block || (fl >= 0 && (fl & O_NONBLOCK)))
		return fcntl(fd, F_DUPFD_CLOEXEC, 3);
	char path[32];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd >= 0)
		return nfd;
	if (errno == ENXIO && fifo) { /* a pipe without readers: nothing will ever read it */
		errno = EPIPE;
		return -1;
	}
	k->atomic = false; /* tend alone writes the relay's pipe; the relay writes whole lines */
	return relay_start(k, fd);
}

static struct sink *sink_new(struct tend *t, int target, int fd, const char *what, const struct stat *st)
{
	for (struct sink **pp = &t->sinks; *pp;) { /* free the closed ones no event can name */
		struct sink *d = *pp;
		if (d->dead && d->dead_gen != t->gen) {
			*pp = d->next;
			free(d->what);
			free(d);
		} else {
			pp = &d->next;
		}
	}
	struct sink *k = calloc(1, sizeof *k);
	if (!k || !(k->what = strdup(what))) {
		free(k);
		return NULL;
	}
	k->target = target;
	k->fd = fd;
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->wtail = &k->waiters;
	k->next = t->sinks;
	t->sinks = k;
	return k;
}

struct sink *sink_for_fd(struct tend *t, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	for (struct sink *k = t->sinks; k; k = k->next)
		if (!k->dead && (k->target == fd || (k->target >= 0 && k->dev == st.st_dev && k->ino == st.st_ino &&
						      !S_ISREG(st.st_mode))))
			return k; /* stdout and stderr on one pipe share a sink: no interleaving */
	char what[24];
	snprintf(what, sizeof what, fd == 1 ? "stdout" : fd == 2 ? "stderr" : "fd %d", fd);
	struct sink *k = sink_new(t, fd, -1, what, &st);
	if (!k)
		return NULL;
	k->tty = isatty(fd);
	k->fd = own_handle(k, fd, &st, t->opt.argv != NULL); /* `-- CMD` (or exec mode's child) shares it */
	if (k->fd < 0) {
		k->broken = true;
		k->health.err = errno;
	}
	return k;
}

struct sink *sink_adopt(struct tend *t, int fd, const char *what)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	struct sink *k = sink_new(t, -1, fd, what, &st);
	if (!k)
		return NULL;
	k->tty = isatty(fd);
	k->atomic = S_ISFIFO(st.st_mode); /* anyone may write to a FIFO too */
	k->socket = S_ISSOCK(st.st_mode);
	return k;
}

void sink_close(struct tend *t, struct sink *k)
{
	if (!k || k->dead)
		return;
	sink_flush(t, k); /* best effort: whatever the reader takes now */
	loop_unwatch(t, &k->w);
	timer_cancel(t, &k->tm);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	free(k->buf);
	k->buf = NULL;
	k->len = 0;
	k->dead = true;
	k->dead_gen = t->gen;
}

/* ---- writing ---- */

static bool permanent(int err)
{
	return err == EPIPE || err == EIO || err == EBADF || err == ENXIO || err == ECONNRESET ||
	       err == ENOTCONN || err == EINVAL || err == EDESTADDRREQ || err == ENODEV;
}

static void sink_failed(struct sink *k, int err, size_t lost)
{
	k->health.err = err;
	k->health.dropped += lost;
	if (permanent(err))
		k->broken = true;
}

static ssize_t write_some(const struct sink *k, const char *p, size_t n)
{
	ssize_t r;
	do
		r = k->socket ? send(k->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) : write(k->fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The next write: all of it, or at most PIPE_BUF bytes ending at a newline. */
static size_t next_chunk(const struct sink *k, const char *p, size_t n)
{
	if (!k->atomic || n <= PIPE_BUF)
		return n;
	const char *nl = memrchr(p, '\n', PIPE_BUF);
	return nl ? (size_t)(nl - p) + 1 : PIPE_BUF;
}

/* Resume waiters in turn while there is room: a resumed producer that fills the sink
 * again queues at the back, so the next drain starts with the next one. */
static void resume_waiters(struct tend *t, struct sink *k)
{
	int n = 0;
	for (struct sink_waiter *w = k->waiters; w; w = w->next)
		n++;
	while (n-- > 0 && k->waiters && (k->len <= SINK_CAP / 2 || k->broken)) {
		struct sink_waiter *w = k->waiters;
		k->waiters = w->next;
		if (!k->waiters)
			k->wtail = &k->waiters;
		w->queued = false;
		w->resume(t, w);
	}
}

static void on_sink_writable(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	struct sink *k = container_of(w, struct sink, w);
	sink_flush(t, k);
	resume_waiters(t, k);
}

static void resume_later(struct tend *t, struct timer *tm)
{
	resume_waiters(t, container_of(tm, struct sink, tm));
}

void sink_flush(struct tend *t, struct sink *k)
{
	size_t off = 0;
	if (k->relay && k->relay->err && !k->broken) {
		sink_failed(k, k->relay->err, 0); /* the thread drops from now on */
		k->broken = true;
	}
	while (off < k->len && !k->broken) {
		size_t c = next_chunk(k, k->buf + off, k->len - off);
		ssize_t n = write_some(k, k->buf + off, c);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			sink_failed(k, n < 0 ? errno : EIO, k->len - off);
			off = k->len;
			break;
		}
		k->health.err = 0; /* written again (log.c tells the recovery) */
		off += (size_t)n;
		if ((size_t)n < c)
			break; /* the reader took less: it is full */
	}
	if (k->broken) { /* drop what waits */
		k->health.dropped += k->len - off;
		off = k->len;
	}
	if (off && off < k->len)
		memmove(k->buf, k->buf + off, k->len - off);
	k->len -= off;
	if (k->len) {
		if (!k->w.events && loop_watch(t, &k->w, k->fd, EPOLLOUT, on_sink_writable) < 0)
			k->w.events = 0; /* no loop yet: written at the next put or at exit */
	} else {
		loop_unwatch(t, &k->w);
		if (k->waiters && !k->tm.armed) /* no EPOLLOUT will come to resume them */
			timer_arm(t, &k->tm, 0, resume_later);
	}
}

static bool queue(struct tend *t, struct sink *k, const struct iovec *iov, int n, size_t cap)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (k->broken || k->fd < 0 || total > cap) {
		k->health.dropped += total;
		return true;
	}
	if (k->len + total > cap) {
		sink_flush(t, k);
		if (k->len + total > cap)
			return false;
	}
	if (!k->buf && !(k->buf = malloc(SINK_CAP + SINK_RESERVE))) {
		sink_failed(k, ENOMEM, total);
		return true;
	}
	for (int i = 0; i < n; i++) {
		memcpy(k->buf + k->len, iov[i].iov_base, iov[i].iov_len);
		k->len += iov[i].iov_len;
	}
	return true;
}

bool sink_putv(struct tend *t, struct sink *k, const struct iovec *iov, int n)
{
	return queue(t, k, iov, n, SINK_CAP);
}

bool sink_put_own(struct tend *t, struct sink *k, const char *line, size_t len)
{
	struct iovec v = {(void *)line, len};
	if (!queue(t, k, &v, 1, SINK_CAP + SINK_RESERVE))
		return false;
	sink_flush(t, k);
	return true;
}

void sink_wait(struct tend *t, struct sink *k, struct sink_waiter *w)
{
	if (w->queued)
		return;
	w->next = NULL;
	*k->wtail = w;
	k->wtail = &w->next;
	w->queued = true;
	if (!k->len && !k->tm.armed) /* nothing to wait for after all (it failed meanwhile) */
		timer_arm(t, &k->tm, 0, resume_later);
}

void sink_unwait(struct sink *k, struct sink_waiter *w)
{
	if (!w->queued)
		return;
	for (struct sink_waiter **pp = &k->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			if (k->wtail == &w->next)
				k->wtail = pp;
			break;
		}
	w->queued = false;
}

bool sink_busy(const struct sink *k)
{
	return k->len || k->waiters;
}

/* ---- exit ---- */

bool sinks_exit_flush(struct tend *t, uint64_t deadline)
{
	int n = 0;
	for (struct sink *k = t->sinks; k; k = k->next)
		n += k->len && !k->broken && k->fd >= 0;
	uint64_t now = now_ms();
	if (!n || now >= deadline)
		return false;
	struct pollfd *pf = calloc((size_t)n, sizeof *pf);
	struct sink **ks = calloc((size_t)n, sizeof *ks);
	int i = 0, r = -1;
	for (struct sink *k = t->sinks; pf && ks && k; k = k->next)
		if (k->len && !k->broken && k->fd >= 0) {
			pf[i] = (struct pollfd){.fd = k->fd, .events = POLLOUT};
			ks[i++] = k;
		}
	if (pf && ks)
		r = poll(pf, (nfds_t)n, (int)(deadline - now));
	for (i = 0; r > 0 && i < n; i++)
		if (pf[i].revents)
			sink_flush(t, ks[i]);
	free(pf);
	free(ks);
	return r > 0;
}

void sinks_finish(struct tend *t)
{
	uint64_t deadline = now_ms() + EXIT_FLUSH_MS;
	while (sinks_exit_flush(t, deadline))
		;
	for (struct sink *k = t->sinks; k; k = k->next)
		if (k->relay && k->fd >= 0) {
			close(k->fd); /* the relay writes the rest, then reads EOF */
			k->fd = -1;
		}
	for (struct sink *k = t->sinks; k; k = k->next) {
		uint64_t now = now_ms();
		struct pollfd pf = {.fd = k->relay ? k->relay->done_r : -1, .events = POLLIN};
		if (k->relay && now < deadline)
			poll(&pf, 1, (int)(deadline - now)); /* POLLHUP once the thread is done */
	}
}
