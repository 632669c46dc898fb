/* ctl_cmds.h — the commands of the client (ctl_cmd.c, ctl_admin.c, ctl_wait.c), for the table
 * in ctl_help.c. Each gets the words of its argument and the argument as typed. */
#pragma once
#include "ctl_int.h"

int cmd_add(struct ctl *c, char **w, int n, const char *arg);
int cmd_avail(struct ctl *c, char **w, int n, const char *arg);
int cmd_clear(struct ctl *c, char **w, int n, const char *arg);
int cmd_quit(struct ctl *c, char **w, int n, const char *arg);
int cmd_fg(struct ctl *c, char **w, int n, const char *arg);
int cmd_maintail(struct ctl *c, char **w, int n, const char *arg);
int cmd_open(struct ctl *c, char **w, int n, const char *arg);
int cmd_pid(struct ctl *c, char **w, int n, const char *arg);
int cmd_reload(struct ctl *c, char **w, int n, const char *arg);
int cmd_remove(struct ctl *c, char **w, int n, const char *arg);
int cmd_reread(struct ctl *c, char **w, int n, const char *arg);
int cmd_restart(struct ctl *c, char **w, int n, const char *arg);
int cmd_shutdown(struct ctl *c, char **w, int n, const char *arg);
int cmd_signal(struct ctl *c, char **w, int n, const char *arg);
int cmd_start(struct ctl *c, char **w, int n, const char *arg);
int cmd_status(struct ctl *c, char **w, int n, const char *arg);
int cmd_stop(struct ctl *c, char **w, int n, const char *arg);
int cmd_tail(struct ctl *c, char **w, int n, const char *arg);
int cmd_update(struct ctl *c, char **w, int n, const char *arg);
int cmd_version(struct ctl *c, char **w, int n, const char *arg);
int cmd_wait(struct ctl *c, char **w, int n, const char *arg);
int cmd_ready(struct ctl *c, char **w, int n, const char *arg);
int cmd_healthy(struct ctl *c, char **w, int n, const char *arg);
int cmd_events(struct ctl *c, char **w, int n, const char *arg);
int cmd_top(struct ctl *c, char **w, int n, const char *arg); /* ctl_top.c */
int cmd_help(struct ctl *c, char **w, int n, const char *arg);
int cmd_eof(struct ctl *c, char **w, int n, const char *arg);
