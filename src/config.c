/* config.c — what supervisord's sections and keys mean (Supervisor 4.2.5), on top of
 * ini.c's syntax, expand.c's value syntaxes and config_keys.c's [program:x] keys.
 * Deliberate differences from supervisord are marked "tend:" where they are made:
 *  - no [supervisord] section is fine (conf.d snippets);
 *  - [include] in included files is followed too (supervisord ignores it), each file once;
 *  - an unreadable or non-regular included file is an error (supervisord skips it);
 *  - environment= that supervisord would silently truncate (A=has space) is an error;
 *  - [eventlistener:x], [fcgi-program:x] and unknown sections are errors;
 *  - negative numprocs, numprocs_start, startsecs, startretries, stopwaitsecs and byte sizes
 *    are errors; nothing is checked against the filesystem or user database at load time. */
#include "config.h"
#include "pathglob.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "config_keys.h"
#include "expand.h"
#include "ini.h"
#include "signame.h"

#define MAX_PROCESSES 10000
#define MAX_INCLUDE_DEPTH 10

struct membership { /* one program listed by a [group:x] */
	char *group;
	int priority;
};

struct loader {
	struct ini ini;
	struct config *cfg;
	char *err;
	size_t errlen;
	FILE *warn;
	char host[65];
	struct membership *members;
	int nmembers;
	int progcap; /* allocated length of cfg->progs */
};

static int fail(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	int n = line > 0 ? snprintf(ld->err, ld->errlen, "%s:%d: ", file, line) : snprintf(ld->err, ld->errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < ld->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void warnf(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	if (!ld->warn)
		return;
	fprintf(ld->warn, "tend: %s:%d: warning: ", file, line);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(ld->warn, fmt, ap);
	va_end(ap);
	fputc('\n', ld->warn);
}

/* Expansion names that need no program: here, host_node_name, ENV_* (plus [supervisord]
 * environment=, which supervisord 4.2.2+ also offers). */
static struct expand_ctx base_ctx(const struct loader *ld, const struct ini_entry *e)
{
	return (struct expand_ctx){.here = e->file->here, .host_node_name = ld->host, .env = {ld->cfg->env, NULL}};
}

/* Expand E's value with X (its `here` set to E's own file); NULL after fail(). */
static char *expand_entry(struct loader *ld, const struct ini_entry *e, struct expand_ctx x)
{
	char why[512];
	x.here = e->file->here;
	char *v = expand_value(e->value, &x, e->key, why, sizeof why);
	if (!v)
		fail(ld, e->file->path, e->line, "%s", why);
	return v;
}

/* ---- [include] ------------------------------------------------------------------------ */

static int read_tree(struct loader *ld, const char *path, int depth, const struct ini_entry *from);

/* One glob of files=, relative to the including file's directory; matches in sorted order
 * (strcmp, like Python's sorted()). */
static int include_glob(struct loader *ld, const struct ini_entry *e, const char *pat, int depth)
{
	char full[PATH_MAX];
	if (snprintf(full, sizeof full, "%s%s%s", pat[0] == '/' ? "" : e->file->here, pat[0] == '/' ? "" : "/", pat) >= (int)sizeof full)
		return fail(ld, e->file->path, e->line, "include pattern too long");
	char **v;
	size_t n;
	if (path_glob(full, &v, &n) < 0)
		return fail(ld, e->file->path, e->line, "include \"%s\": out of memory", full);
	if (n == 0)
		warnf(ld, e->file->path, e->line, "no file matches include \"%s\"", full);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!ini_seen(&ld->ini, v[i]))
			rc = read_tree(ld, v[i], depth + 1, e);
	path_globfree(v, n);
	return rc;
}

/* tend: supervisord reads [include] of the main file only (an [include] in an included file
 * is silently ignored). tend follows includes in included files too — relative to that
 * file's directory — reading each file at most once, MAX_INCLUDE_DEPTH levels deep. */
static int process_includes(struct loader *ld, const struct ini_file *file, int depth)
{
	const struct ini_entry *e = ini_get(ini_section(&ld->ini, "include"), "files");
	if (!e || e->file != file) /* no files= in this very file */
		return 0;
	if (depth >= MAX_INCLUDE_DEPTH)
		return fail(ld, e->file->path, e->line, "includes nested more than %d deep", MAX_INCLUDE_DEPTH);
	struct ini_entry copy = *e; /* reading more files may replace the entry */
	char *files = expand_entry(ld, &copy, base_ctx(ld, &copy));
	if (!files)
		return -1;
	copy.value = files;
	int rc = 0;
	for (char *save, *pat = strtok_r(files, " \t\r\n", &save); pat && !rc; pat = strtok_r(NULL, " \t\r\n", &save))
		rc = include_glob(ld, &copy, pat, depth);
	free(files);
	return rc;
}

static int read_tree(struct loader *ld, const char *path, int depth, const struct ini_entry *from)
{
	const struct ini_file *f = ini_read(&ld->ini, path, ld->err, ld->errlen);
	if (!f && from && ld->ini.io_error) { /* tend: supervisord skips an unreadable included file silently */
		char why[1024];
		snprintf(why, sizeof why, "%s", ld->err);
		return fail(ld, from->file->path, from->line, "included file %s", why);
	}
	return f ? process_includes(ld, f, depth) : -1;
}

/* ---- [program:x] instances -------------------------------------------------------------- */

/* What every instance of one [program:x] shares. */
struct program_src {
	const struct ini_section *s;
	const char *name, *group;
	bool in_group;      /* listed by a [group:x] */
	int group_priority; /* that group's priority= */
	const char *process_name; /* unexpanded */
	const struct ini_entry *process_name_entry;
	int numprocs;
	bool first; /* warnings once per program, not per instance */
};

static int apply_all_keys(struct loader *ld, const struct program_src *src, struct program *p, struct expand_ctx x)
{
	for (int i = 0; i < src->s->nentries; i++) {
		const struct ini_entry *e = &src->s->entries[i];
		const struct keydef *k = find_program_key(e->key);
		if (!k || k->kind == V_IGNORED || k->kind == V_EARLY)
			continue; /* supervisord does not expand keys it ignores, so neither does tend */
		char *v = expand_entry(ld, e, x), why[512];
		if (!v)
			return -1;
		int rc = apply_program_key(p, k, v, why, sizeof why);
		if (rc < 0)
			fail(ld, e->file->path, e->line, "%s", why);
		else if (rc > 0 && k->expect)
			fail(ld, e->file->path, e->line, "invalid value '%.200s' for key '%s' (expected %s)", v, e->key, k->expect);
		else if (rc > 0)
			fail(ld, e->file->path, e->line, "invalid value '%.200s' for key '%s' (expected true/false, yes/no, on/off or 1/0)", v, e->key);
		free(v);
		if (rc)
			return -1;
	}
	return 0;
}

/* The program's environment=, expanded with everything but its own names (as supervisord
 * 4.2.5 does); *own receives just the program's pairs. */
static int program_environment(struct loader *ld, const struct program_src *src, struct expand_ctx x, char ***own)
{
	const struct ini_entry *e = ini_get(src->s, "environment");
	char why[512];
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, x);
	if (!v)
		return -1;
	int rc = parse_environment(v, own, why, sizeof why);
	free(v);
	return rc ? fail(ld, e->file->path, e->line, "bad environment=: %s", why) : 0;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) /* supervisord forbids ' ', ':' and '/'; tend also control characters */
		if (*s == ' ' || *s == ':' || *s == '/' || iscntrl((unsigned char)*s))
			return false;
	return true;
}

