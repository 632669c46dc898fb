/* service.c — the state machine of one supervised process. Every transition goes
 * through set_state(), which logs it. supervisord's rules, but judged on collected
 * exits: the keeper times startsecs on its own clock and reports either RUNNING or the
 * exit, in the order they happened, so `/bin/false` with startretries=3 is spawned
 * exactly 4 times and nothing is ever "promoted" and then taken back. Nothing is
 * restarted until every process of the previous run is reaped: the keeper's, or, when
 * the keeper itself died, the strays tend adopted. tend keeps its own deadline over
 * every keeper, so a stopped or stuck keeper cannot hold a shutdown forever. In cgroup
 * mode (cgroup.c) "every process reaped" is the cgroup's "populated 0" (svc_reap with pid 0). */
#include "service.h"
#include "cgroup.h"
#include "events.h"
#include "fcgi.h"
#include "keeper.h"
#include "signame.h"
#include "stdin_pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CRASH_DELAY_MIN 100   /* ms, first restart after a run shorter than 1 s */
#define CRASH_DELAY_MAX 10000 /* ms, cap of the doubling */
#define STABLE_RUN 1000       /* ms: a run this long resets the crash delay */

static const char *const state_names[] = {"STOPPED", "STARTING", "RUNNING", "BACKOFF",
					  "STOPPING", "EXITED", "FATAL"};

const char *svc_state_name(enum svc_state st) { return state_names[st]; }

/* The one place a state changes; its observers are told (events.c). */
static void set_state(struct tend *t, struct svc *s, enum svc_state to, const char *fmt, ...)
{
	char why[300] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	say(t, V_WARN, "%s: %s -> %s%s%s", s->p->name, state_names[s->state], state_names[to],
	    *why ? ": " : "", why);
	enum svc_state from = s->state;
	s->state = to;
	t->lc_dirty = true; /* dependency waits and policies are judged before the loop sleeps */
	events_state(t, s, from, why); /* its observers: event listeners, tend ctl events */
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "terminated by SIG%s", sig_name(WTERMSIG(status)));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

static bool exit_expected(const struct svc *s)
{
	return WIFEXITED(s->status) && exitcode_expected(s->p, WEXITSTATUS(s->status));
}

bool svc_active(const struct svc *s)
{
	return s->keeper || s->strays.n || s->cg_populated;
}

bool svc_owns(const struct svc *s, pid_t pid)
{
	return pid == s->keeper || pidset_has(&s->strays, pid);
}

static void spawn_timer(struct tend *t, struct timer *tm)
{
	svc_spawn(t, container_of(tm, struct svc, spawn_tm));
}

static void failed_start(struct tend *t, struct svc *s, const char *why)
{
	s->backoff++;
	s->quick_exit = !s->spawnerr[0];
	set_state(t, s, ST_BACKOFF, "%s", why);
}

/* RUNNING: after startsecs, or, with ready=, when the service is ready (startsecs unused). */
static void promote(struct tend *t, struct svc *s)
{
	bool by_ready = s->p->lc.ready.kind != PROBE_NONE;
	if (s->state != ST_STARTING || s->exited || (by_ready && !s->life.ready))
		return;
	s->backoff = 0;
	s->life.ready_at = now_ms();
	if (by_ready)
		set_state(t, s, ST_RUNNING, "ready");
	else
		set_state(t, s, ST_RUNNING, "process has stayed up for > than %d seconds (startsecs)", s->p->startsecs);
	health_begin(t, s);
}

/* ---- the lifecycle's service API ---- */

void svc_ready(struct tend *t, struct svc *s)
{
	s->life.ready = true;
	s->life.reloading = s->life.notify_stopping = false;
	ready_end(t, s);
	promote(t, s);
}

/* Not ready in time: a failed start (BACKOFF, then supervisord's retry rules), its whole
 * tree stopped through the keeper first. */
void svc_start_failed(struct tend *t, struct svc *s, const char *why)
{
	if (s->state != ST_STARTING || s->exited || !s->keeper)
		return;
	ready_end(t, s);
	failed_start(t, s, why);
	svc_stop_phase(t, s, s->hello ? svc_keeper_deadline(s) : 0);
	svc_send_stop(t, s);
}

/* health_action=restart: stop the whole tree, start again once every process is reaped. */
void svc_restart(struct tend *t, struct svc *s, const char *why)
{
	if (s->state != ST_RUNNING)
		return;
	say(t, V_WARN, "%s: %s; restarting it", s->p->name, why);
	s->start_pending = true;
	svc_stop(t, s);
}

