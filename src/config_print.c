/* config_print.c — `tend --check` output and the "same settings?" test used on SIGHUP. */
#include "config.h"
#include "cgroup.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "event_names.h"
#include "fcgi.h"
#include "signame.h"
#include "stop_budget.h"

static bool has_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* With control bytes: $'...' (bash, zsh, ksh), so they reach no terminal raw. */
static void print_ansi_c(FILE *f, const char *s)
{
	fputs("$'", f);
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else if (*s == '\'' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* A word the shell reads back as itself: bare when safe, else in single quotes. */
static void print_quoted(FILE *f, const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") == strlen(s)) {
		fputs(s, f);
		return;
	}
	if (has_controls(s)) {
		print_ansi_c(f, s);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static void print_field(FILE *f, const char *label, const char *value)
{
	fprintf(f, "  %-13s", label);
	print_quoted(f, value ? value : "-");
	fputc('\n', f);
}

static void print_log(FILE *f, const char *label, const struct log_target *t)
{
	fprintf(f, "  %-13s", label);
	switch (t->kind) {
	case LOG_DEFAULT:
		fprintf(f, "AUTO (tend's %s, prefixed)\n", t->fd == 2 ? "stderr" : "stdout");
		return;
	case LOG_NONE:
		fputs("NONE (discarded)\n", f);
		return;
	case LOG_FD:
		fprintf(f, "fd %d (prefixed)\n", t->fd);
		return;
	case LOG_FILE:
		print_quoted(f, t->path ? t->path : "");
		fprintf(f, " (maxbytes %lld, backups %d)\n", t->maxbytes, t->backups);
		return;
	}
}

static void print_exitcodes(FILE *f, const struct program *p)
{
	const char *sep = "";
	for (int code = 0; code < 256; code++)
		if (exitcode_expected(p, code)) {
			fprintf(f, "%s%d", sep, code);
			sep = ",";
		}
	if (!*sep)
		fputs("(none)", f);
	fputc('\n', f);
}

static void print_pairs(FILE *f, char *const *env, const char *first, const char *indent)
{
	for (int i = 0; env[i]; i++) {
		size_t k = strcspn(env[i], "=");
		fprintf(f, "%s%-13s%.*s=", i ? indent : first, i ? "" : "environment", (int)k, env[i]);
		print_quoted(f, env[i] + k + (env[i][k] ? 1 : 0));
		fputc('\n', f);
	}
}

static int count(char *const *v)
{
	int n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* A list shared (with [supervisord], with the instance before) is named, not repeated:
 * the output grows with the file, not with numprocs times its environment. */
static void print_env(FILE *f, const struct config *c, const struct program *p, const struct program *prev)
{
	if (!p->env || !*p->env)
		fprintf(f, "  %-13s-\n", "environment");
	else if (p->env == c->env)
		fprintf(f, "  %-13sthe [supervisord] environment (%d variables)\n", "environment", count(p->env));
	else if (prev && p->env == prev->env)
		fprintf(f, "  %-13sas [%s] (%d variables)\n", "environment", prev->name, count(p->env));
	else
		print_pairs(f, p->env, "  ", "  ");
}

/* [fcgi-program:x]: what fd 0 is (owner -1: left as tend makes it) */
static void print_socket(FILE *f, const struct fcgi_socket *s)
{
	fprintf(f, "  %-13s", "socket");
	print_quoted(f, s->url);
	fprintf(f, " (backlog %d", s->backlog);
	if (s->path)
		fprintf(f, ", mode %04o, owner %d:%d", (unsigned)s->mode, (int)s->uid, (int)s->gid);
	fputs(")\n", f);
}

/* The mechanism (cgroup_detect's answer in c->cg_parent) and the cgroup limits. */
static void print_containment(FILE *f, const struct config *c, const struct program *p)
{
	char leaf[PATH_MAX];
	if (!p->containment)
		fprintf(f, "  %-13sfalse\n", "containment");
	else if (c->cg_parent && !cgroup_leaf(leaf, sizeof leaf, c->cg_parent, p->name))
		fprintf(f, "  %-13scgroup %s%s\n", "containment", leaf, c->cg_why ? " or keeper (auto)" : "");
	else
		fprintf(f, "  %-13skeeper\n", "containment");
	char buf[32];
	for (int i = 0; i < 3; i++)
		if (cgroup_limit(p, i, buf))
			fprintf(f, "  %-13s%s\n", cgroup_limit_files[i], buf);
}

static void print_program(FILE *f, const struct config *c, const struct program *p, const struct program *prev)
{
	static const char *const restart[] = {"false", "unexpected", "true"};
	static const char *const shutdown[] = {"never", "exit", "fatal"};
	fprintf(f, "[%s]\n", p->name);
	fprintf(f, "  %-13s", "defined at");
	print_quoted(f, p->file);
	fprintf(f, ":%d\n", p->line);
	fprintf(f, "  %-13s%s (process_num %d, group %s)\n", "program", p->program, p->process_num, p->group);
	fprintf(f, "  %-13s", "command");
	for (int i = 0; p->argv && p->argv[i]; i++) {
		if (i)
			fputc(' ', f);
		print_quoted(f, p->argv[i]);
	}
	fputc('\n', f);
	if (p->fcgi)
		print_socket(f, p->fcgi);
	fprintf(f, "  %-13s%d\n", "priority", p->priority);
	fprintf(f, "  %-13s%s\n", "autostart", p->autostart ? "true" : "false");
	fprintf(f, "  %-13s%s\n", "autorestart", restart[p->autorestart]);
	fprintf(f, "  %-13s%d\n", "startsecs", p->startsecs);
	fprintf(f, "  %-13s%d\n", "startretries", p->startretries);
	fprintf(f, "  %-13s", "exitcodes");
	print_exitcodes(f, p);
	fprintf(f, "  %-13s%s\n", "stopsignal", sig_name(p->stopsignal));
	fprintf(f, "  %-13s%d\n", "stopwaitsecs", p->stopwaitsecs);
	fprintf(f, "  %-13s%s\n", "stopasgroup", p->stopasgroup ? "true" : "false");
	fprintf(f, "  %-13s%s\n", "killasgroup", p->killasgroup ? "true" : "false");
	print_field(f, "user", p->user);
	print_field(f, "directory", p->directory);
	if (p->umask >= 0)
		fprintf(f, "  %-13s%03o\n", "umask", (unsigned)p->umask);
	else
		fprintf(f, "  %-13s-\n", "umask");
	print_env(f, c, p, prev);
	print_log(f, "stdout", &p->out);
	if (p->redirect_stderr)
		fprintf(f, "  %-13sredirected to stdout\n", "stderr");
	else
		print_log(f, "stderr", &p->err);
	print_containment(f, c, p);
	fprintf(f, "  %-13s%s\n", "shutdown_on", shutdown[p->shutdown_on]);
	fprintf(f, "  %-13s%lld\n", "tail_bytes", p->tail_bytes);
	if (p->out_events || p->err_events || p->out_capture || p->err_capture)
		fprintf(f, "  %-13sstdout %s, stderr %s, capture %lld/%lld bytes\n", "events", p->out_events ? "on" : "off",
			p->err_events ? "on" : "off", p->out_capture, p->err_capture);
	if (p->listener) {
		fprintf(f, "  %-13s", "listener");
		for (int i = 0; i < EV_NTYPES; i++)
			if (p->listener->mask & EV_BIT(i))
				fprintf(f, "%s ", ev_name((enum ev_type)i));
		fprintf(f, "(buffer_size %d)\n", p->listener->buffer_size);
	}
	lifecycle_print(f, &p->lc);
}

static void print_auth(FILE *f, const struct ctl_listen *l)
{
	if (!l->username) {
		fputs(", no authentication\n", f);
		return;
	}
	fputs(", username ", f);
	print_quoted(f, l->username);
	fputs(" password ***\n", f);
}

/* The control server's sockets; passwords are never shown. */
static void print_ctl(FILE *f, const struct config *c)
{
	const struct ctl_listen *u = &c->unix_srv, *i = &c->inet_srv;
	if (u->set) {
		fputs("# [unix_http_server] ", f);
		print_quoted(f, u->file ? u->file : "?");
		fprintf(f, " mode %04o", (unsigned)u->chmod);
		if (u->chown_set && u->gid != (gid_t)-1)
			fprintf(f, " owner %u:%u", (unsigned)u->uid, (unsigned)u->gid);
		else if (u->chown_set)
			fprintf(f, " owner %u", (unsigned)u->uid);
		print_auth(f, u);
	}
	if (i->set) {
		fputs("# [inet_http_server] ", f);
		if (i->host && *i->host)
			print_quoted(f, i->host);
		else
			fputs("*", f);
		fprintf(f, ":%d", i->port);
		print_auth(f, i);
	}
	fputs("# identifier: ", f);
	print_quoted(f, c->identifier ? c->identifier : "");
	fprintf(f, ", tail_bytes: %lld\n", c->tail_bytes);
}

void config_print(const struct config *c, FILE *f)
{
	fputs("# ", f);
	print_quoted(f, c->path ? c->path : "?");
	fprintf(f, ": %d process%s\n", c->nprogs, c->nprogs == 1 ? "" : "es");
	if (c->pidfile) {
		fputs("# pidfile: ", f);
		print_quoted(f, c->pidfile);
		fputc('\n', f);
	}
	fprintf(f, "# minfds: %lld, minprocs: %lld\n", c->minfds, c->minprocs);
	if (c->cg_parent)
		fprintf(f, "# containment: cgroup v2 under %s%s\n", c->cg_parent,
			c->cg_why ? " if tend runs alone in that cgroup, else keeper (auto)" : "");
	else if (c->cg_why)
		fprintf(f, "# containment: keeper (%s)\n", c->cg_why);
	print_ctl(f, c);
	if (c->nprogs) {
		char why[512];
		long long ms = shutdown_worst_text(c, why, sizeof why);
		fprintf(f, "# shutdown: at most %s; stop_budget %lld s%s\n", why, c->stop_budget / 1000,
			c->stop_budget && ms > c->stop_budget ? " (exceeded)" : "");
	}
	if (c->env) {
		fputs("# [supervisord]\n", f);
		print_pairs(f, c->env, "#   ", "#   ");
	}
	for (int i = 0; i < c->nprogs; i++) {
		fputc('\n', f);
		print_program(f, c, &c->progs[i], i ? &c->progs[i - 1] : NULL);
	}
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool argv_equal(char *const *a, char *const *b)
{
	int i = 0;
	for (; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return (!a || !a[i]) && (!b || !b[i]);
}

static int by_strcmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The same pairs in any order (keys are unique within a list). Linear when the order is
 * the same (the usual case: the same file read again), n log n otherwise. Out of memory:
 * "different", which only costs a restart. */
static bool env_equal(char *const *a, char *const *b)
{
	if (a == b)
		return true;
	int n = count(a), i = 0;
	if (n != count(b))
		return false;
	while (i < n && !strcmp(a[i], b[i]))
		i++;
	if (i == n)
		return true;
	char **x = malloc((size_t)(n - i) * 2 * sizeof *x), **y = x + (n - i);
	if (!x)
		return false;
	memcpy(x, a + i, (size_t)(n - i) * sizeof *x);
	memcpy(y, b + i, (size_t)(n - i) * sizeof *y);
	qsort(x, n - i, sizeof *x, by_strcmp);
	qsort(y, n - i, sizeof *y, by_strcmp);
	bool same = true;
	for (int j = 0; same && j < n - i; j++)
		same = !strcmp(x[j], y[j]);
	free(x);
	return same;
}

static bool log_equal(const struct log_target *a, const struct log_target *b)
{
	if (a->kind != b->kind || a->maxbytes != b->maxbytes || a->backups != b->backups)
		return false;
	return (a->kind != LOG_FD || a->fd == b->fd) && (a->kind != LOG_FILE || str_equal(a->path, b->path));
}

/* A change of any socket setting restarts the pool's processes (fcgi.c keeps the socket
 * when only backlog, mode or owner changed, and applies them). */
static bool fcgi_equal(const struct fcgi_socket *a, const struct fcgi_socket *b)
{
	if (!a || !b)
		return a == b;
	return str_equal(a->url, b->url) && a->backlog == b->backlog && a->mode == b->mode &&
	       a->chown_set == b->chown_set && a->uid == b->uid && a->gid == b->gid;
}

bool program_equal(const struct program *a, const struct program *b)
{
	return str_equal(a->name, b->name) && str_equal(a->group, b->group) && str_equal(a->program, b->program) &&
	       a->process_num == b->process_num && argv_equal(a->argv, b->argv) && a->priority == b->priority &&
	       a->autostart == b->autostart && a->startsecs == b->startsecs && a->startretries == b->startretries &&
	       a->autorestart == b->autorestart && !memcmp(a->exitcodes, b->exitcodes, sizeof a->exitcodes) &&
	       a->stopsignal == b->stopsignal && a->stopwaitsecs == b->stopwaitsecs &&
	       a->stopasgroup == b->stopasgroup && a->killasgroup == b->killasgroup && str_equal(a->user, b->user) &&
	       str_equal(a->directory, b->directory) && a->umask == b->umask && env_equal(a->env, b->env) &&
	       a->redirect_stderr == b->redirect_stderr && log_equal(&a->out, &b->out) && log_equal(&a->err, &b->err) &&
	       a->containment == b->containment && a->shutdown_on == b->shutdown_on && a->tail_bytes == b->tail_bytes &&
	       !memcmp(a->limit, b->limit, sizeof a->limit) &&
	       a->out_events == b->out_events && a->err_events == b->err_events && a->out_capture == b->out_capture &&
	       a->err_capture == b->err_capture && !a->listener == !b->listener &&
	       (!a->listener || !memcmp(a->listener, b->listener, sizeof *a->listener)) && lifecycle_equal(&a->lc, &b->lc) && fcgi_equal(a->fcgi, b->fcgi);
}
