/* ctl_wait.c — `tend ctl wait STATE NAME... [--timeout S]` (not in supervisorctl): exit 0
 * once every named process is in STATE, 1 on timeout, 4 for an unknown name. tend's
 * server waits itself (tend.wait, woken by state changes); a server without that
 * method (supervisord) is polled with getAllProcessInfo every 100 ms instead.
 * Also tend's other questions over plain GETs: ready, healthy, events. */
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "duration.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_DEFAULT_S 60.0
#define WAIT_POLL_NS (100 * 1000 * 1000L)

static const char *const states[] = {"STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING",
				     "EXITED", "FATAL", "UNKNOWN", NULL};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Does NAME (name, group:name, group:*, all) select INFO? */
static bool selects(struct ctl *c, const char *name, const struct xv *info)
{
	if (!strcmp(name, "all"))
		return true;
	const char *g, *p;
	ctl_split_namespec(c, name, &g, &p);
	return !strcmp(xv_str(info, "group"), g) && (!p || !strcmp(xv_str(info, "name"), p));
}

/* One look at every process. 0: all there (infos printed), 1: not yet (LATE lists the
 * others), 4: an unknown name (reported). */
static int look(struct ctl *c, char **names, int n, const char *state, struct buf *late)
{
	if (ctl_call(c, "supervisor.getAllProcessInfo", ""))
		ctl_raise(c);
	const struct xv all = c->res;
	size_t cnt = all.type == XV_ARRAY ? all.n : 0;
	int rc = 0;
	buf_reset(late);
	for (int k = 0; k < n; k++) {
		bool found = false;
		for (size_t i = 0; i < cnt; i++) {
			const struct xv *info = &all.items[i];
			if (!selects(c, names[k], info))
				continue;
			found = true;
			if (strcmp(xv_str(info, "statename"), state)) {
				buf_printf(late, "%s%s is %s", late->len ? ", " : "",
					   ctl_namespec(c, xv_str(info, "group"), xv_str(info, "name")),
					   xv_str(info, "statename"));
				rc = rc ? rc : 1;
			}
		}
		if (!found) {
			ctl_out(c, "%s: ERROR (no such process)", names[k]);
			rc = 4;
		}
	}
	return rc;
}

static void show(struct ctl *c, const struct xv *infos)
{
	size_t maxlen = 30;
	for (size_t i = 0; i < infos->n; i++) {
		size_t l = strlen(ctl_namespec(c, xv_str(&infos->items[i], "group"), xv_str(&infos->items[i], "name")));
		maxlen = l > maxlen ? l : maxlen;
	}
	for (size_t i = 0; i < infos->n; i++) {
		const struct xv *in = &infos->items[i];
		ctl_out(c, "%-*s%-10s%s", (int)maxlen + 3, ctl_namespec(c, xv_str(in, "group"), xv_str(in, "name")),
			xv_str(in, "statename"), xv_str(in, "description"));
	}
	if (c->json)
		cj_value(&c->jdoc, infos);
}

/* The selected infos of c->res (after a successful look). */
static void show_selected(struct ctl *c, char **names, int n)
{
	const struct xv all = c->res;
	struct xv sel = {.type = XV_ARRAY};
	sel.items = arena_alloc(&c->ar, (all.n + 1) * sizeof *sel.items);
	for (size_t i = 0; sel.items && i < all.n; i++)
		for (int k = 0; k < n; k++)
			if (selects(c, names[k], &all.items[i])) {
				sel.items[sel.n++] = all.items[i];
				break;
			}
	show(c, &sel);
}

static int poll_until(struct ctl *c, char **names, int n, const char *state, double deadline, struct buf *late)
{
	for (;;) {
		int r = look(c, names, n, state, late);
		if (r == 0)
			show_selected(c, names, n);
		if (r != 1 || now() >= deadline)
			return r;
		ctl_disconnect(c); /* do not hold a server connection while sleeping */
		struct timespec ts = {0, WAIT_POLL_NS};
		nanosleep(&ts, NULL);
	}
}

