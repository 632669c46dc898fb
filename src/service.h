/* service.h — one supervised process instance and its state machine. */
#pragma once
#include "log.h"
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
	struct timer tm;    /* startsecs, backoff, restart delay, stray grace */
	uint64_t started;   /* spawn time (ms) */
	uint64_t exited_at; /* main's exit, as the keeper saw it */
	int backoff;        /* failed starts in a row */
	int saved_backoff;  /* before promotion, in case the exit proves it premature */
	uint64_t crash_delay;
	bool exited;        /* this run's main process has exited */
	int status;         /* its wait status */
	pid_t *strays;      /* processes re-parented to tend when the keeper died */
	int nstrays;
	bool want_stop;
	bool remove;                  /* reload: dropped from the config */
	const struct program *next_p; /* reload: start this once stopped */
	int colour;
	char spawnerr[160];
	struct svc *next_dead;
	uint64_t dead_gen;
};

void svc_spawn(struct tend *t, struct svc *s);
void svc_stop(struct tend *t, struct svc *s);
bool svc_active(const struct svc *s); /* has processes or is about to */
bool svc_reap(struct tend *t, struct svc *s, pid_t pid, int wstatus);
void svc_set_program(struct tend *t, struct svc *s, const struct program *p);
const char *svc_state_name(enum svc_state st);

/* supervise.c: what happens when a service has settled after a stop */
void supervise_after_stop(struct tend *t, struct svc *s);
void supervise_shutdown(struct tend *t, int exit_code);
