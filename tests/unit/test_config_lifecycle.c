/* test_config_lifecycle.c — the lifecycle keys (config_lifecycle.c, config_resolve.c,
 * duration.c): every probe syntax, durations with units, defaults, and the errors a user
 * gets for a bad value, an unknown name or a dependency cycle (named, FILE:LINE). */
#include "check.h"
#include "config_fixture.h"
#include "duration.h"

static void test_durations(void)
{
	CHECK(duration_ms("2") == 2000);
	CHECK(duration_ms("0.25") == 250);
	CHECK(duration_ms("250ms") == 250);
	CHECK(duration_ms("2s") == 2000);
	CHECK(duration_ms("1.5m") == 90000);
	CHECK(duration_ms("1h") == 3600000);
	CHECK(duration_ms("0") == 0);
	CHECK(duration_ms("") < 0);
	CHECK(duration_ms("ms") < 0);
	CHECK(duration_ms("-1") < 0);
	CHECK(duration_ms("1x") < 0);
	CHECK(duration_ms("2 s") < 0);
	CHECK(duration_ms("100000001") < 0);
}

static void test_probes(void)
{
	struct config c;
	if (!LOAD_OK("[program:a]\ncommand=a\nready=fd:3\n"
		     "[program:b]\ncommand=b\nready=notify\nwatchdog_sec=500ms\n"
		     "[program:c]\ncommand=c\nready=tcp:127.0.0.1:5432\nhealthcheck=http://[::1]:8080/healthz\n"
		     "[program:d]\ncommand=d\nready=http://localhost/\nhealthcheck=exec:pg_isready -q\nhealth_retries=5\n"
		     "[program:e]\ncommand=e\nready=log:^ready( to accept)?$\nready_timeout=2s\nready_interval=0.1\n"
		     "[program:f]\ncommand=f\nready=tcp:6379\nhealth_action=none\nhealth_start_period=1m\n",
		     &c, 6)) {
		const struct lifecycle *a = &c.progs[0].lc, *b = &c.progs[1].lc, *cc = &c.progs[2].lc, *d = &c.progs[3].lc,
				       *e = &c.progs[4].lc, *f = &c.progs[5].lc;
		CHECK(a->ready.kind == PROBE_FD && a->ready.fd == 3);
		CHECK(a->ready_timeout == 90000 && a->ready_interval == 250 && a->depends_timeout == 300000);
		CHECK(a->health.kind == PROBE_NONE && a->health_interval == 30000 && a->health_retries == 3);
		CHECK(b->ready.kind == PROBE_NOTIFY && b->watchdog == 500 && b->health.kind == PROBE_NOTIFY);
		CHECK(cc->ready.kind == PROBE_TCP && cc->ready.port == 5432);
		CHECK_STR(cc->ready.host, "127.0.0.1");
		CHECK(cc->health.kind == PROBE_HTTP && cc->health.port == 8080);
		CHECK_STR(cc->health.host, "::1");
		CHECK_STR(cc->health.arg, "/healthz");
		CHECK(d->ready.kind == PROBE_HTTP && d->ready.port == 80);
		CHECK_STR(d->ready.host, "127.0.0.1");
		CHECK_STR(d->ready.arg, "/");
		CHECK(d->health.kind == PROBE_EXEC && d->health_retries == 5);
		CHECK_STR(d->health.arg, "pg_isready -q");
		CHECK(e->ready.kind == PROBE_LOG && e->ready_timeout == 2000 && e->ready_interval == 100);
		CHECK_STR(e->ready.arg, "^ready( to accept)?$");
		CHECK(f->ready.kind == PROBE_TCP && f->ready.port == 6379 && !f->health_restart && f->health_start == 60000);
		config_free(&c);
	}
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready=fd:1\n", "ready=fd:N needs a descriptor number 3-1023");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready=tcp:db.internal:5432\n", "is not a numeric address or localhost (tend does no DNS lookup)");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready=tcp:127.0.0.1:70000\n", "is not a port 1-65535");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready=https://127.0.0.1/\n", "https is not supported");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready=log:(unclosed\n", "ready=log: bad regular expression");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready=sometimes\n", "invalid value 'sometimes' for key 'ready'");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nhealthcheck=log:x\n", "invalid value 'log:x' for key 'healthcheck'");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nready_timeout=0\n", "expected a duration");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nhealth_retries=0\n", "expected an integer 1..1000000");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nhealthcheck=notify\n", "healthcheck=notify is the sd_notify watchdog: it needs watchdog_sec=");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nwatchdog_sec=1\nhealthcheck=tcp:80\n", "the watchdog needs ready=notify or healthcheck=notify");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\non_dependency_failure=maybe\n", "(expected stop or keep)");
}

