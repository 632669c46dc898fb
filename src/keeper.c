/* keeper.c — per-service containment without cgroups. A keeper is a forked child of
 * tend that registers as a child subreaper and then forks the service, so every
 * process the service leaves behind (double-forked, setsid'ed) is re-parented to the
 * keeper, not to PID 1. When the main process exits the keeper reports its status,
 * sends the stop signal to everything left, SIGKILLs what remains after stopwaitsecs,
 * reaps it all and only then exits. tend sees "keeper exited" = "service fully gone".
 *
 * If a keeper is itself SIGKILLed, its processes are re-parented to tend; service.c
 * collects them as strays of that service and stops them before any restart. */
#include "keeper.h"
#include "signame.h"
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

int kill_tree(pid_t root, int sig);

struct keeper {
	const struct program *p;
	pid_t self, main;
	bool main_alive, stopping, killing;
	int report, cmd, sigfd, timerfd; /* report: to tend; cmd: from tend */
};

static void send_msg(struct keeper *k, int type, int a)
{
	struct kmsg m = {.type = type, .a = a, .when = now_ms()};
	while (write(k->report, &m, sizeof m) < 0 && errno == EINTR)
		;
}

static void arm(struct keeper *k, int secs)
{
	struct itimerspec its = {.it_value = {.tv_sec = secs, .tv_nsec = secs ? 0 : 1}};
	timerfd_settime(k->timerfd, 0, &its, NULL);
}

/* To the main process's group (it may not have called setsid yet: then to it). */
static void kill_main(struct keeper *k, bool group, int sig)
{
	if (!group || (kill(-k->main, sig) < 0 && errno == ESRCH))
		kill(k->main, sig);
}

/* Everything below the keeper except the main process. */
static int signal_leftovers(struct keeper *k, int sig)
{
	return k->p->containment ? kill_tree(k->self, sig) : 0;
}

static void stop_main(struct keeper *k)
{
	if (!k->main_alive || k->stopping)
		return;
	k->stopping = true;
	kill_main(k, k->p->stopasgroup, k->p->stopsignal);
	arm(k, k->p->stopwaitsecs);
}

static void kill_all(struct keeper *k)
{
	k->killing = true;
	if (k->main_alive)
		kill_main(k, k->p->killasgroup, SIGKILL);
	signal_leftovers(k, SIGKILL);
}

/* Reap; returns true when nothing is left below the keeper. */
static bool reap(struct keeper *k)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return true; /* ECHILD: all gone */
		if (pid == 0)
			break;
		if (pid == k->main) {
			k->main_alive = false;
			send_msg(k, K_EXITED, st);
			if (!k->p->containment)
				return true; /* leftovers go to tend, as the user asked */
			if (!k->killing && signal_leftovers(k, k->p->stopsignal) > 0)
				arm(k, k->p->stopwaitsecs);
		}
	}
	if (k->killing)
		signal_leftovers(k, SIGKILL); /* what forked or re-parented meanwhile */
	return false;
}

static void on_command(struct keeper *k)
{
	struct kmsg m;
	ssize_t n = read(k->cmd, &m, sizeof m);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof m && m.type == K_SIGNAL) {
		if (k->main_alive)
			kill(k->main, m.a);
		return;
	}
	if (n == 0) /* tend is gone: clean up and leave */
		k->cmd = -1;
	stop_main(k); /* leftovers of a dead main are already being stopped */
}

static void keeper_loop(struct keeper *k)
{
	for (;;) {
		struct pollfd pf[3] = {{k->sigfd, POLLIN, 0}, {k->timerfd, POLLIN, 0}, {k->cmd, POLLIN, 0}};
		if (poll(pf, k->cmd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pf[0].revents) {
			struct signalfd_siginfo si[8];
			ssize_t n = read(k->sigfd, si, sizeof si);
			for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++)
				if (si[i].ssi_signo != SIGCHLD)
					stop_main(k); /* parent death signal or an explicit TERM */
			if (reap(k))
				_exit(0);
		}
		if (pf[1].revents) {
			uint64_t x;
			if (read(k->timerfd, &x, sizeof x) > 0)
				kill_all(k);
			if (reap(k))
				_exit(0);
		}
		if (k->cmd >= 0 && pf[2].revents)
			on_command(k);
	}
}

/* Before Linux 5.9 (or in gVisor): close what /proc/self/fd lists. */
static void close_from_proc(int lowest)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (atoi(e->d_name) >= lowest && atoi(e->d_name) != self)
			close(atoi(e->d_name));
	closedir(d);
}

/* Give the keeper exactly: 0 /dev/null, 1 out, 2 err, 3 report, 4 cmd; close the
 * rest, so no other service's pipe is held open by this keeper. */
