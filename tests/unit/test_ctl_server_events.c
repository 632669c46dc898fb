/* test_ctl_server_events.c — the lines of GET /events (events_line in ctl_server_events.c):
 * text and JSON, with and without a pid, an exit status or a signal. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl_server_int.h"
#include "service.h"
#include "state_change.h"

#include "check.h"

static struct program web = {.name = "web", .group = "web"};
static struct program g1 = {.name = "g1", .group = "g"};

static void check_line(const struct program *p, int from, int to, pid_t pid, bool has, int status, const char *why,
		       bool json, const char *want)
{
	struct svc s = {.p = p};
	/* 2026-12-03T06:30:01.123Z */
	struct state_change ch = {&s, from, to, 1796279401123LL, pid, has, status, why};
	struct buf b;
	buf_init(&b, 4096);
	events_line(&b, &ch, json);
	if (b.p && !strcmp(b.p, want)) {
		passed++;
	} else {
		failed++;
		fprintf(stderr, "events_line:\n got  %s want %s", b.p ? b.p : "(null)\n", want);
	}
	buf_free(&b);
}

int main(void)
{
	check_line(&web, ST_STOPPED, ST_STARTING, 0, false, 0, "", false,
		   "2026-12-03T06:30:01.123Z web STOPPED -> STARTING\n");
	check_line(&web, ST_STARTING, ST_RUNNING, 123, false, 0, "ready", false,
		   "2026-12-03T06:30:01.123Z web STARTING -> RUNNING pid=123 (ready)\n");
	check_line(&web, ST_RUNNING, ST_EXITED, 123, true, 3 << 8, "exit status 3; not expected", false,
		   "2026-12-03T06:30:01.123Z web RUNNING -> EXITED pid=123 status=exit 3 (exit status 3; not expected)\n");
	check_line(&g1, ST_STOPPING, ST_STOPPED, 9, true, SIGTERM, "terminated by SIGTERM", false,
		   "2026-12-03T06:30:01.123Z g:g1 STOPPING -> STOPPED pid=9 status=SIGTERM (terminated by SIGTERM)\n");
	check_line(&web, ST_STARTING, ST_BACKOFF, 0, false, 0, "spawn failed\nsecond line", false,
		   "2026-12-03T06:30:01.123Z web STARTING -> BACKOFF (spawn failed second line)\n");
	check_line(&web, ST_STOPPED, ST_STARTING, 0, false, 0, "", true,
		   "{\"time\":\"2026-12-03T06:30:01.123Z\",\"time_ms\":1796279401123,\"service\":\"web\",\"group\":\"web\","
		   "\"from\":\"STOPPED\",\"to\":\"STARTING\",\"pid\":null,\"exit_status\":null,\"signal\":null,\"reason\":\"\"}\n");
	check_line(&web, ST_RUNNING, ST_EXITED, 123, true, 3 << 8, "exit status 3; not \"expected\"", true,
		   "{\"time\":\"2026-12-03T06:30:01.123Z\",\"time_ms\":1796279401123,\"service\":\"web\",\"group\":\"web\","
		   "\"from\":\"RUNNING\",\"to\":\"EXITED\",\"pid\":123,\"exit_status\":3,\"signal\":null,"
		   "\"reason\":\"exit status 3; not \\\"expected\\\"\"}\n");
	check_line(&g1, ST_STOPPING, ST_STOPPED, 9, true, SIGKILL, "terminated by SIGKILL", true,
		   "{\"time\":\"2026-12-03T06:30:01.123Z\",\"time_ms\":1796279401123,\"service\":\"g1\",\"group\":\"g\","
		   "\"from\":\"STOPPING\",\"to\":\"STOPPED\",\"pid\":9,\"exit_status\":null,\"signal\":\"SIGKILL\","
		   "\"reason\":\"terminated by SIGKILL\"}\n");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
