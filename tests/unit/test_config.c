/* test_config.c — the supervisord-compatible config parser (config.c, ini.c, expand.c).
 * Each case writes config text into a temporary directory and loads it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <limits.h>
#include <sys/utsname.h>

#include "check.h"
#include "config_fixture.h"

static int count_exitcodes(const struct program *p)
{
	int n = 0;
	for (int i = 0; i < 256; i++)
		n += exitcode_expected(p, i);
	return n;
}

/* The command of a one-process config whose [program:p] has command=CMD. */
static int command_is(const char *cmd, ...)
{
	struct config c;
	char text[1024];
	snprintf(text, sizeof text, "[program:p]\ncommand=%s\n", cmd);
	if (load(text, &c)) {
		fprintf(stderr, "  load failed: %s\n", err);
		return 0;
	}
	va_list ap;
	va_start(ap, cmd);
	int i = 0, ok = c.nprogs == 1;
	for (const char *s; ok && (s = va_arg(ap, const char *)); i++)
		ok = c.progs[0].argv[i] && !strcmp(c.progs[0].argv[i], s);
	va_end(ap);
	ok = ok && !c.progs[0].argv[i];
	if (!ok)
		argv_is(c.progs[0].argv, NULL);
	config_free(&c);
	return ok;
}

/* The environment of a one-process config with environment=ENV; NULL if it failed. */
static char **env_of(const char *env, struct config *c)
{
	char text[1024];
	snprintf(text, sizeof text, "[program:p]\ncommand=x\nenvironment=%s\n", env);
	if (load(text, c))
		return NULL;
	return c->progs[0].env;
}

/* ---- cases ---------------------------------------------------------------------------- */

static void test_defaults(void)
{
	struct config c;
	if (LOAD_OK("[program:a]\ncommand=/bin/true\n", &c, 1))
		return;
	const struct program *p = &c.progs[0];
	CHECK_STR(p->name, "a");
	CHECK_STR(p->group, "a");
	CHECK_STR(p->program, "a");
	CHECK(p->process_num == 0);
	CHECK(argv_is(p->argv, "/bin/true", NULL));
	CHECK(p->priority == 999);
	CHECK(p->autostart);
	CHECK(p->startsecs == 1);
	CHECK(p->startretries == 3);
	CHECK(p->autorestart == RESTART_UNEXPECTED);
	CHECK(exitcode_expected(p, 0) && count_exitcodes(p) == 1);
	CHECK(p->stopsignal == SIGTERM);
	CHECK(p->stopwaitsecs == 10);
	CHECK(!p->stopasgroup && !p->killasgroup);
	CHECK(p->user == NULL && p->directory == NULL);
	CHECK(p->umask == -1);
	CHECK(p->env == NULL || p->env[0] == NULL);
	CHECK(!p->redirect_stderr);
	CHECK(p->out.kind == LOG_DEFAULT && p->out.maxbytes == 50LL * 1024 * 1024 && p->out.backups == 10);
	CHECK(p->err.kind == LOG_DEFAULT && p->err.maxbytes == 50LL * 1024 * 1024 && p->err.backups == 10);
	CHECK(p->containment);
	CHECK(p->shutdown_on == SHUTDOWN_NEVER);
	CHECK_STR(p->file, mainp);
	CHECK(p->line == 1);
	CHECK(c.env == NULL && c.unix_srv.file == NULL);
	CHECK_STR(c.path, mainp);
	CHECK_STR(warnings, ""); /* no [supervisord] section: fine, and no warning */
	config_free(&c);

	/* an empty file and a file with only [supervisord] are valid and run nothing */
	if (!LOAD_OK("", &c, 0))
		config_free(&c);
	if (!LOAD_OK("[supervisord]\nnodaemon=true\n", &c, 0))
		config_free(&c);
}

