/* spawn.h — setting up and exec'ing processes. */
#pragma once
#include <limits.h>

#include "keeper.h"
#include "tend.h"

/* Who a service runs as (user=), resolved by the keeper. */
struct run_as {
	bool set;        /* user= was given */
	bool switch_ids; /* it names another uid than tend's own */
	uid_t uid;
	gid_t gid;
	char name[256];
	char home[PATH_MAX];
};

/* In the keeper: NULL if the service can be started (user= and the command resolved), else
 * supervisord's spawn error text in buf. */
const char *spawn_check(const struct program *p, struct run_as *ru, char *buf, size_t len);

/* In the forked service process (stdio in place, cwd = tend's start directory): new session,
 * environment, user, directory, umask, limits, clean signals, exec. Never returns. */
void exec_service(const struct keeper_spec *k, const struct run_as *ru) __attribute__((noreturn));
