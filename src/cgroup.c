/* cgroup.c — cgroup v2 containment (docs/cgroups.md). Where tend may write a cgroup v2
 * directory PARENT (its own cgroup when it runs alone in it, or one named by TEND_CGROUP
 * or [supervisord] cgroup=), each service runs in PARENT/NAME: its main process joins the
 * cgroup before exec (spawn.c), so nothing it forks can leave it. The keeper then needs
 * no subreaper walk: a stop ends with one write of "1" to cgroup.kill, and the run is over
 * when cgroup.events says "populated 0" (watched in the loop: kernfs raises EPOLLPRI on
 * change), which is what releases the restart (svc_reap with pid 0). Limits go to
 * memory.max, pids.max and cpu.max where PARENT's cgroup.subtree_control has (or tend can
 * enable) the controller; elsewhere a service's limits are warned about, never ignored
 * silently. Nothing here changes a state: the state machine hears of emptiness only. */
#include "cgroup.h"
#include "intparse.h"
#include "memfind.h"
#include "service.h"
#include "signame.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CGROUP2_MAGIC 0x63677270

static const char *const ctrl_names[] = {"memory", "pids", "cpu"};

static int open_in(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s%s%s", dir, file ? "/" : "", file ? file : "");
	return open(path, flags | O_CLOEXEC);
}

int cgroup_write(const char *dir, const char *file, const char *val)
{
	int fd = open_in(dir, file, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, val, strlen(val));
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

/* DIR/FILE (FILE NULL: DIR is the path), up to LEN - 1 bytes, NUL-terminated. */
static ssize_t read_text(const char *dir, const char *file, char *buf, size_t len)
{
	int fd = open_in(dir, file, O_RDONLY);
	size_t off = 0;
	ssize_t n = 0;
	if (fd < 0)
		return buf[0] = 0, -1;
	while (off < len - 1 && ((n = read(fd, buf + off, len - 1 - off)) > 0 || (n < 0 && errno == EINTR)))
		off += n > 0 ? (size_t)n : 0;
	close(fd);
	buf[off] = 0;
	return n < 0 ? -1 : (ssize_t)off;
}

static unsigned ctrl_mask(const char *words)
{
	unsigned m = 0;
	for (const char *w = words; *w; w += strcspn(w, " \n"), w += strspn(w, " \n"))
		for (int i = 0; i < 3; i++)
			if (!strncmp(w, ctrl_names[i], strlen(ctrl_names[i])) && strchr(" \n", w[strlen(ctrl_names[i])]))
				m |= 1u << i;
	return m;
}

/* A cgroup2 directory tend may write, with cgroup.kill (Linux 5.14; the root has none,
 * its children do). NULL, or why not. */
static const char *unusable(const char *dir)
{
	char f[PATH_MAX];
	struct statfs sf;
	if (statfs(dir, &sf) < 0 || sf.f_type != CGROUP2_MAGIC)
		return "not a cgroup v2 directory";
	snprintf(f, sizeof f, "%s/cgroup.procs", dir);
	if (access(dir, W_OK) < 0 || access(f, W_OK) < 0)
		return "not writable";
	snprintf(f, sizeof f, "%s/cgroup.type", dir);
	if (access(f, F_OK) == 0 && (snprintf(f, sizeof f, "%s/cgroup.kill", dir), access(f, F_OK) < 0))
		return "no cgroup.kill (Linux 5.14 or later needed)";
	return NULL;
}

/* tend's own cgroup: the "0::" line of /proc/self/cgroup under the cgroup2 mount that
 * holds it (/proc/self/mountinfo: root and mount point are fields 4 and 5). */
static int own_cgroup(char *buf, size_t len)
{
	char cg[PATH_MAX + 8], *mi = malloc(1 << 18), *rel = NULL, *line;
	int rc = -1;
	read_text("/proc/self/cgroup", NULL, cg, sizeof cg);
	for (line = cg; line && !rel; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, "0::", 3))
			rel = line + 3;
	if (!mi || !rel || read_text("/proc/self/mountinfo", NULL, mi, 1 << 18) < 0)
		goto out;
	rel[strcspn(rel, "\n")] = 0;
	for (line = mi; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *f[5], *nl = strchr(line, '\n');
		if (!mem_find(line, nl ? (size_t)(nl - line) : strlen(line), " - cgroup2 ", 11))
			continue;
		f[0] = line; /* no sscanf: it would bring all of scanf */
		for (int i = 1; i < 5; i++)
			f[i] = strchr(f[i - 1], ' ') + 1; /* before the dash: never NULL */
		size_t n = f[4] - f[3] - 1, m = strcspn(f[4], " ");
		if (n == 1) /* the mount's root is "/" */
			n = 0;
		if (!strncmp(rel, f[3], n) && (!rel[n] || rel[n] == '/')) {
			const char *rest = strcmp(rel + n, "/") ? rel + n : "";
			rc = snprintf(buf, len, "%.*s%s", (int)m, f[4], rest) < (int)len ? 0 : -1;
			break;
		}
	}
out:
	free(mi);
	return rc;
}

