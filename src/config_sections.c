/* config_sections.c — the sections other than [program:x] (Supervisor 4.2.5 semantics):
 * [supervisord], [group:x], [include], [unix_http_server] and the accepted others. */
#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "config_loader.h"
#include "duration.h"
#include "intparse.h"
#include "pathname.h"
#include "stop_budget.h"

/* KEY's value in S expanded (malloc'd), *at its entry; NULL: absent (*at NULL) or an
 * expansion error (reported). */
static char *ctl_value(struct loader *ld, const struct ini_section *s, const char *key, const struct ini_entry **at)
{
	*at = ini_get(s, key);
	return *at ? expand_entry(ld, *at, base_ctx(ld, *at)) : NULL;
}

/* A warning for each key of S not in KEYS. */
static void warn_unknown_keys(struct loader *ld, const struct ini_section *s, const char *const *keys, size_t n)
{
	for (int i = 0; i < s->nentries; i++) {
		size_t k = 0;
		while (k < n && strcmp(keys[k], s->entries[i].key))
			k++;
		if (k == n)
			warnf(ld, s->entries[i].file->path, s->entries[i].line, "unknown key '%s' in [%s] ignored", s->entries[i].key, s->name);
	}
}

static const char *const supervisord_keys[] = {
	"logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "pidfile", "umask", "nodaemon",
	"silent", "minfds", "minprocs", "nocleanup", "childlogdir", "user", "directory", "strip_ansi",
	"environment", "identifier", "tail_bytes", "stop_budget", "log_format", "log_timestamps", "cgroup",
};

/* tend's cgroup=: auto (the default), off, or the absolute path of a cgroup v2 directory
 * for the services' cgroups (checked when tend starts: cgroup.c). */
static int supervisord_cgroup(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e;
	char *v = ctl_value(ld, s, "cgroup", &e);
	if (!v)
		return e ? -1 : 0;
	int bad = strcmp(v, "auto") && strcmp(v, "off") && *v != '/';
	if (bad)
		fail(ld, e->file->path, e->line, "invalid value '%.100s' for key 'cgroup' (expected auto, off or an absolute path)", v);
	else if (strcmp(v, "auto") && !(ld->cfg->cgroup = arena_strdup(ld->keys.mem, v)))
		bad = fail_alloc(ld, e->file->path, e->line);
	free(v);
	return bad ? -1 : 0;
}

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

/* identifier= (getIdentification's answer); tend's tail_bytes= (its own log's ring). */
static int supervisord_ctl(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e;
	char *v = ctl_value(ld, s, "identifier", &e);
	if (e && !v)
		return -1;
	if (v && !(ld->cfg->identifier = arena_strdup(ld->keys.mem, v))) {
		free(v);
		return fail_alloc(ld, e->file->path, e->line);
	}
	free(v);
	if (!(v = ctl_value(ld, s, "tail_bytes", &e)))
		return e ? -1 : 0;
	int bad = parse_bytes(v, &ld->cfg->tail_bytes) || ld->cfg->tail_bytes > TAIL_BYTES_MAX;
	if (bad)
		fail(ld, e->file->path, e->line, "invalid value '%.100s' for key 'tail_bytes' (expected a size up to 64MB such as 1MB, 64KB or 0)", v);
	free(v);
	return bad ? -1 : 0;
}

/* stop_budget=: seconds, as stopwaitsecs is given, up to a day */
static int supervisord_stop_budget(struct loader *ld, const struct ini_section *s)
{
	const struct ini_entry *e;
	char *v = ctl_value(ld, s, "stop_budget", &e);
	if (!v)
		return e ? -1 : 0;
	long long ms = seconds_to_ms(v);
	int bad = ms < 0 || ms > 86400000LL;
	if (bad)
		fail(ld, e->file->path, e->line, "invalid value '%.100s' for key 'stop_budget' (expected seconds up to 86400)", v);
	else
		ld->cfg->stop_budget = ms;
	free(v);
	return bad ? -1 : 0;
}

const char *const log_setting[2][3] = {
	{"log_format", "TEND_LOG_FORMAT", "text or json"},
	{"log_timestamps", "TEND_LOG_TIMESTAMPS", "true or false"},
};

int log_choice(const char *v, int which)
{
	bool b = !strcasecmp(v, "json");
	if (which == LOG_FORMAT ? !b && strcasecmp(v, "text") : parse_bool(v, &b))
		return -1;
	return b ? LOG_CHOICE_ON : LOG_CHOICE_OFF;
}

