/* service.c — the state machine of one supervised process. Every transition goes
 * through set_state(), which logs it. supervisord's rules, but judged on collected
 * exits: a start fails when the keeper reports the main process exited before
 * startsecs (by the keeper's own clock), so `/bin/false` with startretries=3 is spawned
 * exactly 4 times. Nothing is restarted until the keeper has reaped every process of
 * the previous run. */
#include "service.h"
#include "keeper.h"
#include "signame.h"
#include "spawn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#define CRASH_DELAY_MIN 100    /* ms, first restart after a run shorter than 1 s */
#define CRASH_DELAY_MAX 10000  /* ms, cap of the doubling */
#define STABLE_RUN 1000        /* ms: a run this long resets the crash delay */

static const char *state_names[] = {"STOPPED", "STARTING", "RUNNING", "BACKOFF",
				    "STOPPING", "EXITED", "FATAL"};

const char *svc_state_name(enum svc_state st) { return state_names[st]; }

/* The one place a state changes (and the future event stream's source). */
static void set_state(struct tend *t, struct svc *s, enum svc_state to, const char *fmt, ...)
{
	char why[256] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	say(t, V_WARN, "%s: %s -> %s%s%s", s->p->name, state_names[s->state], state_names[to],
	    *why ? ": " : "", why);
	s->state = to;
}

static void describe_exit(const struct svc *s, char *buf, size_t len)
{
	if (WIFSIGNALED(s->status))
		snprintf(buf, len, "terminated by SIG%s", sig_name(WTERMSIG(s->status)));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(s->status));
}

static bool exit_expected(const struct svc *s)
{
	return WIFEXITED(s->status) && exitcode_expected(s->p, WEXITSTATUS(s->status));
}

bool svc_active(const struct svc *s)
{
	return s->keeper || s->nstrays;
}

static void spawn_timer(struct tend *t, struct timer *tm)
{
	svc_spawn(t, container_of(tm, struct svc, tm));
}

static void failed_start(struct tend *t, struct svc *s, const char *why)
{
	s->backoff++;
	set_state(t, s, ST_BACKOFF, "%s", why);
}

static void promote(struct tend *t, struct svc *s)
{
	if (s->state != ST_STARTING || s->exited)
		return;
	s->saved_backoff = s->backoff;
	s->backoff = 0;
	set_state(t, s, ST_RUNNING, "process has stayed up for > than %d seconds (startsecs)",
		  s->p->startsecs);
}

static void promote_timer(struct tend *t, struct timer *tm)
{
	promote(t, container_of(tm, struct svc, tm));
}

static void main_exited(struct tend *t, struct svc *s, int status, uint64_t when)
{
	char what[64];
	s->exited = true;
	s->status = status;
	s->exited_at = when;
	describe_exit(s, what, sizeof what);
	bool premature = when - s->started < (uint64_t)s->p->startsecs * 1000;
	if (s->state == ST_RUNNING && premature) /* promoted before its exit was read */
		s->backoff = s->saved_backoff, s->state = ST_STARTING;
	if (s->state == ST_STARTING) {
		timer_cancel(t, &s->tm);
		failed_start(t, s, what);
	} else if (s->state == ST_RUNNING) {
		set_state(t, s, ST_EXITED, "%s; %s", what, exit_expected(s) ? "expected" : "not expected");
	} else {
		say(t, V_INFO, "%s: main process %s", s->p->name, what);
	}
}

static void on_kmsg(struct tend *t, struct svc *s, const struct kmsg *m)
{
	if (m->type == K_SPAWNED) {
		s->pid = m->a;
		say(t, V_INFO, "%s: spawned with pid %d", s->p->name, (int)s->pid);
		if (s->p->startsecs == 0)
			promote(t, s);
	} else if (m->type == K_EXITED) {
		main_exited(t, s, m->a, m->when);
	}
}

static void ctl_close(struct tend *t, struct svc *s)
{
	if (s->ctl.fd < 0)
		return;
	loop_unwatch(t, &s->ctl);
	close(s->ctl.fd);
	s->ctl.fd = -1;
	if (s->cmd_fd >= 0)
		close(s->cmd_fd);
	s->cmd_fd = -1;
}

/* Read every pending message from the keeper (before judging anything). */
static void ctl_drain(struct tend *t, struct svc *s)
{
	struct kmsg m;
	while (s->ctl.fd >= 0) {
		ssize_t n = read(s->ctl.fd, &m, sizeof m);
		if (n == (ssize_t)sizeof m)
			on_kmsg(t, s, &m);
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return;
		else
			ctl_close(t, s); /* EOF: the keeper is gone */
	}
}

