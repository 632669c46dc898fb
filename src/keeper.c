/* keeper.c — per-service containment without cgroups. A keeper is a forked child of
 * tend that registers as a child subreaper and then forks the service, so every
 * process the service leaves behind (double-forked, setsid'ed) is re-parented to the
 * keeper, not to PID 1. When the main process exits the keeper reports its status,
 * sends the stop signal to everything left, SIGKILLs what remains after stopwaitsecs,
 * reaps it all and only then exits. tend sees "keeper exited" = "service fully gone".
 *
 * The keeper also does what could stall tend's loop: the PATH walk for the command and
 * the user lookup (NSS, network filesystems) happen here, and a failure comes back as
 * K_SPAWNERR. It times startsecs on its own clock, so "RUNNING" and "exited" arrive in
 * the order they happened.
 *
 * The main process sees the keeper as its parent: a signal it sends there (TERM, INT,
 * QUIT, HUP, USR2: `kill(getppid(), ...)`, as listeners that stop supervisord do) goes on
 * to tend, where supervisord would have received it.
 *
 * If a keeper is itself SIGKILLed, its processes are re-parented to tend; service.c
 * collects them as strays of that service and stops them before any restart.
 *
 * In cgroup mode (spec->cgroup, cgroup.c) the cgroup holds the tree instead: the keeper is
 * no subreaper, exits once the main process is reaped, and its SIGKILL step is one write
 * to cgroup.kill; tend stops what is left and waits for "populated 0". */
#include "keeper.h"
#include "cgroup.h"
#include "proctree.h"
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPORT_FD 3
#define CMD_FD 4
#define RECORD_FD 5

struct keeper {
	const struct keeper_spec *k;
	const struct program *p;
	pid_t self, main;
	pid_t tend;     /* its parent: a signal from the main process to it goes there */
	bool main_alive, stopping, killing;
	int cmd, sigfd, stop_tfd, start_tfd;
};

static void report_to(int fd, int type, int a, const char *text)
{
	struct kmsg m = {.type = type, .a = a, .when = now_ms()};
	if (text)
		snprintf(m.text, sizeof m.text, "%s", text);
	while (write(fd, &m, sizeof m) < 0 && errno == EINTR)
		;
}

static void send_msg(int type, int a, const char *text)
{
	report_to(REPORT_FD, type, a, text);
}

static void arm(int tfd, int secs)
{
	struct itimerspec its = {.it_value = {.tv_sec = secs, .tv_nsec = secs ? 0 : 1}};
	timerfd_settime(tfd, 0, &its, NULL);
}

/* To the main process's group (it may not have called setsid yet: then to it). */
static void kill_main(struct keeper *k, bool group, int sig)
{
	if (!group || (kill(-k->main, sig) < 0 && errno == ESRCH))
		kill(k->main, sig);
}

/* Everything below the keeper (the main process is gone when this is used). */
static int signal_leftovers(struct keeper *k, int sig)
{
	return k->p->containment ? tree_signal(k->self, sig, false) : 0;
}

static void stop_main(struct keeper *k)
{
	if (!k->main_alive || k->stopping)
		return;
	k->stopping = true;
	kill_main(k, k->p->stopasgroup, k->p->stopsignal);
	arm(k->stop_tfd, k->p->stopwaitsecs);
}

static void kill_all(struct keeper *k)
{
	k->killing = true;
	int n = 0;
	if (k->main_alive) {
		kill_main(k, k->p->killasgroup, SIGKILL);
		n++;
	}
	n += signal_leftovers(k, SIGKILL);
	if (k->k->cgroup) /* the whole tree at once; -1: tend says "cgroup.kill" */
		n = cgroup_write(k->k->cgroup, "cgroup.kill", "1") < 0 ? n : -1;
	send_msg(K_KILLING, n, NULL);
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
		if (pid != k->main)
			continue;
		k->main_alive = false;
		send_msg(K_EXITED, st, NULL);
		if (!k->p->containment)
			return true; /* leftovers go to tend, as the user asked */
		if (!k->killing && signal_leftovers(k, k->p->stopsignal) > 0)
			arm(k->stop_tfd, k->p->stopwaitsecs);
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
	if (n <= 0) /* tend is gone: clean up and leave */
		k->cmd = -1;
	stop_main(k); /* leftovers of a dead main are already being stopped */
}

/* startsecs passed on the keeper's clock; an exit already queued is reaped first. */
static void on_started(struct keeper *k)
{
	uint64_t x;
	if (read(k->start_tfd, &x, sizeof x) <= 0)
		return;
	if (reap(k))
		_exit(0);
	if (k->main_alive && !k->stopping)
		send_msg(K_RUNNING, 0, NULL);
}

