/* persona.c — the command lines of tend, tini and dumb-init (chosen by argv[0]'s
 * basename), so `ENTRYPOINT ["tini", "--"]` or `["dumb-init", ...]` works unchanged.
 * Option parsing always stops at the first non-option: glibc tini permutes argv, which
 * turns `tini sh -c x` into an error; tend does not copy that trap. */
#include "tend.h"
#include "config_keys.h"
#include "duration.h"
#include "intparse.h"
#include "optparse.h"
#include "signame.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_bit(unsigned char *bits, int n) { bits[n / 8] |= (unsigned char)(1u << (n % 8)); }

static const char tend_usage[] =
	"Usage: tend [OPTIONS] [--] CMD [ARGS...]      run CMD as an init would\n"
	"       tend -c FILE [OPTIONS] [-- CMD [ARGS...]]  supervise the services in FILE\n"
	"\n"
	"  -c, --config FILE     supervisord-compatible configuration\n"
	"      --check           validate the configuration, print the services, exit\n"
	"  -g, --pgroup          forward signals to the child's process group\n"
	"  -r, --rewrite FROM:TO rewrite signal FROM to TO (names or numbers; TO=0 drops it)\n"
	"  -e, --expect CODE     treat exit code CODE as 0 (repeatable)\n"
	"  -p, --pdeathsig SIG   signal tend receives when its parent dies\n"
	"  -s, --subreaper       accepted; tend is always a subreaper when not PID 1\n"
	"      --grace SECONDS   time left to other processes after the main child exits\n"
	"                        (default 5), then SIGKILL\n"
	"  -w, --warn-reap       log every reaped zombie\n"
	"      --log-format F    text or json; --log-timestamps: stamp text lines\n"
	"  -v, --verbose         more messages on stderr (repeatable)\n"
	"  -h, --help            this text\n"
	"  -V, --version         print the version\n";

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tend: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'tend --help'.\n");
	exit(2);
}

static int parse_code(const char *s)
{
	char *end;
	long v = str_to_ll(s, &end, 10);
	return (*s && !*end && v >= 0 && v <= 255) ? (int)v : -1;
}

static int parse_rewrite(struct tend *t, char *arg)
{
	char *colon = strrchr(arg, ':');
	if (!colon)
		return -1;
	*colon = 0;
	int from = sig_parse(arg, 0), to = sig_parse(colon + 1, 1);
	*colon = ':';
	if (from <= 0 || from > 64 || to < 0 || from == SIGKILL || from == SIGSTOP || from == SIGCHLD)
		return -1;
	t->opt.rewrite[from] = to;
	return 0;
}


/* What was built: bug reports need it, and an image's users cannot see the Makefile.
 * musl defines no macro of its own, so "not glibc" is musl here (the two builds). */
static void print_version(void)
{
#ifdef __GLIBC__
	char libc[32];
	snprintf(libc, sizeof libc, "glibc %d.%d", __GLIBC__, __GLIBC_MINOR__);
#else
	const char *libc = "musl";
#endif
#ifdef TEND_STATIC
	const char *link = "static";
#else
	const char *link = "dynamic";
#endif
	printf("tend %s\nbuild: %s, %s, gcc %s\n"
	       "personas: tini, docker-init, dumb-init, supervisord, supervisorctl\n"
	       "features: keeper, cgroup v2, readiness (fd, notify, tcp, http, exec, log), health checks,\n"
	       "  dependencies, xml-rpc, event listeners, fcgi-program, event stream, metrics, json logs\n",
	       TEND_VERSION, link, libc, __VERSION__);
}

/* `INIT -- CMD` (docker run --init, a pod's command:) leaves no room for options: the
 * same settings from the environment, read before the command line, which wins. */
static void env_options(struct tend *t)
{
	const char *v;
	bool on;
	long long n;
	if ((v = getenv("TEND_PGROUP")) && *v) {
		if (parse_bool(v, &on) < 0)
			usage_error("invalid TEND_PGROUP '%s' (want true or false)", v);
		t->opt.pgroup = on;
	}
	if ((v = getenv("TEND_VERBOSITY")) && *v) {
		if (parse_int(v, 0, 9, &n) < 0)
			usage_error("invalid TEND_VERBOSITY '%s' (want 0-9; 1 is the default, 2 is -v)", v);
		t->opt.verbosity = (int)n;
	}
	if ((v = getenv("TEND_GRACE")) && *v) {
		if ((n = seconds_to_ms(v)) < 0 || n > 86400000LL)
			usage_error("invalid TEND_GRACE '%s' (want seconds)", v);
		t->opt.grace_ms = (int)n;
	}
}

