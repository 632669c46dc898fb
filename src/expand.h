/* expand.h — the value syntaxes of supervisord's config: Python %-expansion, the command
 * line (shlex.split, POSIX mode) and environment= (legacy shlex). Pure string work for
 * config.c; every function reports a problem as a short reason in `why` (no FILE:LINE). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define EXPAND_MAX (1u << 20)        /* an expanded value longer than this is an error */
#define EXPAND_TOTAL_MAX (128u << 20) /* all expansions of one load, instances included */

struct arena;
struct envlist;

/* The names %(...)s may use. NULL / false: not available for this key. */
struct expand_ctx {
	const char *here;
	const char *host_node_name;
	const char *program_name;
	const char *group_name;
	bool have_process_num, have_numprocs;
	int process_num, numprocs;
	/* ENV_X: looked up in env[1], then env[0] (either may be NULL), then tend's environ. */
	const struct envlist *env[2];
};

/* Python `value % names`: returns a malloc'd string, or NULL with
 * "cannot expand '%(x)s' in key 'KEY': reason" in why. */
char *expand_value(const char *value, const struct expand_ctx *x, const char *key, char *why, size_t whylen);

/* Which names VALUE uses (only meaningful for a value that expands without error): an
 * instance of a [program:x] must expand a value again only if it depends on process_num. */
#define REF_PROCESS_NUM 1u
#define REF_ENV 2u /* some %(ENV_X)s */
unsigned expand_refs(const char *value);

/* shlex.split(value) (POSIX: quotes group, backslash escapes, no comments).
 * Returns a NULL-terminated argv (possibly empty) in A, or NULL with a reason. */
char **split_command(const char *value, struct arena *a, char *why, size_t whylen);

/* supervisord 4.2.5's dict_of_key_value_pairs(): KEY=VAL pairs separated by commas, put
 * into ENV (the "K=V" strings in A; a key already there gets the new value in place).
 * Returns 0, or -1 with a reason ("out of memory" also when A is over its budget). */
int parse_environment(const char *value, struct envlist *env, struct arena *a, char *why, size_t whylen);
