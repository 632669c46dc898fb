/* ctl_admin.c — the commands on logs and on supervisord itself: tail, maintail, avail,
 * reread, update, add, remove, reload, shutdown, version, open; and upcheck(), the
 * getVersion probe supervisorctl makes before most commands. */
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "intparse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ctl_upcheck(struct ctl *c)
{
	int r = ctl_try(c, "supervisor.getVersion", "");
	if (r == 0) {
		const char *api = c->res.type == XV_STRING ? c->res.s : "?";
		if (strcmp(api, CTL_API_VERSION)) {
			ctl_out(c, "Sorry, this version of supervisorctl expects to talk to a server with API version %s, "
				   "but the remote version is %s.", CTL_API_VERSION, api);
			c->exitstatus = 5;
			return false;
		}
		return true;
	}
	if (r == 1) {
		if (c->fcode == F_UNKNOWN_METHOD) {
			ctl_out(c, "Sorry, supervisord responded but did not recognize the supervisor namespace commands "
				   "that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] "
				   "section is enabled in the configuration file (see sample.conf).");
			c->exitstatus = 3;
			return false;
		}
		c->exitstatus = EXIT_GENERIC;
		ctl_raise(c);
	}
	if (c->err == CE_SOCKET && c->err_errno == ECONNREFUSED) {
		ctl_out(c, "%s refused connection", c->serverurl);
		c->exitstatus = 4;
		return false;
	}
	if (c->err == CE_SOCKET && c->err_errno == ENOENT) {
		ctl_out(c, "%s no such file", c->serverurl);
		c->exitstatus = EXIT_ACTION_NOT_RUNNING;
		return false;
	}
	c->exitstatus = EXIT_GENERIC;
	ctl_raise(c);
}

static void help_and(struct ctl *c, const char *msg, const char *cmd)
{
	ctl_out(c, "%s", msg);
	c->exitstatus = EXIT_GENERIC;
	ctl_help(c, cmd);
}

/* The commands that take nothing: an argument gets supervisorctl's error and the help. */
static bool takes_no_args(struct ctl *c, const char *arg, const char *cmd)
{
	if (!*arg)
		return true;
	ctl_out(c, "Error: %s accepts no arguments", cmd);
	c->exitstatus = EXIT_GENERIC;
	ctl_help(c, cmd);
	return false;
}

static void json_true(struct ctl *c)
{
	if (c->json)
		buf_puts(&c->jdoc, "{\"result\": true}");
}