static int finish_program(struct loader *ld, const struct program_src *src, struct program *p, char **own)
{
	const struct ini_section *s = src->s;
	const struct ini_entry *kill = ini_get(s, "killasgroup"), *stderr_log = ini_get(s, "stderr_logfile");
	if (!p->argv)
		return fail(ld, s->file->path, s->line, "[%s] has no command=", s->name);
	if (!kill)
		p->killasgroup = p->stopasgroup;
	else if (p->stopasgroup && !p->killasgroup)
		return fail(ld, kill->file->path, kill->line, "stopasgroup=true requires killasgroup=true (it is the default)");
	if (!ini_get(s, "priority") && src->in_group)
		p->priority = src->group_priority;
	if (p->redirect_stderr && stderr_log && src->first)
		warnf(ld, stderr_log->file->path, stderr_log->line, "stderr_logfile in [%s] ignored because redirect_stderr=true", s->name);
	if (p->redirect_stderr) { /* supervisord ignores it; make the ignored value not matter */
		free(p->err.path);
		p->err = (struct log_target){.kind = LOG_DEFAULT, .fd = 2, .maxbytes = 50LL << 20, .backups = 10};
	}
	if (!valid_name(p->name)) {
		const struct ini_entry *e = src->process_name_entry;
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line, "invalid process name '%.100s' (empty, or contains a space, ':', '/' or a control character)", p->name);
	}
	/* [supervisord] environment first, the program's replacing keys in place */
	if (ld->cfg->env && !(p->env = strv_dup(ld->cfg->env)))
		return fail(ld, s->file->path, s->line, "out of memory");
	for (char **e = own; e && *e; e++) {
		size_t k = strcspn(*e, "=");
		if (env_set(&p->env, *e, k, *e + k + 1))
			return fail(ld, s->file->path, s->line, "out of memory");
	}
	return 0;
}

