/* config_resolve.c — what the lifecycle keys of one program say about the others, checked
 * once every program is loaded: depends_on= and restart_with= names resolved to
 * processes, cycles refused (naming the cycle), and conditions that could never hold
 * (healthy without a health check). Pure code. */
#include "config_loader.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define MAX_DEP_EDGES 100000 /* per program, after expanding groups and numprocs */

static const char *const cond_names[] = {"started", "ready", "healthy", "completed", "completed_successfully"};

const char *dep_cond_name(enum dep_cond c) { return cond_names[c]; }

static const struct ini_entry *key_entry(struct loader *ld, const struct program *p, const char *key)
{
	char sect[300];
	snprintf(sect, sizeof sect, "program:%s", p->program);
	const struct ini_section *s = ini_section(&ld->ini, sect);
	return s ? ini_get(s, key) : NULL;
}

static int fail_key(struct loader *ld, const struct program *p, const char *key, const char *fmt, const char *a,
		    const char *b)
{
	const struct ini_entry *e = key_entry(ld, p, key);
	char msg[600];
	snprintf(msg, sizeof msg, fmt, a, b);
	return fail(ld, e ? e->file->path : p->file, e ? e->line : p->line, "%s: %s", key, msg);
}

/* NAME: "group:name" is one process; otherwise every process of [program:NAME] and of
 * [group:NAME]. */
static bool matches(const char *name, const struct program *m)
{
	const char *colon = strchr(name, ':');
	if (colon)
		return !strncmp(m->group, name, (size_t)(colon - name)) && !m->group[colon - name] &&
		       !strcmp(m->name, colon + 1);
	return !strcmp(m->program, name) || !strcmp(m->group, name);
}

struct target_list {
	const struct program **v;
	int n, cap;
};

/* Not deduplicated: "backend, db:healthy" checks db twice, once per condition. */
static int push(struct target_list *l, const struct program *p)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 8;
		const struct program **v = realloc(l->v, (size_t)cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return 0;
}

/* One item "NAME[:COND]" of depends_on (COND only there): its processes into L, their
 * condition into *cond. 1 with a message when it names nothing. */
static int resolve_item(struct loader *ld, const struct program *p, const char *key, char *item,
			struct target_list *l, enum dep_cond *cond)
{
	*cond = DEP_READY;
	char *last = strrchr(item, ':');
	if (!strcmp(key, "depends_on") && last)
		for (int c = 0; c < 5; c++)
			if (!strcmp(last + 1, cond_names[c])) {
				*cond = (enum dep_cond)c;
				*last = 0;
				break;
			}
	int before = l->n;
	for (int i = 0; i < ld->cfg->nprogs; i++)
		if (matches(item, &ld->cfg->progs[i]) && push(l, &ld->cfg->progs[i]))
			return fail_alloc(ld, p->file, p->line);
	if (l->n == before)
		return fail_key(ld, p, key, "no program, group or group:name called '%.100s'%s", item, "");
	if (l->n > MAX_DEP_EDGES)
		return fail_key(ld, p, key, "names more than %s processes%s", "100000", "");
	return 0;
}

/* RAW "a, b:ready, c" resolved; conds gets one condition per target (may be NULL). */
static int resolve_list(struct loader *ld, const struct program *p, const char *key, const char *raw,
			struct target_list *l, enum dep_cond **conds)
{
	char *copy = strdup(raw), *save = NULL;
	int rc = copy ? 0 : fail_alloc(ld, p->file, p->line);
	enum dep_cond *cv = NULL;
	for (char *item = copy ? strtok_r(copy, ", \t", &save) : NULL; item && !rc; item = strtok_r(NULL, ", \t", &save)) {
		enum dep_cond cond;
		int before = l->n;
		if ((rc = resolve_item(ld, p, key, item, l, &cond)))
			break;
		if (conds) {
			enum dep_cond *nv = realloc(cv, (size_t)l->n * sizeof *nv);
			if (!nv && l->n) {
				rc = fail_alloc(ld, p->file, p->line);
				break;
			}
			cv = nv;
			for (int i = before; i < l->n; i++)
				cv[i] = cond;
		}
	}
	free(copy);
	if (conds)
		*conds = cv;
	else
		free(cv);
	return rc;
}

