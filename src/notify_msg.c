/* notify_msg.c — see notify_msg.h. */
#include "notify_msg.h"

#include <string.h>

#define NUMBER_MAX (1LL << 53) /* larger values are refused, not wrapped */

static long long number(const char *v)
{
	long long n = 0;
	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > NUMBER_MAX / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

static void assign(struct notify_msg *m, const char *key, const char *v)
{
	if (!strcmp(key, "READY"))
		m->ready |= !strcmp(v, "1");
	else if (!strcmp(key, "RELOADING"))
		m->reloading |= !strcmp(v, "1");
	else if (!strcmp(key, "STOPPING"))
		m->stopping |= !strcmp(v, "1");
	else if (!strcmp(key, "STATUS"))
		m->status = v;
	else if (!strcmp(key, "MAINPID"))
		m->mainpid = number(v);
	else if (!strcmp(key, "ERRNO"))
		m->errno_value = number(v);
	else if (!strcmp(key, "WATCHDOG_USEC"))
		m->watchdog_usec = number(v);
	else if (!strcmp(key, "EXTEND_TIMEOUT_USEC"))
		m->extend_usec = number(v);
	else if (!strcmp(key, "WATCHDOG") && (!strcmp(v, "1") || !strcmp(v, "trigger")))
		m->watchdog = !strcmp(v, "1") ? WD_PING : WD_TRIGGER;
}

void notify_parse(char *msg, size_t len, struct notify_msg *out)
{
	*out = (struct notify_msg){.mainpid = -1, .errno_value = -1, .watchdog_usec = -1, .extend_usec = -1};
	for (char *line = msg, *end = msg + len; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		if (nl)
			*nl = 0;
		char *eq = strchr(line, '='); /* an embedded NUL ends the line's text */
		if (eq && eq > line) {
			*eq = 0;
			assign(out, line, eq + 1);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}
