/* state_change.h — one transition of a service, as set_state() reports it to its observers. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
struct svc;
struct state_change {
	const struct svc *s;  /* name s->p->name, group s->p->group */
	int from, to;         /* enum svc_state */
	long long wall_ms;    /* CLOCK_REALTIME, ms */
	pid_t pid;            /* the run's main process, 0 if none */
	bool has_status;      /* the run's main process exited: status is its wait status */
	int status;
	const char *why;      /* set_state's reason, "" if none */
};
