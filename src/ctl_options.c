/* ctl_options.c — where the client's settings come from: supervisorctl's command line
 * (Python getopt rules and messages), its config file search and the [supervisorctl]
 * section, with tend's defaults for `tend ctl`. */
#include "ctl.h"
#include "ctl_int.h"
#include "pyopt.h"
#include "ctl_proto.h"
#include "expand.h"
#include "http.h"
#include "ini.h"
#include "pathname.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"supervisorctl -- control applications run by supervisord from the cmd line.\n\n"
	"Usage: %s [options] [action [arguments]]\n\n"
	"Options:\n"
	"-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
	"-h/--help -- print usage message and exit\n"
	"-i/--interactive -- start an interactive shell after executing commands\n"
	"-s/--serverurl URL -- URL on which supervisord server is listening\n"
	"     (default \"http://localhost:9001\").\n"
	"-u/--username USERNAME -- username to use for authentication with server\n"
	"-p/--password PASSWORD -- password to use for authentication with server\n"
	"-r/--history-file -- keep a readline history (if readline is available)\n\n"
	"action [arguments] -- see below\n\n"
	"Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
	"specified on the command line, a \"shell\" interpreting actions typed\n"
	"interactively is started.  Use the action \"help\" to find out about available\n"
	"actions.\n";

static const char tend_usage_extra[] =
	"\ntend ctl also takes --json (before or after the action: one JSON document per\n"
	"action on stdout) and the action \"wait STATE NAME... [--timeout S]\"; without a\n"
	"config file or -s it talks to unix://" CTL_DEFAULT_SOCKET ".\n";

