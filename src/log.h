/* log.h — services' output: pipes read in turns, cut into lines for the console,
 * copied unchanged to log paths. */
#pragma once
#include "ring.h"
#include "sink.h"
#include "tend.h"

#define LOG_LINE_MAX 4000    /* console lines are cut into pieces of this many bytes */
#define SRC_BUF (64 * 1024)  /* one turn of a source reads at most this much */
#define SRC_ENDS 4           /* run ends remembered while a source waits for its sink */

struct log_src {
	int fd; /* read end, non-blocking; -1 once closed */
	struct watch w;
	const char *name;
	const struct log_target *tgt;
	int colour;
	int stream;               /* 1 or 2: what the console's JSON calls it */
	struct sink *sink;        /* console, /dev/fd/N, or a log path that is not a regular file */
	bool own_sink;            /* that log path's sink is this source's */
	int file_fd;              /* a regular log file */
	long long file_size;
	struct out_health file;   /* its write failures */
	char *prefix;             /* "name | " (console only) */
	size_t prefix_len;
	int prefix_width;         /* t->name_width it was made for */
	char *keep;               /* bytes read but not emitted yet (SRC_BUF when allocated) */
	size_t keep_len;
	uint64_t pos;             /* bytes read from the pipe so far */
	uint64_t ends[SRC_ENDS];  /* positions in the pipe where a run ended */
	int nends;
	bool blocked;             /* the sink had no room during this turn */
	bool paused;              /* not reading: waiting for the sink */
	struct sink_waiter waiter;
	struct ring *ring;        /* the service's recent output (supervisorctl tail), or NULL */
	/* ready=log:REGEX: every chunk read goes to TAP too while it is set (ready.c) */
	void (*tap)(struct tend *t, struct log_src *src, const char *p, size_t n);
	void *tap_ctx;
	/* an event listener's stdout: every chunk read goes to PROTO (listener.c) */
	void (*proto)(struct tend *t, struct log_src *src, const char *p, size_t n);
	struct svc *svc;          /* the service whose stream it is */
	struct capture *cap;      /* capture.c: capture mode's state */
	bool ev_blocked;          /* PROCESS_LOG: a pool it feeds is full (events.c)... */
	struct pool *ev_pool;     /* ... this one, which resumes it */
	struct log_src *ev_next;  /* ... among its waiters */
	struct log_src *next;
};

int logs_init(struct tend *t);
/* A pipe for one stream of a service; returns the write end for the keeper. */
int logs_open(struct tend *t, struct log_src *s, const char *name, const struct log_target *tgt,
	      int stream, int colour);
void logs_close(struct tend *t, struct log_src *s);
/* Every process of a run is reaped: what is in the pipe now is that run's last output. */
void logs_end_run(struct tend *t, struct log_src *s);
/* Read again after an event pool it waited on has room. */
void logs_resume(struct tend *t, struct log_src *s);
/* At exit: deliver what is left, waiting a bounded time for slow readers. */
void logs_flush_all(struct tend *t);
