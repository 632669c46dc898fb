/* reload.c — a config read again while services run: SIGHUP applies the difference at
 * once (supervisorctl's reread + update in one step); supervisorctl's reread, add and
 * remove do it in steps. Unchanged services keep running; a changed one restarts with
 * its new settings once stopped; configs still referenced stay alive until unused. */
#include "ctl_proto.h"
#include "events.h"
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SIGHUP: re-read and apply the difference ---- */

static int by_program_name(const void *a, const void *b)
{
	return strcmp((*(const struct program *const *)a)->name, (*(const struct program *const *)b)->name);
}

/* The new config's programs sorted by name: a reload of 10,000 services stays
 * O(n log n). */
static const struct program **name_index(const struct config *c)
{
	const struct program **v = malloc(((size_t)c->nprogs + 1) * sizeof *v);
	for (int i = 0; v && i < c->nprogs; i++)
		v[i] = &c->progs[i];
	if (v)
		qsort(v, (size_t)c->nprogs, sizeof *v, by_program_name);
	return v;
}

static const struct program *find_program(const struct program **index, int n, const char *name)
{
	struct program key = {.name = (char *)name};
	const struct program *k = &key, **hit = bsearch(&k, index, (size_t)n, sizeof *index, by_program_name);
	return hit ? *hit : NULL;
}

static bool config_in_use(struct tend *t, const struct config *c)
{
	for (int i = 0; i < t->nsvcs; i++) {
		const struct program *p = t->svcs[i]->p, *n = t->svcs[i]->next_p;
		if ((p >= c->progs && p < c->progs + c->nprogs) || (n && n >= c->progs && n < c->progs + c->nprogs))
			return true;
	}
	return false;
}

void collect_garbage(struct tend *t)
{
	for (struct svc **pp = &t->graveyard; *pp;) {
		struct svc *s = *pp;
		if (s->dead_gen == t->gen) {
			pp = &s->next_dead;
			continue;
		}
		*pp = s->next_dead;
		free(s);
	}
	for (int i = 0; i < 64; i++)
		if (t->retired[i] && !config_in_use(t, t->retired[i])) {
			config_free(t->retired[i]);
			free(t->retired[i]);
			t->retired[i] = NULL;
		}
}

int retire_config(struct tend *t, struct config *c)
{
	for (int i = 0; i < 64; i++)
		if (!t->retired[i]) {
			t->retired[i] = c;
			return 0;
		}
	return -1;
}

static void apply_diff(struct tend *t, struct config *nc)
{
	int n = t->nsvcs;
	struct svc **old = malloc((size_t)n * sizeof *old + 1);
	const struct program **index = name_index(nc);
	bool *known = calloc((size_t)nc->nprogs + 1, sizeof *known);
	if (!old || !index || !known) {
		say(t, V_WARN, "reload: out of memory");
		free(old);
		free(index);
		free(known);
		return;
	}
	memcpy(old, t->svcs, (size_t)n * sizeof *old);
	for (int i = 0; i < n; i++) {
		struct svc *s = old[i];
		const struct program *np = find_program(index, nc->nprogs, s->p->name);
		if (np)
			known[np - nc->progs] = true;
		if (!np) {
			say(t, V_WARN, "%s: removed from the configuration", s->p->name);
			s->remove = true;
			svc_stop(t, s);
		} else if (s->remove || s->next_p) { /* back, or changed again, while stopping */
			s->remove = false;
			s->next_p = np;
		} else if (program_equal(s->p, np)) {
			svc_set_program(t, s, np);
		} else {
			say(t, V_WARN, "%s: configuration changed: restarting", s->p->name);
			s->next_p = np;
			svc_stop(t, s);
		}
	}
	for (int i = 0; i < nc->nprogs; i++) {
		if (known[i])
			continue;
		struct svc *s = svc_new(t, &nc->progs[i]);
		say(t, V_WARN, "%s: added", nc->progs[i].name);
		if (s && s->p->autostart)
			svc_spawn(t, s);
	}
	free(old);
	free(index);
	free(known);
}

int config_reload_into(struct tend *t, struct config *nc, char *err, size_t errlen)
{
	/* relative paths in the file mean the start directory, as at start-up */
	if (config_load_in(t->cfg->cwd ? t->cfg->cwd : t->start_dir, t->opt.config, nc, err, errlen, NULL) < 0)
		return -1;
	persona_config_overrides(&t->opt, nc);
	return 0;
}

void services_reload(struct tend *t)
{
	if (t->stopping)
		return;
	collect_garbage(t);
	struct config *nc = calloc(1, sizeof *nc);
	char err[1024];
	int rc = nc ? config_reload_into(t, nc, err, sizeof err) : -1;
	if (rc < 0) {
		say(t, V_WARN, "reload: %s; keeping the running configuration", nc ? err : "out of memory");
		free(nc);
		return;
	}
	if (retire_config(t, t->cfg) < 0) {
		say(t, V_WARN, "reload: too many reloads still in progress; try again later");
		config_free(nc);
		free(nc);
		return;
	}
	say(t, V_WARN, "reloading %s", t->opt.config);
	t->cfg = nc;
	apply_diff(t, nc);
}

