/* usage.h — what a service's process tree uses now: CPU time, memory, processes, fds.
 * Computed when asked (GET /status, GET /metrics), never on a timer. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct tend;
struct svc;

#define USAGE_MAX_PROCS 4096 /* processes read per service: a fork bomb costs tend no more */

struct usage {
	double cpu;        /* seconds: utime+stime of the tree and of the children it reaped */
	uint64_t rss, pss; /* bytes */
	unsigned procs, fds;
	long long mem;     /* cgroup mode: memory.current (page cache and kernel memory included), else -1 */
	bool capped;       /* the tree had more than USAGE_MAX_PROCS processes: the rest is not counted */
};

/* The tree of S (its keeper's descendants; the keeper is tend's, only its reaped
 * children's CPU time counts; in cgroup mode the cgroup's members and its cpu.stat, which
 * counts what has exited too), or tend itself when S is NULL. The one place the source is
 * chosen. Returns 0 (a process that is gone, or a /proc that cannot be
 * read, counts nothing); -1 if tend cannot read its own. */
int usage_of(struct tend *t, const struct svc *s, struct usage *u);
