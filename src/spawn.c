/* spawn.c — starting the main command in exec mode: its own process group (or
 * session, as dumb-init), the terminal's foreground, a clean signal mask, inherited
 * SIG_IGN kept (tini's rule), and exit codes 127/126 with a message naming CMD. */
#include "tend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

void child_reset_signals(struct tend *t)
{
	if (t->opt.reset_ign) /* dumb-init installs handlers for 1..31, which exec resets */
		for (int s = 1; s < 32; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
	sigset_t empty;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
}

/* In the child; SIGTTOU is still blocked, so tcsetpgrp works from the background. */
static void take_terminal(struct tend *t)
{
	if (t->opt.setsid) {
		if (setsid() < 0) {
			dprintf(2, "[%s] Unable to setsid: %s\n", t->name, strerror(errno));
			_exit(1);
		}
		ioctl(0, TIOCSCTTY, 0); /* failure is normal without a terminal */
		return;
	}
	setpgid(0, 0);
	if (tcsetpgrp(0, getpid()) < 0 && errno != ENOTTY && errno != ENXIO && errno != EBADF &&
	    errno != EINVAL) {
		dprintf(2, "%s: tcsetpgrp: %s\n", t->name, strerror(errno));
		_exit(1);
	}
}

static void exec_failed(struct tend *t, const char *cmd, int err)
{
	switch (t->opt.persona) {
	case PERSONA_DUMB_INIT:
		dprintf(2, "[dumb-init] %s: %s\n", cmd, strerror(err));
		_exit(2);
	case PERSONA_TINI:
		dprintf(2, "[FATAL tini (%d)] exec %s failed: %s\n", (int)getppid(), cmd, strerror(err));
		break;
	default:
		dprintf(2, "%s: cannot run '%s': %s\n", t->name, cmd, strerror(err));
	}
	_exit(err == ENOENT ? 127 : 126);
}

/* dumb-init gives up the controlling terminal so the child's new session can take it;
 * as a session leader that makes the kernel send us HUP and CONT once: drop those. */
static void dumb_init_detach_tty(struct tend *t)
{
	if (ioctl(0, TIOCNOTTY) < 0) {
		say(t, V_DEBUG, "Unable to detach from controlling tty (errno=%d %s).", errno,
		    strerror(errno));
		return;
	}
	if (getsid(0) == t->self) {
		say(t, V_DEBUG, "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT.");
		t->drop_once[SIGHUP] = t->drop_once[SIGCONT] = true;
	}
}

pid_t spawn_exec_child(struct tend *t)
{
	if (t->opt.setsid)
		dumb_init_detach_tty(t);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		take_terminal(t);
		child_reset_signals(t);
		execvp(t->opt.argv[0], t->opt.argv);
		exec_failed(t, t->opt.argv[0], errno);
	}
	if (!t->opt.setsid) {
		setpgid(pid, pid); /* also from here: no window where -pid does not exist */
		t->tty_fg = isatty(0);
	}
	t->child = pid;
	t->child_running = true;
	say(t, V_DEBUG, "Child spawned with PID %d.", (int)pid);
	return pid;
}
