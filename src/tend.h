/* tend.h — the one state struct and the interfaces between the duties.
 * Each duty lives in the file named after it: loop.c, signals.c, reap.c, spawn.c,
 * keeper.c, service.c, log.c, sink.c, msg.c, persona.c. */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "config.h"
#include "ring.h"

#define TEND_VERSION "0.1.0"

/* The struct that holds MEMBER at PTR (watch and timer callbacks get the member). */
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

enum persona { PERSONA_TEND, PERSONA_TINI, PERSONA_DUMB_INIT };

struct tend;
struct conn;

/* ---- loop.c: one epoll, one timerfd, one signalfd ---- */
struct watch;
typedef void watch_fn(struct tend *t, struct watch *w, uint32_t events);
struct watch {
	int fd;
	watch_fn *fn;
	uint32_t events; /* currently registered, 0 = not registered */
};

struct timer;
typedef void timer_fn(struct tend *t, struct timer *tm);
struct timer {
	uint64_t due;       /* CLOCK_MONOTONIC, ms */
	timer_fn *fn;
	struct timer *next; /* in the sorted list of armed timers */
	bool armed;
};

uint64_t now_ms(void);
int loop_init(struct tend *t);
int loop_watch(struct tend *t, struct watch *w, int fd, uint32_t events, watch_fn *fn);
void loop_events(struct tend *t, struct watch *w, uint32_t events);
void loop_unwatch(struct tend *t, struct watch *w);
void timer_arm(struct tend *t, struct timer *tm, uint64_t delay_ms, timer_fn *fn);
void timer_cancel(struct tend *t, struct timer *tm);
/* Until t->done; BEFORE_SLEEP runs after each turn's events, before waiting again
 * (work that one event causes is judged once the handlers have settled). */
void loop_run(struct tend *t, void (*before_sleep)(struct tend *t));

