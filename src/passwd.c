/* passwd.c — getpwnam, getpwuid, getgrnam, getgrgid and initgroups for the static
 * (musl) build only (-DTEND_OWN_PASSWD in the Makefile's STATIC_FLAGS; the glibc build
 * keeps NSS).
 *
 * Why: the static binary is ~5 KB smaller with this file than with musl's versions
 * (two readers per database, getgrouplist, the nscd client and the stdio it uses). The
 * files are read as musl reads them: fopen("rbe") and getline, the line's last byte
 * dropped, fields split at ':' as musl's __getpwent_a and __getgrent_a split them
 * (a numeric field ends at the first non-digit and must be followed by ':'; a line
 * that does not parse is skipped), members at ','. Results live in static storage
 * until the next call of the same family, as musl's.
 * The difference: musl also asks nscd (/var/run/nscd/socket) — for an entry not in the
 * file, and for initgroups' list always — and tend does not; without an nscd running
 * (no socket) the results are the same. initgroups() keeps musl's limit of NGROUPS_MAX (32) groups; past it, it fails
 * and leaves errno as it was, as musl does. */
#ifdef TEND_OWN_PASSWD
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
	FILE *f;
	char *line;
	size_t cap;
	bool nomem; /* no memory for a group's members */
};

static unsigned atou(char **s)
{
	unsigned x;
	for (x = 0; (unsigned)(**s - '0') < 10U; ++*s)
		x = 10 * x + (unsigned)(**s - '0');
	return x;
}

/* The next line, its last byte dropped; NULL at the end or on an error (ferror). */
static char *next_line(struct db *d)
{
	ssize_t l = getline(&d->line, &d->cap, d->f);
	if (l < 0)
		return NULL;
	d->line[l - 1] = 0;
	return d->line;
}

/* Ends the field at *S at its ':' and moves *S past it; NULL when there is no ':'. */
static char *field(char **s)
{
	char *at = strchr(*s, ':');
	if (at) {
		*at = 0;
		*s = at + 1;
	}
	return at;
}

static struct passwd *pw_find(const char *name, uid_t uid)
{
	static struct passwd pw;
	static struct db d;
	struct passwd *res = NULL;
	if (!(d.f = fopen("/etc/passwd", "rbe")))
		return NULL;
	for (char *s; !res && (s = next_line(&d));) {
		pw.pw_name = s++; /* as musl: a ':' in the first byte belongs to the name */
		if (!field(&s))
			continue;
		pw.pw_passwd = s;
		if (!field(&s))
			continue;
		pw.pw_uid = atou(&s);
		if (*s != ':')
			continue;
		s++;
		pw.pw_gid = atou(&s);
		if (*s != ':')
			continue;
		pw.pw_gecos = ++s;
		if (!field(&s))
			continue;
		pw.pw_dir = s;
		if (!field(&s))
			continue;
		pw.pw_shell = s;
		if (name ? !strcmp(name, pw.pw_name) : pw.pw_uid == uid)
			res = &pw;
	}
	fclose(d.f);
	return res;
}

struct passwd *getpwnam(const char *name)
{
	return pw_find(name, 0);
}

struct passwd *getpwuid(uid_t uid)
{
	return pw_find(NULL, uid);
}

/* The next group of D in GR (members in *MEM), or NULL: the end, or an error with
 * errno set (ferror(d->f), or no memory for the members). */
static struct group *gr_next(struct db *d, struct group *gr, char ***mem)
{
	char *s;
	for (;;) {
		if (!(s = next_line(d)))
			return NULL;
		gr->gr_name = s++;
		if (!field(&s))
			continue;
		gr->gr_passwd = s;
		if (!field(&s))
			continue;
		gr->gr_gid = atou(&s);
		if (*s == ':')
			break;
	}
	char *mems = ++s;
	size_t n = !!*s;
	for (; *s; s++)
		n += *s == ',';
	free(*mem);
	if (!(*mem = calloc(n + 1, sizeof **mem)))
		return d->nomem = true, NULL;
	size_t i = 0;
	if (*mems) /* as musl: the byte after a ',' is never a separator */
		for ((*mem)[i++] = s = mems; *s; s++)
			if (*s == ',') {
				*s++ = 0;
				(*mem)[i++] = s;
				if (!*s)
					break;
			}
	gr->gr_mem = *mem;
	return gr;
}

static struct group *gr_find(const char *name, gid_t gid)
{
	static struct group gr;
	static struct db d;
	static char **mem;
	struct group *res = NULL;
	if (!(d.f = fopen("/etc/group", "rbe")))
		return NULL;
	while (!res && gr_next(&d, &gr, &mem))
		if (name ? !strcmp(name, gr.gr_name) : gr.gr_gid == gid)
			res = &gr;
	fclose(d.f);
	return res;
}

struct group *getgrnam(const char *name)
{
	return gr_find(name, 0);
}

struct group *getgrgid(gid_t gid)
{
	return gr_find(NULL, gid);
}

/* musl's getgrouplist() then setgroups(): GID first, then each group listing USER, in
 * file order, duplicates kept. */
int initgroups(const char *user, gid_t gid)
{
	gid_t groups[NGROUPS_MAX];
	size_t n = 1;
	groups[0] = gid;
	struct db d = {fopen("/etc/group", "rbe"), NULL, 0, false};
	if (!d.f && errno != ENOENT && errno != ENOTDIR)
		return -1;
	if (d.f) {
		struct group gr;
		char **mem = NULL;
		while (gr_next(&d, &gr, &mem))
			for (size_t i = 0; gr.gr_mem[i]; i++)
				if (!strcmp(user, gr.gr_mem[i])) {
					if (++n <= NGROUPS_MAX)
						groups[n - 1] = gr.gr_gid;
					break;
				}
		int err = ferror(d.f) || d.nomem ? errno : 0;
		fclose(d.f);
		free(d.line);
		free(mem);
		if (err)
			return errno = err, -1;
	}
	if (n > NGROUPS_MAX)
		return -1; /* errno as it was, as musl leaves it */
	return setgroups(n, groups);
}
#endif