static void parse_tend(struct tend *t, int argc, char **argv)
{
	enum { O_CHECK = 256, O_GRACE, O_LOG_FORMAT, O_LOG_TS };
	static const struct optlong longopts[] = {
		{"config", 1, 'c'},    {"check", 0, O_CHECK},  {"pgroup", 0, 'g'},
		{"rewrite", 1, 'r'},   {"expect", 1, 'e'},     {"pdeathsig", 1, 'p'},
		{"subreaper", 0, 's'}, {"grace", 1, O_GRACE}, {"warn-reap", 0, 'w'},
		{"verbose", 0, 'v'},   {"help", 0, 'h'},       {"version", 0, 'V'},
		{"log-format", 1, O_LOG_FORMAT}, {"log-timestamps", 0, O_LOG_TS},
		{0, 0, 0}};
	struct optscan o = {.ind = 1};
	int c, code;
	long long ms;
	env_options(t);
	while ((c = opt_next(&o, argc, argv, "+c:gr:e:p:swvhV", longopts)) != -1) {
		switch (c) {
		case 'c': t->opt.config = o.arg; break;
		case O_CHECK: t->opt.check = true; break;
		case 'g': t->opt.pgroup = true; break;
		case 's': break;
		case 'w': t->opt.warn_reap = true; break;
		case 'v': t->opt.verbosity++; break;
		case 'r':
			if (parse_rewrite(t, o.arg) < 0)
				usage_error("invalid rewrite '%s' (want FROM:TO, e.g. TERM:QUIT or 15:0)", o.arg);
			break;
		case 'e':
			if ((code = parse_code(o.arg)) < 0)
				usage_error("invalid exit code '%s' (want 0-255)", o.arg);
			set_bit(t->opt.expect, code);
			break;
		case 'p':
			if ((t->opt.pdeathsig = sig_parse(o.arg, 0)) <= 0)
				usage_error("invalid signal '%s'", o.arg);
			break;
		case O_GRACE:
			if ((ms = seconds_to_ms(o.arg)) < 0 || ms > 86400000LL)
				usage_error("invalid --grace '%s' (want seconds)", o.arg);
			t->opt.grace_ms = (int)ms;
			break;
		case O_LOG_FORMAT:
			if ((code = log_choice(o.arg, LOG_FORMAT)) < 0)
				usage_error("invalid --log-format '%s' (want text or json)", o.arg);
			t->opt.log[LOG_FORMAT] = (unsigned char)code;
			break;
		case O_LOG_TS: t->opt.log[LOG_STAMPS] = LOG_CHOICE_ON; break;
		case 'h': fputs(tend_usage, stdout); exit(0);
		case 'V': print_version(); exit(0);
		default: fprintf(stderr, "Try 'tend --help'.\n"); exit(2);
		}
	}
	if (o.ind < argc)
		t->opt.argv = argv + o.ind;
	else if (!t->opt.config)
		usage_error("%s", "no command given (and no -c FILE)");
}

/* ---- tini 0.19.0 ---- */

static const char tini_usage[] =
	"tini (tini version 0.19.0 - tend " TEND_VERSION ")\n"
	"Usage: tini [OPTIONS] PROGRAM -- [ARGS] | --version\n\n"
	"Execute a program under the supervision of a valid init process (tini)\n\n"
	"Command line options:\n\n"
	"  --version: Show version and exit.\n"
	"  -h: Show this help message and exit.\n"
	"  -s: Register as a process subreaper (requires Linux >= 3.4).\n"
	"  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".\n"
	"  -v: Generate more verbose output. Repeat up to 3 times.\n"
	"  -w: Print a warning when processes are getting reaped.\n"
	"  -g: Send signals to the child's process group.\n"
	"  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.\n"
	"  -l: Show license and exit.\n\n"
	"Environment variables:\n\n"
	"  TINI_SUBREAPER: Register as a process subreaper (requires Linux >= 3.4).\n"
	"  TINI_VERBOSITY: Set the verbosity level (default: 1).\n"
	"  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n\n";

