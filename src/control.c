/* control.c — the service API (control.h): look-ups by supervisord's names, the
 * process-info struct, and the actions front doors may ask for. Rules are
 * supervisord's (rpcinterface.py): which states may be started, stopped, signalled. */
#include "control.h"
#include "ctl_proto.h"
#include "keeper.h"
#include "service.h"
#include "stdin_pipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const int ps_codes[] = {
	[ST_STOPPED] = PS_STOPPED, [ST_STARTING] = PS_STARTING, [ST_RUNNING] = PS_RUNNING, [ST_BACKOFF] = PS_BACKOFF,
	[ST_STOPPING] = PS_STOPPING, [ST_EXITED] = PS_EXITED, [ST_FATAL] = PS_FATAL,
};

struct svc *control_find(struct tend *t, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t glen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *name = colon ? colon + 1 : spec;
	for (int i = 0; i < t->nsvcs; i++) {
		const struct program *p = t->svcs[i]->p;
		if (!strcmp(p->name, name) && strlen(p->group) == glen && !strncmp(p->group, spec, glen))
			return t->svcs[i];
	}
	return NULL;
}

struct svc *control_find_memo(struct tend *t, struct svc_memo *memo, const char *spec)
{
	if (memo->gen != t->svcs_gen + 1) {
		memo->s = control_find(t, spec);
		memo->gen = t->svcs_gen + 1;
	}
	return memo->s;
}

static int by_group_name(const void *a, const void *b)
{
	const struct program *x = (*(struct svc *const *)a)->p, *y = (*(struct svc *const *)b)->p;
	int c = strcmp(x->group, y->group);
	return c ? c : strcmp(x->name, y->name);
}

static int collect(struct tend *t, const char *group, struct svc ***out)
{
	struct svc **v = malloc(((size_t)t->nsvcs + 1) * sizeof *v);
	int n = 0;
	if (!v)
		return -1;
	for (int i = 0; i < t->nsvcs; i++)
		if (!group || !strcmp(t->svcs[i]->p->group, group))
			v[n++] = t->svcs[i];
	qsort(v, (size_t)n, sizeof *v, by_group_name);
	*out = v;
	return n;
}

int control_group(struct tend *t, const char *group, struct svc ***out)
{
	int n = collect(t, group, out);
	if (n == 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return n;
}

int control_all(struct tend *t, struct svc ***out)
{
	return collect(t, NULL, out);
}

static const char *log_name(const struct log_target *l)
{
	static char fd[32];
	switch (l->kind) {
	case LOG_FILE:
		return l->path;
	case LOG_FD:
		if (l->fd == 1 || l->fd == 2)
			return l->fd == 1 ? "/dev/stdout" : "/dev/stderr";
		snprintf(fd, sizeof fd, "/dev/fd/%d", l->fd);
		return fd;
	default:
		return "";
	}
}

/* strftime("%b %d %I:%M %p") of local time, in the C locale, without strftime (it
 * brings locale tables into the static binary). */
static void stop_date(long long when, char *d, size_t len)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t t = (time_t)when;
	struct tm tm;
	if (!localtime_r(&t, &tm)) {
		d[0] = 0;
		return;
	}
	int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	snprintf(d, len, "%.3s %02d %02d:%02d %s", months + 3 * tm.tm_mon, tm.tm_mday, h12, tm.tm_min,
		 tm.tm_hour < 12 ? "AM" : "PM");
}

/* supervisord's _interpretProcessInfo */
static void describe(const struct proc_info *in, char *d, size_t len)
{
	if (in->state == PS_RUNNING) {
		long long up = in->now - in->start;
		if (up < 0)
			up = 0;
		long long days = up / 86400, h = up % 86400 / 3600, m = up % 3600 / 60, s = up % 60;
		if (days)
			snprintf(d, len, "pid %d, uptime %lld day%s, %lld:%02lld:%02lld", in->pid, days,
				 days == 1 ? "" : "s", h, m, s);
		else
			snprintf(d, len, "pid %d, uptime %lld:%02lld:%02lld", in->pid, h, m, s);
	} else if (in->state == PS_FATAL || in->state == PS_BACKOFF) {
		if (in->spawnerr[0])
			snprintf(d, len, "%s", in->spawnerr);
		else
			snprintf(d, len, "unknown error (try \"tail %s\")", in->name);
	} else if ((in->state == PS_STOPPED || in->state == PS_EXITED) && in->start) {
		stop_date(in->stop, d, len);
	} else {
		snprintf(d, len, "%s", in->state == PS_STOPPED || in->state == PS_EXITED ? "Not started" : "");
	}
}

