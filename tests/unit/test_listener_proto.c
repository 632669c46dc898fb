/* test_listener_proto.c — an event listener's output as supervisord judges it
 * (listener_proto.c): childutils' READY/RESULT exchange in any split, rejections,
 * RESULT lines supervisord accepts or refuses, and protocol violations (UNKNOWN). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "listener_proto.h"

static char log_[256];

static void on_outcome(void *ctx, enum lsn_outcome o, const char *line, size_t n)
{
	static const char *const names[] = {"ready", "ok", "rejected", "bad", "unknown"};
	(void)ctx, (void)line, (void)n;
	strcat(log_, names[o]);
	strcat(log_, " ");
}

/* Feed TEXT's pieces (split at '|': what the listener writes after getting an event)
 * STEP bytes at a time, sending an event whenever it is READY between pieces. */
static const char *run(const char *text, size_t step)
{
	struct lsn_proto l;
	lsn_reset(&l);
	log_[0] = 0;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "|");
		for (size_t i = 0; i < n; i += step)
			lsn_feed(&l, p + i, step < n - i ? step : n - i, on_outcome, NULL);
		if (l.state == L_READY)
			lsn_sent(&l);
		p += n + (p[n] == '|');
	}
	return log_;
}

int main(void)
{
	const char *childutils = "READY\n|RESULT 2\nOKREADY\n|RESULT 4\nFAILREADY\n";
	CHECK(!strcmp(run(childutils, 1000), "ready ok ready rejected ready "));
	CHECK(!strcmp(run(childutils, 1), "ready ok ready rejected ready "));
	/* supervisord takes int() of what follows the first 7 bytes, blanks allowed */
	CHECK(!strcmp(run("READY\n|RESULT  2 \nOK", 3), "ready ok "));
	CHECK(!strcmp(run("READY\n|XXXXXXX2\nOK", 1000), "ready ok "));
	CHECK(!strcmp(run("READY\n|RESULT 0\n", 1000), "ready rejected "));
	CHECK(!strcmp(run("READY\n|RESULT 3\nOK!", 1000), "ready rejected "));
	CHECK(!strcmp(run("READY\n|RESULT x\n", 1000), "ready bad unknown "));
	CHECK(!strcmp(run("READY\n|RESULT -2\nOK", 1000), "ready bad unknown "));
	/* anything but READY first, output while READY: UNKNOWN, and it stays so */
	CHECK(!strcmp(run("READY\nRESULT 2\nOK", 1000), "ready unknown "));
	CHECK(!strcmp(run("hello\nREADY\n", 1000), "unknown "));
	CHECK(!strcmp(run("READ", 1000), ""));
	struct lsn_proto l;
	lsn_reset(&l);
	log_[0] = 0;
	lsn_feed(&l, "READY\nREADY\n", 12, on_outcome, NULL);
	CHECK(!strcmp(log_, "ready unknown ") && l.state == L_UNKNOWN);
	lsn_feed(&l, "READY\n", 6, on_outcome, NULL);
	CHECK(l.state == L_UNKNOWN && l.len == 0);
	/* a RESULT line that never ends is bounded */
	static char big[3 * LSN_LINE_MAX];
	memset(big, '7', sizeof big - 1);
	memcpy(big, "READY\n|RESULT ", 14);
	CHECK(!strcmp(run(big, 1000), "ready bad unknown "));
	/* a long body is counted, not kept */
	lsn_reset(&l);
	lsn_feed(&l, "READY\n", 6, on_outcome, NULL);
	lsn_sent(&l);
	log_[0] = 0;
	lsn_feed(&l, "RESULT 5000\n", 12, on_outcome, NULL);
	for (int i = 0; i < 50; i++)
		lsn_feed(&l, big, 100, on_outcome, NULL);
	CHECK(!strcmp(log_, "rejected ") && l.state == L_ACKNOWLEDGED);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
