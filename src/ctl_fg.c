/* ctl_fg.c — `fg NAME`, as supervisorctl does it: the process's stdout and stderr streamed
 * from /logtail while each line typed goes to its stdin through sendProcessStdin, until
 * Ctrl-C, end of input or the process leaves RUNNING. supervisorctl streams from a thread;
 * here each stream is a forked follower (ctl_stream), so the one-call-at-a-time client
 * stays as it is. */
#include "ctl_cmds.h"
#include "ctl_proto.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t follow(struct ctl *c, const char *name, const char *channel)
{
	char path[600];
	snprintf(path, sizeof path, "/logtail/%s/%s", name, channel);
	fflush(stdout);
	fflush(stderr);
	pid_t p = fork();
	if (p == 0) {
		signal(SIGTERM, SIG_DFL);
		ctl_stream(c, path);
		fflush(stdout);
		_exit(0);
	}
	if (p < 0)
		fprintf(stderr, "tend: fork: %s\n", strerror(errno));
	return p;
}

/* One line of input (without its newline) into LINE, at most CTL_MAX_LINE bytes: a longer
 * one is sent in pieces. 1 a line, 0 end of input, -1 interrupted. SIGINT is deliverable
 * only while waiting, so a Ctrl-C never breaks an RPC in the middle. */
static int read_line(struct buf *in, char *line, size_t *len, const sigset_t *waitmask)
{
	for (;;) {
		size_t look = in->len < CTL_MAX_LINE ? in->len : CTL_MAX_LINE;
		char *nl = look ? memchr(in->p, '\n', look) : NULL;
		if (nl || in->len >= CTL_MAX_LINE) {
			*len = nl ? (size_t)(nl - in->p) : CTL_MAX_LINE;
			memcpy(line, in->p, *len);
			buf_consume(in, *len + (nl != NULL));
			return 1;
		}
		int w = ctl_wait_readable(0, waitmask);
		if (w <= 0)
			return w < 0 ? 0 : -1;
		char tmp[4096];
		ssize_t r = read(0, tmp, sizeof tmp);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fprintf(stderr, "tend: read stdin: %s\n", strerror(errno));
		if (r <= 0) { /* Python's input() returns a last line without newline, then EOF */
			*len = in->len;
			memcpy(line, in->p, *len);
			buf_reset(in);
			return *len ? 1 : 0;
		}
		if (!buf_put(in, tmp, (size_t)r))
			return 0;
	}
}

/* supervisorctl's 'ERROR: ' + str(fault) */
static void print_fault(struct ctl *c)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	ctl_fault_text(c, &b);
	ctl_out(c, "ERROR: %s", b.p ? b.p : "");
	buf_free(&b);
}

/* After a line went in: is the process still running? Prints why not. */
static bool still_running(struct ctl *c, const char *name, const char *text, size_t len)
{
	char *data = malloc(len + 2);
	if (!data)
		return false;
	memcpy(data, text, len);
	memcpy(data + len, "\n", 2);
	int r = ctl_try(c, "supervisor.sendProcessStdin", "ss", name, data);
	free(data);
	if (r < 0) { /* no unwinding from here: the followers and SIGINT are ours to restore */
		ctl_report_exception(c);
		return false;
	}
	if (r) {
		if (c->fcode == F_NOT_RUNNING) {
			ctl_out(c, "Process got killed");
		} else {
			print_fault(c);
		}
		return false;
	}
	r = ctl_try(c, "supervisor.getProcessInfo", "s", name);
	if (r) {
		ctl_report_exception(c);
		return false;
	}
	if (xv_int(&c->res, "state") != PS_RUNNING) {
		ctl_out(c, "Process got killed");
		return false;
	}
	return true;
}

static void converse(struct ctl *c, const char *name)
{
	struct ctl_sigint g;
	ctl_sigint_catch(&g);
	struct buf in;
	buf_init(&in, 2 * CTL_MAX_LINE);
	char *line = malloc(CTL_MAX_LINE);
	size_t len = 0; /* read_line sets it; gcc cannot tell under -fno-thread-jumps */
	while (line && read_line(&in, line, &len, &g.wait) > 0 && still_running(c, name, line, len))
		;
	ctl_out(c, "Exiting foreground");
	free(line);
	buf_free(&in);
	ctl_sigint_restore(&g);
}

static bool is_running(struct ctl *c, const char *name)
{
	if (ctl_call(c, "supervisor.getProcessInfo", "s", name)) {
		if (c->fcode == F_BAD_NAME) {
			ctl_out(c, "ERROR: bad process name supplied");
			c->exitstatus = EXIT_GENERIC;
		} else {
			print_fault(c);
		}
		return false;
	}
	if (xv_int(&c->res, "state") != PS_RUNNING) {
		ctl_out(c, "ERROR: process not running");
		c->exitstatus = EXIT_GENERIC;
		return false;
	}
	return true;
}

int cmd_fg(struct ctl *c, char **w, int n, const char *arg)
{
	(void)arg;
	if (!ctl_upcheck(c))
		return 0;
	if (!n) {
		ctl_out(c, "ERROR: no process name supplied");
		c->exitstatus = EXIT_GENERIC;
		ctl_help(c, "fg");
		return 0;
	}
	if (n > 1) {
		ctl_out(c, "ERROR: too many process names supplied");
		c->exitstatus = EXIT_GENERIC;
		return 0;
	}
	if (!is_running(c, w[0]))
		return 0;
	ctl_out(c, "==> Press Ctrl-C to exit <==");
	pid_t out = follow(c, w[0], "stdout"), err = follow(c, w[0], "stderr");
	converse(c, w[0]);
	for (int i = 0; i < 2; i++) {
		pid_t p = i ? err : out;
		if (p > 0 && kill(p, SIGTERM) == 0)
			while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
				;
	}
	return 0;
}