/* ---- supervisorctl's reread, add, remove ---- */

int services_reread(struct tend *t, char *err, size_t errlen)
{
	collect_garbage(t);
	struct config *nc = calloc(1, sizeof *nc);
	if (!nc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (config_reload_into(t, nc, err, errlen) < 0) {
		free(nc);
		return -1;
	}
	if (retire_config(t, t->cfg) < 0) {
		snprintf(err, errlen, "too many configurations still in use; try again later");
		config_free(nc);
		free(nc);
		return -1;
	}
	t->cfg = nc;
	return 0;
}

static bool group_running(struct tend *t, const char *group)
{
	for (int i = 0; i < t->nsvcs; i++)
		if (!strcmp(t->svcs[i]->p->group, group))
			return true;
	return false;
}

static bool listed(const char **v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* A group of the file differs from the running one: other members, or other settings. */
static bool group_changed(struct tend *t, const struct program **index, const char *group)
{
	int in_file = 0, running = 0;
	for (int i = 0; i < t->cfg->nprogs; i++)
		in_file += !strcmp(t->cfg->progs[i].group, group);
	for (int i = 0; i < t->nsvcs; i++) {
		const struct program *p = t->svcs[i]->p;
		if (strcmp(p->group, group))
			continue;
		running++;
		const struct program *np = find_program(index, t->cfg->nprogs, p->name);
		if (!np || strcmp(np->group, group) || !program_equal(p, np))
			return true;
	}
	return in_file != running;
}

static bool add_name(struct group_diff *d, int k, const char *name)
{
	if (listed(d->names[k], d->n[k], name))
		return true;
	const char **v = realloc(d->names[k], (size_t)(d->n[k] + 1) * sizeof *v);
	if (!v)
		return false;
	v[d->n[k]++] = name;
	d->names[k] = v;
	return true;
}

int services_diff(struct tend *t, struct group_diff *d)
{
	*d = (struct group_diff){0};
	const struct program **index = name_index(t->cfg);
	bool ok = index != NULL;
	for (int i = 0; ok && i < t->cfg->nprogs; i++) {
		const char *g = t->cfg->progs[i].group;
		if (listed(d->names[0], d->n[0], g) || listed(d->names[1], d->n[1], g))
			continue;
		if (!group_running(t, g))
			ok = add_name(d, 0, g);
		else if (group_changed(t, index, g))
			ok = add_name(d, 1, g);
	}
	for (int i = 0; ok && i < t->nsvcs; i++) {
		const char *g = t->svcs[i]->p->group;
		bool in_file = false;
		for (int k = 0; k < t->cfg->nprogs && !in_file; k++)
			in_file = !strcmp(t->cfg->progs[k].group, g);
		if (!in_file)
			ok = add_name(d, 2, g);
	}
	free(index);
	if (!ok)
		group_diff_free(d);
	return ok ? 0 : -1;
}

void group_diff_free(struct group_diff *d)
{
	for (int k = 0; k < 3; k++)
		free(d->names[k]);
	*d = (struct group_diff){0};
}

int services_add_group(struct tend *t, const char *group)
{
	bool known = false;
	for (int i = 0; i < t->cfg->nprogs && !known; i++)
		known = !strcmp(t->cfg->progs[i].group, group);
	if (!known)
		return F_BAD_NAME;
	if (group_running(t, group))
		return F_ALREADY_ADDED;
	int first = t->nsvcs;
	for (int i = 0; i < t->cfg->nprogs; i++)
		if (!strcmp(t->cfg->progs[i].group, group) && !svc_new(t, &t->cfg->progs[i]))
			say(t, V_WARN, "%s: out of memory", t->cfg->progs[i].name);
	say(t, V_WARN, "%s: added process group", group);
	events_group(t, group, true);
	for (int i = first; i < t->nsvcs; i++)
		if (t->svcs[i]->p->autostart)
			svc_spawn(t, t->svcs[i]);
	return 0;
}

int services_remove_group(struct tend *t, const char *group)
{
	if (!group_running(t, group))
		return F_BAD_NAME;
	for (int i = 0; i < t->nsvcs; i++) {
		const struct svc *s = t->svcs[i];
		if (!strcmp(s->p->group, group) && (svc_active(s) || s->state == ST_STARTING || s->state == ST_RUNNING ||
						    s->state == ST_BACKOFF || s->state == ST_STOPPING))
			return F_STILL_RUNNING;
	}
	for (int i = t->nsvcs - 1; i >= 0; i--)
		if (!strcmp(t->svcs[i]->p->group, group))
			svc_remove(t, t->svcs[i]);
	say(t, V_WARN, "%s: removed process group", group);
	events_group(t, group, false);
	return 0;
}
