/* supervise.c — the set of services: start in priority order, stop in reverse
 * priority order (one priority level at a time, all services of a level in parallel),
 * SIGHUP reload applying the difference, and the container's fate (shutdown_on=). */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static struct svc *svc_new(struct tend *t, const struct program *p)
{
	struct svc *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->p = p;
	s->ctl.fd = s->cmd_fd = s->out.fd = s->err.fd = -1;
	s->out.file_fd = s->err.file_fd = -1;
	s->out_w = s->err_w = -1;
	s->colour = t->nsvcs;
	struct svc **v = realloc(t->svcs, (size_t)(t->nsvcs + 1) * sizeof *v);
	if (!v) {
		free(s);
		return NULL;
	}
	t->svcs = v;
	t->svcs[t->nsvcs++] = s;
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
		die(t, 1, "getrlimit(%s): %s", name, strerror(errno));
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
			say(t, V_DEBUG, "setrlimit(NOFILE): %s", strerror(errno));
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
		say(t, V_WARN, "could not write pidfile %s: %s", path, strerror(errno));
	} else {
		t->pidfile_written = strdup(path);
		say(t, V_INFO, "tend started with pid %d (pidfile %s)", (int)getpid(), path);
	}
	if (fd >= 0)
		close(fd);
}

void services_cleanup(struct tend *t)
{
	if (t->pidfile_written && unlink(t->pidfile_written) < 0 && errno != ENOENT)
		say(t, V_WARN, "could not remove pidfile %s: %s", t->pidfile_written, strerror(errno));
}

int services_start(struct tend *t)
{
	raise_limits(t);
	if (logs_init(t) < 0)
		return -1;
	for (int i = 0; i < t->cfg->nprogs; i++)
		if (!svc_new(t, &t->cfg->progs[i]))
			return -1;
	qsort(t->svcs, (size_t)t->nsvcs, sizeof *t->svcs, by_priority);
	for (int i = 0; i < t->nsvcs; i++)
		if (t->svcs[i]->p->autostart)
			svc_spawn(t, t->svcs[i]);
	write_pidfile(t);
	return 0;
}

bool services_reap(struct tend *t, pid_t pid, int wstatus)
{
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_reap(t, t->svcs[i], pid, wstatus))
			return true;
	return false;
}

/* A keeper, a stray of a service, or the exec child: not an orphan to reap silently. */
bool supervise_known_child(struct tend *t, pid_t pid)
{
	if (pid == t->child)
		return true;
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_owns(t->svcs[i], pid))
			return true;
	return false;
}

bool services_idle(struct tend *t)
{
	if (!t->stopping)
		return false;
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_active(t->svcs[i]))
			return false;
	return true;
}

/* Stop the highest priority level that still has processes. */
static void stop_next_level(struct tend *t)
{
	int level = -1;
	bool any = false;
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_active(t->svcs[i]) && (!any || t->svcs[i]->p->priority > level))
			level = t->svcs[i]->p->priority, any = true;
	t->stop_level = any ? level : INT_MAX;
	if (!any)
		return; /* nothing left to stop: the loop's before-sleep check finishes */
	for (int i = 0; i < t->nsvcs; i++)
		if (t->svcs[i]->p->priority == level && svc_active(t->svcs[i]))
			svc_stop(t, t->svcs[i]);
}

