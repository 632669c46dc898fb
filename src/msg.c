/* msg.c — tend's own diagnostic lines on stderr. They must never block or spin PID 1:
 * stderr is reopened as a separate non-blocking open file description (so the
 * children's shared stderr stays blocking), a line that does not fit is dropped and
 * counted, and EPIPE is just a dropped line (the self-sent SIGPIPE is discarded by
 * signals.c). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A private, non-blocking handle on fd N's target: for pipes, FIFOs and ttys a fresh
 * open of /proc/self/fd/N; regular files and sockets keep a CLOEXEC duplicate (files
 * do not block; sockets get MSG_DONTWAIT per send). */
int reopen_nonblocking(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		char path[32];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		int nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (nfd >= 0)
			return nfd;
	}
	return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* write(2) that never blocks on a socket and never raises SIGPIPE on one */
ssize_t write_nb(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0 || errno != ENOTSOCK)
		return n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Opened at the first message: a quiet tend never pays for it. */
static int msg_fd(struct tend *t)
{
	if (t->log_fd == -1)
		t->log_fd = reopen_nonblocking(2);
	if (t->log_fd < 0)
		t->log_fd = -2; /* do not retry; fall back to fd 2 itself */
	return t->log_fd >= 0 ? t->log_fd : 2;
}

static void vsay(struct tend *t, bool error, const char *fmt, va_list ap)
{
	char line[1024];
	int n;
	if (error)
		n = snprintf(line, sizeof line, "%s: ", t->name);
	else if (t->opt.persona == PERSONA_TINI)
		n = snprintf(line, sizeof line, "[tini (%d)] ", (int)t->self);
	else
		n = snprintf(line, sizeof line, "[%s] ", t->name);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m < (int)(sizeof line - (size_t)n - 1) ? m : (int)(sizeof line - (size_t)n - 2);
	line[n++] = '\n';
	if (t->sinks && logs_say(t, line, (size_t)n))
		return;
	int fd = msg_fd(t);
	if (write_nb(fd, line, (size_t)n) != n)
		t->dropped_msgs++;
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
	exit(code);
}
