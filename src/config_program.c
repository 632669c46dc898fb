/* config_program.c — [program:x] and its numprocs instances (Supervisor 4.2.5 semantics).
 * The first instance is built from every key. The others start as a copy of it and expand
 * again only the values that differ: those naming %(process_num)s, and those naming
 * %(ENV_X)s when the program's own environment= names process_num. So a 10,000-instance
 * program costs its file once plus a struct and a name per instance, and the environment
 * list is shared: by the instances, and with [supervisord]'s when the program has none. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config_loader.h"
#include "memfind.h"

/* What every instance of one [program:x] shares. */
struct program_src {
	const struct ini_section *s;
	const char *name, *group;
	bool in_group;      /* listed by a [group:x] */
	int group_priority; /* that group's priority= */
	const char *process_name; /* unexpanded */
	const struct ini_entry *process_name_entry;
	int numprocs;
	bool first;         /* warnings once per program, not per instance */
	bool env_per_instance;      /* environment= names process_num */
	unsigned char *per_instance; /* per entry: expand it for every instance */
	struct envlist own; /* the program's environment= (of the current instance) */
	const struct fcgi_socket *fcgi; /* [fcgi-program:x]: the socket every instance shares */
};

static bool differs_per_instance(const struct program_src *src, const struct ini_entry *e)
{
	unsigned refs = expand_refs(e->value);
	return (refs & REF_PROCESS_NUM) || (src->env_per_instance && (refs & REF_ENV));
}

static int apply_keys(struct loader *ld, const struct program_src *src, struct program *p, struct expand_ctx x, bool copy)
{
	for (int i = 0; i < src->s->nentries; i++) {
		if (copy && !src->per_instance[i])
			continue; /* the same as in the instance copied */
		const struct ini_entry *e = &src->s->entries[i];
		const struct keydef *k = find_program_key(e->key);
		if (!k || k->kind == V_IGNORED || k->kind == V_EARLY || k->kind == V_FCGI)
			continue; /* supervisord does not expand keys it ignores, so neither does tend */
		char *v = expand_entry(ld, e, x), why[512];
		if (!v)
			return -1;
		int rc = apply_program_key(p, k, v, &ld->keys, why, sizeof why);
		if (rc < 0 && ld->keys.mem->over_budget)
			fail_alloc(ld, e->file->path, e->line);
		else if (rc < 0)
			fail(ld, e->file->path, e->line, "%s", why);
		else if (rc > 0 && key_expect(k))
			fail(ld, e->file->path, e->line, "invalid value '%.200s' for key '%s' (expected %s)", v, e->key, key_expect(k));
		else if (rc > 0)
			fail(ld, e->file->path, e->line, "invalid value '%.200s' for key '%s' (expected true/false, yes/no, on/off or 1/0)", v, e->key);
		free(v);
		if (rc)
			return -1;
	}
	return 0;
}

/* The program's environment= into src->own, expanded with everything but its own names
 * (as supervisord 4.2.5 does). */
static int program_environment(struct loader *ld, struct program_src *src, struct expand_ctx x)
{
	const struct ini_entry *e = ini_get(src->s, "environment");
	char why[512];
	envlist_free(&src->own);
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, x);
	if (!v)
		return -1;
	int rc = parse_environment(v, &src->own, ld->keys.mem, why, sizeof why);
	free(v);
	if (rc && ld->keys.mem->over_budget)
		return fail_alloc(ld, e->file->path, e->line);
	return rc ? fail(ld, e->file->path, e->line, "bad environment=: %s", why) : 0;
}

/* What follows from the keys together; idempotent, since copies of the first instance go
 * through it again. */
static int finish_program(struct loader *ld, const struct program_src *src, struct program *p, bool env_done)
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
	if (p->redirect_stderr) /* supervisord ignores it; make the ignored value not matter */
		p->err = (struct log_target){.kind = LOG_DEFAULT, .fd = 2, .maxbytes = 50LL << 20, .backups = 10};
	if (!valid_name(p->name)) {
		const struct ini_entry *e = src->process_name_entry;
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line, "invalid process name '%.100s' (empty, or contains a space, ':', '/' or a control character)", p->name);
	}
	if (env_done)
		return 0;
	/* [supervisord] environment first, the program's replacing keys in place */
	p->env = src->own.n ? envlist_merge(&ld->sup_env, &src->own, ld->keys.mem) : ld->cfg->env;
	const struct ini_entry *e = ini_get(s, "environment");
	return src->own.n && !p->env ? fail_alloc(ld, e->file->path, e->line) : 0;
}

static int add_program(struct loader *ld, const struct program *p)
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

/* Instance NUM: from every key into *tmpl (left as it was before finish_program, with the
 * environment it got), or, with COPY, as a copy of *tmpl. */
