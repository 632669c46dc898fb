/* events.c — supervisord's event bus. Producers (set_state, services' output, XML-RPC,
 * shutdown, group changes, tick timers) make typed events with supervisord's payloads;
 * each [eventlistener:x] pool that subscribes to the type buffers it (buffer_size, the
 * oldest dropped on overflow, as supervisord), and before the loop sleeps the buffered
 * events go to the pool's READY listeners, oldest first, one in flight per listener.
 * Nothing here exists without a pool: no pool, no allocation, no timer (TICK timers run
 * only while a pool subscribes to them). Output events (PROCESS_LOG) are the one
 * exception to dropping: a service's stream waits (back-pressure) while a pool it feeds
 * is full, unless that pool has taken nothing for EV_STALL_MS. */
#include "events.h"
#include "ctl_server.h"
#include "service.h"
#include "state_change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct pool_item {
	struct pool_item *next;
	struct event *ev;
	uint64_t pool_serial;
};

struct pool {
	struct pool *next;
	char *name;            /* the [eventlistener:x] group */
	uint32_t mask;
	int size;              /* buffer_size */
	struct pool_item *head, **tail; /* the buffer, oldest first */
	int n;
	size_t bytes;          /* the payloads it holds, within POOL_BYTES_MAX */
	uint64_t serial;       /* pool serials given so far */
	struct svc **procs;    /* its listeners, in t->svcs order */
	int nprocs;
	bool seen;             /* events_sync: still configured */
	uint64_t full_since;   /* ms: full with nothing taken since (stall detection), 0: not full */
	struct log_src *waiters; /* output paused on this pool */
	struct timer stall_tm;
};

struct ev_bus {
	struct pool *pools;
	uint32_t mask;         /* what some pool subscribes to */
	uint64_t serial;       /* global serials given so far */
	bool dirty;            /* something to hand over */
	struct timer again_tm; /* ... and more than one turn's work: the loop does not sleep */
	struct log_src *resume; /* output that waited on a pool freed since */
	struct timer tick_tm[3];
	long long tick_last[3];
};

static const int tick_period[3] = {5, 60, 3600};

#define POOL_BYTES_MAX (64u << 20) /* the payloads one pool may hold */
/* A payload's first line: names longer than this are cut (so every head fits HEAD_MAX). */
#define NAME_FMT "%.1024s"
#define HEAD_MAX (2 * 1024 + 128)

/* ---- events ---- */

static struct event *event_new(enum ev_type type, const char *head, size_t hn, const char *data, size_t dn)
{
	struct event *ev = malloc(sizeof *ev + hn + dn + 1);
	if (!ev)
		return NULL;
	*ev = (struct event){.refs = 1, .type = type, .len = hn + dn};
	memcpy(ev->payload, head, hn);
	if (dn)
		memcpy(ev->payload + hn, data, dn);
	ev->payload[hn + dn] = 0;
	for (size_t i = 0; i < ev->len; i++) /* Python's len() of the decoded payload */
		ev->chars += ((unsigned char)ev->payload[i] & 0xc0) != 0x80;
	return ev;
}

void event_unref(struct event *ev)
{
	if (ev && --ev->refs == 0)
		free(ev);
}

/* ---- pools ---- */

/* Full for output events: by count, or by bytes (half the bound: room for the others). */
static bool pool_full(const struct pool *pl)
{
	return pl->n >= pl->size || pl->bytes >= POOL_BYTES_MAX / 2;
}

static void pool_drop_oldest(struct tend *t, struct pool *pl)
{
	struct pool_item *it = pl->head;
	say(t, V_WARN, "pool %s event buffer overflowed, discarding event %llu", pl->name, (unsigned long long)it->ev->serial);
	pl->head = it->next;
	if (!pl->head)
		pl->tail = &pl->head;
	pl->n--;
	pl->bytes -= it->ev->len;
	event_unref(it->ev);
	free(it);
}