static void test_every_key(void)
{
	struct config c;
	const char *text =
		"[supervisord]\n"
		"logfile=/dev/null\nlogfile_maxbytes=0\nlogfile_backups=1\nloglevel=debug\npidfile=/x.pid\n"
		"umask=022\nnodaemon=true\nsilent=true\nminfds=10\nminprocs=10\nnocleanup=true\n"
		"childlogdir=/tmp\nuser=root\ndirectory=/\nstrip_ansi=false\nidentifier=x\n"
		"[unix_http_server]\nfile=%(here)s/tend.sock\nchmod=0700\nchown=root\nusername=u\npassword=p\n"
		"[inet_http_server]\nport=:9001\n"
		"[supervisorctl]\nserverurl=unix:///tmp/x.sock\nwhatever=1\n"
		"[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
		"[program:a]\n"
		"command=/bin/sleep 10\n"
		"priority=-5\n"
		"autostart=No\n"
		"startsecs=0\n"
		"startretries=7\n"
		"autorestart=TRUE\n"
		"exitcodes=0, 2,255\n"
		"stopsignal=sigkill\n"
		"stopwaitsecs=3\n"
		"stopasgroup=on\n"
		"user=nobody\n"
		"directory=/srv\n"
		"umask=027\n"
		"redirect_stderr=no\n"
		"stdout_logfile=/var/log/a.log\n"
		"stdout_logfile_maxbytes=1KB\n"
		"stdout_logfile_backups=0\n"
		"stderr_logfile_maxbytes=2mb\n"
		"stderr_logfile_backups=4\n"
		"containment=false\n"
		"shutdown_on=fatal\n"
		"serverurl=AUTO\nstdout_capture_maxbytes=1MB\nstdout_events_enabled=true\nstdout_syslog=false\n"
		"stderr_capture_maxbytes=0\nstderr_events_enabled=false\nstderr_syslog=true\n";
	if (LOAD_OK(text, &c, 1))
		return;
	const struct program *p = &c.progs[0];
	CHECK(argv_is(p->argv, "/bin/sleep", "10", NULL));
	CHECK(p->priority == -5);
	CHECK(!p->autostart);
	CHECK(p->startsecs == 0);
	CHECK(p->startretries == 7);
	CHECK(p->autorestart == RESTART_TRUE);
	CHECK(exitcode_expected(p, 0) && exitcode_expected(p, 2) && exitcode_expected(p, 255) && count_exitcodes(p) == 3);
	CHECK(!exitcode_expected(p, 256) && !exitcode_expected(p, -1));
	CHECK(p->stopsignal == SIGKILL);
	CHECK(p->stopwaitsecs == 3);
	CHECK(p->stopasgroup && p->killasgroup); /* killasgroup follows stopasgroup */
	CHECK_STR(p->user, "nobody");
	CHECK_STR(p->directory, "/srv");
	CHECK(p->umask == 027);
	CHECK(!p->redirect_stderr);
	CHECK(p->out.kind == LOG_FILE && p->out.path && !strcmp(p->out.path, "/var/log/a.log"));
	CHECK(p->out.maxbytes == 1024 && p->out.backups == 0);
	CHECK(p->err.maxbytes == 2 * 1024 * 1024 && p->err.backups == 4);
	CHECK(!p->containment);
	CHECK(p->shutdown_on == SHUTDOWN_ON_FATAL);
	CHECK_STR(c.unix_srv.file, at("tend.sock"));
	CHECK_STR(warnings, ""); /* every key above is known or silently accepted */
	config_free(&c);

	/* values of each kind */
	static const struct {
		const char *line;
		int field; /* which check below */
		long long want;
	} kv[] = {
		{"autorestart=false", 0, RESTART_FALSE}, {"autorestart=Unexpected", 0, RESTART_UNEXPECTED},
		{"autorestart=1", 0, RESTART_TRUE},      {"stopsignal=HUP", 1, SIGHUP},
		{"stopsignal=10", 1, 10},                {"stopsignal=int", 1, SIGINT},
		{"umask=0o77", 2, 077},                  {"umask=0", 2, 0},
		{"stdout_logfile_maxbytes=1GB", 3, 1LL << 30}, {"stdout_logfile_maxbytes=123", 3, 123},
		{"stdout_logfile_maxbytes=0", 3, 0},     {"stdout_logfile_maxbytes=5 KB", 3, 5120},
		{"shutdown_on=exit", 4, SHUTDOWN_ON_EXIT}, {"shutdown_on=never", 4, SHUTDOWN_NEVER},
		{"autostart=off", 5, 0},                 {"autostart=ON", 5, 1},
		{"autostart=0", 5, 0},                   {"autostart=yes", 5, 1},
		{"containment=true", 6, 1},              {"stopasgroup=true\nkillasgroup=true", 7, 1},
		{"stopasgroup=false\nkillasgroup=true", 7, 1}, {"redirect_stderr=1", 8, 1},
	};
	for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) {
		char t[256];
		snprintf(t, sizeof t, "[program:a]\ncommand=x\n%s\n", kv[i].line);
		if (LOAD_OK(t, &c, 1))
			continue;
		p = &c.progs[0];
		long long got = kv[i].field == 0 ? p->autorestart : kv[i].field == 1 ? p->stopsignal
			      : kv[i].field == 2 ? p->umask : kv[i].field == 3 ? p->out.maxbytes
			      : kv[i].field == 4 ? p->shutdown_on : kv[i].field == 5 ? p->autostart
			      : kv[i].field == 6 ? p->containment : kv[i].field == 7 ? p->killasgroup : p->redirect_stderr;
		if (got != kv[i].want)
			fprintf(stderr, "  %s: got %lld\n", kv[i].line, got);
		CHECK(got == kv[i].want);
		config_free(&c);
	}

	/* log targets */
	static const struct {
		const char *value;
		enum log_kind kind;
		int fd;
	} logs[] = {
		{"NONE", LOG_NONE, 0}, {"off", LOG_NONE, 0}, {"AUTO", LOG_DEFAULT, 1}, {"auto", LOG_DEFAULT, 1},
		{"/dev/stdout", LOG_FD, 1}, {"/dev/stderr", LOG_FD, 2}, {"/dev/fd/7", LOG_FD, 7},
		{"/proc/self/fd/2", LOG_FD, 2}, {"/dev/fd/x", LOG_FILE, 0}, {"out.log", LOG_FILE, 0},
	};
	for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
		char t[256];
		snprintf(t, sizeof t, "[program:a]\ncommand=x\nstdout_logfile=%s\nstderr_logfile=%s\n", logs[i].value, logs[i].value);
		if (LOAD_OK(t, &c, 1))
			continue;
		p = &c.progs[0];
		CHECK(p->out.kind == logs[i].kind && p->err.kind == logs[i].kind);
		if (logs[i].kind == LOG_FD)
			CHECK(p->out.fd == logs[i].fd && p->err.fd == logs[i].fd);
		char want[PATH_MAX + 300] = "";
		if (logs[i].value[0] != '/' && getcwd(want, PATH_MAX)) /* relative: resolved at load time */
			strcat(want, "/");
		strcat(want, logs[i].value);
		if (logs[i].kind == LOG_FILE)
			CHECK_STR(p->out.path, want);
		config_free(&c);
	}

	/* an unknown key is a warning naming file, line, key and section */
	if (!LOAD_OK("[program:a]\ncommand=x\nBogus = 1\n[supervisord]\nnodeamon=true\n", &c, 1)) {
		char want[600];
		snprintf(want, sizeof want,
			 "tend: %s:5: warning: unknown key 'nodeamon' in [supervisord] ignored\n"
			 "tend: %s:3: warning: unknown key 'bogus' in [program:a] ignored\n", mainp, mainp);
		CHECK_STR(warnings, want);
		config_free(&c);
	}
	/* redirect_stderr with a stderr_logfile: ignored, with a warning */
	if (!LOAD_OK("[program:a]\ncommand=x\nredirect_stderr=true\nstderr_logfile=/x\n", &c, 1)) {
		CHECK(c.progs[0].err.kind == LOG_DEFAULT);
		CHECK(warnings && strstr(warnings, ":4: warning: stderr_logfile in [program:a] ignored"));
		config_free(&c);
	}
}