/* Python int(): optional sign and surrounding blanks, decimal digits. */
static bool py_int(const char *s, long long *v)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || !(isdigit((unsigned char)*s) || ((*s == '-' || *s == '+') && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	*v = str_to_ll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return !*end && !errno;
}

static void follow(struct ctl *c, const char *path)
{
	ctl_out(c, "==> Press Ctrl-C to exit <==");
	fflush(stdout);
	if (ctl_stream(c, path))
		ctl_out(c, "%s", "");
}

static void show_log(struct ctl *c, const char *who, const char *channel)
{
	ctl_outs(c, c->res.s ? c->res.s : "", c->res.s ? c->res.len : 0);
	ctl_outs(c, "\n", 1);
	if (c->json) {
		buf_puts(&c->jdoc, "{\"name\": ");
		buf_json_str(&c->jdoc, who, strlen(who));
		if (channel) {
			buf_puts(&c->jdoc, ", \"channel\": ");
			buf_json_str(&c->jdoc, channel, strlen(channel));
		}
		buf_puts(&c->jdoc, ", \"log\": ");
		buf_json_str(&c->jdoc, c->res.s ? c->res.s : "", c->res.s ? c->res.len : 0);
		buf_puts(&c->jdoc, "}");
	}
}

static void log_fault(struct ctl *c, const char *who, bool bad_name_known)
{
	c->exitstatus = EXIT_GENERIC;
	if (c->fcode == F_NO_FILE)
		ctl_out(c, "%s: ERROR (no log file)", who);
	else if (c->fcode == F_FAILED)
		ctl_out(c, "%s: ERROR (unknown error reading log)", who);
	else if (c->fcode == F_BAD_NAME && bad_name_known)
		ctl_out(c, "%s: ERROR (no such process name)", who);
	else
		ctl_raise(c);
}

int cmd_tail(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (n < 1)
		return help_and(c, "Error: too few arguments", "tail"), 0;
	if (n > 3)
		return help_and(c, "Error: too many arguments", "tail"), 0;
	const char *mod = NULL, *name, *channel = "stdout";
	if (w[0][0] == '-') {
		mod = w[0];
		w++;
		n--;
	}
	if (n == 1) {
		name = w[0];
	} else if (n) {
		name = w[0];
		char *ch = arena_strdup(&c->ar, w[n - 1]);
		for (char *p = ch; p && *p; p++)
			*p = (char)tolower((unsigned char)*p);
		channel = ch ? ch : w[n - 1];
		if (strcmp(channel, "stderr") && strcmp(channel, "stdout")) {
			ctl_out(c, "Error: bad channel '%s'", channel);
			c->exitstatus = EXIT_GENERIC;
			return 0;
		}
	} else {
		ctl_out(c, "Error: tail requires process name");
		c->exitstatus = EXIT_GENERIC;
		return 0;
	}
	long long bytes = 1600;
	if (mod && strcmp(mod + 1, "f") && !py_int(mod + 1, &bytes)) {
		ctl_out(c, "Error: bad argument %s", mod);
		c->exitstatus = EXIT_GENERIC;
		return 0;
	}
	if (mod && !strcmp(mod + 1, "f")) {
		char *path;
		if (asprintf(&path, "/logtail/%s/%s", name, channel) < 0)
			return 0;
		follow(c, path);
		free(path);
		return 0;
	}
	const char *m = strcmp(channel, "stdout") ? "supervisor.readProcessStderrLog" : "supervisor.readProcessStdoutLog";
	if (ctl_call(c, m, "sii", name, (int)-bytes, 0))
		log_fault(c, name, true);
	else
		show_log(c, name, channel);
	return 0;
}

int cmd_maintail(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (n > 1)
		return help_and(c, "Error: too many arguments", "maintail"), 0;
	long long bytes = 1600;
	if (n == 1) {
		if (w[0][0] == '-' && !strcmp(w[0] + 1, "f")) {
			follow(c, "/mainlogtail");
			return 0;
		}
		if (w[0][0] != '-' || !py_int(w[0] + 1, &bytes)) {
			ctl_out(c, "Error: bad argument %s", w[0]);
			c->exitstatus = EXIT_GENERIC;
			return 0;
		}
	}
	if (ctl_call(c, "supervisor.readLog", "ii", (int)-bytes, 0))
		log_fault(c, "supervisord", false);
	else
		show_log(c, "supervisord", NULL);
	return 0;
}

/* ---- configuration -------------------------------------------------------------------- */

int cmd_avail(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	if (!takes_no_args(c, arg, "avail"))
		return 0;
	if (ctl_call(c, "supervisor.getAllConfigInfo", "")) {
		c->exitstatus = EXIT_GENERIC;
		if (c->fcode != F_SHUTDOWN_STATE)
			ctl_raise(c);
		ctl_out(c, "ERROR: supervisor shutting down");
		return 0;
	}
	const struct xv res = c->res;
	for (size_t i = 0; res.type == XV_ARRAY && i < res.n; i++) {
		const struct xv *ci = &res.items[i];
		char prio[64];
		snprintf(prio, sizeof prio, "%lld:%lld", xv_int(ci, "group_prio"), xv_int(ci, "process_prio"));
		ctl_out(c, "%-32s %-9s %-9s %s", ctl_namespec(c, xv_str(ci, "group"), xv_str(ci, "name")),
			xv_int(ci, "inuse") ? "in use" : "avail", xv_int(ci, "autostart") ? "auto" : "manual", prio);
	}
	if (c->json)
		cj_value(&c->jdoc, &res);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* reloadConfig's [[added, changed, removed]] */
static const struct xv *changes(const struct xv *res, int which)
{
	static const struct xv empty = {.type = XV_ARRAY};
	if (res->type != XV_ARRAY || !res->n || res->items[0].type != XV_ARRAY || res->items[0].n < 3)
		return &empty;
	const struct xv *l = &res->items[0].items[which];
	return l->type == XV_ARRAY ? l : &empty;
}

static void format_changes(struct ctl *c, const struct xv *res)
{
	static const char *const what[] = {"available", "changed", "disappeared"};
	size_t tot = 0, k = 0;
	for (int i = 0; i < 3; i++)
		tot += changes(res, i)->n;
	const char **names = arena_alloc(&c->ar, (tot + 1) * sizeof *names * 2);
	if (!names)
		return;
	/* a name in several lists takes the last one's word, as the dict update does */
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; j < changes(res, i)->n; j++) {
			const char *nm = changes(res, i)->items[j].s ? changes(res, i)->items[j].s : "";
			size_t e = 0;
			while (e < k && strcmp(names[2 * e], nm))
				e++;
			names[2 * e] = nm;
			names[2 * e + 1] = what[i];
			if (e == k)
				k++;
		}
	qsort(names, k, 2 * sizeof *names, cmp_str);
	for (size_t i = 0; i < k; i++)
		ctl_out(c, "%s: %s", names[2 * i], names[2 * i + 1]);
	if (!k)
		ctl_out(c, "No config updates to processes");
	if (c->json) {
		static const char *const key[] = {"added", "changed", "removed"};
		buf_puts(&c->jdoc, "{");
		for (int i = 0; i < 3; i++) {
			buf_printf(&c->jdoc, "%s\"%s\": ", i ? ", " : "", key[i]);
			cj_value(&c->jdoc, changes(res, i));
		}
		buf_puts(&c->jdoc, "}");
	}
}

int cmd_reread(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	if (!takes_no_args(c, arg, "reread"))
		return 0;
	if (ctl_call(c, "supervisor.reloadConfig", "")) {
		c->exitstatus = EXIT_GENERIC;
		if (c->fcode == F_SHUTDOWN_STATE)
			ctl_out(c, "ERROR: supervisor shutting down");
		else if (c->fcode == F_CANT_REREAD)
			ctl_out(c, "ERROR: %s", c->fstr);
		else
			ctl_raise(c);
		return 0;
	}
	format_changes(c, &c->res);
	return 0;
}

static bool in_words(char **w, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], s))
			return true;
	return false;
}