static void __attribute__((noreturn)) keeper_loop(struct keeper *k)
{
	for (;;) {
		struct pollfd pf[4] = {{k->sigfd, POLLIN, 0}, {k->stop_tfd, POLLIN, 0}, {k->start_tfd, POLLIN, 0},
				       {k->cmd, POLLIN, 0}};
		if (poll(pf, k->cmd >= 0 ? 4 : 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pf[0].revents) {
			struct signalfd_siginfo si[8];
			ssize_t n = read(k->sigfd, si, sizeof si);
			for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++) {
				if (si[i].ssi_signo == SIGCHLD)
					continue;
				if (k->main && (pid_t)si[i].ssi_pid == k->main && si[i].ssi_code == SI_USER) {
					if (getppid() == k->tend) /* not whoever adopted us */
						kill(k->tend, (int)si[i].ssi_signo); /* kill(getppid()) meant supervisord */
				}
				else if (si[i].ssi_signo == SIGTERM)
					stop_main(k); /* parent death signal or an explicit TERM */
			}
			if (reap(k))
				_exit(0);
		}
		if (pf[1].revents) {
			uint64_t x;
			if (read(k->stop_tfd, &x, sizeof x) > 0)
				kill_all(k);
			if (reap(k))
				_exit(0);
		}
		if (pf[2].revents)
			on_started(k);
		if (k->cmd >= 0 && pf[3].revents)
			on_command(k);
	}
}

/* Fail before any process exists: tend counts it as a failed start (supervisord's spawnerr). */
static void __attribute__((noreturn)) spawn_error_kind(int kind, const char *fmt, const char *a, const char *b)
{
	char text[240];
	snprintf(text, sizeof text, fmt, a, b);
	send_msg(K_SPAWNERR, kind, text);
	_exit(0);
}

static void __attribute__((noreturn)) spawn_error(const char *fmt, const char *a, const char *b)
{
	spawn_error_kind(SPAWNERR_OTHER, fmt, a, b);
}

static int check_kind(const char *why)
{
	if (!strncmp(why, "can't find command", 18))
		return SPAWNERR_NO_FILE;
	return !strncmp(why, "command at", 10) || !strncmp(why, "no permission", 13) ? SPAWNERR_NOT_EXECUTABLE
											    : SPAWNERR_OTHER;
}

