/* main.c — start-up order matters: block every signal first (nothing sent after this
 * instruction is lost), then parse the command line, become a subreaper, spawn, loop. */
#include "keeper.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Supervision mode: services run in the start directory (unless directory=), while
 * tend itself moves to "/" so that it never keeps a directory busy; so the config path
 * is made absolute first. */
static void remember_start_dir(struct tend *t)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd) || !(t->start_dir = strdup(cwd)))
		die(t, 1, "getcwd: %s", strerror(errno));
	if (t->opt.config[0] != '/') {
		char *abs = malloc(strlen(cwd) + strlen(t->opt.config) + 2);
		if (!abs)
			die(t, 1, "out of memory");
		sprintf(abs, "%s/%s", strcmp(cwd, "/") ? cwd : "", t->opt.config);
		t->opt.config = abs;
	}
}

static void load_config(struct tend *t)
{
	struct config *cfg = calloc(1, sizeof *cfg);
	char err[1024];
	if (!cfg)
		die(t, 1, "out of memory");
	if (config_load(t->opt.config, cfg, err, sizeof err, stderr) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	if (t->opt.check) {
		config_print(cfg, stdout);
		exit(0);
	}
	t->cfg = cfg;
}

int main(int argc, char **argv)
{
	static struct tend t; /* the one state struct; static: zeroed, never on a small stack */
	signals_block_all(&t.orig_mask);
	if (argc > 1 && !strcmp(argv[1], "--keeper"))
		return keeper_exec_main(argc, argv);
	t.epfd = -1; /* no loop yet: outputs write directly */
	t.self = getpid();
	t.pid1 = t.self == 1;
	t.argv_area = argv[0];
	t.argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
	persona_parse(&t, argc, argv);
	for (int fd = 0; t.opt.config && fd < 64; fd++) /* before we open anything: what /dev/fd/N can mean */
		if (fcntl(fd, F_GETFD) >= 0)
			t.fds_inherited |= 1ULL << fd;
	if (t.opt.config) {
		remember_start_dir(&t);
		load_config(&t);
	}
	t.keeper_fork_only = getenv("TEND_KEEPER_FORK_ONLY") != NULL; /* the fallback, on purpose (tests) */
	if (t.opt.pdeathsig && prctl(PR_SET_PDEATHSIG, t.opt.pdeathsig) < 0)
		die(&t, 1, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (!t.pid1) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			say(&t, V_WARN, "cannot become a child subreaper: %s; orphans will not be reaped",
			    strerror(errno));
		else
			say(&t, V_INFO, "not PID 1: registered as child subreaper");
	}
	if (loop_init(&t) < 0 || signals_open(&t) < 0)
		die(&t, 1, "event loop: %s", strerror(errno));
	if (t.opt.argv && spawn_exec_child(&t) < 0)
		die(&t, 1, "fork: %s", strerror(errno));
	if ((t.opt.persona == PERSONA_DUMB_INIT || t.cfg) && chdir("/") < 0)
		say(&t, V_DEBUG, "chdir /: %s", strerror(errno));
	if (t.cfg && services_start(&t) < 0)
		die(&t, 1, "cannot start services: %s", strerror(errno));
	loop_run(&t, reap_check_done);
	if (t.cfg) {
		logs_flush_all(&t);
		services_cleanup(&t);
	}
	say(&t, V_DEBUG, "Child exited with status %d. Goodbye.", t.exit_code);
	say_finish(&t);
	return t.exit_code;
}
