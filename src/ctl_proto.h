/* ctl_proto.h — what the control server (rpc.c) and the client (`tend ctl`, ctl.c) must
 * agree on, with supervisord 4.2.5's numbers: XML-RPC fault codes, process and
 * supervisor state codes, supervisorctl's exit codes. One header, included by both. */
#pragma once

#define CTL_API_VERSION "3.0"        /* supervisor.getAPIVersion */
#define CTL_SUPERVISOR_VERSION "4.2.5" /* supervisor.getSupervisorVersion: the API tend speaks */
#define CTL_IDENTIFICATION "supervisor" /* [supervisord] identifier default */

/* supervisor.xmlrpc.Faults */
enum ctl_fault {
	F_UNKNOWN_METHOD = 1,
	F_INCORRECT_PARAMETERS = 2,
	F_BAD_ARGUMENTS = 3,
	F_SIGNATURE_UNSUPPORTED = 4,
	F_SHUTDOWN_STATE = 6,
	F_BAD_NAME = 10,
	F_BAD_SIGNAL = 11,
	F_NO_FILE = 20,
	F_NOT_EXECUTABLE = 21,
	F_FAILED = 30,
	F_ABNORMAL_TERMINATION = 40,
	F_SPAWN_ERROR = 50,
	F_ALREADY_STARTED = 60,
	F_NOT_RUNNING = 70,
	F_SUCCESS = 80,
	F_ALREADY_ADDED = 90,
	F_STILL_RUNNING = 91,
	F_CANT_REREAD = 92,
};

/* supervisor.states.ProcessStates (the wire codes; enum svc_state is tend's own order) */
enum ctl_pstate {
	PS_STOPPED = 0,
	PS_STARTING = 10,
	PS_RUNNING = 20,
	PS_BACKOFF = 30,
	PS_STOPPING = 40,
	PS_EXITED = 100,
	PS_FATAL = 200,
	PS_UNKNOWN = 1000,
};

/* supervisor.states.SupervisorStates */
enum ctl_sstate { SS_FATAL = 2, SS_RUNNING = 1, SS_RESTARTING = 0, SS_SHUTDOWN = -1 };

/* supervisorctl's exit codes (LSBInitExitStatuses / LSBStatusExitStatuses) */
enum ctl_exit {
	EXIT_OK = 0,
	EXIT_GENERIC = 1,
	EXIT_INVALID_ARGS = 2,
	EXIT_STATUS_NOT_RUNNING = 3, /* `status`: a listed process is STOPPED/EXITED/FATAL/UNKNOWN */
	EXIT_STATUS_UNKNOWN = 4,     /* `status`: unknown name, or no connection */
	EXIT_ACTION_NOT_RUNNING = 7, /* an action failed with SPAWN_ERROR, ABNORMAL_TERMINATION or NOT_RUNNING */
};

/* The socket tend listens on when the config has neither [unix_http_server] nor
 * [inet_http_server] (so that `tend ctl` always works); TEND_CTL_SOCKET overrides it,
 * and an empty value turns the default socket off. */
#define CTL_DEFAULT_SOCKET "/run/tend.sock"
