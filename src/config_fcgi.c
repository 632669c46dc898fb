/* config_fcgi.c — the socket keys of [fcgi-program:x], read before its instances, as
 * supervisord 4.2.5's process_groups_from_parser() and parse_fcgi_socket() read them: in
 * its order, with its words ("... in [fcgi-program:x] socket"), and its expansions
 * (%(here)s and %(ENV_X)s everywhere, %(program_name)s in socket= only). The URL is kept as
 * written (supervisord shows the host lowercased, the path normalised).
 * tend: the TCP host must be an IPv4 address, "localhost", "*" or empty (all interfaces):
 * tend does no DNS lookup (supervisord resolves it when it binds); a socket_backlog that is
 * not a number gets the same message as one out of range. Pure code but for the user
 * database (user=, socket_owner=: supervisord resolves them here too). */
#include "config_loader.h"
#include "fcgi.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "arena.h"
#include "pathname.h"

struct fcgi_src { /* the section being read */
	struct loader *ld;
	const struct ini_section *s;
	const char *name;
	const struct ini_entry *at; /* the entry of the key being read */
};

/* KEY expanded (malloc'd); NULL: absent (f->at NULL) or an expansion error (reported). */
static char *value(struct fcgi_src *f, const char *key)
{
	struct expand_ctx x = {.program_name = strcmp(key, "socket") ? NULL : f->name, .env = {&f->ld->sup_env, NULL}};
	f->at = ini_get(f->s, key);
	return f->at ? expand_entry(f->ld, f->at, x) : NULL;
}

static int bad(struct fcgi_src *f, const char *fmt, const char *v)
{
	return fail(f->ld, f->at->file->path, f->at->line, fmt, v);
}

/* user=: name_to_uid(), which supervisord calls for the socket's default owner: the
 * process's user (and its group) when it is another uid than tend's. */
static int user_owner(struct fcgi_src *f, struct fcgi_socket *fs)
{
	char *v = value(f, "user");
	if (!v)
		return f->at ? -1 : 0;
	struct ctl_listen o;
	int rc = *v && parse_owner(v, &o) ? bad(f, "Invalid user name %s", v) : 0;
	struct passwd *pw = *v && !rc ? getpwuid(o.uid) : NULL;
	if (pw && pw->pw_uid != getuid())
		fs->chown_set = true, fs->uid = pw->pw_uid, fs->gid = pw->pw_gid;
	free(v);
	return rc;
}

/* socket_backlog=, socket_owner=, socket_mode=: 0, 1 (owner or mode given) or -1. */
static int options(struct fcgi_src *f, struct fcgi_socket *fs)
{
	static const char *const keys[] = {"socket_backlog", "socket_owner", "socket_mode"};
	int given = 0;
	for (int i = 0; i < 3; i++) {
		char *v = value(f, keys[i]), fmt[40];
		if (!v && f->at)
			return -1;
		if (!v)
			continue;
		long long n = 0;
		struct ctl_listen o;
		int rc = i == 0 ? parse_int(v, 1, 65535, &n) : i == 1 ? parse_owner(v, &o) : parse_mode(v, &fs->mode);
		if (i == 0)
			fs->backlog = (int)n;
		else if (i == 1)
			fs->chown_set = true, fs->uid = o.uid, fs->gid = o.gid;
		snprintf(fmt, sizeof fmt, "Invalid %s value %%s", keys[i]);
		if (rc)
			bad(f, fmt, v);
		free(v);
		if (rc)
			return -1;
		given |= i > 0;
	}
	return given;
}

/* parse_fcgi_socket(): "unix:///abs/path" (made absolute like normalize_path(); `~` is not
 * absolute) or "tcp://HOST:PORT" (tcp://([^\s:]+):(\d+)$, then port_number()'s bounds;
 * tend: HOST an IPv4 address, "localhost", "*" or "": no DNS). 0, or -1 with why. */
static int parse_socket(struct loader *ld, const char *v, int given, struct fcgi_socket *fs, char *why, size_t len)
{
	struct sockaddr_un sa;
	if (!strncmp(v, "unix://", 7)) {
		if (v[7] != '/' || strlen(v + 7) >= sizeof sa.sun_path)
			return snprintf(why, len, "Unix socket path %s is %s", v + 7, v[7] != '/' ? "not an absolute path" : "too long"), -1;
		return (fs->path = path_absolute(ld->keys.mem, "/", v + 7)) ? 0 : (snprintf(why, len, "out of memory"), -1);
	}
	if (given)
		return snprintf(why, len, "socket_owner and socket_mode params should only be used with a Unix domain socket"), -1;
	char host[64];
	const char *hp = v + strlen("tcp://"), *colon = strncmp(v, "tcp://", 6) ? NULL : strrchr(hp, ':');
	size_t hl = colon ? (size_t)(colon - hp) : 0;
	long long n;
	if (!colon || hl >= sizeof host || !isdigit((unsigned char)colon[1]) ||
	    parse_int(colon + 1, 0, LLONG_MAX, &n))
		return snprintf(why, len, "Bad socket format %s", v), -1;
	if (n < 1 || n > 65535)
		return snprintf(why, len, n < 1 ? "%lld is below lower bound (1)" : "%lld is above upper bound (65535)", n), -1;
	fs->port = (int)n;
	snprintf(host, sizeof host, "%.*s", (int)hl, hp);
	const char *h = !strcasecmp(host, "localhost") ? "127.0.0.1" : !*host || !strcmp(host, "*") ? "0.0.0.0" : host;
	if (inet_pton(AF_INET, h, fs->addr) != 1)
		return snprintf(why, len, "'%.60s' is not a numeric address or localhost (tend does no DNS lookup)", host), -1;
	return 0;
}

int load_fcgi(struct loader *ld, const struct ini_section *s, const char *name, const struct fcgi_socket **out)
{
	struct fcgi_src f = {.ld = ld, .s = s, .name = name};
	struct fcgi_socket *fs = arena_alloc(ld->keys.mem, sizeof *fs);
	char why[600];
	if (!fs)
		return fail_alloc(ld, s->file->path, s->line);
	*fs = (struct fcgi_socket){.backlog = FCGI_BACKLOG_DEFAULT, .mode = 0700, .uid = (uid_t)-1, .gid = (gid_t)-1};
	int given = user_owner(&f, fs) ? -1 : options(&f, fs);
	char *v = given < 0 ? NULL : value(&f, "socket");
	if (given < 0 || (!v && f.at))
		return -1;
	if (!v || !*v) {
		free(v);
		return fail(ld, f.at ? f.at->file->path : s->file->path, f.at ? f.at->line : s->line,
			    "[%s] section requires a \"socket\" line", s->name);
	}
	int rc = parse_socket(ld, v, given, fs, why, sizeof why);
	if (rc)
		fail(ld, f.at->file->path, f.at->line, "%s in [%s] socket", why, s->name);
	else if (!(fs->url = arena_strdup(ld->keys.mem, v)))
		rc = fail_alloc(ld, f.at->file->path, f.at->line);
	free(v);
	*out = fs;
	return rc;
}
