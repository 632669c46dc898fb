/* keeper_record.c — a service's settings for a re-exec'd keeper, as one versioned binary
 * record in a memfd (fd 5 of the new image). Not argv: settings never show in ps, no
 * positional parsing, no size limit of the command line; not the environment: the
 * service's environment= (LD_PRELOAD, ...) reaches the service only, never the keeper.
 *
 * Layout: struct rec_head, then NUL-terminated strings: name, group, user, directory,
 * start_dir, cgroup, argv[nargv], env[nenv] ("" stands for an unset user/directory/start_dir/cgroup). */
#include "keeper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC_MAGIC "TKR1"
#define REC_MAX (256u << 20)

enum { F_STOPASGROUP = 1, F_KILLASGROUP = 2, F_CONTAINMENT = 4 };

struct rec_head {
	char magic[4];
	uint32_t version, size;
	int32_t stopsignal, stopwaitsecs, startsecs, umask;
	uint32_t flags, nargv, nenv;
	int32_t ready_fd; /* ready=fd:N: N, else 0 */
	uint64_t nofile_cur, nofile_max, nproc_cur, nproc_max;
};

static const char *or_empty(const char *s) { return s ? s : ""; }

static size_t strings_size(char *const *v, uint32_t *count)
{
	size_t n = 0;
	*count = 0;
	for (; v && *v; v++, (*count)++)
		n += strlen(*v) + 1;
	return n;
}

static char *put(char *at, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(at, s, n);
	return at + n;
}

int keeper_record_write(int fd, const struct keeper_spec *spec)
{
	const struct program *p = &spec->p;
	const char *fixed[6] = {p->name, p->group, or_empty(p->user), or_empty(p->directory), or_empty(spec->start_dir),
				or_empty(spec->cgroup)};
	struct rec_head h = {.magic = REC_MAGIC, .version = KEEPER_PROTO, .stopsignal = p->stopsignal,
			     .stopwaitsecs = p->stopwaitsecs, .startsecs = p->startsecs, .umask = p->umask,
			     .flags = (p->stopasgroup ? F_STOPASGROUP : 0) | (p->killasgroup ? F_KILLASGROUP : 0) |
				      (p->containment ? F_CONTAINMENT : 0),
			     .ready_fd = p->lc.ready.kind == PROBE_FD ? p->lc.ready.fd : 0,
			     .nofile_cur = spec->nofile.rlim_cur, .nofile_max = spec->nofile.rlim_max,
			     .nproc_cur = spec->nproc.rlim_cur, .nproc_max = spec->nproc.rlim_max};
	size_t size = sizeof h + strings_size(p->argv, &h.nargv) + strings_size(p->env, &h.nenv);
	for (int i = 0; i < 6; i++)
		size += strlen(fixed[i]) + 1;
	if (size > REC_MAX) {
		errno = E2BIG;
		return -1;
	}
	h.size = (uint32_t)size;
	char *buf = malloc(size), *at = buf + sizeof h;
	if (!buf)
		return -1;
	memcpy(buf, &h, sizeof h);
	for (int i = 0; i < 6; i++)
		at = put(at, fixed[i]);
	for (char **v = p->argv; v && *v; v++)
		at = put(at, *v);
	for (char **v = p->env; v && *v; v++)
		at = put(at, *v);
	size_t off = 0;
	while (off < size) { /* a memfd: never blocks, may be short only on ENOMEM */
		ssize_t n = write(fd, buf + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(buf);
	return off == size ? 0 : -1;
}

/* The next NUL-terminated string at *at, or NULL past the end. */
static char *take(char **at, char *end)
{
	char *s = *at, *nul = s < end ? memchr(s, 0, (size_t)(end - s)) : NULL;
	if (!nul)
		return NULL;
	*at = nul + 1;
	return s;
}

static char **take_vector(char **at, char *end, uint32_t n)
{
	if (n > (size_t)(end - *at))
		return NULL; /* each string takes at least its NUL */
	char **v = calloc((size_t)n + 1, sizeof *v);
	for (uint32_t i = 0; v && i < n; i++)
		if (!(v[i] = take(at, end))) {
			free(v);
			return NULL;
		}
	return v;
}

int keeper_record_read(char *buf, size_t len, struct keeper_spec *spec, const char **why)
{
	struct rec_head h;
	memset(spec, 0, sizeof *spec);
	if (len < sizeof h || (memcpy(&h, buf, sizeof h), memcmp(h.magic, REC_MAGIC, 4)))
		return *why = "not a keeper record", -1;
	if (h.version != KEEPER_PROTO)
		return *why = "keeper record of another tend version", -1;
	if (h.size != len || h.nargv < 1)
		return *why = "truncated keeper record", -1;
	char *at = buf + sizeof h, *end = buf + len, *f[6];
	for (int i = 0; i < 6; i++)
		if (!(f[i] = take(&at, end)))
			return *why = "truncated keeper record", -1;
	struct program *p = &spec->p;
	p->name = f[0];
	p->group = f[1];
	p->user = *f[2] ? f[2] : NULL;
	p->directory = *f[3] ? f[3] : NULL;
	spec->start_dir = *f[4] ? f[4] : NULL;
	spec->cgroup = *f[5] ? f[5] : NULL;
	if (!(p->argv = take_vector(&at, end, h.nargv)) || !(p->env = take_vector(&at, end, h.nenv)) || at != end)
		return *why = "malformed keeper record", -1;
	p->stopsignal = h.stopsignal;
	p->stopwaitsecs = h.stopwaitsecs;
	p->startsecs = h.startsecs;
	p->umask = h.umask;
	p->stopasgroup = h.flags & F_STOPASGROUP;
	p->killasgroup = h.flags & F_KILLASGROUP;
	p->containment = h.flags & F_CONTAINMENT;
	if (h.ready_fd > 0)
		p->lc.ready = (struct probe_spec){.kind = PROBE_FD, .fd = h.ready_fd};
	spec->nofile = (struct rlimit){(rlim_t)h.nofile_cur, (rlim_t)h.nofile_max};
	spec->nproc = (struct rlimit){(rlim_t)h.nproc_cur, (rlim_t)h.nproc_max};
	return 0;
}
