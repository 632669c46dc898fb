/* config_keys.c — [program:x] keys and supervisord's value types (options.py's boolean,
 * integer, byte_size, list_of_exitcodes, octal_type, signal_number, logfile_name). */
#include "config_keys.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "expand.h"
#include "intparse.h"
#include "pathname.h"
#include "signame.h"

int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	}
	return -1;
}

int parse_int(const char *v, long long lo, long long hi, long long *out)
{
	char *end;
	if (!*v || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	long long n = str_to_ll(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

int parse_bytes(const char *v, long long *out)
{
	static const char *const suffix[] = {"kb", "mb", "gb"};
	char num[32];
	size_t n = strlen(v);
	long long mult = 1;
	for (int i = 0; i < 3; i++)
		if (n >= 2 && !strcasecmp(v + n - 2, suffix[i])) {
			mult = 1LL << (10 * (i + 1));
			n -= 2;
		}
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= sizeof num)
		return -1;
	memcpy(num, v, n);
	num[n] = 0;
	return parse_int(num, 0, LLONG_MAX / mult, out) ? -1 : (*out *= mult, 0);
}

static int parse_exitcodes(const char *v, unsigned char *bits)
{
	memset(bits, 0, 32);
	for (const char *p = v;;) {
		char num[16];
		size_t n = strcspn(p, ",");
		long long code;
		while (n && isspace((unsigned char)*p))
			p++, n--;
		size_t k = n;
		while (k && isspace((unsigned char)p[k - 1]))
			k--;
		if (k >= sizeof num)
			return -1;
		memcpy(num, p, k);
		num[k] = 0;
		if (parse_int(num, 0, 255, &code))
			return -1;
		bits[code / 8] |= 1 << (code % 8);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* A decimal up to 10^6 with up to SCALE's digits after the point, times SCALE (10^k); -1:
 * not one; *end: what follows (a digit if it was too large). */
static long long parse_fixed(const char *v, long long scale, const char **end)
{
	long long n = 0, f = scale;
	if (!isdigit((unsigned char)*v))
		return -1;
	for (; isdigit((unsigned char)*v) && n <= 100000; v++)
		n = n * 10 + *v - '0';
	n *= scale;
	if (*v == '.')
		for (v++; isdigit((unsigned char)*v) && f > 1; v++)
			f /= 10, n += f * (*v - '0');
	*end = v;
	return n;
}

/* memory_max: bytes with K, M, G (or KB, MB, GB); pids_max: a count; cpu_max: CPUs (0.5)
 * or a share (50%) as microseconds per 100 ms, 1 ms at least; each also "max" (-1). */
static int parse_limit(const char *v, int kind, long long *out)
{
	const char *end = NULL; /* set by every parse below; gcc cannot tell under -fno-thread-jumps */
	long long n;
	if (!*v)
		return -1;
	if (!strcasecmp(v, "max"))
		return *out = -1, 0;
	if (kind == V_PIDS_MAX)
		return parse_int(v, 1, INT_MAX, out);
	if (kind == V_CPU_MAX) {
		n = parse_fixed(v, v[strlen(v) - 1] == '%' ? 1000 : 100000, &end);
		return n < 1000 || n > INT_MAX || (*end && strcmp(end, "%")) || (*end == '%') != (v[strlen(v) - 1] == '%') ? -1 : (*out = n, 0);
	}
	char kb[40]; /* K, M, G: byte_size's KB, MB, GB */
	size_t len = strlen(v);
	if (len && len < 32 && strchr("kKmMgG", v[len - 1]))
		v = (snprintf(kb, sizeof kb, "%sB", v), kb);
	return parse_bytes(v, out) || *out <= 0 ? -1 : 0;
}

static int parse_umask(const char *v, int *out)
{
	char *end;
	if (!strncasecmp(v, "0o", 2)) /* Python's int(v, 8) accepts the 0o prefix */
		v += 2;
	if (!*v || !strchr("01234567", *v))
		return -1;
	long n = str_to_ll(v, &end, 8);
	if (*end || n > 0777)
		return -1;
	*out = (int)n;
	return 0;
}

int existing_dirpath(const char *v, struct key_ctx *kc, char **out, char *why, size_t whylen)
{
	char path[PATH_MAX];
	if (path_expand_user(v, path, sizeof path))
		return snprintf(why, whylen, "path too long: '%.100s...'", v), -1;
	if (path_dir_missing(path, kc->cwd, kc->checked_dir)) /* supervisord's words */
		return snprintf(why, whylen, "The directory named as part of the path %.300s does not exist", v), 1;
	if (path[0] != '/' && !kc->cwd)
		return snprintf(why, whylen, "relative path %.300s, but the current directory is unknown", v), -1;
	if (!(*out = path_absolute(kc->mem, kc->cwd, path)))
		return snprintf(why, whylen, "out of memory"), -1;
	return 0;
}

/* NONE/off, AUTO, /dev/stdout, /dev/stderr, /dev/fd/N; tend also maps /proc/self/fd/N to
 * fd N. Anything else is a file path, whose directory must exist (as in supervisord). */
static int parse_logfile(const char *v, struct log_target *t, struct key_ctx *kc, char *why, size_t whylen)
{
	static const char *const fdpfx[] = {"/dev/fd/", "/proc/self/fd/"};
	long long fd;
	t->path = NULL;
	t->kind = LOG_FD;
	if (!*v || !strcasecmp(v, "none") || !strcasecmp(v, "off"))
		return t->kind = LOG_NONE, 0; /* supervisord: an empty path means no log file too */
	if (!strcasecmp(v, "auto") || !strcasecmp(v, "syslog"))
		return t->kind = LOG_DEFAULT, 0;
	if (!strcmp(v, "/dev/stdout") || !strcmp(v, "/dev/stderr"))
		return t->fd = strcmp(v, "/dev/stdout") ? 2 : 1, 0;
	for (int i = 0; i < 2; i++)
		if (!strncmp(v, fdpfx[i], strlen(fdpfx[i])) && !parse_int(v + strlen(fdpfx[i]), 0, INT_MAX, &fd) &&
		    isdigit((unsigned char)v[strlen(fdpfx[i])]))
			return t->fd = (int)fd, 0;
	t->kind = LOG_FILE;
	return existing_dirpath(v, kc, &t->path, why, whylen) ? -1 : 0;
}

/* ---- [program:x] keys ------------------------------------------------------------------ */

#define F(field) offsetof(struct program, field)
_Static_assert(sizeof(struct program) <= 65535, "keydef.off is an unsigned short");
static const struct keydef program_keys[] = {
	{"command", 0, V_COMMAND},
	{"process_name", 0, V_EARLY},
	{"numprocs", 0, V_EARLY},
	{"numprocs_start", 0, V_EARLY},
	{"environment", 0, V_EARLY},
	{"priority", F(priority), V_INT},
	{"autostart", F(autostart), V_BOOL},
	{"startsecs", F(startsecs), V_COUNT},
	{"startretries", F(startretries), V_COUNT},
	{"autorestart", 0, V_AUTORESTART},
	{"exitcodes", 0, V_EXITCODES},
	{"stopsignal", 0, V_SIGNAL},
	{"stopwaitsecs", F(stopwaitsecs), V_COUNT},
	{"stopasgroup", F(stopasgroup), V_BOOL},
	{"killasgroup", F(killasgroup), V_BOOL},
	{"user", F(user), V_STR},
	{"directory", F(directory), V_STR},
	{"umask", 0, V_UMASK},
	{"redirect_stderr", F(redirect_stderr), V_BOOL},
	{"stdout_logfile", F(out), V_LOGFILE},
	{"stderr_logfile", F(err), V_LOGFILE},
	{"stdout_logfile_maxbytes", F(out.maxbytes), V_BYTES},
	{"stderr_logfile_maxbytes", F(err.maxbytes), V_BYTES},
	{"stdout_logfile_backups", F(out.backups), V_COUNT},
	{"stderr_logfile_backups", F(err.backups), V_COUNT},
	{"containment", F(containment), V_BOOL},
	{"shutdown_on", 0, V_SHUTDOWN_ON},
	{"tail_bytes", 0, V_TAIL_BYTES},
	{"memory_max", 0, V_MEMORY_MAX},
	{"pids_max", 0, V_PIDS_MAX},
	{"cpu_max", 0, V_CPU_MAX},
	{"ready", 0, V_LIFECYCLE},
	{"ready_timeout", 0, V_LIFECYCLE},
	{"ready_interval", 0, V_LIFECYCLE},
	{"healthcheck", 0, V_LIFECYCLE},
	{"health_interval", 0, V_LIFECYCLE},
	{"health_timeout", 0, V_LIFECYCLE},
	{"health_retries", 0, V_LIFECYCLE},
	{"health_start_period", 0, V_LIFECYCLE},
	{"health_action", 0, V_LIFECYCLE},
	{"watchdog_sec", 0, V_LIFECYCLE},
	{"depends_on", 0, V_LIFECYCLE},
	{"depends_timeout", 0, V_LIFECYCLE},
	{"on_dependency_failure", 0, V_LIFECYCLE},
	{"restart_with", 0, V_LIFECYCLE},
	{"socket", 0, V_FCGI},
	{"socket_backlog", 0, V_FCGI},
	{"socket_owner", 0, V_FCGI},
	{"socket_mode", 0, V_FCGI},
	{"serverurl", 0, V_IGNORED},
	{"stdout_capture_maxbytes", F(out_capture), V_BYTES},
	{"stderr_capture_maxbytes", F(err_capture), V_BYTES},
	{"stdout_events_enabled", F(out_events), V_BOOL},
	{"stderr_events_enabled", F(err_events), V_BOOL},
	{"events", 0, V_IGNORED}, /* [eventlistener:x]'s, read by config_listener.c */
	{"buffer_size", 0, V_IGNORED},
	{"result_handler", 0, V_IGNORED},
	{"stdout_syslog", 0, V_IGNORED},
	{"stderr_syslog", 0, V_IGNORED},
};
#undef F

const struct keydef *find_program_key(const char *key)
{
	for (size_t i = 0; i < sizeof program_keys / sizeof *program_keys; i++)
		if (!strcmp(program_keys[i].key, key))
			return &program_keys[i];
	return NULL;
}

const char *key_expect(const struct keydef *k)
{
	static const char *const expect[] = {
		[V_INT] = "an integer",
		[V_COUNT] = "a non-negative integer",
		[V_AUTORESTART] = "true, false or unexpected",
		[V_EXITCODES] = "a comma-separated list of exit codes 0-255",
		[V_SIGNAL] = "a signal name or number",
		[V_UMASK] = "an octal number such as 022",
		[V_BYTES] = "a size such as 50MB, 1024KB or 0",
		[V_SHUTDOWN_ON] = "exit, fatal or never",
		[V_TAIL_BYTES] = "a size up to 64MB such as 1MB, 64KB or 0",
		[V_MEMORY_MAX] = "a size such as 512M, 2G or max",
		[V_PIDS_MAX] = "a positive integer or max",
		[V_CPU_MAX] = "CPUs such as 0.5 or 2, a share such as 50%, or max",
	};
	return k->kind < sizeof expect / sizeof *expect ? expect[k->kind] : NULL;
}

int apply_program_key(struct program *p, const struct keydef *k, const char *v, struct key_ctx *kc,
		      char *why, size_t whylen)
{
	char *base = (char *)p, reason[256];
	long long n;
	bool b;
	switch (k->kind) {
	case V_IGNORED:
	case V_EARLY:
		return 0;
	case V_COMMAND:
		if (!(p->argv = split_command(v, kc->mem, reason, sizeof reason)))
			return snprintf(why, whylen, "cannot parse command '%.200s': %s", v, reason), -1;
		if (!p->argv[0])
			return snprintf(why, whylen, "command is empty"), -1;
		return 0;
	case V_BOOL:
		if (parse_bool(v, &b))
			return 1;
		*(bool *)(base + k->off) = b;
		return 0;
	case V_INT:
	case V_COUNT:
		if (parse_int(v, k->kind == V_INT ? INT_MIN : 0, INT_MAX, &n))
			return 1;
		*(int *)(base + k->off) = (int)n;
		return 0;
	case V_BYTES:
		if (parse_bytes(v, &n))
			return 1;
		*(long long *)(base + k->off) = n;
		return 0;
	case V_TAIL_BYTES:
		if (parse_bytes(v, &n) || n > TAIL_BYTES_MAX)
			return 1;
		p->tail_bytes = n;
		return 0;
	case V_MEMORY_MAX:
	case V_PIDS_MAX:
	case V_CPU_MAX:
		if (parse_limit(v, k->kind, &n))
			return 1;
		p->limit[k->kind - V_MEMORY_MAX] = n;
		return 0;
	case V_STR:
		*(char **)(base + k->off) = *v ? arena_strdup(kc->mem, v) : NULL; /* empty: as if unset */
		return *v && !*(char **)(base + k->off) ? (snprintf(why, whylen, "out of memory"), -1) : 0;
	case V_AUTORESTART:
		if (!strcasecmp(v, "unexpected"))
			p->autorestart = RESTART_UNEXPECTED;
		else if (parse_bool(v, &b))
			return 1;
		else
			p->autorestart = b ? RESTART_TRUE : RESTART_FALSE;
		return 0;
	case V_EXITCODES:
		return parse_exitcodes(v, p->exitcodes) ? 1 : 0;
	case V_SIGNAL:
		return (p->stopsignal = sig_parse(v, 0)) < 0 ? 1 : 0;
	case V_UMASK:
		return parse_umask(v, &p->umask) ? 1 : 0;
	case V_LIFECYCLE:
		return apply_lifecycle_key(p, k->key, v, kc, why, whylen);
	case V_LOGFILE:
		return parse_logfile(v, (struct log_target *)(base + k->off), kc, why, whylen);
	case V_SHUTDOWN_ON:
		if (!strcasecmp(v, "exit"))
			p->shutdown_on = SHUTDOWN_ON_EXIT;
		else if (!strcasecmp(v, "fatal"))
			p->shutdown_on = SHUTDOWN_ON_FATAL;
		else if (!strcasecmp(v, "never"))
			p->shutdown_on = SHUTDOWN_NEVER;
		else
			return 1;
		return 0;
	}
	return 1;
}

void program_defaults(struct program *p)
{
	memset(p, 0, sizeof *p);
	p->priority = 999;
	p->autostart = true;
	p->startsecs = 1;
	p->startretries = 3;
	p->autorestart = RESTART_UNEXPECTED;
	p->exitcodes[0] = 1; /* exit code 0 */
	p->stopsignal = SIGTERM;
	p->stopwaitsecs = 10;
	p->umask = -1;
	p->out = (struct log_target){.kind = LOG_DEFAULT, .fd = 1, .maxbytes = 50LL << 20, .backups = 10};
	p->err = (struct log_target){.kind = LOG_DEFAULT, .fd = 2, .maxbytes = 50LL << 20, .backups = 10};
	p->containment = true;
	p->tail_bytes = TAIL_BYTES_DEFAULT;
	lifecycle_defaults(&p->lc);
}
