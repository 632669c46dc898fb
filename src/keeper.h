/* keeper.h — the per-service containment process, its messages to tend, and the record
 * that carries a service's settings to a re-exec'd keeper. */
#pragma once
#include "tend.h"

#include <sys/resource.h>

/* Reports (keeper -> tend) are numbered from 1, commands (tend -> keeper) from 10. Every
 * message is one fixed-size record, written in one write(2) (< PIPE_BUF: atomic), so a
 * reader that reads whole records never sees half of one. */
/* K_SPAWNERR's a: what supervisord's start refuses before it spawns (NotFound ->
 * NO_FILE; NotExecutable, NoPermission -> NOT_EXECUTABLE); 0: any other spawn error. */
enum { SPAWNERR_OTHER, SPAWNERR_NO_FILE, SPAWNERR_NOT_EXECUTABLE };

enum {
	K_HELLO = 1, /* a: KEEPER_PROTO; first message of every keeper (the re-exec handshake) */
	K_SPAWNED,   /* a: pid of the main process */
	K_RUNNING,   /* the main process has stayed up for startsecs */
	K_EXITED,    /* a: its wait status; when: the keeper's clock at the reap */
	K_SPAWNERR,  /* text: why the service could not be started (no process was made);
		      * a: SPAWNERR_NO_FILE / SPAWNERR_NOT_EXECUTABLE for the command check */
	K_KILLING,   /* a: processes that got SIGKILL after stopwaitsecs */
	K_STOP = 10, /* stop the service (stopsignal, stopwaitsecs, SIGKILL) */
	K_SIGNAL,    /* a: signal for the main process */
};

#define KEEPER_PROTO 2
#define KEEPER_REEXECED 0x10000 /* in K_HELLO's a: this keeper is a re-exec'd image */

struct kmsg {
	int32_t type;
	int32_t a;
	uint64_t when; /* CLOCK_MONOTONIC ms, as seen by the keeper */
	char text[240];
};

/* What a keeper needs to run one service: the program's settings plus tend's context. */
struct keeper_spec {
	struct program p;      /* name, group, argv, env, user, directory, stop/start settings */
	const char *start_dir; /* tend's start directory: services run there unless directory= */
	struct rlimit nofile;  /* RLIMIT_NOFILE for the service (tend raised its own) */
	struct rlimit nproc;   /* RLIMIT_NPROC for the service */
	const char *cgroup;    /* the service's cgroup directory (the main process joins it), or NULL */
	bool reexeced;         /* set by the re-exec'd keeper itself (not in the record) */
};

/* Where the keeper holds the write end of a ready=fd:N pipe (moved to N in the service). */
#define KEEPER_READY_FD 6

/* Fork a keeper for SPEC with FDS = the service's stdin (its pipe or [fcgi-program:x] socket;
 * -1: /dev/null), stdout, stderr and the ready=fd:N pipe (-1: none); *report gets the read
 * end of the keeper's reports, *cmd the write end for commands (both non-blocking, cloexec).
 * The keeper re-execs tend unless t->keeper_fork_only (or the exec is impossible). */
pid_t keeper_spawn(struct tend *t, const struct keeper_spec *spec, const int fds[4], int *report, int *cmd);

/* main() of `tend --keeper NAME` (the re-exec'd keeper; the record is on fd 5). */
int keeper_exec_main(int argc, char **argv);

/* keeper_record.c: the versioned binary record a re-exec'd keeper reads from a memfd. */
int keeper_record_write(int fd, const struct keeper_spec *spec);
/* Parses BUF (LEN bytes, kept alive by the caller: the strings point into it). 0, or -1
 * with a reason in *why. */
int keeper_record_read(char *buf, size_t len, struct keeper_spec *spec, const char **why);