/* tend's log_format= and log_timestamps= (the command line and the environment win) */
static int supervisord_log(struct loader *ld, const struct ini_section *s)
{
	for (int i = 0; i < 2; i++) {
		const struct ini_entry *e;
		char *v = ctl_value(ld, s, log_setting[i][0], &e);
		int c = v ? log_choice(v, i) : e ? -2 : 0;
		if (c == -1)
			fail(ld, e->file->path, e->line, "invalid value '%.100s' for key '%s' (expected %s)", v,
			     log_setting[i][0], log_setting[i][2]);
		free(v);
		if (c < 0)
			return -1;
		ld->cfg->log[i] = (unsigned char)c;
	}
	return 0;
}

/* environment=, and pidfile=, minfds=, minprocs= for main.c; the other daemon settings
 * have no meaning for a PID 1. */
static int load_supervisord(struct loader *ld, const struct ini_section *s)
{
	warn_unknown_keys(ld, s, supervisord_keys, sizeof supervisord_keys / sizeof *supervisord_keys);
	return supervisord_environment(ld, s) || supervisord_pidfile(ld, s) || supervisord_ctl(ld, s) ||
	       supervisord_cgroup(ld, s) || supervisord_stop_budget(ld, s) ||
	       supervisord_limit(ld, s, "minfds", &ld->cfg->minfds) ||
	       supervisord_limit(ld, s, "minprocs", &ld->cfg->minprocs) || supervisord_log(ld, s) ? -1 : 0;
}

/* ---- the control server: [unix_http_server], [inet_http_server] ------------------------
 * supervisord's server_configs_from_parser(): values are expanded, checks in its order,
 * errors in its words. tend: one section of each kind ([unix_http_server:name] is an
 * unknown section); empty file= is an error (supervisord listens on its cwd's name). */

/* _parse_username_and_password(): both or neither; an empty username means no
 * authentication (supervisord's http server checks `if username`). */
static int ctl_auth(struct loader *ld, const struct ini_section *s, struct ctl_listen *l)
{
	const struct ini_entry *ue = ini_get(s, "username"), *pe = ini_get(s, "password"), *e;
	if (!ue && !pe)
		return 0;
	if (!ue || !pe)
		return fail(ld, s->file->path, s->line, "Section [%s] contains incomplete authentication: If a username or a "
			    "password is specified, both the username and password must be specified", s->name);
	char *u = ctl_value(ld, s, "username", &e), *p = u ? ctl_value(ld, s, "password", &e) : NULL;
	int rc = 0;
	if (u && p && *u) {
		l->username = arena_strdup(ld->keys.mem, u);
		l->password = arena_strdup(ld->keys.mem, p);
		if (!l->username || !l->password)
			rc = fail_alloc(ld, e->file->path, e->line);
	}
	if (!u || !p)
		rc = -1;
	free(u);
	free(p);
	return rc;
}

/* Python's int(v, 8) for a mode: an optional 0o prefix, octal digits. tend: at most 07777. */
int parse_mode(const char *v, int *out)
{
	char *end;
	if (!strncasecmp(v, "0o", 2))
		v += 2;
	if (!*v || !strchr("01234567", *v))
		return -1;
	long n = str_to_ll(v, &end, 8);
	if (*end || n > 07777)
		return -1;
	*out = (int)n;
	return 0;
}

/* name_to_uid()/name_to_gid(): a number must exist in the database too. */
static int user_id(const char *v, uid_t *out)
{
	long long n;
	struct passwd *pw = parse_int(v, 0, UINT_MAX - 1, &n) ? getpwnam(v) : getpwuid((uid_t)n);
	return pw ? (*out = pw->pw_uid, 0) : -1;
}

static int group_id(const char *v, gid_t *out)
{
	long long n;
	struct group *gr = parse_int(v, 0, UINT_MAX - 1, &n) ? getgrnam(v) : getgrgid((gid_t)n);
	return gr ? (*out = gr->gr_gid, 0) : -1;
}

/* colon_separated_user_group(): "user" or "user:group", names or ids. */
int parse_owner(char *v, struct ctl_listen *l)
{
	char *colon = strchr(v, ':');
	if (colon)
		*colon = 0;
	int bad = user_id(v, &l->uid) || (colon ? group_id(colon + 1, &l->gid) : (l->gid = (gid_t)-1, 0));
	if (colon)
		*colon = ':';
	return bad ? -1 : 0;
}

