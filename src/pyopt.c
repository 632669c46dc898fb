/* pyopt.c — Python 3's getopt.getopt() (see pyopt.h). Its rules: options end at the first
 * argument that does not start with '-', at "-" and after "--" (no permutation); "-abc" is a
 * group, "-cFILE" and "-c FILE" give an argument; "--name=value" and "--name value" too; a
 * long option may be any prefix of one option, or exactly one of several. */
#include "pyopt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 3))) static int fail(struct pyopt *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof o->err, fmt, ap);
	va_end(ap);
	return -2;
}

/* getopt's long_has_args(): an exact name wins, else the one option it begins */
static int long_option(struct pyopt *o, int argc, char **argv, const char *const *longs)
{
	const char *opt = argv[o->ind++] + 2, *eq = strchr(opt, '='), *match = NULL;
	int len = eq ? (int)(eq - opt) : (int)strlen(opt), n = 0;
	for (int k = 0; longs[k] && n >= 0; k++)
		if (!strncmp(longs[k], opt, (size_t)len)) {
			n = (int)strcspn(longs[k], "=") == len ? -1 : n + 1; /* -1: exact */
			match = longs[k];
		}
	if (!n)
		return fail(o, "option --%.*s not recognized", len, opt);
	if (n > 1)
		return fail(o, "option --%.*s not a unique prefix", len, opt);
	snprintf(o->given, sizeof o->given, "--%.*s", (int)strcspn(match, "="), match);
	if (!strchr(match, '=')) {
		if (eq)
			return fail(o, "option %s must not have an argument", o->given);
	} else if (eq)
		o->arg = (char *)eq + 1;
	else if (o->ind < argc)
		o->arg = argv[o->ind++];
	else
		return fail(o, "option %s requires argument", o->given);
	return 0;
}

int pyopt_next(struct pyopt *o, int argc, char **argv, const char *shorts, const char *const *longs)
{
	o->arg = NULL;
	if (!o->next) {
		const char *a = o->ind < argc ? argv[o->ind] : NULL;
		if (!a || a[0] != '-' || !a[1])
			return -1;
		if (!strcmp(a, "--"))
			return o->ind++, -1;
		if (a[1] == '-')
			return long_option(o, argc, argv, longs);
		o->next = argv[o->ind++] + 1;
	}
	char ch = *o->next++;
	const char *p = ch != ':' ? strchr(shorts, ch) : NULL;
	snprintf(o->given, sizeof o->given, "-%c", ch);
	if (!p)
		return o->next = NULL, fail(o, "option -%c not recognized", ch);
	if (p[1] == ':') {
		if (*o->next)
			o->arg = (char *)o->next;
		else if (o->ind < argc)
			o->arg = argv[o->ind++];
		else
			return o->next = NULL, fail(o, "option -%c requires argument", ch);
		o->next = NULL;
	} else if (!*o->next)
		o->next = NULL;
	return ch;
}
