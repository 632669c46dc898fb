/* config_print.c — `tend --check` output and the "same settings?" test used on SIGHUP. */
#include "config.h"

#include <string.h>

#include "signame.h"

/* A word the shell reads back as itself: bare when safe, else in single quotes. */
static void print_quoted(FILE *f, const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") == strlen(s)) {
		fputs(s, f);
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

static void print_env(FILE *f, char *const *env)
{
	if (!env || !*env) {
		fprintf(f, "  %-13s-\n", "environment");
		return;
	}
	for (int i = 0; env[i]; i++) {
		size_t k = strcspn(env[i], "=");
		fprintf(f, "  %-13s%.*s=", i ? "" : "environment", (int)k, env[i]);
		print_quoted(f, env[i] + k + (env[i][k] ? 1 : 0));
		fputc('\n', f);
	}
}

static void print_program(FILE *f, const struct program *p)
{
	static const char *const restart[] = {"false", "unexpected", "true"};
	static const char *const shutdown[] = {"never", "exit", "fatal"};
	fprintf(f, "[%s]\n", p->name);
	fprintf(f, "  %-13s%s:%d\n", "defined at", p->file, p->line);
	fprintf(f, "  %-13s%s (process_num %d, group %s)\n", "program", p->program, p->process_num, p->group);
	fprintf(f, "  %-13s", "command");
	for (int i = 0; p->argv && p->argv[i]; i++) {
		if (i)
			fputc(' ', f);
		print_quoted(f, p->argv[i]);
	}
	fprintf(f, "\n  %-13s%d\n", "priority", p->priority);
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
	fprintf(f, "  %-13s%s\n", "user", p->user ? p->user : "-");
	fprintf(f, "  %-13s%s\n", "directory", p->directory ? p->directory : "-");
	if (p->umask >= 0)
		fprintf(f, "  %-13s%03o\n", "umask", (unsigned)p->umask);
	else
		fprintf(f, "  %-13s-\n", "umask");
	print_env(f, p->env);
	print_log(f, "stdout", &p->out);
	if (p->redirect_stderr)
		fprintf(f, "  %-13sredirected to stdout\n", "stderr");
	else
		print_log(f, "stderr", &p->err);
	fprintf(f, "  %-13s%s\n", "containment", p->containment ? "true" : "false");
	fprintf(f, "  %-13s%s\n", "shutdown_on", shutdown[p->shutdown_on]);
}

void config_print(const struct config *c, FILE *f)
{
	fprintf(f, "# %s: %d process%s\n", c->path ? c->path : "?", c->nprogs, c->nprogs == 1 ? "" : "es");
	if (c->ctl_socket)
		fprintf(f, "# control socket: %s\n", c->ctl_socket);
	for (int i = 0; i < c->nprogs; i++) {
		fputc('\n', f);
		print_program(f, &c->progs[i]);
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

static bool contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* Keys are unique within an env list, so equal sizes and inclusion mean the same
 * environment whatever the order. */
static bool env_equal(char *const *a, char *const *b)
{
	int na = 0, nb = 0;
	for (; a && a[na]; na++)
		if (!contains(b, a[na]))
			return false;
	while (b && b[nb])
		nb++;
	return na == nb;
}

static bool log_equal(const struct log_target *a, const struct log_target *b)
{
	if (a->kind != b->kind || a->maxbytes != b->maxbytes || a->backups != b->backups)
		return false;
	return (a->kind != LOG_FD || a->fd == b->fd) && (a->kind != LOG_FILE || str_equal(a->path, b->path));
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
	       a->containment == b->containment && a->shutdown_on == b->shutdown_on;
}
