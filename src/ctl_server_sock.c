/* ctl_server_sock.c — the control server's listening sockets.
 *
 * A UNIX socket never exists with wider access than configured: it is bound inside a
 * fresh private directory (mkdtemp, 0700) next to the target, given its mode and owner
 * there, and only then hard-linked to the configured name. link(2) also fails when the
 * name exists, so two starting servers cannot both take it (supervisord uses the same
 * link for that). A name that exists is probed with a non-blocking connect: a live
 * socket is somebody else's (fatal for a configured socket, a warning for the default);
 * a refused one is stale and replaced. A file that is not a socket is never removed.
 * TCP: numeric addresses only, or "localhost" (no DNS from PID 1's loop).
 * Accepting: at most CTL_ACCEPT_BURST per readiness event; out of descriptors, the
 * listener rests ACCEPT_PAUSE_MS instead of spinning on a level-triggered EMFILE. */
#include "ctl_server.h"
#include "ctl_server_int.h"
#include "iptext.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ACCEPT_PAUSE_MS 100 /* out of fds: stop accepting for a while, do not spin */
#define BACKLOG 1024 /* as supervisord (medusa listen(1024)); the kernel caps it at somaxconn */

static const char in_use[] = "Another program is already listening on a port that one of our HTTP servers "
			     "is configured to use.  Shut this program down first before starting supervisord.";

/* 1: a live socket, 0: a stale socket, -1: nothing there, -2: not a socket */
static int probe(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode))
		return -2;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1; /* cannot tell: never remove what may be alive */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof sa.sun_path) {
		close(fd);
		return 1;
	}
	memcpy(sa.sun_path, path, n + 1);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	close(fd);
	return rc < 0 && (e == ECONNREFUSED || e == ENOENT) ? 0 : 1;
}

/* A failure: fatal (exit 2, as supervisord's usage()) for a configured socket. For the
 * default one, somebody else's socket (or file) at its name is a warning; that it cannot
 * be made at all (a non-root tend, no /run) is only said at -v: nobody asked for it. */
/* Remove the private socket TMP (DIR/.tend-XXXXXX/s) and its directory. */
static void drop_private(const char *tmp)
{
	char dir[PATH_MAX];
	unlink(tmp); /* after a rename it is gone already */
	snprintf(dir, sizeof dir, "%s", tmp);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		rmdir(dir);
	}
}

/* PRIVATE: the socket being made, removed before an exit (NULL: none yet). */
static int fail_as(struct tend *t, bool configured, int level, const char *private, const char *fmt, const char *a,
		   const char *b)
{
	char msg[600];
	snprintf(msg, sizeof msg, fmt, a, b);
	if (configured) {
		if (private)
			drop_private(private);
		die(t, 2, "%s", msg);
	}
	say(t, level, "control: %s; no control socket", msg);
	return -1;
}

static int fail(struct tend *t, bool configured, const char *fmt, const char *a, const char *b)
{
	return fail_as(t, configured, V_INFO, NULL, fmt, a, b);
}

/* Put the bound socket TMP at PATH without ever replacing a live one. */
static int take_name(struct tend *t, const char *tmp, const char *path, bool configured)
{
	for (int tries = 0; tries < 3; tries++) {
		if (link(tmp, path) == 0)
			return 0;
		int e = errno;
		if (e != EEXIST && e != EPERM && e != EOPNOTSUPP && e != EMLINK)
			return fail_as(t, configured, V_INFO, tmp, "cannot create %s: %s", path, strerror(e));
		int p = probe(path);
		if (p == 1)
			return fail_as(t, configured, V_WARN, tmp, "%s%s", in_use, "");
		if (p == -2)
			return fail_as(t, configured, V_WARN, tmp, "%s exists and is not a socket%s", path, "");
		if (p == 0) {
			/* supervisord always says it; of tend's own default socket only -v does */
			say(t, configured ? V_WARN : V_INFO, "Unlinking stale socket %s", path);
			if (unlink(path) < 0 && errno != ENOENT)
				return fail_as(t, configured, V_INFO, tmp, "unlink %s: %s", path, errstr());
		}
		/* a file system without hard links: the name is free now, rename into it */
		if (e != EEXIST && rename(tmp, path) == 0)
			return 0;
		if (e != EEXIST)
			return fail_as(t, configured, V_INFO, tmp, "cannot create %s: %s", path, errstr());
	}
	return fail_as(t, configured, V_WARN, tmp, "%s%s", in_use, "");
}