static void test_value_errors(void)
{
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nautostart=maybe\n", "invalid value 'maybe' for key 'autostart'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nredirect_stderr=\n", "for key 'redirect_stderr'");
	EXPECT_ERROR(4, "[program:a]\ncommand=x\n\npriority=high\n", "invalid value 'high' for key 'priority'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstartsecs=-1\n", "for key 'startsecs'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstartretries=3x\n", "for key 'startretries'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstopwaitsecs=99999999999\n", "for key 'stopwaitsecs'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nautorestart=sometimes\n", "invalid value 'sometimes' for key 'autorestart'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nexitcodes=0,256\n", "for key 'exitcodes'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nexitcodes=0,\n", "for key 'exitcodes'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nexitcodes=a\n", "for key 'exitcodes'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstopsignal=SIGNOPE\n", "invalid value 'SIGNOPE' for key 'stopsignal'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstopsignal=0\n", "for key 'stopsignal'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\numask=8\n", "for key 'umask'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\numask=01000\n", "for key 'umask'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstdout_logfile_maxbytes=5TB\n", "for key 'stdout_logfile_maxbytes'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstderr_logfile_maxbytes=-1\n", "for key 'stderr_logfile_maxbytes'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstdout_logfile_backups=x\n", "for key 'stdout_logfile_backups'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nshutdown_on=always\n", "invalid value 'always' for key 'shutdown_on'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\ncontainment=2\n", "for key 'containment'");
	EXPECT_ERROR(4, "[program:a]\ncommand=x\nstopasgroup=true\nkillasgroup=false\n", "stopasgroup=true requires killasgroup=true");
	EXPECT_ERROR(1, "[program:a]\nautostart=true\n", "[program:a] has no command=");
	EXPECT_ERROR(6, "[supervisord]\n\n\n[program:a]\n\ncommand=\n", "command is empty");
	EXPECT_ERROR(2, "[program:a]\nnumprocs=two\ncommand=x\n", "for key 'numprocs'");
	EXPECT_ERROR(2, "[program:a]\nnumprocs=-1\ncommand=x\n", "for key 'numprocs'");
}

