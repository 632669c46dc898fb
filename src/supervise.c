/* supervise.c — the set of services: start in priority order, stop in reverse
 * priority order (one priority level at a time, all services of a level in parallel),
 * SIGHUP reload applying the difference, and the container's fate (shutdown_on=). */
#include "cgroup.h"
#include "events.h"
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct svc *svc_new(struct tend *t, const struct program *p)
{
	struct svc *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->p = p;
	s->ctl.fd = s->cmd_fd = s->out.fd = s->err.fd = -1;
	s->out.file_fd = s->err.file_fd = -1;
	s->out_w = s->err_w = s->in_w = -1;
	s->life.ready_fd.fd = s->life.ready_probe.sock.fd = s->life.health_probe.sock.fd = -1;
	s->life.ready_probe.report.fd = s->life.health_probe.report.fd = -1;
	s->life.ready_probe.cmd_fd = s->life.health_probe.cmd_fd = -1;
	s->colour = t->nsvcs;
	struct svc **v = realloc(t->svcs, (size_t)(t->nsvcs + 1) * sizeof *v);
	if (!v) {
		free(s);
		return NULL;
	}
	t->svcs = v;
	t->svcs[t->nsvcs++] = s;
	t->svcs_gen++;
	int w = (int)strlen(p->name);
	if (w > t->name_width)
		t->name_width = w > 24 ? 24 : w;
	return s;
}

static int by_priority(const void *a, const void *b)
{
	const struct svc *x = *(struct svc *const *)a, *y = *(struct svc *const *)b;
	if (x->p->priority != y->p->priority)
		return x->p->priority < y->p->priority ? -1 : 1;
	return x->colour - y->colour; /* stable: file order */
}

static void start_all(struct tend *t)
{
	qsort(t->svcs, (size_t)t->nsvcs, sizeof *t->svcs, by_priority);
	events_started(t); /* PROCESS_GROUP_ADDED for each group, then SUPERVISOR_STATE_CHANGE_RUNNING */
	for (int i = 0; i < t->nsvcs; i++)
		if (t->svcs[i]->p->autostart)
			svc_spawn(t, t->svcs[i]);
}

static const char nofile_msg[] =
	"The minimum number of file descriptors required to run this process is %lld as per the \"minfds\" "
	"command-line argument or config file setting. The current environment will only allow you to open "
	"%lld file descriptors.  Either raise the number of usable file descriptors in your environment or "
	"lower the minfds setting in the config file to allow the process to start.";
static const char nproc_msg[] =
	"The minimum number of available processes required to run this program is %lld as per the "
	"\"minprocs\" command-line argument or config file setting. The current environment will only allow "
	"you to open %lld processes.  Either raise the number of usable processes in your environment or "
	"lower the minprocs setting in the config file to allow the program to start.";

/* supervisord's set_rlimits_or_exit: a soft limit below MIN is raised to MIN (the hard one
 * too if needed, which only root may do); failing that, tend does not start. Services
 * inherit the result (*svc). */
static void raise_to_min(struct tend *t, int res, const char *name, long long min, const char *msg,
			 struct rlimit *svc)
{
	struct rlimit rl;
	if (getrlimit(res, &rl) < 0)
		die(t, 1, "getrlimit(%s): %s", name, errstr());
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)min) {
		rlim_t hard = rl.rlim_max;
		if (hard != RLIM_INFINITY && hard < (rlim_t)min)
			hard = (rlim_t)min;
		struct rlimit want = {(rlim_t)min, hard};
		if (setrlimit(res, &want) < 0)
			die(t, 2, msg, min, (long long)rl.rlim_max);
		say(t, V_INFO, "Increased %s limit to %lld", name, min);
		rl = want;
	}
	*svc = rl;
}

/* Beyond what services get, tend itself takes every descriptor allowed: 1,000 services'
 * pipes need them. */
