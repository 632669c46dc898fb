/* test_fault.c — telling a fault signal someone sent (forwarded) from one the kernel
 * raised in tend itself (fatal): signal_was_sent() in signals.c. */
#include <signal.h>
#include <stdio.h>

#include "tend.h"

#include "check.h"

int main(void)
{
	const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		int s = faults[i];
		CHECK(signal_was_sent(s, SI_USER));   /* kill() */
		CHECK(signal_was_sent(s, SI_QUEUE));  /* sigqueue() */
		CHECK(signal_was_sent(s, SI_TKILL));  /* tkill(), raise() */
		CHECK(signal_was_sent(s, SI_MESGQ));
		CHECK(!signal_was_sent(s, SI_KERNEL));
		CHECK(!signal_was_sent(s, 1)); /* SEGV_MAPERR, BUS_ADRALN, FPE_INTDIV, ILL_ILLOPC... */
	}
	CHECK(!signal_was_sent(SIGBUS, BUS_MCEERR_AO)); /* asynchronous memory error */
	CHECK(!signal_was_sent(SIGSYS, 1)); /* SYS_SECCOMP */
	/* every other signal is handled whatever its code (SIGCHLD carries CLD_EXITED...) */
	CHECK(signal_was_sent(SIGCHLD, CLD_EXITED));
	CHECK(signal_was_sent(SIGTERM, SI_KERNEL));
	CHECK(signal_was_sent(SIGIO, POLL_IN));
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
