/* spawn.h — setting up and exec'ing processes. */
#pragma once
#include "tend.h"

/* In the forked service process (stdio already in place): new session, user, directory,
 * umask, environment, clean signals, exec. Never returns. */
void exec_service(struct tend *t, const struct program *p) __attribute__((noreturn));

/* NULL if p's command can be run, else supervisord's spawn error text. */
const char *spawn_check(const struct program *p, char *buf, size_t len);
