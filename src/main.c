/* main.c — start-up order matters: block every signal first (nothing sent after this
 * instruction is lost), then parse the command line, load the config, become a
 * subreaper, spawn, leave the start directory, loop. */
#include "ctl.h"
#include "cgroup.h"
#include "keeper.h"
#include "ctl_proto.h"
#include "ctl_server.h"
#include "events.h"
#include "fcgi.h"
#include "log.h"
#include "stop_budget.h"
#include "log_format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The config path made absolute (not resolved through symlinks: %(here)s is supervisord's
 * abspath), so that a SIGHUP re-read does not depend on tend's working directory. */
static const char *absolute_path(struct tend *t, const char *path)
{
	char cwd[PATH_MAX];
	if (path[0] == '/')
		return path;
	if (!getcwd(cwd, sizeof cwd))
		die(t, 2, "getcwd: %s", errstr());
	char *abs = malloc(strlen(cwd) + strlen(path) + 2);
	if (!abs)
		die(t, 1, "out of memory");
	snprintf(abs, strlen(cwd) + strlen(path) + 2, "%s/%s", cwd, path);
	return abs;
}

/* A runtime SIGKILLs the container its stop timeout after SIGTERM: a shutdown that can
 * take longer loses tend's orderly SIGKILL and clean-up for what stops last. */
static void warn_stop_budget(struct tend *t)
{
	char why[512];
	long long ms = shutdown_worst_text(t->cfg, why, sizeof why);
	if (t->cfg->stop_budget && ms > t->cfg->stop_budget)
		say(t, V_INFO, "warning: a shutdown can take %s, more than stop_budget (%lld s; docker and podman "
			       "stop -t default to 10 s, Kubernetes' terminationGracePeriodSeconds to 30 s): lower "
			       "stopwaitsecs or raise the runtime's timeout", why, t->cfg->stop_budget / 1000);
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
	persona_config_overrides(&t->opt, cfg);
	if (t->opt.check) {
		char cg[PATH_MAX];
		cfg->cg_parent = cgroup_detect(cfg, cg, sizeof cg, &cfg->cg_why, false);
		config_print(cfg, stdout);
		exit(0);
	}
	t->cfg = cfg;
	warn_stop_budget(t);
	t->opt.config = absolute_path(t, t->opt.config); /* after the load: errors name FILE as given */
}

/* tend must not keep its start directory busy (a mount under it could not be unmounted),
 * as dumb-init and catatonit do, while its children start there.
 *  - Exec mode moves to "/" before the fork and keeps an O_PATH handle for the child to
 *    fchdir() back to (closed once the child has it): moving after the fork would race
 *    with a child that looks at tend's cwd at once.
 *  - Supervision mode remembers the directory by name: every keeper goes there, so
 *    services without directory= start in it (supervisord's rule), and a reload resolves
 *    relative paths against it (config_load_in). */
