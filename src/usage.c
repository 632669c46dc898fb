/* usage.c — a service's resource use, read from /proc on request: /proc/PID/stat (CPU
 * times), /proc/PID/smaps_rollup (RSS, PSS: one page walk by the kernel) and the entries of /proc/PID/fd of every
 * process in its keeper's tree. procfs answers from kernel memory, so nothing blocks;
 * the cost is bounded by USAGE_MAX_PROCS per service (bench/: the figure "metrics"). */
#include "usage.h"
#include "intparse.h"
#include "memfind.h"
#include "service.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

#define USER_HZ 100 /* the unit of stat(5)'s times: 100 on every architecture tend builds for */

/* Kibibytes after TAG ("\nRss:") in BUF[0..N), 0 if absent. */
static uint64_t kib(const char *buf, ssize_t n, const char *tag)
{
	const char *p = n > 0 ? mem_find(buf, (size_t)n, tag, 5) : NULL;
	return p ? (uint64_t)str_to_ll(p + 5, NULL, 10) << 10 : 0;
}

/* Add PID's numbers to U; its own CPU time and the rest only with WHOLE (the keeper
 * gives just its reaped children's). False if it is gone. */
static bool add_proc(pid_t pid, bool whole, struct usage *u)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	char *p = read_file(path, buf, sizeof buf) > 0 ? strrchr(buf, ')') : NULL;
	if (!p)
		return false;
	unsigned long long f[15] = {0}; /* fields 3.. of stat(5): f[11..14] utime stime cutime cstime */
	for (int i = 0; i < 15 && (p = strchr(p + 1, ' ')); i++)
		f[i] = (unsigned long long)str_to_ll(p + 1, NULL, 10);
	u->cpu += (double)(f[13] + f[14] + (whole ? f[11] + f[12] : 0)) / USER_HZ;
	if (!whole)
		return true;
	u->procs++;
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
	ssize_t n = read_file(path, buf, sizeof buf);
	u->rss += kib(buf, n, "\nRss:");
	u->pss += kib(buf, n, "\nPss:");
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		u->fds += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return true;
}

int usage_of(struct tend *t, const struct svc *s, struct usage *u)
{
	(void)t;
	*u = (struct usage){0};
	if (!s)
		return add_proc(getpid(), true, u) ? 0 : -1;
	if (!s->keeper)
		return 0;
	/* breadth-first from the keeper; a child met twice (re-parented during the walk) once */
	struct pidset q = {0}, kids = {0};
	int r = pidset_add(&q, s->keeper) ? 0 : -1;
	for (size_t i = 0; !r && i < q.n; i++) {
		kids.n = 0;
		r = proc_children(q.v[i], &kids);
		for (size_t k = 0; k < kids.n && !u->capped; k++)
			if (!pidset_has(&q, kids.v[k]))
				u->capped = q.n > USAGE_MAX_PROCS || !pidset_add(&q, kids.v[k]);
	}
	for (size_t i = 0; !r && i < q.n; i++)
		add_proc(q.v[i], i > 0, u);
	pidset_free(&q);
	pidset_free(&kids);
	if (r)
		*u = (struct usage){0};
	return r;
}