/* -l: tend's notice, not tini's licence text: this program is not tini and has none of
 * tini's code, so tini's copyright line would be false here. */
static const char tini_license[] =
	"This is tend " TEND_VERSION " answering to the name tini. It is not tini: it contains no\n"
	"code from tini, and tini's licence and copyright do not apply to it.\n"
	"tend is distributed under the MIT License. THE SOFTWARE IS PROVIDED \"AS IS\",\n"
	"WITHOUT WARRANTY OF ANY KIND.\n";

/* tini's -p accepts exactly the SIG-prefixed names of its table */
static int tini_signal(const char *s)
{
	if (strncmp(s, "SIG", 3) || !s[3] || (s[3] >= '0' && s[3] <= '9') || !strncmp(s, "SIGRT", 5))
		return -1;
	for (const char *p = s + 3; *p; p++)
		if ((*p < 'A' || *p > 'Z') && (*p < '0' || *p > '9'))
			return -1;
	return sig_parse(s, 0);
}

static void tini_fail(const char *fmt, const char *arg)
{
	fprintf(stderr, fmt, arg);
	fputs(tini_usage, stderr);
	exit(1);
}

static void parse_tini(struct tend *t, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("tini version 0.19.0 - tend %s\n", TEND_VERSION);
		exit(0);
	}
	t->opt.verbosity = 1;
	struct optscan o = {.ind = 1};
	int c, code;
	while ((c = opt_next(&o, argc, argv, "+p:hvwgle:s", NULL)) != -1) {
		switch (c) {
		case 'h': fputs(tini_usage, stdout); exit(0);
		case 'l': fputs(tini_license, stdout); exit(0);
		case 's': break;
		case 'v': t->opt.verbosity++; break;
		case 'w': t->opt.warn_reap = true; break;
		case 'g': t->opt.pgroup = true; break;
		case 'e':
			if ((code = parse_code(o.arg)) < 0)
				tini_fail("[FATAL tini] Not a valid option for -e: %s\n", o.arg);
			set_bit(t->opt.expect, code);
			break;
		case 'p':
			if ((t->opt.pdeathsig = tini_signal(o.arg)) <= 0)
				tini_fail("[FATAL tini] Not a valid option for -p: %s\n", o.arg);
			break;
		default: tini_fail("%s", "");
		}
	}
	if (getenv("TINI_KILL_PROCESS_GROUP"))
		t->opt.pgroup = true;
	const char *v = getenv("TINI_VERBOSITY");
	if (v)
		t->opt.verbosity = atoi(v);
	if (o.ind >= argc)
		tini_fail("%s", "");
	t->opt.argv = argv + o.ind;
}

/* ---- dumb-init 1.2.5 ---- */

/* As dumb-init prints it, byte for byte (after "Usage: ARGV0"): its own test suite
 * compares the whole text. */
static const char dumb_help[] =
	" [option] command [[arg] ...]\n\n"
	"dumb-init is a simple process supervisor that forwards signals to children.\n"
	"It is designed to run as PID1 in minimal container environments.\n\n"
	"Optional arguments:\n"
	"   -c, --single-child   Run in single-child mode.\n"
	"                        In this mode, signals are only proxied to the\n"
	"                        direct child and not any of its descendants.\n"
	"   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.\n"
	"                        To ignore (not proxy) a signal, rewrite it to 0.\n"
	"                        This option can be specified multiple times.\n"
	"   -v, --verbose        Print debugging information to stderr.\n"
	"   -h, --help           Print this help message and exit.\n"
	"   -V, --version        Print the current version and exit.\n\n"
	"Full help is available online at https://github.com/Yelp/dumb-init\n";

/* sscanf("%d:%d") semantics, which dumb-init uses: leading blanks and a sign allowed,
 * anything after the second number ignored. (No sscanf: it pulls in all of scanf.) */
