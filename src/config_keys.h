/* config_keys.h — internal to the config parser: the [program:x] key table, supervisord's
 * value types (booleans, byte sizes, exit codes...) and struct program's defaults. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define TAIL_BYTES_DEFAULT (1LL << 20) /* [supervisord] and [program:x] tail_bytes= */
#define TAIL_BYTES_MAX (64LL << 20)    /* [program:x] tail_bytes=: per stream */

/* Where stored values go and how relative paths resolve. */
struct key_ctx {
	struct arena *mem;         /* the config's memory: every stored string and vector */
	const char *cwd;           /* absolute; NULL when unknown (then relative paths are errors) */
	char checked_dir[PATH_MAX]; /* the last log directory found to exist */
};

enum vkind {
	V_IGNORED, /* supervisord keys tend accepts without acting on them */
	V_EARLY,   /* read before the others: numprocs, numprocs_start, process_name, environment */
	V_COMMAND, V_BOOL, V_INT, V_COUNT, V_STR, V_AUTORESTART, V_EXITCODES, V_SIGNAL,
	V_UMASK, V_LOGFILE, V_BYTES, V_SHUTDOWN_ON, V_TAIL_BYTES,
	V_MEMORY_MAX, V_PIDS_MAX, V_CPU_MAX, /* cgroup limits (cgroup.c) */
	V_LIFECYCLE, /* tend's lifecycle keys: config_lifecycle.c */
	V_FCGI,      /* [fcgi-program:x]'s socket keys, read before the instances (config_fcgi.c) */
};

/* 16 bytes an entry (the static size budget: the table has one per key) */
struct keydef {
	const char *key;
	unsigned short off; /* of the field in struct program, for the generic kinds */
	unsigned char kind; /* enum vkind */
};

const struct keydef *find_program_key(const char *key); /* NULL: unknown key */
/* What a valid value of K looks like, for "invalid value" messages; NULL for the kinds
 * that have no such words (a bad value of those is reported as a bad boolean's). */
const char *key_expect(const struct keydef *k);

/* Store the (expanded) value V of key K into P, allocating in kc->mem (nothing is freed:
 * a value replaced is garbage until the config goes). Returns 0; 1 when V is not a valid
 * value (the caller names key, value and k->expect); -1 with a reason in why otherwise. */
int apply_program_key(struct program *p, const struct keydef *k, const char *v, struct key_ctx *kc,
		      char *why, size_t whylen);

/* supervisord's existing_dirpath() and then absolute: V with `~` expanded, its directory
 * checked (1: missing, with supervisord's message in why), resolved against kc->cwd.
 * Returns 0 with *out in kc->mem, 1 or -1 (no memory, too long, no cwd) with a reason. */
int existing_dirpath(const char *v, struct key_ctx *kc, char **out, char *why, size_t whylen);

int parse_bool(const char *v, bool *out);
/* supervisord's byte_size: a decimal number with an optional KB/MB/GB suffix (any case,
 * blanks before it allowed), 1KB = 1024. tend: negative sizes are errors. */
int parse_bytes(const char *v, long long *out);
int parse_int(const char *v, long long lo, long long hi, long long *out);

void program_defaults(struct program *p);

/* config_lifecycle.c: the lifecycle keys (ready=, healthcheck=, depends_on=, ...); same
 * contract as apply_program_key. */
int apply_lifecycle_key(struct program *p, const char *key, const char *v, struct key_ctx *kc, char *why,
			size_t whylen);
void lifecycle_defaults(struct lifecycle *lc);
