/* ctl_cmd.c — the commands on processes: status, start, stop, restart, signal, pid,
 * clear, and the shell's help/quit/EOF. Messages, their order and the exit codes are
 * supervisorctl 4.2.5's. */
#include "ctl_cmds.h"
#include "ctl_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------- */

const char *ctl_namespec(struct ctl *c, const char *group, const char *name)
{
	if (!strcmp(group, name))
		return name;
	char *s = arena_alloc(&c->ar, strlen(group) + strlen(name) + 2);
	if (!s)
		return name;
	sprintf(s, "%s:%s", group, name);
	return s;
}

void ctl_split_namespec(struct ctl *c, const char *spec, const char **group, const char **name)
{
	const char *colon = strchr(spec, ':');
	if (!colon) {
		*group = *name = spec;
		return;
	}
	*group = arena_strndup(&c->ar, spec, (size_t)(colon - spec));
	if (!*group)
		*group = "";
	*name = colon[1] && strcmp(colon + 1, "*") ? colon + 1 : NULL;
}

const char *xv_str(const struct xv *st, const char *member)
{
	const struct xv *v = xv_member(st, member);
	return v && v->type == XV_STRING && v->s ? v->s : "";
}

long long xv_int(const struct xv *st, const char *member)
{
	const struct xv *v = xv_member(st, member);
	return v && (v->type == XV_INT || v->type == XV_BOOL) ? v->i : 0;
}

void ctl_exit_from_fault(struct ctl *c, int code, int ignored)
{
	if (code == ignored || code == F_SUCCESS)
		return;
	if (code == F_SPAWN_ERROR || code == F_ABNORMAL_TERMINATION || code == F_NOT_RUNNING)
		c->exitstatus = EXIT_ACTION_NOT_RUNNING;
	else
		c->exitstatus = EXIT_GENERIC;
}

/* supervisorctl's assertion for a result code it does not know: an exception. */
_Noreturn static void unknown_result(struct ctl *c, int code, const char *name, int line)
{
	c->err = CE_PROTOCOL;
	snprintf(c->err_text, sizeof c->err_text,
		 "error: <class 'ValueError'>, Unknown result code %d for %s: file: "
		 "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py line: %d", code, name, line);
	ctl_raise(c);
}

static bool has_all(char **w, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], "all"))
			return true;
	return false;
}

/* --json: the results of one command as one array (restart: its stops, then its starts) */
static void jopen(struct ctl *c)
{
	if (!c->json)
		return;
	if (!c->jdoc.len)
		buf_puts(&c->jdoc, "[");
	else if (c->jdoc.p[c->jdoc.len - 1] == ']')
		c->jdoc.p[--c->jdoc.len] = 0; /* reopen */
}

static void jclose(struct ctl *c)
{
	if (c->json && c->jdoc.len && c->jdoc.p[c->jdoc.len - 1] != ']')
		buf_puts(&c->jdoc, "]");
}

static void jres(struct ctl *c, const char *group, const char *name, int status, const char *desc)
{
	if (c->json)
		cj_result(&c->jdoc, group, name, status, desc);
}

static void help_of(struct ctl *c, const char *name)
{
	ctl_help(c, name);
}

/* ---- status ------------------------------------------------------------------------ */

static bool stopped_state(long long s)
{
	return s == PS_STOPPED || s == PS_EXITED || s == PS_FATAL || s == PS_UNKNOWN;
}

static void show_statuses(struct ctl *c, const struct xv **infos, size_t n)
{
	size_t maxlen = 30;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(ctl_namespec(c, xv_str(infos[i], "group"), xv_str(infos[i], "name")));
		maxlen = l > maxlen ? l : maxlen;
	}
	for (size_t i = 0; i < n; i++)
		ctl_out(c, "%-*s%-10s%s", (int)maxlen + 3,
			ctl_namespec(c, xv_str(infos[i], "group"), xv_str(infos[i], "name")),
			xv_str(infos[i], "statename"), xv_str(infos[i], "description"));
	if (c->json)
		ctl_status_json(c, infos, n);
}

