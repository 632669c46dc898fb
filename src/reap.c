/* reap.c — waiting for every child (ours and adopted orphans), and ending the rest
 * of the tree when the main child is gone: SIGTERM, a grace period, SIGKILL, and exit
 * the moment waitpid reports no child left. */
#include "tend.h"
#include "signame.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int exit_code_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

static pid_t read_ppid(int dirfd, const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "%s/stat", pid);
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -1;
	return (pid_t)atoi(p + 4);
}

static int kill_tree_scan(pid_t root, int sig);

struct pids {
	pid_t *v;
	size_t n, cap;
};

static bool pids_push(struct pids *q, pid_t pid)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		pid_t *v = realloc(q->v, cap * sizeof *v);
		if (!v)
			return false;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = pid;
	return true;
}

/* Parse "12 345 6789 " (a children file) into q, chunk by chunk. */
static void push_pid_list(struct pids *q, int fd)
{
	char buf[1024];
	long cur = -1;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				cur = (cur < 0 ? 0 : cur * 10) + (buf[i] - '0');
			} else if (cur >= 0) {
				pids_push(q, (pid_t)cur);
				cur = -1;
			}
		}
	if (cur >= 0)
		pids_push(q, (pid_t)cur);
}

/* Append pid's children (every thread's /proc/PID/task/TID/children) to q. */
static void push_children(struct pids *q, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return; /* gone meanwhile */
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "%.20s/children", e->d_name);
		int fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			push_pid_list(q, fd);
			close(fd);
		}
	}
	closedir(d);
}

/* Signal every descendant of `root`. Walks the children links from root down, so the
 * cost follows the size of the tree, not of the machine (a keeper on a crowded host).
 * A child that forks or is re-parented meanwhile is caught by the callers' next round. */
int kill_tree(pid_t root, int sig)
{
	static int have_children_files = -1;
	if (have_children_files < 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
		have_children_files = access(path, R_OK) == 0;
	}
	if (!have_children_files)
		return kill_tree_scan(root, sig);
	struct pids q = {0};
	int count = 0;
	push_children(&q, root);
	for (size_t i = 0; i < q.n; i++) {
		if (kill(q.v[i], sig) == 0)
			count++;
		push_children(&q, q.v[i]);
	}
	free(q.v);
	return count;
}

/* Without CONFIG_PROC_CHILDREN: every process's parent link, from all of /proc. */
static int kill_tree_scan(pid_t root, int sig)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	size_t n = 0, cap = 256;
	pid_t(*pp)[2] = malloc(cap * sizeof *pp);
	struct dirent *e;
	while (pp && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid_t ppid = read_ppid(dirfd(d), e->d_name);
		if (ppid <= 0)
			continue;
		if (n == cap) {
			void *np = realloc(pp, (cap *= 2) * sizeof *pp);
			if (!np)
				break;
			pp = np;
		}
		pp[n][0] = (pid_t)atoi(e->d_name);
		pp[n][1] = ppid;
		n++;
	}
	closedir(d);
	if (!pp)
		return -1;
	/* breadth first: pp[i][1] marks visited entries with -1 once signalled */
	pid_t *queue = malloc((n + 1) * sizeof *queue);
	int count = 0;
	size_t head = 0, tail = 0;
	if (queue)
		queue[tail++] = root;
	while (queue && head < tail) {
		pid_t parent = queue[head++];
		for (size_t i = 0; i < n; i++)
			if (pp[i][1] == parent) {
				pp[i][1] = -1;
				queue[tail++] = pp[i][0];
				if (kill(pp[i][0], sig) == 0)
					count++;
			}
	}
	free(queue);
	free(pp);
	return count;
}

int kill_descendants(struct tend *t, int sig)
{
	if (t->pid1) /* everything in our namespace but us */
		return kill(-1, sig) == 0 ? 1 : 0;
	int n = kill_tree(t->self, sig);
	if (n < 0)
		say(t, V_WARN, "cannot list processes in /proc: %s", strerror(errno));
	return n;
}

static void grace_expired(struct tend *t, struct timer *tm)
{
	(void)tm;
	say(t, V_INFO, "grace period over: sending SIGKILL to the remaining processes");
	t->killing = true;
	kill_descendants(t, SIGKILL);
}

/* dumb-init's final SIGTERM goes through its rewrite table (-r 15:0 cancels it). */
static int last_signal(struct tend *t)
{
	int sig = SIGTERM;
	if (t->opt.persona == PERSONA_DUMB_INIT && t->opt.rewrite[SIGTERM] >= 0) {
		sig = t->opt.rewrite[SIGTERM];
		dumb_say(t, "Translating signal %d to %d.", SIGTERM, sig);
	}
	if (sig)
		dumb_say(t, "Forwarded signal %d to children.", sig);
	else
		dumb_say(t, "Not forwarding signal %d to children (ignored).", sig);
	return sig;
}

