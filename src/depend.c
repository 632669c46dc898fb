/* depend.c — depends_on= and what follows from it. A dependent's start waits (STARTING,
 * no process) until every condition holds, at most depends_timeout; service.c does the
 * waiting, this file judges it. Conditions are judged on states, never on transitions,
 * once per loop turn after states changed (set_state sets t->lc_dirty): so a chain of
 * waits settles in one turn, and nothing re-enters the state machine. Also here:
 * on_dependency_failure=stop, restart_with= (systemd's PartOf=), and which services a
 * shutdown may stop next (dependents before what they depend on). */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define PASSES_PER_TURN 8 /* waits settled per turn; more continue in the next one */

/* The running service of a program named in depends_on (by name: a reload may have
 * replaced the program objects). */
static struct svc *find(struct tend *t, const struct program *p)
{
	for (int i = 0; i < t->nsvcs; i++)
		if (!strcmp(t->svcs[i]->p->name, p->name) && !strcmp(t->svcs[i]->p->group, p->group))
			return t->svcs[i];
	return NULL;
}

/* S's dependency I (restart_with targets follow the depends_on ones), looked up by name
 * once per change of the service list (t->svcs_gen) or of S's program: judging waits
 * every turn costs no search. */
static struct svc *target(struct tend *t, struct svc *s, int i)
{
	const struct lifecycle *lc = &s->p->lc;
	struct svc_life *l = &s->life;
	int n = lc->ndeps + lc->nrestart_with;
	if (l->to_gen != t->svcs_gen + 1 || l->to_prog != s->p) {
		struct svc **v = realloc(l->to, (size_t)(n ? n : 1) * sizeof *v);
		if (!v) /* no memory: search each time */
			return find(t, i < lc->ndeps ? lc->deps[i].on : lc->restart_with[i - lc->ndeps]);
		for (int k = 0; k < n; k++)
			v[k] = find(t, k < lc->ndeps ? lc->deps[k].on : lc->restart_with[k - lc->ndeps]);
		l->to = v;
		l->to_gen = t->svcs_gen + 1;
		l->to_prog = s->p;
	}
	return l->to[i];
}

static bool holds(const struct svc *d, enum dep_cond c)
{
	switch (c) {
	case DEP_STARTED: /* its process exists (the keeper reported the spawn) */
		return d->state == ST_RUNNING || (d->state == ST_STARTING && d->keeper && d->pid > 0);
	case DEP_READY:
		return d->state == ST_RUNNING && !d->life.reloading && !d->life.notify_stopping;
	case DEP_HEALTHY:
		return d->state == ST_RUNNING && d->life.health == H_HEALTHY;
	case DEP_COMPLETED:
		return d->state == ST_EXITED;
	case DEP_COMPLETED_OK:
		return d->state == ST_EXITED && WIFEXITED(d->status) && exitcode_expected(d->p, WEXITSTATUS(d->status));
	}
	return false;
}

static void name_dep(const struct dep *d, char *why, size_t len)
{
	const struct program *p = d->on;
	if (strcmp(p->group, p->name))
		snprintf(why, len, "%s:%s:%s", p->group, p->name, dep_cond_name(d->cond));
	else
		snprintf(why, len, "%s:%s", p->name, dep_cond_name(d->cond));
}

bool depend_blocked(struct tend *t, struct svc *s, char *why, size_t len)
{
	const struct lifecycle *lc = &s->p->lc;
	for (int i = 0; i < lc->ndeps; i++) {
		struct svc *d = target(t, s, i);
		if (!d || !holds(d, lc->deps[i].cond)) {
			name_dep(&lc->deps[i], why, len);
			return true;
		}
	}
	return false;
}

/* A dependency FATAL, or stopped on request: with on_dependency_failure=stop, what
 * depends on it stops too (or gives up waiting). */
static const struct svc *failed_dependency(struct tend *t, struct svc *s)
{
	const struct lifecycle *lc = &s->p->lc;
	for (int i = 0; i < lc->ndeps; i++) {
		const struct svc *d = target(t, s, i);
		if (d && (d->state == ST_FATAL || (d->state == ST_STOPPED && d->life.user_stopped)))
			return d;
	}
	return NULL;
}