/* ---- msg.c: tend's own lines, never blocking ---- */
enum { V_WARN = 1, V_INFO = 2, V_DEBUG = 3 };
void say(struct tend *t, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void die(struct tend *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
void say_finish(struct tend *t); /* at exit: what waits for a slow reader, within a bound */
/* strerror(errno): one call in place of three instructions at each of ~70 messages (~0.4 KB) */
const char *errstr(void);
/* dumb-init's own -v / DUMB_INIT_DEBUG=1 lines, worded as dumb-init 1.2.5 words them; the
 * dumb-init persona prints no other informational line, the other personas never these. */
#define dumb_say(t, ...)                                                                 \
	do {                                                                             \
		if ((t)->opt.dumb_debug)                                                 \
			say((t), 0, __VA_ARGS__);                                        \
	} while (0)

/* ---- signals.c ---- */
void signals_block_all(sigset_t *old); /* first thing in main() */
int signals_open(struct tend *t);
void signals_forward(struct tend *t, int sig);
bool signal_was_sent(int sig, int si_code); /* false: a fault the kernel raised in tend */

/* ---- reap.c: every exit goes to one dispatcher, which never re-enters reaping ---- */
void reap_all(struct tend *t);
void reap_check_done(struct tend *t); /* the loop's before_sleep: is the work over? */
int exit_code_of(int wstatus);

/* ---- spawn.c ---- */
pid_t spawn_exec_child(struct tend *t);
void child_reset_signals(struct tend *t);

/* ---- persona.c ---- */
void persona_parse(struct tend *t, int argc, char **argv);
/* BASE (argv[0]'s file name) makes tend another init (tini, dumb-init): `ctl` is then a
 * program to run, not tend's client. */
bool persona_foreign(const char *base);
/* persona_supervisord.c: tend named supervisord */
void parse_supervisord(struct tend *t, int argc, char **argv);
struct config;
struct options;
/* After every load of the config (start, reload, restart): supervisord's command-line
 * settings win over the file's. */
void persona_config_overrides(const struct options *o, struct config *cf);

/* ---- service.c / keeper.c / log.c (supervision mode) ---- */
struct svc;
int services_start(struct tend *t);
void services_stop_all(struct tend *t);
void services_reload(struct tend *t);
void services_cleanup(struct tend *t); /* at exit: the pidfile */
bool services_reap(struct tend *t, pid_t pid, int wstatus);
bool services_idle(struct tend *t);
void logs_reopen(struct tend *t);
void depend_turn(struct tend *t); /* depend.c, before sleep: dependency waits and policies */

struct options {
	enum persona persona;
	int verbosity;
	bool pgroup;      /* signal the child's process group */
	bool setsid;      /* dumb-init's setsid mode */
	bool warn_reap;   /* tini -w */
	bool reset_ign;   /* dumb-init resets inherited SIG_IGN for 1..31 */
	bool dumb_debug;  /* dumb-init -v / DUMB_INIT_DEBUG=1 (see dumb_say) */
	int rewrite[65];  /* -1: unchanged, 0: drop, else the new signal */
	unsigned char expect[32]; /* -e codes mapped to 0 */
	int pdeathsig;
	int grace_ms;
	char **argv;      /* the main command, or NULL */
	const char *config;
	bool check;
	unsigned char log[2];  /* --log-format, --log-timestamps (config.h's LOG_FORMAT, LOG_STAMPS) */
	/* supervisord's -j, -i, -a, --minprocs (persona_supervisord.c): override the file's;
	 * NULL or LLONG_MIN when not given */
	const char *sv_pidfile, *sv_identifier;
	long long sv_minfds, sv_minprocs;
};

struct tend {
	struct options opt;
	const char *name; /* message prefix: "tend", "tini", "dumb-init" */
	pid_t self;
	bool pid1;
	sigset_t orig_mask;     /* as inherited: the tini persona's child gets it back */

	int epfd;
	struct watch sigw, timerw;
	struct timer *timers;
	uint64_t timer_set; /* what the timerfd is armed for, 0 = disarmed */
	bool done;
	int exit_code;

	/* exec mode: the main child */
	pid_t child;
	bool child_running;
	int child_status;
	bool draining, killing; /* main child gone, waiting for the rest */
	struct timer grace;
	bool drop_once[65];     /* dumb-init's one-shot HUP/CONT after tty hand-off */
	bool tty_fg;            /* we handed the terminal to the child */
	int start_dir_fd;       /* exec mode, O_PATH: the child's cwd, tend itself is in "/" (-1: none) */

	/* supervision mode */
	struct config *cfg;
	struct svc **svcs;
	int nsvcs;
	uint64_t svcs_gen;      /* bumped whenever svcs changes: name lookups are memoised against it */
	bool stopping;          /* shutdown requested */
	bool restarting;        /* ... and then start again (supervisorctl reload) */
	bool have_exit_code;    /* a shutdown_on service set exit_code */
	bool lc_dirty;          /* a state changed this turn: depend.c judges waits before sleeping */
	struct timer lc_tm;     /* ... and goes on in the next turn when one turn was not enough */
	struct fcgi_pool *fcgi; /* fcgi.c: the [fcgi-program:x] pools' sockets, open across restarts */
	uint64_t fcgi_gen;      /* ... matched against the services as of this svcs_gen */
	struct watch notifyw;   /* notify.c: the sd_notify socket (fd -1 until a service needs it) */
	char notify_name[48];   /* its abstract name, as NOTIFY_SOCKET gives it ("@...") */
	struct svc *graveyard;  /* removed services, freed at a later reload */
	struct config *retired[64]; /* configs replaced by a reload, still referenced */
	struct sink *sinks;     /* sink.c: every output that must not block tend */
	struct log_src *sources;
	struct ctl_server *ctl; /* ctl_server.c: the control server's listeners and connections */
	struct conn *ev_subs;   /* ctl_server_events.c: GET /events subscribers; NULL: nobody listens */
	char *log_buf;          /* log.c: the read buffer of a source's turn */
	uint64_t gen;           /* event-loop turns, so freed memory is never in a batch */
	uint64_t fds_inherited; /* fds 0..63 open when tend started (for /dev/fd/N) */
	struct rlimit svc_nofile, svc_nproc; /* limits for services (tend raises its own) */
	char *start_dir;        /* tend's cwd at start; tend itself then moves to "/" */
	char *pidfile_written;  /* to remove at exit */
	bool keeper_fork_only;  /* keepers do not re-exec tend (TEND_KEEPER_FORK_ONLY, or it failed) */
	bool keeper_exec_proven; /* a re-exec'd keeper has answered */
	bool colour_ok;
	bool log_json, log_ts;  /* log_format.c: the console's format, settled at start-up */
	char *json_line;        /* log.c: a service's line escaped for JSON (6 * LOG_LINE_MAX + 1) */
	int name_width;         /* for aligned prefixes */

	char *argv_area;        /* our argv strings, reused for keepers' ps titles */
	size_t argv_len;
	unsigned long msg_dropped; /* msg.c: own lines dropped, counted in the next one */
	struct ring mainlog;       /* tend's own recent lines (supervisorctl maintail) */
	struct ev_bus *ev;         /* events.c: the [eventlistener:x] pools, NULL without any */
	uint64_t ev_gen;           /* ... as of this svcs_gen */
	char *cg_parent;           /* cgroup.c: where services' cgroups go, NULL: keepers only ... */
	const char *cg_why;        /* ... and why not */
	unsigned cg_ctrl;          /* controllers enabled for them (memory 1, pids 2, cpu 4) */
};
