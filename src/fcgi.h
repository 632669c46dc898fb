/* fcgi.h — [fcgi-program:x]: the socket its processes get as fd 0. config_fcgi.c parses it
 * (supervisord 4.2.5's socket, socket_backlog, socket_owner, socket_mode); fcgi.c keeps one
 * listening socket per pool open from the load that defines it until the pool is removed
 * (supervisord closes it whenever no process of the pool runs). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FCGI_BACKLOG_DEFAULT 4096 /* Python's socket.SOMAXCONN with glibc (musl's is 128) */

/* Shared (read-only) by the numprocs instances of one section; lives in the config's arena. */
struct fcgi_socket {
	char *url;      /* socket= as written (expanded): tcp://HOST:PORT or unix:///PATH */
	char *path;     /* unix: absolute; NULL for tcp */
	unsigned char addr[4]; /* tcp: the IPv4 address bound; 0.0.0.0 for "" and "*", 127.0.0.1 for localhost */
	int port;
	int backlog;    /* socket_backlog=, 1..65535, default FCGI_BACKLOG_DEFAULT */
	int mode;       /* unix: socket_mode=, default 0700 */
	bool chown_set; /* socket_owner=, or user= when it names another uid (unix only) */
	uid_t uid;      /* (uid_t)-1 unless chown_set */
	gid_t gid;      /* (gid_t)-1: the group is left alone */
};

/* fcgi.c: the pools' sockets (struct tend's fcgi list). */
struct tend;
struct program;
/* At start-up: every pool of t->cfg; a socket that cannot be had is fatal (exit 2). */
void fcgi_start(struct tend *t);
/* P's pool socket for a run (tend's own: not to be closed), the pool opened now if it is not
 * yet; -1 with supervisord's "Could not create FastCGI socket URL: why" in err. */
int fcgi_socket_for(struct tend *t, const struct program *p, char *err, size_t len);
/* The loop's before-sleep, after the services changed (t->svcs_gen): pools of new services
 * are opened, those no service refers to any more closed (a unix path unlinked). A changed
 * service's new socket opens at its first spawn. */
void fcgi_turn(struct tend *t);
void fcgi_close_all(struct tend *t); /* at exit */
