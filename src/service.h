/* service.h — one supervised process instance and its state machine. */
#pragma once
#include "log.h"
#include "proctree.h"
#include "ring.h"
#include "buf.h"
#include "tend.h"

/* supervisord's states (same names, same meaning). */
enum health { H_NONE, H_STARTING, H_HEALTHY, H_UNHEALTHY };

struct rx;

/* One check in flight or scheduled (probe.c): TCP connect, HTTP GET or a command run
 * through a keeper like a service; DONE gets each result, the next runs INTERVAL later. */
struct probe;
typedef void probe_done_fn(struct tend *t, struct probe *pr, bool ok, const char *why);
struct probe {
	struct svc *s;
	const struct probe_spec *spec;
	long long interval, timeout;
	probe_done_fn *done;
	bool on;            /* scheduled: checks keep coming until probe_stop */
	bool busy;          /* a check is in flight */
	struct timer next_tm, timeout_tm;
	struct watch sock;  /* TCP/HTTP: fd -1 when none */
	char reply[64];     /* HTTP: the status line so far */
	size_t got;
	pid_t keeper;       /* EXEC: the check's keeper, 0 when gone */
	struct watch report;
	int cmd_fd, status;
	bool exited, timed_out;
	char why[240];      /* EXEC: the keeper's spawn error */
	char name[64];      /* the keeper's name: "probe:NAME" */
};

struct log_line { /* ready=log: one stream's current line */
	char buf[4096];
	size_t len;
};

/* What the lifecycle keys add to a service's run (ready.c, health.c, depend.c, notify.c). */
struct svc_life {
	bool ready;           /* this run reached readiness */
	bool reloading, notify_stopping; /* sd_notify RELOADING=1 / STOPPING=1 since */
	int notify_errno;     /* sd_notify ERRNO= */
	char status[128];     /* sd_notify STATUS= */
	enum health health;
	int fails;            /* consecutive failed health checks */
	uint64_t ready_at;    /* ms */
	struct probe ready_probe, health_probe;
	struct watch ready_fd; /* fd:N: the read end; fd -1 when none */
	struct rx *log_re;    /* log:REGEX while this run is not ready */
	struct log_line *lines; /* ... and its stdout and stderr lines */
	struct timer ready_tm, watchdog_tm, dep_tm;
	long long watchdog;   /* ms, sd_notify WATCHDOG_USEC= may change it */
	bool dep_wait;        /* STARTING without a process: waiting for depends_on */
	char wait_why[128];   /* ... for this condition ("db:ready") */
	bool user_stopped;    /* stopped on request (not by a shutdown): on_dependency_failure */
	uint64_t runs;        /* spawns so far (restart_with compares them) */
	uint64_t *seen;       /* restart_with: each target's runs when this run began */
	struct svc **to;      /* depend.c: the services of depends_on, then restart_with... */
	uint64_t to_gen;      /* ... as of this t->svcs_gen + 1 ... */
	const struct program *to_prog; /* ... and this program */
	bool needed;          /* depend_mark_needed: something active depends on it */
};
enum svc_state { ST_STOPPED, ST_STARTING, ST_RUNNING, ST_BACKOFF, ST_STOPPING, ST_EXITED, ST_FATAL };