static void upd(struct ctl *c, const char *group, const char *what)
{
	ctl_out(c, "%s: %s", group, what);
	if (c->json) {
		buf_puts(&c->jdoc, c->jdoc.len > 1 ? ", {\"group\": " : "{\"group\": ");
		buf_json_str(&c->jdoc, group, strlen(group));
		buf_puts(&c->jdoc, ", \"action\": ");
		buf_json_str(&c->jdoc, what, strlen(what));
		buf_puts(&c->jdoc, "}");
	}
}

static void call_or_raise(struct ctl *c, const char *method, const char *group)
{
	if (ctl_call(c, method, "s", group))
		ctl_raise(c);
}

int cmd_update(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (ctl_call(c, "supervisor.reloadConfig", "")) {
		c->exitstatus = EXIT_GENERIC;
		if (c->fcode != F_SHUTDOWN_STATE)
			ctl_raise(c);
		ctl_out(c, "ERROR: already shutting down");
		return 0;
	}
	const struct xv res = c->res;
	const struct xv *added = changes(&res, 0), *changed = changes(&res, 1), *removed = changes(&res, 2);
	if (in_words(w, n, "all"))
		n = 0;
	if (c->json)
		buf_puts(&c->jdoc, "[");
	if (n) {
		if (ctl_call(c, "supervisor.getAllProcessInfo", ""))
			ctl_raise(c);
		const struct xv infos = c->res;
		for (int i = 0; i < n; i++) {
			bool known = in_words(w, i, w[i]); /* a repeated name: reported once */
			for (size_t j = 0; !known && infos.type == XV_ARRAY && j < infos.n; j++)
				known = !strcmp(xv_str(&infos.items[j], "group"), w[i]);
			for (size_t j = 0; !known && j < added->n; j++)
				known = added->items[j].s && !strcmp(added->items[j].s, w[i]);
			if (!known) {
				ctl_out(c, "ERROR: no such group: %s", w[i]);
				c->exitstatus = EXIT_GENERIC;
			}
		}
	}
	for (size_t i = 0; i < removed->n; i++) {
		const char *g = removed->items[i].s ? removed->items[i].s : "";
		if (n && !in_words(w, n, g))
			continue;
		call_or_raise(c, "supervisor.stopProcessGroup", g);
		upd(c, g, "stopped");
		bool fails = false;
		for (size_t j = 0; c->res.type == XV_ARRAY && j < c->res.n; j++)
			fails |= xv_int(&c->res.items[j], "status") == F_FAILED;
		if (fails) {
			upd(c, g, "has problems; not removing");
			c->exitstatus = EXIT_GENERIC;
			continue;
		}
		call_or_raise(c, "supervisor.removeProcessGroup", g);
		upd(c, g, "removed process group");
	}
	for (size_t i = 0; i < changed->n; i++) {
		const char *g = changed->items[i].s ? changed->items[i].s : "";
		if (n && !in_words(w, n, g))
			continue;
		call_or_raise(c, "supervisor.stopProcessGroup", g);
		upd(c, g, "stopped");
		call_or_raise(c, "supervisor.removeProcessGroup", g);
		call_or_raise(c, "supervisor.addProcessGroup", g);
		upd(c, g, "updated process group");
	}
	for (size_t i = 0; i < added->n; i++) {
		const char *g = added->items[i].s ? added->items[i].s : "";
		if (n && !in_words(w, n, g))
			continue;
		call_or_raise(c, "supervisor.addProcessGroup", g);
		upd(c, g, "added process group");
	}
	if (c->json)
		buf_puts(&c->jdoc, "]");
	return 0;
}

