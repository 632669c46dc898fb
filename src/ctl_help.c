/* ctl_help.c — the command table, `help` and its listing (laid out as Python's
 * cmd.Cmd.columnize does, so the columns match supervisorctl's for the same words). */
#include "ctl_cmds.h"
#include "ctl_int.h"

#include <stdio.h>
#include <string.h>

const struct ctl_command ctl_commands[] = {
	{"add", cmd_add, "add <name> [...]\tActivates any updates in config for process/group", false},
	{"avail", cmd_avail, "avail\t\t\tDisplay all configured processes", false},
	{"clear", cmd_clear,
	 "clear <name>\t\tClear a process' log files.\n"
	 "clear <name> <name>\tClear multiple process' log files\n"
	 "clear all\t\tClear all process' log files", false},
	{"exit", cmd_quit, "exit\tExit the supervisor shell.", false},
	{"fg", cmd_fg, "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit", false},
	{"maintail", cmd_maintail,
	 "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
	 "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
	 "maintail\tlast 1600 *bytes* of supervisor main log file\n", false},
	{"open", cmd_open,
	 "open <url>\tConnect to a remote supervisord process.\n"
	 "\t\t(for UNIX domain socket, use unix:///socket/path)", false},
	{"pid", cmd_pid,
	 "pid\t\t\tGet the PID of supervisord.\n"
	 "pid <name>\t\tGet the PID of a single child process by name.\n"
	 "pid all\t\t\tGet the PID of every child process, one per line.", false},
	{"quit", cmd_quit, "quit\tExit the supervisor shell.", false},
	{"reload", cmd_reload, "reload \t\tRestart the remote supervisord.", false},
	{"remove", cmd_remove, "remove <name> [...]\tRemoves process/group from active config", false},
	{"reread", cmd_reread, "reread \t\t\tReload the daemon's configuration files without add/remove", false},
	{"restart", cmd_restart,
	 "restart <name>\t\tRestart a process\n"
	 "restart <gname>:*\tRestart all processes in a group\n"
	 "restart <name> <name>\tRestart multiple processes or groups\n"
	 "restart all\t\tRestart all processes\n"
	 "Note: restart does not reread config files. For that, see reread and update.", false},
	{"shutdown", cmd_shutdown, "shutdown \tShut the remote supervisord down.", false},
	{"signal", cmd_signal,
	 "signal <signal name> <name>\t\tSignal a process\n"
	 "signal <signal name> <gname>:*\t\tSignal all processes in a group\n"
	 "signal <signal name> <name> <name>\tSignal multiple processes or groups\n"
	 "signal <signal name> all\t\tSignal all processes", false},
	{"start", cmd_start,
	 "start <name>\t\tStart a process\n"
	 "start <gname>:*\t\tStart all processes in a group\n"
	 "start <name> <name>\tStart multiple processes or groups\n"
	 "start all\t\tStart all processes", false},
	{"status", cmd_status,
	 "status <name>\t\tGet status for a single process\n"
	 "status <gname>:*\tGet status for all processes in a group\n"
	 "status <name> <name>\tGet status for multiple named processes\n"
	 "status\t\t\tGet all process status info", false},
	{"stop", cmd_stop,
	 "stop <name>\t\tStop a process\n"
	 "stop <gname>:*\t\tStop all processes in a group\n"
	 "stop <name> <name>\tStop multiple processes or groups\n"
	 "stop all\t\tStop all processes", false},
	{"tail", cmd_tail,
	 "tail [-f] <name> [stdout|stderr] (default stdout)\n"
	 "Ex:\n"
	 "tail -f <name>\t\tContinuous tail of named process stdout\n"
	 "\t\t\tCtrl-C to exit.\n"
	 "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
	 "tail <name> stderr\tlast 1600 *bytes* of process stderr", false},
	{"update", cmd_update,
	 "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n"
	 "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n"
	 "update <gname> [...]\tUpdate specific groups", false},
	{"version", cmd_version, "version\t\t\tShow the version of the remote supervisord process", false},
	{"wait", cmd_wait,
	 "wait <state> <name> [...] [--timeout S]\tWait until every named process is in <state>\n"
	 "\t\t(all: every process; default timeout 60 s; exit 1 on timeout)", true},
	{"ready", cmd_ready,
	 "ready [<name> ...]	Exit 0 if every (named) process is ready, else list those that are not", true},
	{"healthy", cmd_healthy,
	 "healthy [<name> ...]	Exit 0 if every (named) process is healthy, else list those that are not", true},
	{"events", cmd_events,
	 "events [--json] [--service <name>]...\tFollow state changes (until tend exits or Ctrl-C)", true},
	{"top", cmd_top,
	 "top [-d SECS] [-n N] [-o cpu|mem]\tEach process tree's CPU, memory, processes, fds every SECS\n"
	 "\t\t(default 2 s, until q or Ctrl-C; sorted by CPU% or RSS)", true},
	/* the shell's own, not listed */
	{"help", cmd_help, NULL, false},
	{"EOF", cmd_eof, NULL, false},
	{NULL, NULL, NULL, false},
};

