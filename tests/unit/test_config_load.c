/* test_config_load.c — what config_load() does with files and paths (config.c, ini.c,
 * config_sections.c, pathname.c), issue 7: only regular files are read, without blocking
 * (item 5); log and pidfile directories must exist, as in supervisord (15, 21); pidfile=,
 * minfds=, minprocs= (21); control bytes are escaped in messages (22); every stored path is
 * absolute, whatever the working directory is later (28). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config_fixture.h"

static void test_not_regular_files(void)
{
	struct config c;
	char want[700], text[600];
	watchdog(60, "reading a FIFO as a config file");
	/* the main file */
	CHECK(mkfifo(at("fifo.conf"), 0644) == 0);
	CHECK(load_path(at("fifo.conf"), &c) == -1);
	snprintf(want, sizeof want, "%s: not a regular file", at("fifo.conf"));
	CHECK_STR(err, want);
	CHECK(symlink(at("fifo.conf"), at("link.conf")) == 0);
	CHECK(load_path(at("link.conf"), &c) == -1);
	snprintf(want, sizeof want, "%s: not a regular file", at("link.conf"));
	CHECK_STR(err, want);
	CHECK(load_path("/dev/null", &c) == -1); /* a device is not opened either */
	CHECK_STR(err, "/dev/null: not a regular file");
	mkdir(at("adir.conf"), 0755);
	CHECK(load_path(at("adir.conf"), &c) == -1);
	snprintf(want, sizeof want, "%s: cannot open: Is a directory", at("adir.conf"));
	CHECK_STR(err, want);
	/* an include: reported at the files= line */
	mkdir(at("inc"), 0755);
	put("inc/a.conf", "[program:a]\ncommand=x\n");
	CHECK(mkfifo(at("inc/b.conf"), 0644) == 0);
	snprintf(want, sizeof want, "%s:4: included file %s: not a regular file", mainp, at("inc/b.conf"));
	CHECK(load("[program:m]\ncommand=x\n[include]\nfiles=inc/*.conf\n", &c) == -1);
	CHECK_STR(err, want);
	snprintf(text, sizeof text, "[include]\nfiles=%s\n", at("fifo.conf"));
	snprintf(want, sizeof want, "%s:2: included file %s: not a regular file", mainp, at("fifo.conf"));
	CHECK(load(text, &c) == -1);
	CHECK_STR(err, want);
	watchdog(0, NULL);
	unlink(at("inc/b.conf"));
	unlink(at("link.conf"));
	unlink(at("fifo.conf"));
}

static void test_log_directories(void)
{
	struct config c;
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstdout_logfile=/nonexistent-tend-dir/a.log\n",
		     "The directory named as part of the path /nonexistent-tend-dir/a.log does not exist");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstderr_logfile=/nonexistent-tend-dir/sub/b.log\n",
		     "The directory named as part of the path /nonexistent-tend-dir/sub/b.log does not exist");
	/* supervisord checks stderr_logfile even when redirect_stderr makes it unused */
	EXPECT_ERROR(4, "[program:a]\ncommand=x\nredirect_stderr=true\nstderr_logfile=/nonexistent-tend-dir/b.log\n",
		     "does not exist");
	/* the message names the path as written (after %-expansion) */
	put("afile", "");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstdout_logfile=%(here)s/afile/x.log\n", "/afile/x.log does not exist");
	/* per instance: logs1 is missing */
	mkdir(at("logs0"), 0755);
	EXPECT_ERROR(5, "[program:a]\ncommand=x\nnumprocs=2\nprocess_name=a%(process_num)d\nstdout_logfile=%(here)s/logs%(process_num)d/o.log\n",
		     "logs1/o.log does not exist");
	mkdir(at("logs1"), 0755);
	if (!LOAD_OK("[program:a]\ncommand=x\nnumprocs=2\nprocess_name=a%(process_num)d\nstdout_logfile=%(here)s/logs%(process_num)d/o.log\n", &c, 2)) {
		CHECK_STR(c.progs[0].out.path, at("logs0/o.log"));
		CHECK_STR(c.progs[1].out.path, at("logs1/o.log"));
		config_free(&c);
	}
	/* no directory part: nothing to check (supervisord's existing_dirpath); /dev/fd/N and
	 * the special names are not paths */
	if (!LOAD_OK("[program:a]\ncommand=x\nstdout_logfile=plain.log\nstderr_logfile=NONE\n", &c, 1))
		config_free(&c);
	/* ~ is the home directory, as in supervisord */
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", dir, 1);
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstdout_logfile=~/nohome/a.log\n",
		     "The directory named as part of the path ~/nohome/a.log does not exist");
	if (!LOAD_OK("[program:a]\ncommand=x\nstdout_logfile=~/logs0/a.log\n", &c, 1)) {
		CHECK_STR(c.progs[0].out.path, at("logs0/a.log"));
		config_free(&c);
	}
	if (!LOAD_OK("[program:a]\ncommand=x\nstdout_logfile=~root/a.log\n", &c, 1)) {
		CHECK(c.progs[0].out.path && c.progs[0].out.path[0] == '/' && strcmp(c.progs[0].out.path, "~root/a.log"));
		config_free(&c);
	}
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(home);
}

