/* cgroup.h — cgroup v2 containment, where a writable hierarchy is there (docs/cgroups.md):
 * each service in its own cgroup PARENT/NAME, stopped with one write to cgroup.kill, known
 * empty from cgroup.events ("populated 0"), which is what releases its restart. The keeper
 * stays the fallback (and the default where cgroups are not writable). */
#pragma once
#include "proctree.h"
#include "tend.h"

struct svc;

/* Where services' cgroups would go for config C (TEND_CGROUP wins over [supervisord]
 * cgroup=): PARENT into buf, or NULL with the reason in *why. START: tend is starting
 * (auto mode also wants tend alone in its cgroup); false for --check (*why "auto" then
 * when that is still to be seen). */
const char *cgroup_detect(const struct config *c, char *buf, size_t len, const char **why, bool start);
/* NAME as a cgroup directory under PARENT ("%XX" for every byte but [A-Za-z0-9_:@+=,-]). */
int cgroup_leaf(char *buf, size_t len, const char *parent, const char *name);
/* Limit I (0 memory.max, 1 pids.max, 2 cpu.max) of P as that file takes it, in BUF; NULL:
 * unset. */
const char *cgroup_limit(const struct program *p, int i, char buf[32]);
extern const char *const cgroup_limit_files[3];
/* Start-up: detect, enable the controllers the limits need, say which mechanism (-v). */
void cgroup_init(struct tend *t);
/* Before a spawn: the service's cgroup made (or reused) and its limits written; 0 with
 * s->cg set, -1: this run is kept by the keeper alone. */
int cgroup_prepare(struct tend *t, struct svc *s);
/* The keeper is gone: is anything left in the cgroup? Then it gets stopsignal now and
 * cgroup.kill at stopwaitsecs, and its emptiness (populated 0) settles the run. */
void cgroup_leftovers(struct tend *t, struct svc *s);
void cgroup_kill(struct tend *t, struct svc *s);
#define CG_PIDS_MAX 65536
int cgroup_pids(const struct svc *s, struct pidset *out); /* its members now (at most CG_PIDS_MAX) */
/* CPU time (cpu.stat usage_usec) and memory.current (-1 where absent); -1: no cgroup. */
int cgroup_usage(const struct svc *s, unsigned long long *cpu_usec, long long *mem_bytes);
void cgroup_remove(struct tend *t, struct svc *s); /* unwatched, and rmdir once empty */
/* DIR/FILE := VAL, one write (the keeper and the service's child use it too). */
int cgroup_write(const char *dir, const char *file, const char *val);
