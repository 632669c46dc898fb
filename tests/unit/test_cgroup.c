/* test_cgroup.c — the pure parts of cgroup containment: the limit keys' values (config
 * errors and what they mean), [supervisord] cgroup=, the cgroup names of services and the
 * limit files' values. The cgroups themselves are tested with real ones (test_cgroup.py). */
#include "check.h"
#include "config_fixture.h"

#include "../../src/cgroup.h"
#include "../../src/service.h"

static void limits_of(const char *keys, long long mem, long long pids, long long cpu, int srcline)
{
	char text[512];
	struct config c;
	snprintf(text, sizeof text, "[program:x]\ncommand=x\n%s", keys);
	if (load_ok(text, &c, 1, srcline))
		return;
	if (c.progs[0].limit[0] != mem || c.progs[0].limit[1] != pids || c.progs[0].limit[2] != cpu) {
		failed++;
		fprintf(stderr, "%s:%d: %s: got %lld %lld %lld\n", __FILE__, srcline, keys, c.progs[0].limit[0],
			c.progs[0].limit[1], c.progs[0].limit[2]);
	} else {
		passed++;
	}
	config_free(&c);
}
#define LIMITS(keys, mem, pids, cpu) limits_of(keys, mem, pids, cpu, __LINE__)

static void test_limit_values(void)
{
	LIMITS("", 0, 0, 0);
	LIMITS("memory_max=512M\n", 512LL << 20, 0, 0);
	LIMITS("memory_max=2g\n", 2LL << 30, 0, 0);
	LIMITS("memory_max=64KB\n", 64LL << 10, 0, 0);
	LIMITS("memory_max=1048577\n", 1048577, 0, 0);
	LIMITS("memory_max=max\npids_max=MAX\ncpu_max=max\n", -1, -1, -1);
	LIMITS("pids_max=1\n", 0, 1, 0);
	LIMITS("cpu_max=0.5\n", 0, 0, 50000);
	LIMITS("cpu_max=2\n", 0, 0, 200000);
	LIMITS("cpu_max=0.01\n", 0, 0, 1000);
	LIMITS("cpu_max=50%%\n", 0, 0, 50000);
	LIMITS("cpu_max=1.5%%\n", 0, 0, 1500);
	LIMITS("cpu_max=250%%\n", 0, 0, 250000);
}

static void test_limit_errors(void)
{
	static const char *const bad[] = {
		"memory_max=0", "memory_max=-1", "memory_max=1.5G", "memory_max=12Q", "memory_max=", "memory_max=M",
		"pids_max=0", "pids_max=-3", "pids_max=ten", "pids_max=1.5",
		"cpu_max=0", "cpu_max=0.001", "cpu_max=0.5%%", "cpu_max=abc", "cpu_max=50%%x", "cpu_max=%%",
		"cpu_max=1000000", "cpu_max=.5", "cpu_max=",
	};
	char text[256];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(text, sizeof text, "[program:x]\ncommand=x\n%s\n", bad[i]);
		EXPECT_ERROR(3, text, "invalid value");
	}
	EXPECT_ERROR(3, "[program:x]\ncommand=x\nmemory_max=0\n", "(expected a size such as 512M, 2G or max)");
	EXPECT_ERROR(2, "[supervisord]\ncgroup=sys/fs/cgroup\n", "invalid value 'sys/fs/cgroup' for key 'cgroup' (expected auto, off or an absolute path)");
}

static void test_cgroup_key(void)
{
	struct config c;
	if (!LOAD_OK("[supervisord]\ncgroup=/sys/fs/cgroup/x\n[program:x]\ncommand=x\n", &c, 1)) {
		CHECK_STR(c.cgroup, "/sys/fs/cgroup/x");
		config_free(&c);
	}
	if (!LOAD_OK("[supervisord]\ncgroup=auto\n[program:x]\ncommand=x\n", &c, 1)) {
		CHECK(c.cgroup == NULL);
		config_free(&c);
	}
	if (!LOAD_OK("[supervisord]\ncgroup=off\n[program:x]\ncommand=x\n", &c, 1)) {
		CHECK_STR(c.cgroup, "off");
		config_free(&c);
	}
}

static void test_leaf_names(void)
{
	char buf[64];
	CHECK(cgroup_leaf(buf, sizeof buf, "/cg", "web_01-a:b") == 0);
	CHECK_STR(buf, "/cg/web_01-a:b");
	CHECK(cgroup_leaf(buf, sizeof buf, "/cg", "..") == 0);
	CHECK_STR(buf, "/cg/%2E%2E");
	CHECK(cgroup_leaf(buf, sizeof buf, "/cg", "cgroup.procs") == 0);
	CHECK_STR(buf, "/cg/cgroup%2Eprocs");
	CHECK(cgroup_leaf(buf, sizeof buf, "/cg", "a/b %") == 0);
	CHECK_STR(buf, "/cg/a%2Fb%20%25");
	CHECK(cgroup_leaf(buf, sizeof buf, "/cg", "\xff") == 0);
	CHECK_STR(buf, "/cg/%FF");
	/* no room for the name and "/cgroup.events" after it: refused, never cut */
	CHECK(cgroup_leaf(buf, sizeof buf, "/cg", "0123456789012345678901234567890123456789012345") < 0);
}

static void test_limit_text(void)
{
	struct program p = {.limit = {1024, -1, 150000}};
	char buf[32];
	CHECK_STR(cgroup_limit(&p, 0, buf), "1024");
	CHECK_STR(cgroup_limit(&p, 1, buf), "max");
	CHECK_STR(cgroup_limit(&p, 2, buf), "150000 100000");
	p.limit[0] = 0;
	CHECK(cgroup_limit(&p, 0, buf) == NULL);
	CHECK_STR(cgroup_limit_files[2], "cpu.max");
}

/* cgroup.procs longer than any one read: every pid whole (a number cut at a read's end is
 * another process's pid), 0 (outside tend's pid namespace) skipped, at most CG_PIDS_MAX */
static void test_pids(void)
{
	FILE *f = fopen(at("cgroup.procs"), "w");
	for (int i = 0; i < 80000; i++)
		fprintf(f, "%d\n", i % 7 == 3 ? 0 : 100000 + i);
	fclose(f);
	struct svc s = {.cg = dir};
	struct pidset got = {0};
	CHECK(cgroup_pids(&s, &got) == 0);
	CHECK(got.n == CG_PIDS_MAX);
	size_t bad = 0;
	for (size_t i = 0, k = 0; i < got.n; i++, k++) {
		if (k % 7 == 3)
			k++;
		bad += got.v[i] != (pid_t)(100000 + k);
	}
	CHECK(bad == 0);
	pidset_free(&got);
	unlink(at("cgroup.procs"));
	s.cg = NULL;
	CHECK(cgroup_pids(&s, &got) == -1);
}

static void cases(void)
{
	test_pids();
	test_limit_values();
	test_limit_errors();
	test_cgroup_key();
	test_leaf_names();
	test_limit_text();
}

int main(void)
{
	return fixture_run("cgroup", cases);
}