void svc_give_up(struct tend *t, struct svc *s, const char *why)
{
	s->life.dep_wait = false;
	timer_cancel(t, &s->life.dep_tm);
	set_state(t, s, ST_FATAL, "%s", why);
	if (s->p->shutdown_on != SHUTDOWN_NEVER)
		supervise_shutdown(t, 1);
}

/* ---- the keeper's reports ---- */

static void main_exited(struct tend *t, struct svc *s, int status, uint64_t when, const char *what)
{
	listener_end(t, s); /* its event in flight goes back to the pool */
	ready_end(t, s);
	health_end(t, s);
	s->exited = true;
	s->status = status;
	s->exited_at = when;
	s->stop_wall = (long long)time(NULL);
	if (s->state == ST_STARTING)
		failed_start(t, s, what);
	else if (s->state == ST_RUNNING)
		set_state(t, s, ST_EXITED, "%s; %s", what, exit_expected(s) ? "expected" : "not expected");
	else
		say(t, V_INFO, "%s: main process %s", s->p->name, what);
}

/* As supervisord, which checks the command before spawning: no attempt is counted and
 * the state is what it was. */
static void start_refused(struct tend *t, struct svc *s, int kind, const char *why)
{
	s->refusable = false;
	s->refused = kind;
	snprintf(s->refused_why, sizeof s->refused_why, "%s", why);
	s->exited = true; /* no process was made */
	s->start_wall = s->prev_start_wall;
	set_state(t, s, s->prev_state, "%s", why);
}

