/* sigprint FILE [EXITSIG...]
 *
 * Test helper: catches every catchable signal (1..SIGRTMAX except KILL, STOP,
 * CHLD) and appends one line "SIG <n>\n" per received signal to FILE ("-" =
 * stdout) with a single unbuffered write(2).  On start it writes
 * "READY <pid> <pgid> <sid>\n".  When a signal listed as EXITSIG (numbers) is
 * received, its line is written and then the helper dies by that same signal
 * (default action), so its parent sees 128+N. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int out_fd = 1;
static volatile sig_atomic_t exit_on[_NSIG];

static void put_num(char *buf, size_t *len, long v)
{
	char tmp[24];
	int n = 0;
	if (v < 0) {
		buf[(*len)++] = '-';
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[(*len)++] = tmp[--n];
}

static void handler(int sig)
{
	int saved = errno;
	char buf[32];
	size_t len = 0;
	memcpy(buf, "SIG ", 4);
	len = 4;
	put_num(buf, &len, sig);
	buf[len++] = '\n';
	(void)!write(out_fd, buf, len);
	if (sig > 0 && sig < _NSIG && exit_on[sig]) {
		/* Die by this signal once the handler returns (it is blocked now). */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	errno = saved;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigprint FILE [EXITSIG...]\n");
		return 2;
	}
	if (strcmp(argv[1], "-") != 0) {
		out_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			perror(argv[1]);
			return 2;
		}
	}
	for (int i = 2; i < argc; i++) {
		int s = atoi(argv[i]);
		if (s <= 0 || s >= _NSIG) {
			fprintf(stderr, "sigprint: bad signal %s\n", argv[i]);
			return 2;
		}
		exit_on[s] = 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigfillset(&sa.sa_mask); /* handlers never nest: lines keep arrival order */
	sa.sa_flags = SA_RESTART;
	for (int s = 1; s <= SIGRTMAX; s++) {
		if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD)
			continue;
		if (s > 31 && s < SIGRTMIN)
			continue; /* reserved by libc */
		if (sigaction(s, &sa, NULL) != 0) {
			fprintf(stderr, "sigprint: sigaction(%d): %s\n", s, strerror(errno));
			return 2;
		}
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	char buf[96];
	int n = snprintf(buf, sizeof buf, "READY %d %d %d\n", (int)getpid(), (int)getpgrp(),
			 (int)getsid(0));
	(void)!write(out_fd, buf, (size_t)n);
	for (;;)
		pause();
}