static void test_sections_and_lines(void)
{
	struct config c;
	EXPECT_ERROR(3, "[program:a]\ncommand=x\n[foo]\nbar=1\n", "unknown section [foo]");
	EXPECT_ERROR(2, "\n[eventlistener:x]\ncommand=x\n", "[eventlistener:x] section requires an \"events\" line");
	EXPECT_ERROR(1, "[fcgi-program:x]\ncommand=x\n", "[fcgi-program:x] section requires a \"socket\" line");
	EXPECT_ERROR(1, "command=x\n[program:a]\n", "expected a [section] header");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\njust some words\n", "expected 'key = value'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\n= value\n", "missing key name");
	EXPECT_ERROR(1, "[program:a b]\ncommand=x\n", "invalid name in [program:a b]");
	EXPECT_ERROR(1, "[program:]\ncommand=x\n", "invalid name");
	EXPECT_ERROR(2, "# c\n[include]\nfoo=bar\n", "[include] has no files=");
	EXPECT_ERROR(1, "[group:g]\npriority=1\n", "[group:g] has no programs=");
	/* keys are case-insensitive, ':' works as '=', blanks around both are stripped */
	if (!LOAD_OK("[program:a]\n  COMMAND :   /bin/echo  hi  \nAutoStart = false\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "/bin/echo", "hi", NULL));
		CHECK(!c.progs[0].autostart);
		config_free(&c);
	}
	/* the first of '=' and ':' delimits */
	if (!LOAD_OK("[unix_http_server]\nfile=/run/a:b.sock\n", &c, 0)) {
		CHECK_STR(c.unix_srv.file, "/run/a:b.sock");
		config_free(&c);
	}
	/* duplicates: the later key wins; a repeated section continues the first one */
	if (!LOAD_OK("[program:a]\ncommand=x\npriority=1\npriority=2\n[program:b]\ncommand=y\n[program:a]\nstartsecs=5\n", &c, 2)) {
		CHECK(c.progs[0].priority == 2 && c.progs[0].startsecs == 5 && c.progs[0].line == 1);
		CHECK_STR(c.progs[1].name, "b");
		config_free(&c);
	}
	/* CRLF line ends */
	if (!LOAD_OK("[program:a]\r\ncommand=x y\r\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "x", "y", NULL));
		config_free(&c);
	}
	/* the section header's line, and the right line after blank and comment lines */
	EXPECT_ERROR(7, "; comment\n\n# comment\n[program:a]\ncommand=x\n\nautostart=perhaps\n", "'perhaps'");
	/* ...but an indented line after a blank line still continues the value (Python) */
	if (!LOAD_OK("[program:a]\ncommand=x\n\n  autostart=perhaps\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "x", "autostart=perhaps", NULL));
		config_free(&c);
	}
}

static void test_comments(void)
{
	struct config c;
	/* reference §1, verified against supervisord 4.2.5 */
	EXPECT_ERROR(2, "[program:a]\ncommand=bash -c 'foo ; bar'\n", "no closing quotation");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nenvironment=A=\"x ; y\",B=\"1\"\n", "no closing quotation");
	CHECK(command_is("bash -c 'foo;bar'", "bash", "-c", "foo;bar", NULL));
	CHECK(command_is("echo a#b # c", "echo", "a#b", NULL));
	CHECK(command_is("echo a\t;tab", "echo", "a", NULL));
	EXPECT_ERROR(2, "[program:a]\ncommand=echo \"x #y\"\n", "no closing quotation");
	/* Python's round-by-round search: '#' (1st '#') wins over ' ;' (3rd ';') */
	CHECK(command_is("echo x;y;z ;w #v", "echo", "x;y;z", ";w", NULL));
	/* whole-line comments, also indented, also inside a continued value */
	if (!LOAD_OK("; top\n# top\n[program:a]\n  ; indented comment\ncommand=echo a\n; between\n  b\n    # indented\n  c\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "echo", "a", "b", "c", NULL));
		config_free(&c);
	}
	/* comment after a section header */
	if (!LOAD_OK("[program:a] ; the web server\ncommand=x\n", &c, 1))
		config_free(&c);
}

static void test_continuation(void)
{
	struct config c;
	if (!LOAD_OK("[program:a]\ncommand=/bin/echo\n  one\n\n\ttwo\n\nautostart=false\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "/bin/echo", "one", "two", NULL));
		CHECK(!c.progs[0].autostart);
		config_free(&c);
	}
	/* a key on an indented line starts a new key; more indentation continues it */
	if (!LOAD_OK("[program:a]\n  command=a\n    b\n  priority=3\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "a", "b", NULL));
		CHECK(c.progs[0].priority == 3);
		config_free(&c);
	}
	/* newlines are kept in the value: a quoted argument spanning lines */
	if (!LOAD_OK("[program:a]\ncommand=sh -c 'echo 1\n  echo 2'\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "sh", "-c", "echo 1\necho 2", NULL));
		config_free(&c);
	}
	/* environment over several lines, empty first line */
	if (!LOAD_OK("[program:a]\ncommand=x\nenvironment=\n  A=\"1\",\n  B=\"2\"\n", &c, 1)) {
		CHECK_STR(env_get(c.progs[0].env, "A"), "1");
		CHECK_STR(env_get(c.progs[0].env, "B"), "2");
		config_free(&c);
	}
	/* an error in a continued value is reported at the key's line */
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nautostart=\n  true\n", "for key 'autostart'");
}

static void test_command_quoting(void)
{
	CHECK(command_is("'a b' \"c \\\"d\\\"\" e\\ f ''", "a b", "c \"d\"", "e f", "", NULL));
	CHECK(command_is("a\"b c\"d", "ab cd", NULL));
	CHECK(command_is("\"x\\y\" \"x\\\\y\" 'x\\y'", "x\\y", "x\\y", "x\\y", NULL));
	CHECK(command_is("sh -c \"echo $HOME\"", "sh", "-c", "echo $HOME", NULL));
	CHECK(command_is("  lots   of\t\tspace  ", "lots", "of", "space", NULL));
	CHECK(command_is("a\\\\b", "a\\b", NULL));
	EXPECT_ERROR(2, "[program:a]\ncommand=echo \"abc\n", "no closing quotation");
	EXPECT_ERROR(2, "[program:a]\ncommand=echo 'abc\n", "no closing quotation");
	EXPECT_ERROR(2, "[program:a]\ncommand=echo abc\\\n", "backslash");
}

static void test_environment_syntax(void)
{
	struct config c;
	char **e;
	/* reference §5 */
	if ((e = env_of("A=\"1\",B=\"2\"", &c))) {
		CHECK_STR(env_get(e, "A"), "1");
		CHECK_STR(env_get(e, "B"), "2");
		config_free(&c);
	} else
		CHECK(!"A=\"1\",B=\"2\"");
	if ((e = env_of("A=1,B=2", &c))) {
		CHECK_STR(e[0], "A=1");
		CHECK_STR(e[1], "B=2");
		CHECK(e[2] == NULL);
		config_free(&c);
	} else
		CHECK(!"A=1,B=2");
	if ((e = env_of("PATH=\"/usr/local/bin:/usr/bin\",X=\"a,b\"", &c))) {
		CHECK_STR(env_get(e, "PATH"), "/usr/local/bin:/usr/bin");
		CHECK_STR(env_get(e, "X"), "a,b");
		config_free(&c);
	} else
		CHECK(!"commas in quotes");
	if ((e = env_of("A='single quoted',B=\"has space\"", &c))) {
		CHECK_STR(env_get(e, "A"), "single quoted");
		CHECK_STR(env_get(e, "B"), "has space");
		config_free(&c);
	} else
		CHECK(!"quoted spaces");
	if ((e = env_of("A=\"\",", &c))) {
		CHECK_STR(env_get(e, "A"), "");
		config_free(&c);
	} else
		CHECK(!"empty value, trailing comma");
	if ((e = env_of("K = \"spaced key\" , L=/a/b.c+d-e(1):2", &c))) {
		CHECK_STR(env_get(e, "K"), "spaced key");
		CHECK_STR(env_get(e, "L"), "/a/b.c+d-e(1):2");
		config_free(&c);
	} else
		CHECK(!"spaces around =");
	if ((e = env_of("A=1,A=2", &c))) { /* a dict: later wins */
		CHECK_STR(e[0], "A=2");
		CHECK(e[1] == NULL);
		config_free(&c);
	} else
		CHECK(!"A=1,A=2");
	/* tend: errors where supervisord truncates silently; and supervisord's own errors */
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=has space\n", "unexpected 'space' after A=has");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=x=y\n", "unexpected '='");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=\"say \\\"hi\\\"\"\n", "bad environment=");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=\n", "missing value for A");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=\"open\n", "no closing quotation");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A\n", "expected '=' after 'A'");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=1,,B=2\n", "expected KEY=VALUE");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=50%%\n", "unexpected '%'");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=x#y\n", "'#' must be quoted");
	EXPECT_ERROR(2, "[supervisord]\nenvironment=A=1 B=2\n[program:p]\ncommand=x\n", "bad environment=");

	/* [supervisord] environment first, the program's own values win */
	if (!LOAD_OK("[supervisord]\nenvironment=G=1,S=sup\n[program:p]\ncommand=x\nenvironment=S=prog,P=2\n[program:q]\ncommand=y\n", &c, 2)) {
		e = c.progs[0].env;
		CHECK_STR(e[0], "G=1");
		CHECK_STR(e[1], "S=prog");
		CHECK_STR(e[2], "P=2");
		CHECK(e[3] == NULL);
		CHECK_STR(env_get(c.progs[1].env, "S"), "sup");
		CHECK_STR(c.env[0], "G=1");
		CHECK_STR(c.env[1], "S=sup");
		config_free(&c);
	}
}

static void test_expansions(void)
{
	struct config c;
	struct utsname u;
	char want[512];
	setenv("TEND_TEST_X", "from-env", 1);
	uname(&u);
	if (!LOAD_OK("[program:web]\nnumprocs=2\nnumprocs_start=5\nprocess_name=%(program_name)s_%(process_num)02d\n"
		     "command=/bin/run %(process_num)d/%(numprocs)d %(group_name)s %(here)s %(ENV_TEND_TEST_X)s 100%% %(host_node_name)s\n"
		     "directory=%(here)s/www\nstdout_logfile=%(here)s/%(program_name)s-%(process_num)d.log\n", &c, 2)) {
		CHECK_STR(c.progs[0].name, "web_05");
		CHECK_STR(c.progs[1].name, "web_06");
		CHECK(c.progs[0].process_num == 5 && c.progs[1].process_num == 6);
		CHECK(argv_is(c.progs[1].argv, "/bin/run", "6/2", "web", dir, "from-env", "100%", u.nodename, NULL));
		CHECK_STR(c.progs[0].directory, at("www"));
		CHECK_STR(c.progs[1].out.path, at("web-6.log"));
		CHECK_STR(c.progs[0].group, "web");
		config_free(&c);
	}
	/* widths, flags, precision, and int as string */
	if (!LOAD_OK("[program:p]\ndirectory=p%(process_num)3d|%(process_num)-3d|%(process_num)s|%(program_name).1s|%(program_name)4s|%(numprocs)x\ncommand=x\n", &c, 1)) {
		CHECK_STR(c.progs[0].directory, "p  0|0  |0|p|   p|1");
		config_free(&c);
	}
	/* ENV_ names from [supervisord] environment= and the program's own environment= */
	if (!LOAD_OK("[supervisord]\nenvironment=SUP=s1,TEND_TEST_X=overridden\n[program:p]\nenvironment=OWN=\"o 1\",FROM_SUP=%(ENV_SUP)s\n"
		     "command=x %(ENV_SUP)s %(ENV_OWN)s %(ENV_TEND_TEST_X)s %(ENV_FROM_SUP)s\n", &c, 1)) {
		CHECK(argv_is(c.progs[0].argv, "x", "s1", "o", "1", "overridden", "s1", NULL));
		config_free(&c);
	}
	/* %(here)s is absolute even when the file was given relative to the cwd */
	char cwd[512];
	if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
		put("rel.conf", "[program:p]\ncommand=%(here)s/bin\n");
		if (load_path("./rel.conf", &c) == 0) {
			snprintf(want, sizeof want, "%s/bin", dir);
			CHECK(argv_is(c.progs[0].argv, want, NULL));
			config_free(&c);
		} else
			CHECK(!"relative path");
		CHECK(chdir(cwd) == 0);
	}
	/* errors name the format and the key, at the key's line */
	EXPECT_ERROR(3, "[program:p]\n\ncommand=x %(nope)s\n", "cannot expand '%(nope)s' in key 'command'");
	EXPECT_ERROR(2, "[program:p]\ncommand=x %(ENV_TEND_TEST_UNSET_VAR)s\n", "cannot expand '%(ENV_TEND_TEST_UNSET_VAR)s'");
	EXPECT_ERROR(2, "[program:p]\ncommand=x 100%\n", "cannot expand '%' in key 'command'");
	EXPECT_ERROR(2, "[program:p]\ncommand=x %d\n", "in key 'command'");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\ndirectory=%(here)\n", "in key 'directory'");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nuser=%(here\n", "in key 'user'");
	EXPECT_ERROR(2, "[program:p]\ncommand=%(program_name)d\n", "cannot expand '%(program_name)d'");
	EXPECT_ERROR(2, "[program:p]\nnumprocs=%(process_num)d\ncommand=x\n", "in key 'numprocs'");
	EXPECT_ERROR(2, "[program:p]\nprocess_name=%(bad)s\ncommand=x\n", "in key 'process_name'");
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nenvironment=A=%(ENV_OWN_LATER)s,OWN_LATER=1\n", "cannot expand");
	/* process_name must use process_num when numprocs > 1 */
	EXPECT_ERROR(3, "[program:p]\ncommand=x\nprocess_name=%(program_name)s\nnumprocs=2\n", "must contain %(process_num)");
	EXPECT_ERROR(1, "[program:p]\ncommand=x\nnumprocs=3\n", "must contain %(process_num)");
	/* numprocs=0: no process (supervisord does the same) */
	if (!LOAD_OK("[program:p]\ncommand=x\nnumprocs=0\n", &c, 0))
		config_free(&c);
}