static void pool_accept(struct tend *t, struct pool *pl, struct event *ev, uint64_t pool_serial, bool head)
{
	struct pool_item *it = malloc(sizeof *it);
	if (!it) {
		say(t, V_WARN, "pool %s: out of memory, discarding event %llu", pl->name, (unsigned long long)ev->serial);
		return;
	}
	while (pl->n && (pl->n >= pl->size || pl->bytes + ev->len > POOL_BYTES_MAX))
		pool_drop_oldest(t, pl);
	*it = (struct pool_item){head ? pl->head : NULL, ev, pool_serial};
	if (head) {
		if (!pl->head)
			pl->tail = &it->next;
		pl->head = it;
	} else {
		*pl->tail = it;
		pl->tail = &it->next;
	}
	pl->bytes += ev->len;
	pl->n++;
	if (pool_full(pl) && !pl->full_since)
		pl->full_since = now_ms();
	ev->refs++;
	t->ev->dirty = true;
}

/* An event offered to every pool that subscribes; the caller's reference is dropped. */
static void publish(struct tend *t, struct event *ev)
{
	if (ev && ev->len > EV_PAYLOAD_MAX) {
		say(t, V_WARN, "%s event of %zu bytes dropped: more than a listener can be sent (%d)", ev_name(ev->type),
		    ev->len, EV_PAYLOAD_MAX);
		event_unref(ev);
		return;
	}
	if (!ev)
		return;
	for (struct pool *pl = t->ev->pools; pl; pl = pl->next) {
		if (!(pl->mask & EV_BIT(ev->type)))
			continue;
		if (!ev->serial_set) {
			ev->serial = t->ev->serial++;
			ev->serial_set = true;
		}
		pool_accept(t, pl, ev, pl->serial++, false);
	}
	event_unref(ev);
}

static bool wanted(struct tend *t, enum ev_type type)
{
	if (t->ev_gen != t->svcs_gen)
		events_sync(t);
	return t->ev && (t->ev->mask & EV_BIT(type));
}

void events_rebuffer(struct tend *t, struct svc *s, struct event *ev, uint64_t pool_serial)
{
	for (struct pool *pl = t->ev ? t->ev->pools : NULL; pl; pl = pl->next)
		if (!strcmp(pl->name, s->p->group)) {
			say(t, V_DEBUG, "rebuffering event %llu for pool %s", (unsigned long long)ev->serial, pl->name);
			pool_accept(t, pl, ev, pool_serial, true);
		}
	event_unref(ev);
}

void events_listener_ready(struct tend *t)
{
	if (t->ev)
		t->ev->dirty = true;
}

/* ---- producers ---- */

/* `tend ctl events` (GET /events): every transition, with what supervisord's payloads lack */
static void publish_native(struct tend *t, struct svc *s, int from, const char *why)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	pid_t pid = s->state == ST_STARTING ? 0 : s->pid; /* a new run has no main process yet */
	ctl_events_publish(t, &(struct state_change){s, from, s->state, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000,
						     pid, s->exited && pid, s->status, why});
}

void events_state(struct tend *t, struct svc *s, int from, const char *why)
{
	if (t->ev_subs)
		publish_native(t, s, from, why);
	static const enum ev_type of_state[] = {EV_STATE_STOPPED, EV_STATE_STARTING, EV_STATE_RUNNING,
						EV_STATE_BACKOFF, EV_STATE_STOPPING, EV_STATE_EXITED, EV_STATE_FATAL};
	enum ev_type type = of_state[s->state];
	if (s->p->listener && t->ev)
		t->ev->dirty = true; /* a listener became RUNNING (or stopped being) */
	if (!wanted(t, type))
		return;
	/* the pid while the process lives, or for the transition its exit caused (supervisord
	 * clears it after finish()) */
	pid_t pid = s->state == ST_STOPPED && from != ST_STOPPING ? 0 : s->pid;
	char extra[48] = "", h[HEAD_MAX];
	if (type == EV_STATE_STARTING || type == EV_STATE_BACKOFF)
		snprintf(extra, sizeof extra, " tries:%d", s->backoff);
	else if (type == EV_STATE_EXITED)
		snprintf(extra, sizeof extra, " expected:%d pid:%d",
			 WIFEXITED(s->status) && exitcode_expected(s->p, WEXITSTATUS(s->status)), (int)pid);
	else if (type != EV_STATE_FATAL)
		snprintf(extra, sizeof extra, " pid:%d", (int)pid);
	int n = snprintf(h, sizeof h, "processname:" NAME_FMT " groupname:" NAME_FMT " from_state:%s%s", s->p->name,
			 s->p->group, svc_state_name((enum svc_state)from), extra);
	publish(t, event_new(type, h, (size_t)n, NULL, 0));
}

