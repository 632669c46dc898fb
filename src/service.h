/* service.h — one supervised process instance and its state machine. */
#pragma once
#include "log.h"
#include "proctree.h"
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
	/* one timer per purpose */
	struct timer spawn_tm;    /* the next spawn: backoff retry or restart delay */
	struct timer deadline_tm; /* tend's own deadline over the keeper (or the strays' SIGKILL) */
	struct timer notice_tm;   /* "still waiting for ..." when a stop takes more than a second */
	uint64_t started;   /* spawn time (ms) */
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
