/* test_optparse.c — tend's option parser (optparse.c) against glibc's getopt_long().
 *
 * The test is linked against glibc, so getopt_long() here is glibc's own. Each argv
 * vector is scanned by both, with the same option strings and tables (tend's, tini's,
 * dumb-init's, and two made to test abbreviations), and every step must agree: the
 * value returned, optind, optarg (the same pointer into the same argv), and what was
 * written to stderr, byte for byte (fd 2 is sent to a memfd around each call). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "optparse.h"

#include "check.h"

struct table {
	const char *shortopts;
	const struct optlong *mine;
	struct option theirs[16];
	const char *const *pool; /* the words random vectors are made of */
};

static int cap = -1, saved = -1;

static void capture(void)
{
	if (fflush(stderr) || (saved = dup(2)) < 0 || ftruncate(cap, 0) || lseek(cap, 0, SEEK_SET) ||
	    dup2(cap, 2) < 0) {
		perror("capture");
		exit(1);
	}
}

static size_t captured(char *buf, size_t n)
{
	ssize_t got;
	if (fflush(stderr) || dup2(saved, 2) < 0 || close(saved) || lseek(cap, 0, SEEK_SET) ||
	    (got = read(cap, buf, n - 1)) < 0) {
		perror("captured");
		exit(1);
	}
	buf[got] = 0;
	return (size_t)got;
}

static int shown;

/* Both scans of ARGV, step by step. */
static void same(const struct table *tb, int argc, char **argv)
{
	struct optscan s = {.ind = 1};
	optind = 0; /* glibc: start over, re-reading the option string */
	for (int step = 0; step < 32; step++) {
		char e1[1024], e2[1024];
		capture();
		int r1 = opt_next(&s, argc, argv, tb->shortopts, tb->mine);
		captured(e1, sizeof e1);
		capture();
		/* tini's table is NULL: glibc's getopt(), which reads "--x" as short options */
		int r2 = tb->mine ? getopt_long(argc, argv, tb->shortopts, tb->theirs, NULL)
				  : getopt(argc, argv, tb->shortopts);
		captured(e2, sizeof e2);
		bool ok = r1 == r2 && s.ind == optind && s.arg == optarg && !strcmp(e1, e2);
		CHECK(ok);
		if (!ok && shown++ < 30) {
			fprintf(stderr, "  argv:");
			for (int i = 0; i < argc; i++)
				fprintf(stderr, " '%s'", argv[i]);
			fprintf(stderr, "\n  step %d: tend %d ind %d arg %s err \"%s\"\n", step, r1, s.ind,
				s.arg ? s.arg : "(null)", e1);
			fprintf(stderr, "          glibc %d ind %d arg %s err \"%s\"\n", r2, optind,
				optarg ? optarg : "(null)", e2);
		}
		if (!ok || r1 == -1)
			return;
	}
}

#define ARGV(...)                                                                        \
	do {                                                                             \
		char *v_[] = {__VA_ARGS__, NULL};                                        \
		same(tb, (int)(sizeof v_ / sizeof *v_) - 1, v_);                         \
	} while (0)

static void fixed(const struct table *tb)
{
	ARGV("prog");
	ARGV("prog", "x");
	ARGV("prog", "-");
	ARGV("prog", "--");
	ARGV("prog", "--", "-g");
	ARGV("prog", "-g", "--", "x");
	ARGV("prog", "x", "-g");
	ARGV("prog", "", "-g");
	ARGV("prog", "-x");
	ARGV("prog", "-gx", "y");
	ARGV("prog", "-xg");
	ARGV("prog", "-:");
	ARGV("prog", "-;");
	ARGV("prog", "-+");
	ARGV("prog", "-c");
	ARGV("prog", "-c", "FILE");
	ARGV("prog", "-cFILE");
	ARGV("prog", "-gcFILE", "x");
	ARGV("prog", "-gc", "FILE", "x");
	ARGV("prog", "-gc");
	ARGV("prog", "-p");
	ARGV("prog", "-pSIGTERM", "-e", "3", "x");
	ARGV("prog", "-r", "-g");
	ARGV("prog", "--config");
	ARGV("prog", "--config", "f");
	ARGV("prog", "--config=f");
	ARGV("prog", "--config=");
	ARGV("prog", "--conf=a=b");
	ARGV("prog", "--c");
	ARGV("prog", "--c=1");
	ARGV("prog", "--ch");
	ARGV("prog", "--check=1");
	ARGV("prog", "--check=");
	ARGV("prog", "--ver");
	ARGV("prog", "--verb");
	ARGV("prog", "--vers=2");
	ARGV("prog", "--help", "--version");
	ARGV("prog", "--bogus");
	ARGV("prog", "--bogus=1");
	ARGV("prog", "---");
	ARGV("prog", "---x");
	ARGV("prog", "--=");
	ARGV("prog", "--=x");
	ARGV("prog", "--col");
	ARGV("prog", "--col=x");
	ARGV("prog", "--colo");
	ARGV("prog", "--s");
	ARGV("prog", "--si", "x");
	ARGV("prog", "--rewrite", "15:3", "--rew=1:2", "-r3:4", "-r", "5:6", "x");
	ARGV("/usr/bin/tini", "-x");
	ARGV("dumb-init", "--yolo");
}

