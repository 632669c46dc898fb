/* usage.c — a service's resource use, read from /proc on request: /proc/PID/stat (CPU
 * times), /proc/PID/smaps_rollup (RSS, PSS: one page walk by the kernel) and the entries of /proc/PID/fd of every
 * process in its keeper's tree. procfs answers from kernel memory, so nothing blocks;
 * the cost is bounded by USAGE_MAX_PROCS per service (bench/: the figure "metrics"). */
#include "usage.h"
#include "cgroup.h"
#include "intparse.h"
#include "memfind.h"
#include "service.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t read_at(int dir, const char *name, char *buf, size_t len)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
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

/* Open fds of the process at DIR: since Linux 6.2 the size of its fd directory says,
 * before that its entries are counted. */
static unsigned count_fds(int dir)
{
	struct stat st;
	if (fstatat(dir, "fd", &st, 0) == 0 && st.st_size > 0)
		return (unsigned)st.st_size;
	int fd = openat(dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	unsigned n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	return n;
}

/* Add PID's numbers to U (its own CPU time and the rest only with WHOLE: the keeper gives
 * just its reaped children's) and its children to KIDS (unless NULL). Everything through
 * one directory fd: each name is looked up once. */
static void add_proc(pid_t pid, bool whole, struct usage *u, struct pidset *kids)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "/proc/%d", (int)pid);
	int dir = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *p = dir >= 0 && read_at(dir, "stat", buf, sizeof buf) > 0 ? strrchr(buf, ')') : NULL;
	if (!p) {
		if (dir >= 0)
			close(dir);
		return; /* gone */
	}
	/* fields 3.. of stat(5): f[11..14] utime stime cutime cstime, f[17] num_threads */
	unsigned long long f[18] = {0};
	for (int i = 0; i < 18 && (p = strchr(p + 1, ' ')); i++)
		f[i] = (unsigned long long)str_to_ll(p + 1, NULL, 10);
	u->cpu += (double)(f[13] + f[14] + (whole ? f[11] + f[12] : 0)) / USER_HZ;
	if (kids) { /* one thread: its children file is all (else every thread's, proctree.c) */
		char name[40];
		snprintf(name, sizeof name, "task/%d/children", (int)pid);
		ssize_t n = f[17] == 1 ? read_at(dir, name, buf, sizeof buf) : -1;
		if (n < 0 || (size_t)n >= sizeof buf - 1)
			proc_children(pid, kids);
		else
			for (char *e = buf; (p = e, *p);) {
				pid_t c = (pid_t)str_to_ll(p, &e, 10);
				if (e == p || !pidset_add(kids, c))
					break;
			}
	}
	if (whole) {
		u->procs++;
		ssize_t n = read_at(dir, "smaps_rollup", buf, sizeof buf);
		u->rss += kib(buf, n, "\nRss:");
		u->pss += kib(buf, n, "\nPss:");
		u->fds += count_fds(dir);
	}
	close(dir);
}

int usage_of(struct tend *t, const struct svc *s, struct usage *u)
{
	(void)t;
	*u = (struct usage){.mem = -1};
	if (!s) {
		add_proc(getpid(), true, u, NULL);
		return u->procs ? 0 : -1;
	}
	struct pidset q = {0}, kids = {0};
	unsigned long long usec;
	if (s->cg && cgroup_pids(s, &q) == 0) { /* its members, wherever they were re-parented */
		for (size_t i = 0; i < q.n && !(u->capped = i >= USAGE_MAX_PROCS); i++)
			add_proc(q.v[i], true, u, NULL);
		if (cgroup_usage(s, &usec, &u->mem) == 0)
			u->cpu = (double)usec / 1e6;
		pidset_free(&q);
		return 0;
	}
	if (!s->keeper)
		return 0;
	/* breadth-first from the keeper; a child met twice (re-parented during the walk) once */
	pidset_add(&q, s->keeper);
	for (size_t i = 0; i < q.n; i++) {
		kids.n = 0;
		add_proc(q.v[i], i > 0, u, &kids);
		for (size_t k = 0; k < kids.n && !u->capped; k++)
			if (!pidset_has(&q, kids.v[k]))
				u->capped = q.n > USAGE_MAX_PROCS || !pidset_add(&q, kids.v[k]);
	}
	pidset_free(&q);
	pidset_free(&kids);
	return 0;
}