static int add_program(struct loader *ld, struct program *p)
{
	struct config *c = ld->cfg;
	if (c->nprogs == ld->progcap) {
		int cap = ld->progcap ? ld->progcap * 2 : 8;
		struct program *np = realloc(c->progs, cap * sizeof *np);
		if (!np)
			return -1;
		c->progs = np;
		ld->progcap = cap;
	}
	c->progs[c->nprogs++] = *p;
	return 0;
}

static int load_instance(struct loader *ld, const struct program_src *src, int num)
{
	const struct ini_section *s = src->s;
	struct program p;
	char **own = NULL, why[512];
	program_defaults(&p);
	struct expand_ctx x = {.host_node_name = ld->host, .program_name = src->name, .group_name = src->group,
			       .have_process_num = true, .process_num = num, .have_numprocs = true,
			       .numprocs = src->numprocs, .env = {ld->cfg->env, NULL}};
	p.process_num = num;
	p.line = s->line;
	if (!(p.program = strdup(src->name)) || !(p.group = strdup(src->group)) || !(p.file = strdup(s->file->path)))
		goto oom;
	if (program_environment(ld, src, x, &own))
		goto fail;
	x.env[1] = own; /* the program's own names are usable by its other keys */
	x.here = src->process_name_entry ? src->process_name_entry->file->here : s->file->here;
	p.name = expand_value(src->process_name, &x, "process_name", why, sizeof why);
	if (!p.name) {
		const struct ini_entry *e = src->process_name_entry;
		fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line, "%s", why);
		goto fail;
	}
	if (apply_all_keys(ld, src, &p, x) || finish_program(ld, src, &p, own))
		goto fail;
	strv_free(own);
	if (add_program(ld, &p))
		goto oom;
	return 0;
oom:
	fail(ld, s->file->path, s->line, "out of memory");
fail:
	strv_free(own);
	program_free(&p);
	return -1;
}

/* An integer key read before the instances exist (no process_num/numprocs to expand). */
static int early_int(struct loader *ld, const struct program_src *src, const char *key, int dflt, int max, int *out)
{
	const struct ini_entry *e = ini_get(src->s, key);
	long long n;
	*out = dflt;
	if (!e)
		return 0;
	struct expand_ctx x = base_ctx(ld, e);
	x.program_name = src->name;
	x.group_name = src->group;
	char *v = expand_entry(ld, e, x);
	if (!v)
		return -1;
	int rc = parse_int(v, 0, max, &n);
	if (rc)
		fail(ld, e->file->path, e->line, "invalid value '%.100s' for key '%s' (expected an integer 0..%d)", v, key, max);
	free(v);
	*out = (int)n;
	return rc ? -1 : 0;
}

static int load_program(struct loader *ld, const struct ini_section *s, const char *name)
{
	const struct membership *m = s->mark ? &ld->members[s->mark - 1] : NULL;
	struct program_src src = {.s = s, .name = name, .group = m ? m->group : name,
				  .in_group = m != NULL,
				  .group_priority = m ? m->priority : 0, .first = true};
	int start;
	for (int i = 0; i < s->nentries; i++)
		if (!find_program_key(s->entries[i].key))
			warnf(ld, s->entries[i].file->path, s->entries[i].line, "unknown key '%s' in [%s] ignored", s->entries[i].key, s->name);
	/* tend: numprocs=0 gives no process, as in supervisord; negative values are errors */
	if (early_int(ld, &src, "numprocs", 1, MAX_PROCESSES, &src.numprocs) ||
	    early_int(ld, &src, "numprocs_start", 0, INT_MAX - MAX_PROCESSES, &start))
		return -1;
	src.process_name_entry = ini_get(s, "process_name");
	src.process_name = src.process_name_entry ? src.process_name_entry->value : "%(program_name)s";
	if (src.numprocs > 1 && !strstr(src.process_name, "%(process_num)")) {
		const struct ini_entry *e = src.process_name_entry;
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line,
			    "[%s] has numprocs=%d, so process_name must contain %%(process_num)d (e.g. %%(program_name)s_%%(process_num)02d)", s->name, src.numprocs);
	}
	if (ld->cfg->nprogs + src.numprocs > MAX_PROCESSES) {
		const struct ini_entry *e = ini_get(s, "numprocs");
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line, "more than %d processes in total", MAX_PROCESSES);
	}
	for (int i = 0; i < src.numprocs; i++, src.first = false)
		if (load_instance(ld, &src, start + i))
			return -1;
	return 0;
}