void depend_started(struct tend *t, struct svc *s)
{
	const struct lifecycle *lc = &s->p->lc;
	s->life.user_stopped = false;
	if (!lc->nrestart_with)
		return;
	uint64_t *v = realloc(s->life.seen, (size_t)lc->nrestart_with * sizeof *v);
	if (!v)
		return; /* without a baseline restart_with waits for the next run */
	s->life.seen = v;
	for (int i = 0; i < lc->nrestart_with; i++) {
		struct svc *d = target(t, s, lc->ndeps + i);
		v[i] = d ? d->life.runs : 0;
	}
}

/* restart_with=: a target began a new run since this one began. */
static const struct svc *restarted_target(struct tend *t, struct svc *s)
{
	const struct lifecycle *lc = &s->p->lc;
	for (int i = 0; s->life.seen && i < lc->nrestart_with; i++) {
		struct svc *d = target(t, s, lc->ndeps + i);
		if (d && d->life.runs != s->life.seen[i] && d->life.runs > 1) { /* a first start is no restart */
			s->life.seen[i] = d->life.runs;
			return d;
		}
	}
	return NULL;
}

static bool running_or_starting(const struct svc *s)
{
	return svc_active(s) && (s->state == ST_STARTING || s->state == ST_RUNNING);
}

static void judge(struct tend *t, struct svc *s)
{
	char why[300];
	const struct svc *d = s->p->lc.dep_fail_stop ? failed_dependency(t, s) : NULL;
	if (s->life.dep_wait) {
		if (!depend_blocked(t, s, why, sizeof why)) {
			svc_spawn(t, s);
		} else if (!d) {
			snprintf(s->life.wait_why, sizeof s->life.wait_why, "%.120s", why); /* the next one it waits for */
		} else {
			snprintf(why, sizeof why, "dependency %s is %s (on_dependency_failure=stop)", d->p->name,
				 svc_state_name(d->state));
			svc_give_up(t, s, why);
		}
		return;
	}
	if (!running_or_starting(s) || s->want_stop)
		return;
	if (d) {
		say(t, V_WARN, "%s: stopping it: dependency %s is %s (on_dependency_failure=stop)", s->p->name, d->p->name,
		    svc_state_name(d->state));
		s->life.user_stopped = true; /* its own dependents follow */
		svc_stop(t, s);
	} else if ((d = restarted_target(t, s))) {
		say(t, V_WARN, "%s: restarting it with %s (restart_with)", s->p->name, d->p->name);
		s->start_pending = true;
		svc_stop(t, s);
	}
}

static void depend_timer(struct tend *t, struct timer *tm)
{
	(void)tm;
	t->lc_dirty = true; /* the end of this turn goes on */
}

void depend_turn(struct tend *t)
{
	for (int pass = 0; t->lc_dirty && !t->stopping; pass++) {
		if (pass == PASSES_PER_TURN) {
			timer_arm(t, &t->lc_tm, 0, depend_timer);
			return;
		}
		t->lc_dirty = false;
		for (int i = 0; i < t->nsvcs; i++)
			if (t->svcs[i]->p->lc.ndeps || t->svcs[i]->p->lc.nrestart_with)
				judge(t, t->svcs[i]);
	}
	t->lc_dirty = false;
}

/* Marks every service something active depends on (life.needed), for a shutdown wave:
 * one pass over the dependencies instead of one per service. */
void depend_mark_needed(struct tend *t)
{
	for (int i = 0; i < t->nsvcs; i++)
		t->svcs[i]->life.needed = false;
	for (int i = 0; i < t->nsvcs; i++) {
		struct svc *x = t->svcs[i];
		if (!svc_active(x))
			continue;
		for (int j = 0; j < x->p->lc.ndeps; j++) {
			struct svc *d = target(t, x, j);
			if (d && d != x)
				d->life.needed = true;
		}
	}
}