static int unix_chown_chmod(struct loader *ld, const struct ini_section *s, struct ctl_listen *l)
{
	const struct ini_entry *e;
	char *v = ctl_value(ld, s, "chown", &e);
	if (e && !v)
		return -1;
	if (v) {
		int bad = parse_owner(v, l);
		if (bad)
			fail(ld, e->file->path, e->line, "Invalid sockchown value %s", v);
		free(v);
		if (bad)
			return -1;
		l->chown_set = true;
	}
	if (!(v = ctl_value(ld, s, "chmod", &e)))
		return e ? -1 : 0;
	int bad = parse_mode(v, &l->chmod);
	if (bad)
		fail(ld, e->file->path, e->line, "Invalid chmod value %s", v);
	free(v);
	return bad ? -1 : 0;
}

/* file= is made absolute like normalize_path() (no directory check there, none here). */
static int load_unix_http_server(struct loader *ld, const struct ini_section *s)
{
	static const char *const keys[] = {"file", "chmod", "chown", "username", "password"};
	struct ctl_listen *l = &ld->cfg->unix_srv;
	const struct ini_entry *e;
	char path[PATH_MAX];
	warn_unknown_keys(ld, s, keys, sizeof keys / sizeof *keys);
	*l = (struct ctl_listen){.set = true, .chmod = 0700, .uid = (uid_t)-1, .gid = (gid_t)-1, .port = -1};
	char *v = ctl_value(ld, s, "file", &e);
	if (!v && e)
		return -1;
	if (!v || !*v) {
		free(v);
		return fail(ld, e ? e->file->path : s->file->path, e ? e->line : s->line, "section [%s] has no file value", s->name);
	}
	int rc = path_expand_user(v, path, sizeof path);
	free(v);
	if (rc)
		return fail(ld, e->file->path, e->line, "path too long");
	if (path[0] != '/' && !ld->keys.cwd)
		return fail(ld, e->file->path, e->line, "relative path %.300s, but the current directory is unknown", path);
	if (!(l->file = path_absolute(ld->keys.mem, ld->keys.cwd, path)))
		return fail_alloc(ld, e->file->path, e->line);
	return ctl_auth(ld, s, l) || unix_chown_chmod(ld, s, l) ? -1 : 0;
}

/* inet_address(): "host:port" (split at the last ':'), ":port", "*:port" or "port"; the
 * host lowercased, "" or "*" meaning all interfaces; port_number() is 1..65535.
 * tend: one message for every bad port (supervisord has three, one of them Python's). */
static int parse_inet(struct loader *ld, const struct ini_entry *e, const char *v, struct ctl_listen *l)
{
	const char *colon = strrchr(v, ':'), *port = colon ? colon + 1 : v;
	long long n;
	if (colon && !*port)
		return fail(ld, e->file->path, e->line, "no port number specified in '%.200s'", v);
	if (parse_int(port, 1, 65535, &n))
		return fail(ld, e->file->path, e->line, "not a valid port number: '%.200s'", port);
	l->port = (int)n;
	size_t hn = colon ? (size_t)(colon - v) : 0;
	if (hn == 1 && *v == '*')
		hn = 0;
	if (!(l->host = arena_strndup(ld->keys.mem, v, hn)))
		return fail_alloc(ld, e->file->path, e->line);
	for (char *h = l->host; *h; h++)
		*h = (char)tolower((unsigned char)*h);
	return 0;
}

static int load_inet_http_server(struct loader *ld, const struct ini_section *s)
{
	static const char *const keys[] = {"port", "username", "password"};
	struct ctl_listen *l = &ld->cfg->inet_srv;
	const struct ini_entry *e;
	warn_unknown_keys(ld, s, keys, sizeof keys / sizeof *keys);
	*l = (struct ctl_listen){.set = true, .chmod = 0700, .uid = (uid_t)-1, .gid = (gid_t)-1, .port = -1};
	if (ctl_auth(ld, s, l))
		return -1;
	char *v = ctl_value(ld, s, "port", &e);
	if (!v)
		return e ? -1 : fail(ld, s->file->path, s->line, "section [%s] has no port value", s->name);
	int rc = parse_inet(ld, e, v, l);
	free(v);
	return rc;
}