/* The keeper proper; stdio and fds 3 (report) and 4 (cmd) are in place. */
static void __attribute__((noreturn)) keeper_run(const struct keeper_spec *spec)
{
	const struct program *p = &spec->p;
	struct keeper k = {.k = spec, .p = p, .self = getpid(), .tend = getppid(), .cmd = CMD_FD};
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	send_msg(K_HELLO, KEEPER_PROTO | (spec->reexeced ? KEEPER_REEXECED : 0), NULL);
	if (p->containment && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		dprintf(2, "tend: %s: cannot contain the service (subreaper): %s\n", p->name, errstr());
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < 6; i++) /* CHLD; TERM: stop; the rest only as the service's parent (above) */
		sigaddset(&set, (const int[]){SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2}[i]);
	k.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	k.stop_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	k.start_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (k.sigfd < 0 || k.stop_tfd < 0 || k.start_tfd < 0)
		spawn_error("keeper: %s%s", errstr(), "");
	if (spec->start_dir && chdir(spec->start_dir) < 0)
		spawn_error("couldn't chdir to %s: %s", spec->start_dir, errstr());
	struct run_as ru;
	char why[240];
	if (spawn_check(p, &ru, why, sizeof why))
		spawn_error_kind(check_kind(why), "%s%s", why, "");
	k.main = fork();
	if (k.main < 0)
		spawn_error("fork: %s%s", errstr(), "");
	if (k.main == 0)
		exec_service(spec, &ru);
	k.main_alive = true;
	if (p->lc.ready.kind == PROBE_FD)
		close(KEEPER_READY_FD); /* only the service holds the write end: its close is seen */
	send_msg(K_SPAWNED, k.main, NULL);
	if (p->startsecs == 0)
		send_msg(K_RUNNING, 0, NULL);
	else
		arm(k.start_tfd, p->startsecs);
	keeper_loop(&k);
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

/* Give the keeper exactly: 0 stdin (the service's pipe, or /dev/null), 1 out, 2 err,
 * 3 report, 4 cmd, and 6 the readiness pipe if any; close the rest, so no other service's
 * pipe is held open by this keeper. */
static int keeper_fds(const int io[4], int report, int cmd)
{
	int in = io[0] >= 0 ? io[0] : open("/dev/null", O_RDWR | O_CLOEXEC);
	int fds[7] = {in, io[1], io[2], report, cmd, -1, io[3]}, tmp[7], top = io[3] >= 0 ? 7 : 5;
	for (int i = 0; i < top; i++)
		if (i != 5 && (fds[i] < 0 || (tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0))
			return -1;
	for (int i = 0; i < top; i++)
		if (i != 5 && dup3(tmp[i], i, i >= REPORT_FD ? O_CLOEXEC : 0) < 0)
			return -1;
	if (syscall(SYS_close_range, (unsigned)top, ~0U, 0U) < 0)
		close_from_proc(top);
	close(5);
	return 0;
}

/* comm "keep:NAME", and in ps/pgrep -f "tend keeper NAME", so the keeper is never
 * mistaken for tend itself (a re-exec'd keeper gets this from its argv). */
static void keeper_name(struct tend *t, const char *name)
{
	char comm[16];
	snprintf(comm, sizeof comm, "keep:%s", name);
	prctl(PR_SET_NAME, comm);
	if (t && t->argv_len > 1) {
		memset(t->argv_area, 0, t->argv_len);
		snprintf(t->argv_area, t->argv_len, "tend keeper %s", name);
	}
}

/* Re-exec tend as the keeper: a fresh image of a few pages instead of a copy of all of
 * tend's memory (whose RSS grows with the number of services), with tend's own
 * environment (the service's environment= is for the service only). The settings travel
 * in a memfd record on fd 5. Returns only if that is impossible (no memfd, no /proc):
 * the fork then serves as the keeper. If the exec'd image is not a keeper (tend was
 * started through ld.so or valgrind, so /proc/self/exe is that), it never says K_HELLO
 * and tend switches to fork-only keepers. */
static void keeper_exec(const struct keeper_spec *spec)
{
	int fd = memfd_create("tend-keeper", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (keeper_record_write(fd, spec) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
	    (fd != RECORD_FD && dup2(fd, RECORD_FD) < 0)) {
		close(fd);
		return;
	}
	if (fd != RECORD_FD)
		close(fd);
	fcntl(RECORD_FD, F_SETFD, 0);
	fcntl(REPORT_FD, F_SETFD, 0);
	fcntl(CMD_FD, F_SETFD, 0);
	fcntl(KEEPER_READY_FD, F_SETFD, 0); /* EBADF without a readiness pipe */
	char *argv[] = {"tend-keeper", "--keeper", (char *)spec->p.name, NULL};
	execv("/proc/self/exe", argv);
	fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC);
	fcntl(CMD_FD, F_SETFD, FD_CLOEXEC);
	fcntl(KEEPER_READY_FD, F_SETFD, FD_CLOEXEC);
	close(RECORD_FD);
}

/* Bounded: a record is at most a few MiB (the config's own limits). */
static char *read_record(size_t *len)
{
	struct stat st;
	if (fstat(RECORD_FD, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (256 << 20))
		return NULL;
	char *buf = malloc((size_t)st.st_size);
	size_t off = 0;
	while (buf && off < (size_t)st.st_size) {
		ssize_t n = read(RECORD_FD, buf + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(RECORD_FD);
	*len = off;
	return off == (size_t)st.st_size ? buf : NULL;
}

int keeper_exec_main(int argc, char **argv)
{
	static struct keeper_spec spec;
	size_t len;
	const char *why = "cannot read the keeper record";
	char *rec = argc == 3 && argv[2][0] && fcntl(REPORT_FD, F_GETFD) >= 0 ? read_record(&len) : NULL;
	if (!rec || keeper_record_read(rec, len, &spec, &why) < 0) {
		dprintf(2, "tend: --keeper is internal to tend (%s)\n", why);
		return 2;
	}
	fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC);
	fcntl(CMD_FD, F_SETFD, FD_CLOEXEC);
	fcntl(KEEPER_READY_FD, F_SETFD, FD_CLOEXEC);
	spec.reexeced = true;
	keeper_name(NULL, spec.p.name);
	keeper_run(&spec);
}

/* Two pipes, not a socket: a report written just before the keeper exits is never
 * lost (a socket closed with unread data resets its peer). */
pid_t keeper_spawn(struct tend *t, const struct keeper_spec *spec, const int fds[4], int *report, int *cmd)
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
	if (pid == 0) {
		if (keeper_fds(fds, rp[1], cp[0]) < 0) {
			char why[128];
			snprintf(why, sizeof why, "keeper: file descriptors: %s", errstr());
			report_to(rp[1], K_SPAWNERR, 0, why);
			_exit(1);
		}
		if (!t->keeper_fork_only)
			keeper_exec(spec);
		keeper_name(t, spec->p.name);
		keeper_run(spec);
	}
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