int cmd_wait(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	long long timeout_ms = WAIT_DEFAULT_S * 1000LL;
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(w[i], "--timeout") && i + 1 < n) {
			timeout_ms = seconds_to_ms(w[++i]);
			if (timeout_ms < 0 || timeout_ms > 86400 * 365 * 1000LL) {
				ctl_out(c, "Error: bad timeout %s", w[i]);
				c->exitstatus = EXIT_INVALID_ARGS;
				return 0;
			}
		} else {
			w[k++] = w[i];
		}
	}
	if (k < 2) {
		ctl_out(c, "Error: wait requires a state and a process name");
		c->exitstatus = EXIT_INVALID_ARGS;
		ctl_help(c, "wait");
		return 0;
	}
	char *state = arena_strdup(&c->ar, w[0]);
	for (char *p = state; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	int s = 0;
	while (state && states[s] && strcmp(states[s], state))
		s++;
	if (!state || !states[s]) {
		ctl_out(c, "Error: bad state name %s", w[0]);
		c->exitstatus = EXIT_INVALID_ARGS;
		return 0;
	}
	if (!ctl_upcheck(c)) {
		c->exitstatus = EXIT_STATUS_UNKNOWN;
		return 0;
	}
	char **names = w + 1;
	int nn = k - 1;
	double timeout = (double)timeout_ms / 1000, deadline = now() + timeout;
	struct buf *late = &c->late; /* in c: a call that fails unwinds past this frame */
	buf_reset(late);
	int r = ctl_call(c, "tend.wait", "Ssi", (const char *const *)names, nn, state, (int)timeout_ms);
	if (r == 0 && c->res.type == XV_ARRAY) {
		show(c, &c->res);
		r = 0;
	} else if (r == 1 && c->fcode == F_BAD_NAME) {
		const char *f = c->fstr ? c->fstr : "";
		ctl_out(c, "%s: ERROR (no such process)", strncmp(f, "BAD_NAME: ", 10) ? f : f + 10);
		r = 4;
	} else if (r == 1 && (c->fcode == F_UNKNOWN_METHOD || c->fcode == F_FAILED)) {
		/* supervisord: poll; tend's timeout: one look to say who is late */
		r = poll_until(c, names, nn, state, c->fcode == F_FAILED ? 0 : deadline, late);
	} else {
		ctl_raise(c);
	}
	if (r == 1)
		ctl_out(c, "wait: timed out after %g s waiting for %s: %s", timeout, state, late->p ? late->p : "");
	buf_free(late);
	c->exitstatus = r;
	return 0;
}

/* tend ctl ready|healthy [NAME...]: the server's /readyz or /healthz, its lines on stdout,
 * exit 0 only on 200 (for a HEALTHCHECK or an exec probe). */
static int ask_probe(struct ctl *c, const char *what, char **w, int n)
{
	struct buf path;
	buf_init(&path, 1 << 20);
	buf_printf(&path, "/%sz", what);
	for (int i = 0; i < n; i++)
		buf_printf(&path, "%c%s", i ? ',' : '?', w[i]);
	int status = 0;
	if (path.over)
		ctl_out(c, "Error: too many names");
	else
		ctl_get(c, path.p, &status);
	buf_free(&path);
	if (status != 200)
		c->exitstatus = EXIT_GENERIC;
	return 0;
}

int cmd_ready(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	return ask_probe(c, "ready", w, n);
}

int cmd_healthy(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	return ask_probe(c, "health", w, n);
}

/* tend ctl events [--json] [--service NAME]...: GET /events to stdout as it comes, until
 * the server ends it (tend exits) or Ctrl-C (both 0, as tail -f); 1 if refused. */
int cmd_events(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	struct buf path;
	buf_init(&path, 1 << 20);
	buf_printf(&path, "/events?format=%s", c->json ? "json" : "text");
	for (int i = 0; i < n; i++) {
		const char *v = !strncmp(w[i], "--service=", 10) ? w[i] + 10 : NULL;
		if (!strcmp(w[i], "--service") && i + 1 < n)
			v = w[++i];
		if (!v || !*v) {
			ctl_out(c, "Error: bad argument %s", w[i]);
			c->exitstatus = EXIT_INVALID_ARGS;
			ctl_help(c, "events");
			buf_free(&path);
			return 0;
		}
		buf_puts(&path, "&service=");
		for (; *v; v++) /* a name is part of the request line: quoted where it must be */
			buf_printf(&path, isalnum((unsigned char)*v) || strchr("_.-:*,", *v) ? "%c" : "%%%02X", (unsigned char)*v);
	}
	c->json = false; /* the stream is the output: no document after it */
	int status = 0;
	c->err_body = true;
	ctl_get(c, path.p, &status);
	c->err_body = false;
	if (status != 200)
		c->exitstatus = EXIT_GENERIC;
	buf_free(&path);
	return 0;
}
