/* config.h — the parsed supervisord-style configuration: what tend runs.
 * Pure data; config.c fills it from ini.c's sections, nothing here touches processes.
 * Every string and vector below lives in the config's arena and may be shared (by the
 * numprocs instances of a program, by programs with the same environment): treat them
 * as read-only and owned by the config; config_free releases them all. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum autorestart { RESTART_FALSE, RESTART_UNEXPECTED, RESTART_TRUE };

/* tend extension `shutdown_on=`: the container's fate follows this service. */
enum shutdown_on { SHUTDOWN_NEVER, SHUTDOWN_ON_EXIT, SHUTDOWN_ON_FATAL };

enum log_kind {
	LOG_DEFAULT, /* unset or AUTO: prefixed lines on tend's own stdout/stderr */
	LOG_NONE,    /* NONE/off: drained and dropped */
	LOG_FD,      /* /dev/stdout, /dev/stderr, /dev/fd/N: prefixed lines on fd N */
	LOG_FILE,    /* a path: raw lines appended, rotated by size */
};

struct log_target {
	enum log_kind kind;
	int fd;             /* LOG_FD: 1, 2 or N */
	char *path;         /* LOG_FILE: absolute (resolved at load time), expanded */
	long long maxbytes; /* 0 = never rotate; default 50MB */
	int backups;        /* default 10 */
};

/* tend extensions for the container lifecycle (docs/lifecycle.md): how readiness and
 * health are judged. TCP and HTTP hosts are numeric (or "localhost"): tend does no DNS. */
enum probe_kind { PROBE_NONE, PROBE_FD, PROBE_NOTIFY, PROBE_TCP, PROBE_HTTP, PROBE_EXEC, PROBE_LOG };
struct probe_spec {
	enum probe_kind kind;
	int fd;     /* FD: the descriptor number the service writes its newline to */
	char *host; /* TCP, HTTP: numeric IPv4/IPv6 address */
	int port;
	char *arg;  /* HTTP: the path; EXEC: the shell command; LOG: the extended regex */
};

/* depends_on= conditions, as process-compose names them (without its process_ prefix) */
enum dep_cond { DEP_STARTED, DEP_READY, DEP_HEALTHY, DEP_COMPLETED, DEP_COMPLETED_OK };
struct dep {
	const struct program *on; /* resolved after every program is loaded */
	enum dep_cond cond;
};

const char *dep_cond_name(enum dep_cond c); /* "ready", "completed_successfully", ... */

struct lifecycle {
	struct probe_spec ready, health;
	long long ready_timeout, ready_interval;        /* ms */
	long long health_interval, health_timeout, health_start; /* ms */
	int health_retries;
	bool health_restart;   /* health_action = restart (default) or none */
	long long watchdog;    /* watchdog_sec in ms, 0: none */
	char *depends_raw;     /* depends_on= and restart_with= as written (resolved into deps) */
	char *restart_with_raw;
	struct dep *deps;      /* depends_on= resolved: one entry per process named */
	int ndeps;
	const struct program **restart_with;
	int nrestart_with;
	long long depends_timeout; /* ms */
	bool dep_fail_stop;    /* on_dependency_failure = stop (default keep) */
};

/* [eventlistener:x]: what its pool subscribes to (events.h's mask) and buffers. */
struct listener_cfg {
	unsigned mask;
	int buffer_size;
	bool default_priority; /* no priority=: the pool's is -1 and its processes' 999, as supervisord's */
};

/* One process instance: a [program:x] expanded by numprocs. */
struct program {
	char *name;    /* process name after expansion, e.g. "web_05" */
	char *group;   /* [group:g] that lists the program, else the program name */
	char *program; /* the section's program name */
	int process_num;
	char **argv;   /* command split like supervisord (shlex, POSIX), NULL-terminated */
	int priority;
	bool autostart;
	int startsecs;
	int startretries;
	enum autorestart autorestart;
	unsigned char exitcodes[32]; /* bitmap of expected exit codes 0..255 */
	int stopsignal;
	int stopwaitsecs;
	bool stopasgroup, killasgroup;
	char *user;      /* NULL: do not change */
	char *directory; /* NULL: tend's cwd */
	int umask;       /* -1: inherit */
	char **env;      /* "K=V" to set, in order: [supervisord] environment, then the program's
			  * (a key in both once, with the program's value); NULL: none. Shared. */
	bool redirect_stderr;
	struct log_target out, err;
	bool out_events, err_events;    /* stdout/stderr_events_enabled: PROCESS_LOG events */
	long long out_capture, err_capture; /* stdout/stderr_capture_maxbytes: PROCESS_COMMUNICATION */
	const struct listener_cfg *listener; /* [eventlistener:x], NULL for a program */
	/* tend extensions */
	bool containment;          /* `containment=` (default true): keeper stops leftovers */
	enum shutdown_on shutdown_on;
	/* `tail_bytes=` (byte_size syntax, default 1 MiB, 0..64 MiB; 0 disables): the last bytes
	 * of each output stream kept in memory for supervisorctl tail */
	long long tail_bytes;
	struct lifecycle lc;
	const struct fcgi_socket *fcgi; /* [fcgi-program:x]: its pool's socket, fd 0 (fcgi.h); NULL for programs */
	/* memory_max= (memory.max, bytes), pids_max= (pids.max), cpu_max= (cpu.max: quota in us
	 * per 100 ms), in the order of cgroup_limit_files: 0 unset, -1 max */
	long long limit[3];
	/* where it was defined, for messages */
	char *file;
	int line;
};

