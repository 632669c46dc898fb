/* config.c — what supervisord's files mean (Supervisor 4.2.5), on top of ini.c's syntax,
 * expand.c's value syntaxes, config_sections.c's sections and config_program.c's programs:
 * the files and includes, the messages, the result's memory.
 * Deliberate differences from supervisord are marked "tend:" where they are made:
 *  - no [supervisord] section is fine (conf.d snippets);
 *  - [include] in included files is followed too (supervisord ignores it), each file once;
 *  - an unreadable or non-regular included file is an error (supervisord skips it);
 *  - environment= that supervisord would silently truncate (A=has space) is an error;
 *  - unknown sections are errors;
 *  - negative numprocs, numprocs_start, startsecs, startretries, stopwaitsecs, minfds,
 *    minprocs and byte sizes are errors; a config may not need more than CONFIG_MAX_BYTES
 *    after expansion; the filesystem is consulted at load time only where supervisord does
 *    (log file and pidfile directories must exist), the user database only for
 *    [unix_http_server] chown= and [fcgi-program:x] user=/socket_owner= (supervisord
 *    resolves them there too);
 *  - empty [unix_http_server] file=, chmod= above 07777 are errors; one message for
 *    every bad [inet_http_server] port=; [unix_http_server:name] is an unknown section;
 *  - control bytes from the file are escaped (\xNN) in messages. */
#include "config.h"
#include "pathglob.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arena.h"
#include "config_loader.h"
#include "pathname.h"

/* C0 controls and DEL as \xNN, so a config cannot drive the terminal that shows its
 * errors; bytes >= 0x80 pass (UTF-8 names stay readable). */
static void escape_controls(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	for (; *in && o + 1 < outlen; in++) {
		unsigned char c = (unsigned char)*in;
		if (c >= 0x20 && c != 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		if (o + 5 > outlen)
			break;
		o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = 0;
}

int fail(struct loader *ld, const char *file, int line, const char *fmt, ...)
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

int fail_alloc(struct loader *ld, const char *file, int line)
{
	if (!ld->keys.mem->over_budget)
		return fail(ld, file, line, "out of memory");
	return fail(ld, file, line, "the configuration needs more than %u MiB after expansion (limit); "
		    "values that differ per numprocs instance, and environment lists, count once per instance",
		    CONFIG_MAX_BYTES >> 20);
}

void warnf(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	char raw[1024], esc[4 * sizeof raw];
	if (!ld->warn)
		return;
	int n = snprintf(raw, sizeof raw, "tend: %s:%d: warning: ", file, line);
	if (n >= 0 && (size_t)n < sizeof raw) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(raw + n, sizeof raw - n, fmt, ap);
		va_end(ap);
	}
	escape_controls(esc, sizeof esc, raw);
	fprintf(ld->warn, "%s\n", esc);
}

struct expand_ctx base_ctx(const struct loader *ld, const struct ini_entry *e)
{
	return (struct expand_ctx){.here = e->file->here, .host_node_name = ld->host, .env = {&ld->sup_env, NULL}};
}

char *expand_at(struct loader *ld, const char *value, const struct expand_ctx *x, const char *key, const char *file, int line)
{
	char why[512];
	char *v = expand_value(value, x, key, why, sizeof why);
	if (!v) {
		fail(ld, file, line, "%s", why);
		return NULL;
	}
	ld->expanded += strlen(v);
	if (ld->expanded > EXPAND_TOTAL_MAX) {
		free(v);
		fail(ld, file, line, "the configuration expands to more than %u MiB in total (limit)", EXPAND_TOTAL_MAX >> 20);
		return NULL;
	}
	return v;
}

char *expand_entry(struct loader *ld, const struct ini_entry *e, struct expand_ctx x)
{
	x.here = e->file->here;
	return expand_at(ld, e->value, &x, e->key, e->file->path, e->line);
}

bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) /* supervisord forbids ' ', ':' and '/'; tend also control characters */
		if (*s == ' ' || *s == ':' || *s == '/' || iscntrl((unsigned char)*s))
			return false;
	return true;
}

bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ---- files and [include] ---------------------------------------------------------------- */

/* The files= of FILE's own [include], expanded (malloc'd), with *at its entry (a copy:
 * reading more files may replace the entry). NULL with *at->file NULL: no include. */
static char *include_patterns(struct loader *ld, const struct ini_file *file, int depth, struct ini_entry *at)
{
	const struct ini_entry *e = ini_get(ini_section(&ld->ini, "include"), "files");
	at->file = NULL;
	if (!e || e->file != file) /* no files= in this very file */
		return NULL;
	*at = *e;
	if (depth >= MAX_INCLUDE_DEPTH) {
		fail(ld, e->file->path, e->line, "includes nested more than %d deep", MAX_INCLUDE_DEPTH);
		return NULL;
	}
	return expand_entry(ld, at, base_ctx(ld, at));
}

/* One glob of files=, relative to the including file's directory; matches in sorted order
 * (strcmp, like Python's sorted()). */
