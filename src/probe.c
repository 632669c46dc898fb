/* probe.c — one check at a time, every INTERVAL, each bounded by TIMEOUT, all in the
 * loop: a TCP connect (non-blocking), an HTTP/1.1 GET whose status line must say 2xx or
 * 3xx, or a shell command run through a keeper exactly like a service (user, directory,
 * environment, its whole tree stopped and reaped), whose exit status 0 is a pass. The
 * next check is scheduled only once the previous one is over: checks never overlap. */
#include "service.h"
#include "keeper.h"
#include "proctree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEPER_GRACE_MS 2000 /* a probe's keeper that outlives its K_STOP by this is killed */

static void run_check(struct tend *t, struct probe *pr);

static void close_sock(struct tend *t, struct probe *pr)
{
	if (pr->sock.fd < 0)
		return;
	loop_unwatch(t, &pr->sock);
	close(pr->sock.fd);
	pr->sock.fd = -1;
}

static void next_fired(struct tend *t, struct timer *tm)
{
	run_check(t, container_of(tm, struct probe, next_tm));
}

/* The check is over (and, for a command, every process of it reaped). */
static void finish(struct tend *t, struct probe *pr, bool ok, const char *why)
{
	close_sock(t, pr);
	timer_cancel(t, &pr->timeout_tm);
	pr->busy = false;
	if (!pr->on)
		return;
	timer_arm(t, &pr->next_tm, (uint64_t)pr->interval, next_fired);
	pr->done(t, pr, ok, why); /* last: it may stop this probe */
}

/* ---- TCP and HTTP ---- */

static void http_read(struct tend *t, struct probe *pr)
{
	for (;;) {
		ssize_t n = read(pr->sock.fd, pr->reply + pr->got, sizeof pr->reply - 1 - pr->got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n > 0)
			pr->got += (size_t)n;
		pr->reply[pr->got] = 0;
		if (n > 0 && !strchr(pr->reply, '\n') && pr->got < sizeof pr->reply - 1)
			continue; /* the status line is not complete yet */
		/* "HTTP/1.x NNN ..." */
		int code = 0;
		if (!strncmp(pr->reply, "HTTP/1.", 7) && pr->reply[8] == ' ')
			code = atoi(pr->reply + 9);
		char why[100];
		if (n < 0)
			snprintf(why, sizeof why, "read: %s", errstr());
		else if (code)
			snprintf(why, sizeof why, "HTTP status %d", code);
		else
			snprintf(why, sizeof why, "not an HTTP answer");
		finish(t, pr, code >= 200 && code < 400, why);
		return;
	}
}

static void http_send(struct tend *t, struct probe *pr)
{
	char req[1024];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nUser-Agent: tend\r\nConnection: close\r\n\r\n",
			 pr->spec->arg, strchr(pr->spec->host, ':') ? "[" : "", pr->spec->host,
			 strchr(pr->spec->host, ':') ? "]" : "", pr->spec->port);
	/* a fresh connection's send buffer takes a request this small at once */
	if (n >= (int)sizeof req || send(pr->sock.fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		finish(t, pr, false, n >= (int)sizeof req ? "URL too long" : "send failed");
		return;
	}
	pr->got = 0;
	loop_events(t, &pr->sock, EPOLLIN);
}

static void sock_ready(struct tend *t, struct watch *w, uint32_t events)
{
	struct probe *pr = container_of(w, struct probe, sock);
	(void)events;
	if (pr->got || w->events == EPOLLIN) {
		http_read(t, pr);
		return;
	}
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	char why[100];
	snprintf(why, sizeof why, "connect: %s", strerror(err));
	if (err || pr->spec->kind == PROBE_TCP)
		finish(t, pr, !err, err ? why : "connected");
	else
		http_send(t, pr);
}

static void start_connect(struct tend *t, struct probe *pr)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof *v4;
	if (inet_pton(AF_INET, pr->spec->host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)pr->spec->port);
	} else {
		inet_pton(AF_INET6, pr->spec->host, &v6->sin6_addr); /* checked at load */
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)pr->spec->port);
		len = sizeof *v6;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char why[100];
	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)) {
		snprintf(why, sizeof why, "%s: %s", fd < 0 ? "socket" : "connect", errstr());
		if (fd >= 0)
			close(fd);
		finish(t, pr, false, why);
		return;
	}
	pr->got = 0;
	if (loop_watch(t, &pr->sock, fd, EPOLLOUT, sock_ready) < 0) {
		close(fd);
		finish(t, pr, false, "epoll failed");
	}
}

/* ---- a command, through a keeper ---- */

static void close_report(struct tend *t, struct probe *pr)
{
	if (pr->report.fd < 0)
		return;
	loop_unwatch(t, &pr->report);
	close(pr->report.fd);
	pr->report.fd = -1;
}

static void close_keeper_fds(struct tend *t, struct probe *pr)
{
	close_report(t, pr);
	if (pr->cmd_fd >= 0)
		close(pr->cmd_fd);
	pr->cmd_fd = -1;
}

static void keeper_report(struct tend *t, struct watch *w, uint32_t events)
{
	struct probe *pr = container_of(w, struct probe, report);
	struct kmsg m;
	(void)events;
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(w->fd, &m, sizeof m);
		if (n < 0 && (errno == EINTR))
			continue;
		if (n != (ssize_t)sizeof m) {
			if (n < 0 && errno == EAGAIN)
				return;
			close_report(t, pr); /* EOF: the keeper is gone; its reap ends the check */
			return;
		}
		if (m.type == K_EXITED)
			pr->exited = true, pr->status = m.a;
		else if (m.type == K_SPAWNERR)
			m.text[sizeof m.text - 1] = 0, snprintf(pr->why, sizeof pr->why, "%s", m.text);
	}
}

