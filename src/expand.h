/* expand.h — the value syntaxes of supervisord's config: Python %-expansion, the command
 * line (shlex.split, POSIX mode) and environment= (legacy shlex). Pure string work for
 * config.c; every function reports a problem as a short reason in `why` (no FILE:LINE). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define EXPAND_MAX (1u << 20) /* an expanded value longer than this is an error */

/* The names %(...)s may use. NULL / false: not available for this key. */
struct expand_ctx {
	const char *here;
	const char *host_node_name;
	const char *program_name;
	const char *group_name;
	bool have_process_num, have_numprocs;
	int process_num, numprocs;
	/* ENV_X: looked up in env[1], then env[0] (NULL-terminated "K=V" lists, either may
	 * be NULL), then tend's environ. */
	char *const *env[2];
};

/* Python `value % names`: returns a malloc'd string, or NULL with
 * "cannot expand '%(x)s' in key 'KEY': reason" in why. */
char *expand_value(const char *value, const struct expand_ctx *x, const char *key, char *why, size_t whylen);

/* shlex.split(value) (POSIX: quotes group, backslash escapes, no comments).
 * Returns a NULL-terminated malloc'd argv (possibly empty), or NULL with a reason. */
char **split_command(const char *value, char *why, size_t whylen);

/* supervisord 4.2.5's dict_of_key_value_pairs(): KEY=VAL pairs separated by commas, merged
 * into *env ("K=V", NULL-terminated; a key already there gets the new value in place).
 * Returns 0, or -1 with a reason. */
int parse_environment(const char *value, char ***env, char *why, size_t whylen);

/* Set KEY (KLEN bytes) to VAL in a "K=V" list: replace in place or append. -1: no memory. */
int env_set(char ***env, const char *key, size_t klen, const char *val);

void strv_free(char **v);
char **strv_dup(char *const *v); /* NULL in, NULL out; NULL on failure too, so check `v && !copy` */
int strv_len(char *const *v);
