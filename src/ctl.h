/* ctl.h — the client: `tend ctl …`, and tend invoked as `supervisorctl`. */
#pragma once

#include <stddef.h>

/* Runs the whole client and returns its exit code. ARGV[0] is the program as invoked;
 * AS_SUPERVISORCTL: named supervisorctl (exact supervisorctl defaults), else `tend ctl`
 * (ARGV then starts at the word "ctl"). */
int ctl_main(int argc, char **argv, int as_supervisorctl);

/* argv[0] as the kernel would have handed it to a Python script: a name without a slash
 * is found on $PATH. Malloc'd. */
char *ctl_program_path(const char *argv0);
/* supervisord's and supervisorctl's search for supervisord.conf from PROG (a program
 * path): the first that exists (malloc'd) or NULL; TRIED (may be NULL) gets the list. */
char *ctl_find_config(const char *prog, char *tried, size_t len);