static void test_supervisord_keys(void)
{
	struct config c;
	if (!LOAD_OK("[program:a]\ncommand=x\n", &c, 1)) {
		CHECK(c.pidfile == NULL); /* not given: tend writes none */
		CHECK(c.minfds == 1024 && c.minprocs == 200);
		config_free(&c);
	}
	mkdir(at("run"), 0755);
	if (!LOAD_OK("[supervisord]\npidfile=%(here)s/run/tend.pid\nminfds=4096\nminprocs=300\n", &c, 0)) {
		CHECK_STR(c.pidfile, at("run/tend.pid"));
		CHECK(c.minfds == 4096 && c.minprocs == 300);
		char *out = print_of(&c), want[400];
		snprintf(want, sizeof want, "# pidfile: %s\n# minfds: 4096, minprocs: 300\n", at("run/tend.pid"));
		CHECK(out && strstr(out, want));
		free(out);
		config_free(&c);
	}
	if (!LOAD_OK("[supervisord]\npidfile=\n", &c, 0)) {
		CHECK(c.pidfile == NULL);
		config_free(&c);
	}
	EXPECT_ERROR(2, "[supervisord]\npidfile=%(here)s/norun/tend.pid\n", "The directory named as part of the path");
	EXPECT_ERROR(3, "[supervisord]\nminprocs=5\nminfds=-1\n", "invalid value '-1' for key 'minfds'");
	EXPECT_ERROR(2, "[supervisord]\nminprocs=lots\n", "invalid value 'lots' for key 'minprocs'");
}

static bool has_raw_controls(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void test_escaped_messages(void)
{
	struct config c;
	/* an invalid value with an escape sequence, a BEL, a DEL; UTF-8 stays as it is */
	CHECK(load("[program:a]\ncommand=x\nautostart=\x1b[31m\xc3\xa9\x07\x7f\n", &c) == -1);
	CHECK(!has_raw_controls(err));
	CHECK(strstr(err, "invalid value '\\x1b[31m\xc3\xa9\\x07\\x7f' for key 'autostart'"));
	/* ini.c's syntax errors too */
	CHECK(load("[program:a]\ncommand=x\n\x1b]0;pwned\x07\n", &c) == -1);
	CHECK(!has_raw_controls(err) && strstr(err, "\\x1b]0;pwned\\x07"));
	/* a process name is checked before it could be echoed raw */
	CHECK(load("[program:a]\ncommand=x\nprocess_name=a\x1b\n", &c) == -1);
	CHECK(!has_raw_controls(err) && strstr(err, "a\\x1b"));
	/* warnings */
	if (!LOAD_OK("[program:a]\ncommand=x\nbo\x01gus=1\n", &c, 1)) {
		CHECK(warnings && strstr(warnings, "unknown key 'bo\\x01gus'"));
		size_t n = warnings ? strlen(warnings) : 0;
		CHECK(n > 0 && warnings[n - 1] == '\n'); /* the line's own newline, and no other control */
		if (n > 0)
			warnings[n - 1] = 0;
		CHECK(!has_raw_controls(warnings));
		config_free(&c);
	}
	/* --check output: such a value is printed in $'...' */
	if (!LOAD_OK("[program:a]\ncommand=x 'a\x1b[2Jb'\n", &c, 1)) {
		char *out = print_of(&c);
		CHECK(out && strstr(out, "command      x $'a\\x1b[2Jb'\n"));
		free(out);
		config_free(&c);
	}
}

static void test_absolute_paths(void)
{
	struct config c;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd) || chdir(dir) < 0) {
		CHECK(!"chdir");
		return;
	}
	mkdir("logs", 0755);
	put("rel.conf", "[unix_http_server]\nfile=run/tend.sock\n[supervisord]\npidfile=tend.pid\n"
			"[program:a]\ncommand=x\nstdout_logfile=logs/a.log\nstderr_logfile=./b.log\ndirectory=.\n"
			"environment=HERE=\"%(here)s\"\n");
	for (int round = 0; round < 2; round++) {
		/* round 0: relative to the working directory; round 1: from "/", with the old cwd */
		int rc = round ? config_load_in(dir, "rel.conf", &c, err, sizeof err, NULL) : load_path("rel.conf", &c);
		CHECK(rc == 0);
		if (rc)
			fprintf(stderr, "  round %d: %s\n", round, err);
		if (rc == 0) {
			CHECK_STR(c.path, at("rel.conf"));
			CHECK_STR(c.cwd, dir);
			CHECK_STR(c.pidfile, at("tend.pid"));
			CHECK_STR(c.unix_srv.file, at("run/tend.sock"));
			CHECK_STR(c.progs[0].out.path, at("logs/a.log"));
			CHECK_STR(c.progs[0].err.path, at("b.log"));
			CHECK_STR(c.progs[0].directory, "."); /* left to the service's spawn */
			CHECK_STR(env_get(c.progs[0].env, "HERE"), dir);
			config_free(&c);
		}
		if (!round && chdir("/") < 0)
			CHECK(!"chdir /");
	}
	/* an absolute config path read from "/": %(here)s needs no getcwd */
	if (!LOAD_OK("[program:a]\ncommand=%(here)s/x\n", &c, 1)) {
		char want[300];
		snprintf(want, sizeof want, "%s/x", dir);
		CHECK_STR(c.progs[0].argv[0], want);
		CHECK_STR(c.cwd, "/");
		config_free(&c);
	}
	CHECK(chdir(cwd) == 0);
}

static void cases(void)
{
	test_not_regular_files();
	test_log_directories();
	test_supervisord_keys();
	test_escaped_messages();
	test_absolute_paths();
}

int main(void)
{
	return fixture_run("config_load", cases);
}