const struct ctl_command *ctl_find_command(const char *name)
{
	for (const struct ctl_command *k = ctl_commands; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

/* cmd.Cmd.columnize(list, 79): the fewest rows whose columns (two spaces apart) fit. */
static void columnize(struct ctl *c, const char **w, int n, int width)
{
	int rows = n, cols = 1, colw[64] = {0};
	for (int nr = 1; nr < n; nr++) {
		int nc = (n + nr - 1) / nr, tot = -2;
		if (nc > 64)
			continue;
		for (int col = 0; col < nc; col++) {
			int cw = 0;
			for (int r = 0; r < nr && r + nr * col < n; r++) {
				int l = (int)strlen(w[r + nr * col]);
				cw = l > cw ? l : cw;
			}
			colw[col] = cw;
			tot += cw + 2;
			if (tot > width)
				break;
		}
		if (tot <= width) {
			rows = nr;
			cols = nc;
			break;
		}
	}
	if (cols == 1 && rows == n)
		colw[0] = 0;
	for (int r = 0; r < rows; r++) {
		char line[1024];
		size_t o = 0;
		int last = -1;
		for (int col = 0; col < cols; col++)
			if (r + rows * col < n && w[r + rows * col][0])
				last = col;
		for (int col = 0; col <= last && o < sizeof line - 80; col++) {
			const char *x = r + rows * col < n ? w[r + rows * col] : "";
			if (col)
				o += (size_t)snprintf(line + o, sizeof line - o, "  ");
			o += (size_t)snprintf(line + o, sizeof line - o, "%-*s", colw[col], x);
		}
		line[o] = 0;
		ctl_out(c, "%s", line);
	}
}

void ctl_help(struct ctl *c, const char *arg)
{
	if (arg && *arg) {
		const struct ctl_command *k = ctl_find_command(arg);
		if (k && k->help && (!k->tend_only || c->tend_mode))
			ctl_out(c, "%s", k->help);
		else
			ctl_out(c, "*** No help on %s", arg);
		return;
	}
	const char *words[64];
	int n = 0;
	for (const struct ctl_command *k = ctl_commands; k->name && n < 64; k++)
		if (k->help && (!k->tend_only || c->tend_mode))
			words[n++] = k->name;
	/* sorted already in the table, except the tend-only ones: insert in order */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(words[j - 1], words[j]) > 0; j--) {
			const char *t = words[j];
			words[j] = words[j - 1];
			words[j - 1] = t;
		}
	const char *header = "default commands (type help <topic>):";
	ctl_out(c, "%s", "");
	ctl_out(c, "%s", header);
	ctl_out(c, "%.*s", (int)strlen(header), "==================================================");
	columnize(c, words, n, 79);
	ctl_out(c, "%s", "");
}
