/* notify.c — systemd's sd_notify protocol: one datagram socket for all services, in the
 * abstract namespace (nothing on disk, so read-only root filesystems work), made when the
 * first service needs it. The kernel attaches each sender's credentials (SO_PASSCRED), so
 * a message is the service's whose main process sent it, or whose keeper the sender
 * descends from (NotifyAccess=all: any process of the service's tree). A front door: what
 * it learns goes to service.c (svc_ready, svc_start_failed) and health.c. */
#include "service.h"
#include "keeper.h"
#include "notify_msg.h"
#include "proctree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_MSG_MAX 4096 /* a datagram; longer ones are cut (the kernel drops the rest) */
#define NOTIFY_PER_TURN 64  /* datagrams read per event: a flood cannot hold the loop */
#define ANCESTRY_MAX 32     /* parents walked to find the service of a helper process */

static struct svc *sender_service(struct tend *t, pid_t pid)
{
	for (int depth = 0; pid > 1 && depth < ANCESTRY_MAX; depth++) {
		for (int i = 0; i < t->nsvcs; i++) {
			struct svc *s = t->svcs[i];
			if ((s->pid == pid && s->keeper) || s->keeper == pid)
				return s;
		}
		pid = proc_parent(pid);
	}
	return NULL;
}

static void set_text(char *dst, size_t len, const char *v)
{
	size_t i = 0;
	for (; v[i] && i < len - 1; i++)
		dst[i] = (unsigned char)v[i] < ' ' ? ' ' : v[i];
	dst[i] = 0;
}

/* What a message from S says, in the order that keeps one datagram with "RELOADING=1" and
 * "READY=1" meaning "reloaded". */
static void apply(struct tend *t, struct svc *s, const struct notify_msg *m)
{
	struct svc_life *l = &s->life;
	if (m->status)
		set_text(l->status, sizeof l->status, m->status);
	if (m->errno_value >= 0)
		l->notify_errno = m->errno_value > 4095 ? 4095 : (int)m->errno_value;
	if (m->mainpid > 1 && m->mainpid < (1LL << 31))
		s->pid = (pid_t)m->mainpid; /* shown as the service's pid; the keeper still holds the tree */
	if (m->reloading)
		l->reloading = true;
	if (m->stopping)
		l->notify_stopping = true;
	if (m->extend_usec >= 0 && l->ready_tm.armed && now_ms() + (uint64_t)m->extend_usec / 1000 > l->ready_tm.due)
		timer_arm(t, &l->ready_tm, (uint64_t)m->extend_usec / 1000, l->ready_tm.fn);
	if (m->watchdog_usec > 0)
		l->watchdog = m->watchdog_usec / 1000 ? m->watchdog_usec / 1000 : 1;
	if (m->ready) {
		if (l->reloading)
			say(t, V_INFO, "%s: reloaded", s->p->name);
		svc_ready(t, s);
	}
	if (m->watchdog == WD_PING || m->watchdog_usec > 0)
		health_watchdog_fed(t, s);
	else if (m->watchdog == WD_TRIGGER)
		health_watchdog_failed(t, s, "WATCHDOG=trigger");
}

static void notify_readable(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < NOTIFY_PER_TURN; i++) {
		char buf[NOTIFY_MSG_MAX + 1];
		union {
			struct cmsghdr h;
			char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
		} ctl;
		struct iovec iov = {buf, NOTIFY_MSG_MAX};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl};
		ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				say(t, V_WARN, "sd_notify socket: %s", errstr());
			return;
		}
		buf[n > NOTIFY_MSG_MAX ? NOTIFY_MSG_MAX : n] = 0;
		pid_t pid = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				pid = ((struct ucred *)CMSG_DATA(c))->pid;
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) /* fd store: not kept */
				for (int *fd = (int *)CMSG_DATA(c); (char *)fd < (char *)c + c->cmsg_len; fd++)
					close(*fd);
		}
		struct svc *s = pid ? sender_service(t, pid) : NULL;
		struct notify_msg m;
		notify_parse(buf, (size_t)(n > NOTIFY_MSG_MAX ? NOTIFY_MSG_MAX : n), &m);
		if (s)
			apply(t, s, &m);
		else
			say(t, V_DEBUG, "sd_notify: message from pid %d, which is no service's: ignored", (int)pid);
	}
}

static int notify_open(struct tend *t)
{
	if (t->notifyw.fd >= 0)
		return 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	/* unique per tend (tests run many tends, each PID 1, in one network namespace) */
	int len = snprintf(t->notify_name, sizeof t->notify_name, "@tend/notify/%d/%lx", (int)getpid(),
			   (unsigned long)(ts.tv_sec * 1000000000L + ts.tv_nsec));
	memcpy(sa.sun_path + 1, t->notify_name + 1, (size_t)len - 1);
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)len);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, salen) < 0 || loop_watch(t, &t->notifyw, fd, EPOLLIN, notify_readable) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		t->notifyw.fd = -1;
		errno = e;
		return -1;
	}
	say(t, V_INFO, "sd_notify socket %s", t->notify_name);
	return 0;
}

char **notify_env(struct tend *t, struct svc *s)
{
	if (notify_open(t) < 0)
		return NULL;
	size_t n = 0;
	while (s->p->env && s->p->env[n])
		n++;
	char **env = malloc((n + 3) * sizeof *env + 2 * 80);
	if (!env)
		return NULL;
	char *sock = (char *)(env + n + 3), *wd = sock + 80;
	if (n)
		memcpy(env, s->p->env, n * sizeof *env);
	snprintf(sock, 80, "NOTIFY_SOCKET=%s", t->notify_name);
	env[n++] = sock;
	if (s->p->lc.watchdog) { /* no WATCHDOG_PID: the main process's pid is not known before its fork */
		snprintf(wd, 80, "WATCHDOG_USEC=%lld", s->p->lc.watchdog * 1000);
		env[n++] = wd;
	}
	env[n] = NULL;
	return env;
}

void notify_close(struct tend *t)
{
	if (t->notifyw.fd < 0)
		return;
	loop_unwatch(t, &t->notifyw);
	close(t->notifyw.fd);
	t->notifyw.fd = -1;
}