static void test_includes(void)
{
	struct config c;
	char text[1024], p[600];
	mkdir(at("conf.d"), 0755);
	mkdir(at("conf.d/sub"), 0755);
	put("conf.d/b.conf", "[program:b]\ncommand=%(here)s/b\n");
	put("conf.d/a.conf", "[program:a]\ncommand=a\n[include]\nfiles=sub/*.ini\n");
	put("conf.d/sub/n.ini", "[program:nested]\ncommand=%(here)s/n\n");
	put("conf.d/skip.txt", "[program:skip]\ncommand=x\n");
	/* main.conf's own include: globs relative to main.conf's dir, each glob sorted */
	snprintf(text, sizeof text, "[program:first]\ncommand=x\n[include]\nfiles = conf.d/*.conf\n   nomatch/*.conf %s/conf.d/a.conf\n", dir);
	if (!LOAD_OK(text, &c, 4)) {
		CHECK_STR(c.progs[0].name, "first");
		CHECK_STR(c.progs[1].name, "a");
		CHECK_STR(c.progs[2].name, "nested"); /* a.conf's include, read right after a.conf */
		CHECK_STR(c.progs[3].name, "b");
		snprintf(p, sizeof p, "%s/conf.d/b", dir);
		CHECK(argv_is(c.progs[3].argv, p, NULL));
		snprintf(p, sizeof p, "%s/conf.d/sub/n", dir);
		CHECK(argv_is(c.progs[2].argv, p, NULL));
		CHECK_STR(c.progs[3].file, at("conf.d/b.conf"));
		snprintf(p, sizeof p, "tend: %s:4: warning: no file matches include \"%s/nomatch/*.conf\"\n", mainp, dir);
		CHECK_STR(warnings, p);
		config_free(&c);
	}
	/* an include given with the main file relative to the cwd */
	char cwd[512];
	if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
		put("rel.conf", "[include]\nfiles=conf.d/b.conf\n");
		if (load_path("rel.conf", &c) == 0) {
			CHECK(c.nprogs == 1 && !strcmp(c.progs[0].name, "b"));
			config_free(&c);
		} else
			CHECK(!"relative main file with include");
		CHECK(chdir(cwd) == 0);
	}
	/* an error inside an included file is reported at that file's line */
	put("conf.d/sub/n.ini", "[program:nested]\ncommand=x\nautostart=nah\n");
	snprintf(p, sizeof p, "%s/conf.d/sub/n.ini", dir);
	expect_error_in(p, 3, "[include]\nfiles=conf.d/sub/n.ini\n", "for key 'autostart'", __LINE__);
	put("conf.d/sub/n.ini", "[program:nested]\ncommand=x\noops\n");
	expect_error_in(p, 3, "[include]\nfiles=conf.d/sub/n.ini\n", "expected 'key = value'", __LINE__);
	/* an unreadable match: error at the files= line */
	mkdir(at("conf.d/sub/zdir.ini"), 0755);
	put("conf.d/sub/n.ini", "[program:nested]\ncommand=x\n");
	expect_error_in(mainp, 4, "[program:x]\ncommand=x\n[include]\nfiles=conf.d/sub/*.ini\n", "zdir.ini: cannot open", __LINE__);
	rmdir(at("conf.d/sub/zdir.ini"));
	/* include cycles: each file is read once */
	put("conf.d/sub/loop.ini", "[include]\nfiles=*.ini ../../main.conf\n");
	if (!LOAD_OK("[program:x]\ncommand=x\n[include]\nfiles=conf.d/sub/*.ini\n", &c, 2))
		config_free(&c);
	unlink(at("conf.d/sub/loop.ini"));
	/* the main file itself */
	char want[600];
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory", at("missing.conf"));
	CHECK(load_path(at("missing.conf"), &c) == -1);
	CHECK_STR(err, want);
}

