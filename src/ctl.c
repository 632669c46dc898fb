/* ctl.c — the client's front: the one-command and the interactive modes, and the
 * command loop that turns a failed call into the line supervisorctl prints for its
 * exception. Settings come from ctl_options.c. */
#include "ctl.h"
#include "ctl_int.h"
#include "ctl_proto.h"
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the command loop ---------------------------------------------------------------- */

static int onecmd(struct ctl *c, const char *line);

char *ctl_read_line(char *buf, size_t n)
{
	size_t i = 0;
	while (i + 1 < n && fread(buf + i, 1, 1, stdin) == 1)
		if (buf[i++] == '\n')
			break;
	if (!i)
		return NULL;
	buf[i] = 0;
	return buf;
}

/* Username and password after a 401 in the shell (supervisorctl asks the same way). */
static bool ask_credentials(struct ctl *c)
{
	char user[1024], pass[1024];
	fputs("Username:", stdout);
	fflush(stdout);
	if (!ctl_read_line(user, sizeof user))
		return false;
	fputs("Password:", stdout);
	fflush(stdout);
	if (!ctl_read_line(pass, sizeof pass))
		return false;
	user[strcspn(user, "\n")] = pass[strcspn(pass, "\n")] = 0;
	ctl_out(c, "%s", "");
	free(c->username);
	free(c->password);
	c->username = strdup(user);
	c->password = strdup(pass);
	return true;
}

/* Run CMD; an unhandled error unwinds here. 0 done, 1 stop the shell, -1 the error
 * is in c (not yet reported). */
static int attempt(struct ctl *c, const struct ctl_command *cmd, char **w, int n, const char *arg)
{
	jmp_buf jb;
	c->abort = &jb;
	if (setjmp(jb))
		return -1;
	return cmd->fn(c, w, n, arg);
}

static int run_command(struct ctl *c, const struct ctl_command *cmd, char **w, int n, const char *arg,
		       const char *line)
{
	int r = attempt(c, cmd, w, n, arg);
	if (r >= 0)
		return r;
	if (c->err == CE_HTTP && c->http_status == 401) {
		ctl_out(c, "Server requires authentication");
		if (c->interactive) {
			ctl_disconnect(c);
			return ask_credentials(c) ? onecmd(c, line) : 0;
		}
		c->exitstatus = EXIT_GENERIC;
		/* supervisorctl runs the command once more after saying so */
		ctl_disconnect(c);
		r = attempt(c, cmd, w, n, arg);
		if (r >= 0)
			return r;
	}
	ctl_report_exception(c);
	return 0;
}

/* Python str.split() of ARG into words (in a copy owned by the caller). */
static int split_words(char *s, char **w, int max)
{
	int n = 0;
	for (char *p = s; *p && n < max;) {
		while (*p && isspace((unsigned char)*p))
			*p++ = 0;
		if (!*p)
			break;
		w[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	return n;
}

static int onecmd(struct ctl *c, const char *line0)
{
	size_t len = strlen(line0);
	while (len && isspace((unsigned char)line0[len - 1]))
		len--;
	while (len && isspace((unsigned char)*line0))
		line0++, len--;
	if (!len)
		return 0; /* an empty line does not repeat the last command */
	char *line = NULL;
	if (asprintf(&line, "%s%.*s", *line0 == '?' ? "help " : "", (int)(len - (*line0 == '?')),
		     line0 + (*line0 == '?')) < 0)
		return 0;
	size_t ci = 0;
	while (isalnum((unsigned char)line[ci]) || line[ci] == '_')
		ci++;
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)ci, line);
	const struct ctl_command *cmd = ci && ci < sizeof name ? ctl_find_command(name) : NULL;
	if (cmd && cmd->tend_only && !c->tend_mode)
		cmd = NULL;
	if (!cmd) {
		ctl_out(c, "*** Unknown syntax: %s", line);
		c->exitstatus = EXIT_GENERIC;
		if (c->json)
			ctl_json_finish(c);
		free(line);
		return 0;
	}
	/* the argument, stripped; --json anywhere in it is ours */
	char *arg = line + ci, *copy;
	while (isspace((unsigned char)*arg))
		arg++;
	int max = (int)strlen(arg) / 2 + 2, n;
	char **w = calloc((size_t)max, sizeof *w);
	if (!w || !(copy = strdup(arg)))
		exit(1);
	n = split_words(copy, w, max);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(w[i], "--json"))
			w[k++] = w[i];
		else
			c->json = true;
	char *joined = NULL;
	if (k != n) { /* rebuild the argument without it */
		size_t tot = 1;
		for (int i = 0; i < k; i++)
			tot += strlen(w[i]) + 1;
		joined = calloc(1, tot);
		for (int i = 0; joined && i < k; i++)
			strcat(strcat(joined, i ? " " : ""), w[i]);
		arg = joined ? joined : arg;
	}
	int r = run_command(c, cmd, w, k, arg, line);
	if (c->json && r != 1)
		ctl_json_finish(c);
	fflush(stdout);
	ctl_disconnect(c);
	arena_free(&c->ar);
	memset(&c->ar, 0, sizeof c->ar);
	c->ar.limit = 2 * CTL_MAX_REPLY;
	free(joined);
	free(copy);
	free(w);
	free(line);
	return r;
}

