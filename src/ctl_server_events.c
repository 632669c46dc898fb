/* ctl_server_events.c — GET /events[?format=json][&service=NAME[,NAME...]]...: every state
 * change from the subscription on, one line each, for as long as the client stays
 * (`tend ctl events`). Framed as the log streams are (chunked for HTTP/1.1).
 *
 * Subscribers are on t->ev_subs; with none, events_state looks at that pointer and does
 * nothing else. A subscriber's queue is its `out` buffer, at most CTL_STREAM_QUEUE bytes:
 * an event that does not fit is dropped and counted, and once there is room again one
 * line says how many ("# N events dropped", {"dropped":N}) before the next event goes.
 * A subscriber that takes no byte for CTL_WRITE_MS is closed, as any reply is.
 * The filter lives in c->req.query, rewritten to "NAME,NAME..." ("" for all): nothing
 * reads the request again once the stream has begun. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "ctl_server.h"
#include "ctl_server_int.h"
#include "log_format.h"
#include "service.h"
#include "signame.h"
#include "state_change.h"

#define EV_LINE_MAX 4096

/* supervisorctl's namespecs: "group:name", "group:*" (or "group:"), "group" (a program
 * outside a group is its own group). */
static bool spec_match(const char *spec, size_t len, const struct program *p)
{
	const char *colon = memchr(spec, ':', len);
	size_t gl = colon ? (size_t)(colon - spec) : len;
	if (strlen(p->group) != gl || memcmp(p->group, spec, gl))
		return false;
	if (!colon)
		return true;
	const char *name = colon + 1;
	size_t nl = len - gl - 1;
	return !nl || (nl == 1 && *name == '*') || (strlen(p->name) == nl && !memcmp(p->name, name, nl));
}

static bool wanted(const char *names, const struct program *p)
{
	if (!*names)
		return true;
	for (const char *f = names; *f; f += *f == ',') {
		size_t len = strcspn(f, ",");
		if (len && spec_match(f, len, p))
			return true;
		f += len;
	}
	return false;
}

/* ?format=json|text and service=NAME[,NAME] (repeatable) into c->ev_json and the filter.
 * 0, or the status that refuses the request, its reason in BODY. */
static int parse_query(struct tend *t, struct conn *c, struct buf *body)
{
	char q[HTTP_MAX_PATH], *save = NULL, *names = c->req.query;
	size_t n = 0;
	snprintf(q, sizeof q, "%s", names);
	names[0] = 0;
	for (char *kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *v = strchr(kv, '=');
		if (v) {
			*v++ = 0;
			url_unquote(v);
		}
		if (v && !strcmp(kv, "format") && (!strcmp(v, "json") || !strcmp(v, "text")))
			c->ev_json = *v == 'j';
		else if (v && *v && !strcmp(kv, "service") && n < HTTP_MAX_PATH) /* never longer than the query was */
			n += (size_t)snprintf(names + n, HTTP_MAX_PATH - n, "%s%s", n ? "," : "", v);
		else
			return buf_printf(body, "bad query: %.200s\n", kv), 400;
	}
	for (const char *f = names; *f; f += *f == ',') {
		size_t len = strcspn(f, ",");
		bool found = !len;
		for (int i = 0; i < t->nsvcs && !found; i++)
			found = spec_match(f, len, t->svcs[i]->p);
		if (!found) /* as /status: a name that selects nothing is a mistake, not a wait */
			return buf_printf(body, "no such process: %.*s\n", (int)len, f), 404;
		f += len;
	}
	return 0;
}

void events_begin(struct tend *t, struct conn *c)
{
	struct buf body;
	buf_init(&body, 512);
	int bad = parse_query(t, c, &body);
	if (bad)
		ctl_send_body(t, c, bad, "text/plain; charset=utf-8", &body);
	buf_free(&body);
	if (bad)
		return;
	stream_start(t, c, c->ev_json ? "application/x-ndjson" : "text/plain;charset=utf-8", "X-Accel-Buffering: no\r\n");
	c->events = true;
	c->ev_next = t->ev_subs;
	t->ev_subs = c;
	say(t, V_INFO, "control: a client follows the events%s%s", *c->req.query ? " of " : "", c->req.query);
	conn_flush(t, c);
}

void events_end(struct tend *t, struct conn *c)
{
	for (struct conn **p = &t->ev_subs; c->events && *p; p = &(*p)->ev_next)
		if (*p == c) {
			*p = c->ev_next;
			c->events = false;
			return;
		}
}

