/* control.h — the service API: the only way front doors (the control server's methods,
 * later probes and dependency waits) act on services. They never change a state
 * themselves: they ask, and service.c's set_state() does the rest. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h" /* PS_* process state codes, F_* faults */

struct tend;
struct svc;
struct ring;


/* "name", "group:name" (a process whose name is its group's is just "name"). */
struct svc *control_find(struct tend *t, const char *namespec);
/* The same, remembered in MEMO (zeroed at first) until the list of services changes: what
 * a parked call looks up at every loop turn costs nothing per service. */
struct svc_memo {
	struct svc *s;
	uint64_t gen; /* t->svcs_gen + 1 when s was found; 0: not yet */
};
struct svc *control_find_memo(struct tend *t, struct svc_memo *memo, const char *namespec);
/* Forget the kept output of S (NULL: tend's own log). Only the memory: log files are the
 * log target's business (rotation), and tend never truncates a file from the loop. */
void control_clear_log(struct tend *t, struct svc *s);
/* The services of GROUP (sorted by name, as supervisord sorts) into a malloc'd vector;
 * -1 if no such group. */
int control_group(struct tend *t, const char *group, struct svc ***out);
/* Every service, sorted by group then name (supervisord's _getAllProcesses order). */
int control_all(struct tend *t, struct svc ***out);

/* What supervisord's process-info struct says about S. */
struct proc_info {
	const char *name, *group;
	long long start, stop, now; /* wall-clock seconds; 0 = never */
	int state;                  /* PS_* */
	const char *statename;
	char spawnerr[240];
	int exitstatus;
	const char *stdout_logfile, *stderr_logfile; /* "" when none */
	int pid;
	char description[300];
	bool lifecycle;     /* tend's lifecycle keys are set: the members below are sent */
	bool ready;         /* svc_is_ready(named) */
	const char *health; /* "", "starting", "healthy", "unhealthy" */
};
void control_info(struct tend *t, const struct svc *s, struct proc_info *out);

/* Actions; 0 or an F_* fault code (ctl_proto.h) with supervisord's meaning. */
int control_start(struct tend *t, struct svc *s);  /* F_ALREADY_STARTED, F_SHUTDOWN_STATE */
int control_stop(struct tend *t, struct svc *s);   /* F_NOT_RUNNING */
int control_signal(struct tend *t, struct svc *s, int sig); /* F_NOT_RUNNING, F_FAILED */
int control_send_stdin(struct tend *t, struct svc *s, const char *d, size_t n); /* F_NOT_RUNNING, F_NO_FILE */

/* Where S's recent output is (the in-memory ring of stdout or stderr), or NULL with a
 * fault code in *fault. The ring of tend's own log: &t->mainlog. */
struct ring *control_ring(struct tend *t, struct svc *s, bool err, int *fault);