int cmd_status(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c)) {
		c->exitstatus = EXIT_STATUS_UNKNOWN;
		return 0;
	}
	if (ctl_call(c, "supervisor.getAllProcessInfo", ""))
		ctl_raise(c);
	const struct xv all = c->res;
	size_t cnt = all.type == XV_ARRAY ? all.n : 0, m = 0;
	const struct xv **match = arena_alloc(&c->ar, (cnt * (size_t)(n + 1) + 1) * sizeof *match);
	if (!match)
		return 0;
	if (!n || has_all(w, n)) {
		for (size_t i = 0; i < cnt; i++)
			match[m++] = &all.items[i];
	} else {
		for (int k = 0; k < n; k++) {
			const char *g, *p;
			bool bad = true;
			ctl_split_namespec(c, w[k], &g, &p);
			for (size_t i = 0; i < cnt; i++) {
				const struct xv *info = &all.items[i];
				if (strcmp(xv_str(info, "group"), g) || (p && strcmp(xv_str(info, "name"), p)))
					continue;
				bad = false;
				match[m++] = info;
			}
			if (bad) {
				if (!p)
					ctl_out(c, "%s: ERROR (no such group)", g);
				else
					ctl_out(c, "%s: ERROR (no such process)", w[k]);
				c->exitstatus = EXIT_STATUS_UNKNOWN;
			}
		}
	}
	show_statuses(c, match, m);
	for (size_t i = 0; i < m; i++)
		if (stopped_state(xv_int(match[i], "state")))
			c->exitstatus = EXIT_STATUS_NOT_RUNNING;
	return 0;
}

/* ---- start / stop / signal ------------------------------------------------------------ */

static const char *start_result(struct ctl *c, const char *group, const char *name, int code)
{
	const char *spec = ctl_namespec(c, group, name), *why;
	switch (code) {
	case F_BAD_NAME: why = "no such process"; break;
	case F_NO_FILE: why = "no such file"; break;
	case F_NOT_EXECUTABLE: why = "file is not executable"; break;
	case F_ALREADY_STARTED: why = "already started"; break;
	case F_SPAWN_ERROR: why = "spawn error"; break;
	case F_ABNORMAL_TERMINATION: why = "abnormal termination"; break;
	case F_SUCCESS:
		ctl_out(c, "%s: started", spec);
		return spec;
	default: unknown_result(c, code, spec, 761);
	}
	ctl_out(c, "%s: ERROR (%s)", spec, why);
	return spec;
}

/* _signalresult (and _stopresult with "stopped") */
static void signal_result(struct ctl *c, const char *group, const char *name, int code, const char *desc,
			  const char *success)
{
	const char *spec = ctl_namespec(c, group, name);
	switch (code) {
	case F_BAD_NAME: ctl_out(c, "%s: ERROR (no such process)", spec); break;
	case F_BAD_SIGNAL: ctl_out(c, "%s: ERROR (bad signal name)", spec); break;
	case F_NOT_RUNNING: ctl_out(c, "%s: ERROR (not running)", spec); break;
	case F_SUCCESS: ctl_out(c, "%s: %s", spec, success); break;
	case F_FAILED: ctl_out(c, "%s", desc); break;
	default: unknown_result(c, code, spec, 835);
	}
}

enum action { A_START, A_STOP, A_SIGNAL };

/* The results of a *AllProcesses / *ProcessGroup call, in c->res. */
static void batch_results(struct ctl *c, enum action a)
{
	const struct xv res = c->res;
	for (size_t i = 0; res.type == XV_ARRAY && i < res.n; i++) {
		const struct xv *r = &res.items[i];
		const char *g = xv_str(r, "group"), *p = xv_str(r, "name"), *d = xv_str(r, "description");
		int code = (int)xv_int(r, "status");
		if (a == A_START)
			start_result(c, g, p, code);
		else
			signal_result(c, g, p, code, d, a == A_STOP ? "stopped" : "signalled");
		jres(c, g, p, code, d);
		ctl_exit_from_fault(c, code, a == A_START ? F_ALREADY_STARTED : a == A_STOP ? F_NOT_RUNNING : -1);
	}
}