void events_output(struct tend *t, struct svc *s, struct log_src *src, const char *p, size_t n, bool comm)
{
	bool err = src == &s->err;
	enum ev_type type = comm ? (err ? EV_COMM_STDERR : EV_COMM_STDOUT) : (err ? EV_LOG_STDERR : EV_LOG_STDOUT);
	if ((!comm && !(err ? s->p->err_events : s->p->out_events)) || !wanted(t, type))
		return;
	char h[HEAD_MAX];
	int k = snprintf(h, sizeof h, "processname:" NAME_FMT " groupname:" NAME_FMT " pid:%d%s%s\n", s->p->name,
			 s->p->group, (int)s->pid, comm ? "" : " channel:", comm ? "" : err ? "stderr" : "stdout");
	publish(t, event_new(type, h, (size_t)k, p, n));
}

void events_remote(struct tend *t, const char *type, const char *data)
{
	if (!wanted(t, EV_REMOTE_COMM))
		return;
	char h[HEAD_MAX];
	int k = snprintf(h, sizeof h, "type:" NAME_FMT "\n", type);
	publish(t, event_new(EV_REMOTE_COMM, h, (size_t)k, data, strlen(data)));
}

void events_supervisor(struct tend *t, bool running)
{
	enum ev_type type = running ? EV_SUP_RUNNING : EV_SUP_STOPPING;
	if (wanted(t, type))
		publish(t, event_new(type, "", 0, NULL, 0));
}

void events_group(struct tend *t, const char *group, bool added)
{
	enum ev_type type = added ? EV_GROUP_ADDED : EV_GROUP_REMOVED;
	if (!wanted(t, type))
		return;
	char h[HEAD_MAX];
	int k = snprintf(h, sizeof h, "groupname:" NAME_FMT "\n", group);
	publish(t, event_new(type, h, (size_t)k, NULL, 0));
}

struct group_at {
	int priority;
	const char *name;
};

static int by_group(const void *a, const void *b)
{
	const struct group_at *x = a, *y = b;
	return x->priority != y->priority ? (x->priority < y->priority ? -1 : 1) : strcmp(x->name, y->name);
}