static void on_shell_sigint(int sig)
{
	(void)sig;
	/* supervisorctl: KeyboardInterrupt in the shell prints an empty line and exits 0 */
	if (write(1, "\n", 1) < 0) {
	}
	_exit(0);
}

static int shell(struct ctl *c)
{
	struct sigaction sa = {.sa_handler = on_shell_sigint};
	sigaction(SIGINT, &sa, NULL);
	onecmd(c, "status");
	char *line = NULL;
	size_t cap = 0;
	for (;;) {
		printf("%s> ", c->prompt);
		fflush(stdout);
		ssize_t n = getline(&line, &cap, stdin);
		if (n < 0) {
			if (onecmd(c, "EOF"))
				break;
			continue;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if ((size_t)n > CTL_MAX_LINE) {
			ctl_out(c, "*** line too long");
			continue;
		}
		if (onecmd(c, line) == 1)
			break;
	}
	free(line);
	c->exitstatus = 0;
	return 0;
}

int ctl_main(int argc, char **argv, int as_supervisorctl)
{
	static struct ctl c;
	c.fd = -1;
	c.tend_mode = !as_supervisorctl;
	c.ar.limit = 2 * CTL_MAX_REPLY;
	buf_init(&c.in, CTL_MAX_REPLY + HTTP_MAX_HEAD);
	buf_init(&c.jdoc, 2 * CTL_MAX_REPLY);
	buf_init(&c.msgs, 2 * CTL_MAX_REPLY);
	buf_init(&c.late, 1 << 20);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE on the write, not death */
	char *prog = ctl_program_path(argv[0]);
	c.prog_path = prog;
	if (c.tend_mode) {
		/* `tend ctl ARGS`: "ctl" plays argv[0] for the option parser */
		if (asprintf((char **)&c.progname, "%s ctl", prog) < 0)
			return 1;
		argv++;
		argc--;
	} else {
		c.progname = prog;
	}
	int first = ctl_options(&c, argc, argv);
	if (first < argc) {
		size_t tot = 1;
		for (int i = first; i < argc; i++)
			tot += strlen(argv[i]) + 1;
		char *line = calloc(1, tot);
		if (!line)
			return 1;
		for (int i = first; i < argc; i++)
			strcat(strcat(line, i > first ? " " : ""), argv[i]);
		onecmd(&c, line);
		free(line);
		fflush(stdout);
	} else {
		shell(&c); /* supervisorctl: always 0 for the shell */
	}
	free(c.serverurl);
	free(c.username);
	free(c.password);
	free(c.prompt);
	free(prog);
	if (c.tend_mode)
		free((char *)c.progname);
	buf_free(&c.in);
	buf_free(&c.jdoc);
	buf_free(&c.msgs);
	buf_free(&c.late);
	return c.exitstatus;
}
