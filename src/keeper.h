/* keeper.h — the per-service containment process and its messages to tend. */
#pragma once
#include "tend.h"

enum { K_SPAWNED = 1, K_EXITED, K_STOP = 10, K_SIGNAL };

struct kmsg {
	int32_t type;
	int32_t a;     /* K_SPAWNED: pid; K_EXITED: wait status; K_SIGNAL: signal */
	uint64_t when; /* CLOCK_MONOTONIC ms, as seen by the keeper */
};

/* Fork a keeper for p with the service's output pipes; *report gets the read end of
 * the keeper's reports, *cmd the write end for commands (both non-blocking, cloexec). */
int keeper_exec_main(int argc, char **argv);
pid_t keeper_spawn(struct tend *t, const struct program *p, int out, int err, int *report, int *cmd);