int cmd_add(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (c->json)
		buf_puts(&c->jdoc, "[");
	for (int i = 0; i < n; i++) {
		int r = ctl_call(c, "supervisor.addProcessGroup", "s", w[i]);
		if (r == 0)
			ctl_out(c, "%s: added process group", w[i]);
		else if (c->fcode == F_SHUTDOWN_STATE) {
			ctl_out(c, "ERROR: shutting down");
			c->exitstatus = EXIT_GENERIC;
		} else if (c->fcode == F_ALREADY_ADDED) {
			ctl_out(c, "ERROR: process group already active");
		} else if (c->fcode == F_BAD_NAME) {
			ctl_out(c, "ERROR: no such process/group: %s", w[i]);
			c->exitstatus = EXIT_GENERIC;
		} else {
			c->exitstatus = EXIT_GENERIC;
			ctl_raise(c);
		}
		if (c->json)
			cj_result(&c->jdoc, w[i], w[i], r ? c->fcode : F_SUCCESS, r ? c->fstr : "OK");
	}
	if (c->json)
		buf_puts(&c->jdoc, "]");
	return 0;
}

int cmd_remove(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (c->json)
		buf_puts(&c->jdoc, "[");
	for (int i = 0; i < n; i++) {
		int r = ctl_call(c, "supervisor.removeProcessGroup", "s", w[i]);
		if (r == 0) {
			ctl_out(c, "%s: removed process group", w[i]);
		} else {
			c->exitstatus = EXIT_GENERIC;
			if (c->fcode == F_STILL_RUNNING)
				ctl_out(c, "ERROR: process/group still running: %s", w[i]);
			else if (c->fcode == F_BAD_NAME)
				ctl_out(c, "ERROR: no such process/group: %s", w[i]);
			else
				ctl_raise(c);
		}
		if (c->json)
			cj_result(&c->jdoc, w[i], w[i], r ? c->fcode : F_SUCCESS, r ? c->fstr : "OK");
	}
	if (c->json)
		buf_puts(&c->jdoc, "]");
	return 0;
}