void control_info(struct tend *t, const struct svc *s, struct proc_info *out)
{
	(void)t;
	const struct program *p = s->p;
	*out = (struct proc_info){.name = p->name, .group = p->group, .start = s->start_wall, .stop = s->stop_wall,
				  .now = (long long)time(NULL), .state = ps_codes[s->state],
				  .statename = svc_state_name(s->state)};
	if (s->spawnerr[0])
		snprintf(out->spawnerr, sizeof out->spawnerr, "%s", s->spawnerr);
	else if (s->quick_exit)
		snprintf(out->spawnerr, sizeof out->spawnerr, "Exited too quickly (process log may have details)");
	if (s->start_wall && s->exited)
		out->exitstatus = WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1;
	out->stdout_logfile = log_name(&p->out);
	out->stderr_logfile = p->redirect_stderr ? "" : log_name(&p->err);
	out->pid = (s->state == ST_RUNNING || s->state == ST_STARTING || s->state == ST_STOPPING) && !s->exited ? s->pid : 0;
	describe(out, out->description, sizeof out->description);
	size_t n = strlen(out->description);
	if (s->life.dep_wait)
		snprintf(out->description, sizeof out->description, "waiting for %s", s->life.wait_why);
	else
		svc_describe_life(s, out->description + n, sizeof out->description - n);
	if (!n && !strncmp(out->description, ", ", 2)) /* STARTING has no text of its own */
		memmove(out->description, out->description + 2, strlen(out->description + 2) + 1);
	out->lifecycle = p->lc.ready.kind != PROBE_NONE || p->lc.health.kind != PROBE_NONE || p->lc.ndeps;
	out->ready = svc_is_ready(s, true);
	out->health = health_name(s->life.health);
}

/* RUNNING_STATES: STARTING, RUNNING, BACKOFF */
static bool running_state(const struct svc *s)
{
	return s->state == ST_STARTING || s->state == ST_RUNNING || s->state == ST_BACKOFF;
}

int control_start(struct tend *t, struct svc *s)
{
	if (t->stopping)
		return F_SHUTDOWN_STATE;
	if (running_state(s) || s->start_pending)
		return F_ALREADY_STARTED;
	s->backoff = 0;
	if (svc_active(s)) { /* the last run's processes are still going: start once they are gone */
		s->start_pending = true;
		return 0;
	}
	s->refusable = true;
	svc_spawn(t, s);
	return 0;
}

int control_stop(struct tend *t, struct svc *s)
{
	(void)t;
	/* an EXITED service waiting for its restart delay counts as running: stopping it
	 * cancels the restart */
	bool restart_due = s->state == ST_EXITED && (s->spawn_tm.armed || s->start_pending);
	if (!running_state(s) && !restart_due)
		return F_NOT_RUNNING;
	s->start_pending = false;
	s->life.user_stopped = true; /* on_dependency_failure=stop: its dependents follow */
	svc_stop(t, s);
	return 0;
}

int control_signal(struct tend *t, struct svc *s, int sig)
{
	(void)t;
	if (s->state != ST_RUNNING && s->state != ST_STARTING && s->state != ST_STOPPING)
		return F_NOT_RUNNING;
	if (s->exited || s->cmd_fd < 0)
		return F_NOT_RUNNING;
	struct kmsg m = {.type = K_SIGNAL, .a = sig};
	if (write(s->cmd_fd, &m, sizeof m) != (ssize_t)sizeof m)
		return F_FAILED;
	return 0;
}

int control_send_stdin(struct tend *t, struct svc *s, const char *d, size_t n)
{
	if (!s->pid || s->exited || s->state == ST_STOPPING)
		return F_NOT_RUNNING;
	int rc = svc_write_stdin(t, s, d, n);
	return rc == 0 ? 0 : rc == -2 ? F_FAILED : F_NO_FILE; /* FAILED: more than STDIN_MAX unread */
}

struct ring *control_ring(struct tend *t, struct svc *s, bool err, int *fault)
{
	(void)t;
	const struct log_target *l = err ? &s->p->err : &s->p->out;
	struct ring *r = err ? &s->err_ring : &s->out_ring;
	if ((err && s->p->redirect_stderr) || l->kind == LOG_NONE || !r->cap) {
		*fault = F_NO_FILE;
		return NULL;
	}
	return r;
}

void control_clear_log(struct tend *t, struct svc *s)
{
	if (!s) {
		ring_clear(&t->mainlog);
		return;
	}
	ring_clear(&s->out_ring);
	ring_clear(&s->err_ring);
}