static bool scan_int(const char **s, int *out)
{
	char *end;
	long v = str_to_ll(*s, &end, 10);
	if (end == *s || v < -1000 || v > 1000)
		return false;
	*out = (int)v;
	*s = end;
	return true;
}

static void dumb_rewrite(struct tend *t, const char *arg, bool *user_set)
{
	int s, r = 0; /* scan_int sets it; gcc cannot tell under -fno-thread-jumps */
	const char *p = arg;
	if (!scan_int(&p, &s) || *p++ != ':' || !scan_int(&p, &r) || s < 1 || s > 31 || r < 0 || r > 31) {
		fprintf(stderr,
			"Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n"
			"This option can be specified multiple times.\n"
			"Use --help for full usage.\n");
		exit(1);
	}
	t->opt.rewrite[s] = r;
	user_set[s] = true;
}

static void parse_dumb_init(struct tend *t, int argc, char **argv)
{
	static const struct optlong longopts[] = {
		{"help", 0, 'h'},    {"single-child", 0, 'c'}, {"rewrite", 1, 'r'},
		{"verbose", 0, 'v'}, {"version", 0, 'V'},      {0, 0, 0}};
	struct optscan o = {.ind = 1};
	bool user_set[32] = {0};
	t->opt.setsid = true;
	t->opt.reset_ign = true;
	int c;
	while ((c = opt_next(&o, argc, argv, "+hvVcr:", longopts)) != -1) {
		switch (c) {
		case 'h': fprintf(stderr, "dumb-init v1.2.5\nUsage: %s%s", argv[0], dumb_help); exit(0);
		case 'V': fputs("dumb-init v1.2.5\n", stderr); exit(0);
		case 'v': t->opt.dumb_debug = true; break;
		case 'c': t->opt.setsid = false; break;
		case 'r': dumb_rewrite(t, o.arg, user_set); break;
		default: exit(1);
		}
	}
	if (o.ind >= argc) { /* before the environment is read, as dumb-init does */
		fprintf(stderr, "Usage: %s [option] program [args]\nTry %s --help for full usage.\n",
			argv[0], argv[0]);
		exit(1);
	}
	const char *v = getenv("DUMB_INIT_DEBUG");
	if (v && !strcmp(v, "1")) {
		t->opt.dumb_debug = true;
		dumb_say(t, "Running in debug mode.");
	}
	v = getenv("DUMB_INIT_SETSID");
	if (v && !strcmp(v, "0")) {
		t->opt.setsid = false;
		dumb_say(t, "Not running in setsid mode.");
	}
	if (t->opt.setsid) {
		const int job[] = {SIGTSTP, SIGTTOU, SIGTTIN};
		for (int i = 0; i < 3; i++)
			if (!user_set[job[i]])
				t->opt.rewrite[job[i]] = SIGSTOP;
	}
	t->opt.pgroup = t->opt.setsid;
	t->opt.argv = argv + o.ind;
}

/* docker-init: what `docker run --init` runs (dockerd ships tini under that name), so
 * TINI_* settings and dockerd's `--version` parse keep working when tend is injected */
static bool named_tini(const char *base)
{
	return !strcmp(base, "tini") || !strcmp(base, "tini-static") || !strcmp(base, "docker-init");
}

bool persona_foreign(const char *base)
{
	return named_tini(base) || !strcmp(base, "dumb-init") || !strcmp(base, "supervisord");
}

void persona_parse(struct tend *t, int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	for (int i = 0; i < 65; i++)
		t->opt.rewrite[i] = -1;
	t->opt.grace_ms = 5000;
	t->opt.verbosity = 1;
	t->opt.sv_minfds = t->opt.sv_minprocs = LLONG_MIN;
	if (named_tini(base)) {
		t->opt.persona = PERSONA_TINI;
		t->name = "tini";
		parse_tini(t, argc, argv);
	} else if (!strcmp(base, "supervisord")) {
		t->name = "tend";
		parse_supervisord(t, argc, argv);
	} else if (!strcmp(base, "dumb-init")) {
		t->opt.persona = PERSONA_DUMB_INIT;
		t->name = "dumb-init";
		t->opt.verbosity = 0;
		parse_dumb_init(t, argc, argv);
	} else {
		t->name = "tend";
		parse_tend(t, argc, argv);
	}
}
