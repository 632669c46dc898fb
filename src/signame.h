/* signame.h — signal names <-> numbers, for -r/-p and stopsignal=. Pure code. */
#pragma once

/* "TERM", "SIGTERM", "term", "15", "RTMIN+3", "SIGRTMAX-1" -> number; -1 if invalid.
 * allow_zero: accept "0" (meaning "drop" in -r FROM:TO). */
int sig_parse(const char *s, int allow_zero);

/* "TERM" for 15, "RTMIN+3" for SIGRTMIN+3; a static buffer for unknown numbers. */
const char *sig_name(int sig);
