/* notify_msg.h — one sd_notify datagram parsed (systemd's sd_notify(3) keys tend acts on).
 * Pure code: the message is untrusted input from a service (fuzzed). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum { WD_NONE, WD_PING, WD_TRIGGER };

struct notify_msg {
	bool ready, reloading, stopping;
	const char *status;      /* STATUS= (points into the message), NULL if absent */
	long long mainpid;       /* MAINPID=, -1 if absent or invalid */
	long long errno_value;   /* ERRNO=, -1 if absent */
	long long watchdog_usec; /* WATCHDOG_USEC=, -1 if absent */
	long long extend_usec;   /* EXTEND_TIMEOUT_USEC=, -1 if absent */
	int watchdog;            /* WATCHDOG=1 / WATCHDOG=trigger */
};

/* MSG[0..len) into OUT (MSG[len] must be a NUL; an embedded NUL ends its line's text).
 * Lines are newline-separated KEY=VALUE; unknown keys and malformed lines are ignored, the
 * last of a repeated key wins. MSG is modified: values are cut at their newline. */
void notify_parse(char *msg, size_t len, struct notify_msg *out);
