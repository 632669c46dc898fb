/* pyopt.h — Python's getopt.getopt(), which supervisord and supervisorctl parse their
 * command lines with: its rules and its error messages, so tend under those names
 * answers a bad command line as they do. */
#pragma once

#include <stddef.h>

struct pyopt {
	int ind;          /* start at 1; after -1, argv[ind] is the first operand */
	const char *next; /* the rest of a group of short options ("-nc FILE") */
	char *arg;        /* the option's argument, or NULL */
	char given[80];   /* the option as Python names it: "-c", "--configuration" */
	char err[320];    /* after '?': getopt's message ("option -x not recognized") */
};

/* The next option: its character, 0 for a long one (its full name in given + 2), -2 on
 * an error (err set; not '?', which may be an option), -1 at the first operand, at "-",
 * after "--" or at the end. SHORTS is getopt's ("hc:"), LONGS a NULL-terminated list
 * ("configuration=", "nodaemon"). */
int pyopt_next(struct pyopt *o, int argc, char **argv, const char *shorts, const char *const *longs);