/* [unix_http_server] or [inet_http_server]: where the control server listens. */
struct ctl_listen {
	bool set;                  /* the section exists */
	char *file;                /* unix: absolute path (normalize_path) */
	int chmod;                 /* unix: mode, default 0700 */
	bool chown_set;            /* unix: chown=user[:group], resolved to ids at load time */
	uid_t uid;
	gid_t gid;                 /* (gid_t)-1 when only a user is given: the group is left alone */
	char *host;                /* inet: "" for all interfaces ("*:9001", ":9001", "9001") */
	int port;                  /* inet */
	char *username, *password; /* NULL: no authentication; password may be "{SHA}hex" */
};

struct arena;

struct config {
	char *path;               /* the main file, absolute */
	char *cwd;                /* what relative paths were resolved against (absolute), or NULL
				   * if the working directory was unknown and nothing needed it */
	struct program *progs;    /* in file order (includes in sorted glob order) */
	int nprogs;
	char **env;               /* [supervisord] environment=, "K=V", NULL-terminated */
	struct ctl_listen unix_srv, inet_srv; /* the control server's sockets */
	char *identifier;         /* [supervisord] identifier= (getIdentification), default "supervisor" */
	/* tend extension [supervisord] tail_bytes= (byte_size, default 1 MiB, 0 disables): the
	 * in-memory ring of tend's own log that supervisorctl maintail reads */
	long long tail_bytes;
	/* [supervisord] pidfile=: absolute, its directory checked at load time. NULL when the
	 * key is not given: tend writes a pidfile only when asked (supervisord defaults to
	 * supervisord.pid in its cwd). Written after start-up, removed at exit (main.c). */
	char *pidfile;
	/* [supervisord] minfds= (default 1024) and minprocs= (default 200): at start-up tend
	 * raises RLIMIT_NOFILE / RLIMIT_NPROC's soft limit (and the hard one if needed) to at
	 * least this, as supervisord does; a failure is fatal there ("lower minfds..."). */
	long long minfds, minprocs;
	/* tend extension [supervisord] stop_budget= (seconds, default 10: docker/podman stop's
	 * timeout; 0: no check): -v warns when a shutdown can take longer (stop_budget.c) */
	long long stop_budget;    /* ms */
	/* tend extensions [supervisord] log_format= and log_timestamps= (LOG_FORMAT, LOG_STAMPS):
	 * the console's format (docs/logging.md); 0 when not given, else LOG_CHOICE_OFF/ON */
	unsigned char log[2];
	char *cgroup;             /* [supervisord] cgroup=: NULL (auto), "off" or an absolute path */
	const char *cg_parent, *cg_why; /* --check: what cgroup_detect found */
	struct arena *mem;        /* owns every string and vector of the config */
};

/* The console's two settings (docs/logging.md), from the command line, the environment or
 * [supervisord]: LOG_FORMAT (text or json), LOG_STAMPS (a boolean: text lines stamped). */
enum { LOG_FORMAT, LOG_STAMPS };
enum { LOG_CHOICE_OFF = 1, LOG_CHOICE_ON = 2 }; /* text/false, json/true; 0: not given */
/* Each setting's [supervisord] key, environment variable, and what its values look like. */
extern const char *const log_setting[2][3];
int log_choice(const char *v, int which); /* V as a value of setting WHICH: LOG_CHOICE_*, or -1 */

static inline bool exitcode_expected(const struct program *p, int code)
{
	return code >= 0 && code < 256 && (p->exitcodes[code / 8] >> (code % 8)) & 1;
}

/* Parse PATH (and its includes). On error returns -1 with "FILE:LINE: what is wrong"
 * in err (no trailing newline, control bytes escaped as \xNN); warnings (unknown keys,
 * globs that match nothing) are written to `warn` as "tend: FILE:LINE: warning: ..." lines.
 * `warn` may be NULL. Relative paths (PATH itself, log files, pidfile) are resolved against
 * the current directory, once, so the result does not depend on it afterwards. */
int config_load(const char *path, struct config *out, char *err, size_t errlen, FILE *warn);
/* The same with relative paths resolved against CWD (absolute) instead: for a SIGHUP
 * reload once tend has left its start directory, pass the running config's `cwd`. */
int config_load_in(const char *cwd, const char *path, struct config *out, char *err, size_t errlen, FILE *warn);
void config_free(struct config *c);

/* `tend -c FILE --check`: the effective services, one block each. */
void config_print(const struct config *c, FILE *f);

/* config_lifecycle.c: the lifecycle keys compared (by the names they refer to) and shown. */
bool lifecycle_equal(const struct lifecycle *a, const struct lifecycle *b);
void lifecycle_print(FILE *f, const struct lifecycle *lc);

/* Same effective settings (for SIGHUP: unchanged services keep running). */
bool program_equal(const struct program *a, const struct program *b);
