/* listener.c — one event listener process's side of supervisord's protocol
 * (dispatchers.py PEventListenerDispatcher). Its stdout is the protocol channel: every
 * byte read from it comes here, never to the console. States, as supervisord's:
 * ACKNOWLEDGED (a new run, or a result was taken) -> `READY\n` -> READY -> one event
 * written to its stdin -> BUSY -> `RESULT N\n` + N bytes -> ACKNOWLEDGED. A body other
 * than `OK` rejects the event, which goes back to the head of the pool's buffer; so does
 * the event of a listener that dies while BUSY. Output that breaks the protocol puts it
 * in UNKNOWN, where it gets no more events until it runs again. Nothing here blocks: the
 * event is queued on the stdin pipe (stdin_pipe.c), and a listener that never answers
 * holds only its own event. */
#include "events.h"
#include "service.h"
#include "stdin_pipe.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LSN_LINE_MAX 1024 /* a RESULT line longer than this breaks the protocol */

enum { L_ACKNOWLEDGED, L_READY, L_BUSY, L_UNKNOWN };
static const char *const lstate_names[] = {"ACKNOWLEDGED", "READY", "BUSY", "UNKNOWN"};

struct lsn {
	int state;
	struct event *ev;      /* BUSY: the event in flight */
	uint64_t pool_serial;
	long long want;        /* BUSY: the result's length, -1 until its line is read */
	long long got;         /* ... and the bytes of it read so far */
	bool ok;               /* ... which are a prefix of "OK" */
	char buf[LSN_LINE_MAX];
	size_t len;            /* protocol bytes not judged yet */
};

static void change(struct tend *t, struct svc *s, int to)
{
	struct lsn *l = s->lsn;
	say(t, V_DEBUG, "%s: %s -> %s", s->p->name, lstate_names[l->state], lstate_names[to]);
	l->state = to;
	if (to == L_UNKNOWN)
		say(t, V_WARN, "%s: has entered the UNKNOWN state and will no longer receive events, this usually "
		    "indicates the process violated the eventlistener protocol", s->p->name);
	if (to == L_READY)
		events_listener_ready(t);
}

/* The event in flight goes back to the head of the pool's buffer. */
static void reject(struct tend *t, struct svc *s)
{
	struct lsn *l = s->lsn;
	if (l->ev)
		events_rebuffer(t, s, l->ev, l->pool_serial);
	l->ev = NULL;
}

static void consume(struct lsn *l, size_t n)
{
	memmove(l->buf, l->buf + n, l->len - n);
	l->len -= n;
}

/* Python's int() of the RESULT line after its first 7 bytes (supervisord does not check
 * that they are "RESULT "): blanks around an optional + and digits. */
static long long result_len(const char *p, size_t n)
{
	if (n < 7)
		return -1;
	p += 7, n -= 7;
	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n && *p == '+')
		p++, n--;
	if (!n || n > 12)
		return -1;
	long long v = 0;
	for (; n; p++, n--) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* BUSY with the result's length known: take its bytes; the whole body judged at the end. */
static void take_result(struct tend *t, struct svc *s)
{
	struct lsn *l = s->lsn;
	size_t n = l->want - l->got < (long long)l->len ? (size_t)(l->want - l->got) : l->len;
	for (size_t i = 0; i < n; i++)
		l->ok = l->ok && l->got + (long long)i < 2 && l->buf[i] == "OK"[l->got + i];
	l->got += (long long)n;
	consume(l, n);
	if (l->got < l->want)
		return;
	if (l->ok && l->want == 2) {
		say(t, V_DEBUG, "%s: event was processed", s->p->name);
		event_unref(l->ev);
		l->ev = NULL;
	} else {
		say(t, V_WARN, "%s: event was rejected", s->p->name);
		reject(t, s);
	}
	l->want = -1;
	change(t, s, L_ACKNOWLEDGED);
}

/* BUSY: the `RESULT N` line first. false: wait for more bytes. */
static bool result_line(struct tend *t, struct svc *s)
{
	struct lsn *l = s->lsn;
	char *nl = memchr(l->buf, '\n', l->len);
	if (!nl && l->len < sizeof l->buf)
		return false;
	size_t n = nl ? (size_t)(nl - l->buf) : l->len;
	long long want = result_len(l->buf, n);
	if (want < 0) {
		say(t, V_WARN, "%s: bad result line: '%.*s'", s->p->name, (int)(n < 200 ? n : 200), l->buf);
		change(t, s, L_UNKNOWN);
		reject(t, s);
		l->len = 0;
		return false;
	}
	consume(l, n + 1);
	l->want = want;
	l->got = 0;
	l->ok = true;
	return true;
}

/* Judge what the listener wrote, as far as it goes. */
static void judge(struct tend *t, struct svc *s)
{
	struct lsn *l = s->lsn;
	while (l->len) {
		switch (l->state) {
		case L_UNKNOWN:
			l->len = 0;
			return;
		case L_ACKNOWLEDGED:
			if (l->len < 6)
				return;
			if (memcmp(l->buf, "READY\n", 6)) {
				change(t, s, L_UNKNOWN);
				l->len = 0;
				return;
			}
			consume(l, 6);
			change(t, s, L_READY);
			break;
		case L_READY: /* spurious output: supervisord is strict about it */
			change(t, s, L_UNKNOWN);
			l->len = 0;
			return;
		case L_BUSY:
			if (l->want < 0 && !result_line(t, s))
				return;
			take_result(t, s);
			break;
		}
	}
}

/* The listener's stdout (the log source's tap): bytes in pieces that fit the buffer. */
static void on_protocol(struct tend *t, struct log_src *src, const char *p, size_t n)
{
	struct svc *s = src->svc;
	struct lsn *l = s->lsn;
	while (n && l) {
		size_t room = sizeof l->buf - l->len, k = n < room ? n : room;
		memcpy(l->buf + l->len, p, k);
		l->len += k;
		p += k, n -= k;
		judge(t, s); /* never leaves the buffer full: a full one is judged a bad line */
	}
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
	*s->lsn = (struct lsn){.state = L_ACKNOWLEDGED, .want = -1};
	s->out.proto = on_protocol;
}

void listener_end(struct tend *t, struct svc *s)
{
	if (!s->lsn)
		return;
	reject(t, s);
	s->lsn->len = 0;
	s->lsn->want = -1;
}

bool listener_idle(const struct svc *s)
{
	return s->lsn && s->state == ST_RUNNING && s->lsn->state == L_READY;
}

const char *listener_state_name(const struct svc *s)
{
	return s->lsn ? lstate_names[s->lsn->state] : "";
}

/* The envelope in one piece on the listener's stdin; -1 when it cannot take it (no
 * stdin, or more queued than the pipe's bound): another listener may. */
int listener_send(struct tend *t, struct svc *s, struct event *ev, uint64_t pool_serial, const char *pool)
{
	char head[400];
	int h = snprintf(head, sizeof head, "ver:3.0 server:%.100s serial:%llu pool:%.128s poolserial:%llu eventname:%s len:%zu\n",
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
	s->lsn->state = L_BUSY;
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
