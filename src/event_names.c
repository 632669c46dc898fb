/* event_names.c — supervisord's event type names, concrete and abstract. */
#include "event_names.h"

#include <string.h>
#include <strings.h>

static const char *const names[EV_NTYPES] = {
	"PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED", "PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPING",
	"PROCESS_STATE_BACKOFF", "PROCESS_STATE_FATAL", "PROCESS_STATE_RUNNING", "PROCESS_STATE_UNKNOWN",
	"PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR", "PROCESS_LOG_STDOUT",
	"PROCESS_LOG_STDERR", "REMOTE_COMMUNICATION", "SUPERVISOR_STATE_CHANGE_RUNNING",
	"SUPERVISOR_STATE_CHANGE_STOPPING", "TICK_5", "TICK_60", "TICK_3600", "PROCESS_GROUP_ADDED",
	"PROCESS_GROUP_REMOVED",
};

static const struct {
	const char *name;
	uint32_t mask;
} abstract[] = {
	{"EVENT", (1u << EV_NTYPES) - 1},
	{"PROCESS_STATE", 0xff},
	{"PROCESS_COMMUNICATION", EV_BIT(EV_COMM_STDOUT) | EV_BIT(EV_COMM_STDERR)},
	{"PROCESS_LOG", EV_BIT(EV_LOG_STDOUT) | EV_BIT(EV_LOG_STDERR)},
	{"SUPERVISOR_STATE_CHANGE", EV_BIT(EV_SUP_RUNNING) | EV_BIT(EV_SUP_STOPPING)},
	{"TICK", EV_BIT(EV_TICK_5) | EV_BIT(EV_TICK_60) | EV_BIT(EV_TICK_3600)},
	{"PROCESS_GROUP", EV_BIT(EV_GROUP_ADDED) | EV_BIT(EV_GROUP_REMOVED)},
};

const char *ev_name(enum ev_type type) { return names[type]; }

uint32_t ev_mask_of(const char *name, size_t len)
{
	for (int i = 0; i < EV_NTYPES; i++)
		if (strlen(names[i]) == len && !strncasecmp(names[i], name, len))
			return EV_BIT(i);
	for (size_t i = 0; i < sizeof abstract / sizeof *abstract; i++)
		if (strlen(abstract[i].name) == len && !strncasecmp(abstract[i].name, name, len))
			return abstract[i].mask;
	return 0;
}

