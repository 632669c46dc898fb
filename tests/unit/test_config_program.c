/* test_config_program.c — [program:x] instances (config_program.c), issue 7 item 8: the
 * numprocs instances share what does not differ between them (a 490 KB config with
 * numprocs=10000 used to peak at 7-9 GB), each instance gets exactly its own values, and a
 * config that would still expand beyond the budget is a clear error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config_fixture.h"

/* TEXT with "@@" replaced by N environment pairs FMT (one %d: the pair's index). */
static char *with_pairs(const char *text, int n, const char *fmt)
{
	size_t cap = strlen(text) + (size_t)n * (strlen(fmt) + 24) + 16, o = 0;
	char *s = malloc(cap);
	const char *at2 = strstr(text, "@@");
	if (!s || !at2)
		exit(2);
	o += snprintf(s, cap, "%.*s", (int)(at2 - text), text);
	for (int i = 0; i < n; i++) {
		o += snprintf(s + o, cap - o, "%s", i ? (i % 40 ? "," : ",\n    ") : "");
		o += snprintf(s + o, cap - o, fmt, i);
	}
	snprintf(s + o, cap - o, "%s", at2 + 2);
	return s;
}

static int env_len(char **env)
{
	int n = 0;
	while (env && env[n])
		n++;
	return n;
}

static void test_sharing(void)
{
	struct config c;
	/* no environment= of its own: every instance has [supervisord]'s list itself */
	char *text = with_pairs("[supervisord]\nenvironment=@@\n[program:w]\ncommand=/bin/w --flag\n"
				"process_name=w%(process_num)d\nnumprocs=500\nstderr_logfile=%(here)s/w.err\n", 2000, "GLOBAL_%d=some-value");
	if (!LOAD_OK(text, &c, 500)) {
		bool shared = true;
		for (int i = 0; i < c.nprogs; i++)
			shared &= c.progs[i].env == c.env && c.progs[i].argv == c.progs[0].argv &&
				  c.progs[i].err.path == c.progs[0].err.path && c.progs[i].file == c.progs[0].file;
		CHECK(shared);
		CHECK(env_len(c.env) == 2000);
		CHECK_STR(c.progs[499].name, "w499");
		CHECK(c.progs[499].process_num == 499);
		config_free(&c);
	}
	free(text);
	/* its own environment=, the same for all: one merged list for all of them */
	text = with_pairs("[supervisord]\nenvironment=@@,SHARED=sup\n[program:w]\ncommand=/bin/w %(ENV_OWN)s\n"
			  "process_name=w%(process_num)d\nnumprocs=300\nenvironment=OWN=%(program_name)s,SHARED=prog\n", 1000, "G%d=v");
	if (!LOAD_OK(text, &c, 300)) {
		bool shared = true;
		for (int i = 0; i < c.nprogs; i++)
			shared &= c.progs[i].env == c.progs[0].env && c.progs[i].argv == c.progs[0].argv;
		CHECK(shared && c.progs[0].env != c.env);
		char **e = c.progs[0].env;
		CHECK(env_len(e) == 1002);
		CHECK_STR(e[1000], "SHARED=prog"); /* [supervisord]'s position, the program's value */
		CHECK_STR(e[1001], "OWN=w");
		CHECK(argv_is(c.progs[299].argv, "/bin/w", "w", NULL));
		config_free(&c);
	}
	free(text);
}