/* A small LCG: the same vectors every run. */
static unsigned long rng = 12345;
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

static void random_vectors(const struct table *tb, int count)
{
	int npool = 0;
	while (tb->pool[npool])
		npool++;
	for (int k = 0; k < count; k++) {
		char *v[9] = {"prog"};
		int argc = 1 + (int)rnd(7);
		for (int i = 1; i < argc; i++)
			v[i] = (char *)tb->pool[rnd((unsigned)npool)];
		v[argc] = NULL;
		same(tb, argc, v);
	}
}

static const char *const common_pool[] = {
	"-g", "-v", "-gv", "-c", "-cx", "-gc", "-gcx", "-x", "-vx", "-", "--", "---", "--=", "--=x",
	"x", "", "-:", "-;", "-+", "-W", "-Wfoo", "-r", "15:0", "-r1:2", "-e", "-e3", "3", "-p",
	"-pSIGTERM", "SIGTERM", "-h", "-V", "-s", "-w", "-l", "--config", "--config=a", "--config=",
	"--con", "--c", "--c=1", "--ch", "--check", "--check=1", "--ver", "--verb", "--vers",
	"--version", "--version=", "--help", "--h", "--he=x", "--gr", "--grace=3", "--grace",
	"--bogus", "--bogus=1", "--p", "--pd", "--pg", "--rewrite", "--rewrite=1:2", "--re",
	"--s", "--si", "--single-child", "--e", "--expect=1", "--w", "--warn", "--col", "--colo",
	"--color", "--colour=x", "--sub", NULL};

int main(void)
{
	cap = memfd_create("stderr", 0);
	if (cap < 0) {
		perror("memfd_create");
		return 1;
	}
	enum { O_CHECK = 256, O_GRACE };
	static const struct optlong tend_long[] = {
		{"config", 1, 'c'},    {"check", 0, O_CHECK},  {"pgroup", 0, 'g'},
		{"rewrite", 1, 'r'},   {"expect", 1, 'e'},     {"pdeathsig", 1, 'p'},
		{"subreaper", 0, 's'}, {"grace", 1, O_GRACE}, {"warn-reap", 0, 'w'},
		{"verbose", 0, 'v'},   {"help", 0, 'h'},       {"version", 0, 'V'},
		{0, 0, 0}};
	static const struct optlong dumb_long[] = {
		{"help", 0, 'h'},    {"single-child", 0, 'c'}, {"rewrite", 1, 'r'},
		{"verbose", 0, 'v'}, {"version", 0, 'V'},      {0, 0, 0}};
	/* abbreviations of several options: not ambiguous when they all mean the same */
	static const struct optlong same_long[] = {
		{"color", 0, 'C'},  {"colour", 0, 'C'}, {"colors", 1, 'C'}, {"check", 0, 'k'},
		{"checks", 0, 'k'}, {"c", 1, 'c'},      {0, 0, 0}};
	static const struct optlong alike_long[] = {{"color", 1, 'C'}, {"colour", 1, 'C'}, {0, 0, 0}};
	struct table tables[] = {
		{"+c:gr:e:p:swvhV", tend_long, {{0}}, common_pool},
		{"+p:hvwgle:s", NULL, {{0}}, common_pool},
		{"+hvVcr:", dumb_long, {{0}}, common_pool},
		{"+c:gv", same_long, {{0}}, common_pool},
		{"+gv", alike_long, {{0}}, common_pool},
	};
	int ntables = (int)(sizeof tables / sizeof *tables);
	for (int i = 0; i < ntables; i++) {
		struct table *tb = &tables[i];
		for (int j = 0; tb->mine && tb->mine[j].name; j++)
			tb->theirs[j] = (struct option){tb->mine[j].name, tb->mine[j].has_arg, NULL, tb->mine[j].val};
		fixed(tb);
		random_vectors(tb, 20000);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
