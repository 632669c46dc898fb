/* persona_supervisord.c — tend named `supervisord`: supervisord 4.2.5's command line, so an
 * image whose CMD is `supervisord -n -c FILE` (or plain `supervisord`, which searches for
 * its config) switches by replacing the binary. Python getopt's rules and messages
 * (pyopt.c), supervisord's "Error: ...\nFor help, use PROG -h" and exit 2. The options that
 * are [supervisord] keys tend implements (-j pidfile, -i identifier, -a minfds, --minprocs)
 * override the file, on every load as in supervisord; the daemon settings tend has no use
 * for (-n -s -k -t -m -d -l -y -z -e -q -u, --profile_options) are accepted and ignored,
 * as those keys are in the file. */
#include "tend.h"
#include "config.h"
#include "ctl.h"
#include "intparse.h"
#include "pathname.h"
#include "pyopt.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char sv_usage[] =
	"supervisord (tend " TEND_VERSION "): supervisord 4.2.5's command line\n"
	"Usage: %s [-c FILE] [-j PIDFILE] [-i ID] [-a MINFDS] [--minprocs N] [-h] [-v]\n"
	"  (long names as supervisord's; -n -s -k -t -u -m -d -l -y -z -e -q --profile_options:\n"
	"  accepted and ignored, as their [supervisord] keys)\n";

static const char *const sv_longs[] = {
	"help", "configuration=", "version", "nodaemon", "user=", "umask=", "directory=", "logfile=",
	"logfile_maxbytes=", "logfile_backups=", "loglevel=", "pidfile=", "identifier=", "childlogdir=",
	"minfds=", "minprocs=", "nocleanup", "strip_ansi", "profile_options=", "silent", NULL};
/* the short letter of each long option above ('-': --minprocs, '.': --profile_options) */
static const char sv_letters[] = "hcvnumdlyzejiqa-kt.s";

static char sv_letter(const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; sv_longs[i]; i++)
		if (!strncmp(sv_longs[i], name, n) && (sv_longs[i][n] == '=' || !sv_longs[i][n]))
			return sv_letters[i];
	return 0;
}

_Noreturn __attribute__((format(printf, 2, 3))) static void sv_fail(const char *prog, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nFor help, use %s -h\n", prog);
	exit(2);
}

/* supervisord's int(): Python's int() of a string: blanks around, a sign, digits with
 * single underscores between them */
static long long sv_int(const char *prog, const char *given, const char *v)
{
	const char *p = v;
	long long n = 0;
	int digits = 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	bool neg = *p == '-';
	for (p += *p == '-' || *p == '+'; (*p >= '0' && *p <= '9') || (*p == '_' && digits && p[1] >= '0' && p[1] <= '9');
	     p++)
		if (*p != '_' && ++digits && n < 100000000000000000LL)
			n = n * 10 + (*p - '0');
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (!digits || *p)
		sv_fail(prog, "invalid value for %s '%s': invalid literal for int() with base 10: '%s'", given, v, v);
	return neg ? -n : n;
}

/* existing_dirpath(): `~` expanded, a directory part must exist; made absolute, as the
 * config's pidfile is (tend leaves its start directory) */
static const char *sv_dirpath(const char *prog, const char *given, const char *v)
{
	char path[PATH_MAX], cwd[PATH_MAX], checked[PATH_MAX] = "", *abs;
	if (!getcwd(cwd, sizeof cwd))
		sv_fail(prog, "getcwd: %s", errstr());
	if (path_expand_user(v, path, sizeof path) < 0 || path_dir_missing(path, cwd, checked))
		sv_fail(prog, "invalid value for %s '%s': The directory named as part of the path %s does not exist",
			given, v, v);
	if (path[0] == '/')
		return strdup(path);
	if (asprintf(&abs, "%s/%s", cwd, path) < 0)
		sv_fail(prog, "%s", strerror(ENOMEM));
	return abs;
}

static void sv_option(struct tend *t, const char *prog, char key, const char *given, char *arg)
{
	struct options *o = &t->opt;
	switch (key) {
	case 'h': printf(sv_usage, prog); exit(0);
	case 'v': fputs("4.2.5\n", stdout); exit(0); /* what supervisorctl's version reads from tend too */
	case 'c': o->config = arg; break;
	case 'j': o->sv_pidfile = sv_dirpath(prog, given, arg); break;
	case 'i': o->sv_identifier = arg; break;
	case 'a': o->sv_minfds = sv_int(prog, given, arg); break;
	case '-': o->sv_minprocs = sv_int(prog, given, arg); break; /* --minprocs */
	}
}

/* As supervisord's realize(): every option read first (a getopt error wins), then the
 * positional arguments refused, then each option in order (-h and -v end there), an
 * option given twice refused. */
void parse_supervisord(struct tend *t, int argc, char **argv)
{
	struct pyopt g = {.ind = 1};
	struct sv_opt {
		char key, given[sizeof g.given];
		char *arg;
	} *v = calloc((size_t)argc, sizeof *v);
	int k, n = 0;
	unsigned long seen = 0;
	if (!v)
		sv_fail(argv[0], "%s", strerror(ENOMEM));
	while ((k = pyopt_next(&g, argc, argv, "h?c:vnu:m:d:l:y:z:e:j:i:q:a:kts", sv_longs)) != -1) {
		if (k == -2)
			sv_fail(argv[0], "%s", g.err);
		v[n] = (struct sv_opt){.key = k == '?' ? 'h' : k ? (char)k : sv_letter(g.given + 2), .arg = g.arg};
		memcpy(v[n++].given, g.given, sizeof g.given);
	}
	if (g.ind < argc) {
		char list[512];
		int len = 0;
		for (int i = g.ind; i < argc && len < (int)sizeof list; i++)
			len += snprintf(list + len, sizeof list - (size_t)len, "%s'%s'", i > g.ind ? ", " : "", argv[i]);
		sv_fail(argv[0], "positional arguments are not supported: [%s]", list);
	}
	for (int i = 0; i < n; i++) {
		unsigned long bit = 1UL << (strchr(sv_letters, v[i].key) - sv_letters);
		if (v[i].key != 'h' && v[i].key != 'v' && (seen & bit)) /* the two without a setting */
			sv_fail(argv[0], "conflicting command line option '%s'", v[i].given);
		seen |= bit;
		sv_option(t, argv[0], v[i].key, v[i].given, v[i].arg);
	}
	free(v);
	char tried[1024];
	if (!t->opt.config) {
		char *prog = ctl_program_path(argv[0]);
		t->opt.config = prog ? ctl_find_config(prog, tried, sizeof tried) : NULL;
		free(prog);
		if (!t->opt.config)
			sv_fail(argv[0], "No config file found at default paths (%s); use the -c option to specify a "
					 "config file at a different path", tried);
	} else if (access(t->opt.config, F_OK) < 0) {
		sv_fail(argv[0], "could not find config file %s", t->opt.config);
	}
}

void persona_config_overrides(const struct options *o, struct config *cf)
{
	if (o->sv_pidfile)
		cf->pidfile = (char *)o->sv_pidfile;
	if (o->sv_identifier)
		cf->identifier = (char *)o->sv_identifier;
	if (o->sv_minfds != LLONG_MIN) /* supervisord takes a negative one: nothing to raise */
		cf->minfds = o->sv_minfds < 0 ? 0 : o->sv_minfds;
	if (o->sv_minprocs != LLONG_MIN)
		cf->minprocs = o->sv_minprocs < 0 ? 0 : o->sv_minprocs;
}
