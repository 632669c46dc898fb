/* reap.c — waiting for every child (ours and adopted orphans), and ending the rest
 * of the tree when the main work is over: SIGTERM, a grace period, SIGKILL, and exit
 * the moment waitpid reports no child left.
 *
 * Each exit is handed to one dispatcher (the exec child here, the services in
 * supervise.c); nothing it calls reaps again. Whether the work is over is judged in the
 * loop's before-sleep phase (reap_check_done), once every handler of a turn has run. */
#include "proctree.h"
#include "signame.h"
#include "tend.h"

#include <errno.h>
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

static int kill_descendants(struct tend *t, int sig)
{
	if (t->pid1) /* everything in our namespace but us */
		return kill(-1, sig) == 0 ? 1 : 0;
	int n = tree_signal(t->self, sig, false);
	if (n < 0)
		say(t, V_WARN, "cannot list processes in /proc: %s", errstr());
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
static void drain_start(struct tend *t)
{
	if (t->draining)
		return;
	t->draining = true;
	int sig = last_signal(t);
	if (sig) {
		say(t, V_INFO, "sending SIG%s to the remaining processes (SIGKILL in %d ms)", sig_name(sig),
		    t->opt.grace_ms);
		kill_descendants(t, sig);
	}
	timer_arm(t, &t->grace, (uint64_t)t->opt.grace_ms, grace_expired);
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

static void exec_child_done(struct tend *t)
{
	if (t->child && !t->have_exit_code) {
		int code = exit_code_of(t->child_status) & 0xff;
		if ((t->opt.expect[code / 8] >> (code % 8)) & 1)
			code = 0;
		t->exit_code = code;
	}
	t->done = true;
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
		say(t, V_WARN, "kill(-%d, %s): %s", (int)t->child, sig_name(sig), errstr());
	exec_child_done(t);
}

static void say_reaped(struct tend *t, pid_t pid, int st)
{
	if (WIFSIGNALED(st))
		dumb_say(t, "A child with PID %d was terminated by signal %d.", (int)pid, WTERMSIG(st));
	else
		dumb_say(t, "A child with PID %d exited with exit status %d.", (int)pid, exit_code_of(st));
}

static void exec_child_exited(struct tend *t, pid_t pid, int st)
{
	t->child_running = false;
	t->child_status = st;
	say(t, V_INFO, "main child %d exited with status %d", (int)pid, exit_code_of(st));
	if (ends_with_main_child(t))
		end_with_main_child(t);
	else if (t->cfg)
		services_stop_all(t); /* the container lives as long as CMD */
}

/* The dispatcher: whose exit is this? */
static void dispatch_exit(struct tend *t, pid_t pid, int st)
{
	say_reaped(t, pid, st);
	if (pid == t->child && t->child_running)
		exec_child_exited(t, pid, st);
	else if (t->cfg && services_reap(t, pid, st))
		return;
	else if (t->opt.warn_reap)
		say(t, V_WARN, "Reaped zombie process with pid=%d", (int)pid);
	else
		say(t, V_DEBUG, "reaped pid %d (status %d)", (int)pid, exit_code_of(st));
}

/* Reap every child that has exited; true when none is left at all. */
static bool reap_children(struct tend *t)
{
	int flags = WNOHANG | (t->child_running ? WUNTRACED : 0);
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, flags);
		if (pid == 0)
			return false;
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD;
		}
		if (WIFSTOPPED(st)) {
			if (pid == t->child)
				child_stopped(t, WSTOPSIG(st));
			continue;
		}
		dispatch_exit(t, pid, st);
		if (t->done)
			return false; /* the persona ends with its child: the rest is not ours */
	}
}

void reap_all(struct tend *t)
{
	bool none = reap_children(t);
	if (t->killing && !none)
		kill_descendants(t, SIGKILL); /* catch what forked or re-parented meanwhile */
}

void reap_check_done(struct tend *t)
{
	if (t->done || t->child_running || (t->cfg && !services_idle(t)))
		return;
	if (reap_children(t)) { /* nothing left at all */
		exec_child_done(t);
		return;
	}
	if (t->child_running || (t->cfg && !services_idle(t)))
		return; /* an exit just reaped changed the picture */
	if (!t->cfg || t->stopping || !t->child)
		drain_start(t); /* something is left over */
}