struct svc {
	const struct program *p;
	enum svc_state state;
	pid_t keeper;       /* 0 when no keeper runs */
	pid_t pid;          /* main process, as reported by the keeper */
	struct watch ctl;   /* the keeper's reports; fd -1 when closed */
	int cmd_fd;         /* commands to the keeper */
	int out_w, err_w;   /* write ends of the log pipes (kept: they survive restarts) */
	struct log_src out, err;
	struct ring out_ring, err_ring; /* recent output, for supervisorctl tail (kept across runs) */
	int in_w;           /* write end of this run's stdin pipe (supervisord gives every process one) */
	struct watch in_wr; /* EPOLLOUT while stdin bytes wait */
	struct buf in_buf;  /* what sendProcessStdin gave that the pipe did not take yet */
	/* one timer per purpose */
	struct timer spawn_tm;    /* the next spawn: backoff retry or restart delay */
	struct timer deadline_tm; /* tend's own deadline over the keeper (or the strays' SIGKILL) */
	struct timer notice_tm;   /* "still waiting for ..." when a stop takes more than a second */
	uint64_t started;   /* spawn time (ms) */
	long long start_wall, stop_wall; /* the same, and the last exit, in wall-clock seconds (for status) */
	bool quick_exit;    /* the last start failed by an exit before startsecs */
	bool start_pending; /* asked to start while the last run's processes were still going */
	/* supervisord refuses a start whose command is missing or not executable before it
	 * spawns anything: a start asked for over the control socket is "refusable", and a
	 * keeper that reports such a check failure puts the state back as it was. */
	bool refusable;
	int refused;        /* SPAWNERR_* of the refusal, 0 if none */
	char refused_why[240];
	enum svc_state prev_state;
	long long prev_start_wall;
	uint64_t exited_at; /* main's exit, as the keeper saw it */
	uint64_t kill_at;   /* when the processes being stopped get SIGKILL (for messages) */
	int backoff;        /* failed starts in a row */
	uint64_t crash_delay;
	bool hello;         /* this run's keeper has answered */
	bool exited;        /* this run's main process has exited (or never started) */
	int status;         /* its wait status */
	bool keeper_lost;   /* the keeper died: its processes are tend's children (strays) */
	bool killing;       /* strays get SIGKILL from now on */
	struct pidset strays;
	bool want_stop;
	bool remove;                  /* reload: dropped from the config */
	const struct program *next_p; /* reload: start this once stopped */
	int colour;
	char spawnerr[240];
	struct svc *next_dead;
	uint64_t dead_gen;
	struct svc_life life;
	struct lsn *lsn;    /* listener.c: an event listener's protocol state, NULL otherwise */
	char *cg;           /* cgroup.c: its cgroup directory, NULL: the keeper contains it */
	struct watch cg_ev; /* ... its cgroup.events (EPOLLPRI on change) */
	bool cg_populated, cg_said;
};

void svc_spawn(struct tend *t, struct svc *s);
void svc_stop(struct tend *t, struct svc *s);
bool svc_active(const struct svc *s); /* has processes or is about to */
bool svc_reap(struct tend *t, struct svc *s, pid_t pid, int wstatus); /* pid 0: its cgroup emptied */
bool svc_owns(const struct svc *s, pid_t pid); /* its keeper or one of its strays */
void svc_set_program(struct tend *t, struct svc *s, const struct program *p);
void svc_release(struct tend *t, struct svc *s); /* timers and memory, before freeing s */
const char *svc_state_name(enum svc_state st);
/* The lifecycle's service API (probes, notify, dependency waits call these, never set_state). */
void svc_ready(struct tend *t, struct svc *s);                   /* readiness reached */
void svc_start_failed(struct tend *t, struct svc *s, const char *why); /* not ready in time */
void svc_restart(struct tend *t, struct svc *s, const char *why); /* stop the tree, start again */
void svc_give_up(struct tend *t, struct svc *s, const char *why); /* a dependency wait failed: FATAL */

/* ready.c: a run's readiness sources. ready_prepare before the keeper is forked (the fd:N
 * pipe's write end, -1 if none), ready_begin after, ready_end when the run is over. */
int ready_prepare(struct tend *t, struct svc *s);
void ready_begin(struct tend *t, struct svc *s);
void ready_end(struct tend *t, struct svc *s);

/* health.c: checks while RUNNING */
void health_begin(struct tend *t, struct svc *s);
void health_end(struct tend *t, struct svc *s);
void health_watchdog_fed(struct tend *t, struct svc *s);
void health_watchdog_failed(struct tend *t, struct svc *s, const char *why);
const char *health_name(enum health h);

