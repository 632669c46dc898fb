/* optparse.c — tend's option parser: glibc getopt_long()'s rules and messages for an
 * option string that starts with "+", the only kind tend uses.
 *
 * Why it exists: the static size budget. It replaces getopt() and getopt_long(), which
 * pulled musl's getopt.lo, getopt_long.lo, __getopt_msg, mblen and mbtowc (about 3.5 KB)
 * into the static binary. It also makes the static binary word its errors as glibc does,
 * as the real tini and dumb-init (glibc builds) word theirs; musl's wording differs.
 *
 * Rules (glibc 2.36, REQUIRE_ORDER): the scan stops at the first argument that is not an
 * option ("x", "-") and after "--"; "-abc" is a group; "-pVALUE" and "-p VALUE" give an
 * argument; "--name=value" and "--name value" too; a long option may be abbreviated to
 * any prefix that is exact or matches one option, or several that all have the same
 * has_arg and val. The messages are glibc's, byte for byte. */
#include "optparse.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* glibc's message; returns '?' */
static int complain(char **argv, const char *fmt, const char *what)
{
	fprintf(stderr, fmt, argv[0], what);
	return '?';
}

static int long_option(struct optscan *s, int argc, char **argv, const struct optlong *lo)
{
	const char *name = s->next, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct optlong *found = NULL, *p;
	bool ambiguous = false;
	s->next = NULL;
	s->ind++;
	/* an exact match wins; else the first prefix match, ambiguous when another differs */
	for (p = lo; p->name; p++) {
		if (strncmp(p->name, name, len))
			continue;
		if (!p->name[len]) {
			found = p;
			ambiguous = false;
			break;
		}
		if (!found)
			found = p;
		else if (p->has_arg != found->has_arg || p->val != found->val)
			ambiguous = true;
	}
	if (ambiguous) {
		fprintf(stderr, "%s: option '--%s' is ambiguous; possibilities:", argv[0], name);
		for (p = lo; p->name; p++)
			if (!strncmp(p->name, name, len) &&
			    (p == found || p->has_arg != found->has_arg || p->val != found->val))
				fprintf(stderr, " '--%s'", p->name);
		fputc('\n', stderr);
		return '?';
	}
	if (!found)
		return complain(argv, "%s: unrecognized option '--%s'\n", name);
	if (eq && !found->has_arg)
		return complain(argv, "%s: option '--%s' doesn't allow an argument\n", found->name);
	if (eq)
		s->arg = (char *)eq + 1;
	else if (found->has_arg) {
		if (s->ind >= argc)
			return complain(argv, "%s: option '--%s' requires an argument\n", found->name);
		s->arg = argv[s->ind++];
	}
	return found->val;
}

int opt_next(struct optscan *s, int argc, char **argv, const char *shortopts, const struct optlong *longopts)
{
	s->arg = NULL;
	if (*shortopts == '+')
		shortopts++;
	if (!s->next || !*s->next) {
		if (s->ind >= argc)
			return -1;
		const char *a = argv[s->ind];
		if (a[0] != '-' || !a[1])
			return -1;
		if (!strcmp(a, "--")) {
			s->ind++;
			return -1;
		}
		s->next = a + 1;
		if (longopts && a[1] == '-') {
			s->next = a + 2;
			return long_option(s, argc, argv, longopts);
		}
	}
	const char c[2] = {*s->next++, 0}, *o = strchr(shortopts, c[0]);
	if (!*s->next)
		s->ind++; /* the group's last character: the next call starts on the next word */
	if (!o || c[0] == ':' || c[0] == ';')
		return complain(argv, "%s: invalid option -- '%s'\n", c);
	if (o[1] == ':') {
		const char *rest = s->next;
		s->next = NULL;
		if (*rest) {
			s->arg = (char *)rest;
			s->ind++;
		} else if (s->ind >= argc)
			return complain(argv, "%s: option requires an argument -- '%s'\n", c);
		else
			s->arg = argv[s->ind++];
	}
	return c[0];
}
