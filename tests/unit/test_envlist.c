/* test_envlist.c — environment= lists (envlist.c, expand.c's parse_environment): Python
 * dict semantics as supervisord 4.2.5 builds them, and linear work (issue 7 item 7:
 * 100,000 pairs took 25-43 s, a linear search per pair). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "envlist.h"
#include "expand.h"

#include "check.h"
#include "config_fixture.h"

static char *kv(struct arena *a, const char *s)
{
	char *d = arena_strdup(a, s);
	if (!d)
		exit(2);
	return d;
}

static void test_dict_semantics(void)
{
	struct arena a = {0};
	struct envlist e = {0}, own = {0};
	CHECK(envlist_put(&e, kv(&a, "A=1")) == 0);
	CHECK(envlist_put(&e, kv(&a, "B=2")) == 0);
	CHECK(envlist_put(&e, kv(&a, "A=3")) == 0); /* D['A'] = '3': first position, later value */
	CHECK(e.n == 2);
	CHECK_STR(e.v[0], "A=3");
	CHECK_STR(e.v[1], "B=2");
	CHECK_STR(envlist_get(&e, "A", 1), "3");
	CHECK(envlist_get(&e, "AB", 2) == NULL);
	CHECK(envlist_get(&e, "", 0) == NULL);
	CHECK(envlist_get(NULL, "A", 1) == NULL);
	/* env = section.environment.copy(); env.update(proc.environment) */
	CHECK(envlist_put(&own, kv(&a, "C=own")) == 0);
	CHECK(envlist_put(&own, kv(&a, "B=own")) == 0);
	char **m = envlist_merge(&e, &own, &a);
	CHECK(m && !strcmp(m[0], "A=3") && !strcmp(m[1], "B=own") && !strcmp(m[2], "C=own") && !m[3]);
	char **v = envlist_vector(&e, &a);
	CHECK(v && !strcmp(v[0], "A=3") && !strcmp(v[1], "B=2") && !v[2]);
	struct envlist none = {0};
	m = envlist_merge(&none, &own, &a);
	CHECK(m && !strcmp(m[0], "C=own") && !strcmp(m[1], "B=own") && !m[2]);
	envlist_free(&e);
	envlist_free(&own);
	arena_free(&a);
}

static void test_parse(void)
{
	struct arena a = {0};
	struct envlist e = {0};
	char why[256];
	CHECK(parse_environment("X=1,Y=\"a,b\",X=2,Z='q'", &e, &a, why, sizeof why) == 0);
	CHECK(e.n == 3);
	CHECK(e.n == 3 && !strcmp(e.v[0], "X=2") && !strcmp(e.v[1], "Y=a,b") && !strcmp(e.v[2], "Z=q"));
	CHECK(parse_environment("A=has space", &e, &a, why, sizeof why) == -1);
	envlist_free(&e);
	arena_free(&a);
}

/* Text of N pairs k<i in hex>=<last digit of i> (with DUP, every DUP-th pair sets k0 again
 * instead), as continuation lines: under 1 MiB for 100,000 pairs. */
static char *pairs_text(int n, int dup)
{
	size_t cap = (size_t)n * 24 + 64, o = 0;
	char *s = malloc(cap);
	if (!s)
		exit(2);
	for (int i = 0; i < n; i++)
		o += snprintf(s + o, cap - o, "%sk%x=%d", i ? (i % 40 ? "," : ",\n    ") : "", dup && i % dup == 0 ? 0 : i, i % 10);
	return s;
}

static void test_linear(void)
{
	struct arena a = {0};
	struct envlist e = {0};
	char why[256];
	const int n = 100000;
	char *text = pairs_text(n, 0);
	watchdog(120, "100,000 environment pairs (quadratic?)");
	CHECK(parse_environment(text, &e, &a, why, sizeof why) == 0);
	CHECK(e.n == (size_t)n);
	CHECK(e.n == (size_t)n && !strcmp(e.v[0], "k0=0") && !strcmp(e.v[n - 1], "k1869f=9"));
	/* linear: a few slots per pair on average (the index stays under half full), where a
	 * list search looks at n/2 */
	if (e.probes > 4 * e.n)
		fprintf(stderr, "  %zu probes for %zu pairs\n", e.probes, e.n);
	CHECK(e.probes <= 4 * e.n);
	envlist_free(&e);
	free(text);

	/* the case through the whole loader: 100,000 pairs in a program, 50,000 keys
	 * also in [supervisord], every 7th pair setting k0 again */
	char *own = pairs_text(n, 7), *sup = pairs_text(n / 2, 0);
	size_t len = strlen(own) + strlen(sup) + 200;
	char *conf = malloc(len);
	if (!conf)
		exit(2);
	snprintf(conf, len, "[supervisord]\nenvironment=%s,\n    SUP=only\n[program:p]\ncommand=x\nenvironment=%s\n", sup, own);
	struct config c;
	if (!LOAD_OK(conf, &c, 1)) {
		char **env = c.progs[0].env;
		int count = 0;
		while (env[count])
			count++;
		/* [supervisord]'s 50,000 + SUP, then the program's keys not in it */
		int more = 0;
		for (int i = n / 2; i < n; i++)
			more += i % 7 != 0;
		CHECK(count == n / 2 + 1 + more);
		CHECK_STR(env[0], "k0=5"); /* set by both, and again by every 7th pair: the last value, first position */
		CHECK_STR(env[1], "k1=1");
		CHECK_STR(env[n / 2], "SUP=only");
		CHECK_STR(env[n / 2 + 1], "kc350=0"); /* the program's first key [supervisord] lacks */
		CHECK_STR(env_get(env, "k7"), "7"); /* [supervisord]'s: the program's 7th pair set k0 */
		CHECK_STR(env[count - 1], "k1869f=9");
		config_free(&c);
	}
	watchdog(0, NULL);
	free(own);
	free(sup);
	free(conf);
	arena_free(&a);
}

static void cases(void)
{
	test_dict_semantics();
	test_parse();
	test_linear();
}

int main(void)
{
	return fixture_run("envlist", cases);
}
