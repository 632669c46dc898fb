/* spawn.c — starting the main command in exec mode: its own process group (or
 * session, as dumb-init), the terminal's foreground, a clean signal mask, inherited
 * SIG_IGN kept (tini's rule), and exit codes 127/126 with a message naming CMD. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "intparse.h"

/* Dispositions: SIG_IGN that tend inherited stays ignored (tini's rule), except as
 * dumb-init, whose handlers for 1..31 exec resets. Mask: tini restores the one it
 * inherited; dumb-init and tend start the child with none blocked. */
void child_reset_signals(struct tend *t)
{
	if (t->opt.reset_ign)
		for (int s = 1; s < 32; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
	sigset_t mask;
	if (t->opt.persona == PERSONA_TINI)
		mask = t->orig_mask;
	else
		sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
}

/* A line from the child before exec. Signals are still blocked: a SIGPIPE this write
 * raises (stderr's reader gone) is the child's own, and is discarded instead of killing
 * the command once the mask is restored. */
static void child_say(const char *line)
{
	if (write(2, line, strlen(line)) < 0 && errno == EPIPE) {
		sigset_t pipe_only;
		sigemptyset(&pipe_only);
		sigaddset(&pipe_only, SIGPIPE);
		sigtimedwait(&pipe_only, NULL, &(struct timespec){0, 0});
	}
}

/* In the child; SIGTTOU is still blocked, so tcsetpgrp works from the background.
 * setsid is only ever set by the dumb-init persona: its messages are dumb-init's. */
static void take_terminal(struct tend *t)
{
	if (t->opt.setsid) {
		if (setsid() < 0) {
			dprintf(2, "[dumb-init] Unable to setsid (errno=%d %s). Exiting.\n", errno,
				errstr());
			_exit(1);
		}
		char line[160];
		if (ioctl(0, TIOCSCTTY, 0) < 0 && t->opt.dumb_debug) { /* normal without a terminal */
			snprintf(line, sizeof line, "[dumb-init] Unable to attach to controlling tty (errno=%d %s).\n",
				 errno, errstr());
			child_say(line);
		}
		if (t->opt.dumb_debug)
			child_say("[dumb-init] setsid complete.\n");
		return;
	}
	setpgid(0, 0);
	if (tcsetpgrp(0, getpid()) < 0 && errno != ENOTTY && errno != ENXIO && errno != EBADF &&
	    errno != EINVAL) {
		dprintf(2, "%s: tcsetpgrp: %s\n", t->name, errstr());
		_exit(1);
	}
}

static void exec_failed(struct tend *t, const char *cmd, int err)
{
	int code = err == ENOENT ? 127 : 126;
	switch (t->opt.persona) {
	case PERSONA_DUMB_INIT:
		dprintf(2, "[dumb-init] %s: %s\n", cmd, strerror(err));
		code = 2;
		break;
	case PERSONA_TINI: /* tini names the child's own pid, and any other error is 1 */
		dprintf(2, "[FATAL tini (%d)] exec %s failed: %s\n", (int)getpid(), cmd, strerror(err));
		if (err != ENOENT && err != EACCES)
			code = 1;
		break;
	default:
		dprintf(2, "%s: cannot run '%s': %s\n", t->name, cmd, strerror(err));
	}
	_exit(code);
}

/* dumb-init gives up the controlling terminal so the child's new session can take it;
 * as a session leader that makes the kernel send us HUP and CONT once: drop those. */
static void dumb_init_detach_tty(struct tend *t)
{
	if (ioctl(0, TIOCNOTTY) < 0) {
		dumb_say(t, "Unable to detach from controlling tty (errno=%d %s).", errno, errstr());
		return;
	}
	if (getsid(0) == t->self) {
		dumb_say(t, "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.");
		t->drop_once[SIGHUP] = t->drop_once[SIGCONT] = true;
	} else {
		dumb_say(t, "Detached from controlling tty, but was not session leader.");
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
		if (t->start_dir_fd >= 0 && fchdir(t->start_dir_fd) < 0) {
			dprintf(2, "%s: cannot return to the start directory: %s\n", t->name, errstr());
			_exit(1);
		}
		take_terminal(t);
		child_reset_signals(t);
		execvp(t->opt.argv[0], t->opt.argv);
		exec_failed(t, t->opt.argv[0], errno);
	}
	if (t->start_dir_fd >= 0) {
		close(t->start_dir_fd);
		t->start_dir_fd = -1;
	}
	if (!t->opt.setsid) {
		setpgid(pid, pid); /* also from here: no window where -pid does not exist */
		t->tty_fg = isatty(0);
	}
	t->child = pid;
	t->child_running = true;
	say(t, V_DEBUG, "Child spawned with PID %d.", (int)pid);
	dumb_say(t, "Child spawned with PID %d.", (int)pid);
	return pid;
}

/* ---- supervised services (all of this runs in the keeper or the service, never in
 * tend's loop: a PATH walk or a user lookup may stall on a network filesystem or NSS) ---- */

static const char *program_path(const struct program *p)
{
	for (char **e = p->env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			return *e + 5;
	const char *path = getenv("PATH");
	return path ? path : "/bin:/usr/bin:/usr/local/bin";
}

static const char *check_file(const char *file, const char *cmd, char *buf, size_t len)
{
	struct stat st;
	if (stat(file, &st) < 0)
		snprintf(buf, len, "can't find command '%s'", cmd);
	else if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		snprintf(buf, len, "command at '%s' is not executable", file);
	else if (access(file, X_OK) < 0)
		snprintf(buf, len, "no permission to run command '%s'", file);
	else
		return NULL;
	return buf;
}

static const char *check_command(const struct program *p, char *buf, size_t len)
{
	const char *cmd = p->argv[0];
	if (strchr(cmd, '/'))
		return check_file(cmd, cmd, buf, len);
	const char *path = program_path(p);
	char file[PATH_MAX];
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(file, sizeof file, "%.*s/%s", (int)n, n ? path : ".", cmd);
		if (!check_file(file, cmd, buf, len))
			return NULL;
		path += n + (path[n] == ':');
	}
	snprintf(buf, len, "can't find command '%s'", cmd);
	return buf;
}

/* supervisord's rules (options.drop_privileges): the uid tend already runs as needs no
 * switch (a `USER app` image whose config says user=app); only root can switch. */
static const char *check_user(const char *user, struct run_as *ru, char *buf, size_t len)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		long uid = str_to_ll(user, &end, 10);
		pw = *user && !*end ? getpwuid((uid_t)uid) : NULL;
	}
	if (!pw)
		return snprintf(buf, len, "couldn't setuid to %s: no such user", user), buf;
	ru->set = true;
	ru->uid = pw->pw_uid;
	ru->gid = pw->pw_gid;
	ru->switch_ids = pw->pw_uid != getuid();
	snprintf(ru->name, sizeof ru->name, "%s", pw->pw_name);
	snprintf(ru->home, sizeof ru->home, "%s", pw->pw_dir);
	if (ru->switch_ids && getuid() != 0)
		return snprintf(buf, len, "couldn't setuid to %s: Can't drop privilege as nonroot user", user), buf;
	return NULL;
}

