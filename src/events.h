/* events.h — supervisord's events (Supervisor 4.2.5's events.py): what happens in tend,
 * as typed events with supervisord's payloads, buffered per [eventlistener:x] pool and
 * handed to its listeners (listener.c) one at a time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_names.h"
#include "tend.h"

/* A payload larger than this is dropped (with a warning): a listener's stdin queue
 * (STDIN_MAX) takes the envelope in one piece. */
#define EV_PAYLOAD_MAX ((1024 - 8) * 1024)

/* One event; shared (counted) by the pools that accepted it. */
struct event {
	int refs;
	enum ev_type type;
	bool serial_set;
	uint64_t serial;  /* global, given by the first pool that accepts it, as supervisord */
	size_t len;       /* payload bytes */
	size_t chars;     /* payload length as supervisord counts it (code points) */
	char payload[];
};

struct svc;
struct log_src;

/* The producers (every one a no-op unless some pool subscribes to its type). */
void events_state(struct tend *t, struct svc *s, int from, const char *why); /* set_state() */
void events_output(struct tend *t, struct svc *s, struct log_src *src, const char *p, size_t n, bool comm);
void events_remote(struct tend *t, const char *type, const char *data);
void events_supervisor(struct tend *t, bool running);
void events_group(struct tend *t, const char *group, bool added);
void events_started(struct tend *t); /* every group added, then the supervisor RUNNING */

/* PROCESS_LOG back-pressure: false when a pool SRC feeds has no room; SRC is then resumed
 * (logs_resume) once it has, or once the pool has stalled for EV_STALL_MS. */
bool events_output_room(struct tend *t, struct svc *s, struct log_src *src);
#define EV_STALL_MS 10000

/* Pools follow t->svcs: made for new [eventlistener:x] groups, freed with their last
 * process; tick timers armed only while a pool subscribes to them. */
void events_sync(struct tend *t);
void events_turn(struct tend *t); /* before sleep: hand buffered events to READY listeners */
void events_free_all(struct tend *t);
void events_forget_src(struct tend *t, struct log_src *src); /* it is closed */

/* listener.c: one listener process's side of the protocol. */
void listener_begin(struct tend *t, struct svc *s);  /* a new run: ACKNOWLEDGED */
void listener_end(struct tend *t, struct svc *s);    /* its main process exited */
bool listener_idle(const struct svc *s);              /* RUNNING and READY for an event */
int listener_send(struct tend *t, struct svc *s, struct event *ev, uint64_t pool_serial, const char *pool);
void listener_free(struct svc *s);
/* pool side, called by listener.c */
void events_rebuffer(struct tend *t, struct svc *s, struct event *ev, uint64_t pool_serial);
void events_listener_ready(struct tend *t);
void event_unref(struct event *ev);