static void test_groups(void)
{
	struct config c;
	if (!LOAD_OK("[group:g]\nprograms=a, b\npriority=5\n[program:a]\ncommand=%(group_name)s\n[program:b]\ncommand=y\npriority=7\n"
		     "[program:c]\ncommand=%(group_name)s\n", &c, 3)) {
		CHECK_STR(c.progs[0].group, "g");
		CHECK_STR(c.progs[1].group, "g");
		CHECK_STR(c.progs[2].group, "c");
		CHECK(argv_is(c.progs[0].argv, "g", NULL));
		CHECK(argv_is(c.progs[2].argv, "c", NULL));
		CHECK(c.progs[0].priority == 5); /* from the group */
		CHECK(c.progs[1].priority == 7); /* its own */
		CHECK(c.progs[2].priority == 999);
		config_free(&c);
	}
	EXPECT_ERROR(5, "[program:a]\ncommand=x\n[group:g]\npriority=1\nprograms=a,zz\n", "[group:g] names unknown program 'zz'");
	EXPECT_ERROR(6, "[program:a]\ncommand=x\n[group:g]\nprograms=a\n[group:h]\nprograms=a\n", "program 'a' is already in [group:g]");
	EXPECT_ERROR(4, "[program:a]\ncommand=x\n[group:g]\npriority=x\nprograms=a\n", "for key 'priority'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\n[group:a:b]\nprograms=a\n", "invalid name in [group:a:b]");
}

