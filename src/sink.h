/* sink.h — an output tend writes to that must never block it: tend's own stdout and
 * stderr, /dev/fd/N, a log path that is not a regular file (a FIFO, a tty). */
#pragma once
#include "tend.h"

#include <sys/types.h>
#include <sys/uio.h>

#define SINK_CAP (64 * 1024)     /* what producers (service output) may queue */
#define SINK_RESERVE (16 * 1024) /* extra room only tend's own lines may use */

/* How writing to an output goes, for one report per change (log.c tells). */
struct out_health {
	int err;          /* errno of the failing write; 0 while writes succeed */
	bool told;        /* the failure was reported */
	uint64_t dropped; /* bytes dropped since the failure began */
	uint64_t before;  /* ... and in the failures before it (for /metrics) */
};

/* A producer waiting for room (a paused log source). Waiters are resumed in the order
 * they began to wait, and one that fills the sink again waits at the back: sources
 * sharing a slow reader take turns. */
struct sink_waiter {
	void (*resume)(struct tend *t, struct sink_waiter *w);
	struct sink_waiter *next;
	bool queued;
};

struct relay;

struct sink {
	char *what;        /* "stdout", "stderr", "fd 3", or a path: for messages */
	int target;        /* the inherited fd it stands for; -1 for a path tend opened */
	int fd;            /* tend's non-blocking handle; -1 once closed */
	dev_t dev;
	ino_t ino;
	bool atomic;       /* a pipe others write too: writes of at most PIPE_BUF, cut at a newline */
	bool socket;       /* send(MSG_DONTWAIT | MSG_NOSIGNAL) */
	bool tty;          /* colours allowed */
	bool broken;       /* the reader is gone for good: output is dropped and counted */
	bool dead;         /* closed; freed once no event of this turn can name it */
	uint64_t dead_gen;
	struct out_health health;
	char *buf;         /* allocated at the first byte that has to wait */
	size_t len;
	struct watch w;    /* EPOLLOUT while bytes wait */
	struct timer tm;   /* resumes waiters when no EPOLLOUT will come (a sink that failed) */
	struct sink_waiter *waiters, **wtail;
	struct relay *relay; /* blocking target without /proc: a thread owns the writes */
	struct sink *next;
};

/* The shared sink for inherited fd N (1, 2, /dev/fd/N); NULL if fd N is not open. */
struct sink *sink_for_fd(struct tend *t, int fd);
/* A sink of its own for fd, which tend opened non-blocking (a FIFO or tty log path). */
struct sink *sink_adopt(struct tend *t, int fd, const char *what);
void sink_close(struct tend *t, struct sink *k);

/* Queue data whole (iov pieces back to back) or not at all: false means no room now;
 * wait with sink_wait. A broken sink takes everything and counts it as dropped. */
bool sink_putv(struct tend *t, struct sink *k, const struct iovec *iov, int n);
/* tend's own line: may use the reserve, written at once; false means dropped. */
bool sink_put_own(struct tend *t, struct sink *k, const char *line, size_t len);
/* Write what is queued, as far as the reader takes it without blocking. */
void sink_flush(struct tend *t, struct sink *k);
void sink_wait(struct tend *t, struct sink *k, struct sink_waiter *w);
void sink_unwait(struct sink *k, struct sink_waiter *w);
bool sink_busy(const struct sink *k); /* bytes wait, or producers do */

/* At exit, the loop being over: wait (poll) until a sink with bytes queued can take
 * more, and write. False once nothing is queued or the deadline (ms) has passed. */
bool sinks_exit_flush(struct tend *t, uint64_t deadline);
/* Last thing before exit: flush within a bounded time, then let relays finish. */
void sinks_finish(struct tend *t);