static int resolve_program(struct loader *ld, struct program *p)
{
	struct lifecycle *lc = &p->lc;
	struct target_list l = {0};
	enum dep_cond *conds = NULL;
	int rc = 0;
	if (lc->depends_raw && !(rc = resolve_list(ld, p, "depends_on", lc->depends_raw, &l, &conds)) && l.n) {
		if (!(lc->deps = arena_alloc(ld->keys.mem, (size_t)l.n * sizeof *lc->deps)))
			rc = fail_alloc(ld, p->file, p->line);
		for (int i = 0; !rc && i < l.n; i++) {
			lc->deps[i] = (struct dep){.on = l.v[i], .cond = conds[i]};
			if (conds[i] == DEP_HEALTHY && l.v[i]->lc.health.kind == PROBE_NONE && !l.v[i]->lc.watchdog)
				rc = fail_key(ld, p, "depends_on", "%s:healthy can never hold: %s has no healthcheck=", l.v[i]->name, l.v[i]->name);
		}
		lc->ndeps = rc ? 0 : l.n;
	}
	free(conds);
	l.n = 0;
	if (!rc && lc->restart_with_raw && !(rc = resolve_list(ld, p, "restart_with", lc->restart_with_raw, &l, NULL)) && l.n) {
		lc->restart_with = arena_alloc(ld->keys.mem, (size_t)l.n * sizeof *lc->restart_with);
		if (!lc->restart_with)
			rc = fail_alloc(ld, p->file, p->line);
		else
			memcpy(lc->restart_with, l.v, (size_t)l.n * sizeof *l.v);
		lc->nrestart_with = rc ? 0 : l.n;
	}
	free(l.v);
	return rc;
}

/* ---- cycles: a depth-first walk, the path kept to name the cycle ---- */

enum { WHITE, GREY, BLACK };

struct walk {
	struct loader *ld;
	const struct program *base;
	unsigned char *colour;
	int *path, depth;
};

static int name_cycle(struct walk *w, int from)
{
	char msg[600] = "";
	size_t off = 0;
	int start = w->depth - 1;
	while (start > 0 && w->path[start] != from)
		start--;
	for (int i = start; i < w->depth && off < sizeof msg - 120; i++)
		off += (size_t)snprintf(msg + off, sizeof msg - off, "%s -> ", w->base[w->path[i]].name);
	snprintf(msg + off, sizeof msg - off, "%s", w->base[from].name);
	return fail_key(w->ld, &w->base[from], "depends_on", "dependency cycle: %s%s", msg, "");
}

/* Iterative: a chain of 10,000 programs must not overflow tend's stack. */
static int visit(struct walk *w, int root)
{
	int *next = calloc((size_t)w->ld->cfg->nprogs, sizeof *next);
	if (!next)
		return fail_alloc(w->ld, w->ld->cfg->path, 0);
	w->depth = 0;
	w->path[w->depth++] = root;
	w->colour[root] = GREY;
	int rc = 0;
	while (w->depth && !rc) {
		int at = w->path[w->depth - 1];
		const struct lifecycle *lc = &w->base[at].lc;
		if (next[at] == lc->ndeps) {
			w->colour[at] = BLACK;
			w->depth--;
			continue;
		}
		int to = (int)(lc->deps[next[at]++].on - w->base);
		if (w->colour[to] == GREY)
			rc = name_cycle(w, to);
		else if (w->colour[to] == WHITE) {
			w->colour[to] = GREY;
			w->path[w->depth++] = to;
		}
	}
	free(next);
	return rc;
}

static int check_cycles(struct loader *ld)
{
	int n = ld->cfg->nprogs, rc = 0;
	struct walk w = {.ld = ld, .base = ld->cfg->progs, .colour = calloc((size_t)n + 1, 1),
			 .path = calloc((size_t)n + 1, sizeof(int))};
	if (!w.colour || !w.path)
		rc = fail_alloc(ld, ld->cfg->path, 0);
	for (int i = 0; !rc && i < n; i++)
		if (w.colour[i] == WHITE && ld->cfg->progs[i].lc.ndeps)
			rc = visit(&w, i);
	free(w.colour);
	free(w.path);
	return rc;
}

static int check_probes(struct loader *ld, struct program *p)
{
	struct lifecycle *lc = &p->lc;
	if (lc->watchdog && lc->health.kind == PROBE_NONE)
		lc->health.kind = PROBE_NOTIFY; /* a watchdog is a health check */
	if (lc->health.kind == PROBE_NOTIFY && !lc->watchdog)
		return fail_key(ld, p, "healthcheck", "healthcheck=notify is the sd_notify watchdog: it needs watchdog_sec=%s%s", "", "");
	if (lc->watchdog && lc->ready.kind != PROBE_NOTIFY && lc->health.kind != PROBE_NOTIFY && lc->health.kind != PROBE_NONE)
		return fail_key(ld, p, "watchdog_sec", "the watchdog needs ready=notify or healthcheck=notify (it has healthcheck=%s)%s",
				"another check", "");
	return 0;
}

int config_resolve_lifecycle(struct loader *ld)
{
	for (int i = 0; i < ld->cfg->nprogs; i++)
		if (check_probes(ld, &ld->cfg->progs[i]) || resolve_program(ld, &ld->cfg->progs[i]))
			return -1;
	return check_cycles(ld);
}
