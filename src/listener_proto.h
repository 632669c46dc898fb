/* listener_proto.h — supervisord's event listener protocol, the listener's side as
 * supervisord reads it (dispatchers.py PEventListenerDispatcher): pure code, fed with
 * what the listener writes, telling what it meant. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define LSN_LINE_MAX 1024 /* a RESULT line longer than this breaks the protocol */

enum lsn_state { L_ACKNOWLEDGED, L_READY, L_BUSY, L_UNKNOWN };

enum lsn_outcome {
	LO_READY,      /* READY\n: it may get an event */
	LO_OK,         /* RESULT 2\nOK: the event was processed */
	LO_REJECTED,   /* any other result: the event goes back to the buffer */
	LO_BAD_RESULT, /* a RESULT line without a length (the event goes back); UNKNOWN follows */
	LO_UNKNOWN,    /* it broke the protocol: no more events for this run */
};

struct lsn_proto {
	enum lsn_state state;
	long long want;        /* BUSY: the result's length, -1 until its line is read */
	long long got;         /* ... and the bytes of it read so far */
	bool ok;               /* ... which are a prefix of "OK" */
	char buf[LSN_LINE_MAX];
	size_t len;            /* bytes not judged yet */
};

/* FN gets each outcome in order; LINE is the offending result line for LO_BAD_RESULT. */
typedef void lsn_fn(void *ctx, enum lsn_outcome o, const char *line, size_t n);

void lsn_reset(struct lsn_proto *l);                 /* a new run: ACKNOWLEDGED */
void lsn_sent(struct lsn_proto *l);                  /* an event was written: BUSY */
void lsn_feed(struct lsn_proto *l, const char *p, size_t n, lsn_fn *fn, void *ctx);
