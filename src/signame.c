/* signame.c — signal names <-> numbers. */
#include "signame.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intparse.h"

/* 8 bytes an entry, the names inline (the static size budget); the first name of a
 * number is the one sig_name() gives */
static const struct {
	char name[7];
	unsigned char sig;
} names[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
	{"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CLD", SIGCHLD},    {"CONT", SIGCONT},
	{"STOP", SIGSTOP}, {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},
	{"URG", SIGURG},   {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},       {"POLL", SIGPOLL},
	{"PWR", SIGPWR},   {"SYS", SIGSYS},
};

static int parse_number(const char *s, int *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	long v = str_to_ll(s, &end, 10);
	if (*end || v > 1000)
		return -1;
	*out = (int)v;
	return 0;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" */
static int parse_rt(const char *s)
{
	int base, sign, off = 0;
	if (!strncasecmp(s, "RTMIN", 5))
		base = SIGRTMIN, sign = 1;
	else if (!strncasecmp(s, "RTMAX", 5))
		base = SIGRTMAX, sign = -1;
	else
		return -1;
	s += 5;
	if (*s) {
		if (*s != (sign > 0 ? '+' : '-') || parse_number(s + 1, &off))
			return -1;
	}
	int sig = base + sign * off;
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int sig_parse(const char *s, int allow_zero)
{
	int n;
	if (!s || !*s)
		return -1;
	if (!parse_number(s, &n)) {
		if (n == 0)
			return allow_zero ? 0 : -1;
		return n < NSIG ? n : -1;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].sig;
	return parse_rt(s);
}

const char *sig_name(int sig)
{
	static char buf[16];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sig == sig)
			return names[i].name;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		int mid = (SIGRTMIN + SIGRTMAX) / 2;
		if (sig <= mid)
			snprintf(buf, sizeof buf, sig == SIGRTMIN ? "RTMIN" : "RTMIN+%d", sig - SIGRTMIN);
		else
			snprintf(buf, sizeof buf, sig == SIGRTMAX ? "RTMAX" : "RTMAX-%d", SIGRTMAX - sig);
		return buf;
	}
	snprintf(buf, sizeof buf, "%d", sig);
	return buf;
}