_Noreturn static void usage(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn static void usage(struct ctl *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nFor help, use %s -h\n", c->progname);
	exit(2);
}

/* ---- paths, as Python's os.path does them ------------------------------------------ */

static char *py_dirname(const char *p)
{
	const char *slash = strrchr(p, '/');
	if (!slash)
		return strdup("");
	size_t n = (size_t)(slash - p) + 1;
	size_t k = n;
	while (k > 0 && p[k - 1] == '/')
		k--;
	if (k == 0) /* all slashes: kept */
		k = n;
	return strndup(p, k);
}

/* os.path.normpath(os.path.abspath(os.path.expanduser(p))) */
static char *py_normalize(const char *p)
{
	char exp[PATH_MAX], cwd[PATH_MAX], *out;
	if (path_expand_user(p, exp, sizeof exp) < 0)
		snprintf(exp, sizeof exp, "%s", p);
	char *full = exp[0] == '/' ? strdup(exp) : NULL;
	if (!full) {
		if (!getcwd(cwd, sizeof cwd))
			strcpy(cwd, "/");
		if (asprintf(&full, "%s/%s", cwd, exp) < 0)
			return NULL;
	}
	size_t n = strlen(full);
	out = malloc(n + 2);
	if (!out)
		return full;
	/* lexical: "." and empty components go, ".." takes the previous one with it */
	size_t o = 0;
	int lead = full[0] == '/' && full[1] == '/' && full[2] != '/' ? 2 : 1;
	for (int i = 0; i < lead; i++)
		out[o++] = '/';
	size_t root = o;
	for (char *s = full; *s;) {
		while (*s == '/')
			s++;
		char *e = s + strcspn(s, "/");
		size_t len = (size_t)(e - s);
		if (len == 0 || (len == 1 && s[0] == '.')) {
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (o > root && out[o - 1] != '/')
				o--;
			if (o > root)
				o--;
		} else {
			if (o > root)
				out[o++] = '/';
			memcpy(out + o, s, len);
			o += len;
		}
		s = e;
	}
	out[o] = 0;
	free(full);
	return out;
}

/* argv[0] as the kernel would have handed it to supervisorctl's script: a name without
 * a slash is found on $PATH (the shell ran it from there). */
char *ctl_program_path(const char *argv0)
{
	if (strchr(argv0, '/'))
		return strdup(argv0);
	const char *path = getenv("PATH");
	for (const char *p = path; p && *p;) {
		size_t n = strcspn(p, ":");
		char *cand;
		if (asprintf(&cand, "%.*s/%s", (int)n, n ? p : ".", argv0) >= 0) {
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		p += n + (p[n] == ':');
	}
	return strdup(argv0);
}

/* ---- the config file ----------------------------------------------------------------- */

static char *get_value(struct ctl *c, struct ini_section *s, const char *key, const char *here)
{
	const struct ini_entry *e = s ? ini_get(s, key) : NULL;
	if (!e)
		return NULL;
	struct expand_ctx x = {.here = here};
	char why[512], name[128];
	snprintf(name, sizeof name, "supervisorctl.%s", key);
	char *v = expand_value(e->value, &x, name, why, sizeof why);
	if (!v)
		usage(c, "%s", why);
	return v;
}

/* supervisord's socket when [supervisorctl] says nothing (tend mode only). */
static char *server_of(struct ini *ini, const char *here)
{
	struct ini_section *u = ini_section(ini, "unix_http_server");
	const struct ini_entry *e = u ? ini_get(u, "file") : NULL;
	char *url = NULL;
	if (e) {
		struct expand_ctx x = {.here = here};
		char why[256];
		char *v = expand_value(e->value, &x, "unix_http_server.file", why, sizeof why);
		char *p = v ? py_normalize(v) : NULL;
		if (p && asprintf(&url, "unix://%s", p) < 0)
			url = NULL;
		free(v);
		free(p);
		return url;
	}
	struct ini_section *t = ini_section(ini, "inet_http_server");
	e = t ? ini_get(t, "port") : NULL;
	if (e && asprintf(&url, "http://%s%s", strchr(e->value, ':') ? "" : "localhost:", e->value) < 0)
		url = NULL;
	return url;
}

static const char *default_socket_url(void)
{
	static char url[PATH_MAX + 8];
	const char *env = getenv("TEND_CTL_SOCKET");
	snprintf(url, sizeof url, "unix://%s", env && *env ? env : CTL_DEFAULT_SOCKET);
	return url;
}

static void read_config(struct ctl *c, const char *file, bool set_url, bool set_user, bool set_pass)
{
	struct stat st;
	if (stat(file, &st) < 0)
		usage(c, "could not find config file %s", file);
	char *abs = py_normalize(file), *here = py_dirname(abs);
	struct ini ini = {0};
	char err[1024];
	if (!ini_read(&ini, abs, err, sizeof err)) {
		if (ini.io_error)
			usage(c, "could not read config file %s", file);
		usage(c, "%s", err);
	}
	struct ini_section *s = ini_section(&ini, "supervisorctl");
	if (!s && !c->tend_mode)
		usage(c, ".ini file does not include supervisorctl section");
	if (set_url) {
		char *url = get_value(c, s, "serverurl", here);
		if (!url && c->tend_mode && !(url = server_of(&ini, here)))
			url = strdup(default_socket_url());
		if (!url)
			url = strdup("http://localhost:9001");
		if (!strncmp(url, "unix://", 7)) {
			char *p = py_normalize(url + 7);
			free(url);
			if (asprintf(&url, "unix://%s", p) < 0)
				url = NULL;
			free(p);
		}
		c->serverurl = url;
	}
	char *v = get_value(c, s, "prompt", NULL);
	if (v) {
		free(c->prompt);
		c->prompt = v;
	}
	if (set_user)
		c->username = get_value(c, s, "username", NULL);
	if (set_pass)
		c->password = get_value(c, s, "password", NULL);
	ini_free(&ini);
	free(abs);
	free(here);
}

/* supervisord's search path (options.py): beside the program, then the usual places. The
 * tried names go to TRIED (may be NULL), comma-separated, for supervisord's message. */
char *ctl_find_config(const char *prog, char *tried, size_t len)
{
	char *d1 = py_dirname(prog), *here = py_dirname(d1);
	char *cand[6];
	const char *sep = here[0] && here[strlen(here) - 1] != '/' ? "/" : "";
	if (asprintf(&cand[0], "%s%setc/supervisord.conf", here, sep) < 0 ||
	    asprintf(&cand[1], "%s%ssupervisord.conf", here, sep) < 0)
		exit(1);
	cand[2] = "supervisord.conf";
	cand[3] = "etc/supervisord.conf";
	cand[4] = "/etc/supervisord.conf";
	cand[5] = "/etc/supervisor/supervisord.conf";
	free(d1);
	free(here);
	char *found = NULL;
	for (int i = 0, k = 0; i < 6 && !found; i++) {
		if (access(cand[i], F_OK) == 0)
			found = strdup(cand[i]);
		if (tried && k < (int)len)
			k += snprintf(tried + k, len - (size_t)k, "%s%s", i ? ", " : "", cand[i]);
	}
	free(cand[0]);
	free(cand[1]);
	return found;
}

/* ---- the command line (Python getopt) ------------------------------------------------ */

static const char *const longopts[] = {"help", "configuration=", "interactive", "serverurl=", "username=",
				       "password=", "history_file=", "json", NULL};

/* Python urlparse: a scheme, then a netloc or a path. */
static bool is_url(const char *v)
{
	size_t n = 0;
	if (!isalpha((unsigned char)v[0]))
		return false;
	while (isalnum((unsigned char)v[n]) || v[n] == '+' || v[n] == '-' || v[n] == '.')
		n++;
	if (v[n] != ':')
		return false;
	const char *rest = v + n + 1;
	if (!strncmp(rest, "//", 2)) {
		rest += 2;
		if (strcspn(rest, "/?#"))
			return true; /* a netloc */
	}
	return strcspn(rest, "?#") > 0; /* a path */
}

struct opts {
	char *configfile;
	bool have_url, have_user, have_pass, have_hist, have_i;
};

static void set_opt(struct ctl *c, struct opts *o, char key, const char *given, const char *val)
{
	bool *seen = NULL;
	switch (key) {
	case 'h':
		printf(usage_text, c->progname);
		if (c->tend_mode)
			fputs(tend_usage_extra, stdout);
		fputc('\n', stdout); /* not putchar(): one libc member less in the static build */
		exit(0);
	case 'j':
		c->json = true;
		return;
	case 'c':
		if (o->configfile)
			usage(c, "conflicting command line option '%s'", given);
		o->configfile = strdup(val);
		return;
	case 'i': seen = &o->have_i; break;
	case 's':
		if (!is_url(val))
			usage(c, "invalid value for %s '%s': value '%s' is not a URL", given, val, val);
		seen = &o->have_url;
		break;
	case 'u': seen = &o->have_user; break;
	case 'p': seen = &o->have_pass; break;
	case 'r': seen = &o->have_hist; break;
	}
	if (*seen)
		usage(c, "conflicting command line option '%s'", given);
	*seen = true;
	if (key == 'i')
		c->interactive = true;
	else if (key == 's')
		c->serverurl = strdup(val);
	else if (key == 'u')
		c->username = strdup(val);
	else if (key == 'p')
		c->password = strdup(val);
}

static char long_key(const char *name)
{
	return !strcmp(name, "history_file") ? 'r' : !strcmp(name, "json") ? 'j' : name[0] == 'c' ? 'c' : name[0];
}

/* Parse the options, read the config; returns the index of the first argument. */
int ctl_options(struct ctl *c, int argc, char **argv)
{
	struct opts o = {0};
	struct pyopt g = {.ind = 1};
	int k;
	while ((k = pyopt_next(&g, argc, argv, "h?c:is:u:p:r:", longopts)) != -1) {
		if (k == -2)
			usage(c, "%s", g.err);
		set_opt(c, &o, k ? (k == '?' ? 'h' : (char)k) : long_key(g.given + 2), g.given, g.arg);
	}
	int i = g.ind;
	char *file = o.configfile;
	if (!file)
		file = ctl_find_config(c->prog_path, NULL, 0);
	c->prompt = strdup("supervisor");
	if (file)
		read_config(c, file, !o.have_url, !o.have_user, !o.have_pass);
	free(file);
	if (!c->serverurl)
		c->serverurl = strdup(c->tend_mode ? default_socket_url() : "http://localhost:9001");
	if (i >= argc)
		c->interactive = true;
	return i;
}