static bool room(const struct conn *c, size_t n)
{
	return c->out.len + n + 16 <= CTL_STREAM_QUEUE; /* 16: the chunk framing */
}

void events_pump(struct conn *c)
{
	char m[64];
	int n = snprintf(m, sizeof m, c->ev_json ? "{\"dropped\":%lu}\n" : "# %lu events dropped\n", c->ev_dropped);
	if (c->ev_dropped && room(c, (size_t)n)) {
		stream_put(c, m, (size_t)n);
		c->ev_dropped = 0;
	}
}

static void put_num(struct buf *b, const char *key, bool have, int v)
{
	if (have)
		buf_printf(b, "%s%d", key, v);
	else
		buf_printf(b, "%snull", key);
}

void events_line(struct buf *b, const struct state_change *ch, bool json)
{
	const struct program *p = ch->s->p;
	char ts[32];
	time_stamp(ts, ch->wall_ms);
	const char *from = svc_state_name(ch->from), *to = svc_state_name(ch->to);
	bool ex = ch->has_status && WIFEXITED(ch->status), sig = ch->has_status && WIFSIGNALED(ch->status);
	if (!json) {
		bool own = !strcmp(p->group, p->name);
		buf_printf(b, "%s %s%s%s %s -> %s", ts, own ? "" : p->group, own ? "" : ":", p->name, from, to);
		if (ch->pid)
			buf_printf(b, " pid=%d", (int)ch->pid);
		if (ex)
			buf_printf(b, " status=exit %d", WEXITSTATUS(ch->status));
		if (sig)
			buf_printf(b, " status=SIG%s", sig_name(WTERMSIG(ch->status)));
		if (*ch->why)
			buf_printf(b, " (%s)", ch->why);
		for (size_t i = 0; i < b->len; i++) /* one event, one line */
			if (b->p[i] == '\n' || b->p[i] == '\r')
				b->p[i] = ' ';
		buf_puts(b, "\n");
		return;
	}
	buf_printf(b, "{\"time\":\"%s\",\"time_ms\":%lld,\"service\":", ts, ch->wall_ms);
	buf_json_str(b, p->name, strlen(p->name));
	buf_puts(b, ",\"group\":");
	buf_json_str(b, p->group, strlen(p->group));
	buf_printf(b, ",\"from\":\"%s\",\"to\":\"%s\",\"pid\":", from, to);
	put_num(b, "", ch->pid != 0, (int)ch->pid);
	put_num(b, ",\"exit_status\":", ex, WEXITSTATUS(ch->status));
	buf_printf(b, ",\"signal\":%s%s%s", sig ? "\"SIG" : "null", sig ? sig_name(WTERMSIG(ch->status)) : "", sig ? "\"" : "");
	buf_puts(b, ",\"reason\":");
	buf_json_str(b, ch->why, strlen(ch->why));
	buf_puts(b, "}\n");
}

void ctl_events_publish(struct tend *t, const struct state_change *ch)
{
	struct buf line[2]; /* text, JSON: each made once, if someone wants it */
	buf_init(&line[0], EV_LINE_MAX);
	buf_init(&line[1], EV_LINE_MAX);
	for (struct conn *c = t->ev_subs; c; c = c->ev_next) {
		struct buf *l = &line[c->ev_json];
		if (!wanted(c->req.query, ch->s->p))
			continue;
		if (!l->len)
			events_line(l, ch, c->ev_json);
		bool idle = !c->out.len;
		events_pump(c); /* what was dropped is told before what comes after it */
		if (!c->ev_dropped && !l->over && room(c, l->len))
			stream_put(c, l->p, l->len);
		else if (!c->ev_dropped++)
			say(t, V_INFO, "control: an events client lags; dropping its events");
		if (idle && c->out.len && !c->dirty) { /* sent at the turn's end; a pending write takes it along */
			c->dirty = true;
			c->srv->ndirty++;
		}
	}
	buf_free(&line[0]);
	buf_free(&line[1]);
}

void events_close_all(struct tend *t)
{
	for (struct conn *c = t->ev_subs, *next; c; c = next) {
		next = c->ev_next; /* c may close */
		events_pump(c);
		c->ev_dropped = 0; /* nothing after the last chunk */
		if (c->chunked)
			buf_puts(&c->out, "0\r\n\r\n");
		conn_flush(t, c); /* what can go without waiting */
	}
}
