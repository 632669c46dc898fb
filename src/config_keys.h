/* config_keys.h — internal to the config parser: the [program:x] key table, supervisord's
 * value types (booleans, byte sizes, exit codes...) and struct program's lifecycle. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum vkind {
	V_IGNORED, /* supervisord keys tend accepts without acting on them */
	V_EARLY,   /* read before the others: numprocs, numprocs_start, process_name, environment */
	V_COMMAND, V_BOOL, V_INT, V_COUNT, V_STR, V_AUTORESTART, V_EXITCODES, V_SIGNAL,
	V_UMASK, V_LOGFILE, V_BYTES, V_SHUTDOWN_ON,
};

struct keydef {
	const char *key;
	enum vkind kind;
	size_t off;         /* of the field in struct program, for the generic kinds */
	const char *expect; /* for "invalid value" messages */
};

const struct keydef *find_program_key(const char *key); /* NULL: unknown key */

/* Store the (expanded) value V of key K into P. Returns 0; 1 when V is not a valid value
 * (the caller names key, value and k->expect); -1 with a reason in why otherwise. */
int apply_program_key(struct program *p, const struct keydef *k, const char *v, char *why, size_t whylen);

int parse_bool(const char *v, bool *out);
int parse_int(const char *v, long long lo, long long hi, long long *out);

void program_defaults(struct program *p);
void program_free(struct program *p);
