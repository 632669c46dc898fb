/* service.h — one supervised process instance and its state machine. */
#pragma once
#include "log.h"
#include "proctree.h"
#include "ring.h"
#include "buf.h"
#include "tend.h"

/* supervisord's states (same names, same meaning). */
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
};

void svc_spawn(struct tend *t, struct svc *s);
void svc_stop(struct tend *t, struct svc *s);
bool svc_active(const struct svc *s); /* has processes or is about to */
bool svc_reap(struct tend *t, struct svc *s, pid_t pid, int wstatus);
bool svc_owns(const struct svc *s, pid_t pid); /* its keeper or one of its strays */
void svc_set_program(struct tend *t, struct svc *s, const struct program *p);
void svc_release(struct tend *t, struct svc *s); /* timers and memory, before freeing s */
const char *svc_state_name(enum svc_state st);

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
/* reloadConfig: read the file again into t->cfg (nothing is applied). -1 with the
 * loader's message in err. */
int services_reread(struct tend *t, char *err, size_t errlen);
int services_diff(struct tend *t, struct group_diff *d); /* -1: out of memory */
void group_diff_free(struct group_diff *d);
int services_add_group(struct tend *t, const char *group);    /* 0, F_BAD_NAME, F_ALREADY_ADDED */
int services_remove_group(struct tend *t, const char *group); /* 0, F_BAD_NAME, F_STILL_RUNNING */