/* ---- the other sections ----------------------------------------------------------------- */

static const char *const supervisord_keys[] = {
	"logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "pidfile", "umask", "nodaemon",
	"silent", "minfds", "minprocs", "nocleanup", "childlogdir", "user", "directory", "strip_ansi",
	"environment", "identifier",
};

/* Only environment= matters to tend; the daemon settings have no meaning for a PID 1. */
static int load_supervisord(struct loader *ld, const struct ini_section *s)
{
	char why[512];
	for (int i = 0; i < s->nentries; i++) {
		const struct ini_entry *e = &s->entries[i];
		size_t k = 0;
		while (k < sizeof supervisord_keys / sizeof *supervisord_keys && strcmp(supervisord_keys[k], e->key))
			k++;
		if (k == sizeof supervisord_keys / sizeof *supervisord_keys)
			warnf(ld, e->file->path, e->line, "unknown key '%s' in [supervisord] ignored", e->key);
	}
	const struct ini_entry *e = ini_get(s, "environment");
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, base_ctx(ld, e));
	if (!v)
		return -1;
	int rc = parse_environment(v, &ld->cfg->env, why, sizeof why);
	free(v);
	return rc ? fail(ld, e->file->path, e->line, "bad environment=: %s", why) : 0;
}

static int load_unix_http_server(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e = ini_get(s, "file");
	if (!e)
		return 0;
	free(ld->cfg->ctl_socket);
	ld->cfg->ctl_socket = expand_entry(ld, e, base_ctx(ld, e));
	return ld->cfg->ctl_socket ? 0 : -1;
}

/* Membership is marked on the program's section (mark = member index + 1): O(1) lookups. */
static int add_member(struct loader *ld, const struct ini_entry *e, const char *group, const char *prog, size_t n, int priority)
{
	char section[600];
	snprintf(section, sizeof section, "program:%.*s", (int)(n > 512 ? 512 : n), prog);
	const char *name = section + strlen("program:");
	struct ini_section *s = n > 512 ? NULL : ini_section(&ld->ini, section);
	if (!s)
		return fail(ld, e->file->path, e->line, "[group:%s] names unknown program '%.*s'", group, (int)n, prog);
	if (s->mark)
		return fail(ld, e->file->path, e->line, "program '%s' is already in [group:%s]", name, ld->members[s->mark - 1].group);
	struct membership *nm = realloc(ld->members, (ld->nmembers + 1) * sizeof *nm);
	if (!nm)
		return fail(ld, e->file->path, e->line, "out of memory");
	ld->members = nm;
	char *g = strdup(group);
	if (!g)
		return fail(ld, e->file->path, e->line, "out of memory");
	ld->members[ld->nmembers++] = (struct membership){.group = g, .priority = priority};
	s->mark = ld->nmembers;
	return 0;
}

/* [group:g] programs=a,b priority=N: a and b run as members of g. */
static int load_group(struct loader *ld, const struct ini_section *s, const char *group)
{
	const struct ini_entry *pe = ini_get(s, "programs"), *pr = ini_get(s, "priority");
	long long prio = 999;
	for (int i = 0; i < s->nentries; i++)
		if (strcmp(s->entries[i].key, "programs") && strcmp(s->entries[i].key, "priority"))
			warnf(ld, s->entries[i].file->path, s->entries[i].line, "unknown key '%s' in [%s] ignored", s->entries[i].key, s->name);
	if (!pe)
		return fail(ld, s->file->path, s->line, "[%s] has no programs=", s->name);
	struct expand_ctx x = base_ctx(ld, pe);
	x.group_name = group;
	if (pr) {
		char *v = expand_entry(ld, pr, x);
		if (!v)
			return -1;
		int bad = parse_int(v, INT_MIN, INT_MAX, &prio);
		if (bad)
			fail(ld, pr->file->path, pr->line, "invalid value '%.100s' for key 'priority' (expected an integer)", v);
		free(v);
		if (bad)
			return -1;
	}
	char *list = expand_entry(ld, pe, x);
	if (!list)
		return -1;
	int rc = 0;
	for (char *p = list; *p && !rc;) { /* comma list; blanks around names and empty items skipped */
		size_t n = strcspn(p, ",");
		char *a = p, *b = p + n;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a)
			rc = add_member(ld, pe, group, a, b - a, (int)prio);
		p += n + (p[n] == ',');
	}
	free(list);
	return rc;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Everything but [program:x] (those need all groups first). */