static int keeper_fds(int out, int err, int report, int cmd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fds[5] = {null, out, err, report, cmd}, tmp[5];
	for (int i = 0; i < 5; i++)
		if (fds[i] < 0 || (tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			return -1;
	for (int i = 0; i < 5; i++)
		if (dup2(tmp[i], i) < 0)
			return -1;
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(4, F_SETFD, FD_CLOEXEC);
	if (syscall(SYS_close_range, 5U, ~0U, 0U) < 0)
		close_from_proc(5);
	return 0;
}

/* comm "keep:NAME", and in ps/pgrep -f "tend keeper NAME", so the keeper is never
 * mistaken for tend itself */
static void keeper_name(struct tend *t, const char *name)
{
	char comm[16];
	snprintf(comm, sizeof comm, "keep:%s", name);
	prctl(PR_SET_NAME, comm);
	if (t->argv_len > 1) {
		memset(t->argv_area, 0, t->argv_len);
		snprintf(t->argv_area, t->argv_len, "tend keeper %s", name);
	}
}

/* The keeper proper; stdio and fds 3 (report) and 4 (cmd) are in place. */
static void keeper_run(struct tend *t, const struct program *p)
{
	struct keeper k = {.p = p, .self = getpid(), .report = 3, .cmd = 4};
	keeper_name(t, p->name);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (p->containment && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		dprintf(2, "tend: %s: cannot contain the service (subreaper): %s\n", p->name, strerror(errno));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	k.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	k.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (k.sigfd < 0 || k.timerfd < 0)
		_exit(1);
	k.main = fork();
	if (k.main < 0) {
		dprintf(2, "tend: %s: fork: %s\n", p->name, strerror(errno));
		_exit(1);
	}
	if (k.main == 0)
		exec_service(t, p);
	k.main_alive = true;
	send_msg(&k, K_SPAWNED, k.main);
	keeper_loop(&k);
}

/* Re-exec tend as the keeper: a fresh image of a few pages instead of a copy of all of
 * tend's memory (whose RSS grows with the number of services). The service's
 * environment is set here and passes through; the rest travels in argv:
 *   tend --keeper NAME GROUP SIG,WAIT,STOPGRP,KILLGRP,CONTAIN,UMASK USER DIR -- CMD...
 * Returns only if the exec failed (no /proc): the fork then serves as the keeper. */
static void keeper_exec(struct tend *t, const struct program *p)
{
	if (getenv("TEND_KEEPER_FORK_ONLY")) /* the fallback, on purpose (tests) */
		return;
	setenv("SUPERVISOR_ENABLED", "1", 1);
	setenv("SUPERVISOR_PROCESS_NAME", p->name, 1);
	setenv("SUPERVISOR_GROUP_NAME", p->group, 1);
	for (char **e = p->env; e && *e; e++)
		putenv(*e); /* our private copy of the string after fork */
	if (t->nofile.rlim_cur)
		setrlimit(RLIMIT_NOFILE, &t->nofile); /* tend raised its own limit, not theirs */
	int n = 0;
	while (p->argv[n])
		n++;
	char nums[96], **argv = calloc((size_t)n + 9, sizeof *argv);
	if (!argv)
		return;
	snprintf(nums, sizeof nums, "%d,%d,%d,%d,%d,%d", p->stopsignal, p->stopwaitsecs, p->stopasgroup,
		 p->killasgroup, p->containment, p->umask);
	char *head[8] = {"tend-keeper", "--keeper", p->name, p->group, nums, p->user ? p->user : "",
			 p->directory ? p->directory : "", "--"};
	memcpy(argv, head, sizeof head);
	memcpy(argv + 8, p->argv, (size_t)n * sizeof *argv);
	fcntl(3, F_SETFD, 0);
	fcntl(4, F_SETFD, 0);
	execv("/proc/self/exe", argv);
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(4, F_SETFD, FD_CLOEXEC);
	free(argv);
}

/* main() of `tend --keeper ...` (see keeper_exec). */
int keeper_exec_main(int argc, char **argv)
{
	static struct tend t;
	struct program p = {0};
	long v[6];
	char *end = argc >= 9 && !strcmp(argv[7], "--") ? argv[4] : NULL;
	for (int i = 0; end && i < 6; i++) {
		v[i] = strtol(end, &end, 10);
		if (i < 5 && *end++ != ',')
			end = NULL;
	}
	if (!end || *end) {
		dprintf(2, "tend: --keeper is internal to tend\n");
		return 2;
	}
	p.name = argv[2];
	p.group = argv[3];
	p.stopsignal = (int)v[0], p.stopwaitsecs = (int)v[1];
	p.stopasgroup = v[2], p.killasgroup = v[3], p.containment = v[4];
	p.umask = (int)v[5];
	p.user = *argv[5] ? argv[5] : NULL;
	p.directory = *argv[6] ? argv[6] : NULL;
	p.argv = argv + 8;
	t.name = "tend";
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(4, F_SETFD, FD_CLOEXEC);
	keeper_run(&t, &p);
	return 1;
}

static void keeper_main(struct tend *t, const struct program *p, int out, int err, int report, int cmd)
{
	if (keeper_fds(out, err, report, cmd) < 0) {
		dprintf(2, "tend: keeper for %s: %s\n", p->name, strerror(errno));
		_exit(1);
	}
	keeper_exec(t, p);
	keeper_run(t, p);
}

/* Two pipes, not a socket: a report written just before the keeper exits is never
 * lost (a socket closed with unread data resets its peer). */
pid_t keeper_spawn(struct tend *t, const struct program *p, int out, int err, int *report, int *cmd)
{
	int rp[2], cp[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(cp, O_CLOEXEC) < 0) {
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0)
		keeper_main(t, p, out, err, rp[1], cp[0]);
	close(rp[1]);
	close(cp[0]);
	if (pid < 0) {
		close(rp[0]);
		close(cp[1]);
		return -1;
	}
	fcntl(rp[0], F_SETFL, O_NONBLOCK);
	fcntl(cp[1], F_SETFL, O_NONBLOCK);
	*report = rp[0];
	*cmd = cp[1];
	return pid;
}
