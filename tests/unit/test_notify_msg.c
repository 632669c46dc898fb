/* test_notify_msg.c — the sd_notify datagram parser (notify_msg.c): the keys systemd's
 * sd_notify(3) defines that tend acts on, what php-fpm and PostgreSQL really send, and
 * malformed input (ignored, never misread). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "notify_msg.h"

static struct notify_msg parse(const char *text, size_t len)
{
	static char buf[4097];
	struct notify_msg m;
	memcpy(buf, text, len);
	buf[len] = 0;
	notify_parse(buf, len, &m);
	return m;
}
#define PARSE(s) parse(s, sizeof(s) - 1)

int main(void)
{
	struct notify_msg m = PARSE("READY=1\nSTATUS=Ready to handle connections\nMAINPID=42");
	CHECK(m.ready && !m.reloading && !m.stopping && m.mainpid == 42 && m.watchdog == WD_NONE);
	CHECK(m.status && !strcmp(m.status, "Ready to handle connections"));
	m = PARSE("STATUS=Processes active: 0, idle: 2, Requests: 0, slow: 0, Traffic: 0req/sec\nWATCHDOG=1\n");
	CHECK(!m.ready && m.watchdog == WD_PING && m.status && !strncmp(m.status, "Processes active", 16));
	m = PARSE("RELOADING=1\nMONOTONIC_USEC=123");
	CHECK(m.reloading && !m.ready);
	m = PARSE("STOPPING=1");
	CHECK(m.stopping);
	m = PARSE("WATCHDOG=trigger\nWATCHDOG_USEC=2000000\nEXTEND_TIMEOUT_USEC=5000000\nERRNO=2");
	CHECK(m.watchdog == WD_TRIGGER && m.watchdog_usec == 2000000 && m.extend_usec == 5000000 && m.errno_value == 2);
	/* unknown keys, READY=0, lines without '=' and bad numbers are ignored */
	m = PARSE("X_CUSTOM=1\nREADY=0\nnonsense\n=1\nMAINPID=12a\nMAINPID=\nERRNO=99999999999999999999");
	CHECK(!m.ready && m.mainpid == -1 && m.errno_value == -1 && !m.status);
	/* an embedded NUL ends that line; the next line is still read */
	m = parse("STATUS=ab\0cd\nREADY=1", 20);
	CHECK(m.ready && m.status && !strcmp(m.status, "ab"));
	/* the last of a repeated key wins */
	m = PARSE("STATUS=one\nSTATUS=two");
	CHECK(m.status && !strcmp(m.status, "two"));
	m = PARSE("");
	CHECK(!m.ready && !m.status && m.mainpid == -1);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