/* Bind and listen at TMP with the final mode and owner. Returns the fd or -1 (errno). */
static int bind_private(const char *tmp, int mode, bool chown_set, uid_t uid, gid_t gid, const char **step)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(tmp);
	if (n >= sizeof sa.sun_path)
		return *step = "bind", errno = ENAMETOOLONG, -1;
	memcpy(sa.sun_path, tmp, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return *step = "socket", -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		*step = "bind";
	else if (chmod(tmp, (mode_t)mode) < 0)
		*step = "chmod";
	else if (chown_set && chown(tmp, uid, gid) < 0)
		*step = "chown";
	else if (listen(fd, BACKLOG) < 0)
		*step = "listen";
	else
		return fd;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

int ctl_listen_unix(struct tend *t, struct listener *l, const char *path, int mode, bool chown_set,
		    uid_t uid, gid_t gid, bool configured)
{
	struct sockaddr_un sa;
	char dir[sizeof sa.sun_path], tmp[sizeof sa.sun_path + 16];
	if (strlen(path) >= sizeof sa.sun_path)
		return fail(t, configured, "socket path too long: %s%s", path, "");
	snprintf(dir, sizeof dir, "%s", path);
	char *d = dirname(dir);
	if (snprintf(tmp, sizeof tmp, "%s/.tend-XXXXXX", d) + 2 >= (int)sizeof sa.sun_path)
		return fail(t, configured, "socket path too long: %s%s", path, "");
	if (!mkdtemp(tmp))
		return fail(t, configured, "cannot create a socket in %s: %s", d, errstr());
	size_t tl = strlen(tmp);
	strcpy(tmp + tl, "/s");
	const char *step = "";
	int fd = bind_private(tmp, mode, chown_set, uid, gid, &step);
	int e = errno, rc = -1;
	if (fd < 0) {
		if (!strcmp(step, "chown") && e == EPERM) {
			char ids[64];
			snprintf(ids, sizeof ids, "(%ld, %ld)", (long)uid, gid == (gid_t)-1 ? -1L : (long)gid);
			drop_private(tmp);
			return fail(t, configured,
				    "Not permitted to chown %s to uid/gid %s; adjust \"sockchown\" value in config file "
				    "or on command line to values that the current user can successfully chown",
				    path, ids);
		}
		char what[64];
		snprintf(what, sizeof what, "%s %%s: %%s", step);
		fail_as(t, configured, V_INFO, tmp, what, path, strerror(e));
	} else if (take_name(t, tmp, path, configured) == 0) {
		rc = 0;
	}
	drop_private(tmp);
	struct stat st;
	if (rc == 0 && lstat(path, &st) < 0) {
		rc = fail(t, configured, "stat %s: %s", path, errstr());
		unlink(path);
	}
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	l->w.fd = fd;
	l->is_unix = true;
	l->path = strdup(path);
	if (!l->path) /* then it could not be removed at exit */
		say(t, V_WARN, "control: out of memory; %s stays after exit", path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	snprintf(l->what, sizeof l->what, "%s", path);
	return 0;
}

void ctl_unlink_ours(struct listener *l)
{
	struct stat st;
	if (l->path && lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	l->path = NULL;
}

/* Numeric addresses only (inet_pton: no resolver is ever linked in, let alone asked);
 * "" or "*" is every IPv4 interface (as supervisord binds ""), "localhost" 127.0.0.1. */
static int inet_addr_of(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (!*host || !strcmp(host, "*"))
		host = "0.0.0.0";
	else if (!strcasecmp(host, "localhost"))
		host = "127.0.0.1";
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	char h6[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
		return 0;
	}
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h6) { /* [::1] */
		memcpy(h6, host + 1, n - 2);
		h6[n - 2] = 0;
		host = h6;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof *v6;
		return 0;
	}
	return -1;
}

/* Python's errno.errorcode names, for supervisord's message (the likely ones). */
static const char *errno_name(int e)
{
	static const struct { /* names inline: 15 bytes an entry (the static size budget) */
		unsigned char e;
		char name[14];
	} names[] = {{EACCES, "EACCES"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
		     {EINVAL, "EINVAL"}, {ENOBUFS, "ENOBUFS"}, {ENOMEM, "ENOMEM"}, {EPERM, "EPERM"},
		     {EMFILE, "EMFILE"}, {ENFILE, "ENFILE"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].e == e)
			return names[i].name;
	return strerror(e);
}

int ctl_listen_inet(struct tend *t, struct listener *l, const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (port <= 0 || port > 65535 || inet_addr_of(host, port, &ss, &len) < 0)
		die(t, 2, "Cannot open an HTTP server: [inet_http_server] port: %s:%d is not a numeric address "
			  "(tend does not resolve host names; use an IP address or localhost)", host, port);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		die(t, 2, "Cannot open an HTTP server: socket: %s", errstr());
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		say(t, V_WARN, "control: SO_REUSEADDR: %s", errstr());
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, BACKLOG) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE)
			die(t, 2, "%s", in_use);
		die(t, 2, "Cannot open an HTTP server: socket.error reported errno.%s (%d)", errno_name(e), e);
	}
	l->w.fd = fd;
	l->is_unix = false;
	snprintf(l->what, sizeof l->what, "%s:%d", *host ? host : "*", port);
	return 0;
}