static int load_instance(struct loader *ld, struct program_src *src, int num, struct program *tmpl, bool copy)
{
	const struct ini_section *s = src->s;
	struct arena *mem = ld->keys.mem;
	const struct ini_entry *pe = src->process_name_entry;
	struct expand_ctx x = {.host_node_name = ld->host, .program_name = src->name, .group_name = src->group,
			       .have_process_num = true, .process_num = num, .have_numprocs = true,
			       .numprocs = src->numprocs, .env = {&ld->sup_env, NULL}};
	struct program p;
	if (copy) {
		p = *tmpl;
	} else {
		program_defaults(&p);
		p.line = s->line;
		p.fcgi = src->fcgi;
		if (!(p.program = arena_strdup(mem, src->name)) || !(p.group = arena_strdup(mem, src->group)) ||
		    !(p.file = arena_strdup(mem, s->file->path)))
			return fail_alloc(ld, s->file->path, s->line);
	}
	p.process_num = num;
	bool env_again = !copy || src->env_per_instance;
	if (env_again && program_environment(ld, src, x))
		return -1;
	x.env[1] = &src->own; /* the program's own names are usable by its other keys */
	x.here = pe ? pe->file->here : s->file->here;
	char *name = expand_at(ld, src->process_name, &x, "process_name", pe ? pe->file->path : s->file->path, pe ? pe->line : s->line);
	if (!name)
		return -1;
	p.name = arena_strdup(mem, name);
	free(name);
	if (!p.name)
		return fail_alloc(ld, s->file->path, s->line);
	if (apply_keys(ld, src, &p, x, copy))
		return -1;
	if (!copy)
		*tmpl = p;
	if (finish_program(ld, src, &p, !env_again))
		return -1;
	if (!copy)
		tmpl->env = p.env; /* shared by the copies unless they build their own */
	return add_program(ld, &p) ? fail_alloc(ld, s->file->path, s->line) : 0;
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

/* numprocs, numprocs_start, process_name: what decides the instances. */
static int instance_plan(struct loader *ld, struct program_src *src, int *start)
{
	const struct ini_section *s = src->s;
	for (int i = 0; i < s->nentries; i++) {
		const struct keydef *k = find_program_key(s->entries[i].key);
		if (!k || (k->kind == V_FCGI && !src->fcgi)) /* socket=...: [fcgi-program:x] only */
			warnf(ld, s->entries[i].file->path, s->entries[i].line, "unknown key '%s' in [%s] ignored", s->entries[i].key, s->name);
	}
	/* tend: numprocs=0 gives no process, as in supervisord; negative values are errors */
	if (early_int(ld, src, "numprocs", 1, MAX_PROCESSES, &src->numprocs) ||
	    early_int(ld, src, "numprocs_start", 0, INT_MAX - MAX_PROCESSES, start))
		return -1;
	src->process_name_entry = ini_get(s, "process_name");
	src->process_name = src->process_name_entry ? src->process_name_entry->value : "%(program_name)s";
	static const char num[] = "%(process_num)";
	if (src->numprocs > 1 && !mem_find(src->process_name, strlen(src->process_name), num, sizeof num - 1)) {
		const struct ini_entry *e = src->process_name_entry;
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line,
			    "[%s] has numprocs=%d, so process_name must contain %%(process_num)d (e.g. %%(program_name)s_%%(process_num)02d)", s->name, src->numprocs);
	}
	if (ld->cfg->nprogs + src->numprocs > MAX_PROCESSES) {
		const struct ini_entry *e = ini_get(s, "numprocs");
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line, "more than %d processes in total", MAX_PROCESSES);
	}
	const struct ini_entry *env = ini_get(s, "environment");
	src->env_per_instance = env && (expand_refs(env->value) & REF_PROCESS_NUM);
	if (!(src->per_instance = calloc(s->nentries + 1, 1)))
		return fail_alloc(ld, s->file->path, s->line);
	for (int i = 0; i < s->nentries; i++) /* once per entry: a value is scanned once, not per instance */
		src->per_instance[i] = differs_per_instance(src, &s->entries[i]);
	return 0;
}

int load_program(struct loader *ld, const struct ini_section *s, const char *name)
{
	const struct membership *m = s->mark ? &ld->members[s->mark - 1] : NULL;
	struct program_src src = {.s = s, .name = name, .group = m ? m->group : name,
				  .in_group = m != NULL,
				  .group_priority = m ? m->priority : 0, .first = true};
	struct program tmpl = {0};
	if (has_prefix(s->name, "fcgi-program:") && load_fcgi(ld, s, name, &src.fcgi))
		return -1;
	int start, rc = instance_plan(ld, &src, &start);
	for (int i = 0; !rc && i < src.numprocs; i++, src.first = false)
		rc = load_instance(ld, &src, start + i, &tmpl, i > 0);
	envlist_free(&src.own);
	free(src.per_instance);
	return rc;
}
