/* event_names.h — supervisord's event types (events.py's EventTypes): pure, shared by
 * the config loader (events=) and the event bus (events.c). */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* The concrete types, in events.py's order; a pool's subscription is a mask of them. */
enum ev_type {
	EV_STATE_STOPPED, EV_STATE_EXITED, EV_STATE_STARTING, EV_STATE_STOPPING, EV_STATE_BACKOFF,
	EV_STATE_FATAL, EV_STATE_RUNNING, EV_STATE_UNKNOWN,
	EV_COMM_STDOUT, EV_COMM_STDERR, EV_LOG_STDOUT, EV_LOG_STDERR, EV_REMOTE_COMM,
	EV_SUP_RUNNING, EV_SUP_STOPPING, EV_TICK_5, EV_TICK_60, EV_TICK_3600,
	EV_GROUP_ADDED, EV_GROUP_REMOVED,
	EV_NTYPES
};
#define EV_BIT(x) (1u << (x))

/* A type name of `events=` (concrete or abstract, any case) as its mask; 0 if unknown. */
uint32_t ev_mask_of(const char *name, size_t len);
const char *ev_name(enum ev_type type);