static int load_section(struct loader *ld, const struct ini_section *s)
{
	const char *n = s->name, *colon = strchr(n, ':');
	if (has_prefix(n, "program:") || has_prefix(n, "group:")) {
		if (!valid_name(colon + 1))
			return fail(ld, s->file->path, s->line, "invalid name in [%s] (empty, or contains a space, ':', '/' or a control character)", n);
		return has_prefix(n, "group:") ? load_group(ld, s, colon + 1) : 0;
	}
	if (!strcmp(n, "include"))
		return ini_get(s, "files") ? 0 : fail(ld, s->file->path, s->line, "[include] has no files=");
	if (!strcmp(n, "unix_http_server"))
		return load_unix_http_server(ld, s);
	if (!strcmp(n, "supervisord") || !strcmp(n, "supervisorctl") || !strcmp(n, "inet_http_server") || has_prefix(n, "rpcinterface:"))
		return 0;
	if (has_prefix(n, "eventlistener:") || has_prefix(n, "fcgi-program:"))
		return fail(ld, s->file->path, s->line, "[%s] is not supported yet", n);
	return fail(ld, s->file->path, s->line, "unknown section [%s]", n);
}

/* tend: the [supervisord] section is optional (conf.d snippets); it is read first so its
 * environment= is available to every other section's %(ENV_X)s. */
static int load_sections(struct loader *ld)
{
	const struct ini_section *sup = ini_section(&ld->ini, "supervisord");
	if (sup && load_supervisord(ld, sup))
		return -1;
	for (int i = 0; i < ld->ini.nsections; i++)
		if (load_section(ld, &ld->ini.sections[i]))
			return -1;
	for (int i = 0; i < ld->ini.nsections; i++)
		if (has_prefix(ld->ini.sections[i].name, "program:") &&
		    load_program(ld, &ld->ini.sections[i], ld->ini.sections[i].name + strlen("program:")))
			return -1;
	return 0;
}

struct name_index {
	const char *name;
	int i;
};

static int by_name_then_index(const void *a, const void *b)
{
	const struct name_index *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Two processes with one name: reported at the later definition (first in file order). */
static int check_unique_names(struct loader *ld)
{
	const struct config *c = ld->cfg;
	struct name_index *v = malloc((c->nprogs + 1) * sizeof *v);
	if (!v)
		return fail(ld, c->path, 0, "out of memory");
	for (int i = 0; i < c->nprogs; i++)
		v[i] = (struct name_index){c->progs[i].name, i};
	qsort(v, c->nprogs, sizeof *v, by_name_then_index);
	int dup = -1, first = -1;
	for (int i = 1; i < c->nprogs; i++)
		if (!strcmp(v[i].name, v[i - 1].name) && (dup < 0 || v[i].i < dup))
			dup = v[i].i, first = v[i - 1].i;
	free(v);
	if (dup < 0)
		return 0;
	const struct program *p = &c->progs[dup], *q = &c->progs[first];
	return fail(ld, p->file, p->line, "process name '%s' is already used by [program:%s] at %s:%d", p->name, q->program, q->file, q->line);
}

int config_load(const char *path, struct config *out, char *err, size_t errlen, FILE *warn)
{
	char dummy[1];
	struct loader ld = {.cfg = out, .err = errlen ? err : dummy, .errlen = errlen ? errlen : sizeof dummy, .warn = warn};
	struct utsname u;
	memset(out, 0, sizeof *out);
	ld.err[0] = 0;
	if (uname(&u) == 0)
		snprintf(ld.host, sizeof ld.host, "%s", u.nodename);
	int rc = (out->path = strdup(path)) ? 0 : fail(&ld, path, 0, "out of memory");
	if (!rc)
		rc = read_tree(&ld, path, 0, NULL);
	if (!rc)
		rc = load_sections(&ld);
	if (!rc)
		rc = check_unique_names(&ld);
	ini_free(&ld.ini);
	for (int i = 0; i < ld.nmembers; i++) {
		free(ld.members[i].group);
	}
	free(ld.members);
	if (rc)
		config_free(out);
	return rc ? -1 : 0;
}

void config_free(struct config *c)
{
	for (int i = 0; i < c->nprogs; i++)
		program_free(&c->progs[i]);
	free(c->progs);
	strv_free(c->env);
	free(c->ctl_socket);
	free(c->path);
	memset(c, 0, sizeof *c);
}
