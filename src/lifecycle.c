/* lifecycle.c — the questions the container asks (tend ctl ready / healthy, GET /readyz,
 * /healthz, status): pure judgements on a service's state, nothing changes here.
 *
 * ready: RUNNING (so ready, when ready= is set) and not reloading or stopping by its own
 * word (sd_notify RELOADING=1 / STOPPING=1); a one-shot that exited as expected and will not
 * be restarted also counts (a finished migration must not keep a pod unready).
 * healthy: not FATAL, not BACKOFF, and not UNHEALTHY by its health check.
 * Unnamed, a STOPPED service is left out of both (stopped on purpose, or never meant to
 * start); named, it fails both. */
#include "service.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static bool finished_one_shot(const struct svc *s)
{
	return s->state == ST_EXITED && WIFEXITED(s->status) && exitcode_expected(s->p, WEXITSTATUS(s->status)) &&
	       s->p->autorestart != RESTART_TRUE;
}

bool svc_is_ready(const struct svc *s, bool named)
{
	if (s->state == ST_STOPPED)
		return !named;
	if (finished_one_shot(s))
		return true;
	return s->state == ST_RUNNING && !s->life.reloading && !s->life.notify_stopping;
}

bool svc_is_healthy(const struct svc *s, bool named)
{
	if (s->state == ST_STOPPED)
		return !named;
	return s->state != ST_FATAL && s->state != ST_BACKOFF && s->life.health != H_UNHEALTHY;
}

/* What status shows after supervisord's own description: ", not ready", ", healthy",
 * "; STATUS=text". Empty for a service without lifecycle keys, so supervisorctl's output
 * is unchanged for supervisord's configs. */
void svc_describe_life(const struct svc *s, char *buf, size_t len)
{
	const struct lifecycle *lc = &s->p->lc;
	size_t off = 0;
	buf[0] = 0;
	if (s->life.dep_wait)
		return; /* the state's own reason says what it waits for */
	if (lc->ready.kind != PROBE_NONE && (s->state == ST_STARTING || s->state == ST_RUNNING))
		off += (size_t)snprintf(buf + off, len - off, ", %s",
					s->life.reloading ? "reloading" : s->life.notify_stopping ? "stopping"
					: s->state == ST_RUNNING ? "ready" : "not ready");
	if (s->life.health != H_NONE && off < len)
		off += (size_t)snprintf(buf + off, len - off, ", %s", health_name(s->life.health));
	if (s->life.status[0] && off < len)
		snprintf(buf + off, len - off, "; %s", s->life.status);
}
