/* signals.c — receiving signals (one signalfd, everything blocked from the first
 * instruction of main, so nothing is lost before the child exists), forwarding them
 * to the child or its group, rewriting, and job control on a terminal.
 *
 * The fault signals (SEGV, BUS, FPE, ILL, ABRT, TRAP, SYS) are blocked and read like
 * the others, so one sent with kill() is forwarded (as dumb-init does). A real fault
 * in tend still kills tend: the kernel forces a synchronous fault's default action
 * even when the signal is blocked, abort() unblocks SIGABRT before raising it, and a
 * fault signal the kernel queued asynchronously (si_code > 0) is re-raised. */
#include "tend.h"
#include "signame.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

void signals_block_all(sigset_t *old)
{
	sigset_t set;
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, old);
}

static bool is_fault_signal(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGABRT: case SIGTRAP: case SIGSYS:
		return true;
	}
	return false;
}

/* kill(), sigqueue(), tkill() and the like give si_code <= 0 (SI_USER, SI_QUEUE, SI_TKILL...);
 * the kernel's own reasons (SEGV_MAPERR, BUS_MCEERR_AO, SI_KERNEL...) are positive, and
 * no other process may send those. */
bool signal_was_sent(int sig, int si_code)
{
	return !is_fault_signal(sig) || si_code <= 0;
}

/* A fault the kernel reports about tend itself: die by it, as an unblocked tend would. */
static void die_by_fault(struct tend *t, int sig)
{
	say(t, V_WARN, "kernel-generated SIG%s: terminating", sig_name(sig));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	signal(sig, SIG_DFL);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL); /* the pending signal kills us here */
	_exit(128 + sig);
}

static int rewrite(struct tend *t, int sig)
{
	int to = sig < 65 ? t->opt.rewrite[sig] : -1;
	if (to >= 0 && sig <= 31)
		dumb_say(t, "Translating signal %d to %d.", sig, to);
	return to < 0 ? sig : to;
}

void signals_forward(struct tend *t, int sig)
{
	int to = rewrite(t, sig);
	if (to == 0) {
		say(t, V_DEBUG, "not forwarding signal %s (rewritten to 0)", sig_name(sig));
		dumb_say(t, "Not forwarding signal %d to children (ignored).", to);
		return;
	}
	if (!t->child_running) {
		say(t, V_DEBUG, "signal %s: no child to forward to", sig_name(sig));
		return;
	}
	if (to == SIGCONT && t->tty_fg && !t->pid1)
		tcsetpgrp(0, t->child); /* resumed by our shell: hand the terminal back */
	pid_t target = t->opt.pgroup ? -t->child : t->child;
	int r = kill(target, to);
	if (r < 0 && errno == ESRCH && target < 0)
		r = kill(t->child, to); /* the child has not made its group/session yet */
	if (r < 0 && errno != ESRCH)
		say(t, V_WARN, "kill(%d, %s): %s", (int)target, sig_name(to), errstr());
	else
		say(t, V_DEBUG, "forwarded signal %s to %s %d", sig_name(to),
		    target < 0 ? "group" : "pid", (int)t->child);
	dumb_say(t, "Forwarded signal %d to children.", to);
}

/* dumb-init's job control: after passing TSTP/TTIN/TTOU on, stop ourselves too. */
static void dumb_init_suspend(struct tend *t, int sig)
{
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return;
	dumb_say(t, "Suspending self due to TTY signal.");
	if (!t->pid1)
		kill(t->self, SIGSTOP);
}

static void supervisor_signal(struct tend *t, int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		say(t, V_INFO, "received SIG%s: shutting down", sig_name(sig));
		if (t->child_running)
			signals_forward(t, sig);
		services_stop_all(t);
		return;
	case SIGHUP:
		services_reload(t);
		return;
	case SIGUSR2:
		logs_reopen(t);
		return;
	}
	if (t->child_running)
		signals_forward(t, sig);
	else
		say(t, V_DEBUG, "ignoring signal %s", sig_name(sig));
}

static void handle_signal(struct tend *t, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;
	if (!signal_was_sent(sig, si->ssi_code))
		die_by_fault(t, sig);
	if (sig == SIGPIPE && (pid_t)si->ssi_pid == t->self)
		return; /* our own write to a closed pipe: not the child's business */
	dumb_say(t, "Received signal %d.", sig);
	if (sig < 65 && t->drop_once[sig]) {
		t->drop_once[sig] = false;
		say(t, V_DEBUG, "ignoring tty hand-off signal %s", sig_name(sig));
		dumb_say(t, "Ignoring tty hand-off signal %d.", sig);
		return;
	}
	if (sig == SIGCHLD) {
		reap_all(t);
		return;
	}
	if (t->cfg) {
		supervisor_signal(t, sig);
		return;
	}
	signals_forward(t, sig);
	if (t->opt.persona == PERSONA_DUMB_INIT)
		dumb_init_suspend(t, sig);
}

static void on_signalfd(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	struct signalfd_siginfo si[16];
	for (;;) {
		ssize_t n = read(w->fd, si, sizeof si);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				say(t, V_WARN, "read signalfd: %s", errstr());
			return;
		}
		for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++)
			handle_signal(t, &si[i]);
		if ((size_t)n < sizeof si)
			return;
	}
}

int signals_open(struct tend *t)
{
	sigset_t set;
	sigfillset(&set);
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -1;
	return loop_watch(t, &t->sigw, fd, EPOLLIN, on_signalfd);
}
