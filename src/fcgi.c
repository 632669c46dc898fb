/* fcgi.c — the listening sockets of the [fcgi-program:x] pools, given to every process of
 * a pool as its fd 0.
 *
 * supervisord creates a pool's socket when the first process of the pool spawns and closes
 * it when the last one is reaped, so while a numprocs=1 pool restarts, connections are
 * refused. tend opens it when the configuration that defines the pool is loaded (start-up,
 * or the reload or add that brings the pool) and keeps it through every restart of the
 * processes: connections wait in the backlog. It is closed (a unix path unlinked, if it is
 * still the file tend made) once no service refers to the pool any more (a reload or
 * removeProcessGroup took the pool away) and when tend exits.
 *
 * A pool is a section and its socket's URL: a reload that changes only backlog, mode or
 * owner keeps the socket and applies them (the old processes may still hold it, so a new one
 * could not be bound to the same port). tend never accepts on it, so it stays blocking: the
 * processes' accept() waits, as with supervisord. Binding is local (numeric addresses from
 * the load: no DNS). */
#include "fcgi.h"
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct fcgi_pool {
	struct fcgi_pool *next;
	char *program, *url; /* the section's name and the socket's URL, after the struct */
	int fd;
	bool used;           /* fcgi_turn's mark */
	dev_t dev;           /* unix: the file tend made (ino 0: none) */
	ino_t ino;
};

/* The file at PATH is still the socket this pool bound (not replaced by anything else). */
static bool ours(const struct fcgi_pool *pl, const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == pl->dev && st.st_ino == pl->ino;
}

static void pool_free(struct fcgi_pool *pl)
{
	const char *path = pl->url + strlen("unix://");
	if (pl->fd >= 0)
		close(pl->fd);
	if (pl->ino && ours(pl, path))
		unlink(path);
	free(pl);
}

/* The socket file's owner and mode (supervisord: chown, then chmod): NULL, or what failed
 * (errno says why). Never through a symlink: the path's directory may be writable by
 * others, and tend runs as root. */
static const char *unix_perms(const struct fcgi_socket *s)
{
	if (s->chown_set && fchownat(AT_FDCWD, s->path, s->uid, s->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return "Could not change ownership of socket file: ";
	return chmod(s->path, (mode_t)s->mode) < 0 ? "Could not change permissions of socket file: " : NULL;
}

/* supervisord's create_and_bind: a socket at the path is unlinked first. tend: anything else
 * there is an error, never removed; the bind is under umask 0177, so the socket is never
 * more open than configured before its chmod. NULL, or what failed (with errno). */
static const char *bind_unix(struct fcgi_pool *pl, const struct fcgi_socket *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1); /* its length was checked at load time */
	if (lstat(s->path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return errno = EEXIST, "not a socket: ";
	unlink(s->path);
	mode_t old = umask(0177);
	int rc = bind(pl->fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || lstat(s->path, &st) < 0)
		return "";
	pl->dev = st.st_dev;
	pl->ino = st.st_ino;
	return unix_perms(s);
}

static const char *bind_tcp(struct fcgi_pool *pl, const struct fcgi_socket *s)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	int one = 1;
	memcpy(&sa.sin_addr, s->addr, sizeof sa.sin_addr);
	return setsockopt(pl->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(pl->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? "" : NULL;
}

static struct fcgi_pool *pool_open(const char *program, const struct fcgi_socket *s, char *err, size_t len)
{
	size_t pn = strlen(program) + 1, un = strlen(s->url) + 1;
	struct fcgi_pool *pl = calloc(1, sizeof *pl + pn + un);
	const char *why = "";
	if (pl) {
		pl->program = memcpy(pl + 1, program, pn);
		pl->url = memcpy(pl->program + pn, s->url, un);
		pl->fd = socket(s->path ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (pl && pl->fd >= 0 && !(why = s->path ? bind_unix(pl, s) : bind_tcp(pl, s)) && listen(pl->fd, s->backlog) == 0)
		return pl;
	snprintf(err, len, "Could not create FastCGI socket %s: %s%s", s->url, why ? why : "", errstr());
	if (pl)
		pool_free(pl); /* a unix socket already bound is unlinked, as supervisord does */
	return NULL;
}

/* P's pool, opened now if need be; NULL with why in err. Backlog, mode and owner are applied
 * each time (a few syscalls a spawn), so a reload that changed them has them. */
static struct fcgi_pool *pool_get(struct tend *t, const struct program *p, char *err, size_t len)
{
	const struct fcgi_socket *s = p->fcgi;
	struct fcgi_pool *pl = t->fcgi;
	const char *why = "";
	while (pl && (strcmp(pl->program, p->program) || strcmp(pl->url, s->url)))
		pl = pl->next;
	if (!pl && (pl = pool_open(p->program, s, err, len))) {
		pl->next = t->fcgi;
		t->fcgi = pl;
	} else if (pl && (listen(pl->fd, s->backlog) < 0 || (s->path && ours(pl, s->path) && (why = unix_perms(s))))) {
		say(t, V_WARN, "[fcgi-program:%s]: %s: %s%s", p->program, s->url, why, errstr());
	}
	return pl;
}

/* Mark P's pool used, opening it if need be (PREV, the instance before, had the same
 * socket: done already); one that cannot be had is said, or fatal. */
static void mark(struct tend *t, const struct program *p, const struct program *prev, bool fatal)
{
	char err[400];
	struct fcgi_pool *pl;
	if (!p->fcgi || (prev && prev->fcgi == p->fcgi))
		return;
	if ((pl = pool_get(t, p, err, sizeof err))) {
		pl->used = true;
		return;
	}
	if (fatal) {
		fcgi_close_all(t);
		die(t, 2, "[fcgi-program:%s]: %s", p->program, err);
	}
	say(t, V_WARN, "[fcgi-program:%s]: %s", p->program, err);
}

void fcgi_start(struct tend *t)
{
	for (int i = 0; i < t->cfg->nprogs; i++)
		mark(t, &t->cfg->progs[i], i ? &t->cfg->progs[i - 1] : NULL, true);
}

int fcgi_socket_for(struct tend *t, const struct program *p, char *err, size_t len)
{
	struct fcgi_pool *pl = pool_get(t, p, err, len);
	return pl ? pl->fd : -1;
}

void fcgi_turn(struct tend *t)
{
	if (t->fcgi_gen == t->svcs_gen)
		return;
	t->fcgi_gen = t->svcs_gen;
	for (struct fcgi_pool *pl = t->fcgi; pl; pl = pl->next)
		pl->used = false;
	for (int i = 0; i < t->nsvcs; i++) /* a changed service's next socket: at its spawn */
		mark(t, t->svcs[i]->p, i ? t->svcs[i - 1]->p : NULL, false);
	for (struct fcgi_pool **pp = &t->fcgi, *pl; (pl = *pp);) {
		if (pl->used) {
			pp = &pl->next;
			continue;
		}
		*pp = pl->next;
		pool_free(pl);
	}
}

void fcgi_close_all(struct tend *t)
{
	for (struct fcgi_pool *pl; (pl = t->fcgi);) {
		t->fcgi = pl->next;
		pool_free(pl);
	}
}