/* [rpcinterface:x]: supervisord imports supervisor.rpcinterface_factory and calls it.
 * tend has the main interface built in, whatever [rpcinterface:supervisor] names (that
 * section only switches it on in supervisord, and every config carries it); another
 * interface is Python code tend cannot run: a warning, so its absence is not a surprise,
 * not an error, so the same file still serves supervisord and tend. */
static int load_rpcinterface(struct loader *ld, const struct ini_section *s)
{
	if (!ini_get(s, "supervisor.rpcinterface_factory"))
		return fail(ld, s->file->path, s->line, "section [%s] does not specify a supervisor.rpcinterface_factory", s->name);
	if (strcmp(s->name, "rpcinterface:supervisor"))
		warnf(ld, s->file->path, s->line, "[%s] ignored: tend does not load Python RPC interfaces", s->name);
	return 0;
}

/* Membership is marked on the program's section (mark = member index + 1): O(1) lookups. */
static int add_member(struct loader *ld, const struct ini_entry *e, const char *group, const char *prog, size_t n, int priority)
{
	char fcgi[620], *section = fcgi + strlen("fcgi-"); /* a [group:x] may list an [fcgi-program:x] */
	snprintf(fcgi, sizeof fcgi, "fcgi-program:%.*s", (int)(n > 512 ? 512 : n), prog);
	const char *name = section + strlen("program:");
	struct ini_section *s = n > 512 ? NULL : ini_section(&ld->ini, section);
	if (!s && n <= 512) /* both: the two sections' processes have one name, an error later */
		s = ini_section(&ld->ini, fcgi);
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
	static const char *const keys[] = {"programs", "priority"};
	const struct ini_entry *pe = ini_get(s, "programs"), *pr = ini_get(s, "priority");
	long long prio = 999;
	warn_unknown_keys(ld, s, keys, sizeof keys / sizeof *keys);
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
	if (has_prefix(n, "program:") || has_prefix(n, "group:") || has_prefix(n, "eventlistener:") ||
	    has_prefix(n, "fcgi-program:")) {
		if (!valid_name(colon + 1))
			return fail(ld, s->file->path, s->line, "invalid name in [%s] (empty, or contains a space, ':', '/' or a control character)", n);
		return has_prefix(n, "group:") ? load_group(ld, s, colon + 1) : 0;
	}
	if (!strcmp(n, "include"))
		return ini_get(s, "files") ? 0 : fail(ld, s->file->path, s->line, "[include] has no files=");
	if (!strcmp(n, "unix_http_server"))
		return load_unix_http_server(ld, s);
	if (!strcmp(n, "inet_http_server"))
		return load_inet_http_server(ld, s);
	if (has_prefix(n, "rpcinterface:"))
		return load_rpcinterface(ld, s);
	if (!strcmp(n, "supervisord") || !strcmp(n, "supervisorctl")) /* [supervisorctl]: the client's */
		return 0;
	return fail(ld, s->file->path, s->line, "unknown section [%s]", n);
}

/* tend: the [supervisord] section is optional (conf.d snippets); it is read first so its
 * environment= is available to every other section's %(ENV_X)s. */
int load_sections(struct loader *ld)
{
	ld->cfg->tail_bytes = TAIL_BYTES_DEFAULT;
	ld->cfg->stop_budget = STOP_BUDGET_DEFAULT_MS;
	if (!(ld->cfg->identifier = arena_strdup(ld->keys.mem, "supervisor")))
		return fail_alloc(ld, ld->cfg->path, 0);
	const struct ini_section *sup = ini_section(&ld->ini, "supervisord");
	if (sup && load_supervisord(ld, sup))
		return -1;
	for (int i = 0; i < ld->ini.nsections; i++)
		if (load_section(ld, &ld->ini.sections[i]))
			return -1;
	for (int i = 0; i < ld->ini.nsections; i++) {
		const char *n = ld->ini.sections[i].name;
		if ((has_prefix(n, "program:") || has_prefix(n, "fcgi-program:")) &&
		    load_program(ld, &ld->ini.sections[i], strchr(n, ':') + 1))
			return -1;
	}
	for (int i = 0; i < ld->ini.nsections; i++) /* after the programs, as supervisord */
		if (has_prefix(ld->ini.sections[i].name, "eventlistener:") &&
		    load_listener(ld, &ld->ini.sections[i], ld->ini.sections[i].name + strlen("eventlistener:")))
			return -1;
	return config_resolve_lifecycle(ld);
}