/* ---- supervisord itself ------------------------------------------------------------------ */

/* The y/N question of the shell (only when interactive, as supervisorctl asks). */
static bool really(struct ctl *c, const char *question)
{
	if (!c->interactive)
		return true;
	char line[256];
	fputs(question, stdout);
	fflush(stdout);
	if (!ctl_read_line(line, sizeof line))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cmd_reload(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	if (!takes_no_args(c, arg, "reload"))
		return 0;
	if (!really(c, "Really restart the remote supervisord process y/N? "))
		return 0;
	if (ctl_call(c, "supervisor.restart", "")) {
		c->exitstatus = EXIT_GENERIC;
		if (c->fcode != F_SHUTDOWN_STATE)
			ctl_raise(c);
		ctl_out(c, "ERROR: already shutting down");
		return 0;
	}
	ctl_out(c, "Restarted supervisord");
	json_true(c);
	return 0;
}

int cmd_shutdown(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	if (!takes_no_args(c, arg, "shutdown"))
		return 0;
	if (!really(c, "Really shut the remote supervisord process down y/N? "))
		return 0;
	int r = ctl_try(c, "supervisor.shutdown", "");
	if (r == 1) {
		if (c->fcode != F_SHUTDOWN_STATE) {
			c->exitstatus = EXIT_GENERIC;
			ctl_raise(c);
		}
		ctl_out(c, "ERROR: already shutting down");
		return 0;
	}
	if (r < 0) {
		c->exitstatus = EXIT_GENERIC;
		if (c->err == CE_SOCKET && c->err_errno == ECONNREFUSED)
			ctl_out(c, "ERROR: %s refused connection (already shut down?)", c->serverurl);
		else if (c->err == CE_SOCKET && c->err_errno == ENOENT)
			ctl_out(c, "ERROR: %s no such file (already shut down?)", c->serverurl);
		else
			ctl_raise(c);
		return 0;
	}
	ctl_out(c, "Shut down");
	json_true(c);
	return 0;
}

int cmd_version(struct ctl *c, char **w, int n, const char *arg)
{
	(void)w;
	(void)n;
	if (!takes_no_args(c, arg, "version"))
		return 0;
	if (!ctl_upcheck(c))
		return 0;
	if (ctl_call(c, "supervisor.getSupervisorVersion", ""))
		ctl_raise(c);
	const char *v = c->res.type == XV_STRING && c->res.s ? c->res.s : "";
	ctl_out(c, "%s", v);
	if (c->json)
		buf_json_str(&c->jdoc, v, strlen(v));
	return 0;
}

int cmd_open(struct ctl *c, char **w, int n, const char *arg)
{
	size_t sl = 0;
	while (isalnum((unsigned char)arg[sl]) || arg[sl] == '+' || arg[sl] == '-' || arg[sl] == '.')
		sl++;
	char scheme[8] = "";
	if (arg[sl] == ':' && sl < sizeof scheme && isalpha((unsigned char)arg[0]))
		for (size_t i = 0; i <= sl; i++)
			scheme[i] = i < sl ? (char)tolower((unsigned char)arg[i]) : 0;
	if (strcmp(scheme, "unix") && strcmp(scheme, "http")) {
		ctl_out(c, "ERROR: url must be http:// or unix://");
		c->exitstatus = EXIT_GENERIC;
		return 0;
	}
	free(c->serverurl);
	c->serverurl = strdup(arg);
	ctl_disconnect(c);
	int old = c->exitstatus;
	cmd_status(c, w, 0, "");
	c->exitstatus = old;
	(void)n;
	return 0;
}