/* supervisord's start: every group added in (priority, name) order, then RUNNING. */
void events_started(struct tend *t)
{
	if (!wanted(t, EV_GROUP_ADDED) && !wanted(t, EV_SUP_RUNNING))
		return;
	struct group_at *g = malloc((size_t)t->nsvcs * sizeof *g + 1);
	int n = 0;
	for (int i = 0; g && i < t->nsvcs; i++) {
		const struct program *p = t->svcs[i]->p;
		int k = 0;
		while (k < n && strcmp(g[k].name, p->group))
			k++;
		if (k == n)
			g[n++] = (struct group_at){p->priority, p->group};
	}
	if (g)
		qsort(g, (size_t)n, sizeof *g, by_group);
	for (int i = 0; i < n; i++)
		events_group(t, g[i].name, true);
	free(g);
	events_supervisor(t, true);
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_tick(struct tend *t, struct timer *tm);

/* supervisord's tick(): an event when the wall clock enters a new slice of the period
 * (the slice tend starts in is only noted). The timer is due at the next boundary. */
static void tick_arm(struct tend *t, struct timer *tm, long long period)
{
	long long now = wall_ms();
	timer_arm(t, tm, (uint64_t)(now / period * period + period - now), on_tick);
}

static void on_tick(struct tend *t, struct timer *tm)
{
	struct ev_bus *b = t->ev;
	int i = (int)(tm - b->tick_tm);
	long long period = tick_period[i] * 1000LL, slice = wall_ms() / period * period;
	if (slice != b->tick_last[i]) {
		b->tick_last[i] = slice;
		char h[32];
		int k = snprintf(h, sizeof h, "when:%lld", slice / 1000);
		publish(t, event_new((enum ev_type)(EV_TICK_5 + i), h, (size_t)k, NULL, 0));
	}
	tick_arm(t, tm, period);
}

static void ticks_follow(struct tend *t)
{
	struct ev_bus *b = t->ev;
	for (int i = 0; i < 3; i++) {
		bool want = b->mask & EV_BIT(EV_TICK_5 + i);
		if (want && !b->tick_tm[i].armed) {
			long long period = tick_period[i] * 1000LL;
			b->tick_last[i] = wall_ms() / period * period;
			tick_arm(t, &b->tick_tm[i], period);
		} else if (!want) {
			timer_cancel(t, &b->tick_tm[i]);
		}
	}
}

/* ---- pools follow the services ---- */

static struct pool *pool_find(struct tend *t, const char *name)
{
	for (struct pool *pl = t->ev ? t->ev->pools : NULL; pl; pl = pl->next)
		if (!strcmp(pl->name, name))
			return pl;
	return NULL;
}

static void wake_waiters(struct tend *t, struct pool *pl)
{
	struct log_src *w = pl->waiters, *next;
	timer_cancel(t, &pl->stall_tm);
	pl->waiters = NULL; /* a resumed source may wait again */
	for (; w; w = next) {
		next = w->ev_next;
		w->ev_pool = NULL;
		logs_resume(t, w);
	}
}

/* Its waiters are resumed by the next events_turn, never from inside a source's turn. */
static void pool_free(struct tend *t, struct pool *pl)
{
	timer_cancel(t, &pl->stall_tm);
	for (struct log_src *w = pl->waiters, *next; w; w = next) {
		next = w->ev_next;
		w->ev_pool = NULL;
		w->ev_next = t->ev->resume;
		t->ev->resume = w;
	}
	for (struct pool_item *it = pl->head, *next; it; it = next) {
		next = it->next;
		event_unref(it->ev);
		free(it);
	}
	free(pl->procs);
	free(pl->name);
	free(pl);
}

static struct pool *pool_get(struct tend *t, const struct svc *s)
{
	struct pool *pl = pool_find(t, s->p->group);
	if (!pl) {
		if (!(pl = calloc(1, sizeof *pl)) || !(pl->name = strdup(s->p->group))) {
			free(pl);
			return NULL;
		}
		pl->tail = &pl->head;
		struct pool **end = &t->ev->pools;
		while (*end)
			end = &(*end)->next;
		*end = pl; /* file order: the first pool accepts (and numbers) an event first */
	}
	if (!pl->seen) {
		pl->seen = true;
		pl->nprocs = 0;
		pl->mask = s->p->listener->mask;
		pl->size = s->p->listener->buffer_size; /* a smaller one drops the oldest at the next event */
		pl->full_since = pool_full(pl) ? (pl->full_since ? pl->full_since : now_ms()) : 0;
	}
	return pl;
}

static int pool_add_proc(struct pool *pl, struct svc *s)
{
	struct svc **v = realloc(pl->procs, (size_t)(pl->nprocs + 1) * sizeof *v);
	if (!v)
		return -1;
	pl->procs = v;
	pl->procs[pl->nprocs++] = s;
	return 0;
}

void events_sync(struct tend *t)
{
	t->ev_gen = t->svcs_gen;
	if (t->done)
		return; /* at exit, after events_free_all: no pools again */
	if (!t->ev) {
		int i = 0;
		while (i < t->nsvcs && !t->svcs[i]->p->listener)
			i++;
		if (i == t->nsvcs || !(t->ev = calloc(1, sizeof *t->ev)))
			return;
	}
	struct ev_bus *b = t->ev;
	for (struct pool *pl = b->pools; pl; pl = pl->next)
		pl->seen = false;
	for (int i = 0; i < t->nsvcs; i++) {
		struct svc *s = t->svcs[i];
		struct pool *pl = s->p->listener ? pool_get(t, s) : NULL;
		if (s->p->listener && (!pl || pool_add_proc(pl, s) < 0))
			say(t, V_WARN, "%s: out of memory: it gets no events", s->p->name);
	}
	b->mask = 0;
	for (struct pool **pp = &b->pools; *pp;) {
		struct pool *pl = *pp;
		if (!pl->seen) {
			*pp = pl->next;
			pool_free(t, pl);
			continue;
		}
		b->mask |= pl->mask;
		pp = &pl->next;
	}
	ticks_follow(t);
	b->dirty = true;
}

/* ---- handing events over ---- */


static void pool_dispatch(struct tend *t, struct pool *pl)
{
	while (pl->head) {
		struct pool_item *it = pl->head;
		int i = 0;
		while (i < pl->nprocs && !(listener_idle(pl->procs[i]) &&
					   listener_send(t, pl->procs[i], it->ev, it->pool_serial, pl->name) == 0))
			i++;
		if (i == pl->nprocs)
			return; /* nobody can take it now: it stays first */
		event_unref(it->ev); /* the listener holds its own reference */
		if (!(pl->head = it->next))
			pl->tail = &pl->head;
		pl->n--;
		pl->bytes -= it->ev->len;
		free(it);
		pl->full_since = pool_full(pl) ? now_ms() : 0; /* progress */
	}
}

static void on_again(struct tend *t, struct timer *tm)
{
	(void)t, (void)tm; /* the turn's end does the work */
}

void events_turn(struct tend *t)
{
	if (t->ev_gen != t->svcs_gen)
		events_sync(t);
	for (struct log_src *w; t->ev && (w = t->ev->resume);) {
		t->ev->resume = w->ev_next;
		logs_resume(t, w);
	}
	for (int rounds = 0; t->ev && t->ev->dirty && rounds < 4; rounds++) {
		t->ev->dirty = false;
		for (struct pool *pl = t->ev->pools; pl; pl = pl->next) {
			pool_dispatch(t, pl);
			if (pl->waiters && !pool_full(pl))
				wake_waiters(t, pl); /* may publish again: another round */
		}
	}
	if (t->ev && t->ev->dirty)
		timer_arm(t, &t->ev->again_tm, 0, on_again); /* more next turn, without sleeping */
}

/* ---- PROCESS_LOG back-pressure ---- */

static void on_stall(struct tend *t, struct timer *tm)
{
	struct pool *pl = container_of(tm, struct pool, stall_tm);
	say(t, V_WARN, "pool %s took no event for %d s: output events are dropped while it is full", pl->name,
	    EV_STALL_MS / 1000);
	wake_waiters(t, pl);
}

bool events_output_room(struct tend *t, struct svc *s, struct log_src *src)
{
	bool err = src == &s->err;
	enum ev_type type = err ? EV_LOG_STDERR : EV_LOG_STDOUT;
	if (!(err ? s->p->err_events : s->p->out_events) || !wanted(t, type))
		return true;
	uint64_t now = now_ms();
	for (struct pool *pl = t->ev->pools; pl; pl = pl->next) {
		if (!(pl->mask & EV_BIT(type)) || !pool_full(pl) || now - pl->full_since >= EV_STALL_MS)
			continue;
		if (!src->ev_pool) {
			src->ev_pool = pl;
			src->ev_next = pl->waiters;
			pl->waiters = src;
			if (!pl->stall_tm.armed)
				timer_arm(t, &pl->stall_tm, EV_STALL_MS - (now - pl->full_since), on_stall);
		}
		return false;
	}
	return true;
}

/* A source going away is no longer waited on. */
void events_forget_src(struct tend *t, struct log_src *src)
{
	struct pool *pl = src->ev_pool;
	if (!pl)
		return;
	(void)t;
	for (struct log_src **w = &pl->waiters; *w; w = &(*w)->ev_next)
		if (*w == src) {
			*w = src->ev_next;
			break;
		}
	src->ev_pool = NULL;
}

void events_free_all(struct tend *t)
{
	if (!t->ev)
		return;
	while (t->ev->pools) {
		struct pool *pl = t->ev->pools;
		t->ev->pools = pl->next;
		pool_free(t, pl);
	}
	for (int i = 0; i < 3; i++)
		timer_cancel(t, &t->ev->tick_tm[i]);
	timer_cancel(t, &t->ev->again_tm);
	struct log_src *w = t->ev->resume, *next;
	free(t->ev);
	t->ev = NULL;
	for (; w; w = next) { /* what waited reads on, with no pool to wait for */
		next = w->ev_next;
		logs_resume(t, w);
	}
}
