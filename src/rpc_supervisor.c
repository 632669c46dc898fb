/* rpc_supervisor.c — supervisor.* methods about tend itself and its configuration:
 * versions, state, pid, shutdown and restart, reloadConfig and the group changes that
 * supervisorctl's update builds on, getAllConfigInfo. */
#include "control.h"
#include "events.h"
#include "rpc_method.h"
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool shut(struct tend *t, struct rpc_call *c)
{
	if (t->stopping && !t->restarting)
		rpc_fault(c, F_SHUTDOWN_STATE, NULL);
	return t->stopping && !t->restarting;
}

static void api_version(struct tend *t, struct rpc_call *c)
{
	if (!shut(t, c))
		xw_cstring(&c->val, CTL_API_VERSION);
}

static void supervisor_version(struct tend *t, struct rpc_call *c)
{
	if (!shut(t, c))
		xw_cstring(&c->val, CTL_SUPERVISOR_VERSION);
}

static void identification(struct tend *t, struct rpc_call *c)
{
	if (!shut(t, c))
		xw_cstring(&c->val, t->cfg->identifier ? t->cfg->identifier : CTL_IDENTIFICATION);
}

/* supervisord's SupervisorStates: FATAL 2, RUNNING 1, RESTARTING 0, SHUTDOWN -1 */
static void get_state(struct tend *t, struct rpc_call *c)
{
	int code = t->restarting ? 0 : t->stopping ? -1 : 1;
	if (shut(t, c))
		return;
	xw_struct_begin(&c->val);
	xw_member(&c->val, "statecode");
	xw_int(&c->val, code);
	xw_member(&c->val, "statename");
	xw_cstring(&c->val, code == 1 ? "RUNNING" : code == 0 ? "RESTARTING" : "SHUTDOWN");
	xw_struct_end(&c->val);
}

static void get_pid(struct tend *t, struct rpc_call *c)
{
	if (!shut(t, c))
		xw_int(&c->val, getpid());
}

static void shutdown_now(struct tend *t, struct rpc_call *c)
{
	if (shut(t, c))
		return;
	say(t, V_WARN, "shutdown requested over the control socket");
	supervise_shutdown(t, 0);
	xw_bool(&c->val, true);
}

static void restart(struct tend *t, struct rpc_call *c)
{
	if (shut(t, c))
		return;
	say(t, V_WARN, "restart requested over the control socket");
	services_restart(t);
	xw_bool(&c->val, true);
}

static void put_names(struct buf *b, const char **v, int n)
{
	xw_array_begin(b);
	for (int i = 0; i < n; i++)
		xw_cstring(b, v[i]);
	xw_array_end(b);
}