static void on_ctl(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	ctl_drain(t, container_of(w, struct svc, ctl));
}

static int open_pipes(struct tend *t, struct svc *s)
{
	if (s->out_w < 0 && (s->out_w = logs_open(t, &s->out, s->p->name, &s->p->out, 1, s->colour)) < 0)
		return -1;
	if (s->p->redirect_stderr || s->err_w >= 0)
		return 0;
	s->err_w = logs_open(t, &s->err, s->p->name, &s->p->err, 2, s->colour);
	return s->err_w < 0 ? -1 : 0;
}

static void backoff_or_fatal(struct tend *t, struct svc *s);

/* supervisord's spawnerr: no process, but it counts as a failed start */
static void spawn_failed(struct tend *t, struct svc *s)
{
	set_state(t, s, ST_STARTING, NULL);
	failed_start(t, s, s->spawnerr);
	backoff_or_fatal(t, s);
}

void svc_spawn(struct tend *t, struct svc *s)
{
	if (t->stopping || svc_active(s))
		return;
	s->exited = false;
	s->pid = 0;
	s->want_stop = false;
	const char *err = spawn_check(s->p, s->spawnerr, sizeof s->spawnerr);
	if (err || open_pipes(t, s) < 0) {
		if (!err)
			snprintf(s->spawnerr, sizeof s->spawnerr, "log pipes: %s", strerror(errno));
		spawn_failed(t, s);
		return;
	}
	int ctl;
	s->started = now_ms(); /* before the fork: the keeper's exit time is never earlier */
	s->keeper = keeper_spawn(t, s->p, s->out_w, s->err_w >= 0 ? s->err_w : s->out_w, &ctl, &s->cmd_fd);
	if (s->keeper < 0) {
		s->keeper = 0;
		snprintf(s->spawnerr, sizeof s->spawnerr, "fork: %s", strerror(errno));
		spawn_failed(t, s);
		return;
	}
	if (loop_watch(t, &s->ctl, ctl, EPOLLIN, on_ctl) < 0)
		say(t, V_WARN, "%s: epoll: %s", s->p->name, strerror(errno));
	set_state(t, s, ST_STARTING, NULL);
	if (s->p->startsecs > 0)
		timer_arm(t, &s->tm, (uint64_t)s->p->startsecs * 1000, promote_timer);
}

void svc_stop(struct tend *t, struct svc *s)
{
	s->want_stop = true;
	if (svc_active(s)) {
		if (s->state == ST_STARTING || s->state == ST_RUNNING) {
			struct kmsg m = {.type = K_STOP};
			if (s->cmd_fd >= 0 && write(s->cmd_fd, &m, sizeof m) < 0 && errno != EPIPE)
				say(t, V_WARN, "%s: cannot reach keeper: %s", s->p->name, strerror(errno));
		}
		if (s->state != ST_STOPPING) /* leftovers of an exited run are already going */
			set_state(t, s, ST_STOPPING, NULL);
		return;
	}
	timer_cancel(t, &s->tm); /* a pending restart or retry */
	if (s->state == ST_BACKOFF || s->state == ST_STARTING || s->state == ST_EXITED)
		set_state(t, s, ST_STOPPED, NULL);
	supervise_after_stop(t, s);
}

static void backoff_or_fatal(struct tend *t, struct svc *s)
{
	if (s->backoff > s->p->startretries) {
		set_state(t, s, ST_FATAL, "too many start retries too quickly");
		if (s->p->shutdown_on != SHUTDOWN_NEVER)
			supervise_shutdown(t, s->exited ? exit_code_of(s->status) : 1);
		return;
	}
	timer_arm(t, &s->tm, (uint64_t)s->backoff * 1000, spawn_timer);
}

/* After a run from RUNNING: at once if it lasted STABLE_RUN, else a doubling delay. */
static uint64_t next_crash_delay(const struct svc *s)
{
	if (s->exited_at - s->started >= STABLE_RUN)
		return 0;
	if (!s->crash_delay)
		return CRASH_DELAY_MIN;
	return s->crash_delay * 2 > CRASH_DELAY_MAX ? CRASH_DELAY_MAX : s->crash_delay * 2;
}

