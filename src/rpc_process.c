/* rpc_process.c — supervisor.* methods on processes: info, start, stop, signal (of one,
 * a group, all), sendProcessStdin, and tend.wait. Names and results as supervisord's
 * rpcinterface.py has them; waits are deferred calls that hold a namespec, never a
 * pointer, so a service removed meanwhile cannot be touched after it is freed. */
#include "control.h"
#include "keeper.h"
#include "rpc_method.h"
#include "service.h"
#include "signame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* supervisord's split_namespec + _getGroupAndProcess: "g:*" and "g:" name the group
 * (*s = NULL), "n" is "n:n". 0, or F_BAD_NAME. */
static int resolve(struct tend *t, const char *spec, struct svc **s, char *group, size_t glen)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n >= glen)
		return F_BAD_NAME;
	memcpy(group, spec, n);
	group[n] = 0;
	*s = NULL;
	struct svc **v;
	int count = control_group(t, group, &v);
	if (count < 0)
		return F_BAD_NAME;
	free(v);
	if (colon && (!colon[1] || !strcmp(colon + 1, "*")))
		return 0;
	return (*s = control_find(t, spec)) ? 0 : F_BAD_NAME;
}

static void put_str_member(struct buf *b, const char *name, const char *v)
{
	xw_member(b, name);
	xw_cstring(b, v);
}

static void put_int_member(struct buf *b, const char *name, long long v)
{
	xw_member(b, name);
	xw_int(b, v);
}

static void put_info(struct tend *t, struct buf *b, const struct svc *s)
{
	struct proc_info in;
	control_info(t, s, &in);
	xw_struct_begin(b);
	put_str_member(b, "name", in.name);
	put_str_member(b, "group", in.group);
	put_int_member(b, "start", in.start);
	put_int_member(b, "stop", in.stop);
	put_int_member(b, "now", in.now);
	put_int_member(b, "state", in.state);
	put_str_member(b, "statename", in.statename);
	put_str_member(b, "spawnerr", in.spawnerr);
	put_int_member(b, "exitstatus", in.exitstatus);
	put_str_member(b, "logfile", in.stdout_logfile);
	put_str_member(b, "stdout_logfile", in.stdout_logfile);
	put_str_member(b, "stderr_logfile", in.stderr_logfile);
	put_int_member(b, "pid", in.pid);
	put_str_member(b, "description", in.description);
	if (in.lifecycle) { /* tend's own members, only where tend's keys are used */
		xw_member(b, "ready");
		xw_bool(b, in.ready);
		put_str_member(b, "health", in.health);
	}
	xw_struct_end(b);
}

static bool shut(struct tend *t, struct rpc_call *c)
{
	if (t->stopping)
		rpc_fault(c, F_SHUTDOWN_STATE, NULL);
	return t->stopping;
}

static void get_process_info(struct tend *t, struct rpc_call *c)
{
	struct svc *s;
	char g[256];
	if (shut(t, c))
		return;
	if (resolve(t, rpc_arg_str(c, 0), &s, g, sizeof g) || !s)
		rpc_fault(c, F_BAD_NAME, "%s", rpc_arg_str(c, 0));
	else
		put_info(t, &c->val, s);
}

static void get_all_process_info(struct tend *t, struct rpc_call *c)
{
	struct svc **v;
	if (shut(t, c))
		return;
	int n = control_all(t, &v);
	xw_array_begin(&c->val);
	for (int i = 0; i < n && !c->val.over; i++)
		put_info(t, &c->val, v[i]);
	xw_array_end(&c->val);
	free(n >= 0 ? v : NULL);
}

/* ---- one process: start, stop; the deferred waits of wait=True ---- */

enum act { ACT_START, ACT_STOP, ACT_SIGNAL };

/* A process being waited for (its namespec, looked up at every poll). */
struct pwait {
	char *spec;
	struct svc_memo memo;
	enum act act;
	bool done;
};

static bool stopped_state(const struct svc *s)
{
	return s->state == ST_STOPPED || s->state == ST_EXITED || s->state == ST_FATAL;
}

/* 0 = reached, >0 = a fault code, -1 = not yet: supervisord's onwait of startProcess
 * and stopProcess. */
static int wait_state(struct tend *t, struct pwait *w, const char **why)
{
	struct svc *s = control_find_memo(t, &w->memo, w->spec);
	*why = w->spec;
	if (!s)
		return F_BAD_NAME;
	if (w->act == ACT_STOP)
		return stopped_state(s) ? 0 : -1;
	if (s->start_pending || s->refusable)
		return -1;
	if (s->refused) { /* supervisord names the check that failed */
		*why = s->refused_why;
		return s->refused == SPAWNERR_NO_FILE ? F_NO_FILE : F_NOT_EXECUTABLE;
	}
	if (s->spawnerr[0] || s->quick_exit) /* supervisord's spawnerr includes "Exited too quickly" */
		return F_SPAWN_ERROR;
	if (s->state == ST_RUNNING)
		return 0;
	return s->state == ST_STARTING ? -1 : F_ABNORMAL_TERMINATION;
}

