/* config_listener.c — [eventlistener:x] (Supervisor 4.2.5 options.py): a pool of
 * numprocs listener processes, loaded like [program:x] with supervisord's checks first
 * (buffer_size, result_handler, events, redirect_stderr, in its order and words). */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config_loader.h"
#include "event_names.h"

#define DEFAULT_HANDLER "supervisor.dispatchers:default_handler"
#define BUFFER_SIZE_MAX 1000000

/* KEY's value expanded (%(here)s, %(ENV_X)s), or DFLT when it is not given. */
static char *value(struct loader *ld, const struct ini_section *s, const char *key, const char *dflt,
		   const struct ini_entry **at)
{
	const struct ini_entry *e = ini_get(s, key);
	*at = e;
	return e ? expand_entry(ld, e, base_ctx(ld, e)) : strdup(dflt);
}

static int listener_keys(struct loader *ld, const struct ini_section *s, struct listener_cfg *lc)
{
	const struct ini_entry *e;
	long long n;
	char *v = value(ld, s, "buffer_size", "10", &e);
	int bad = v && parse_int(v, -0x7fffffff, 0x7fffffff, &n);
	if (bad)
		fail(ld, e->file->path, e->line, "invalid value '%.100s' for key 'buffer_size' (expected an integer)", v);
	else if (v && n < 1)
		bad = fail(ld, e->file->path, e->line, "[%s] section sets invalid buffer_size (%lld)", s->name, n);
	else if (v && n > BUFFER_SIZE_MAX) /* tend: a bound on what a pool may hold */
		bad = fail(ld, e->file->path, e->line, "[%s] section sets buffer_size %lld, more than tend's limit of %d",
			   s->name, n, BUFFER_SIZE_MAX);
	free(v);
	if (!v || bad)
		return -1;
	lc->buffer_size = (int)n;
	if (!(v = value(ld, s, "result_handler", DEFAULT_HANDLER, &e)))
		return -1;
	if (strcmp(v, DEFAULT_HANDLER)) {
		fail(ld, e->file->path, e->line, "%.200s cannot be resolved within [%s]: tend runs no Python, so only "
		     "the default result_handler (" DEFAULT_HANDLER ": OK accepts, anything else rejects) is possible", v, s->name);
		free(v);
		return -1;
	}
	free(v);
	if (!(v = value(ld, s, "events", "", &e)))
		return -1;
	for (char *p = v; *p;) { /* a comma list, blanks around names and empty items skipped */
		size_t k = strcspn(p, ",");
		char *a = p, *b = p + k;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		unsigned m = b > a ? ev_mask_of(a, (size_t)(b - a)) : 0;
		if (b > a && !m) {
			for (char *c = a; c < b; c++)
				*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
			fail(ld, e->file->path, e->line, "Unknown event type %.*s in [%s] events", (int)(b - a), a, s->name);
			free(v);
			return -1;
		}
		lc->mask |= m;
		p += k + (p[k] == ',');
	}
	free(v);
	if (!lc->mask)
		return fail(ld, s->file->path, s->line, "[%s] section requires an \"events\" line", s->name);
	if (!(v = value(ld, s, "redirect_stderr", "false", &e)))
		return -1;
	bool on = false;
	parse_bool(v, &on); /* a bad value is told by the program keys */
	free(v);
	if (on)
		return fail(ld, e->file->path, e->line, "[%s] section sets redirect_stderr=true but this is not allowed "
			    "because it will interfere with the eventlistener protocol", s->name);
	return 0;
}

int load_listener(struct loader *ld, const struct ini_section *s, const char *name)
{
	struct listener_cfg *lc = arena_alloc(ld->keys.mem, sizeof *lc);
	if (!lc)
		return fail_alloc(ld, s->file->path, s->line);
	memset(lc, 0, sizeof *lc);
	int first = ld->cfg->nprogs;
	if (listener_keys(ld, s, lc) || load_program(ld, s, name))
		return -1;
	for (int i = first; i < ld->cfg->nprogs; i++) {
		struct program *p = &ld->cfg->progs[i];
		p->listener = lc;
		if ((lc->default_priority = !ini_get(s, "priority")))
			p->priority = -1; /* supervisord: listeners start first and stop last */
		if (p->out.kind != LOG_FILE)
			p->out.kind = LOG_NONE; /* its stdout is the protocol, never the console */
	}
	return 0;
}