static void single_result(struct ctl *c, enum action a, const char *g, const char *p, int r)
{
	int code = r == 0 ? F_SUCCESS : c->fcode;
	const char *desc = r == 0 ? "OK" : c->fstr ? c->fstr : "";
	if (a == A_START)
		start_result(c, g, p, code);
	else
		signal_result(c, g, p, code, desc, a == A_STOP ? "stopped" : "signalled");
	jres(c, g, p, code, desc);
	if (r)
		ctl_exit_from_fault(c, code, a == A_START ? F_ALREADY_STARTED : a == A_STOP ? F_NOT_RUNNING : -1);
}

static void act(struct ctl *c, enum action a, const char *sig, char **w, int n)
{
	static const char *const all_m[] = {"supervisor.startAllProcesses", "supervisor.stopAllProcesses",
					     "supervisor.signalAllProcesses"};
	static const char *const grp_m[] = {"supervisor.startProcessGroup", "supervisor.stopProcessGroup",
					     "supervisor.signalProcessGroup"};
	static const char *const one_m[] = {"supervisor.startProcess", "supervisor.stopProcess",
					     "supervisor.signalProcess"};
	jopen(c);
	if (has_all(w, n)) {
		int r = a == A_SIGNAL ? ctl_call(c, all_m[a], "s", sig) : ctl_call(c, all_m[a], "");
		if (r)
			ctl_raise(c);
		batch_results(c, a);
		jclose(c);
		return;
	}
	for (int k = 0; k < n; k++) {
		const char *g, *p;
		ctl_split_namespec(c, w[k], &g, &p);
		if (!p) {
			int r = a == A_SIGNAL ? ctl_call(c, grp_m[a], "ss", g, sig) : ctl_call(c, grp_m[a], "s", g);
			if (r == 0) {
				batch_results(c, a);
				continue;
			}
			if (a == A_STOP)
				c->exitstatus = EXIT_GENERIC;
			if (c->fcode != F_BAD_NAME) {
				c->exitstatus = EXIT_GENERIC;
				ctl_raise(c);
			}
			ctl_out(c, "%s: ERROR (no such group)", g);
			c->exitstatus = a == A_START ? EXIT_INVALID_ARGS : EXIT_GENERIC;
			jres(c, g, "", F_BAD_NAME, c->fstr);
			continue;
		}
		int r = a == A_SIGNAL ? ctl_call(c, one_m[a], "ss", w[k], sig) : ctl_call(c, one_m[a], "s", w[k]);
		single_result(c, a, g, p, r);
	}
	jclose(c);
}

int cmd_start(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (!n) {
		ctl_out(c, "Error: start requires a process name");
		c->exitstatus = EXIT_INVALID_ARGS;
		help_of(c, "start");
		return 0;
	}
	act(c, A_START, NULL, w, n);
	return 0;
}

int cmd_stop(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (!n) {
		ctl_out(c, "Error: stop requires a process name");
		c->exitstatus = EXIT_GENERIC;
		help_of(c, "stop");
		return 0;
	}
	act(c, A_STOP, NULL, w, n);
	return 0;
}

int cmd_signal(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (n < 2) {
		ctl_out(c, "Error: signal requires a signal name and a process name");
		help_of(c, "signal");
		c->exitstatus = EXIT_GENERIC;
		return 0;
	}
	act(c, A_SIGNAL, w[0], w + 1, n - 1);
	return 0;
}

int cmd_restart(struct ctl *c, char **w, int n, const char *arg)
{
	if (!ctl_upcheck(c))
		return 0;
	if (!n) {
		ctl_out(c, "Error: restart requires a process name");
		c->exitstatus = EXIT_GENERIC;
		help_of(c, "restart");
		return 0;
	}
	cmd_stop(c, w, n, arg);
	cmd_start(c, w, n, arg);
	return 0;
}