/* auto: only a cgroup tend has to itself (a container's) is taken; on a host, tend's
 * cgroup is shared with whatever started it. */
static bool alone_in(const char *dir)
{
	char procs[64], *nl;
	return read_text(dir, "cgroup.procs", procs, sizeof procs) > 0 && str_to_ll(procs, NULL, 10) == getpid() &&
	       (nl = strchr(procs, '\n')) && !nl[1];
}

const char *cgroup_detect(const struct config *c, char *buf, size_t len, const char **why, bool start)
{
	const char *mode = getenv("TEND_CGROUP");
	if (!mode || !*mode)
		mode = c->cgroup ? c->cgroup : "auto";
	if (!strcmp(mode, "off"))
		return *why = "cgroup=off", NULL;
	if (*mode == '/')
		snprintf(buf, len, "%s", mode);
	else if (strcmp(mode, "auto"))
		return *why = "TEND_CGROUP: not auto, off or a path", NULL;
	else if (own_cgroup(buf, len) < 0)
		return *why = "no cgroup v2 hierarchy holds tend", NULL;
	if ((*why = unusable(buf)))
		return NULL;
	if (*mode != '/' && start && !alone_in(buf))
		return *why = "tend is not alone in its cgroup", NULL;
	*why = *mode != '/' && !start ? "auto" : NULL; /* --check cannot tell who will be in it */
	return buf;
}


/* The controllers the limits need, enabled in PARENT's subtree_control where available.
 * A cgroup with processes cannot delegate controllers ("no internal processes"): when
 * tend itself is in PARENT, it moves to PARENT/tend.scope first. */
static void enable_controllers(struct tend *t, unsigned want)
{
	char text[256], leaf[PATH_MAX], mine[PATH_MAX];
	/* the no-internal-processes rule: only if tend itself is what keeps the parent busy */
	bool inside = own_cgroup(mine, sizeof mine) == 0 && !strcmp(mine, t->cg_parent);
	read_text(t->cg_parent, "cgroup.controllers", text, sizeof text);
	unsigned avail = ctrl_mask(text);
	read_text(t->cg_parent, "cgroup.subtree_control", text, sizeof text);
	t->cg_ctrl = ctrl_mask(text);
	for (int i = 0; i < 3; i++) {
		if (!(want & avail & ~t->cg_ctrl & (1u << i)))
			continue;
		char plus[16];
		snprintf(plus, sizeof plus, "+%s", ctrl_names[i]);
		int rc = cgroup_write(t->cg_parent, "cgroup.subtree_control", plus);
		if (rc < 0 && errno == EBUSY && inside && snprintf(leaf, sizeof leaf, "%s/tend.scope", t->cg_parent) &&
		    (mkdir(leaf, 0755) == 0 || errno == EEXIST) && cgroup_write(leaf, "cgroup.procs", "0") == 0)
			rc = cgroup_write(t->cg_parent, "cgroup.subtree_control", plus);
		if (rc == 0)
			t->cg_ctrl |= 1u << i;
	}
}

