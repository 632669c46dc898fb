/* ctl_server_status.c — GET /readyz, /healthz (200 or 503, one line per failing service:
 * Kubernetes httpGet probes and `tend ctl ready|healthy`) and GET /status (every service
 * as JSON, with each tree's resource use), GET /metrics (ctl_server_metrics.c). The query may name services: "/readyz?web,db:migrate". Knows services only
 * through the service API (control.h) and lifecycle.c's judgements. */
#include "ctl_server_int.h"
#include "control.h"
#include "service.h"
#include "usage.h"

#include <stdlib.h>
#include <string.h>

#define STATUS_BODY_MAX (8u << 20) /* 10,000 services fit */

void ctl_send_body(struct tend *t, struct conn *c, int status, const char *type, struct buf *body)
{
	buf_reset(&c->out);
	http_response_head(&c->out, body->over ? 500 : status, type, (long long)body->len, false, NULL);
	buf_free(&c->body); /* the body is sent from where it is: `out` holds only 68 KB */
	c->body = *body;
	*body = (struct buf){0};
	c->reply = &c->body;
	c->reply_off = 0;
	c->close_after = true; /* probes open a connection per check anyway */
	c->st = C_REPLY;
	timer_cancel(t, &c->tm);
	conn_flush(t, c);
}

/* The services the query names (comma-separated namespecs), or all of them. -1 with the
 * unknown name in BODY. */
static int select_services(struct tend *t, const char *query, struct svc ***out, struct buf *body)
{
	if (!*query)
		return control_all(t, out);
	int n = 0;
	struct svc **v = malloc((strlen(query) / 2 + 1) * sizeof *v);
	char *copy = strdup(query), *save = NULL;
	for (char *name = v && copy ? strtok_r(copy, ",&", &save) : NULL; name; name = strtok_r(NULL, ",&", &save))
		if (!(v[n++] = control_find(t, name))) {
			buf_printf(body, "no such process: %.200s\n", name);
			n = -1;
			break;
		}
	free(copy);
	if (n <= 0 && !body->len)
		buf_puts(body, "no services named\n");
	if (n <= 0)
		free(v), v = NULL;
	*out = v;
	return n > 0 ? n : -1;
}

static void probe_answer(struct tend *t, struct conn *c, bool ready)
{
	struct svc **v;
	struct buf body;
	buf_init(&body, STATUS_BODY_MAX);
	bool named = c->req.query[0] != 0;
	int n = select_services(t, c->req.query, &v, &body), bad = 0;
	for (int i = 0; i < n; i++) {
		struct svc *s = v[i];
		bool ok = ready ? svc_is_ready(s, named) : svc_is_healthy(s, named);
		if (ok)
			continue;
		bad++;
		const char *h = health_name(s->life.health);
		buf_printf(&body, "%s: %s %s%s%s\n", s->p->name, ready ? "not ready," : "not healthy,", svc_state_name(s->state),
			   *h ? ", " : "", h);
	}
	if (n >= 0 && !bad)
		buf_puts(&body, "ok\n");
	ctl_send_body(t, c, n < 0 ? 404 : bad ? 503 : 200, "text/plain; charset=utf-8", &body);
	free(n >= 0 ? v : NULL);
	buf_free(&body);
}

static void put_member(struct buf *b, const char *name, const char *v, bool more)
{
	buf_printf(b, "\"%s\": ", name);
	buf_json_str(b, v, strlen(v));
	if (more)
		buf_puts(b, ", ");
}

static void status_answer(struct tend *t, struct conn *c)
{
	struct svc **v;
	struct buf body;
	buf_init(&body, STATUS_BODY_MAX);
	int n = select_services(t, c->req.query, &v, &body);
	if (n >= 0)
		buf_puts(&body, "[");
	for (int i = 0; i < n; i++) {
		struct proc_info in;
		control_info(t, v[i], &in);
		buf_puts(&body, i ? ",\n {" : "{");
		put_member(&body, "name", in.name, true);
		put_member(&body, "group", in.group, true);
		put_member(&body, "state", in.statename, true);
		buf_printf(&body, "\"pid\": %d, \"start\": %lld, \"stop\": %lld, \"exitstatus\": %d, ", in.pid, in.start,
			   in.stop, in.exitstatus);
		buf_printf(&body, "\"ready\": %s, ", in.ready ? "true" : "false");
		put_member(&body, "health", in.health, true);
		put_member(&body, "status", v[i]->life.status, true);
		put_member(&body, "description", in.description, true);
		struct usage u;
		usage_of(t, v[i], &u);
		if (u.mem >= 0)
			buf_printf(&body, "\"memory\": %lld, ", u.mem);
		buf_printf(&body, "\"cpu\": %.15g, \"rss\": %llu, \"pss\": %llu, \"processes\": %u, \"fds\": %u}", u.cpu,
			   (unsigned long long)u.rss, (unsigned long long)u.pss, u.procs, u.fds);
	}
	if (n >= 0)
		buf_puts(&body, "]\n");
	ctl_send_body(t, c, n < 0 ? 404 : 200, n < 0 ? "text/plain; charset=utf-8" : "application/json", &body);
	free(n >= 0 ? v : NULL);
	buf_free(&body);
}

/* /readyz and /healthz answer without credentials (a kubelet probe has none; they name
 * only failing services); /status and /metrics need them like every other path. */
bool ctl_status_route(struct tend *t, struct conn *c, bool authed)
{
	const char *p = c->req.path;
	bool ready = !strcmp(p, "/readyz"), health = !strcmp(p, "/healthz"), status = !strcmp(p, "/status");
	bool metrics = !strcmp(p, "/metrics");
	if ((!ready && !health && !status && !metrics) || ((status || metrics) && !authed))
		return false; /* the caller refuses what needs credentials */
	if (strcmp(c->req.method, "GET") || c->req.content_length > 0 || c->req.chunked)
		conn_error(t, c, 400, NULL);
	else if (status)
		status_answer(t, c);
	else if (metrics)
		ctl_metrics_answer(t, c);
	else
		probe_answer(t, c, ready);
	return true;
}