static void start_command(struct tend *t, struct probe *pr)
{
	const struct program *p = pr->s->p;
	char *argv[] = {"/bin/sh", "-c", pr->spec->arg, NULL};
	struct keeper_spec spec = {.p = *p, .start_dir = t->start_dir, .nofile = t->svc_nofile, .nproc = t->svc_nproc};
	snprintf(pr->name, sizeof pr->name, "probe:%s", p->name);
	spec.p.name = pr->name;
	spec.p.argv = argv;
	spec.p.startsecs = 0;
	spec.p.stopsignal = SIGKILL; /* a check that overran is not asked politely */
	spec.p.stopwaitsecs = 0;
	spec.p.stopasgroup = spec.p.killasgroup = spec.p.containment = true;
	spec.p.lc.ready.kind = PROBE_NONE;
	pr->exited = pr->timed_out = false;
	pr->why[0] = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), report;
	pr->keeper = null < 0 ? -1 : keeper_spawn(t, &spec, (int[]){-1, null, null, -1}, &report, &pr->cmd_fd);
	if (null >= 0)
		close(null);
	if (pr->keeper < 0) {
		pr->keeper = 0;
		snprintf(pr->why, sizeof pr->why, "fork: %s", errstr());
		finish(t, pr, false, pr->why);
		return;
	}
	if (loop_watch(t, &pr->report, report, EPOLLIN, keeper_report) < 0)
		say(t, V_WARN, "%s: epoll: %s", p->name, errstr());
}

static void stop_command(struct tend *t, struct probe *pr)
{
	struct kmsg m = {.type = K_STOP};
	if (pr->cmd_fd >= 0 && write(pr->cmd_fd, &m, sizeof m) < 0 && errno != EPIPE)
		tree_signal(pr->keeper, SIGKILL, true);
	(void)t;
}

bool probe_owns(const struct probe *pr, pid_t pid)
{
	return pr->keeper > 0 && pr->keeper == pid;
}

bool probe_reap(struct tend *t, struct probe *pr, pid_t pid, int wstatus)
{
	if (!probe_owns(pr, pid))
		return false;
	(void)wstatus;
	pr->keeper = 0;
	if (pr->report.fd >= 0)
		keeper_report(t, &pr->report, EPOLLIN); /* what it said last */
	close_keeper_fds(t, pr);
	char why[sizeof pr->why];
	if (pr->timed_out)
		snprintf(why, sizeof why, "timed out after %lld ms (killed)", pr->timeout);
	else if (!pr->exited)
		snprintf(why, sizeof why, "%s", pr->why[0] ? pr->why : "its keeper died");
	else if (WIFSIGNALED(pr->status))
		snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(pr->status));
	else
		snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(pr->status));
	finish(t, pr, pr->exited && !pr->timed_out && WIFEXITED(pr->status) && !WEXITSTATUS(pr->status), why);
	return true;
}

/* ---- scheduling ---- */

static void timeout_fired(struct tend *t, struct timer *tm)
{
	struct probe *pr = container_of(tm, struct probe, timeout_tm);
	char why[80];
	if (pr->keeper > 0) { /* the result comes with its reap */
		if (!pr->timed_out) {
			pr->timed_out = true;
			stop_command(t, pr);
			timer_arm(t, &pr->timeout_tm, KEEPER_GRACE_MS, timeout_fired);
		} else {
			tree_signal(pr->keeper, SIGKILL, true);
		}
		return;
	}
	snprintf(why, sizeof why, "timed out after %lld ms", pr->timeout);
	finish(t, pr, false, why);
}

static void run_check(struct tend *t, struct probe *pr)
{
	if (pr->busy || !pr->on)
		return;
	pr->busy = true;
	timer_arm(t, &pr->timeout_tm, (uint64_t)pr->timeout, timeout_fired);
	if (pr->spec->kind == PROBE_EXEC)
		start_command(t, pr);
	else
		start_connect(t, pr);
}

void probe_start(struct tend *t, struct probe *pr, struct svc *s, const struct probe_spec *spec, long long interval,
		 long long timeout, probe_done_fn *done)
{
	probe_stop(t, pr); /* a command still dying keeps its keeper fields until its reap */
	pr->s = s;
	pr->spec = spec;
	pr->interval = interval;
	pr->timeout = timeout;
	pr->done = done;
	pr->on = true;
	timer_arm(t, &pr->next_tm, (uint64_t)interval, next_fired);
}

/* No more checks. A command in flight is killed through its keeper; its reap is still
 * collected here (probe_reap), so it never becomes an unknown child. */
void probe_stop(struct tend *t, struct probe *pr)
{
	pr->on = false;
	timer_cancel(t, &pr->next_tm);
	close_sock(t, pr);
	if (pr->keeper > 0) {
		pr->timed_out = true;
		stop_command(t, pr);
		timer_arm(t, &pr->timeout_tm, KEEPER_GRACE_MS, timeout_fired);
	} else {
		timer_cancel(t, &pr->timeout_tm);
		pr->busy = false;
	}
}

/* The service goes away: nothing of the probe may outlive it (its keeper's reap will be
 * an unknown child's). */
void probe_forget(struct tend *t, struct probe *pr)
{
	probe_stop(t, pr);
	timer_cancel(t, &pr->timeout_tm);
	if (pr->keeper > 0)
		tree_signal(pr->keeper, SIGKILL, true);
	pr->keeper = 0;
	close_keeper_fds(t, pr);
}