static void test_per_instance_values(void)
{
	struct config c;
	/* environment= naming process_num: a list per instance, and %(ENV_PORT)s with it */
	const char *text = "[supervisord]\nenvironment=G=1,PORT=none\n[program:w]\ncommand=/bin/w --port %(ENV_PORT)s --id %(process_num)02d\n"
			   "process_name=w%(process_num)d\nnumprocs=3\nnumprocs_start=7\nenvironment=PORT=80%(process_num)02d\n"
			   "stdout_logfile=%(here)s/w%(process_num)d.log\nstderr_logfile=%(here)s/all.err\ndirectory=/srv/%(ENV_G)s\n";
	if (!LOAD_OK(text, &c, 3)) {
		for (int i = 0; i < 3; i++) {
			char port[16], id[16], log[64];
			const struct program *p = &c.progs[i];
			snprintf(port, sizeof port, "80%02d", 7 + i);
			snprintf(id, sizeof id, "%02d", 7 + i);
			snprintf(log, sizeof log, "w%d.log", 7 + i);
			CHECK(argv_is(p->argv, "/bin/w", "--port", port, "--id", id, NULL));
			CHECK_STR(env_get(p->env, "PORT"), port);
			CHECK(env_len(p->env) == 2 && !strcmp(p->env[0], "G=1"));
			CHECK_STR(p->out.path, at(log));
			CHECK_STR(p->err.path, at("all.err"));
			CHECK_STR(p->directory, "/srv/1");
		}
		CHECK(c.progs[0].env != c.progs[1].env);
		config_free(&c);
	}
	/* a value decided per instance that finish_program() depends on */
	if (!LOAD_OK("[program:w]\ncommand=x\nprocess_name=w%(process_num)d\nnumprocs=2\nredirect_stderr=%(process_num)d\n"
		     "stderr_logfile=%(here)s/e.log\nstopasgroup=%(process_num)d\n", &c, 2)) {
		CHECK(!c.progs[0].redirect_stderr && c.progs[0].err.kind == LOG_FILE);
		CHECK(c.progs[1].redirect_stderr && c.progs[1].err.kind == LOG_DEFAULT);
		CHECK(!c.progs[0].stopasgroup && !c.progs[0].killasgroup);
		CHECK(c.progs[1].stopasgroup && c.progs[1].killasgroup); /* killasgroup follows */
		config_free(&c);
	}
	/* an error in a later instance only is still found, at its line */
	EXPECT_ERROR(4, "[program:w]\ncommand=x\nprocess_name=w%(process_num)d\nautostart=%(process_num)d\nnumprocs=3\n",
		     "invalid value '2' for key 'autostart'");
	/* %% is not a name */
	if (!LOAD_OK("[program:w]\ncommand=x %%(process_num)d\nprocess_name=w%(process_num)d\nnumprocs=2\n", &c, 2)) {
		CHECK(argv_is(c.progs[1].argv, "x", "%(process_num)d", NULL));
		config_free(&c);
	}
}

static void test_budget(void)
{
	struct config c;
	/* 300 pairs that differ per instance (34 KB) times 2,000 instances: more than 64 MiB */
	char *text = with_pairs("[program:w]\ncommand=x\nprocess_name=w%(process_num)d\nnumprocs=2000\nenvironment=@@\n", 300,
				"K%d=%%(process_num)d-0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789");
	watchdog(120, "a config that expands to more than the budget");
	EXPECT_ERROR(5, text, "the configuration needs more than 64 MiB after expansion");
	free(text);
	/* work that stores nothing still counts: 900 KB of exit codes per instance (blanks
	 * around them are allowed; the empty %(process_num).0s makes the value differ) */
	text = with_pairs("[program:w]\ncommand=x\nprocess_name=w%(process_num)d\nnumprocs=400\nexitcodes=@@%(process_num).0s\n", 15000,
			  "0                                                          ");
	EXPECT_ERROR(5, text, "the configuration expands to more than 128 MiB in total");
	free(text);
	watchdog(0, NULL);
	/* a [supervisord] environment and 10,000 instances: well inside (kept small enough
	 * that a build copying it per instance needs about 1 GB, not the issue's 7 GB) */
	text = with_pairs("[supervisord]\nenvironment=@@\n[program:w]\ncommand=x\nprocess_name=w%(process_num)d\nnumprocs=10000\n", 2000, "VAR%05d=value");
	if (!LOAD_OK(text, &c, 10000))
		config_free(&c);
	free(text);
}

static void cases(void)
{
	test_sharing();
	test_per_instance_values();
	test_budget();
}

int main(void)
{
	return fixture_run("config_program", cases);
}