static int include_glob(struct loader *ld, const struct ini_entry *e, const char *pat, char ***v, size_t *n)
{
	char full[PATH_MAX];
	if (snprintf(full, sizeof full, "%s%s%s", pat[0] == '/' ? "" : e->file->here, pat[0] == '/' ? "" : "/", pat) >= (int)sizeof full)
		return fail(ld, e->file->path, e->line, "include pattern too long");
	int rc = path_glob(full, v, n);
	if (rc == -2)
		return fail(ld, e->file->path, e->line, "include \"%s\" matches or visits too much (limits: %d path components, "
			    "%d files, %d directory entries)", full, GLOB_MAX_DEPTH, GLOB_MAX_MATCHES, GLOB_MAX_VISITS);
	if (rc < 0)
		return fail(ld, e->file->path, e->line, "include \"%s\": out of memory", full);
	if (*n == 0)
		warnf(ld, e->file->path, e->line, "no file matches include \"%s\"", full);
	return 0;
}

/* PATH (absolute) and, depth first, what it includes.
 * tend: supervisord reads [include] of the main file only (an [include] in an included file
 * is silently ignored). tend follows includes in included files too — relative to that
 * file's directory — reading each file at most once, MAX_INCLUDE_DEPTH levels deep. */
static int read_tree(struct loader *ld, const char *path, int depth, const struct ini_entry *from)
{
	const struct ini_file *f = ini_read(&ld->ini, path, ld->err, ld->errlen);
	if (!f && from && ld->ini.io_error) { /* tend: supervisord skips an unreadable included file silently */
		char why[1024];
		snprintf(why, sizeof why, "%s", ld->err);
		return fail(ld, from->file->path, from->line, "included file %s", why);
	}
	if (!f)
		return -1;
	struct ini_entry at;
	char *files = include_patterns(ld, f, depth, &at);
	if (!files)
		return at.file ? -1 : 0;
	int rc = 0;
	for (char *save, *pat = strtok_r(files, " \t\r\n", &save); pat && !rc; pat = strtok_r(NULL, " \t\r\n", &save)) {
		char **v = NULL; /* set by include_glob when it returns 0; LTO cannot see that */
		size_t n = 0;
		if ((rc = include_glob(ld, &at, pat, &v, &n)))
			break;
		for (size_t i = 0; i < n && !rc; i++)
			if (!ini_seen(&ld->ini, v[i]))
				rc = read_tree(ld, v[i], depth + 1, &at);
		path_globfree(v, n);
	}
	free(files);
	return rc;
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
		return fail_alloc(ld, c->path, 0);
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

/* The directory relative paths use: CWD, or the working directory now (NULL if unknown:
 * then only a relative path needing it is an error). */
static char *base_dir(struct arena *mem, const char *cwd)
{
	char buf[PATH_MAX];
	if (!cwd && !(cwd = getcwd(buf, sizeof buf)))
		return NULL;
	return path_absolute(mem, "/", cwd);
}

static int load_files(struct loader *ld, const char *cwd, const char *path)
{
	struct config *c = ld->cfg;
	if (!(c->mem = calloc(1, sizeof *c->mem)))
		return fail(ld, path, 0, "out of memory");
	ld->keys.mem = c->mem;
	ld->keys.cwd = c->cwd = base_dir(c->mem, cwd);
	if (path[0] != '/' && !c->cwd)
		return fail(ld, path, 0, "cannot open: the current directory is unknown");
	if (!(c->path = path_absolute(c->mem, c->cwd, path)))
		return fail(ld, path, 0, "out of memory");
	c->minfds = 1024; /* supervisord's defaults */
	c->minprocs = 200;
	return read_tree(ld, c->path, 0, NULL);
}

int config_load_in(const char *cwd, const char *path, struct config *out, char *err, size_t errlen, FILE *warn)
{
	char dummy[1];
	struct loader ld = {.cfg = out, .err = errlen ? err : dummy, .errlen = errlen ? errlen : sizeof dummy, .warn = warn};
	struct utsname u;
	memset(out, 0, sizeof *out);
	ld.err[0] = 0;
	if (uname(&u) == 0)
		snprintf(ld.host, sizeof ld.host, "%s", u.nodename);
	int rc = load_files(&ld, cwd, path);
	if (!rc)
		rc = load_sections(&ld);
	if (!rc)
		rc = check_unique_names(&ld);
	ini_free(&ld.ini);
	envlist_free(&ld.sup_env);
	for (int i = 0; i < ld.nmembers; i++)
		free(ld.members[i].group);
	free(ld.members);
	if (rc)
		config_free(out);
	char *raw = rc ? strdup(ld.err) : NULL;
	if (raw) /* every message, whoever wrote it (ini.c's too) */
		escape_controls(ld.err, ld.errlen, raw);
	free(raw);
	return rc ? -1 : 0;
}

int config_load(const char *path, struct config *out, char *err, size_t errlen, FILE *warn)
{
	return config_load_in(NULL, path, out, err, errlen, warn);
}

void config_free(struct config *c)
{
	free(c->progs);
	if (c->mem) {
		arena_free(c->mem);
		free(c->mem);
	}
	memset(c, 0, sizeof *c);
}