static void raise_limits(struct tend *t)
{
	raise_to_min(t, RLIMIT_NOFILE, "RLIMIT_NOFILE", t->cfg->minfds, nofile_msg, &t->svc_nofile);
	raise_to_min(t, RLIMIT_NPROC, "RLIMIT_NPROC", t->cfg->minprocs, nproc_msg, &t->svc_nproc);
	struct rlimit rl = t->svc_nofile;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			say(t, V_DEBUG, "setrlimit(NOFILE): %s", errstr());
	}
}

/* [supervisord] pidfile=, as supervisord writes it (its directory was checked at load). */
static void write_pidfile(struct tend *t)
{
	const char *path = t->cfg->pidfile;
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0644);
	char line[24];
	int n = snprintf(line, sizeof line, "%d\n", (int)getpid());
	if (fd < 0 || write(fd, line, (size_t)n) != n) {
		say(t, V_WARN, "could not write pidfile %s: %s", path, errstr());
	} else {
		t->pidfile_written = strdup(path);
		say(t, V_INFO, "tend started with pid %d (pidfile %s)", (int)getpid(), path);
	}
	if (fd >= 0)
		close(fd);
}

void services_cleanup(struct tend *t)
{
	for (int i = 0; i < t->nsvcs; i++)
		cgroup_remove(t, t->svcs[i]); /* empty by now: tend exits only once all is reaped */
	if (t->pidfile_written && unlink(t->pidfile_written) < 0 && errno != ENOENT)
		say(t, V_WARN, "could not remove pidfile %s: %s", t->pidfile_written, errstr());
}

int services_start(struct tend *t)
{
	raise_limits(t);
	cgroup_init(t);
	if (logs_init(t) < 0)
		return -1;
	ring_init(&t->mainlog, (size_t)t->cfg->tail_bytes);
	for (int i = 0; i < t->cfg->nprogs; i++)
		if (!svc_new(t, &t->cfg->progs[i]))
			return -1;
	start_all(t);
	write_pidfile(t);
	return 0;
}

bool services_reap(struct tend *t, pid_t pid, int wstatus)
{
	for (int i = 0; i < t->nsvcs; i++) {
		struct svc *s = t->svcs[i];
		if (svc_reap(t, s, pid, wstatus) || probe_reap(t, &s->life.ready_probe, pid, wstatus) ||
		    probe_reap(t, &s->life.health_probe, pid, wstatus))
			return true;
	}
	return false;
}

static bool probe_running(const struct svc *s)
{
	return s->life.ready_probe.keeper > 0 || s->life.health_probe.keeper > 0;
}

/* A keeper, a stray of a service, or the exec child: not an orphan to reap silently. */
bool supervise_known_child(struct tend *t, pid_t pid)
{
	if (pid == t->child)
		return true;
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_owns(t->svcs[i], pid) || probe_owns(&t->svcs[i]->life.ready_probe, pid) ||
		    probe_owns(&t->svcs[i]->life.health_probe, pid))
			return true;
	return false;
}

bool services_idle(struct tend *t)
{
	if (!t->stopping)
		return false;
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_active(t->svcs[i]) || probe_running(t->svcs[i]))
			return false;
	return true;
}


/* supervisord's restart: everything stopped, the file read again, everything started. */
static void restart_now(struct tend *t)
{
	t->restarting = t->stopping = false;
	collect_garbage(t);
	struct config *nc = calloc(1, sizeof *nc);
	char err[1024];
	if (!nc || config_reload_into(t, nc, err, sizeof err) < 0) {
		say(t, V_WARN, "restart: %s; starting the previous configuration", nc ? err : "out of memory");
		free(nc);
	} else if (retire_config(t, t->cfg) < 0) {
		say(t, V_WARN, "restart: out of memory; starting the previous configuration");
		config_free(nc);
		free(nc);
	} else {
		t->cfg = nc;
	}
	while (t->nsvcs)
		svc_remove(t, t->svcs[t->nsvcs - 1]);
	t->name_width = 0;
	for (int i = 0; i < t->cfg->nprogs; i++)
		if (!svc_new(t, &t->cfg->progs[i]))
			say(t, V_WARN, "restart: out of memory");
	say(t, V_WARN, "restarted");
	start_all(t);
}

