/* config_sections.c — the sections other than [program:x] (Supervisor 4.2.5 semantics):
 * [supervisord], [group:x], [include], [unix_http_server] and the accepted others. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config_loader.h"
#include "pathname.h"

static const char *const supervisord_keys[] = {
	"logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "pidfile", "umask", "nodaemon",
	"silent", "minfds", "minprocs", "nocleanup", "childlogdir", "user", "directory", "strip_ansi",
	"environment", "identifier",
};

static int supervisord_environment(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e = ini_get(s, "environment");
	char why[512];
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, base_ctx(ld, e));
	if (!v)
		return -1;
	int rc = parse_environment(v, &ld->sup_env, ld->keys.mem, why, sizeof why);
	free(v);
	if (rc)
		return ld->keys.mem->over_budget ? fail_alloc(ld, e->file->path, e->line)
						 : fail(ld, e->file->path, e->line, "bad environment=: %s", why);
	if (ld->sup_env.n && !(ld->cfg->env = envlist_vector(&ld->sup_env, ld->keys.mem)))
		return fail_alloc(ld, e->file->path, e->line);
	return 0;
}

/* minfds=, minprocs=: supervisord's integer(); tend: negative values are errors. */
static int supervisord_limit(struct loader *ld, const struct ini_section *s, const char *key, long long *out)
{
	const struct ini_entry *e = ini_get(s, key);
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, base_ctx(ld, e));
	if (!v)
		return -1;
	int bad = parse_int(v, 0, LLONG_MAX, out);
	if (bad)
		fail(ld, e->file->path, e->line, "invalid value '%.100s' for key '%s' (expected a non-negative integer)", v, key);
	free(v);
	return bad ? -1 : 0;
}

/* pidfile=: supervisord's existing_dirpath(), made absolute; an empty value: as if unset. */
static int supervisord_pidfile(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e = ini_get(s, "pidfile");
	char why[600];
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, base_ctx(ld, e));
	if (!v)
		return -1;
	int rc = *v ? existing_dirpath(v, &ld->keys, &ld->cfg->pidfile, why, sizeof why) : 0;
	free(v);
	if (rc && ld->keys.mem->over_budget)
		return fail_alloc(ld, e->file->path, e->line);
	return rc ? fail(ld, e->file->path, e->line, "%s", why) : 0;
}

/* environment=, and pidfile=, minfds=, minprocs= for main.c; the other daemon settings
 * have no meaning for a PID 1. */
static int load_supervisord(struct loader *ld, const struct ini_section *s)
{
	for (int i = 0; i < s->nentries; i++) {
		const struct ini_entry *e = &s->entries[i];
		size_t k = 0;
		while (k < sizeof supervisord_keys / sizeof *supervisord_keys && strcmp(supervisord_keys[k], e->key))
			k++;
		if (k == sizeof supervisord_keys / sizeof *supervisord_keys)
			warnf(ld, e->file->path, e->line, "unknown key '%s' in [supervisord] ignored", e->key);
	}
	return supervisord_environment(ld, s) || supervisord_pidfile(ld, s) ||
	       supervisord_limit(ld, s, "minfds", &ld->cfg->minfds) || supervisord_limit(ld, s, "minprocs", &ld->cfg->minprocs)
		       ? -1 : 0;
}

/* file=: made absolute like supervisord's normalize_path() (no directory check there). */
static int load_unix_http_server(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e = ini_get(s, "file");
	char path[PATH_MAX];
	if (!e)
		return 0;
	char *v = expand_entry(ld, e, base_ctx(ld, e));
	if (!v)
		return -1;
	int rc = path_expand_user(v, path, sizeof path);
	free(v);
	if (rc)
		return fail(ld, e->file->path, e->line, "path too long");
	if (path[0] != '/' && !ld->keys.cwd)
		return fail(ld, e->file->path, e->line, "relative path %.300s, but the current directory is unknown", path);
	ld->cfg->ctl_socket = path_absolute(ld->keys.mem, ld->keys.cwd, path);
	return ld->cfg->ctl_socket ? 0 : fail_alloc(ld, e->file->path, e->line);
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
int load_sections(struct loader *ld)
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