static void on_kmsg(struct tend *t, struct svc *s, struct kmsg *m)
{
	char what[64];
	switch (m->type) {
	case K_HELLO:
		s->hello = true;
		t->keeper_exec_proven |= (m->a & KEEPER_REEXECED) != 0;
		timer_cancel(t, &s->deadline_tm);
		if (s->want_stop) /* asked to stop before it answered: now its deadline runs */
			svc_stop_phase(t, s, svc_keeper_deadline(s));
		break;
	case K_SPAWNED:
		s->refusable = false;
		s->pid = m->a;
		t->lc_dirty = true; /* depends_on=...:started holds now */
		say(t, V_INFO, "%s: spawned with pid %d", s->p->name, (int)s->pid);
		break;
	case K_RUNNING:
		promote(t, s);
		break;
	case K_EXITED:
		describe_status(m->a, what, sizeof what);
		main_exited(t, s, m->a, m->when, what);
		svc_stop_phase(t, s, svc_keeper_deadline(s)); /* the keeper now stops what the service left */
		break;
	case K_SPAWNERR:
		m->text[sizeof m->text - 1] = 0;
		if (m->a != SPAWNERR_OTHER && s->refusable) {
			start_refused(t, s, m->a, m->text);
			break;
		}
		snprintf(s->spawnerr, sizeof s->spawnerr, "%s", m->text);
		s->exited = true; /* no process was made */
		failed_start(t, s, s->spawnerr);
		break;
	case K_KILLING:
		if (m->a < 0 && (s->killing = true)) /* the whole cgroup: nothing is left to stop politely */
			say(t, V_WARN, "%s: stopwaitsecs (%d s) passed: cgroup.kill", s->p->name, s->p->stopwaitsecs);
		else
			say(t, V_WARN, "%s: stopwaitsecs (%d s) passed: SIGKILL to %d processes", s->p->name,
			    s->p->stopwaitsecs, m->a);
		break;
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

/* ---- start, stop, settle ---- */

static void ring_size(struct tend *t, struct ring *r, long long cap)
{
	if (r->cap != (size_t)cap) {
		ring_free(t, r);
		ring_init(r, (size_t)cap);
	}
}

static int open_pipes(struct tend *t, struct svc *s)
{
	ring_size(t, &s->out_ring, s->p->tail_bytes);
	ring_size(t, &s->err_ring, s->p->redirect_stderr ? 0 : s->p->tail_bytes);
	if (s->out_w < 0 && (s->out_w = logs_open(t, &s->out, s->p->name, &s->p->out, 1, s->colour)) < 0)
		return -1;
	s->out.ring = &s->out_ring;
	s->out.svc = s;
	if (s->p->redirect_stderr || s->err_w >= 0)
		return 0;
	s->err_w = logs_open(t, &s->err, s->p->name, &s->p->err, 2, s->colour);
	s->err.ring = &s->err_ring;
	s->err.svc = s;
	return s->err_w < 0 ? -1 : 0;
}

static void backoff_or_fatal(struct tend *t, struct svc *s);

/* supervisord's spawnerr: no process, but it counts as a failed start */
static void spawn_failed(struct tend *t, struct svc *s)
{
	s->refusable = false; /* not the command's fault: a failed start like any other */
	if (s->state != ST_STARTING)
		set_state(t, s, ST_STARTING, NULL);
	failed_start(t, s, s->spawnerr);
	backoff_or_fatal(t, s);
}

static void dep_timeout(struct tend *t, struct timer *tm)
{
	struct svc *s = container_of(tm, struct svc, life.dep_tm);
	char why[300], msg[400];
	if (!depend_blocked(t, s, why, sizeof why)) {
		t->lc_dirty = true; /* holds now: the end of this turn starts it */
		return;
	}
	snprintf(msg, sizeof msg, "%s did not hold within %lld ms (depends_timeout)", why, s->p->lc.depends_timeout);
	svc_give_up(t, s, msg);
}

/* STARTING without a process until depends_on holds (depend_turn starts it), or FATAL at
 * depends_timeout. */
static bool wait_for_dependencies(struct tend *t, struct svc *s)
{
	char why[300];
	if (!depend_blocked(t, s, why, sizeof why)) {
		s->life.dep_wait = false;
		timer_cancel(t, &s->life.dep_tm);
		return false;
	}
	snprintf(s->life.wait_why, sizeof s->life.wait_why, "%.120s", why);
	if (!s->life.dep_wait) {
		s->life.dep_wait = true;
		s->prev_state = s->state; /* what a refused start goes back to, not the wait */
		s->prev_start_wall = s->start_wall;
		timer_arm(t, &s->life.dep_tm, (uint64_t)s->p->lc.depends_timeout, dep_timeout);
		set_state(t, s, ST_STARTING, "waiting for %s", why);
	}
	return true;
}

/* The service's keeper settings, with what the lifecycle adds: the fd:N pipe's target and
 * the sd_notify environment. */
static void spawn_spec(struct tend *t, struct svc *s, struct keeper_spec *spec, char ***env)
{
	*spec = (struct keeper_spec){.p = *s->p, .start_dir = t->start_dir, .nofile = t->svc_nofile, .nproc = t->svc_nproc};
	*env = NULL;
	if (s->p->lc.ready.kind == PROBE_NOTIFY || s->p->lc.watchdog) {
		if ((*env = notify_env(t, s)))
			spec->p.env = *env;
		else
			say(t, V_WARN, "%s: no sd_notify socket for it: %s", s->p->name, errstr());
	}
}

void svc_spawn(struct tend *t, struct svc *s)
{
	if (t->stopping || svc_active(s))
		return;
	timer_cancel(t, &s->spawn_tm);
	bool waited = s->life.dep_wait;
	if (s->p->lc.ndeps && wait_for_dependencies(t, s))
		return;
	s->exited = s->hello = s->want_stop = false;
	s->pid = 0;
	s->status = 0;
	s->spawnerr[0] = 0;
	if (open_pipes(t, s) < 0) {
		snprintf(s->spawnerr, sizeof s->spawnerr, "log pipes: %s", errstr());
		spawn_failed(t, s);
		return;
	}
	/* [fcgi-program:x]: fd 0 is the pool's socket (no stdin pipe: sendProcessStdin says NO_FILE) */
	int in = s->p->fcgi ? fcgi_socket_for(t, s->p, s->spawnerr, sizeof s->spawnerr) : stdin_pipe_open(s);
	if (in < 0 && s->p->fcgi) {
		spawn_failed(t, s);
		return;
	}
	if (in < 0)
		say(t, V_WARN, "%s: stdin pipe: %s; this run gets no stdin (sendProcessStdin fails)", s->p->name,
		    errstr());
	struct keeper_spec spec;
	char **env;
	spawn_spec(t, s, &spec, &env);
	if (cgroup_prepare(t, s) == 0) { /* the cgroup holds the tree: no subreaper walk */
		spec.cgroup = s->cg;
		spec.p.containment = false;
	}
	if (!waited) {
		s->prev_state = s->state;
		s->prev_start_wall = s->start_wall;
	}
	s->refused = 0;
	int ctl, ready = ready_prepare(t, s);
	s->started = now_ms(); /* before the fork: the keeper's exit time is never earlier */
	s->start_wall = (long long)time(NULL);
	s->quick_exit = false;
	s->keeper = keeper_spawn(t, &spec, (int[]){in, s->out_w, s->err_w >= 0 ? s->err_w : s->out_w, ready}, &ctl,
				 &s->cmd_fd);
	free(env);
	if (in >= 0 && !s->p->fcgi) /* the pool's socket stays open for the next run */
		close(in);
	if (ready >= 0)
		close(ready);
	if (s->keeper < 0) {
		s->keeper = 0;
		stdin_pipe_close(t, s);
		ready_end(t, s); /* the fd:N pipe */
		snprintf(s->spawnerr, sizeof s->spawnerr, "fork: %s", errstr());
		spawn_failed(t, s);
		return;
	}
	if (loop_watch(t, &s->ctl, ctl, EPOLLIN, on_ctl) < 0)
		say(t, V_WARN, "%s: epoll: %s", s->p->name, errstr());
	if (s->state != ST_STARTING) /* not again after a keeper re-exec fallback */
		set_state(t, s, ST_STARTING, NULL);
	svc_arm_hello(t, s);
	s->life.runs++;
	listener_begin(t, s);
	depend_started(t, s);
	ready_begin(t, s);
}

void svc_stop(struct tend *t, struct svc *s)
{
	s->want_stop = true;
	s->life.dep_wait = false;
	timer_cancel(t, &s->life.dep_tm);
	if (svc_active(s)) {
		if (s->keeper && (s->state == ST_STARTING || s->state == ST_RUNNING)) {
			svc_stop_phase(t, s, s->hello ? svc_keeper_deadline(s) : 0); /* first: -v lists it before it goes */
			svc_send_stop(t, s);
		}
		if (s->state != ST_STOPPING) /* leftovers of an exited run are already going */
			set_state(t, s, ST_STOPPING, NULL);
		return;
	}
	timer_cancel(t, &s->spawn_tm); /* a pending restart or retry */
	/* at shutdown an EXITED service stays so, as in supervisord (no STOPPED event) */
	if (s->state == ST_BACKOFF || s->state == ST_STARTING || (s->state == ST_EXITED && !t->stopping))
		set_state(t, s, ST_STOPPED, NULL);
	supervise_after_stop(t, s);
}

static void backoff_or_fatal(struct tend *t, struct svc *s)
{
	if (s->backoff > s->p->startretries) {
		set_state(t, s, ST_FATAL, "too many start retries too quickly");
		if (s->p->shutdown_on != SHUTDOWN_NEVER)
			supervise_shutdown(t, s->exited && !s->spawnerr[0] ? exit_code_of(s->status) : 1);
		return;
	}
	timer_arm(t, &s->spawn_tm, (uint64_t)s->backoff * 1000, spawn_timer);
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

static void restart_after_exit(struct tend *t, struct svc *s)
{
	enum autorestart ar = s->p->autorestart;
	if (ar == RESTART_FALSE || (ar == RESTART_UNEXPECTED && exit_expected(s)))
		return;
	s->crash_delay = next_crash_delay(s);
	if (s->crash_delay)
		timer_arm(t, &s->spawn_tm, s->crash_delay, spawn_timer);
	else
		svc_spawn(t, s);
}

/* Run over and every process of it reaped: decide what comes next. */
static void settle(struct tend *t, struct svc *s)
{
	ready_end(t, s);
	health_end(t, s);
	timer_cancel(t, &s->deadline_tm);
	timer_cancel(t, &s->notice_tm);
	s->keeper_lost = s->killing = false;
	pidset_free(&s->strays);
	stdin_pipe_close(t, s);
	s->refusable = false;
	logs_end_run(t, &s->out); /* deliver what is in the pipes, even without a newline */
	if (s->err_w >= 0)
		logs_end_run(t, &s->err);
	if (s->want_stop || t->stopping) {
		if (s->state == ST_STOPPING || s->state == ST_STARTING || s->state == ST_RUNNING) {
			char what[64] = "stopped";
			if (s->exited)
				describe_status(s->status, what, sizeof what);
			set_state(t, s, ST_STOPPED, "%s", what);
		}
		if (s->start_pending && !t->stopping && !s->remove && !s->next_p) {
			s->start_pending = false; /* started again while it was stopping */
			svc_spawn(t, s);
			return;
		}
		s->start_pending = false;
		supervise_after_stop(t, s);
		return;
	}
	if (s->start_pending) { /* a start asked for while this run was ending */
		s->start_pending = false;
		svc_spawn(t, s);
		return;
	}
	if (s->refused) { /* no process was made: nothing exited, nothing to restart */
		supervise_after_stop(t, s);
		return;
	}
	if (s->exited && !s->spawnerr[0] && s->p->shutdown_on == SHUTDOWN_ON_EXIT) {
		supervise_shutdown(t, exit_code_of(s->status));
		return;
	}
	if (s->state == ST_BACKOFF)
		backoff_or_fatal(t, s);
	else if (s->state == ST_EXITED)
		restart_after_exit(t, s);
}

/* The exec'd image never answered: tend runs through ld.so or valgrind, whose binary
 * /proc/self/exe is. Forked keepers work everywhere; start this one again as such. */
static bool keeper_exec_failed(struct tend *t, struct svc *s, int wstatus)
{
	if (s->hello || s->spawnerr[0] || t->keeper_fork_only || t->keeper_exec_proven || t->stopping)
		return false;
	char what[64];
	describe_status(wstatus, what, sizeof what);
	say(t, V_WARN, "keepers: the re-exec'd image did not answer as a keeper (%s; is tend run through ld.so "
	    "or valgrind?); using forked keepers from now on", what);
	t->keeper_fork_only = true;
	timer_cancel(t, &s->deadline_tm);
	svc_spawn(t, s);
	return true;
}

static void keeper_gone(struct tend *t, struct svc *s, pid_t pid, int wstatus)
{
	s->keeper = 0;
	ctl_drain(t, s);
	ctl_close(t, s);
	timer_cancel(t, &s->deadline_tm);
	if (keeper_exec_failed(t, s, wstatus))
		return;
	bool clean = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	char what[80], how[64];
	describe_status(wstatus, how, sizeof how);
	snprintf(what, sizeof what, "keeper died (%s)", how);
	if (!s->exited && (s->state == ST_STARTING || s->state == ST_RUNNING)) {
		main_exited(t, s, wstatus, now_ms(), what); /* its main process may live on: a stray now */
	} else if (!s->exited) {
		s->exited = true;
		s->status = wstatus;
	}
	if (!clean)
		say(t, V_WARN, "%s: keeper %d died (%s); stopping the processes it left", s->p->name, (int)pid, how);
	if (s->cg)
		cgroup_leftovers(t, s); /* whatever the run left is in its cgroup */
	else if (!clean)
		svc_adopt_strays(t, s);
}

bool svc_reap(struct tend *t, struct svc *s, pid_t pid, int wstatus)
{
	if (pid && pid == s->keeper) {
		keeper_gone(t, s, pid, wstatus);
		if (s->keeper) /* started again as a forked keeper */
			return true;
	} else if (pidset_has(&s->strays, pid)) {
		pidset_del(&s->strays, pid);
		svc_refresh_strays(t, s); /* its children, if any, are ours now */
	} else if (pid) {
		return false;
	} /* pid 0: its cgroup emptied (cgroup.c) */
	if (!svc_active(s))
		settle(t, s);
	return true;
}

/* Reload kept the service: point it (and its log sources) at the new settings. */
void svc_set_program(struct tend *t, struct svc *s, const struct program *p)
{
	t->svcs_gen++; /* what refers to programs looks again (fcgi.c: the pools in use) */
	s->p = p;
	s->out.name = s->err.name = p->name;
	s->out.tgt = &p->out;
	s->err.tgt = &p->err;
}

void svc_release(struct tend *t, struct svc *s)
{
	timer_cancel(t, &s->spawn_tm);
	timer_cancel(t, &s->deadline_tm);
	timer_cancel(t, &s->notice_tm);
	pidset_free(&s->strays);
	stdin_pipe_close(t, s);
	ring_free(t, &s->out_ring);
	ring_free(t, &s->err_ring);
	ready_end(t, s);
	health_end(t, s);
	probe_forget(t, &s->life.ready_probe);
	probe_forget(t, &s->life.health_probe);
	timer_cancel(t, &s->life.dep_tm);
	free(s->life.seen);
	s->life.seen = NULL;
	free(s->life.to);
	s->life.to = NULL;
	listener_free(s);
	cgroup_remove(t, s);
}