static void test_names_and_limits(void)
{
	struct config c;
	EXPECT_ERROR(4, "[program:a]\ncommand=x\n\n[program:b]\ncommand=y\nprocess_name=a\n", "process name 'a' is already used by [program:a]");
	EXPECT_ERROR(5, "[program:w]\ncommand=x\nnumprocs=3\nprocess_name=w%(process_num)d\n[program:w2]\ncommand=y\n", "process name 'w2' is already used");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nprocess_name=a/b\n", "invalid process name 'a/b'");
	EXPECT_ERROR(2, "[program:a]\nnumprocs=10001\nprocess_name=%(process_num)d\ncommand=x\n", "for key 'numprocs'");
	EXPECT_ERROR(6, "[program:a]\nnumprocs=6000\nprocess_name=a%(process_num)d\ncommand=x\n[program:b]\nnumprocs=6000\nprocess_name=b%(process_num)d\ncommand=x\n",
		     "more than 10000 processes");
	if (!LOAD_OK("[program:a]\nnumprocs=10000\nprocess_name=a%(process_num)d\ncommand=x\n", &c, 10000))
		config_free(&c);
	/* a line over 64 KiB, a file over 4 MiB, a NUL byte */
	size_t big = 5 << 20;
	char *s = malloc(big + 1);
	memset(s, 'x', big);
	memcpy(s, "[program:a]\ncommand=x\n; ", 24);
	s[70000] = 0;
	EXPECT_ERROR(3, s, "line too long");
	s[70000] = 'x';
	for (size_t i = 24; i < big; i += 100)
		s[i] = '\n';
	s[big] = 0;
	EXPECT_ERROR(0, s, "file too large");
	free(s);
	FILE *f = fopen(mainp, "w");
	fwrite("[program:a]\ncommand=x\0y\n", 1, 24, f);
	fclose(f);
	CHECK(load_path(mainp, &c) == -1 && strstr(err, ":2: NUL byte"));
}

