/* proctree.c — the process tree, read from /proc. Children come from
 * /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN: cost follows the tree, not the host);
 * without it, from the parent field of every /proc/PID/stat. Nothing here blocks: procfs
 * reads are answered from kernel memory. */
#include "proctree.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool pidset_has(const struct pidset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == pid)
			return true;
	return false;
}

bool pidset_add(struct pidset *s, pid_t pid)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		pid_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = pid;
	return true;
}

void pidset_del(struct pidset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == pid) {
			s->v[i] = s->v[--s->n];
			return;
		}
}

void pidset_free(struct pidset *s)
{
	free(s->v);
	*s = (struct pidset){0};
}

/* Parse "12 345 6789 " (a children file) into out. */
static void read_pid_list(int fd, struct pidset *out)
{
	char buf[1024];
	long cur = -1;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				cur = (cur < 0 ? 0 : cur * 10) + (buf[i] - '0');
			} else if (cur >= 0) {
				pidset_add(out, (pid_t)cur);
				cur = -1;
			}
		}
	if (cur >= 0)
		pidset_add(out, (pid_t)cur);
}

static pid_t read_ppid(int dirfd, const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "%.20s/stat", pid);
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -1;
	return (pid_t)atoi(p + 4);
}

pid_t proc_parent(pid_t pid)
{
	char dir[20]; /* absolute: openat ignores the directory fd */
	snprintf(dir, sizeof dir, "/proc/%d", (int)pid);
	return read_ppid(AT_FDCWD, dir);
}

/* Without CONFIG_PROC_CHILDREN: every process whose parent is PID. */
static int scan_children(pid_t pid, struct pidset *out)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]) && read_ppid(dirfd(d), e->d_name) == pid)
			pidset_add(out, (pid_t)atoi(e->d_name));
	closedir(d);
	return 0;
}

static bool have_children_files(void)
{
	static int have = -1; /* a property of the kernel: probed once */
	if (have < 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
		have = access(path, R_OK) == 0;
	}
	return have;
}

int proc_children(pid_t pid, struct pidset *out)
{
	if (!have_children_files())
		return scan_children(pid, out);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return access("/proc/self", F_OK) == 0 ? 0 : -1; /* gone meanwhile, or no /proc */
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "%.20s/children", e->d_name);
		int fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			read_pid_list(fd, out);
			close(fd);
		}
	}
	closedir(d);
	return 0;
}

/* One pass from ROOT down: every process not yet in SEEN is stopped (if FREEZE) and added
 * before its own children are read. Returns how many were new, -1 without /proc. */
static int walk(pid_t root, struct pidset *seen, bool freeze)
{
	struct pidset queue = {0}, kids = {0};
	int added = 0;
	if (!pidset_add(&queue, root))
		return 0;
	for (size_t i = 0; i < queue.n; i++) {
		kids.n = 0;
		if (proc_children(queue.v[i], &kids) < 0) {
			added = -1;
			break;
		}
		for (size_t k = 0; k < kids.n; k++) {
			pid_t c = kids.v[k];
			if (pidset_has(&queue, c))
				continue;
			if (!pidset_has(seen, c)) {
				if (freeze)
					kill(c, SIGSTOP);
				if (!pidset_add(seen, c))
					continue;
				added++;
			}
			pidset_add(&queue, c);
		}
	}
	pidset_free(&queue);
	pidset_free(&kids);
	return added;
}

int tree_signal(pid_t root, int sig, bool include_root)
{
	struct pidset all = {0};
	bool freeze = sig != SIGSTOP;
	if (include_root) {
		if (freeze)
			kill(root, SIGSTOP);
		pidset_add(&all, root);
	}
	int r = 0;
	for (int round = 0; round < 16 && (r = walk(root, &all, freeze)) > 0; round++)
		;
	if (r < 0 && all.n <= (size_t)include_root) {
		if (include_root && freeze)
			kill(root, SIGCONT);
		pidset_free(&all);
		return -1;
	}
	int count = 0;
	for (size_t i = 0; i < all.n; i++)
		count += kill(all.v[i], sig) == 0;
	if (sig != SIGKILL && sig != SIGSTOP)
		for (size_t i = 0; i < all.n; i++)
			kill(all.v[i], SIGCONT);
	pidset_free(&all);
	return count;
}

int tree_list(pid_t root, struct pidset *out)
{
	return walk(root, out, false) < 0 ? -1 : (int)out->n;
}

void describe_pids(const struct pidset *set, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; i < set->n && off + 1 < len; i++) {
		char path[64], comm[32] = "?";
		snprintf(path, sizeof path, "/proc/%d/comm", (int)set->v[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, comm, sizeof comm - 1);
			comm[n > 0 ? n : 0] = 0;
			comm[strcspn(comm, "\n")] = 0;
			close(fd);
		}
		for (char *c = comm; *c; c++) /* names are set by the service: show them safely */
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		int n = i < 8 ? snprintf(buf + off, len - off, "%s%d (%s)", i ? ", " : "", (int)set->v[i], comm)
			      : snprintf(buf + off, len - off, " and %zu more", set->n - i);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
		if (i >= 8)
			break;
	}
}
