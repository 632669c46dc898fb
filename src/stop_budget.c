/* stop_budget.c — the worst case of a shutdown, computed from the config alone.
 * A runtime gives PID 1 a fixed time after SIGTERM (docker/podman stop -t, default 10 s;
 * Kubernetes' terminationGracePeriodSeconds, default 30 s) and then SIGKILLs the whole
 * container: a service whose stopwaitsecs, after the services that stop before it, ends
 * later than that never gets tend's orderly SIGKILL and clean-up. Pure code: it replays
 * stop_next_wave()'s rule (supervise.c) on the config, each stop taking its stopwaitsecs. */
#include "stop_budget.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RUNNING, STOPPING, GONE };

struct sim {
	const struct config *cf;
	char *st;
	char *needed; /* something still running or stopping depends on it */
	long long *end;
	int *after; /* the program whose end started this one's stop, -1: the first wave */
};

/* Start the next wave at NOW, if one may start; LAST ended at NOW. O(programs + deps). */
static void next_wave(struct sim *m, long long now, int last)
{
	const struct program *p = m->cf->progs;
	int n = m->cf->nprogs, level = INT_MIN;
	bool any = false;
	memset(m->needed, 0, (size_t)n);
	for (int j = 0; j < n; j++)
		for (int k = 0; m->st[j] != GONE && k < p[j].lc.ndeps; k++)
			m->needed[p[j].lc.deps[k].on - p] = 1;
	for (int i = 0; i < n; i++)
		if (m->st[i] == RUNNING && !m->needed[i] && (!any || p[i].priority > level))
			level = p[i].priority, any = true;
	for (int i = 0; any && i < n; i++)
		if (m->st[i] == STOPPING && p[i].priority > level)
			any = false; /* a higher level is still going */
	for (int i = 0; any && i < n; i++)
		if (m->st[i] == RUNNING && !m->needed[i] && p[i].priority == level) {
			m->st[i] = STOPPING;
			m->end[i] = now + p[i].stopwaitsecs * 1000LL;
			m->after[i] = last;
		}
}

long long shutdown_worst_ms(const struct config *cf, const struct program **chain, int max, int *n)
{
	int np = cf->nprogs, last = -1;
	long long now = 0;
	struct sim m = {cf, calloc((size_t)np + 1, 1), calloc((size_t)np + 1, 1),
			calloc((size_t)np + 1, sizeof *m.end), calloc((size_t)np + 1, sizeof *m.after)};
	*n = 0;
	if (!m.st || !m.needed || !m.end || !m.after)
		goto out;
	for (;;) { /* at most one turn per distinct end time: O(programs * (programs + deps)) */
		next_wave(&m, now, last);
		long long next = -1;
		for (int i = 0; i < np; i++)
			if (m.st[i] == STOPPING && (next < 0 || m.end[i] < next))
				next = m.end[i];
		if (next < 0)
			break; /* all gone (a dependency cycle cannot be: the loader rejects it) */
		for (int i = 0; i < np; i++)
			if (m.st[i] == STOPPING && m.end[i] == next)
				m.st[i] = GONE, last = i;
		now = next;
	}
	for (int i = last, k = 0; i >= 0; i = m.after[i], k++)
		if ((*n = k + 1) <= max)
			chain[k] = &cf->progs[i];
out:
	free(m.st);
	free(m.needed);
	free(m.end);
	free(m.after);
	return now;
}

long long shutdown_worst_text(const struct config *cf, char *out, size_t len)
{
	const struct program *chain[8];
	int n;
	long long ms = shutdown_worst_ms(cf, chain, 8, &n);
	size_t k = (size_t)snprintf(out, len, "%lld s", ms / 1000);
	const char *sep = n > 8 ? ": ..., then " : ": ";
	for (int i = (n > 8 ? 8 : n) - 1; i >= 0 && k < len; i--, sep = ", then ") /* kept last first */
		k += (size_t)snprintf(out + k, len - k, "%s%s (%d s)", sep, chain[i]->name, chain[i]->stopwaitsecs);
	return ms;
}