static void leave_start_dir(struct tend *t)
{
	char cwd[PATH_MAX];
	int fd = -1;
	if (t->cfg && (!getcwd(cwd, sizeof cwd) || !(t->start_dir = strdup(cwd))))
		die(t, 1, "getcwd: %s", errstr());
	if (t->opt.argv && (fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		say(t, V_WARN, "open .: %s; staying in the start directory", errstr());
		return;
	}
	if (chdir("/") < 0) {
		say(t, V_WARN, "chdir /: %s", errstr());
		dumb_say(t, "Unable to chdir(\"/\") (errno=%d %s)", errno, errstr());
		if (fd >= 0)
			close(fd);
		return;
	}
	t->start_dir_fd = fd;
}

/* supervisord gives every process the URL of its control server, so that listeners and
 * other clients (supervisor.childutils) can call back; tend's default socket when the
 * config names none. */
static void export_server_url(struct tend *t)
{
	char url[PATH_MAX + 16];
	const struct config *c = t->cfg;
	const char *sock = getenv("TEND_CTL_SOCKET");
	if (c->unix_srv.set)
		snprintf(url, sizeof url, "unix://%s", c->unix_srv.file);
	else if (c->inet_srv.set)
		snprintf(url, sizeof url, "http://%s:%d", *c->inet_srv.host ? c->inet_srv.host : "localhost", c->inet_srv.port);
	else if (!sock || *sock == '/')
		snprintf(url, sizeof url, "unix://%s", sock ? sock : CTL_DEFAULT_SOCKET);
	else
		return;
	setenv("SUPERVISOR_SERVER_URL", url, 1);
}

/* The loop's before-sleep: replies that became ready this turn go out first, then
 * whether the work is over is judged. */
static void end_of_turn(struct tend *t)
{
	depend_turn(t); /* first: the waits that this turn's states release start now */
	events_turn(t); /* then buffered events go to READY listeners */
	fcgi_turn(t);   /* pools added or left behind by this turn's changes */
	if (t->ctl)
		ctl_server_turn(t);
	reap_check_done(t);
}

int main(int argc, char **argv)
{
	static struct tend t; /* the one state struct; static: zeroed, never on a small stack */
	/* the client is another program: dispatched before tend blocks any signal */
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (!strcmp(base, "supervisorctl") || (argc > 1 && !strcmp(argv[1], "ctl") && !persona_foreign(base)))
		return ctl_main(argc, argv, !strcmp(base, "supervisorctl"));
	signals_block_all(&t.orig_mask);
	if (argc > 1 && !strcmp(argv[1], "--keeper"))
		return keeper_exec_main(argc, argv);
	t.epfd = -1; /* no loop yet: outputs write directly */
	t.notifyw.fd = -1;
	t.start_dir_fd = -1;
	t.self = getpid();
	t.pid1 = t.self == 1;
	t.argv_area = argv[0];
	t.argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
	persona_parse(&t, argc, argv);
	for (int fd = 0; t.opt.config && fd < 64; fd++) /* before we open anything: what /dev/fd/N can mean */
		if (fcntl(fd, F_GETFD) >= 0)
			t.fds_inherited |= 1ULL << fd;
	if (t.opt.config)
		load_config(&t);
	log_format_init(&t); /* before the first line of tend's own */
	t.keeper_fork_only = getenv("TEND_KEEPER_FORK_ONLY") != NULL; /* the fallback, on purpose (tests) */
	if (t.opt.pdeathsig && prctl(PR_SET_PDEATHSIG, t.opt.pdeathsig) < 0)
		die(&t, 1, "prctl(PR_SET_PDEATHSIG): %s", errstr());
	if (!t.pid1) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			say(&t, V_WARN, "cannot become a child subreaper: %s; orphans will not be reaped",
			    errstr());
		else
			say(&t, V_INFO, "not PID 1: registered as child subreaper");
	}
	if (loop_init(&t) < 0 || signals_open(&t) < 0)
		die(&t, 1, "event loop: %s", errstr());
	leave_start_dir(&t);
	if (t.opt.argv && spawn_exec_child(&t) < 0)
		die(&t, 1, "fork: %s", errstr());
	if (t.cfg) { /* first: a configured socket that cannot be had stops everything (it exits 2) */
		fcgi_start(&t);
		ctl_server_start(&t); /* -1: the default socket is unavailable, as it warned */
		export_server_url(&t);
	}
	if (t.cfg && services_start(&t) < 0)
		die(&t, 1, "cannot start services: %s", errstr());
	loop_run(&t, end_of_turn);
	if (t.cfg) {
		ctl_server_stop(&t);
		events_free_all(&t); /* no output waits for a listener any more */
		logs_flush_all(&t);
		services_cleanup(&t);
		fcgi_close_all(&t);
	}
	dumb_say(&t, "Child exited with status %d. Goodbye.", t.exit_code);
	say_finish(&t);
	return t.exit_code;
}