const char *spawn_check(const struct program *p, struct run_as *ru, char *buf, size_t len)
{
	memset(ru, 0, sizeof *ru);
	if (p->user && check_user(p->user, ru, buf, len))
		return buf;
	return check_command(p, buf, len);
}

static void set_ids(const struct run_as *ru)
{
	if (initgroups(ru->name, ru->gid) < 0 || setgid(ru->gid) < 0 || setuid(ru->uid) < 0) {
		dprintf(2, "tend: couldn't setuid to %s: %s\n", ru->name, errstr());
		_exit(127);
	}
}

/* A service starts with an empty mask and every disposition at its default. */
static void service_reset_signals(void)
{
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigset_t empty;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
}

/* ready=fd:N, s6's notification fd: the keeper's pipe end becomes N, kept across exec. */
static int ready_fd_in_place(int n)
{
	if (n == KEEPER_READY_FD)
		return fcntl(n, F_SETFD, 0);
	return dup2(KEEPER_READY_FD, n) < 0 ? -1 : close(KEEPER_READY_FD);
}

void exec_service(const struct keeper_spec *k, const struct run_as *ru)
{
	const struct program *p = &k->p;
	if (k->cgroup && cgroup_write(k->cgroup, "cgroup.procs", "0") < 0) { /* before it can fork */
		dprintf(2, "tend: %s: cannot join cgroup %s: %s\n", p->name, k->cgroup, errstr());
		_exit(127);
	}
	setsid(); /* own session and group: stopasgroup reaches it, the tty does not */
	setenv("SUPERVISOR_ENABLED", "1", 1);
	setenv("SUPERVISOR_PROCESS_NAME", p->name, 1);
	setenv("SUPERVISOR_GROUP_NAME", p->group, 1);
	if (ru->set) { /* before environment=, so that an explicit HOME=/USER= wins */
		setenv("HOME", ru->home, 1);
		setenv("USER", ru->name, 1);
		setenv("LOGNAME", ru->name, 1);
	}
	for (char **e = p->env; e && *e; e++) {
		char *eq = strchr(*e, '=');
		if (eq) {
			*eq = 0; /* our private copy after fork */
			setenv(*e, eq + 1, 1);
			*eq = '=';
		}
	}
	if (ru->switch_ids)
		set_ids(ru);
	if (p->directory && chdir(p->directory) < 0) {
		dprintf(2, "tend: couldn't chdir to %s: %s\n", p->directory, errstr());
		_exit(127);
	}
	if (p->umask >= 0)
		umask((mode_t)p->umask);
	if (k->nofile.rlim_cur)
		setrlimit(RLIMIT_NOFILE, &k->nofile);
	if (k->nproc.rlim_cur)
		setrlimit(RLIMIT_NPROC, &k->nproc);
	service_reset_signals();
	if (p->lc.ready.kind == PROBE_FD && ready_fd_in_place(p->lc.ready.fd) < 0)
		dprintf(2, "tend: %s: readiness fd %d: %s\n", p->name, p->lc.ready.fd, errstr());
	execvp(p->argv[0], p->argv);
	dprintf(2, "tend: couldn't exec %s: %s\n", p->argv[0], errstr());
	_exit(127);
}