/* The main work is over; ask everything still running to end. */
void drain_start(struct tend *t)
{
	if (t->draining)
		return;
	t->draining = true;
	int sig = last_signal(t);
	if (sig) {
		say(t, V_INFO, "sending SIG%s to the remaining processes", sig_name(sig));
		kill_descendants(t, sig);
	}
	timer_arm(t, &t->grace, (uint64_t)t->opt.grace_ms, grace_expired);
}

/* tini and dumb-init exit the moment their child is gone. As PID 1 that is a bug (the
 * kernel SIGKILLs the rest at once), so tend drains instead; elsewhere nothing follows
 * their exit, and a drop-in must leave the other processes alone as they do. */
static bool ends_with_main_child(const struct tend *t)
{
	return !t->pid1 && !t->cfg && t->opt.persona != PERSONA_TEND;
}

/* dumb-init: SIGTERM to the child's group in setsid mode, then exit. (Its single-child
 * mode signals the reaped pid, which may be reused by then: tend sends nothing.) */
static void end_with_main_child(struct tend *t)
{
	int sig = t->opt.persona == PERSONA_DUMB_INIT ? last_signal(t) : 0;
	if (sig && t->opt.setsid && kill(-t->child, sig) < 0 && errno != ESRCH)
		say(t, V_WARN, "kill(-%d, %s): %s", (int)t->child, sig_name(sig), strerror(errno));
	exec_child_done(t);
}

static void say_reaped(struct tend *t, pid_t pid, int st)
{
	if (WIFSIGNALED(st))
		dumb_say(t, "A child with PID %d was terminated by signal %d.", (int)pid, WTERMSIG(st));
	else
		dumb_say(t, "A child with PID %d exited with exit status %d.", (int)pid, exit_code_of(st));
}

static void child_stopped(struct tend *t, int sig)
{
	say(t, V_DEBUG, "child stopped by %s", sig_name(sig));
	if (!t->tty_fg || t->opt.persona == PERSONA_DUMB_INIT)
		return; /* someone stopped it on purpose: they can send SIGCONT */
	if (t->pid1) {
		/* nobody above us can `fg` it: a stopped child would wedge the container */
		kill(-t->child, SIGCONT);
		return;
	}
	/* like a shell's job: take the terminal back and stop, so our own shell regains
	 * control; its SIGCONT is forwarded and hands the terminal back (signals.c) */
	tcsetpgrp(0, getpgrp());
	kill(t->self, SIGSTOP);
}

static bool finished(struct tend *t, bool no_children)
{
	if (t->child_running || (t->cfg && !services_idle(t)))
		return false;
	if (no_children)
		return true;
	if (!t->cfg || t->stopping || !t->child)
		drain_start(t); /* something is left over */
	return false;
}

void reap_all(struct tend *t)
{
	bool no_children = false;
	int flags = WNOHANG | (t->child_running ? WUNTRACED : 0);
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, flags);
		if (pid == 0)
			break;
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			no_children = errno == ECHILD;
			break;
		}
		if (WIFSTOPPED(st)) {
			if (pid == t->child)
				child_stopped(t, WSTOPSIG(st));
			continue;
		}
		say_reaped(t, pid, st);
		if (pid == t->child && t->child_running) {
			t->child_running = false;
			t->child_status = st;
			say(t, V_INFO, "main child %d exited with status %d", (int)pid, exit_code_of(st));
			if (ends_with_main_child(t)) {
				end_with_main_child(t);
				return;
			}
			if (t->cfg)
				services_stop_all(t); /* the container lives as long as CMD */
			continue;
		}
		if (t->cfg && services_reap(t, pid, st))
			continue;
		if (t->opt.warn_reap)
			say(t, V_WARN, "Reaped zombie process with pid=%d", (int)pid);
		else
			say(t, V_DEBUG, "reaped pid %d (status %d)", (int)pid, exit_code_of(st));
	}
	if (t->killing && !no_children)
		kill_descendants(t, SIGKILL); /* catch what forked or re-parented meanwhile */
	if (finished(t, no_children))
		exec_child_done(t);
}

void exec_child_done(struct tend *t)
{
	if (t->child && !t->have_exit_code) {
		int code = exit_code_of(t->child_status) & 0xff;
		if ((t->opt.expect[code / 8] >> (code % 8)) & 1)
			code = 0;
		t->exit_code = code;
	}
	t->done = true;
}

/* Direct children of `parent` (from /proc); *out is malloc'd (NULL when none). */
int list_children(pid_t parent, pid_t **out)
{
	*out = NULL;
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || read_ppid(dirfd(d), e->d_name) != parent)
			continue;
		if (n == cap) {
			pid_t *np = realloc(*out, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *np);
			if (!np)
				break;
			*out = np;
		}
		(*out)[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return n;
}