static int act_on(struct tend *t, struct svc *s, enum act act, int sig)
{
	switch (act) {
	case ACT_START:
		return control_start(t, s);
	case ACT_STOP:
		return control_stop(t, s);
	default:
		return control_signal(t, s, sig);
	}
}

static bool one_again(struct tend *t, struct rpc_call *c)
{
	struct pwait *w = c->ctx;
	const char *why;
	int rc = wait_state(t, w, &why);
	if (rc < 0)
		return false;
	if (rc)
		rpc_fault(c, rc, "%s", why);
	else
		xw_bool(&c->val, true);
	return true;
}

static void one(struct tend *t, struct rpc_call *c, struct svc *s, enum act act, bool wait)
{
	const char *spec = rpc_arg_str(c, 0);
	int rc = act_on(t, s, act, 0);
	if (rc) {
		rpc_fault(c, rc, "%s", spec);
		return;
	}
	struct pwait *w = arena_alloc(&c->mem, sizeof *w);
	if (!w || !(w->spec = arena_strdup(&c->mem, spec))) {
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	w->act = act;
	w->done = false;
	w->memo = (struct svc_memo){0};
	c->ctx = w;
	if (!wait) {
		xw_bool(&c->val, true);
		return;
	}
	if (!one_again(t, c))
		c->again = one_again;
}

/* ---- many processes: supervisord's make_allfunc ---- */

struct many {
	struct pwait *w;
	int n;
	int left;
};

/* EXTRA: what the fault names (the namespec, or the bad signal) */
static void put_result(struct buf *b, const struct svc *s, int code, const char *extra)
{
	xw_struct_begin(b);
	put_str_member(b, "name", s->p->name);
	put_str_member(b, "group", s->p->group);
	put_int_member(b, "status", code ? code : F_SUCCESS);
	xw_member(b, "description");
	if (code) {
		char text[300];
		snprintf(text, sizeof text, "%s: %s", rpc_fault_name(code), extra);
		xw_cstring(b, text);
	} else {
		xw_cstring(b, "OK");
	}
	xw_struct_end(b);
}

/* Results in the order the waits end, as supervisord's allfunc appends them. */
static bool many_again(struct tend *t, struct rpc_call *c)
{
	struct many *m = c->ctx;
	for (int i = 0; i < m->n && m->left; i++) {
		struct pwait *w = &m->w[i];
		if (w->done)
			continue;
		const char *why;
		int rc = wait_state(t, w, &why);
		if (rc < 0)
			continue;
		struct svc *s = control_find_memo(t, &w->memo, w->spec);
		if (s)
			put_result(&c->val, s, rc, why);
		w->done = true;
		m->left--;
	}
	if (m->left)
		return false;
	xw_array_end(&c->val);
	return true;
}

static bool eligible(const struct svc *s, enum act act)
{
	bool running = s->state == ST_STARTING || s->state == ST_RUNNING || s->state == ST_BACKOFF;
	if (act == ACT_START)
		return !running;
	if (act == ACT_STOP)
		return running || (s->state == ST_EXITED && (s->spawn_tm.armed || s->start_pending));
	return s->state == ST_RUNNING || s->state == ST_STARTING || s->state == ST_STOPPING;
}

static void many(struct tend *t, struct rpc_call *c, const char *group, enum act act, bool wait, int sig)
{
	struct svc **v;
	int n = group ? control_group(t, group, &v) : control_all(t, &v);
	if (n < 0) {
		rpc_fault(c, F_BAD_NAME, "%s", group);
		return;
	}
	struct many *m = arena_alloc(&c->mem, sizeof *m);
	if (m)
		*m = (struct many){.w = arena_alloc(&c->mem, (size_t)(n + 1) * sizeof *m->w)};
	if (!m || !m->w) {
		free(v);
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	xw_array_begin(&c->val);
	for (int i = 0; i < n; i++) {
		struct svc *s = v[i];
		char spec[600];
		if (!eligible(s, act))
			continue;
		if (!strcmp(s->p->group, s->p->name)) /* supervisord's make_namespec: the short name */
			snprintf(spec, sizeof spec, "%s", s->p->name);
		else
			snprintf(spec, sizeof spec, "%s:%s", s->p->group, s->p->name);
		if (act == ACT_SIGNAL && sig < 0) { /* each signalProcess call fails on its own */
			put_result(&c->val, s, F_BAD_SIGNAL, rpc_arg_str(c, c->nargs - 1));
			continue;
		}
		int rc = act_on(t, s, act, sig);
		if (rc || act == ACT_SIGNAL || !wait) {
			put_result(&c->val, s, rc, spec);
			continue;
		}
		struct pwait *w = &m->w[m->n];
		*w = (struct pwait){.act = act, .spec = arena_strdup(&c->mem, spec)};
		if (!w->spec)
			continue;
		m->n++;
		m->left++;
	}
	free(v);
	c->ctx = m;
	if (!many_again(t, c))
		c->again = many_again;
}

/* "g:*" / "g:" → the group; a process name → one */
static void action(struct tend *t, struct rpc_call *c, enum act act, bool wait)
{
	struct svc *s;
	char g[256];
	if (shut(t, c))
		return;
	if (resolve(t, rpc_arg_str(c, 0), &s, g, sizeof g))
		rpc_fault(c, F_BAD_NAME, "%s", rpc_arg_str(c, 0));
	else if (!s)
		many(t, c, g, act, wait, 0);
	else
		one(t, c, s, act, wait);
}

static void start_process(struct tend *t, struct rpc_call *c) { action(t, c, ACT_START, rpc_arg_bool(c, 1, true)); }
static void stop_process(struct tend *t, struct rpc_call *c) { action(t, c, ACT_STOP, rpc_arg_bool(c, 1, true)); }

static void group_action(struct tend *t, struct rpc_call *c, enum act act)
{
	if (!shut(t, c))
		many(t, c, rpc_arg_str(c, 0), act, rpc_arg_bool(c, 1, true), 0);
}

static void start_group(struct tend *t, struct rpc_call *c) { group_action(t, c, ACT_START); }
static void stop_group(struct tend *t, struct rpc_call *c) { group_action(t, c, ACT_STOP); }

static void start_all(struct tend *t, struct rpc_call *c)
{
	if (!shut(t, c))
		many(t, c, NULL, ACT_START, rpc_arg_bool(c, 0, true), 0);
}

static void stop_all(struct tend *t, struct rpc_call *c)
{
	if (!shut(t, c))
		many(t, c, NULL, ACT_STOP, rpc_arg_bool(c, 0, true), 0);
}

/* ---- signals ---- */

/* supervisord's signal_number: a number or a name, with or without SIG */
static int signal_arg(struct rpc_call *c, size_t i)
{
	const struct xv *v = i < c->nargs ? &c->args[i] : NULL;
	if (v && v->type == XV_INT)
		return v->i > 0 && v->i < 65 ? (int)v->i : -1;
	return v ? sig_parse(v->s, 0) : -1;
}

static void signal_process(struct tend *t, struct rpc_call *c)
{
	struct svc *s;
	char g[256];
	const char *spec = rpc_arg_str(c, 0);
	if (shut(t, c))
		return;
	if (resolve(t, spec, &s, g, sizeof g)) {
		rpc_fault(c, F_BAD_NAME, "%s", spec);
		return;
	}
	int sig = signal_arg(c, 1);
	if (s && sig < 0) {
		rpc_fault(c, F_BAD_SIGNAL, "%s", rpc_arg_str(c, 1));
	} else if (!s) {
		many(t, c, g, ACT_SIGNAL, false, sig);
	} else {
		int rc = control_signal(t, s, sig);
		if (rc)
			rpc_fault(c, rc, "%s", spec);
		else
			xw_bool(&c->val, true);
	}
}

static void signal_group(struct tend *t, struct rpc_call *c, const char *group, size_t sig_arg)
{
	int sig = signal_arg(c, sig_arg);
	if (shut(t, c))
		return;
	struct svc **v;
	if (group && control_group(t, group, &v) < 0) {
		rpc_fault(c, F_BAD_NAME, "%s", group);
		return;
	}
	if (group)
		free(v);
	many(t, c, group, ACT_SIGNAL, false, sig);
}

static void signal_process_group(struct tend *t, struct rpc_call *c) { signal_group(t, c, rpc_arg_str(c, 0), 1); }
static void signal_all(struct tend *t, struct rpc_call *c) { signal_group(t, c, NULL, 0); }

static void send_stdin(struct tend *t, struct rpc_call *c)
{
	struct svc *s;
	char g[256];
	const char *spec = rpc_arg_str(c, 0);
	if (shut(t, c))
		return;
	if (resolve(t, spec, &s, g, sizeof g) || !s) {
		rpc_fault(c, F_BAD_NAME, "%s", spec);
		return;
	}
	const struct xv *chars = &c->args[1];
	int rc = control_send_stdin(t, s, chars->s, chars->len);
	if (rc == F_FAILED)
		rpc_fault(c, rc, "%s: its stdin already holds 1 MiB it has not read", spec);
	else if (rc)
		rpc_fault(c, rc, "%s", spec);
	else
		xw_bool(&c->val, true);
}

/* ---- tend.wait(names, statename, timeout_ms): until every name is in the state ---- */

#define WAIT_MAX_MS (24 * 3600 * 1000LL)
#define WAIT_MAX_NAMES 10000 /* as many as a config may have processes */

static bool in_state(const struct svc *s, const char *state)
{
	return !strcmp(svc_state_name(s->state), state);
}

static bool wait_again(struct tend *t, struct rpc_call *c)
{
	const struct xv *names = &c->args[0];
	struct svc_memo *memo = c->ctx;
	const char *state = rpc_arg_str(c, 1);
	for (size_t i = 0; i < names->n; i++) {
		struct svc *s = control_find_memo(t, &memo[i], names->items[i].s);
		if (!s) {
			rpc_fault(c, F_BAD_NAME, "%s", names->items[i].s);
			return true;
		}
		if (!in_state(s, state)) {
			if (!c->timed_out)
				return false;
			rpc_fault(c, F_FAILED, "timeout: %s is %s, not %s", names->items[i].s, svc_state_name(s->state), state);
			return true;
		}
	}
	xw_array_begin(&c->val);
	for (size_t i = 0; i < names->n; i++)
		put_info(t, &c->val, control_find_memo(t, &memo[i], names->items[i].s));
	xw_array_end(&c->val);
	return true;
}

static void wait_expired(struct tend *t, struct timer *tm)
{
	(void)t;
	container_of(tm, struct rpc_call, tm)->timed_out = true; /* judged at the turn's end */
}

static bool state_known(const char *state)
{
	for (int st = ST_STOPPED; st <= ST_FATAL; st++)
		if (!strcmp(svc_state_name(st), state))
			return true;
	return false;
}

static void wait_for_state(struct tend *t, struct rpc_call *c)
{
	const struct xv *names = &c->args[0];
	long long ms = rpc_arg_int(c, 2, 60000);
	if (shut(t, c))
		return;
	for (size_t i = 0; i < names->n; i++)
		if (names->items[i].type != XV_STRING) {
			rpc_fault(c, F_INCORRECT_PARAMETERS, NULL);
			return;
		}
	if (!state_known(rpc_arg_str(c, 1))) {
		rpc_fault(c, F_BAD_ARGUMENTS, "unknown state %s", rpc_arg_str(c, 1));
		return;
	}
	if (names->n > WAIT_MAX_NAMES) {
		rpc_fault(c, F_BAD_ARGUMENTS, "at most %d names", WAIT_MAX_NAMES);
		return;
	}
	if (!(c->ctx = arena_alloc(&c->mem, (names->n + 1) * sizeof(struct svc_memo)))) {
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	memset(c->ctx, 0, (names->n + 1) * sizeof(struct svc_memo));
	if (wait_again(t, c))
		return;
	timer_arm(t, &c->tm, (uint64_t)(ms < 0 ? 0 : ms > WAIT_MAX_MS ? WAIT_MAX_MS : ms), wait_expired);
	c->again = wait_again;
}

const struct rpc_method rpc_process_methods[] = {
	{"tend.wait", wait_for_state, "array array string int", 2,
	 "tend: wait until every named process is in the state (STOPPED, RUNNING, ...), at most timeout_ms."},
	{"supervisor.getProcessInfo", get_process_info, "struct string", 1, "Information about one process."},
	{"supervisor.getAllProcessInfo", get_all_process_info, "array", 0, "Information about every process."},
	{"supervisor.startProcess", start_process, "boolean string boolean", 1,
	 "Start a process (name, group:name or group:*); wait for RUNNING unless wait is false."},
	{"supervisor.startProcessGroup", start_group, "array string boolean", 1, "Start every process of a group."},
	{"supervisor.startAllProcesses", start_all, "array boolean", 0, "Start every process."},
	{"supervisor.stopProcess", stop_process, "boolean string boolean", 1,
	 "Stop a process; wait until it is stopped unless wait is false."},
	{"supervisor.stopProcessGroup", stop_group, "array string boolean", 1, "Stop every process of a group."},
	{"supervisor.stopAllProcesses", stop_all, "array boolean", 0, "Stop every process."},
	{"supervisor.signalProcess", signal_process, "boolean string string", 2,
	 "Send a signal (name or number) to a process's main pid."},
	{"supervisor.signalProcessGroup", signal_process_group, "array string string", 2,
	 "Send a signal to every running process of a group."},
	{"supervisor.signalAllProcesses", signal_all, "array string", 1, "Send a signal to every running process."},
	{"supervisor.sendProcessStdin", send_stdin, "boolean string string", 2, "Write to a process's stdin."},
	{NULL, NULL, NULL, 0, NULL},
};
