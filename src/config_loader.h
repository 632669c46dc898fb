/* config_loader.h — internal to the config parser: the state of one config_load() shared
 * by config.c (files, includes, messages), config_sections.c (every section but
 * [program:x]) and config_program.c ([program:x] and its numprocs instances). */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "config_keys.h"
#include "envlist.h"
#include "expand.h"
#include "ini.h"

#define MAX_PROCESSES 10000
#define MAX_INCLUDE_DEPTH 10

struct membership { /* one program listed by a [group:x] */
	char *group;
	int priority;
};

struct loader {
	struct ini ini;
	struct config *cfg;
	struct key_ctx keys;    /* the config's arena and the directory relative paths use */
	struct envlist sup_env; /* [supervisord] environment=, indexed for %(ENV_X)s and merges */
	char *err;
	size_t errlen;
	FILE *warn;
	char host[65];
	struct membership *members;
	int nmembers;
	int progcap; /* allocated length of cfg->progs */
	size_t expanded; /* bytes all expansions produced, against EXPAND_TOTAL_MAX */
};

/* "FILE:LINE: ..." (LINE <= 0: "FILE: ...") into ld->err; returns -1. */
int fail(struct loader *ld, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Out of memory, or the config's arena over its budget (then saying so). Returns -1. */
int fail_alloc(struct loader *ld, const char *file, int line);
/* "tend: FILE:LINE: warning: ..." on ld->warn, control bytes escaped. */
void warnf(struct loader *ld, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Expansion names that need no program: here, host_node_name, ENV_*. */
struct expand_ctx base_ctx(const struct loader *ld, const struct ini_entry *e);
/* VALUE of KEY expanded with X, errors reported at FILE:LINE; malloc'd, NULL after fail().
 * Counts the output against EXPAND_TOTAL_MAX, so no config keeps the loader busy for long. */
char *expand_at(struct loader *ld, const char *value, const struct expand_ctx *x, const char *key, const char *file, int line);
/* E's value expanded with X (its `here` set to E's own file). */
char *expand_entry(struct loader *ld, const struct ini_entry *e, struct expand_ctx x);

bool valid_name(const char *s);
bool has_prefix(const char *s, const char *prefix);

/* [supervisord] first (its environment= serves every other section), then the others,
 * then every [program:x] (they need all groups). */
int load_sections(struct loader *ld);
int load_program(struct loader *ld, const struct ini_section *s, const char *name);
int load_listener(struct loader *ld, const struct ini_section *s, const char *name); /* config_listener.c */
/* config_fcgi.c: [fcgi-program:NAME]'s socket keys (before its instances), into *out. */
struct fcgi_socket;
int load_fcgi(struct loader *ld, const struct ini_section *s, const char *name, const struct fcgi_socket **out);
/* config_sections.c: supervisord's octal_type() for a mode (0..07777), and
 * colon_separated_user_group() ("user" or "user:group", names or ids) into l->uid, l->gid. */
int parse_mode(const char *v, int *out);
int parse_owner(char *v, struct ctl_listen *l);

/* config_resolve.c: depends_on= and restart_with= resolved, cycles refused. */
int config_resolve_lifecycle(struct loader *ld);