/* probe.c */
void probe_start(struct tend *t, struct probe *pr, struct svc *s, const struct probe_spec *spec, long long interval,
		 long long timeout, probe_done_fn *done);
void probe_stop(struct tend *t, struct probe *pr); /* no more checks; one in flight is killed */
bool probe_reap(struct tend *t, struct probe *pr, pid_t pid, int wstatus);
bool probe_owns(const struct probe *pr, pid_t pid);
void probe_forget(struct tend *t, struct probe *pr); /* before the service is freed */

/* notify.c: the sd_notify socket (one for all services, senders told apart by their
 * credentials). notify_env: the service's environment with NOTIFY_SOCKET (and
 * WATCHDOG_USEC) added, malloc'd (NULL: no memory or no socket). */
char **notify_env(struct tend *t, struct svc *s);
void notify_close(struct tend *t);

/* depend.c */
bool depend_blocked(struct tend *t, struct svc *s, char *why, size_t len); /* a condition does not hold */
void depend_mark_needed(struct tend *t); /* life.needed: something running depends on it */
void depend_started(struct tend *t, struct svc *s); /* a run begins: restart_with baselines */

/* lifecycle questions for status, ctl ready/healthy and /readyz /healthz */
bool svc_is_ready(const struct svc *s, bool named);
bool svc_is_healthy(const struct svc *s, bool named);
void svc_describe_life(const struct svc *s, char *buf, size_t len); /* ", ready, healthy; STATUS" or "" */

/* service_stop.c: deadlines over keepers, strays of a dead keeper, stop notices */
void svc_arm_hello(struct tend *t, struct svc *s);  /* a new keeper must answer in time */
void svc_stop_phase(struct tend *t, struct svc *s, uint64_t deadline_ms); /* SIGKILL due in stopwaitsecs */
uint64_t svc_keeper_deadline(const struct svc *s);  /* tend's own, over a stopping keeper */
void svc_refresh_strays(struct tend *t, struct svc *s);
void svc_adopt_strays(struct tend *t, struct svc *s); /* its keeper died: its processes are ours */
void svc_send_stop(struct tend *t, struct svc *s);  /* K_STOP to the keeper */

/* supervise.c: what happens when a service has settled after a stop */
void supervise_after_stop(struct tend *t, struct svc *s);
void supervise_shutdown(struct tend *t, int exit_code);
bool supervise_known_child(struct tend *t, pid_t pid);
struct svc *svc_new(struct tend *t, const struct program *p); /* added to t->svcs, not started */
void svc_remove(struct tend *t, struct svc *s);               /* out of t->svcs; freed later */
void services_restart(struct tend *t); /* supervisord's restart: stop all, re-read, start all */

/* reload.c */
void collect_garbage(struct tend *t);  /* configs and services nothing refers to any more */
int retire_config(struct tend *t, struct config *c); /* kept until unused; -1: too many */
/* supervisord's groups as they differ between t->cfg (the file as last read) and the
 * running services, in its order: added and changed as in the file, removed as running. */
struct group_diff {
	const char **names[3]; /* added, changed, removed */
	int n[3];
};
/* Load the file again into NC (empty) as at start-up: relative paths against the start
 * directory, the command line's overrides applied. -1 with "FILE:LINE: ..." in ERR. */
int config_reload_into(struct tend *t, struct config *nc, char *err, size_t errlen);
/* reloadConfig: read the file again into t->cfg (nothing is applied). -1 with the
 * loader's message in err. */
int services_reread(struct tend *t, char *err, size_t errlen);
int services_diff(struct tend *t, struct group_diff *d); /* -1: out of memory */
void group_diff_free(struct group_diff *d);
int services_add_group(struct tend *t, const char *group);    /* 0, F_BAD_NAME, F_ALREADY_ADDED */
int services_remove_group(struct tend *t, const char *group); /* 0, F_BAD_NAME, F_STILL_RUNNING */
