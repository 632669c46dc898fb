/* proctree.h — reading the process tree from /proc and signalling whole subtrees. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pidset {
	pid_t *v;
	size_t n, cap;
};

bool pidset_has(const struct pidset *s, pid_t pid);
bool pidset_add(struct pidset *s, pid_t pid); /* false: no memory (the set is unchanged) */
void pidset_del(struct pidset *s, pid_t pid);
void pidset_free(struct pidset *s);

/* Append the direct children of PID (every thread's) to OUT. -1 if /proc cannot be read. */
int proc_children(pid_t pid, struct pidset *out);
pid_t proc_parent(pid_t pid); /* -1 if gone */

/* Signal every descendant of ROOT (and ROOT itself with INCLUDE_ROOT), race-free against
 * forks and deaths during the walk: each process is stopped (SIGSTOP) before its children
 * are read, so none can fork or exit by itself meanwhile, and the walk repeats until it
 * finds nothing new (children of a process that was already dying are re-parented during
 * the walk). Then SIG goes to all of them and, unless SIG is SIGKILL, SIGCONT lets them
 * act on it. Returns the number of processes signalled, -1 if /proc cannot be read. */
int tree_signal(pid_t root, int sig, bool include_root);

/* Every descendant of ROOT, parents before children (a snapshot, for messages). */
int tree_list(pid_t root, struct pidset *out);

/* "1234 (sleep), 1240 (sh)" for the first few of SET, into BUF. */
void describe_pids(const struct pidset *set, char *buf, size_t len);
