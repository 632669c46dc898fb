/* health.c — liveness once a run is RUNNING (ready), with Docker HEALTHCHECK's meaning:
 * a check every health_interval, each bounded by health_timeout; health_retries failures
 * in a row make the service unhealthy; failures within health_start_period of readiness
 * do not count (a pass there makes it healthy at once). healthcheck=notify is the sd_notify
 * watchdog: each watchdog_sec without WATCHDOG=1 is one failed check. An unhealthy service
 * with health_action=restart is stopped as a whole tree and started again (svc_restart). */
#include "service.h"

#include <stdio.h>

static const char *const health_names[] = {"", "starting", "healthy", "unhealthy"};

const char *health_name(enum health h) { return health_names[h]; }

static void set_health(struct tend *t, struct svc *s, enum health h, const char *why)
{
	if (s->life.health == h)
		return;
	say(t, h == H_UNHEALTHY ? V_WARN : V_INFO, "%s: %s%s%s", s->p->name, health_names[h], why ? ": " : "",
	    why ? why : "");
	s->life.health = h;
	t->lc_dirty = true; /* depends_on=...:healthy is judged on it */
}

static void check_result(struct tend *t, struct svc *s, bool ok, const char *why)
{
	const struct lifecycle *lc = &s->p->lc;
	if (ok) {
		s->life.fails = 0;
		set_health(t, s, H_HEALTHY, NULL);
		return;
	}
	if (s->life.health == H_STARTING && now_ms() - s->life.ready_at < (uint64_t)lc->health_start) {
		say(t, V_INFO, "%s: health check failed in its start period: %s", s->p->name, why);
		return;
	}
	s->life.fails++;
	say(t, V_WARN, "%s: health check failed (%d in a row; unhealthy at %d): %s", s->p->name, s->life.fails,
	    lc->health_retries, why);
	if (s->life.fails < lc->health_retries)
		return;
	char msg[200];
	snprintf(msg, sizeof msg, "%d failed check%s in a row, the last: %s", s->life.fails, s->life.fails == 1 ? "" : "s",
		 why);
	set_health(t, s, H_UNHEALTHY, msg);
	if (lc->health_restart)
		svc_restart(t, s, "unhealthy");
}

static void probe_result(struct tend *t, struct probe *pr, bool ok, const char *why)
{
	check_result(t, pr->s, ok, why);
}

static void watchdog_fired(struct tend *t, struct timer *tm)
{
	struct svc *s = container_of(tm, struct svc, life.watchdog_tm);
	char why[80];
	snprintf(why, sizeof why, "no WATCHDOG=1 within %lld ms (watchdog_sec)", s->life.watchdog);
	timer_arm(t, tm, (uint64_t)s->life.watchdog, watchdog_fired); /* each window missed is one failure */
	check_result(t, s, false, why);
}

void health_watchdog_fed(struct tend *t, struct svc *s)
{
	if (s->life.health != H_NONE && s->p->lc.health.kind == PROBE_NOTIFY)
		timer_arm(t, &s->life.watchdog_tm, (uint64_t)s->life.watchdog, watchdog_fired);
	if (s->life.health == H_STARTING || s->life.health == H_UNHEALTHY)
		check_result(t, s, true, NULL);
}

/* WATCHDOG=trigger: the service says it is broken. */
void health_watchdog_failed(struct tend *t, struct svc *s, const char *why)
{
	if (s->life.health != H_NONE)
		check_result(t, s, false, why);
}

void health_begin(struct tend *t, struct svc *s)
{
	const struct lifecycle *lc = &s->p->lc;
	s->life.fails = 0;
	if (lc->health.kind == PROBE_NONE)
		return;
	s->life.health = H_STARTING;
	if (lc->health.kind == PROBE_NOTIFY) {
		if (!s->life.watchdog)
			s->life.watchdog = lc->watchdog;
		timer_arm(t, &s->life.watchdog_tm, (uint64_t)s->life.watchdog, watchdog_fired);
	} else {
		probe_start(t, &s->life.health_probe, s, &lc->health, lc->health_interval, lc->health_timeout, probe_result);
	}
}

void health_end(struct tend *t, struct svc *s)
{
	probe_stop(t, &s->life.health_probe);
	timer_cancel(t, &s->life.watchdog_tm);
	s->life.health = H_NONE;
	s->life.watchdog = 0;
}