/* Run over and every process of it reaped: decide what comes next. */
static void settle(struct tend *t, struct svc *s)
{
	timer_cancel(t, &s->tm);
	logs_end_run(t, &s->out); /* deliver what is in the pipes, even without a newline */
	if (s->err_w >= 0)
		logs_end_run(t, &s->err);
	if (s->want_stop || t->stopping) {
		if (s->state == ST_STOPPING || s->state == ST_STARTING || s->state == ST_RUNNING) {
			char what[64] = "stopped";
			if (s->exited)
				describe_exit(s, what, sizeof what);
			set_state(t, s, ST_STOPPED, "%s", what);
		}
		supervise_after_stop(t, s);
		return;
	}
	if (s->exited && s->p->shutdown_on == SHUTDOWN_ON_EXIT) {
		supervise_shutdown(t, exit_code_of(s->status));
		return;
	}
	if (s->state == ST_BACKOFF) {
		backoff_or_fatal(t, s);
	} else if (s->state == ST_EXITED) {
		enum autorestart ar = s->p->autorestart;
		if (ar == RESTART_FALSE || (ar == RESTART_UNEXPECTED && exit_expected(s)))
			return;
		s->crash_delay = next_crash_delay(s);
		if (s->crash_delay)
			timer_arm(t, &s->tm, s->crash_delay, spawn_timer);
		else
			svc_spawn(t, s);
	}
}

/* ---- a keeper that was killed: its processes are now ours ---- */

static void strays_timer(struct tend *t, struct timer *tm)
{
	(void)t;
	struct svc *s = container_of(tm, struct svc, tm);
	int kill_tree(pid_t root, int sig);
	for (int i = 0; i < s->nstrays; i++) {
		kill_tree(s->strays[i], SIGKILL);
		kill(s->strays[i], SIGKILL);
	}
}

int list_children(pid_t parent, pid_t **out);

static bool known_child(struct tend *t, pid_t pid)
{
	if (pid == t->child)
		return true;
	for (int j = 0; j < t->nsvcs; j++) {
		const struct svc *o = t->svcs[j];
		if (o->keeper == pid)
			return true;
		for (int k = 0; k < o->nstrays; k++)
			if (o->strays[k] == pid)
				return true;
	}
	return false;
}

static void adopt_strays(struct tend *t, struct svc *s)
{
	pid_t *kids;
	int n = list_children(t->self, &kids), kept = 0;
	for (int i = 0; i < n; i++)
		if (!known_child(t, kids[i]))
			kids[kept++] = kids[i];
	if (n < 0 || !kept) {
		free(kids);
		return;
	}
	s->strays = kids;
	s->nstrays = kept;
	int kill_tree(pid_t root, int sig);
	for (int i = 0; i < s->nstrays; i++) {
		kill_tree(s->strays[i], s->p->stopsignal);
		kill(s->strays[i], s->p->stopsignal);
	}
	timer_arm(t, &s->tm, (uint64_t)s->p->stopwaitsecs * 1000, strays_timer);
}

bool svc_reap(struct tend *t, struct svc *s, pid_t pid, int wstatus)
{
	if (pid == s->keeper) {
		s->keeper = 0;
		ctl_drain(t, s);
		ctl_close(t, s);
		bool abnormal = !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0;
		if (!s->exited) {
			if (s->state == ST_STARTING || s->state == ST_RUNNING)
				main_exited(t, s, wstatus, now_ms());
			s->exited = true;
			s->status = wstatus;
		}
		if (abnormal) { /* its processes are ours now: stop them before anything else */
			say(t, V_WARN, "%s: keeper %d died (%s %d); stopping the processes it left", s->p->name,
			    (int)pid, WIFSIGNALED(wstatus) ? "signal" : "status",
			    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
			adopt_strays(t, s);
		}
	} else {
		int i = 0;
		while (i < s->nstrays && s->strays[i] != pid)
			i++;
		if (i == s->nstrays)
			return false;
		s->strays[i] = s->strays[--s->nstrays];
	}
	if (!svc_active(s)) {
		free(s->strays);
		s->strays = NULL;
		settle(t, s);
	}
	return true;
}

/* Reload kept the service: point it (and its log sources) at the new settings. */
void svc_set_program(struct tend *t, struct svc *s, const struct program *p)
{
	(void)t;
	s->p = p;
	s->out.name = s->err.name = p->name;
	s->out.tgt = &p->out;
	s->err.tgt = &p->err;
}
