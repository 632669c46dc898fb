/* optparse.h — command-line options as glibc's getopt_long() reads them with a "+"
 * option string (stop at the first non-option), its error messages included, without
 * getopt's globals. It exists for the static size budget (see optparse.c). */
#pragma once

/* One long option; a table ends with name == NULL. */
struct optlong {
	const char *name;
	int has_arg; /* 0: none, 1: required (optional arguments are not supported) */
	int val;     /* what opt_next() returns for it */
};

/* The scan's state: start with {.ind = 1}. After -1, argv[ind] is the first operand. */
struct optscan {
	int ind;          /* glibc's optind */
	char *arg;        /* glibc's optarg: the current option's argument, else NULL */
	const char *next; /* the rest of a group of short options ("-gv"), or NULL */
};

/* The next option: its character or long option's val, '?' after an error (the message
 * already on stderr, prefixed with argv[0] as glibc does), -1 at the first non-option,
 * "-", "--" (skipped) or the end. SHORTOPTS is getopt's ("c:gv"; a leading '+' is
 * ignored: the scan always stops at the first non-option; a leading ':', which would
 * silence the messages, is not supported). LONGOPTS may be NULL. */
int opt_next(struct optscan *s, int argc, char **argv, const char *shortopts, const struct optlong *longopts);
