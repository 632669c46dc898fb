/* test_stop_budget.c — shutdown_worst_ms() replays supervise.c's waves on a config:
 * priority levels one after the other, a level in parallel (its longest stopwaitsecs),
 * dependents before what they depend on whatever their priorities; stop_budget= parses
 * and --check says when the worst case is over it. */
#include "check.h"
#include "config_fixture.h"
#include "stop_budget.h"

static long long worst(const char *text, int n, const char *want_chain)
{
	struct config c;
	char why[512];
	long long ms = -1;
	if (!LOAD_OK(text, &c, n)) {
		ms = shutdown_worst_text(&c, why, sizeof why);
		CHECK_STR(why, want_chain);
		config_free(&c);
	}
	return ms;
}

static void test_waves(void)
{
	/* one level: in parallel, the longest counts */
	CHECK(worst("[program:a]\ncommand=x\nstopwaitsecs=4\n[program:b]\ncommand=x\nstopwaitsecs=7\n", 2,
		    "7 s: b (7 s)") == 7000);
	/* two levels: one after the other, highest first (supervisord's order) */
	CHECK(worst("[program:a]\ncommand=x\npriority=1\nstopwaitsecs=4\n[program:b]\ncommand=x\nstopwaitsecs=7\n", 2,
		    "11 s: b (7 s), then a (4 s)") == 11000);
	/* a dependent first, even of a lower priority; a level waits for the level above */
	CHECK(worst("[program:db]\ncommand=x\npriority=900\nstopwaitsecs=10\n"
		    "[program:web]\ncommand=x\npriority=100\ndepends_on=db\nstopwaitsecs=15\n"
		    "[program:side]\ncommand=x\npriority=1\nstopwaitsecs=3\n", 3,
		    "28 s: web (15 s), then db (10 s), then side (3 s)") == 28000);
	/* numprocs: one process each, in parallel */
	CHECK(worst("[program:w]\ncommand=x\nprocess_name=%(program_name)s_%(process_num)d\nnumprocs=3\n", 3,
		    "10 s: w_2 (10 s)") == 10000);
	/* a long chain is cut at its start */
	char text[2048] = "", one[128];
	for (int i = 0; i < 10; i++) {
		snprintf(one, sizeof one, "[program:p%d]\ncommand=x\npriority=%d\nstopwaitsecs=1\n", i, i);
		strcat(text, one);
	}
	CHECK(worst(text, 10, "10 s: ..., then p7 (1 s), then p6 (1 s), then p5 (1 s), then p4 (1 s), then p3 (1 s), "
			  "then p2 (1 s), then p1 (1 s), then p0 (1 s)") == 10000);
}

static void test_budget_key(void)
{
	struct config c;
	if (!LOAD_OK("[program:a]\ncommand=x\n", &c, 1)) {
		CHECK(c.stop_budget == STOP_BUDGET_DEFAULT_MS);
		char *out = print_of(&c);
		CHECK(out && strstr(out, "# shutdown: at most 10 s: a (10 s); stop_budget 10 s\n"));
		free(out);
		config_free(&c);
	}
	if (!LOAD_OK("[supervisord]\nstop_budget=2.5\n[program:a]\ncommand=x\nstopwaitsecs=3\n", &c, 1)) {
		CHECK(c.stop_budget == 2500);
		char *out = print_of(&c);
		CHECK(out && strstr(out, "# shutdown: at most 3 s: a (3 s); stop_budget 2 s (exceeded)\n"));
		free(out);
		config_free(&c);
	}
	EXPECT_ERROR(2, "[supervisord]\nstop_budget=ten\n",
		     "invalid value 'ten' for key 'stop_budget' (expected seconds up to 86400)");
}

static void cases(void)
{
	test_waves();
	test_budget_key();
}

int main(void)
{
	return fixture_run("stop_budget", cases);
}