/* ---- accepting ---- */

void ctl_say_peer(struct tend *t, struct listener *l, int fd)
{
	if (t->opt.verbosity < V_INFO)
		return;
	if (l->is_unix) {
		struct ucred cr;
		socklen_t len = sizeof cr;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
			say(t, V_INFO, "control: connection from pid %d uid %d", (int)cr.pid, (int)cr.uid);
		return;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			ip_text(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host);
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			ip_text(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host);
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	say(t, V_INFO, "control: connection from %s port %d", host, port);
}

static void listen_resume(struct tend *t, struct timer *tm)
{
	struct listener *l = container_of(tm, struct listener, pause);
	loop_events(t, &l->w, EPOLLIN);
}

static void on_listen(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	struct listener *l = container_of(w, struct listener, w);
	for (int i = 0; i < CTL_ACCEPT_BURST; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_admit(t, l, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) { /* EMFILE and the like: do not spin */
			say(t, V_WARN, "control: accept on %s: %s", l->what, errstr());
			loop_events(t, &l->w, EPOLLET); /* nothing until resumed */
			timer_arm(t, &l->pause, ACCEPT_PAUSE_MS, listen_resume);
		}
		break;
	}
}

int ctl_add_listener(struct tend *t, struct ctl_server *s, const struct ctl_listen *cf, bool is_unix,
			bool configured)
{
	struct listener *l = &s->ls[s->nls];
	*l = (struct listener){.srv = s};
	int rc = is_unix ? ctl_listen_unix(t, l, cf->file, cf->chmod, cf->chown_set, cf->uid, cf->gid, configured)
			 : ctl_listen_inet(t, l, cf->host ? cf->host : "", cf->port);
	if (rc < 0)
		return -1;
	if ((cf->username && !(l->username = strdup(cf->username))) ||
	    (cf->password && !(l->password = strdup(cf->password))) ||
	    loop_watch(t, &l->w, l->w.fd, EPOLLIN, on_listen) < 0)
		die(t, 1, "control: %s: %s", l->what, strerror(errno ? errno : ENOMEM));
	s->nls++;
	say(t, V_INFO, "control: listening on %s%s", l->what, l->username ? "" : " (no authentication)");
	return 0;
}
