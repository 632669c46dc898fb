/* listener.c — one event listener process: its stdout is the protocol channel (every
 * byte read from it goes to listener_proto.c, never to the console), its stdin gets one
 * event at a time. A rejected event, or the event of a listener that dies while BUSY,
 * goes back to the head of the pool's buffer; a listener that breaks the protocol is
 * UNKNOWN and gets no more events until it runs again. Nothing here blocks: the event is
 * queued on the stdin pipe (stdin_pipe.c), and a listener that never answers holds only
 * its own event. supervisord's log lines, in its words. */
#include "events.h"
#include "listener_proto.h"
#include "service.h"
#include "stdin_pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(EV_PAYLOAD_MAX + 4096 <= STDIN_MAX, "an envelope fits a listener's stdin queue");

struct lsn {
	struct lsn_proto proto;
	struct event *ev;      /* BUSY: the event in flight */
	uint64_t pool_serial;
};

/* The event in flight goes back to the head of the pool's buffer. */
static void reject(struct tend *t, struct svc *s)
{
	struct lsn *l = s->lsn;
	if (l->ev)
		events_rebuffer(t, s, l->ev, l->pool_serial);
	l->ev = NULL;
}

struct judged {
	struct tend *t;
	struct svc *s;
};

static void on_outcome(void *ctx, enum lsn_outcome o, const char *line, size_t n)
{
	struct judged *j = ctx;
	struct tend *t = j->t;
	struct svc *s = j->s;
	const char *name = s->p->name;
	switch (o) {
	case LO_READY:
		events_listener_ready(t);
		break;
	case LO_OK:
		say(t, V_DEBUG, "%s: event was processed", name);
		event_unref(s->lsn->ev);
		s->lsn->ev = NULL;
		break;
	case LO_REJECTED:
		say(t, V_WARN, "%s: event was rejected", name);
		reject(t, s);
		break;
	case LO_BAD_RESULT:
		say(t, V_WARN, "%s: bad result line: '%.*s'", name, (int)(n < 200 ? n : 200), line);
		reject(t, s);
		break;
	case LO_UNKNOWN:
		say(t, V_WARN, "%s: has entered the UNKNOWN state and will no longer receive events, this usually "
		    "indicates the process violated the eventlistener protocol", name);
		reject(t, s);
		break;
	}
}

static void on_protocol(struct tend *t, struct log_src *src, const char *p, size_t n)
{
	struct judged j = {t, src->svc};
	if (j.s->lsn)
		lsn_feed(&j.s->lsn->proto, p, n, on_outcome, &j);
}

void listener_begin(struct tend *t, struct svc *s)
{
	if (!s->p->listener)
		return;
	if (!s->lsn && !(s->lsn = calloc(1, sizeof *s->lsn))) {
		say(t, V_WARN, "%s: out of memory: it gets no events", s->p->name);
		return;
	}
	reject(t, s);
	lsn_reset(&s->lsn->proto);
	s->out.proto = on_protocol;
}

void listener_end(struct tend *t, struct svc *s)
{
	if (!s->lsn)
		return;
	reject(t, s);
	lsn_reset(&s->lsn->proto);
	s->lsn->proto.state = L_UNKNOWN; /* until it runs again */
}

bool listener_idle(const struct svc *s)
{
	return s->lsn && s->state == ST_RUNNING && s->lsn->proto.state == L_READY;
}

/* The envelope in one piece on the listener's stdin; -1 when it cannot take it (no
 * stdin, or more queued than the pipe's bound): another listener may. */
int listener_send(struct tend *t, struct svc *s, struct event *ev, uint64_t pool_serial, const char *pool)
{
	char head[2 * 1024 + 256]; /* identifier and pool name cut at 1 KiB each */
	int h = snprintf(head, sizeof head, "ver:3.0 server:%.1024s serial:%llu pool:%.1024s poolserial:%llu eventname:%s len:%zu\n",
			 t->cfg->identifier, (unsigned long long)ev->serial, pool, (unsigned long long)pool_serial,
			 ev_name(ev->type), ev->chars);
	char *env = malloc((size_t)h + ev->len);
	if (!env)
		return -1;
	memcpy(env, head, (size_t)h);
	memcpy(env + h, ev->payload, ev->len);
	int rc = svc_write_stdin(t, s, env, (size_t)h + ev->len);
	free(env);
	if (rc < 0) {
		say(t, V_DEBUG, "could not send event %llu to listener %s, listener state unchanged",
		    (unsigned long long)ev->serial, s->p->name);
		return -1;
	}
	ev->refs++;
	s->lsn->ev = ev;
	s->lsn->pool_serial = pool_serial;
	lsn_sent(&s->lsn->proto);
	say(t, V_DEBUG, "event %llu sent to listener %s", (unsigned long long)ev->serial, s->p->name);
	return 0;
}

void listener_free(struct svc *s)
{
	if (s->lsn)
		event_unref(s->lsn->ev);
	free(s->lsn);
	s->lsn = NULL;
}