/* ---- pid, clear ----------------------------------------------------------------------- */

int cmd_pid(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (!n) {
		if (ctl_call(c, "supervisor.getPID", ""))
			ctl_raise(c);
		ctl_out(c, "%lld", c->res.i);
		if (c->json)
			buf_printf(&c->jdoc, "%lld", c->res.i);
		return 0;
	}
	jopen(c);
	if (has_all(w, n)) {
		if (ctl_call(c, "supervisor.getAllProcessInfo", ""))
			ctl_raise(c);
		for (size_t i = 0; c->res.type == XV_ARRAY && i < c->res.n; i++) {
			const struct xv *info = &c->res.items[i];
			ctl_out(c, "%lld", xv_int(info, "pid"));
			if (c->json) {
				buf_puts(&c->jdoc, i ? ", " : "");
				cj_value(&c->jdoc, info);
			}
		}
		jclose(c);
		return 0;
	}
	for (int k = 0; k < n; k++) {
		if (ctl_call(c, "supervisor.getProcessInfo", "s", w[k])) {
			c->exitstatus = EXIT_GENERIC;
			if (c->fcode != F_BAD_NAME)
				ctl_raise(c);
			ctl_out(c, "No such process %s", w[k]);
			continue;
		}
		long long pid = xv_int(&c->res, "pid");
		ctl_out(c, "%lld", pid);
		if (c->json) {
			buf_puts(&c->jdoc, c->jdoc.len > 1 ? ", " : "");
			cj_value(&c->jdoc, &c->res);
		}
		if (pid == 0)
			c->exitstatus = EXIT_ACTION_NOT_RUNNING;
	}
	jclose(c);
	return 0;
}

static void clear_result(struct ctl *c, const char *g, const char *p, int code, const char *desc)
{
	const char *spec = ctl_namespec(c, g, p);
	if (code == F_BAD_NAME)
		ctl_out(c, "%s: ERROR (no such process)", spec);
	else if (code == F_FAILED)
		ctl_out(c, "%s: ERROR (failed)", spec);
	else if (code == F_SUCCESS)
		ctl_out(c, "%s: cleared", spec);
	else
		unknown_result(c, code, spec, 1260);
	jres(c, g, p, code, desc);
	ctl_exit_from_fault(c, code, -1);
}

int cmd_clear(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (!n) {
		ctl_out(c, "Error: clear requires a process name");
		c->exitstatus = EXIT_GENERIC;
		help_of(c, "clear");
		return 0;
	}
	jopen(c);
	if (has_all(w, n)) {
		if (ctl_call(c, "supervisor.clearAllProcessLogs", ""))
			ctl_raise(c);
		const struct xv res = c->res;
		for (size_t i = 0; res.type == XV_ARRAY && i < res.n; i++)
			clear_result(c, xv_str(&res.items[i], "group"), xv_str(&res.items[i], "name"),
				     (int)xv_int(&res.items[i], "status"), xv_str(&res.items[i], "description"));
	} else {
		for (int k = 0; k < n; k++) {
			const char *g, *p;
			ctl_split_namespec(c, w[k], &g, &p);
			int r = ctl_call(c, "supervisor.clearProcessLogs", "s", w[k]);
			/* a "group:*" name has no process name: supervisorctl prints None */
			clear_result(c, g, p ? p : "None", r ? c->fcode : F_SUCCESS, r ? c->fstr : "OK");
		}
	}
	jclose(c);
	return 0;
}

/* ---- the shell's own ----------------------------------------------------------------- */

int cmd_help(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	if (!strcmp(arg, "help")) {
		ctl_out(c, "help\t\tPrint a list of available actions");
		ctl_out(c, "help <action>\tPrint help for <action>");
		return 0;
	}
	ctl_help(c, arg);
	return 0;
}

int cmd_eof(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	(void)arg;
	ctl_out(c, "%s", "");
	return 1;
}

int cmd_quit(struct ctl *c, char **w, int n, const char *arg)
{
	return cmd_eof(c, w, n, arg);
}
