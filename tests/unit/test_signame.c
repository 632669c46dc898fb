/* test_signame.c — signal names <-> numbers (signame.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "signame.h"

#include "check.h"

#define CHECK_PARSE(s, zero, want)                                                              \
	do {                                                                                    \
		int got_ = sig_parse(s, zero);                                                  \
		if (got_ == (want))                                                             \
			passed++;                                                               \
		else {                                                                          \
			failed++;                                                               \
			fprintf(stderr, "%s:%d: sig_parse(\"%s\", %d) = %d, expected %d\n", __FILE__, \
				__LINE__, (s) ? (s) : "(null)", zero, got_, (int)(want));       \
		}                                                                               \
	} while (0)

#define CHECK_NAME(sig, want)                                                                      \
	do {                                                                                       \
		const char *got_ = sig_name(sig);                                                  \
		if (got_ && !strcmp(got_, want))                                                   \
			passed++;                                                                  \
		else {                                                                             \
			failed++;                                                                  \
			fprintf(stderr, "%s:%d: sig_name(%d) = \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, (int)(sig), got_ ? got_ : "(null)", want);               \
		}                                                                                  \
	} while (0)

static void test_parse(void)
{
	CHECK_PARSE("TERM", 0, SIGTERM);
	CHECK_PARSE("SIGTERM", 0, SIGTERM);
	CHECK_PARSE("term", 0, SIGTERM);
	CHECK_PARSE("sigterm", 0, SIGTERM);
	CHECK_PARSE("SigHup", 0, SIGHUP);
	CHECK_PARSE("15", 0, SIGTERM);
	CHECK_PARSE("9", 1, SIGKILL);
	CHECK_PARSE("KILL", 0, SIGKILL);
	CHECK_PARSE("INT", 0, SIGINT);
	CHECK_PARSE("QUIT", 0, SIGQUIT);
	CHECK_PARSE("USR1", 0, SIGUSR1);
	CHECK_PARSE("SIGUSR2", 0, SIGUSR2);
	CHECK_PARSE("WINCH", 0, SIGWINCH);
	CHECK_PARSE("CHLD", 0, SIGCHLD);
	CHECK_PARSE("CLD", 0, SIGCHLD);
	CHECK_PARSE("IOT", 0, SIGABRT);
	CHECK_PARSE("RTMIN", 0, SIGRTMIN);
	CHECK_PARSE("RTMIN+3", 0, SIGRTMIN + 3);
	CHECK_PARSE("SIGRTMIN+3", 0, SIGRTMIN + 3);
	CHECK_PARSE("rtmin+3", 0, SIGRTMIN + 3);
	CHECK_PARSE("RTMAX", 0, SIGRTMAX);
	CHECK_PARSE("SIGRTMAX-1", 0, SIGRTMAX - 1);
	/* 0 only when asked for (-r FROM:0 drops a signal) */
	CHECK_PARSE("0", 1, 0);
	CHECK_PARSE("0", 0, -1);
	/* garbage */
	CHECK_PARSE("", 0, -1);
	CHECK_PARSE(NULL, 0, -1);
	CHECK_PARSE("SIG", 0, -1);
	CHECK_PARSE("NOPE", 0, -1);
	CHECK_PARSE("SIGNOPE", 0, -1);
	CHECK_PARSE("TERMX", 0, -1);
	CHECK_PARSE(" TERM", 0, -1);
	CHECK_PARSE("15x", 0, -1);
	CHECK_PARSE("-15", 0, -1);
	CHECK_PARSE("+15", 0, -1);
	CHECK_PARSE("99999", 0, -1);
	CHECK_PARSE("65", 0, -1); /* >= NSIG on Linux */
	CHECK_PARSE("RTMIN-1", 0, -1);
	CHECK_PARSE("RTMAX+1", 0, -1);
	CHECK_PARSE("RTMIN+", 0, -1);
	CHECK_PARSE("RTMIN+999", 0, -1);
	CHECK_PARSE("RTMIN+x", 0, -1);
}

static void test_name(void)
{
	CHECK_NAME(SIGTERM, "TERM");
	CHECK_NAME(SIGKILL, "KILL");
	CHECK_NAME(SIGHUP, "HUP");
	CHECK_NAME(SIGINT, "INT");
	CHECK_NAME(SIGCHLD, "CHLD");
	CHECK_NAME(SIGABRT, "ABRT");
	CHECK_NAME(SIGUSR1, "USR1");
	CHECK_NAME(SIGWINCH, "WINCH");
	CHECK_NAME(SIGRTMIN, "RTMIN");
	CHECK_NAME(SIGRTMIN + 3, "RTMIN+3");
	CHECK_NAME(SIGRTMAX, "RTMAX");
	CHECK_NAME(SIGRTMAX - 1, "RTMAX-1");
	CHECK_NAME(0, "0");
	CHECK_NAME(200, "200");
	/* names round-trip */
	for (int s = 1; s < NSIG; s++) {
		if (s > SIGSYS && s < SIGRTMIN)
			continue; /* glibc's reserved 32, 33 have no name */
		int back = sig_parse(sig_name(s), 0);
		if (back != s)
			fprintf(stderr, "  round trip %d -> %s -> %d\n", s, sig_name(s), back);
		CHECK(back == s);
	}
}

int main(void)
{
	test_parse();
	test_name();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