static void test_equal_and_print(void)
{
	struct config a, b;
	const char *text = "[supervisord]\nenvironment=G=1\n[program:web]\ncommand=/bin/echo 'a b' c\nnumprocs=2\n"
			   "process_name=web_%(process_num)02d\nenvironment=X=\"it's\",Y=2\nstdout_logfile=/dev/stdout\numask=022\n";
	if (LOAD_OK(text, &a, 2))
		return;
	if (LOAD_OK(text, &b, 2)) {
		config_free(&a);
		return;
	}
	CHECK(program_equal(&a.progs[0], &b.progs[0]));
	CHECK(program_equal(&a.progs[1], &b.progs[1]));
	CHECK(!program_equal(&a.progs[0], &b.progs[1]));
	b.progs[0].line = 99; /* where it was defined does not matter */
	CHECK(program_equal(&a.progs[0], &b.progs[0]));
	b.progs[0].startsecs = 5;
	CHECK(!program_equal(&a.progs[0], &b.progs[0]));
	b.progs[0].startsecs = a.progs[0].startsecs;
	char *tmp = b.progs[0].env[1]; /* env order does not matter, content does */
	b.progs[0].env[1] = b.progs[0].env[2];
	b.progs[0].env[2] = tmp;
	CHECK(program_equal(&a.progs[0], &b.progs[0]));
	b.progs[0].env[2][0] = 'Z';
	CHECK(!program_equal(&a.progs[0], &b.progs[0]));
	b.progs[0].env[2][0] = 'X';
	CHECK(program_equal(&a.progs[0], &b.progs[0]));
	b.progs[0].argv[1][0] = 'x';
	CHECK(!program_equal(&a.progs[0], &b.progs[0]));

	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	config_print(&a, f);
	fclose(f);
	CHECK(strstr(out, "[web_00]\n") && strstr(out, "[web_01]\n"));
	CHECK(strstr(out, "command      /bin/echo 'a b' c\n"));
	CHECK(strstr(out, "stopsignal   TERM\n"));
	CHECK(strstr(out, "umask        022\n"));
	CHECK(strstr(out, "X='it'\\''s'\n"));
	CHECK(strstr(out, "stdout       fd 1"));
	free(out);
	config_free(&a);
	config_free(&b);
}

/* Never crash: mutations of a valid config (ASan/UBSan watch). */
static void test_robustness(void)
{
	static const char seed[] = "[supervisord]\nenvironment=A=\"1\",B=2\n[program:w]\ncommand=/bin/x 'a b' \"c\"\n"
				   "process_name=%(program_name)s_%(process_num)02d\nnumprocs=2\n  ; c\n[group:g]\nprograms=w\n"
				   "[include]\nfiles=conf.d/*.conf\n";
	static const char alphabet[] = "[]=:;#%()\"'\\ \n\t,ab0_-sd";
	char buf[sizeof seed + 64];
	struct config c;
	int loaded = 0;
	srand(12345);
	for (int i = 0; i < 3000; i++) {
		strcpy(buf, seed);
		size_t n = strlen(buf);
		for (int m = rand() % 4 + 1; m > 0; m--) {
			size_t pos = rand() % n;
			char ch = alphabet[rand() % (sizeof alphabet - 1)];
			if (rand() % 3 == 0 && n + 1 < sizeof buf) { /* insert */
				memmove(buf + pos + 1, buf + pos, n - pos + 1);
				buf[pos] = ch;
				n++;
			} else if (rand() % 2) { /* replace */
				buf[pos] = ch;
			} else { /* delete */
				memmove(buf + pos, buf + pos + 1, n - pos);
				n--;
			}
		}
		if (load(buf, &c) == 0) {
			loaded++;
			config_free(&c);
		} else if (strncmp(err, dir, strlen(dir)) || !strstr(err, ": ")) {
			fprintf(stderr, "  bad error text for input:\n%s\n  -> \"%s\"\n", buf, err);
			CHECK(!"errors start with the file name");
			break;
		}
	}
	CHECK(loaded > 0);
}

static void run_all_cases(void)
{
	test_defaults();
	test_every_key();
	test_value_errors();
	test_sections_and_lines();
	test_comments();
	test_continuation();
	test_command_quoting();
	test_environment_syntax();
	test_expansions();
	test_includes();
	test_groups();
	test_names_and_limits();
	test_equal_and_print();
	test_robustness();
}

int main(void)
{
	return fixture_run("config", run_all_cases);
}
