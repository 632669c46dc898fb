/* cgroup_name.c — the pure part of cgroup.c, shared with --check (config_print.c): a
 * service's cgroup directory name and its limits as the kernel files take them. */
#include "cgroup.h"

#include <stdio.h>
#include <string.h>

int cgroup_leaf(char *buf, size_t len, const char *parent, const char *name)
{
	size_t n = (size_t)snprintf(buf, len, "%s/", parent);
	for (const unsigned char *p = (const unsigned char *)name; *p && n + 20 < len; p++)
		n += (size_t)snprintf(buf + n, len - n, strchr("_:@+=,-", *p) || (unsigned)((*p | 32) - 'a') < 26 || (unsigned)(*p - '0') < 10 ? "%c" : "%%%02X", *p);
	return n + 20 < len ? 0 : -1; /* room for "/cgroup.events" */
}

const char *const cgroup_limit_files[3] = {"memory.max", "pids.max", "cpu.max"};

const char *cgroup_limit(const struct program *p, int i, char buf[32])
{
	long long v = p->limit[i];
	snprintf(buf, 32, v < 0 ? "max" : i == 2 ? "%lld 100000" : "%lld", v);
	return v ? buf : NULL;
}
