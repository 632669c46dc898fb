/* service_stop.c — what a stop waits for, beside the state machine (service.c): tend's
 * own deadline over every keeper (one that does not answer, or does not finish a stop in
 * its stopwaitsecs plus a margin, is killed with its tree), the processes of a keeper that
 * died (strays, stopped and reaped before any restart), and the "still waiting for ..."
 * notices. Nothing here changes a state. */
#include "service.h"
#include "keeper.h"
#include "cgroup.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define HELLO_MS 5000         /* a keeper that has not answered by then is not one */
#define KEEPER_MARGIN_MS 2000 /* past the keeper's own stopwaitsecs, tend kills it */
#define NOTICE_MS 1000        /* a stop that takes longer says what it waits for */

/* ---- a keeper that died: its processes are now ours ---- */

/* Every child of tend that belongs to nobody is taken as this service's stray and gets the
 * stop signal (SIGKILL once killing), its whole tree with it. Called at the keeper's death
 * and after every reap of a stray, because a stray's descendants are re-parented to tend
 * only when their own parent dies. */
void svc_refresh_strays(struct tend *t, struct svc *s)
{
	struct pidset kids = {0};
	if (proc_children(t->self, &kids) < 0)
		say(t, V_WARN, "%s: cannot list processes (%s): what its keeper left is reaped, not stopped",
		    s->p->name, errstr());
	for (size_t i = 0; i < kids.n; i++) {
		pid_t c = kids.v[i];
		if (supervise_known_child(t, c) || !pidset_add(&s->strays, c))
			continue;
		tree_signal(c, s->killing ? SIGKILL : s->p->stopsignal, true);
	}
	pidset_free(&kids);
}

/* tend's own deadline: a keeper that did not answer, or did not finish a stop in its
 * stopwaitsecs plus a margin (stopped, stuck), is killed with all its processes; strays
 * still alive after stopwaitsecs get SIGKILL. */
static void deadline_fired(struct tend *t, struct timer *tm)
{
	struct svc *s = container_of(tm, struct svc, deadline_tm);
	s->killing = true;
	if (s->keeper) {
		if (s->hello)
			say(t, V_WARN, "%s: keeper %d has not finished %d s after stopwaitsecs; killing it and its processes",
			    s->p->name, (int)s->keeper, KEEPER_MARGIN_MS / 1000);
		else
			say(t, V_WARN, "%s: keeper %d did not answer within %d s; killing it", s->p->name, (int)s->keeper,
			    HELLO_MS / 1000);
		tree_signal(s->keeper, SIGKILL, true);
		cgroup_kill(t, s);
		return;
	}
	if (s->cg) {
		say(t, V_WARN, "%s: stopwaitsecs (%d s) passed: cgroup.kill", s->p->name, s->p->stopwaitsecs);
		cgroup_kill(t, s);
		return;
	}
	say(t, V_WARN, "%s: stopwaitsecs (%d s) passed: SIGKILL to what its keeper left", s->p->name, s->p->stopwaitsecs);
	for (size_t i = 0; i < s->strays.n; i++)
		tree_signal(s->strays.v[i], SIGKILL, true);
	svc_refresh_strays(t, s);
}

/* ---- what a stop is waiting for ---- */

static void notice_fired(struct tend *t, struct timer *tm)
{
	struct svc *s = container_of(tm, struct svc, notice_tm);
	struct pidset left = {0};
	char list[512];
	if (s->keeper)
		tree_list(s->keeper, &left);
	for (size_t i = 0; i < s->strays.n; i++)
		if (pidset_add(&left, s->strays.v[i]))
			tree_list(s->strays.v[i], &left);
	cgroup_pids(s, &left);
	if (left.n) {
		describe_pids(&left, list, sizeof list);
		uint64_t now = now_ms();
		if (s->kill_at > now)
			say(t, V_WARN, "%s: waiting for %s to exit; SIGKILL in %llu s", s->p->name, list,
			    (unsigned long long)(s->kill_at - now + 999) / 1000);
		else
			say(t, V_WARN, "%s: waiting for %s to exit (SIGKILL sent)", s->p->name, list);
	}
	pidset_free(&left);
}

/* A stop phase begins: its processes get SIGKILL stopwaitsecs from now (from the keeper,
 * or from tend for strays). Say so at once with -v, otherwise when it takes more than a
 * second. DEADLINE_MS > 0 arms tend's own deadline. */
void svc_stop_phase(struct tend *t, struct svc *s, uint64_t deadline_ms)
{
	uint64_t wait = (uint64_t)s->p->stopwaitsecs * 1000;
	s->kill_at = s->killing ? 0 : now_ms() + wait;
	if (t->opt.verbosity >= V_INFO)
		notice_fired(t, &s->notice_tm);
	if (wait > NOTICE_MS)
		timer_arm(t, &s->notice_tm, NOTICE_MS, notice_fired);
	if (deadline_ms && !s->killing)
		timer_arm(t, &s->deadline_tm, deadline_ms, deadline_fired);
}

/* tend's deadline over a keeper that is stopping something */
uint64_t svc_keeper_deadline(const struct svc *s)
{
	return (uint64_t)s->p->stopwaitsecs * 1000 + KEEPER_MARGIN_MS;
}

void svc_adopt_strays(struct tend *t, struct svc *s)
{
	s->keeper_lost = true;
	svc_refresh_strays(t, s);
	if (s->strays.n) /* their SIGKILL comes from tend itself, at stopwaitsecs */
		svc_stop_phase(t, s, (uint64_t)s->p->stopwaitsecs * 1000 + 1);
}


void svc_arm_hello(struct tend *t, struct svc *s)
{
	timer_arm(t, &s->deadline_tm, HELLO_MS, deadline_fired);
}

void svc_send_stop(struct tend *t, struct svc *s)
{
	struct kmsg m = {.type = K_STOP};
	if (s->cmd_fd >= 0 && write(s->cmd_fd, &m, sizeof m) < 0 && errno != EPIPE)
		say(t, V_WARN, "%s: cannot reach keeper: %s", s->p->name, errstr());
}

