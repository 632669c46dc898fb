/* ctl.h — the client: `tend ctl …`, and tend invoked as `supervisorctl`. */
#pragma once

/* Runs the whole client and returns its exit code. ARGV[0] is the program as invoked;
 * AS_SUPERVISORCTL: named supervisorctl (exact supervisorctl defaults), else `tend ctl`
 * (ARGV then starts at the word "ctl"). */
int ctl_main(int argc, char **argv, int as_supervisorctl);
