/* ctl_server_metrics.c — GET /metrics: Prometheus text exposition format 0.0.4, computed
 * per request (nothing is sampled between scrapes, so nobody scraping costs nothing).
 * Every family gets # HELP and # TYPE before its samples; each service is one label
 * service="NAMESPEC", escaped as the format says (\\, \", \n). */
#include "ctl_server_int.h"
#include "control.h"
#include "metrics.h"
#include "service.h"
#include "usage.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *const metric_fams[M_END] = {
	[M_STATE] = "service_state gauge 1 for the current state",
	[M_UPTIME] = "service_uptime_seconds gauge since the run was spawned",
	[M_RESTARTS] = "service_restarts_total counter spawns after the first",
	[M_EXIT] = "service_exit_status gauge last exit code (-1: a signal)",
	[M_READY] = "service_ready gauge 1 if ready",
	[M_HEALTHY] = "service_healthy gauge 1 if healthy",
	[M_CPU] = "service_cpu_seconds_total counter CPU time of the tree",
	[M_RSS] = "service_memory_rss_bytes gauge RSS of the tree",
	[M_PSS] = "service_memory_pss_bytes gauge PSS of the tree",
	[M_MEM] = "service_memory_current_bytes gauge cgroup v2 memory.current (cgroup mode)",
	[M_PROCS] = "service_processes gauge processes in the tree (up to 4096)",
	[M_FDS] = "service_open_fds gauge open fds of the tree",
	[M_LOG] = "service_log_bytes_total counter output read",
	[M_DROPPED] = "service_log_dropped_bytes_total counter output lost",
	[M_OWN_RSS] = "memory_rss_bytes gauge RSS of tend",
	[M_OWN_FDS] = "open_fds gauge open fds of tend",
	[M_TURNS] = "loop_turns_total counter event-loop turns of tend",
};
#define fams metric_fams
_Static_assert(USAGE_MAX_PROCS == 4096, "the help text of tend_service_processes");

static void put_label(struct buf *b, const char *v)
{
	for (size_t n; *v; v += n) { /* runs without a character to escape go in one piece */
		n = strcspn(v, "\\\"\n");
		buf_put(b, v, n);
		if (v[n])
			buf_puts(b, v[n++] == '\n' ? "\\n" : v[n - 1] == '"' ? "\\\"" : "\\\\");
	}
}

static void sample(struct buf *b, int f, const struct svc *s, const char *k, const char *v, double x)
{
	buf_puts(b, "tend_");
	buf_put(b, fams[f], strcspn(fams[f], " "));
	if (s) { /* the namespec: "group:name", or "name" when they are the same */
		buf_puts(b, "{service=\"");
		if (strcmp(s->p->group, s->p->name)) {
			put_label(b, s->p->group);
			buf_puts(b, ":");
		}
		put_label(b, s->p->name);
		buf_puts(b, "\"");
		if (k)
			buf_printf(b, ",%s=\"%s\"", k, v);
		buf_puts(b, "}");
	}
	/* integers as integers: musl's %g is ten times slower, and most values are counts */
	if (x >= 0 && x < 1e18 && x == (double)(unsigned long long)x)
		buf_printf(b, " %llu\n", (unsigned long long)x);
	else
		buf_printf(b, " %.15g\n", x);
}

static uint64_t dropped(const struct log_src *l)
{
	const struct out_health *h = l->own_sink && l->sink ? &l->sink->health : NULL;
	return l->file.before + l->file.dropped + (h ? h->before + h->dropped : 0);
}

static double val(int f, const struct svc *s, const struct usage *u)
{
	switch (f) {
	case M_UPTIME:
		return s->keeper && !s->exited ? (double)(now_ms() - s->started) / 1000 : 0;
	case M_RESTARTS:
		return (double)(s->life.runs ? s->life.runs - 1 : 0);
	case M_EXIT:
		return s->start_wall && s->exited ? WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1 : 0;
	case M_READY:
		return svc_is_ready(s, true);
	case M_HEALTHY:
		return svc_is_healthy(s, true);
	case M_CPU:
		return u->cpu;
	case M_RSS:
		return (double)u->rss;
	case M_PSS:
		return (double)u->pss;
	case M_MEM:
		return (double)u->mem;
	case M_PROCS:
		return u->procs;
	default:
		return u->fds;
	}
}

static void service_family(struct buf *b, int f, struct svc **v, const struct usage *u, int n)
{
	for (int i = 0; i < n; i++) {
		const struct svc *s = v[i];
		if (f == M_STATE)
			for (int st = ST_STOPPED; st <= ST_FATAL; st++)
				sample(b, f, s, "state", svc_state_name(st), s->state == (enum svc_state)st);
		else if (f == M_LOG || f == M_DROPPED)
			for (int e = 0; e < 2; e++) {
				const struct log_src *l = e ? &s->err : &s->out;
				sample(b, f, s, "stream", e ? "stderr" : "stdout",
				       (double)(f == M_LOG ? l->pos : dropped(l)));
			}
		else if (f != M_MEM || u[i].mem >= 0) /* memory.current: only what a cgroup has */
			sample(b, f, s, NULL, NULL, val(f, s, &u[i]));
	}
}

void ctl_metrics_answer(struct tend *t, struct conn *c)
{
	struct svc **v = NULL;
	struct buf body;
	buf_init(&body, 64u << 20);
	int n = control_all(t, &v);
	struct usage *u = calloc((size_t)(n > 0 ? n : 0) + 1, sizeof *u), own;
	if (n < 0 || !u)
		body.over = true; /* a 500 */
	for (int i = 0; !body.over && i < n; i++)
		usage_of(t, v[i], &u[i]);
	usage_of(t, NULL, &own);
	double mine[] = {(double)own.rss, own.fds, (double)t->gen};
	for (int f = 0; !body.over && f < M_END; f++) {
		const char *name = fams[f], *type = strchr(name, ' ') + 1, *help = strchr(type, ' ') + 1;
		buf_printf(&body, "# HELP tend_%.*s %s\n# TYPE tend_%.*s\n", (int)(type - 1 - name), name, help,
			   (int)(help - 1 - name), name);
		if (f < M_SVC_END)
			service_family(&body, f, v, u, n);
		else
			sample(&body, f, NULL, NULL, NULL, mine[f - M_SVC_END]);
	}
	ctl_send_body(t, c, 200, "text/plain; version=0.0.4; charset=utf-8", &body);
	free(v);
	free(u);
	buf_free(&body);
}
