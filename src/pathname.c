/* pathname.c — see pathname.h. */
#include "pathname.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"

char *path_absolute(struct arena *a, const char *cwd, const char *path)
{
	bool rel = path[0] != '/';
	if (rel && !cwd)
		return NULL;
	size_t cn = rel ? strlen(cwd) : 0, n = strlen(path);
	while (cn > 0 && cwd[cn - 1] == '/')
		cn--;
	char *out = arena_alloc(a, cn + n + 2), *o = out;
	if (!out)
		return NULL;
	if (rel) {
		memcpy(o, cwd, cn);
		o += cn;
	}
	for (const char *p = path; *p;) { /* one component per round, each after a '/' */
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (!(len == 1 && *p == '.')) {
			*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	if (o == out || (o == out + 1 && *out == '/'))
		o = out, *o++ = '/';
	*o = 0;
	return out;
}

int path_expand_user(const char *path, char *out, size_t outlen)
{
	const char *home = NULL, *rest;
	if (path[0] == '~') {
		rest = path + 1 + strcspn(path + 1, "/");
		if (rest == path + 1) { /* ~ or ~/x: $HOME, like Python */
			struct passwd *pw;
			if (!(home = getenv("HOME")) && (pw = getpwuid(getuid())))
				home = pw->pw_dir;
		} else {
			char user[256];
			struct passwd *pw;
			if ((size_t)(rest - path - 1) < sizeof user) {
				memcpy(user, path + 1, rest - path - 1);
				user[rest - path - 1] = 0;
				if ((pw = getpwnam(user)))
					home = pw->pw_dir;
			}
		}
	}
	int n;
	if (!home) {
		n = snprintf(out, outlen, "%s", path);
	} else {
		size_t hn = strlen(home);
		while (hn > 0 && home[hn - 1] == '/') /* Python: userhome.rstrip('/') */
			hn--;
		n = snprintf(out, outlen, "%.*s%s", (int)hn, home, rest);
		if (n == 0)
			n = snprintf(out, outlen, "/");
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

bool path_dir_missing(const char *path, const char *cwd, char *checked)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	if (!slash)
		return false; /* "app.log": no directory named, nothing to check */
	size_t n = slash > path ? (size_t)(slash - path) : 1;
	int len = path[0] != '/' && cwd ? snprintf(dir, sizeof dir, "%s/%.*s", cwd, (int)n, path)
					: snprintf(dir, sizeof dir, "%.*s", (int)n, path);
	if (len < 0 || (size_t)len >= sizeof dir)
		return true;
	if (!strcmp(dir, checked))
		return false;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return true;
	memcpy(checked, dir, (size_t)len + 1);
	return false;
}