static void test_dependencies(void)
{
	struct config c;
	if (!LOAD_OK("[group:backend]\nprograms=db,cache\n"
		     "[program:db]\ncommand=db\nready=notify\nhealthcheck=tcp:5432\n"
		     "[program:cache]\ncommand=c\n"
		     "[program:migrate]\ncommand=m\nstartsecs=0\nautorestart=false\ndepends_on=backend:db\n"
		     "[program:w]\ncommand=w\nnumprocs=2\nprocess_name=w%(process_num)d\n"
		     "[program:app]\ncommand=a\ndepends_on=backend, migrate:completed_successfully, db:healthy, w:started\n"
		     "restart_with=db\non_dependency_failure=stop\ndepends_timeout=10\n",
		     &c, 6)) {
		const struct program *app = &c.progs[5];
		CHECK_STR(app->name, "app");
		/* backend (db, cache), migrate, db again (its other condition), w0 and w1 */
		CHECK(app->lc.ndeps == 6);
		if (app->lc.ndeps == 6) {
			CHECK_STR(app->lc.deps[0].on->name, "db");
			CHECK(app->lc.deps[0].cond == DEP_READY);
			CHECK_STR(app->lc.deps[1].on->name, "cache");
			CHECK(app->lc.deps[2].cond == DEP_COMPLETED_OK);
			CHECK_STR(app->lc.deps[3].on->name, "db");
			CHECK(app->lc.deps[3].cond == DEP_HEALTHY);
			CHECK_STR(app->lc.deps[4].on->name, "w0");
			CHECK(app->lc.deps[4].cond == DEP_STARTED && app->lc.deps[5].cond == DEP_STARTED);
		}
		CHECK(app->lc.nrestart_with == 1 && app->lc.dep_fail_stop && app->lc.depends_timeout == 10000);
		CHECK(c.progs[2].lc.ndeps == 1 && c.progs[2].lc.deps[0].on == &c.progs[0]);
		char *out = print_of(&c);
		CHECK(out && strstr(out, "  depends_on   backend:db:ready, backend:cache:ready, migrate:completed_successfully, backend:db:healthy, w:w0:started"));
		free(out);
		config_free(&c);
	}
	EXPECT_ERROR(3, "[program:a]\ncommand=a\ndepends_on=nothere\n", "depends_on: no program, group or group:name called 'nothere'");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\ndepends_on=b:healthy\n[program:b]\ncommand=b\n",
		     "depends_on: b:healthy can never hold: b has no healthcheck=");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\ndepends_on=b\n[program:b]\ncommand=b\ndepends_on=c\n"
			"[program:c]\ncommand=c\ndepends_on=a\n", "depends_on: dependency cycle: a -> b -> c -> a");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\ndepends_on=a:started\n", "dependency cycle: a -> a");
	EXPECT_ERROR(3, "[program:a]\ncommand=a\nrestart_with=zz\n", "restart_with: no program, group or group:name called 'zz'");
}

static void cases(void)
{
	test_durations();
	test_probes();
	test_dependencies();
}

int main(void)
{
	return fixture_run("config_lifecycle", cases);
}