static unsigned limits_of(const struct program *p)
{
	unsigned m = 0;
	for (int i = 0; i < 3; i++)
		m |= p->limit[i] > 0 ? 1u << i : 0;
	return m;
}

void cgroup_init(struct tend *t)
{
	char buf[PATH_MAX];
	const char *parent = cgroup_detect(t->cfg, buf, sizeof buf, &t->cg_why, true);
	if (!parent || !(t->cg_parent = strdup(parent))) {
		say(t, V_INFO, "containment: keeper (%s)", parent ? errstr() : t->cg_why);
		return;
	}
	unsigned want = 0;
	for (int i = 0; i < t->cfg->nprogs; i++)
		want |= limits_of(&t->cfg->progs[i]);
	if (want)
		enable_controllers(t, want);
	say(t, V_INFO, "containment: cgroup v2 under %s", parent);
}

static void cg_warn(struct tend *t, struct svc *s, const char *what)
{
	say(t, V_WARN, "%s: %s/%s: %s", s->p->name, s->cg, what, errstr());
}

static bool populated(const struct svc *s)
{
	char buf[128];
	ssize_t n = pread(s->cg_ev.fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	return !strncmp(buf, "populated 1", 11); /* its first line */
}

static void on_events(struct tend *t, struct watch *w, uint32_t events)
{
	(void)events;
	struct svc *s = container_of(w, struct svc, cg_ev);
	bool was = s->cg_populated;
	if (!(s->cg_populated = populated(s)) && was) {
		say(t, V_INFO, "%s: cgroup empty (populated 0)", s->p->name);
		svc_reap(t, s, 0, 0); /* the run is over unless its keeper is still there */
	}
}

/* The limit values as the kernel files take them; "max" where unset. */
static void write_limits(struct tend *t, struct svc *s, bool first)
{
	const struct program *p = s->p;
	for (int i = 0; i < 3; i++) {
		char buf[32];
		const char *val = cgroup_limit(p, i, buf);
		if (!(t->cg_ctrl & (1u << i))) {
			if (first && val && *val != 'm')
				say(t, V_WARN, "%s: %s=%s not applied: no %s controller for %s", p->name, cgroup_limit_files[i], val,
				    ctrl_names[i], t->cg_parent);
		} else if (cgroup_write(s->cg, cgroup_limit_files[i], val ? val : "max") < 0) {
			cg_warn(t, s, cgroup_limit_files[i]);
		}
	}
}

static int make_cgroup(struct tend *t, struct svc *s)
{
	char path[PATH_MAX];
	int fd = -1;
	if (cgroup_leaf(path, sizeof path, t->cg_parent, s->p->name) < 0 || (mkdir(path, 0755) < 0 && errno != EEXIST) ||
	    !(s->cg = strdup(path)) || (fd = open(strcat(path, "/cgroup.events"), O_RDONLY | O_CLOEXEC)) < 0 ||
	    loop_watch(t, &s->cg_ev, fd, EPOLLPRI, on_events) < 0) {
		say(t, V_WARN, "%s: cgroup %s: %s; its keeper contains it", s->p->name, path, errstr());
		if (fd >= 0)
			close(fd);
		free(s->cg);
		s->cg = NULL;
		return -1;
	}
	say(t, V_INFO, "%s: contained by cgroup %s", s->p->name, s->cg);
	if ((s->cg_populated = populated(s))) /* an earlier tend's? */
		cgroup_kill(t, s);
	return 0;
}

int cgroup_prepare(struct tend *t, struct svc *s)
{
	bool first = !s->cg_said;
	s->cg_said = true;
	if (!t->cg_parent || !s->p->containment) {
		cgroup_remove(t, s); /* a reload turned containment off */
		if (first && limits_of(s->p))
			say(t, V_WARN, "%s: limits not applied: no cgroup (%s)", s->p->name,
			    t->cg_parent ? "containment=false" : t->cg_why);
		return -1;
	}
	if (s->cg && access(s->cg, F_OK) < 0)
		cgroup_remove(t, s); /* removed behind tend's back: made again, not a run that cannot join */
	if (!s->cg && make_cgroup(t, s) < 0)
		return -1;
	write_limits(t, s, first);
	return 0;
}

/* Read in pieces, a number cut by a piece's end carried over (a cgroup with thousands of
 * processes does not fit one buffer, and a cut number is another process's pid). At most
 * CG_PIDS_MAX: cgroup.kill reaches the rest; cgroup.procs names each process once. */
int cgroup_pids(const struct svc *s, struct pidset *out)
{
	int fd = s->cg ? open_in(s->cg, "cgroup.procs", O_RDONLY) : -1;
	char buf[4096];
	ssize_t n = 0;
	long pid = 0;
	if (fd < 0)
		return -1;
	while (out->n < CG_PIDS_MAX && ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] >= '0' && buf[i] <= '9' && pid < 1L << 40)
				pid = pid * 10 + (buf[i] - '0');
			else {
				if (pid > 0 && pid <= INT_MAX && out->n < CG_PIDS_MAX) /* 0: outside tend's pid namespace */
					pidset_add(out, (pid_t)pid);
				pid = 0;
			}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* One write kills the tree; where it fails (a read-only or foreign cgroup), each member
 * gets SIGKILL, so a stop never waits on a write that did not happen. */
void cgroup_kill(struct tend *t, struct svc *s)
{
	struct pidset all = {0};
	if (!s->cg || cgroup_write(s->cg, "cgroup.kill", "1") == 0)
		return;
	cg_warn(t, s, "cgroup.kill");
	cgroup_pids(s, &all);
	for (size_t i = 0; i < all.n; i++)
		kill(all.v[i], SIGKILL);
	pidset_free(&all);
}

void cgroup_leftovers(struct tend *t, struct svc *s)
{
	struct pidset left = {0};
	if (!s->cg || !(s->cg_populated = populated(s)))
		return;
	cgroup_pids(s, &left);
	say(t, V_INFO, "%s: keeper gone, %zu processes left in its cgroup: SIG%s%s", s->p->name, left.n,
	    sig_name(s->p->stopsignal), s->killing ? "" : ", cgroup.kill after stopwaitsecs");
	for (size_t i = 0; i < left.n; i++)
		kill(left.v[i], s->p->stopsignal), kill(left.v[i], SIGCONT);
	pidset_free(&left);
	if (s->killing)
		cgroup_kill(t, s);
	else
		svc_stop_phase(t, s, (uint64_t)s->p->stopwaitsecs * 1000 + 1);
}

int cgroup_usage(const struct svc *s, unsigned long long *cpu_usec, long long *mem_bytes)
{
	char buf[512];
	if (!s->cg || read_text(s->cg, "cpu.stat", buf, sizeof buf) < 0 || strncmp(buf, "usage_usec ", 11))
		return -1; /* its first line */
	*cpu_usec = (unsigned long long)str_to_ll(buf + 11, NULL, 10);
	*mem_bytes = read_text(s->cg, "memory.current", buf, sizeof buf) > 0 ? str_to_ll(buf, NULL, 10) : -1;
	return 0;
}

void cgroup_remove(struct tend *t, struct svc *s)
{
	if (!s->cg)
		return;
	loop_unwatch(t, &s->cg_ev);
	close(s->cg_ev.fd);
	if (rmdir(s->cg) < 0 && errno != ENOENT)
		say(t, V_WARN, "%s: rmdir %s: %s", s->p->name, s->cg, errstr());
	free(s->cg);
	s->cg = NULL;
}