static void reload_config(struct tend *t, struct rpc_call *c)
{
	char err[1024];
	struct group_diff d;
	if (shut(t, c))
		return;
	if (services_reread(t, err, sizeof err) < 0) {
		rpc_fault(c, F_CANT_REREAD, "%s", err);
		return;
	}
	if (services_diff(t, &d) < 0) {
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	xw_array_begin(&c->val); /* [[added, changed, removed]] */
	xw_array_begin(&c->val);
	for (int k = 0; k < 3; k++)
		put_names(&c->val, d.names[k], d.n[k]);
	xw_array_end(&c->val);
	xw_array_end(&c->val);
	group_diff_free(&d);
}

static void group_op(struct tend *t, struct rpc_call *c, int (*op)(struct tend *, const char *))
{
	if (shut(t, c))
		return;
	int rc = op(t, rpc_arg_str(c, 0));
	if (rc)
		rpc_fault(c, rc, "%s", rpc_arg_str(c, 0));
	else
		xw_bool(&c->val, true);
}

static void add_group(struct tend *t, struct rpc_call *c) { group_op(t, c, services_add_group); }
static void remove_group(struct tend *t, struct rpc_call *c) { group_op(t, c, services_remove_group); }

/* ---- getAllConfigInfo ---- */

static void member_bool(struct buf *b, const char *k, bool v)
{
	xw_member(b, k);
	xw_bool(b, v);
}

static void member_int(struct buf *b, const char *k, long long v)
{
	xw_member(b, k);
	xw_int(b, v);
}

static void member_str(struct buf *b, const char *k, const char *v)
{
	xw_member(b, k);
	xw_cstring(b, v);
}

static const char *log_value(const struct log_target *l, char *tmp, size_t len)
{
	switch (l->kind) {
	case LOG_NONE:
		return "none";
	case LOG_FILE:
		return l->path;
	case LOG_FD:
		snprintf(tmp, len, "/dev/fd/%d", l->fd);
		return l->fd == 1 ? "/dev/stdout" : l->fd == 2 ? "/dev/stderr" : tmp;
	default:
		return "auto";
	}
}

static void put_stream(struct buf *b, const char *which, const struct log_target *l)
{
	char key[64], tmp[32];
	snprintf(key, sizeof key, "%s_capture_maxbytes", which);
	member_int(b, key, 0);
	snprintf(key, sizeof key, "%s_events_enabled", which);
	member_bool(b, key, false);
	snprintf(key, sizeof key, "%s_logfile", which);
	member_str(b, key, log_value(l, tmp, sizeof tmp));
	snprintf(key, sizeof key, "%s_logfile_backups", which);
	member_int(b, key, l->backups);
	snprintf(key, sizeof key, "%s_logfile_maxbytes", which);
	member_int(b, key, l->maxbytes);
	snprintf(key, sizeof key, "%s_syslog", which);
	member_bool(b, key, false);
}

static void put_command(struct buf *b, const struct program *p)
{
	struct buf cmd;
	buf_init(&cmd, 64 * 1024);
	for (int i = 0; p->argv && p->argv[i]; i++)
		buf_printf(&cmd, "%s%s", i ? " " : "", p->argv[i]);
	member_str(b, "command", cmd.p ? cmd.p : "");
	buf_free(&cmd);
}

static void put_config(struct buf *b, const struct program *p, bool inuse, int group_prio)
{
	xw_struct_begin(b);
	member_bool(b, "autostart", p->autostart);
	member_str(b, "directory", p->directory ? p->directory : "none");
	if (p->user)
		member_str(b, "uid", p->user);
	else
		member_str(b, "uid", "none");
	put_command(b, p);
	xw_member(b, "exitcodes");
	xw_array_begin(b);
	for (int code = 0; code < 256; code++)
		if (exitcode_expected(p, code))
			xw_int(b, code);
	xw_array_end(b);
	member_str(b, "group", p->group);
	member_int(b, "group_prio", group_prio);
	member_bool(b, "inuse", inuse);
	member_bool(b, "killasgroup", p->killasgroup);
	member_str(b, "name", p->name);
	member_int(b, "process_prio", p->listener && p->listener->default_priority ? 999 : p->priority);
	member_bool(b, "redirect_stderr", p->redirect_stderr);
	member_int(b, "startretries", p->startretries);
	member_int(b, "startsecs", p->startsecs);
	put_stream(b, "stdout", &p->out);
	member_int(b, "stopsignal", p->stopsignal);
	member_int(b, "stopwaitsecs", p->stopwaitsecs);
	put_stream(b, "stderr", &p->err);
	member_str(b, "serverurl", "AUTO");
	xw_struct_end(b);
}

static int by_prog_name(const void *a, const void *b)
{
	return strcmp((*(const struct program *const *)a)->name, (*(const struct program *const *)b)->name);
}

static void all_config_info(struct tend *t, struct rpc_call *c)
{
	const struct config *cfg = t->cfg;
	if (shut(t, c))
		return;
	const struct program **v = malloc(((size_t)cfg->nprogs + 1) * sizeof *v);
	if (!v) {
		rpc_fault(c, F_FAILED, "out of memory");
		return;
	}
	for (int i = 0; i < cfg->nprogs; i++)
		v[i] = &cfg->progs[i];
	qsort(v, (size_t)cfg->nprogs, sizeof *v, by_prog_name); /* supervisord sorts by name (stable) */
	xw_array_begin(&c->val);
	for (int i = 0; i < cfg->nprogs && !c->val.over; i++) {
		struct svc **g;
		int n = control_group(t, v[i]->group, &g);
		if (n >= 0)
			free(g);
		put_config(&c->val, v[i], n >= 0, v[i]->priority);
	}
	xw_array_end(&c->val);
	free(v);
}

/* A REMOTE_COMMUNICATION event for the pools that subscribe to it (none: it goes nowhere). */
static void remote_comm_event(struct tend *t, struct rpc_call *c)
{
	events_remote(t, rpc_arg_str(c, 0), rpc_arg_str(c, 1));
	xw_bool(&c->val, true);
}

const struct rpc_method rpc_supervisor_methods[] = {
	{"supervisor.getAPIVersion", api_version, "string", 0, "The version of the RPC API (3.0)."},
	{"supervisor.getVersion", api_version, "string", 0, "Deprecated name of getAPIVersion."},
	{"supervisor.getSupervisorVersion", supervisor_version, "string", 0,
	 "The supervisord version whose API tend implements."},
	{"supervisor.getIdentification", identification, "string", 0, "[supervisord] identifier."},
	{"supervisor.getState", get_state, "struct", 0, "{statecode, statename} of tend."},
	{"supervisor.getPID", get_pid, "int", 0, "tend's pid."},
	{"supervisor.shutdown", shutdown_now, "boolean", 0, "Stop every service and exit."},
	{"supervisor.restart", restart, "boolean", 0, "Stop every service, read the config again, start."},
	{"supervisor.reloadConfig", reload_config, "array", 0,
	 "Read the config again; returns [[added, changed, removed]] group names (nothing is applied)."},
	{"supervisor.addProcessGroup", add_group, "boolean string", 1, "Start running a group of the config."},
	{"supervisor.removeProcessGroup", remove_group, "boolean string", 1, "Forget a stopped group."},
	{"supervisor.getAllConfigInfo", all_config_info, "array", 0, "The settings of every configured process."},
	{"supervisor.sendRemoteCommEvent", remote_comm_event, "boolean string string", 2,
	 "Send a REMOTE_COMMUNICATION event to event listeners."},
	{NULL, NULL, NULL, 0, NULL},
};