void services_stop_all(struct tend *t)
{
	if (t->stopping)
		return;
	t->stopping = true;
	t->stop_level = INT_MIN; /* no level ordered yet */
	say(t, V_INFO, "stopping all services");
	for (int i = 0; i < t->nsvcs; i++)
		if (!svc_active(t->svcs[i]))
			svc_stop(t, t->svcs[i]); /* cancels pending restarts and retries */
	stop_next_level(t);
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

static void svc_remove(struct tend *t, struct svc *s)
{
	close_pipes(t, s);
	int i = 0;
	while (t->svcs[i] != s)
		i++;
	memmove(&t->svcs[i], &t->svcs[i + 1], (size_t)(t->nsvcs - i - 1) * sizeof *t->svcs);
	t->nsvcs--;
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
	if (!t->stopping || t->stop_level == INT_MIN)
		return;
	for (int i = 0; i < t->nsvcs; i++)
		if (svc_active(t->svcs[i]) && t->svcs[i]->p->priority >= t->stop_level)
			return; /* this level is still going */
	stop_next_level(t);
}

/* ---- SIGHUP: re-read and apply the difference ---- */

static int by_program_name(const void *a, const void *b)
{
	return strcmp((*(const struct program *const *)a)->name, (*(const struct program *const *)b)->name);
}

/* The new config's programs sorted by name: a reload of 10,000 services stays
 * O(n log n). */
static const struct program **name_index(const struct config *c)
{
	const struct program **v = malloc(((size_t)c->nprogs + 1) * sizeof *v);
	for (int i = 0; v && i < c->nprogs; i++)
		v[i] = &c->progs[i];
	if (v)
		qsort(v, (size_t)c->nprogs, sizeof *v, by_program_name);
	return v;
}

static const struct program *find_program(const struct program **index, int n, const char *name)
{
	struct program key = {.name = (char *)name};
	const struct program *k = &key, **hit = bsearch(&k, index, (size_t)n, sizeof *index, by_program_name);
	return hit ? *hit : NULL;
}

static bool config_in_use(struct tend *t, const struct config *c)
{
	for (int i = 0; i < t->nsvcs; i++) {
		const struct program *p = t->svcs[i]->p, *n = t->svcs[i]->next_p;
		if ((p >= c->progs && p < c->progs + c->nprogs) || (n && n >= c->progs && n < c->progs + c->nprogs))
			return true;
	}
	return false;
}

static void collect_garbage(struct tend *t)
{
	for (struct svc **pp = &t->graveyard; *pp;) {
		struct svc *s = *pp;
		if (s->dead_gen == t->gen) {
			pp = &s->next_dead;
			continue;
		}
		*pp = s->next_dead;
		free(s);
	}
	for (int i = 0; i < 64; i++)
		if (t->retired[i] && !config_in_use(t, t->retired[i])) {
			config_free(t->retired[i]);
			free(t->retired[i]);
			t->retired[i] = NULL;
		}
}

static int retire(struct tend *t, struct config *c)
{
	for (int i = 0; i < 64; i++)
		if (!t->retired[i]) {
			t->retired[i] = c;
			return 0;
		}
	return -1;
}

static void apply_diff(struct tend *t, struct config *nc)
{
	int n = t->nsvcs;
	struct svc **old = malloc((size_t)n * sizeof *old + 1);
	const struct program **index = name_index(nc);
	bool *known = calloc((size_t)nc->nprogs + 1, sizeof *known);
	if (!old || !index || !known) {
		say(t, V_WARN, "reload: out of memory");
		free(old);
		free(index);
		free(known);
		return;
	}
	memcpy(old, t->svcs, (size_t)n * sizeof *old);
	for (int i = 0; i < n; i++) {
		struct svc *s = old[i];
		const struct program *np = find_program(index, nc->nprogs, s->p->name);
		if (np)
			known[np - nc->progs] = true;
		if (!np) {
			say(t, V_WARN, "%s: removed from the configuration", s->p->name);
			s->remove = true;
			svc_stop(t, s);
		} else if (s->remove || s->next_p) { /* back, or changed again, while stopping */
			s->remove = false;
			s->next_p = np;
		} else if (program_equal(s->p, np)) {
			svc_set_program(t, s, np);
		} else {
			say(t, V_WARN, "%s: configuration changed: restarting", s->p->name);
			s->next_p = np;
			svc_stop(t, s);
		}
	}
	for (int i = 0; i < nc->nprogs; i++) {
		if (known[i])
			continue;
		struct svc *s = svc_new(t, &nc->progs[i]);
		say(t, V_WARN, "%s: added", nc->progs[i].name);
		if (s && s->p->autostart)
			svc_spawn(t, s);
	}
	free(old);
	free(index);
	free(known);
}

void services_reload(struct tend *t)
{
	if (t->stopping)
		return;
	collect_garbage(t);
	struct config *nc = calloc(1, sizeof *nc);
	char err[1024];
	/* relative paths in the file mean the start directory, as at start-up */
	int rc = nc ? config_load_in(t->cfg->cwd ? t->cfg->cwd : t->start_dir, t->opt.config, nc, err, sizeof err, NULL) : -1;
	if (rc < 0) {
		say(t, V_WARN, "reload: %s; keeping the running configuration", nc ? err : "out of memory");
		free(nc);
		return;
	}
	if (retire(t, t->cfg) < 0) {
		say(t, V_WARN, "reload: too many reloads still in progress; try again later");
		config_free(nc);
		free(nc);
		return;
	}
	say(t, V_WARN, "reloading %s", t->opt.config);
	t->cfg = nc;
	apply_diff(t, nc);
}