void services_restart(struct tend *t)
{
	if (t->stopping)
		return;
	t->restarting = true;
	services_stop_all(t);
}

/* May S be stopped now? Not while something that depends on it still runs
 * (depend_mark_needed has just been called). */
static bool stoppable(const struct svc *s)
{
	return svc_active(s) && !s->want_stop && !s->life.needed;
}

/* The next wave of a shutdown: of the services nothing running depends on, those of the
 * highest priority, all in parallel, once every service of a higher priority being
 * stopped is gone. Without depends_on= this is supervisord's order: one priority level
 * after the other. With it, dependents go before what they depend on, whatever their
 * priorities; priority orders the rest. */
static void stop_next_wave(struct tend *t)
{
	int level = INT_MIN;
	bool any = false, going = false;
	depend_mark_needed(t);
	for (int i = 0; i < t->nsvcs; i++) {
		const struct svc *s = t->svcs[i];
		going |= svc_active(s);
		if (stoppable(s) && (!any || s->p->priority > level))
			level = s->p->priority, any = true;
	}
	if (!going) {
		if (t->restarting)
			restart_now(t);
		return; /* nothing left to stop: the loop's before-sleep check finishes */
	}
	for (int i = 0; any && i < t->nsvcs; i++)
		if (svc_active(t->svcs[i]) && t->svcs[i]->want_stop && t->svcs[i]->p->priority > level)
			return; /* a higher level is still going */
	for (int i = 0; any && i < t->nsvcs; i++)
		if (t->svcs[i]->p->priority == level && stoppable(t->svcs[i]))
			svc_stop(t, t->svcs[i]);
}

void services_stop_all(struct tend *t)
{
	if (t->stopping)
		return;
	t->stopping = true;
	say(t, V_INFO, "stopping all services");
	events_supervisor(t, false);
	for (int i = 0; i < t->nsvcs; i++)
		if (!svc_active(t->svcs[i]))
			svc_stop(t, t->svcs[i]); /* cancels pending restarts, retries and waits */
	stop_next_wave(t);
}

void supervise_shutdown(struct tend *t, int exit_code)
{
	if (!t->have_exit_code) {
		t->exit_code = exit_code;
		t->have_exit_code = true;
	}
	if (t->child_running)
		kill(t->opt.pgroup ? -t->child : t->child, SIGTERM);
	services_stop_all(t);
}

/* Drop a service's log pipes (removed, or its log settings may have changed). */
static void close_pipes(struct tend *t, struct svc *s)
{
	logs_close(t, &s->out);
	logs_close(t, &s->err);
	if (s->out_w >= 0)
		close(s->out_w);
	if (s->err_w >= 0)
		close(s->err_w);
	s->out_w = s->err_w = -1;
}

void svc_remove(struct tend *t, struct svc *s)
{
	close_pipes(t, s);
	int i = 0;
	while (t->svcs[i] != s)
		i++;
	memmove(&t->svcs[i], &t->svcs[i + 1], (size_t)(t->nsvcs - i - 1) * sizeof *t->svcs);
	t->nsvcs--;
	t->svcs_gen++;
	svc_release(t, s);
	s->dead_gen = t->gen; /* may still sit in this epoll batch: free in a later turn */
	s->next_dead = t->graveyard;
	t->graveyard = s;
}

/* A changed service starts over with its new settings. */
static void svc_replace(struct tend *t, struct svc *s)
{
	const struct program *p = s->next_p;
	s->next_p = NULL;
	close_pipes(t, s);
	s->backoff = 0;
	svc_set_program(t, s, p);
	if (p->autostart)
		svc_spawn(t, s);
}

void supervise_after_stop(struct tend *t, struct svc *s)
{
	if (svc_active(s))
		return;
	s->want_stop = false;
	if (s->remove)
		svc_remove(t, s);
	else if (s->next_p && !t->stopping)
		svc_replace(t, s);
	if (t->stopping)
		stop_next_wave(t);
}

